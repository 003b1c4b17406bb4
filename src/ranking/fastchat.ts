// FastChat's clean-battle format (LMArena / GenAI-Arena exports): a JSON array of battle objects or one object
// per line (JSONL). Text in, compact columns out; reading the file is the caller's business.
import { type EloOptions, onlineEloByIndex } from "./elo.ts";
import type { Comparison, ComparisonCount } from "./types.ts";

export interface FastChatOptions {
  /** Keep rows with `"anony": false` (default: anonymous rows only; a row without `anony` is anonymous). */
  readonly includeNonAnonymous?: boolean;
  /**
   * Read the style counts of `conv_metadata` (FastChat's clean-battle files with markdown metadata):
   * sum_assistant_{a,b}_tokens, header_count_{a,b}, list_count_{a,b}, bold_count_{a,b}, each a number or an
   * object of numbers (summed). A kept row without them is a malformed row.
   */
  readonly style?: boolean;
  /** Read each battle's prompt (the user turns of `conversation_a`, as FastChat's deduplication does). */
  readonly prompts?: boolean;
  /** Read each battle's voter (`judge`, the voter's id in FastChat's files). */
  readonly voters?: boolean;
}

/** FastChat's conv_metadata names of the style elements, in STYLE_ELEMENTS order (style.ts). */
export const STYLE_METADATA_FIELDS: readonly string[] = [
  "sum_assistant_{side}_tokens",
  "header_count_{side}",
  "list_count_{side}",
  "bold_count_{side}",
];

/** Parsed battles as columns, in file order. Models are indices into `models`. */
export interface FastChatBattles {
  /** Model names met in the input (a name seen only in skipped rows may be among them). */
  readonly models: readonly string[];
  readonly count: number;
  readonly modelA: Int32Array;
  readonly modelB: Int32Array;
  /** Model A's score: 1, 0 or 0.5 (tie, tie (bothbad)). */
  readonly outcome: Float64Array;
  /** Time stamps; a row without one carries the previous row's, so it keeps its place in time order. */
  readonly tstamp: Float64Array;
  /** Rows left out, by reason: "not_anonymous", "same_model". */
  readonly skipped: Readonly<Record<string, number>>;
  /** With `style`: row-major count × 4 style counts of side A and of side B (STYLE_METADATA_FIELDS order). */
  readonly styleA?: Float64Array;
  readonly styleB?: Float64Array;
  /** With `prompts`: a prompt id per row (equal ids, equal prompts), −1 where the row carries no prompt. */
  readonly prompt?: Int32Array;
  /** With `voters`: a voter index per row into `voters`, −1 where the row names none. */
  readonly voter?: Int32Array;
  readonly voters?: readonly string[];
}

/** A malformed input: `line` is 1-based in the text given. */
export class FastChatParseError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = "FastChatParseError";
  }
}

const OUTCOMES: Readonly<Record<string, number>> = {
  model_a: 1,
  model_b: 0,
  tie: 0.5,
  "tie (bothbad)": 0.5,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const WINNER_BYTES = Object.keys(OUTCOMES).map((name) => ({ bytes: encoder.encode(name), name }));
const FIELD_BYTES = ["model_a", "model_b", "winner", "anony", "tstamp"].map((name) => encoder.encode(name));
const FIELD_MODEL_A = 0;
const FIELD_MODEL_B = 1;
const FIELD_WINNER = 2;
const FIELD_ANONY = 3;
const FIELD_TSTAMP = 4;

function sameBytes(bytes: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[start + i] !== expected[i]) return false;
  return true;
}

class BattleColumns {
  private readonly modelIndex = new Map<string, number>();
  // Model names met by the fast path, by a hash of their UTF-8 bytes, so no string is made per row.
  private readonly modelsByHash = new Map<number, { bytes: Uint8Array; index: number }[]>();
  readonly models: string[] = [];
  readonly modelA: number[] = [];
  readonly modelB: number[] = [];
  readonly outcome: number[] = [];
  readonly tstamp: number[] = [];
  readonly skipped: Record<string, number> = {};
  private lastStamp = Number.NEGATIVE_INFINITY;
  private readonly styleA: number[] = [];
  private readonly styleB: number[] = [];
  private readonly prompt: number[] = [];
  private readonly promptIds = new Map<string, number>();
  private readonly voter: number[] = [];
  private readonly voterIds = new Map<string, number>();

