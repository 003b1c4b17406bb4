// `arena rank`: the command-line contract of DESIGN.md, in process and once through bin/arena.js.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli.ts";
import { createHarness } from "./arena/harness.ts";
import { genaiBattlesFile } from "./ranking/helpers.ts";
import { decodePng, distinctColours } from "./render/pixels.ts";

const directory = mkdtempSync(join(tmpdir(), "arena-cli-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

interface RankJson {
  battles: number;
  skipped: Record<string, number>;
  components: number;
  models: {
    model: string;
    rating: number;
    lower: number;
    upper: number;
    rank_ub: number;
    battles: number;
    elo: number;
  }[];
}

const battle = (a: string, b: string, winner: string, tstamp: number, anony = true) =>
  JSON.stringify({ model_a: a, model_b: b, winner, tstamp, anony });

describe("arena rank", () => {
  it("prints the --json object of DESIGN.md", async () => {
    const { code, stdout, stderr } = await run("rank", genaiBattlesFile, "--json", "--ci", "sandwich");
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as RankJson;
    expect(Object.keys(result)).toEqual(["battles", "skipped", "components", "models"]);
    expect(result.battles).toBe(1515);
    expect(result.skipped).toEqual({ not_anonymous: 546 });
    expect(result.components).toBe(2);
    expect(result.models).toHaveLength(13);
    for (const entry of result.models) {
      expect(Object.keys(entry)).toEqual(["model", "rating", "lower", "upper", "rank_ub", "battles", "elo"]);
      expect(entry.lower).toBeLessThan(entry.rating);
      expect(entry.upper).toBeGreaterThan(entry.rating);
      expect(Number.isFinite(entry.elo)).toBe(true);
    }
    // Sorted by Rank (UB), then rating, as DESIGN.md says.
    const order = result.models.map((entry) => [entry.rank_ub, -entry.rating]);
    const sorted = [...order].sort((x, y) => (x[0] ?? 0) - (y[0] ?? 0) || (x[1] ?? 0) - (y[1] ?? 0));
    expect(order).toEqual(sorted);
    // The two groups never meet: each model is ranked within its own group.
    const groupOf = (model: string) => (model.endsWith("_edition") ? "edition" : "generation");
    for (const group of ["edition", "generation"]) {
      const members = result.models.filter((entry) => groupOf(entry.model) === group);
      for (const entry of members) {
        const above = members.filter((other) => other.lower > entry.upper).length;
        expect(entry.rank_ub).toBe(1 + above);
      }
    }
    expect(stderr).toMatch(/2 groups that never meet/);
  });

  it("uses the published L2 method with --l2 and every row with --all", async () => {
    const { stdout } = await run("rank", genaiBattlesFile, "--json", "--ci", "none", "--all", "--l2", "1");
    const result = JSON.parse(stdout) as RankJson;
    expect(result.battles).toBe(2060);
    expect(result.skipped).toEqual({ same_model: 1 });
    const pnp = result.models.find((entry) => entry.model === "imagenhub_PNP_edition");
    expect(Math.abs((pnp?.rating ?? 0) - 1171.3279007979363)).toBeLessThan(0.1);
  });

  it("replays online Elo in tstamp order and honours --anchor and --seed", async () => {
    const path = file(
      "elo.jsonl",
      [
        battle("x", "y", "model_b", 20),
        battle("x", "y", "model_a", 10),
        battle("y", "z", "tie", 30),
        battle("x", "z", "model_a", 40),
      ].join("\n"),
    );
    const first = JSON.parse(
      (await run("rank", path, "--json", "--anchor", "y=1500", "--bootstrap", "50", "--seed", "3")).stdout,
    ) as RankJson;
    const again = JSON.parse(
      (await run("rank", path, "--json", "--anchor", "y=1500", "--bootstrap", "50", "--seed", "3")).stdout,
    ) as RankJson;
    expect(again).toEqual(first);
    const y = first.models.find((entry) => entry.model === "y");
    expect(y?.rating).toBeCloseTo(1500, 9);
    // By hand, in time order: x beats y (10), y beats x (20), y ties z (30), x beats z (40).
    const expected = (a: number, b: number) => 1 / (1 + 10 ** ((b - a) / 400));
    let [ex, ey, ez] = [1002, 998, 1000];
    const second = 4 * (0 - expected(ex, ey));
    [ex, ey] = [ex + second, ey - second];
    const third = 4 * (0.5 - expected(ey, ez));
    [ey, ez] = [ey + third, ez - third];
    const fourth = 4 * (1 - expected(ex, ez));
    [ex, ez] = [ex + fourth, ez - fourth];
    const elo = new Map(first.models.map((entry) => [entry.model, entry.elo]));
    expect(elo.get("x")).toBeCloseTo(ex, 9);
    expect(elo.get("y")).toBeCloseTo(ey, 9);
    expect(elo.get("z")).toBeCloseTo(ez, 9);
  });

  it("prints a readable table by default", async () => {
    const { code, stdout } = await run("rank", genaiBattlesFile, "--ci", "sandwich");
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]).toBe("1515 battles, 13 models; skipped 546 not anonymous");
    expect(lines[2]).toMatch(/^Rank \(UB\)\s+Model\s+Rating\s+95% CI\s+Battles\s+Elo$/);
    expect(lines[3]).toMatch(/^\s+1\s+imagenhub_\w+\s+\d+\.\d\s+\+\d+\.\d\/-\d+\.\d\s+\d+\s+\d+\.\d$/);
    expect(stdout).toMatch(/note: the comparisons form 2 groups/);
  });

  it("stops on malformed input with the line number and exit code 2", async () => {
    const path = file(
      "bad.jsonl",
      [battle("a", "b", "model_a", 1), battle("a", "b", "model_z", 2)].join("\n"),
    );
    const { code, stdout, stderr } = await run("rank", path, "--json");
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `arena rank: ${path}:2: unknown winner "model_z" (expected model_a, model_b, tie or tie (bothbad))\n`,
    );
    const broken = file(
      "broken.json",
      '[\n{"model_a": "a", "model_b": "b", "winner": "tie"},\n{"model_a": \n]',
    );
    expect((await run("rank", broken)).stderr).toMatch(/broken\.json:3: invalid JSON/);
  });

  it("gives an empty leaderboard for an empty file", async () => {
    const path = file("empty.jsonl", "");
    const { code, stdout } = await run("rank", path, "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ battles: 0, skipped: {}, components: 0, models: [] });
    expect((await run("rank", path)).stdout).toBe("0 battles, 0 models\n");
  });

  it("rejects bad usage with exit code 2", async () => {
    expect((await run("rank")).code).toBe(2);
    expect((await run("rank", "a", "b")).code).toBe(2);
    expect((await run("rank", genaiBattlesFile, "--ci", "magic")).stderr).toMatch(/--ci must be/);
    expect((await run("rank", genaiBattlesFile, "--bootstrap", "0")).code).toBe(2);
    expect((await run("rank", genaiBattlesFile, "--anchor", "nobody=1000")).stderr).toMatch(/nobody/);
    expect((await run("rank", genaiBattlesFile, "--anchor", "1000")).code).toBe(2);
    expect((await run("rank", genaiBattlesFile, "--frobnicate")).code).toBe(2);
    expect((await run("nonsense")).code).toBe(2);
    const missing = await run("rank", join(directory, "missing.jsonl"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file/);
  });

  it("runs through bin/arena.js with bootstrap worker threads, reproducing the in-process result", async () => {
    const args = ["rank", genaiBattlesFile, "--json", "--bootstrap", "200", "--seed", "11"];
    const child = await promisify(execFile)(process.execPath, ["bin/arena.js", ...args, "--workers", "2"], {
      cwd: join(import.meta.dirname, ".."),
    });
    expect(child.stderr).not.toMatch(/warning/);
    const inProcess = await run(...args, "--workers", "1");
    expect(JSON.parse(child.stdout)).toEqual(JSON.parse(inProcess.stdout));
  });
});

describe("arena rank --png", () => {
  it("writes the three charts of the GenAI-Arena leaderboard as PNG files", async () => {
    const prefix = join(directory, "genai");
    const { code, stderr } = await run("rank", genaiBattlesFile, "--ci", "sandwich", "--png", prefix);
    expect(code).toBe(0);
    for (const chart of ["ratings", "winfraction", "counts"]) {
      const path = `${prefix}-${chart}.png`;
      expect(stderr).toContain(path);
      const image = decodePng(readFileSync(path));
      expect(image.width).toBeGreaterThan(400);
      expect(image.height).toBeGreaterThan(300);
      expect(distinctColours(image)).toBeGreaterThan(20); // text, bars or cells: not blank
    }
  });
});

describe("arena rank --style-control --png", () => {
  it("draws the style-controlled ratings", async () => {
    const file = join(directory, "styled.jsonl");
    const rows: string[] = [];
    const models = ["m1", "m2", "m3"];
    for (let index = 0; index < 60; index++) {
      const a = models[index % 3] ?? "m1";
      const b = models[(index + 1) % 3] ?? "m2";
      const longer = index % 2 === 0;
      rows.push(
        JSON.stringify({
          model_a: a,
          model_b: b,
          winner: index % 5 === 0 ? "model_b" : index % 7 === 0 ? "tie" : "model_a",
          tstamp: index,
          conv_metadata: {
            sum_assistant_a_tokens: longer ? 400 : 100,
            sum_assistant_b_tokens: 200,
            header_count_a: { h1: index % 3 },
            header_count_b: { h1: 1 },
            list_count_a: { ordered: index % 4, unordered: 0 },
            list_count_b: { ordered: 1, unordered: 1 },
            bold_count_a: { "**": index % 2, __: 0 },
            bold_count_b: { "**": 1, __: 0 },
          },
        }),
      );
    }
    writeFileSync(file, `${rows.join("\n")}\n`);
    const prefix = join(directory, "styled");
    const plain = join(directory, "plain");
    const styled = await run("rank", file, "--style-control", "--ci", "sandwich", "--png", prefix);
    expect(styled.code).toBe(0);
    expect(styled.stdout).toMatch(/style/i);
    expect((await run("rank", file, "--ci", "sandwich", "--png", plain)).code).toBe(0);
    const image = decodePng(readFileSync(`${prefix}-ratings.png`));
    expect(distinctColours(image)).toBeGreaterThan(20);
    // Different ratings and subtitle from the plain fit's chart.
    expect(readFileSync(`${prefix}-ratings.png`).equals(readFileSync(`${plain}-ratings.png`))).toBe(false);
  });
});

describe("the bot's subcommands (through bin/arena.js, configured by the environment)", () => {
  const exec = promisify(execFile);
  const arena = async (env: Record<string, string>, ...argv: string[]) => {
    try {
      const { stdout, stderr } = await exec(process.execPath, ["bin/arena.js", ...argv], {
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "silent", ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  it("migrates, upserts the models file and manages the registry without printing keys", async () => {
    const models = file(
      "models.json",
      JSON.stringify([
        {
          name: "alpha",
          baseUrl: "http://127.0.0.1:9/v1",
          model: "a",
          apiKeyEnv: "ALPHA_KEY",
          aliases: ["Alpha"],
        },
        { name: "beta", baseUrl: "http://127.0.0.1:9/v1", model: "b", apiKeyEnv: null },
      ]),
    );
    const env = {
      DATABASE_URL: join(directory, "registry.db"),
      ARENA_MODELS: models,
      ALPHA_KEY: "sk-secret-value-123",
    };
    const migrated = await arena(env, "migrate");
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(/[1-9][0-9]* migration\(s\) applied, 2 model\(s\) upserted/);
    expect((await arena(env, "migrate")).stdout).toMatch(/0 migration\(s\) applied/);

    const added = await arena(
      env,
      "models",
      "add",
      "gamma",
      "https://example.org/v1",
      "g-1",
      "ARENA_KEY_GAMMA",
      "2",
      "Gamma,",
      "G1",
    );
    expect(added.code).toBe(0);
    const list = await arena(env, "models", "list");
    expect(list.stdout).toMatch(
      /gamma — g-1 @ https:\/\/example.org\/v1, key \$ARENA_KEY_GAMMA \(not set!\), weight 2/,
    );
    // A variable the deployment did not declare as a model key is refused, set or not.
    const undeclared = await arena(
      env,
      "models",
      "add",
      "epsilon",
      "https://example.org/v1",
      "e",
      "GAMMA_KEY",
    );
    expect(undeclared.code).toBe(2);
    expect(undeclared.stderr).toMatch(/declared as a model key/);
    expect(list.stdout).toMatch(/alpha .*key \$ALPHA_KEY,/);
    expect(list.stdout).not.toContain("sk-secret-value-123");

    const pasted = await arena(
      env,
      "models",
      "add",
      "delta",
      "https://example.org/v1",
      "d",
      "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD",
    );
    expect(pasted.code).toBe(2);
    expect(pasted.stderr).toMatch(/NAME of an environment variable/);
    expect(pasted.stderr).not.toContain("sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD");
    expect((await arena(env, "models", "weight", "nobody", "2")).code).toBe(2);
  });

  it("stops with one line per configuration problem, and names the tokens when none is set", async () => {
    const bad = await arena(
      { TELEGRAM_TOKEN: "not-a-token", ARENA_MODERATORS: "discord:12,slack:3" },
      "start",
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(2);
    expect(bad.stderr).toMatch(/ARENA_MODERATORS/);
    expect(bad.stderr).toMatch(/TELEGRAM_TOKEN/);
    expect(bad.stderr).not.toContain("not-a-token");
    const none = await arena({ DATABASE_URL: ":memory:" }, "start");
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/DISCORD_TOKEN.*TELEGRAM_TOKEN/);
  });

  it("exports counted battles as FastChat JSONL that arena rank reads back", async () => {
    const harness = await createHarness();
    const databasePath = harness.databasePath;
    const voters = ["2", "3", "4"];
    for (let round = 0; round < 4; round++) {
      const { battleId } = await harness.battle(harness.ctx("1"), `A question about birds, number ${round}`);
      for (const voter of voters) await harness.arena.press(harness.ctx(voter), `v:${battleId}:a`);
      await harness.arena.closeBattle(battleId, "creator");
    }
    const { battleId: unvoted } = await harness.battle(harness.ctx("1"), "A question nobody votes on");
    expect(unvoted).not.toBe("");
    // An open battle's votes are not exported: they would tell which models it pits.
    const { battleId: open } = await harness.battle(harness.ctx("1"), "A question still open");
    await harness.arena.press(harness.ctx("2"), `v:${open}:b`);
    try {
      const out = join(directory, "export.jsonl");
      const exported = await arena({ DATABASE_URL: databasePath }, "export", "--out", out);
      expect(exported.code).toBe(0);
      expect(exported.stderr).toMatch(/4 counted battle\(s\)/);
      const records = readFileSync(out, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(records).toHaveLength(4);
      for (const record of records) {
        expect(record.winner).toBe("model_a");
        expect(record.anony).toBe(true);
        expect(new Set([record.model_a, record.model_b])).toEqual(new Set(["alpha", "beta"]));
      }
      const ranked = await arena({}, "rank", out, "--json", "--ci", "none");
      expect(ranked.code).toBe(0);
      const board = JSON.parse(ranked.stdout) as RankJson;
      expect(board.battles).toBe(4);
      expect(board.models.map((model) => model.model).sort()).toEqual(["alpha", "beta"]);
    } finally {
      await harness.close();
    }
  });
});

describe("arena voters --anomalous", () => {
  it("flags the voter who always picks model A and no honest one, as text and JSON", async () => {
    // Strong beats weak 9 times in 10 among many voters; "shill" always presses A, whichever model it is.
    let state = 12345;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const rows: string[] = [];
    const vote = (judge: string, alwaysA: boolean) => {
      const strongFirst = next() < 0.5;
      const [a, b] = strongFirst ? ["strong", "weak"] : ["weak", "strong"];
      const strongWins = next() < 0.9;
      const winner = alwaysA ? "model_a" : strongWins === strongFirst ? "model_a" : "model_b";
      rows.push(JSON.stringify({ model_a: a, model_b: b, winner, judge, anony: true }));
    };
    for (let user = 0; user < 100; user++) for (let i = 0; i < 12; i++) vote(`user-${user}`, false);
    for (let i = 0; i < 40; i++) vote("shill", true);
    vote("newcomer", true);
    const path = file("voters.jsonl", rows.join("\n"));

    const text = await run("voters", "--anomalous", path);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^1241 votes, 102 voters, 101 with at least 5 votes tested; \d+ flagged at level 0\.05\n/,
    );
    expect(text.stdout).toMatch(/^shill\t40 votes\tp = /m);

    const json = await run("voters", "--anomalous", path, "--json", "--seed", "2");
    const parsed = JSON.parse(json.stdout) as { tested: number; flagged: { voter: string; votes: number }[] };
    expect(parsed.tested).toBe(101);
    expect(parsed.flagged[0]).toMatchObject({ voter: "shill", votes: 40 });
    expect(parsed.flagged.length).toBeLessThanOrEqual(6);

    expect((await run("voters", path)).stderr).toMatch(/--anomalous FILE is required/);
    expect((await run("voters", "--anomalous", path, "--alpha", "2")).code).toBe(2);
  });
});
