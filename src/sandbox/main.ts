// `npm run sandbox [-- --platform discord|telegram] [--keep]`: the whole bot offline. Starts, on 127.0.0.1 only,
// a fake chat platform (the project's test fakes, reusable by design), an OpenAI-compatible server of scripted
// personas (unless ARENA_MODELS names real endpoints), and the bot wired to them with a fresh SQLite file; then
// a person (or a script on standard input) acts as one or several users. Everything stops on quit, end of
// input or Ctrl-C.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { parseArgs } from "node:util";
import pino from "pino";
import { type FakeOpenAI, startFakeOpenAI } from "../../test/fakes/openai/server.ts";
import type { Logger } from "../arena/logger.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { type ArenaRuntime, createLogger, startBot } from "../main.ts";
import { startDiscordSandbox } from "./discord.ts";
import { writeSandboxModels } from "./models.ts";
import { Output } from "./output.ts";
import type { SandboxPlatform } from "./platform.ts";
import { parseLine } from "./script.ts";
import { Session } from "./session.ts";
import { startTelegramSandbox } from "./telegram.ts";

const PLATFORMS = ["discord", "telegram"] as const;
type PlatformChoice = (typeof PLATFORMS)[number];

/** Variables that could point the bot at a real platform or database: the sandbox sets its own. */
const REPLACED_VARIABLES = [
  "DATABASE_URL",
  "ARENA_MODERATORS",
  "ARENA_SECRET",
  "DISCORD_TOKEN",
  "DISCORD_API_URL",
  "DISCORD_GUILD_IDS",
  "TELEGRAM_TOKEN",
  "TELEGRAM_API_ROOT",
  "TELEGRAM_WEBHOOK_URL",
  "TELEGRAM_WEBHOOK_PORT",
  "TELEGRAM_WEBHOOK_SECRET",
];

const USAGE = `Usage: npm run sandbox [-- --platform discord|telegram] [--keep]
  --platform  which fake chat platform to start (default discord)
  --keep      keep the temporary folder (database, log, charts) after exit
With ARENA_MODELS set, the models in that file (real endpoints) answer instead of the built-in personas.
Type help once it runs; without a terminal, standard input is read as a script, one command a line.`;

interface Sandbox {
  readonly session: Session;
  readonly firstUser: string;
  stop(): Promise<void>;
}