  constructor(
    private readonly includeNonAnonymous: boolean,
    private readonly readStyle: boolean,
    private readonly readPrompts: boolean,
    private readonly readVoters = false,
  ) {}

  /** True when rows need more than the fast path reads. */
  get needsFullRows(): boolean {
    return this.readStyle || this.readPrompts || this.readVoters;
  }

  /** A row as JSON.parse gave it. */
  add(row: unknown, line: number): void {
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      throw new FastChatParseError(line, "a battle must be a JSON object");
    }
    const record = row as Record<string, unknown>;
    const modelA = record.model_a;
    const modelB = record.model_b;
    if (typeof modelA !== "string" || modelA === "") throw new FastChatParseError(line, "missing model_a");
    if (typeof modelB !== "string" || modelB === "") throw new FastChatParseError(line, "missing model_b");
    const kept = this.addFields(
      this.indexOfName(modelA),
      this.indexOfName(modelB),
      record.winner,
      record.anony,
      record.tstamp,
      line,
    );
    if (!kept) return;
    if (this.readStyle) this.addStyle(record.conv_metadata, line);
    if (this.readPrompts) this.prompt.push(this.promptIdOf(record.conversation_a));
    if (this.readVoters) this.voter.push(this.voterIdOf(record.judge));
  }

  private voterIdOf(judge: unknown): number {
    if (typeof judge !== "string" || judge === "") return -1;
    let id = this.voterIds.get(judge);
    if (id === undefined) {
      id = this.voterIds.size;
      this.voterIds.set(judge, id);
    }
    return id;
  }

  private addStyle(metadata: unknown, line: number): void {
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
      throw new FastChatParseError(line, "style control needs the battle's conv_metadata object");
    }
    const record = metadata as Record<string, unknown>;
    for (const [side, out] of [
      ["a", this.styleA],
      ["b", this.styleB],
    ] as const) {
      for (const template of STYLE_METADATA_FIELDS) {
        const field = template.replace("{side}", side);
        const value = styleCount(record[field]);
        if (value === undefined) {
          throw new FastChatParseError(
            line,
            `style control needs conv_metadata.${field} (a count ≥ 0 or an object of counts), got ${JSON.stringify(record[field]) ?? "(missing)"}`,
          );
        }
        out.push(value);
      }
    }
  }

  /** FastChat's dedup key: each user turn of conversation_a followed by a newline, cut at 10,000 characters. */
  private promptIdOf(conversation: unknown): number {
    if (!Array.isArray(conversation)) return -1;
    let text = "";
    for (const turn of conversation) {
      if (typeof turn !== "object" || turn === null) continue;
      const { role, content } = turn as { role?: unknown; content?: unknown };
      if (role === "user" && typeof content === "string") text += `${content}\n`;
    }
    if (text === "") return -1;
    const key = text.slice(0, 10000);
    let id = this.promptIds.get(key);
    if (id === undefined) {
      id = this.promptIds.size;
      this.promptIds.set(key, id);
    }
    return id;
  }

  /** A battle whose models are already indices; other fields as JSON.parse would give them. */
  addFields(
    modelA: number,
    modelB: number,
    winner: unknown,
    anony: unknown,
    stamp: unknown,
    line: number,
  ): boolean {
    const outcome = typeof winner === "string" ? OUTCOMES[winner] : undefined;
    if (outcome === undefined) {
      throw new FastChatParseError(
        line,
        `unknown winner ${JSON.stringify(winner) ?? "(missing)"} (expected model_a, model_b, tie or tie (bothbad))`,
      );
    }
    if (anony !== undefined && anony !== null && typeof anony !== "boolean") {
      throw new FastChatParseError(line, `anony must be true or false, got ${JSON.stringify(anony)}`);
    }
    if (stamp !== undefined && stamp !== null && !(typeof stamp === "number" && Number.isFinite(stamp))) {
      throw new FastChatParseError(line, `tstamp must be a number, got ${JSON.stringify(stamp)}`);
    }
    if (typeof stamp === "number") this.lastStamp = stamp;
    if (anony === false && !this.includeNonAnonymous) {
      this.skip("not_anonymous");
      return false;
    }
    if (modelA === modelB) {
      this.skip("same_model");
      return false;
    }
    this.modelA.push(modelA);
    this.modelB.push(modelB);
    this.outcome.push(outcome);
    this.tstamp.push(this.lastStamp);
    return true;
  }

  /** Index of the model named by UTF-8 bytes [start, end) (no escapes in them). */
  indexOfBytes(bytes: Uint8Array, start: number, end: number): number {
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] ?? 0), 0x01000193);
    hash &= 0x3fffffff; // a small integer key keeps the Map lookup on its fast path
    const candidates = this.modelsByHash.get(hash);
    if (candidates !== undefined) {
      for (const candidate of candidates)
        if (sameBytes(bytes, start, end, candidate.bytes)) return candidate.index;
    }
    const index = this.indexOfName(decoder.decode(bytes.subarray(start, end)));
    const entry = { bytes: bytes.slice(start, end), index };
    if (candidates === undefined) this.modelsByHash.set(hash, [entry]);
    else candidates.push(entry);
    return index;
  }

  build(): FastChatBattles {
    return {
      models: this.models,
      count: this.modelA.length,
      modelA: Int32Array.from(this.modelA),
      modelB: Int32Array.from(this.modelB),
      outcome: Float64Array.from(this.outcome),
      tstamp: Float64Array.from(this.tstamp),
      skipped: this.skipped,
      ...(this.readStyle
        ? { styleA: Float64Array.from(this.styleA), styleB: Float64Array.from(this.styleB) }
        : {}),
      ...(this.readPrompts ? { prompt: Int32Array.from(this.prompt) } : {}),
      ...(this.readVoters ? { voter: Int32Array.from(this.voter), voters: [...this.voterIds.keys()] } : {}),
    };
  }

  private skip(reason: string): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }

  private indexOfName(model: string): number {
    let index = this.modelIndex.get(model);
    if (index === undefined) {
      index = this.models.length;
      this.modelIndex.set(model, index);
      this.models.push(model);
    }
    return index;
  }
}

