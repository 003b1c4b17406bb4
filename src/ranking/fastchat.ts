// FastChat's clean-battle format (LMArena / GenAI-Arena exports): a JSON array of battle objects or one object
// per line (JSONL). Text in, compact columns out; reading the file is the caller's business.
import type { Comparison } from "./types.ts";

export interface FastChatOptions {
  /** Keep rows with `"anony": false` (default: anonymous rows only; a row without `anony` is anonymous). */
  readonly includeNonAnonymous?: boolean;
}

/** Parsed battles as columns, in file order. Models are indices into `models`. */
export interface FastChatBattles {
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

class BattleColumns {
  private readonly modelIndex = new Map<string, number>();
  readonly models: string[] = [];
  readonly modelA: number[] = [];
  readonly modelB: number[] = [];
  readonly outcome: number[] = [];
  readonly tstamp: number[] = [];
  readonly skipped: Record<string, number> = {};
  private lastStamp = Number.NEGATIVE_INFINITY;

  constructor(private readonly includeNonAnonymous: boolean) {}

  add(row: unknown, line: number): void {
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      throw new FastChatParseError(line, "a battle must be a JSON object");
    }
    const record = row as Record<string, unknown>;
    const modelA = record.model_a;
    const modelB = record.model_b;
    if (typeof modelA !== "string" || modelA === "") throw new FastChatParseError(line, "missing model_a");
    if (typeof modelB !== "string" || modelB === "") throw new FastChatParseError(line, "missing model_b");
    const winner = record.winner;
    const outcome = typeof winner === "string" ? OUTCOMES[winner] : undefined;
    if (outcome === undefined) {
      throw new FastChatParseError(
        line,
        `unknown winner ${JSON.stringify(winner) ?? "(missing)"} (expected model_a, model_b, tie or tie (bothbad))`,
      );
    }
    const anony = record.anony;
    if (anony !== undefined && anony !== null && typeof anony !== "boolean") {
      throw new FastChatParseError(line, `anony must be true or false, got ${JSON.stringify(anony)}`);
    }
    const stamp = record.tstamp;
    if (stamp !== undefined && stamp !== null && !(typeof stamp === "number" && Number.isFinite(stamp))) {
      throw new FastChatParseError(line, `tstamp must be a number, got ${JSON.stringify(stamp)}`);
    }
    if (typeof stamp === "number") this.lastStamp = stamp;
    if (anony === false && !this.includeNonAnonymous) {
      this.skip("not_anonymous");
      return;
    }
    if (modelA === modelB) {
      this.skip("same_model");
      return;
    }
    this.modelA.push(this.indexOf(modelA));
    this.modelB.push(this.indexOf(modelB));
    this.outcome.push(outcome);
    this.tstamp.push(this.lastStamp);
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
    };
  }

  private skip(reason: string): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }

  private indexOf(model: string): number {
    let index = this.modelIndex.get(model);
    if (index === undefined) {
      index = this.models.length;
      this.modelIndex.set(model, index);
      this.models.push(model);
    }
    return index;
  }
}

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number, fromOffset = 0, fromLine = 1): number {
  let line = fromLine;
  for (let i = fromOffset; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** JSON.parse, with a syntax error turned into a FastChatParseError at the right line when V8 says where. */
function parseJson(source: string, start: number, end: number, startLine: number): unknown {
  const slice = source.slice(start, end);
  try {
    return JSON.parse(slice);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message)?.[1];
    const line =
      position === undefined ? startLine : lineAt(source, start + Number(position), start, startLine);
    throw new FastChatParseError(line, `invalid JSON: ${message.replace(/, ".*" is not valid JSON$/s, "")}`);
  }
}

/**
 * Parses clean-battle text (JSON array or JSONL). Empty text (or an empty array) gives no battles.
 * Throws FastChatParseError with the line of the first malformed row: invalid JSON, a row that is not an
 * object, a missing model name, an unknown winner, a non-boolean `anony` or a non-numeric `tstamp`.
 */
export function parseFastChat(text: string, options: FastChatOptions = {}): FastChatBattles {
  const columns = new BattleColumns(options.includeNonAnonymous ?? false);
  let first = 0;
  while (first < text.length && isWhitespace(text.charCodeAt(first))) first++;
  if (text.charCodeAt(first) === 91 /* [ */) parseArray(text, first, columns);
  else parseLines(text, columns);
  return columns.build();
}

function isWhitespace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9 || code === 0xfeff;
}

function parseLines(text: string, columns: BattleColumns): void {
  let start = 0;
  let line = 1;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    let contentStart = start;
    while (contentStart < end && isWhitespace(text.charCodeAt(contentStart))) contentStart++;
    if (contentStart < end) columns.add(parseJson(text, contentStart, end, line), line);
    start = end + 1;
    line++;
  }
}

/** Splits a top-level JSON array into its elements (string-aware), parsing each with its own line number. */
function parseArray(text: string, open: number, columns: BattleColumns): void {
  let line = lineAt(text, open);
  let depth = 0;
  let inString = false;
  let elementStart = -1;
  let elementLine = line;
  let closed = false;
  let elements = 0;
  let i = open + 1;
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10) line++;
    if (inString) {
      if (code === 92 /* \ */) i++;
      else if (code === 34 /* " */) inString = false;
      continue;
    }
    if (elementStart < 0 && !isWhitespace(code)) {
      if (code === 93 /* ] */ && elements === 0) {
        closed = true; // an empty array
        break;
      }
      elementStart = i;
      elementLine = line;
    }
    if (code === 34) inString = true;
    else if (code === 123 || code === 91) depth++;
    else if ((code === 125 || code === 93) && depth > 0) depth--;
    else if (depth === 0 && (code === 44 /* , */ || code === 93)) {
      if (elementStart < 0 || elementStart === i)
        throw new FastChatParseError(line, "invalid JSON: empty array element");
      columns.add(parseJson(text, elementStart, i, elementLine), elementLine);
      elements++;
      elementStart = -1;
      if (code === 93) {
        closed = true;
        break;
      }
    }
  }
  if (!closed) throw new FastChatParseError(line, "invalid JSON: the array is not closed");
  for (i++; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10) line++;
    if (!isWhitespace(code)) throw new FastChatParseError(line, "invalid JSON: text after the closing ]");
  }
}

/** The battles as comparisons, in file order. */
export function* fastChatComparisons(battles: FastChatBattles): Generator<Comparison> {
  for (let row = 0; row < battles.count; row++) yield comparisonAt(battles, row);
}

/** The battles in `tstamp` order, equal stamps in file order (for online Elo). */
export function* fastChatComparisonsInTimeOrder(battles: FastChatBattles): Generator<Comparison> {
  const stamps = battles.tstamp;
  let sorted = true;
  for (let row = 1; row < battles.count && sorted; row++)
    sorted = (stamps[row - 1] ?? 0) <= (stamps[row] ?? 0);
  if (sorted) {
    yield* fastChatComparisons(battles);
    return;
  }
  const order = Array.from({ length: battles.count }, (_, row) => row);
  order.sort((x, y) => (stamps[x] ?? 0) - (stamps[y] ?? 0) || x - y);
  for (const row of order) yield comparisonAt(battles, row);
}

function comparisonAt(battles: FastChatBattles, row: number): Comparison {
  return {
    modelA: battles.models[battles.modelA[row] ?? 0] ?? "",
    modelB: battles.models[battles.modelB[row] ?? 0] ?? "",
    outcome: battles.outcome[row] ?? 0,
  };
}
