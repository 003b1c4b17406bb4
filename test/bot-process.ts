// `arena start` as a child process, as an operator runs it: tests that kill it or run several at once.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const BIN = join(import.meta.dirname, "..", "bin", "arena.js");

export interface BotProcess {
  readonly child: ChildProcess;
  /** stdout and stderr lines (pino JSON), oldest first. */
  readonly lines: string[];
}

/**
 * What `arena start` gets in these tests: only these variables (nothing leaks in from the shell), then the
 * platform's. Models come from a models file; info logs, so that a failure can be explained.
 */
export function botEnvironment(
  bot: { home: string; databaseUrl: string; modelsFile: string; secret: string },
  platform: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: bot.home,
    DATABASE_URL: bot.databaseUrl,
    ARENA_MODELS: bot.modelsFile,
    ARENA_SECRET: bot.secret,
    LOG_LEVEL: "info",
    ...platform,
  };
}

/** Starts `arena start` with exactly `env`, and resolves once it logs that it started (or fails if it exits). */
export async function startBotProcess(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<BotProcess> {
  const child = spawn(process.execPath, [BIN, "start"], { env, stdio: ["ignore", "pipe", "pipe"] });
  const bot: BotProcess = { child, lines: [] };
  let buffered = "";
  const collect = (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const complete = buffered.split("\n");
    buffered = complete.pop() ?? "";
    bot.lines.push(...complete.filter((line) => line.trim() !== ""));
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  try {
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`the bot exited early:\n${bot.lines.join("\n")}`);
      return bot.lines.some((line) => line.includes("arena bot started"));
    }, timeoutMs);
  } catch (error) {
    await killBotProcess(bot);
    throw error;
  }
  return bot;
}

/** SIGKILL: no shutdown code runs, as in a crash or an OOM kill. */
export async function killBotProcess(bot: BotProcess): Promise<void> {
  if (bot.child.exitCode !== null || bot.child.signalCode !== null) return;
  const exited = new Promise((resolve) => bot.child.once("exit", resolve));
  bot.child.kill("SIGKILL");
  await exited;
}

/** SIGTERM, and waits for the bot to stop by itself. */
export async function stopBotProcess(bot: BotProcess): Promise<void> {
  if (bot.child.exitCode !== null || bot.child.signalCode !== null) return;
  const exited = new Promise((resolve) => bot.child.once("exit", resolve));
  bot.child.kill("SIGTERM");
  await exited;
}

/** Polls an async condition every 50 ms until it holds, or fails after `timeoutMs`. */
export async function eventually(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition still false after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The bots' warnings and errors, and their lines naming any of `terms` (battle ids…), last ones first, cut to
 * fit a test failure's message: what a failure on a loaded CI machine needs to be understood.
 */
export function diagnosticLines(
  bots: readonly BotProcess[],
  terms: readonly string[] = [],
  limit = 30,
): string {
  const lines = bots.flatMap((bot, index) =>
    bot.lines
      .filter((line) => /"level":(40|50)/.test(line) || terms.some((term) => line.includes(term)))
      .map((line) => `bot ${index}: ${line.slice(0, 300)}`),
  );
  return lines.slice(-limit).join("\n");
}

/** Awaits `promise`; if it rejects, rejects with its message followed by what `explain` finds then. */
export async function explained<T>(promise: Promise<T>, explain: () => Promise<string> | string): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n${await explain()}`);
  }
}