/** JSON.parse of bytes [start, end); a syntax error becomes a FastChatParseError at the line V8 points to. */
function parseJson(bytes: Uint8Array, start: number, end: number, startLine: number): unknown {
  const text = decoder.decode(bytes.subarray(start, end));
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message)?.[1];
    let line = startLine;
    if (position !== undefined) {
      for (let i = 0; i < Number(position) && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
    }
    throw new FastChatParseError(line, `invalid JSON: ${message.replace(/, ".*" is not valid JSON$/s, "")}`);
  }
}

/**
 * Parses clean-battle data (JSON array or JSONL; a string or its UTF-8 bytes, a leading BOM ignored). Empty
 * input (or an empty array) gives no battles. Throws FastChatParseError with the line of the first malformed
 * row: invalid JSON, a row that is not an object, a missing model name, an unknown winner, a non-boolean
 * `anony` or a non-numeric `tstamp`.
 */
export function parseFastChat(input: string | Uint8Array, options: FastChatOptions = {}): FastChatBattles {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  const columns = new BattleColumns(
    options.includeNonAnonymous ?? false,
    options.style ?? false,
    options.prompts ?? false,
    options.voters ?? false,
  );
  let first = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const contentStart = first;
  let line = 1;
  while (first < bytes.length && isSpace(bytes[first] ?? 0)) {
    if (bytes[first] === 10) line++;
    first++;
  }
  if (bytes[first] === 91 /* [ */) parseArray(bytes, first, line, columns);
  else parseLines(bytes, contentStart, columns);
  return columns.build();
}

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9;
}

function parseLines(bytes: Uint8Array, start: number, columns: BattleColumns): void {
  let line = 1;
  while (start < bytes.length) {
    let end = bytes.indexOf(10, start);
    if (end < 0) end = bytes.length;
    const contentStart = skipSpace(bytes, start, end);
    if (contentStart < end && !addFlatObject(bytes, contentStart, end, line, columns)) {
      columns.add(parseJson(bytes, contentStart, end, line), line);
    }
    start = end + 1;
    line++;
  }
}

