// The `arena` command line: a table of subcommands, each parsing its own arguments with node:util parseArgs.
// To add one, write `async function runX(args, io): Promise<number>` and add it to `commands` below.
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { availableParallelism, userInfo } from "node:os";
import { parseArgs } from "node:util";
import {
  AlpacaEvalParseError,
  type AlpacaEvalRow,
  alpacaEvalLeaderboard,
  looksLikeAlpacaEval,
  parseAlpacaEvalAnnotations,
} from "./ranking/alpacaeval.ts";
import { anomalousVoters } from "./ranking/anomaly.ts";
import { deduplicateBattles } from "./ranking/dedup.ts";
import {
  battleCountMatrix,
  FastChatParseError,
  fastChatCounts,
  fastChatElo,
  type IntervalMethod,
  type Leaderboard,
  parseFastChat,
  type RankOptions,
  rankModels,
  tableFromCounts,
  warmBootstrapWorkers,
  winFractionMatrix,
} from "./ranking/index.ts";
import { rankStyleControlled, type StyleCoefficient } from "./ranking/style.ts";

/** Where a command writes; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

interface Subcommand {
  readonly usage: string;
  readonly summary: string;
  readonly run: (args: string[], io: CliIo) => Promise<number>;
}

/** Exit codes: 0 success, 1 runtime failure (e.g. unreadable file), 2 bad usage or malformed input. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A problem the user can fix: printed as one line, exit code 2. */
class UsageError extends Error {}

const commands: Readonly<Record<string, Subcommand>> = {
  rank: {
    usage:
      "arena rank FILE [--all] [--bootstrap N] [--seed S] [--ci bootstrap|sandwich|none] [--anchor MODEL=VALUE]\n" +
      "                [--l2 C] [--workers N] [--style-control] [--dedup Q] [--alpaca-eval] [--json]",
    summary:
      "rank the models of a FastChat clean-battle file (JSON array or JSONL; - reads stdin), or print the " +
      "AlpacaEval leaderboard of an AlpacaEval annotations.json",
    run: runRank,
  },
  start: {
    usage: "arena start",
    summary: "migrate the database, upsert ARENA_MODELS and start every platform whose token is set",
    run: runStart,
  },
  migrate: {
    usage: "arena migrate",
    summary: "apply pending database migrations and upsert ARENA_MODELS, then exit",
    run: runMigrate,
  },
  copy: {
    usage: "arena copy --from URL --to URL",
    summary:
      "copy a deployment's data into an empty database (SQLite file or postgres:// URL), migrated first; " +
      "one transaction, verified table by table",
    run: runCopy,
  },
  export: {
    usage: "arena export [--out FILE]",
    summary: "write the counted battles as FastChat clean-battle JSONL (stdout by default)",
    run: runExport,
  },
  voters: {
    usage: "arena voters --anomalous FILE [--all] [--min-votes N] [--alpha A] [--seed S] [--json]",
    summary:
      "flag anomalous voters of a FastChat clean-battle file (one row per vote, the voter in `judge`): the " +
      "Chatbot Arena paper's per-vote p-values, Fisher-combined at random checkpoints",
    run: runVoters,
  },
  models: {
    usage: "arena models list|add|enable|disable|remove|weight|aliases …  (arena models --help)",
    summary: "the model registry, as moderators manage it in chat (API keys are never printed)",
    run: runModels,
  },
};