async function main(): Promise<number> {
  let platformChoice: PlatformChoice;
  let keep: boolean;
  try {
    const { values } = parseArgs({
      options: {
        platform: { type: "string", default: "discord" },
        keep: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const platform = PLATFORMS.find((name) => name === values.platform);
    if (!platform) throw new Error(`--platform must be discord or telegram, not "${values.platform}"`);
    platformChoice = platform;
    keep = values.keep;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }

  const interactive = process.stdin.isTTY === true;
  const out = new Output(process.stdout, process.stdout.isTTY === true && !process.env.NO_COLOR);
  const directory = mkdtempSync(join(tmpdir(), "arena-sandbox-"));
  let sandbox: Sandbox | null = null;
  let stopping: Promise<void> | null = null;
  const shutdown = () => {
    stopping ??= (async () => {
      await sandbox?.stop();
      if (keep) {
        out.line(`Stopped: the bot and the fake servers. Kept ${directory} (database, log, charts).`, "dim");
      } else {
        rmSync(directory, { recursive: true, force: true });
        out.line("Stopped: the bot, the fake servers and the temporary files are gone.", "dim");
      }
    })();
    return stopping;
  };

  // Ctrl-C stops everything at once, even in the middle of a long wait for answers; during start-up, as soon as
  // what was started can be stopped.
  let interrupted = false;
  let readline: Interface | null = null;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    out.beforeWrite = () => {};
    out.afterWrite = () => {};
    out.line("\nStopping…", "dim");
    readline?.close();
    if (sandbox) void shutdown().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let failedLines = 0;
  try {
    sandbox = await startSandbox(platformChoice, directory, out);
    if (interrupted) {
      await shutdown();
      return 130;
    }
    out.line(`You are ${sandbox.firstUser} (a moderator). Type help for the commands, quit to stop.`);
    readline = createInterface({
      input: process.stdin,
      ...(interactive ? { output: process.stdout } : {}),
      terminal: interactive,
    });
    const reader = readline;
    reader.on("SIGINT", onSignal);

    const session = sandbox.session;
    const promptText = () => `${session.currentUser}> `;
    let idle = true;
    if (interactive) {
      // Asynchronous output (a voting window closing) clears the prompt line, then redraws it.
      out.beforeWrite = () => process.stdout.write("\r\x1b[K");
      out.afterWrite = () => {
        if (idle) reader.prompt(true);
      };
      reader.setPrompt(promptText());
    }
    if (interactive) reader.prompt();
    for await (const line of reader) {
      idle = false;
      if (!interactive && line.trim() !== "") out.line(`${promptText()}${line}`, "user");
      const parsed = parseLine(line);
      if (parsed.kind === "error") {
        failedLines++;
        out.line(`  ✗ ${parsed.message}`, "error");
      } else if (parsed.kind === "quit") {
        break;
      } else {
        await session.execute(parsed);
      }
      idle = true;
      if (interactive) {
        reader.setPrompt(promptText());
        reader.prompt();
      }
    }
  } catch (error) {
    const problem =
      error instanceof ConfigError
        ? `The configuration is not valid:\n${error.problems.join("\n")}`
        : error instanceof Error
          ? error.message
          : String(error);
    out.line(`The sandbox failed: ${problem}`, "error");
    readline?.close();
    await shutdown();
    return 1;
  }
  readline.close();
  await shutdown();
  if (failedLines > 0) {
    out.line(`${failedLines} line${failedLines === 1 ? "" : "s"} could not be read.`, "error");
    return 1;
  }
  return 0;
}

async function startSandbox(choice: PlatformChoice, directory: string, out: Output): Promise<Sandbox> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    stops.length = 0;
  };
  try {
    const realModels = process.env.ARENA_MODELS?.trim() || undefined;
    let models: FakeOpenAI | null = null;
    let modelsFile = realModels;
    if (!modelsFile) {
      models = await startFakeOpenAI();
      const server = models;
      stops.push(() => server.close());
      modelsFile = join(directory, "models.json");
      writeSandboxModels(modelsFile, models.url);
    }

    const platform = await startPlatform(choice, out, join(directory, "files"));
    stops.push(() => platform.close());

    const logFile = join(directory, "arena.log");
    const logger = terminalAndFileLogger(logFile, out);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of REPLACED_VARIABLES) delete env[name];
    Object.assign(env, platform.botEnv, {
      DATABASE_URL: join(directory, "arena.db"),
      ARENA_MODELS: modelsFile,
      ARENA_MODERATORS: platform.moderatorKey,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
    });
    const runtime: ArenaRuntime = await startBot(loadConfig(env), { env, logger });
    stops.push(() => runtime.stop()); // stopped in reverse: the bot first, then the servers it talks to

    const session = new Session(platform, runtime.arena, out);
    printBanner(out, {
      platform,
      models: models ? `${models.url} (scripted personas)` : `the endpoints in ${realModels}`,
      names: (await runtime.store.listModels()).map((model) => model.name),
      directory,
      logFile,
    });
    return {
      session,
      firstUser: platform.firstUser,
      async stop() {
        session.dispose();
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function startPlatform(choice: PlatformChoice, out: Output, files: string): Promise<SandboxPlatform> {
  switch (choice) {
    case "discord":
      return startDiscordSandbox(out, files);
    case "telegram":
      return startTelegramSandbox(out, files);
  }
}

/** Every log line goes to a file in the temporary folder; warnings and errors are also shown, in one line. */
function terminalAndFileLogger(path: string, out: Output): Logger {
  const file = createLogger(process.env.LOG_LEVEL ?? "info", pino.destination({ dest: path, sync: true }));
  const shown = (level: "warn" | "error") => (details: object, message: string) => {
    file[level](details, message);
    const err = "err" in details && typeof details.err === "string" ? `: ${details.err.slice(0, 200)}` : "";
    out.line(`  ⚠ bot log (${level}): ${message}${err}`, "warning");
  };
  return {
    debug: (details, message) => file.debug(details, message),
    info: (details, message) => file.info(details, message),
    warn: shown("warn"),
    error: shown("error"),
  };
}

function printBanner(
  out: Output,
  info: {
    platform: SandboxPlatform;
    models: string;
    names: readonly string[];
    directory: string;
    logFile: string;
  },
): void {
  const { platform } = info;
  out.line(`Arena sandbox on a fake ${platform.platform === "discord" ? "Discord" : "Telegram"}`, "bold");
  for (const url of platform.urls) out.line(`  fake ${platform.platform}: ${url}`, "dim");
  out.line(`  models: ${info.models}`, "dim");
  out.line(`  registered: ${info.names.join(", ")}`, "dim");
  out.line(`  database, charts: ${info.directory}`, "dim");
  out.line(`  bot log: ${info.logFile}`, "dim");
}

process.exitCode = await main();