/** Splits a top-level JSON array into its elements (string-aware), parsing each with its own line number. */
/** Splits a top-level JSON array into its elements (string-aware), parsing each with its own line number. */
function parseArray(bytes: Uint8Array, open: number, openLine: number, columns: BattleColumns): void {
  let line = openLine;
  const closers: number[] = []; // the brackets open inside the current element, innermost last
  let inString = false;
  let elementStart = -1;
  let elementLine = line;
  let elements = 0;
  let closed = false;
  let i = open + 1;
  // A malformed element: JSON.parse of it words the error and finds its line; the fallback is ours.
  const fail = (end: number, reason: string): never => {
    if (elementStart >= 0) parseJson(bytes, elementStart, Math.min(end, bytes.length), elementLine);
    throw new FastChatParseError(line, `invalid JSON: ${reason}`);
  };
  for (; i < bytes.length; i++) {
    const code = bytes[i] ?? 0;
    if (code === 10) line++;
    if (inString) {
      if (code === 92 /* \ */) i++;
      else if (code === 34 /* " */) inString = false;
      continue;
    }
    if (elementStart < 0 && !isSpace(code)) {
      if (code === 93 /* ] */ && elements === 0) {
        closed = true; // an empty array
        break;
      }
      elementStart = i;
      elementLine = line;
    }
    if (code === 34) inString = true;
    else if (code === 123 /* { */) closers.push(125);
    else if (code === 91 /* [ */) closers.push(93);
    else if ((code === 125 || code === 93) && closers.length > 0) {
      if (closers.pop() !== code) fail(i + 1, "mismatched brackets");
    } else if (closers.length === 0 && (code === 44 /* , */ || code === 93)) {
      if (elementStart === i) throw new FastChatParseError(line, "invalid JSON: empty array element");
      if (!addFlatObject(bytes, elementStart, i, elementLine, columns)) {
        columns.add(parseJson(bytes, elementStart, i, elementLine), elementLine);
      }
      elements++;
      elementStart = -1;
      if (code === 93) {
        closed = true;
        break;
      }
    } else if (code === 125) {
      fail(i + 1, "unexpected }");
    }
  }
  if (!closed) fail(bytes.length, "the array is not closed");
  for (i++; i < bytes.length; i++) {
    const code = bytes[i] ?? 0;
    if (code === 10) line++;
    if (!isSpace(code)) throw new FastChatParseError(line, "invalid JSON: text after the closing ]");
  }
}

// Fast path. JSON.parse builds a whole object per battle, most of which is thrown away; on a million rows
// that is most of the command's time. A battle is nearly always a flat object, so this reads the few fields
// we need straight from the bytes. It accepts only a strict subset of JSON (one flat object whose keys and
// strings have no escapes or control characters, whose values are strings, numbers, true, false or null)
// and returns false on anything else, valid or not; the caller then uses JSON.parse, which also words the
// errors. Structural characters are ASCII, so scanning UTF-8 bytes is exact.

function skipSpace(bytes: Uint8Array, position: number, end: number): number {
  // Compact JSON has no spaces between tokens: test one byte before looping.
  const code = bytes[position] ?? 0;
  if (code > 32 || position >= end) return position;
  while (position < end && isSpace(bytes[position] ?? 0)) position++;
  return position;
}