function helpText(): string {
  const lines = ["usage: arena <command> [options]", "", "commands:"];
  for (const [name, command] of Object.entries(commands))
    lines.push(`  ${name.padEnd(10)}${command.summary}`);
  lines.push("", ...Object.values(commands).map((command) => command.usage));
  return `${lines.join("\n")}\n`;
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout(helpText());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = commands[name];
  if (command === undefined) {
    io.stderr(`arena: unknown command "${name}"\n\n${helpText()}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`arena ${name}: ${error.message}\nusage: ${command.usage}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`arena ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

// ------------------------------------------------------------------------------------------------ rank

function parseRankArgs(args: string[]) {
  let parsed: ReturnType<typeof parseRank>;
  try {
    parsed = parseRank(args);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError("expected exactly one FILE");
  const ci = values.ci ?? "bootstrap";
  if (ci !== "bootstrap" && ci !== "sandwich" && ci !== "none") {
    throw new UsageError(`--ci must be bootstrap, sandwich or none, got "${ci}"`);
  }
  const options: { -readonly [K in keyof RankOptions]: RankOptions[K] } = { ci: ci as IntervalMethod };
  if (values.bootstrap !== undefined)
    options.bootstrapRounds = positiveInteger("--bootstrap", values.bootstrap);
  if (values.workers !== undefined) options.workers = positiveInteger("--workers", values.workers);
  if (values.seed !== undefined) {
    const seed = Number(values.seed);
    if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got "${values.seed}"`);
    options.seed = seed;
  }
  if (values.anchor !== undefined) {
    const separator = values.anchor.lastIndexOf("=");
    const model = values.anchor.slice(0, separator);
    const value = Number(values.anchor.slice(separator + 1));
    if (separator <= 0 || !Number.isFinite(value) || values.anchor.slice(separator + 1).trim() === "") {
      throw new UsageError(`--anchor must be MODEL=VALUE, got "${values.anchor}"`);
    }
    options.anchor = { model, value };
  }
  if (values.l2 !== undefined) {
    const c = Number(values.l2);
    if (!(c > 0 && Number.isFinite(c)))
      throw new UsageError(`--l2 must be a positive number, got "${values.l2}"`);
    options.l2 = { c };
  }
  if (values.png !== undefined && values.png.trim() === "")
    throw new UsageError("--png needs an output prefix");
  let dedup: number | undefined;
  if (values.dedup !== undefined) {
    dedup = Number(values.dedup);
    if (values.dedup.trim() === "" || !(dedup >= 0 && dedup <= 1))
      throw new UsageError(`--dedup must be a quantile between 0 and 1, got "${values.dedup}"`);
  }
  const styleControl = values["style-control"] ?? false;
  if (styleControl && options.l2 !== undefined)
    throw new UsageError("--style-control fits the plain likelihood; it cannot be combined with --l2");
  return {
    file: positionals[0] ?? "",
    styleControl,
    dedup,
    alpacaEval: values["alpaca-eval"] ?? false,
    all: values.all ?? false,
    json: values.json ?? false,
    png: values.png,
    options,
  };
}

function parseRank(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      all: { type: "boolean" },
      bootstrap: { type: "string" },
      seed: { type: "string" },
      ci: { type: "string" },
      anchor: { type: "string" },
      l2: { type: "string" },
      workers: { type: "string" },
      json: { type: "boolean" },
      png: { type: "string" },
      "style-control": { type: "boolean" },
      dedup: { type: "string" },
      "alpaca-eval": { type: "boolean" },
    },
  });
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!(Number.isSafeInteger(value) && value >= 1))
    throw new UsageError(`${flag} must be a positive integer, got "${text}"`);
  return value;
}

