// `npm run sandbox` end to end: the real entry point in a child process, driven by a script on standard input,
// against the fake Discord and the persona model server it starts itself.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { SANDBOX_MODELS } from "../../src/sandbox/models.ts";
import { findPersona, stableHash } from "../fakes/openai/personas.ts";

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runSandbox(args: readonly string[], script: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/sandbox/main.ts", ...args], {
      cwd: new URL("../..", import.meta.url),
      env: { ...process.env, ARENA_MODELS: "", LOG_LEVEL: "info", NO_COLOR: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(script);
  });
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.on("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.on("error", () => resolve(true));
  });
}

/** The persona's answer to a one-turn prompt, as the fake model server gives it. */
function answerOf(modelName: string, prompt: string): string {
  const persona = SANDBOX_MODELS.find((model) => model.name === modelName)?.persona ?? "";
  const answer = findPersona(persona)?.answer([{ role: "user", content: prompt }]);
  if (!answer) throw new Error(`no persona behind ${modelName}`);
  return answer;
}

const PLATFORMS = [
  {
    platform: "discord",
    place: "thread",
    /** Model names of the leaderboard embed's fields: "#1 · pirate-70b  1095 (…) · 1 battles". */
    ranked: (board: string) => [...board.matchAll(/^\s*#\d+ · (\S+) {2}\d+/gm)].map((match) => match[1]),
  },
  {
    platform: "telegram",
    place: "topic",
    /** Model names of the monospace table's rows: "1  pirate-70b   1145*  +118/-118   1". */
    ranked: (board: string) => [...board.matchAll(/^\s*\d+ {2}(\S+) +\d+\*? /gm)].map((match) => match[1]),
  },
] as const;

describe.each(PLATFORMS)("npm run sandbox -- --platform $platform", ({ platform, place, ranked }) => {
  it("runs a battle, two votes, a close and a leaderboard from a script, then stops everything", async () => {
    const prompt = "Why is the sky blue at noon?";
    // The leaky persona names itself for a third of the prompts; this one must not discard the battle.
    expect(stableHash(prompt) % 3).not.toBe(0);
    const script = [
      `/battle ${prompt}`,
      "as bob",
      "vote b",
      "as carol",
      "vote tie",
      "as alice",
      "close",
      "/leaderboard",
    ].join("\n");
    const run = await runSandbox(["--platform", platform], `${script}\n`);
    const out = run.stdout;
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);

    // The voters learn the names privately.
    const bobVote =
      /only bob sees[^\n]*\n\s*🗳️ You voted: B is better\.\n\s*Model A is (\S+), Model B is (\S+)\./.exec(out);
    expect(bobVote).not.toBeNull();
    const [, modelA = "", modelB = ""] = bobVote ?? [];
    expect(out).toMatch(
      new RegExp(
        `only carol sees[^\\n]*\\n\\s*🗳️ You voted: Tie\\.\\n\\s*Model A is ${modelA}, Model B is ${modelB}\\.`,
      ),
    );

    // Both answers are in the battle's thread or topic, under Model A and Model B, before the buttons.
    expect(out).toContain(`🧵 new ${place} "⚔️ ${prompt}"`);
    const firstLine = (answer: string) => answer.split("\n")[0] ?? "";
    const headingA = out.search(/Model A( \(1\/\d+\))?\n/);
    const answerA = out.indexOf(firstLine(answerOf(modelA, prompt)));
    const headingB = out.search(/Model B( \(1\/\d+\))?\n/);
    const answerB = out.indexOf(firstLine(answerOf(modelB, prompt)));
    const buttons = out.indexOf("[👈 A is better] [👉 B is better] [🤝 Tie] [👎 Both are bad]");
    expect(headingA).toBeGreaterThan(-1);
    expect(answerA).toBeGreaterThan(headingA);
    expect(headingB).toBeGreaterThan(answerA);
    expect(answerB).toBeGreaterThan(headingB);
    expect(buttons).toBeGreaterThan(answerB);

    // The reveal names both models and counts both votes; the buttons are gone.
    expect(out).toContain(`Model A was ${modelA}, Model B was ${modelB}.`);
    expect(out).toContain("Votes: A is better 0 · B is better 1 · Tie 1 · Both are bad 0");
    expect(out).toContain("(buttons removed from a message in 🧵");

    // The leaderboard lists exactly the two models of the battle, and its chart was written.
    const board = out.slice(out.lastIndexOf("alice> /leaderboard"));
    expect(ranked(board).toSorted()).toEqual([modelA, modelB].toSorted());
    const chart = /📎 \S+\.png written to (\S+\.png)/.exec(board)?.[1];
    expect(chart).toBeDefined();

    // Everything stopped: the printed ports refuse connections, the temporary folder is gone.
    const ports = [...out.matchAll(/127\.0\.0\.1:(\d+)/g)].map((match) => Number(match[1]));
    expect(new Set(ports).size).toBeGreaterThanOrEqual(2);
    for (const port of new Set(ports)) expect(await refusesConnections(port)).toBe(true);
    expect(existsSync(chart ?? "")).toBe(false);
  }, 30_000);
});

describe("npm run sandbox, a script with a mistake", () => {
  it("exits non-zero when a script line cannot be read, after running the others", async () => {
    const run = await runSandbox(["--platform", "discord"], "vote maybe\n/model list\n");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("✗ vote a|b|tie|bad");
    expect(run.stdout).toMatch(/only alice sees[^\n]*\n\s*Models \(5\)/);
    expect(run.stdout).toContain("1 line could not be read.");
  }, 20_000);
});

describe("npm run sandbox, interrupted", () => {
  it("stops everything on Ctrl-C (SIGINT) while waiting for input", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/sandbox/main.ts"], {
      cwd: new URL("../..", import.meta.url),
      env: { ...process.env, ARENA_MODELS: "", NO_COLOR: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    const ready = new Promise<void>((resolve) => {
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        if (stdout.includes("Type help")) resolve();
      });
    });
    const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    await ready;
    child.kill("SIGINT");
    expect(await closed).toBe(130);
    expect(stdout).toContain("Stopped: the bot, the fake servers and the temporary files are gone.");
    const ports = [...stdout.matchAll(/127\.0\.0\.1:(\d+)/g)].map((match) => Number(match[1]));
    expect(ports.length).toBeGreaterThan(0);
    for (const port of new Set(ports)) expect(await refusesConnections(port)).toBe(true);
  }, 20_000);
});