/** Index of the closing quote of a string whose content starts at `position`; −1 on an escape or control. */
function stringEnd(bytes: Uint8Array, position: number, end: number): number {
  for (; position < end; position++) {
    const code = bytes[position] ?? 0;
    if (code === 34) return position;
    if (code === 92 || code < 32) return -1;
  }
  return -1;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Reads a JSON number at `position`: its end, and its value in `numberValue`. −1 if it is not a JSON number.
 * Up to 15 significant digits and 22 decimals without exponent, mantissa / 10^k is one correctly rounded
 * division of exact operands, hence equal to Number(text); anything longer goes through Number(text).
 */
let numberValue = 0;
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, exponent) => 10 ** exponent);
function readNumber(bytes: Uint8Array, position: number, end: number): number {
  let i = position;
  const negative = bytes[i] === 45;
  if (negative) i++;
  const digitsStart = i;
  let mantissa = 0;
  let digits = 0;
  if (bytes[i] === 48) i++;
  else {
    while (i < end && isDigit(bytes[i] ?? 0)) {
      mantissa = mantissa * 10 + ((bytes[i] ?? 0) - 48);
      digits++;
      i++;
    }
  }
  if (i === digitsStart) return -1;
  let decimals = 0;
  if (bytes[i] === 46) {
    i++;
    const fractionStart = i;
    while (i < end && isDigit(bytes[i] ?? 0)) {
      mantissa = mantissa * 10 + ((bytes[i] ?? 0) - 48);
      if (mantissa !== 0) digits++;
      decimals++;
      i++;
    }
    if (i === fractionStart) return -1;
  }
  let exponent = false;
  const e = bytes[i];
  if (e === 101 || e === 69) {
    exponent = true;
    i++;
    if (bytes[i] === 43 || bytes[i] === 45) i++;
    const exponentStart = i;
    while (i < end && isDigit(bytes[i] ?? 0)) i++;
    if (i === exponentStart) return -1;
  }
  if (exponent || digits > 15 || decimals > 22) {
    numberValue = Number(decoder.decode(bytes.subarray(position, i)));
  } else {
    const magnitude = decimals === 0 ? mantissa : mantissa / (EXACT_POWERS_OF_TEN[decimals] ?? 1);
    numberValue = negative ? -magnitude : magnitude;
  }
  return i;
}

function fieldAt(bytes: Uint8Array, start: number, end: number): number {
  for (let field = 0; field < FIELD_BYTES.length; field++) {
    const name = FIELD_BYTES[field];
    if (name !== undefined && sameBytes(bytes, start, end, name)) return field;
  }
  return -1;
}

const MISSING_MODEL = -1;

/** Reads bytes [start, end) as a flat battle object and adds it; false if it is outside the fast subset. */
function addFlatObject(
  bytes: Uint8Array,
  start: number,
  end: number,
  line: number,
  columns: BattleColumns,
): boolean {
  if (columns.needsFullRows) return false;
  let position = skipSpace(bytes, start, end);
  if (bytes[position] !== 123) return false;
  let modelA = MISSING_MODEL;
  let modelB = MISSING_MODEL;
  let winner: unknown;
  let anony: unknown;
  let stamp: unknown;
  position = skipSpace(bytes, position + 1, end);
  if (bytes[position] === 125) {
    position++;
  } else {
    for (;;) {
      if (bytes[position] !== 34) return false;
      const keyEnd = stringEnd(bytes, position + 1, end);
      if (keyEnd < 0) return false;
      const field = fieldAt(bytes, position + 1, keyEnd);
      position = skipSpace(bytes, keyEnd + 1, end);
      if (bytes[position] !== 58) return false;
      position = skipSpace(bytes, position + 1, end);
      const code = bytes[position];
      let value: unknown;
      if (code === 34) {
        const valueEnd = stringEnd(bytes, position + 1, end);
        if (valueEnd < 0) return false;
        if (field === FIELD_MODEL_A || field === FIELD_MODEL_B) {
          // An empty or non-string model is left to JSON.parse and the full checks.
          if (valueEnd === position + 1) return false;
          const index = columns.indexOfBytes(bytes, position + 1, valueEnd);
          if (field === FIELD_MODEL_A) modelA = index;
          else modelB = index;
        } else if (field === FIELD_WINNER) {
          for (const entry of WINNER_BYTES) {
            if (sameBytes(bytes, position + 1, valueEnd, entry.bytes)) value = entry.name;
          }
          if (value === undefined) return false; // JSON.parse quotes the unknown winner in the error
        } else if (field !== -1) {
          value = decoder.decode(bytes.subarray(position + 1, valueEnd));
        }
        position = valueEnd + 1;
      } else if (
        code === 116 &&
        bytes[position + 1] === 114 &&
        bytes[position + 2] === 117 &&
        bytes[position + 3] === 101
      ) {
        value = true;
        position += 4;
      } else if (
        code === 102 &&
        bytes[position + 1] === 97 &&
        bytes[position + 2] === 108 &&
        bytes[position + 3] === 115 &&
        bytes[position + 4] === 101
      ) {
        value = false;
        position += 5;
      } else if (
        code === 110 &&
        bytes[position + 1] === 117 &&
        bytes[position + 2] === 108 &&
        bytes[position + 3] === 108
      ) {
        value = null;
        position += 4;
      } else {
        const valueEnd = readNumber(bytes, position, end);
        if (valueEnd < 0) return false;
        value = numberValue;
        position = valueEnd;
      }
      if ((field === FIELD_MODEL_A || field === FIELD_MODEL_B) && code !== 34) return false;
      if (field === FIELD_WINNER) winner = value;
      else if (field === FIELD_ANONY) anony = value;
      else if (field === FIELD_TSTAMP) stamp = value;
      position = skipSpace(bytes, position, end);
      const separator = bytes[position];
      position = skipSpace(bytes, position + 1, end);
      if (separator === 125) break;
      if (separator !== 44) return false;
    }
  }
  if (position !== end) return false;
  if (modelA === MISSING_MODEL || modelB === MISSING_MODEL) return false;
  columns.addFields(modelA, modelB, winner, anony, stamp, line);
  return true;
}