/** The file's bytes (the parser reads UTF-8 itself, faster than decoding a whole file to a string). */
async function readInput(file: string): Promise<Uint8Array> {
  if (file === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${file}: ${code === "ENOENT" ? "no such file" : String(code ?? error)}`);
  }
}

async function runRank(args: string[], io: CliIo): Promise<number> {
  const { file, all, json, png, options, styleControl, dedup, alpacaEval } = parseRankArgs(args);
  if ((options.ci ?? "bootstrap") === "bootstrap" && options.workers !== 1) {
    // Worker threads take a few hundred milliseconds to load; let them do it while the file is parsed.
    warmBootstrapWorkers(
      Math.min(options.workers ?? availableParallelism(), options.bootstrapRounds ?? 1000),
    );
  }
  const timings: Record<string, number> = {};
  const started = performance.now();
  let mark = started;
  const lap = (stage: string): void => {
    const now = performance.now();
    timings[stage] = now - mark;
    mark = now;
  };

  const text = await readInput(file);
  lap("read");
  if (alpacaEval || looksLikeAlpacaEvalBytes(text)) {
    if (styleControl || dedup !== undefined || png !== undefined) {
      throw new UsageError(
        "--style-control, --dedup and --png apply to battle files, not AlpacaEval annotations",
      );
    }
    return printAlpacaEval(text, file, json, io);
  }
  let battles: ReturnType<typeof parseFastChat>;
  try {
    battles = parseFastChat(text, {
      includeNonAnonymous: all,
      style: styleControl,
      prompts: dedup !== undefined,
    });
  } catch (error) {
    if (error instanceof FastChatParseError) {
      io.stderr(`arena rank: ${file}:${error.line}: ${error.reason}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  lap("parse");
  if (dedup !== undefined) {
    battles = deduplicateBattles(battles, dedup, options.seed ?? 1);
    lap("dedup");
  }
  const table = tableFromCounts(fastChatCounts(battles));
  lap("aggregate");
  const elo = fastChatElo(battles);
  lap("elo");
  if (options.anchor !== undefined && !table.models.includes(options.anchor.model)) {
    throw new UsageError(`--anchor: model "${options.anchor.model}" has no counted battles in ${file}`);
  }
  const onWarning = (message: string) => io.stderr(`arena rank: warning: ${message}\n`);
  let board: Leaderboard;
  let coefficients: readonly StyleCoefficient[] | undefined;
  if (styleControl) {
    const styled = await rankStyleControlled(
      {
        models: battles.models,
        count: battles.count,
        modelA: battles.modelA,
        modelB: battles.modelB,
        outcome: battles.outcome,
        styleA: battles.styleA ?? new Float64Array(),
        styleB: battles.styleB ?? new Float64Array(),
      },
      {
        ...(options.ci === undefined ? {} : { ci: options.ci }),
        ...(options.bootstrapRounds === undefined ? {} : { bootstrapRounds: options.bootstrapRounds }),
        ...(options.seed === undefined ? {} : { seed: options.seed }),
        ...(options.anchor === undefined ? {} : { anchor: options.anchor }),
        elo,
        onWarning,
      },
    );
    board = styled.leaderboard;
    coefficients = styled.coefficients;
  } else {
    board = await rankModels(table, {
      ...options,
      elo,
      onWarning,
      onStage: (stage, milliseconds) => {
        timings[stage] = milliseconds;
      },
    });
  }
  lap("rank");

  if (png !== undefined) {
    const { writeLeaderboardCharts } = await import("./render/index.ts");
    const order = board.models.map((entry) => entry.model);
    const written = await writeLeaderboardCharts(
      png,
      board,
      winFractionMatrix(table, order),
      battleCountMatrix(table, order),
      styleControl ? { category: "style controlled" } : {},
    );
    for (const path of written) io.stderr(`arena rank: wrote ${path}\n`);
    lap("png");
  }
  io.stdout(
    json
      ? `${JSON.stringify({
          ...leaderboardJson(board, battles.skipped),
          ...(coefficients === undefined ? {} : { style_coefficients: coefficients }),
        })}\n`
      : leaderboardText(board, battles.skipped) +
          (coefficients === undefined ? "" : coefficientText(coefficients)),
  );
  if (json) for (const note of leaderboardNotes(board)) io.stderr(`arena rank: ${note}\n`);
  lap("output");

  if (process.env.ARENA_TIMINGS === "1") {
    timings.total = performance.now() - started;
    const report = { ...timings, maxRssKb: process.resourceUsage().maxRSS };
    io.stderr(`ARENA_TIMINGS ${JSON.stringify(report)}\n`);
  }
  return EXIT_OK;
}

/** The `--json` object of DESIGN.md. */
export function leaderboardJson(board: Leaderboard, skipped: Readonly<Record<string, number>>) {
  return {
    battles: board.battles,
    skipped,
    components: board.components.length,
    // DESIGN.md's order: by Rank (UB), then rating (the table groups models by component instead).
    models: [...board.models]
      .sort((x, y) => x.rankUb - y.rankUb || y.rating - x.rating)
      .map((entry) => ({
        model: entry.model,
        rating: entry.rating,
        lower: entry.lower,
        upper: entry.upper,
        rank_ub: entry.rankUb,
        battles: entry.battles,
        elo: entry.elo ?? null,
      })),
  };
}

function leaderboardNotes(board: Leaderboard): string[] {
  const notes: string[] = [];
  if (board.components.length > 1) {
    notes.push(
      `the comparisons form ${board.components.length} groups that never meet ` +
        `(${board.components.map((group) => group.length).join(" + ")} models); ratings are centred on 1000 ` +
        "within each group and are not comparable across groups",
    );
  }
  if (board.separated.length > 0) {
    notes.push(
      `won or lost every comparison in their group, so their ratings rest on a weak prior: ${board.separated.join(", ")}`,
    );
  }
  return notes;
}

function leaderboardText(board: Leaderboard, skipped: Readonly<Record<string, number>>): string {
  const skippedParts = Object.entries(skipped).map(
    ([reason, count]) => `${count} ${reason.replaceAll("_", " ")}`,
  );
  const lines = [
    `${board.battles} battles, ${board.models.length} models` +
      (skippedParts.length > 0 ? `; skipped ${skippedParts.join(", ")}` : ""),
  ];
  if (board.models.length > 0) {
    lines.push("");
    const withInterval = board.ci !== "none";
    const header = ["Rank (UB)", "Model", "Rating", ...(withInterval ? ["95% CI"] : []), "Battles", "Elo"];
    const rows = board.models.map((entry) => [
      String(entry.rankUb),
      entry.model,
      entry.rating.toFixed(1),
      ...(withInterval
        ? [`+${(entry.upper - entry.rating).toFixed(1)}/-${(entry.rating - entry.lower).toFixed(1)}`]
        : []),
      String(Math.round(entry.battles)),
      entry.elo === undefined ? "" : entry.elo.toFixed(1),
    ]);
    const widths = header.map((title, column) =>
      Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
    );
    const leftAligned = 1; // the model column
    const format = (cells: readonly string[]) =>
      cells
        .map((cell, column) =>
          column === leftAligned ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join("  ")
        .trimEnd();
    lines.push(format(header), ...rows.map(format));
  }
  const notes = leaderboardNotes(board);
  if (notes.length > 0) lines.push("", ...notes.map((note) => `note: ${note}`));
  return `${lines.join("\n")}\n`;
}

/** The fitted style coefficients, as FastChat reports them (logit per standard deviation of the feature). */
function coefficientText(coefficients: readonly StyleCoefficient[]): string {
  const lines = ["", "style coefficients (logit per standard deviation of (a − b)/(a + b + 1)):"];
  for (const coefficient of coefficients) {
    const interval =
      coefficient.lower === coefficient.upper
        ? ""
        : `  95% CI [${coefficient.lower.toFixed(4)}, ${coefficient.upper.toFixed(4)}]`;
    const note = coefficient.std === 0 ? "  (no variation: not fitted)" : "";
    lines.push(
      `  ${coefficient.element.padEnd(8)}${coefficient.value.toFixed(4).padStart(8)}${interval}${note}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** An AlpacaEval annotations file starts as a JSON array whose objects carry generator_1 and preference. */
function looksLikeAlpacaEvalBytes(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 65536));
  return (
    /^\s*\[/.test(head.replace(/^\uFEFF/, "")) &&
    head.includes('"generator_1"') &&
    head.includes('"preference"') &&
    !head.includes('"model_a"')
  );
}

function printAlpacaEval(bytes: Uint8Array, file: string, json: boolean, io: CliIo): number {
  let rows: AlpacaEvalRow[];
  try {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(bytes).replace(/^\uFEFF/, ""));
    } catch (error) {
      throw new AlpacaEvalParseError(
        -1,
        `invalid JSON: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (!looksLikeAlpacaEval(parsed)) {
      throw new AlpacaEvalParseError(
        -1,
        "not AlpacaEval annotations (an array of objects with generator_1, generator_2, preference)",
      );
    }
    rows = alpacaEvalLeaderboard(parseAlpacaEvalAnnotations(parsed));
  } catch (error) {
    if (error instanceof AlpacaEvalParseError) {
      io.stderr(`arena rank: ${file}: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  if (json) {
    io.stdout(`${JSON.stringify({ format: "alpaca_eval", models: rows })}\n`);
    return EXIT_OK;
  }
  const header = [
    "Model",
    "LC win rate",
    "Win rate",
    "Std error",
    "Discrete",
    "Wins",
    "Losses",
    "Draws",
    "Total",
    "Avg length",
  ];
  const table = rows.map((row) => [
    row.model,
    row.length_controlled_winrate.toFixed(2),
    row.win_rate.toFixed(2),
    row.standard_error.toFixed(2),
    row.discrete_win_rate.toFixed(2),
    String(row.n_wins),
    String(row.n_wins_base),
    String(row.n_draws),
    String(row.n_total),
    String(row.avg_length),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...table.map((cells) => (cells[column] ?? "").length)),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  const baselines = [...new Set(rows.flatMap((row) => row.baselines))];
  io.stdout(
    `${rows.length} model(s) against ${baselines.join(", ")} (AlpacaEval; win rates in %)\n\n` +
      `${[format(header), ...table.map(format)].join("\n")}\n\n` +
      "note: the length-controlled rate is AlpacaEval 2.0's GLM fitted to this file alone, without the instruction " +
      "difficulties and gamed-baseline regularisation of the published leaderboard, so it differs from published LC figures\n",
  );
  return EXIT_OK;
}

// ---- the bot's own subcommands: start, migrate, export, models ----------------------------------------------
// Their modules are imported on demand, so that `arena rank` does not load the bot's dependencies.

async function readConfig(io: CliIo) {
  const { config: loadDotenv } = await import("dotenv");
  const { ConfigError, loadConfig } = await import("./config.ts");
  loadDotenv({ quiet: true });
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.problems.map((problem) => `config: ${problem}`).join("\n")}\n`);
      return null;
    }
    throw error;
  }
}

// ------------------------------------------------------------------------------------------------ voters

async function runVoters(args: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseVoters>;
  try {
    parsed = parseVoters(args);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const file = values.anomalous;
  if (file === undefined) throw new UsageError("--anomalous FILE is required (the only test there is)");
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const minVotes =
    values["min-votes"] === undefined ? 5 : positiveInteger("--min-votes", values["min-votes"]);
  const seed = values.seed === undefined ? 1 : positiveInteger("--seed", values.seed);
  const alpha = values.alpha === undefined ? 0.05 : Number(values.alpha);
  if (!(alpha > 0 && alpha < 1))
    throw new UsageError(`--alpha must be between 0 and 1, got "${values.alpha}"`);

  const text = await readInput(file);
  let battles: ReturnType<typeof parseFastChat>;
  try {
    battles = parseFastChat(text, { includeNonAnonymous: values.all === true, voters: true });
  } catch (error) {
    if (error instanceof FastChatParseError) {
      io.stderr(`arena voters: ${file}:${error.line}: ${error.reason}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  const names = battles.voters ?? [];
  const verdicts = anomalousVoters(
    {
      count: battles.count,
      voter: battles.voter ?? new Int32Array(battles.count).fill(-1),
      modelA: battles.modelA,
      modelB: battles.modelB,
      outcome: battles.outcome,
    },
    { minVotes, alpha, seed },
  );
  const flagged = verdicts
    .filter((verdict) => verdict.flagged)
    .sort((x, y) => x.pValue - y.pValue)
    .map((verdict) => ({ voter: names[verdict.voter] ?? "", votes: verdict.votes, p_value: verdict.pValue }));
  if (values.json) {
    io.stdout(
      `${JSON.stringify({ votes: battles.count, voters: names.length, tested: verdicts.length, alpha, flagged })}\n`,
    );
    return EXIT_OK;
  }
  io.stdout(
    `${battles.count} votes, ${names.length} voters, ${verdicts.length} with at least ${minVotes} votes tested; ` +
      `${flagged.length} flagged at level ${alpha}\n`,
  );
  for (const row of flagged)
    io.stdout(`${row.voter}\t${row.votes} votes\tp = ${row.p_value.toPrecision(3)}\n`);
  return EXIT_OK;
}

function parseVoters(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      anomalous: { type: "string" },
      all: { type: "boolean" },
      "min-votes": { type: "string" },
      alpha: { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean" },
    },
  });
}

async function runStart(args: string[], io: CliIo): Promise<number> {
  parseArgs({ args, options: {}, allowPositionals: false });
  const config = await readConfig(io);
  if (!config) return EXIT_USAGE;
  const { startBot } = await import("./main.ts");
  const { ConfigError } = await import("./config.ts");
  let runtime: Awaited<ReturnType<typeof startBot>>;
  try {
    runtime = await startBot(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.problems.join("\n")}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  const failure = await Promise.race([
    new Promise<null>((resolve) => {
      process.once("SIGINT", () => resolve(null));
      process.once("SIGTERM", () => resolve(null));
    }),
    runtime.fatal,
  ]);
  runtime.logger.info({ reason: failure ? failure.message : "signal" }, "stopping");
  await runtime.stop();
  if (failure) io.stderr(`arena start: ${failure.message}\n`);
  return failure ? EXIT_FAILURE : EXIT_OK;
}

async function runMigrate(args: string[], io: CliIo): Promise<number> {
  parseArgs({ args, options: {}, allowPositionals: false });
  const config = await readConfig(io);
  if (!config) return EXIT_USAGE;
  const { migrateDatabase, openStore } = await import("./store/index.ts");
  const { upsertConfiguredModels } = await import("./main.ts");
  const { filename, applied } = await migrateDatabase(config.DATABASE_URL);
  const store = await openStore(config.DATABASE_URL);
  try {
    const models = await upsertConfiguredModels(store, config);
    io.stdout(
      `${filename}: ${applied} migration(s) applied, ${models} model(s) upserted from ARENA_MODELS\n`,
    );
  } finally {
    await store.close();
  }
  return EXIT_OK;
}

async function runCopy(args: string[], io: CliIo): Promise<number> {
  let from: string | undefined;
  let to: string | undefined;
  try {
    ({
      values: { from, to },
    } = parseArgs({
      args,
      options: { from: { type: "string" }, to: { type: "string" } },
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (!from || !to) throw new UsageError("arena copy needs --from URL and --to URL");
  const { CopyRefused, copyDatabase } = await import("./store/copy.ts");
  try {
    const result = await copyDatabase(from, to);
    const width = Math.max(...result.tables.map((entry) => entry.table.length));
    const lines = result.tables.map(
      (entry) => `  ${entry.table.padEnd(width)}  ${entry.source} → ${entry.target}`,
    );
    io.stdout(
      `copied ${result.from} → ${result.to}; rows per table (source → target):\n${lines.join("\n")}\n`,
    );
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CopyRefused) throw new UsageError(error.message);
    throw error;
  }
}

async function runExport(args: string[], io: CliIo): Promise<number> {
  let out: string | undefined;
  try {
    ({
      values: { out },
    } = parseArgs({ args, options: { out: { type: "string" } }, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const config = await readConfig(io);
  if (!config) return EXIT_USAGE;
  const { openStore } = await import("./store/index.ts");
  const { toFastChatRecord } = await import("./arena/export.ts");
  const store = await openStore(config.DATABASE_URL);
  const file = out === undefined ? null : createWriteStream(out);
  let count = 0;
  try {
    for await (const battle of store.countedBattles()) {
      const line = `${JSON.stringify(toFastChatRecord(battle))}\n`;
      if (file === null) io.stdout(line);
      else if (!file.write(line)) await once(file, "drain");
      count++;
    }
  } finally {
    if (file !== null) {
      await new Promise<void>((resolve, reject) =>
        file.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    }
    await store.close();
  }
  if (out !== undefined) io.stderr(`arena export: ${count} counted battle(s) written to ${out}\n`);
  return EXIT_OK;
}

async function runModels(args: string[], io: CliIo): Promise<number> {
  const { commandData, parseTextOptions, runCommand, usageOf } = await import("../commands/index.ts");
  const data = commandData.find((command) => command.name === "model");
  if (data === undefined) throw new Error("the model command is missing");
  if (args.length === 0 || args[0] === "--help" || args[0] === "-h") {
    const usage = usageOf(data).replaceAll("/model", "arena models").replaceAll(" | ", "\n       ");
    io.stdout(`usage: ${usage}\n`);
    return args.length === 0 ? EXIT_USAGE : EXIT_OK;
  }
  const config = await readConfig(io);
  if (!config) return EXIT_USAGE;
  const { createRuntime } = await import("./main.ts");
  const { silentLogger } = await import("./arena/logger.ts");
  // Whoever runs the command line owns the deployment: the same operations as an owner in chat.
  const user = userInfo().username;
  const runtime = await createRuntime(config, { logger: silentLogger, owners: [`cli:${user}`] });
  try {
    const ctx = {
      actor: { platform: "cli", userId: user, displayName: user, isCommunityAdmin: false },
      place: { platform: "cli", community: "cli", channel: "cli" },
    };
    const reply = await runCommand(
      { services: runtime.services, logger: runtime.logger },
      ctx,
      "model",
      parseTextOptions(data, args.join(" ")),
    );
    (reply.refused ? io.stderr : io.stdout)(`${reply.text.replaceAll("/model", "arena models")}\n`);
    return reply.refused ? EXIT_USAGE : EXIT_OK;
  } finally {
    await runtime.stop();
  }
}