/** A style count: a number ≥ 0, or an object of such numbers (FastChat's per-level counts), summed. */
function styleCount(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  let sum = 0;
  for (const part of Object.values(value)) {
    if (!(typeof part === "number" && Number.isFinite(part) && part >= 0)) return undefined;
    sum += part;
  }
  return sum;
}

/** The battles as comparisons, in file order. */
export function* fastChatComparisons(battles: FastChatBattles): Generator<Comparison> {
  for (let row = 0; row < battles.count; row++) yield comparisonAt(battles, row);
}

/** Row indices in `tstamp` order, equal stamps in file order. */
export function timeOrder(battles: FastChatBattles): Int32Array {
  const stamps = battles.tstamp;
  const order = new Int32Array(battles.count);
  for (let row = 0; row < battles.count; row++) order[row] = row;
  let sorted = true;
  for (let row = 1; row < battles.count && sorted; row++)
    sorted = (stamps[row - 1] ?? 0) <= (stamps[row] ?? 0);
  if (sorted) return order;
  // −Infinity − (−Infinity) is NaN, which `||` turns into the file-order tie-break.
  return Int32Array.from(Array.from(order).sort((x, y) => (stamps[x] ?? 0) - (stamps[y] ?? 0) || x - y));
}

/** The battles in `tstamp` order, equal stamps in file order (for online Elo). */
export function* fastChatComparisonsInTimeOrder(battles: FastChatBattles): Generator<Comparison> {
  for (const row of timeOrder(battles)) yield comparisonAt(battles, row);
}

/** Online Elo of the battles replayed in time order (see `onlineElo`). */
export function fastChatElo(battles: FastChatBattles, options?: EloOptions): Map<string, number> {
  return onlineEloByIndex(
    battles.models,
    battles.modelA,
    battles.modelB,
    battles.outcome,
    timeOrder(battles),
    options,
  );
}

/** The battles reduced to counts per (model A, model B, outcome), in first-seen order: input of tableFromCounts. */
export function fastChatCounts(battles: FastChatBattles): ComparisonCount[] {
  const modelCount = battles.models.length;
  const rowOf = new Map<number, number>();
  const rows: { modelA: string; modelB: string; outcome: number; count: number }[] = [];
  for (let row = 0; row < battles.count; row++) {
    const a = battles.modelA[row] ?? 0;
    const b = battles.modelB[row] ?? 0;
    const outcome = battles.outcome[row] ?? 0;
    // Outcomes are 0, 0.5 or 1: 2·outcome is an exact small integer.
    const key = (a * modelCount + b) * 3 + 2 * outcome;
    const index = rowOf.get(key);
    if (index === undefined) {
      rowOf.set(key, rows.length);
      rows.push({ modelA: battles.models[a] ?? "", modelB: battles.models[b] ?? "", outcome, count: 1 });
    } else {
      const entry = rows[index];
      if (entry !== undefined) entry.count++;
    }
  }
  return rows;
}

function comparisonAt(battles: FastChatBattles, row: number): Comparison {
  return {
    modelA: battles.models[battles.modelA[row] ?? 0] ?? "",
    modelB: battles.models[battles.modelB[row] ?? 0] ?? "",
    outcome: battles.outcome[row] ?? 0,
  };
}
