// The public leaderboard page of a running bot (`startBot` with ARENA_WEB_PORT on 127.0.0.1), driven in headless
// Chromium through playwright-core, and attacked over HTTP: battles fought through the fake Telegram server
// (a group, a private chat, one left open) plus battles written through the store port for the rankings.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Place, VoteChoice } from "../../src/arena/types.ts";
import { type BotRuntime, startBot } from "../../src/main.ts";
import { CHROMIUM_ARGS, chromiumPath } from "../../src/web/chromium.ts";
import { seedBattle } from "../../src/web/demo.ts";
import {
  type LeaderboardResponse,
  leaderboardResponseSchema,
  modelBattlesResponseSchema,
} from "../../src/web/index.ts";
import type { TelegramChat, TelegramUser } from "../fakes/telegram/index.ts";
import {
  battleInPlace,
  buttonData,
  recordingLogger,
  startWorld,
  type World,
} from "../platforms/telegram/setup.ts";

const GROUP_PROMPT = "Group prompt: name three long rivers";
const PRIVATE_PROMPT = "PRIVATE-7f3a my symptoms are a headache, what could it be";
const OPEN_PROMPT = "OPEN-91c2 still being voted on";
// A public prompt is user text on the page: it must stay text.
const HOSTILE_PROMPT = `Explain this HTML: <img src=x onerror="window.pwned=1"></script><script>window.pwned=2</script> & "quotes"`;

describe("the web page of a running bot", () => {
  let world: World;
  let bot: BotRuntime;
  let url: string;
  let mia: TelegramUser;
  let dana: TelegramUser;
  let group: TelegramChat;
  const battleIds = { group: "", private: "", open: "" };
  let hostileBattleId = "";

  async function telegramBattle(
    user: TelegramUser,
    chat: TelegramChat,
    prompt: string,
    close: boolean,
  ): Promise<string> {
    const battle = await battleInPlace(world.telegram, user, chat, prompt);
    const press = (label: string) =>
      world.telegram.pressButton(user, chat, battle.vote.messageId, buttonData(battle.vote, label));
    expect((await press("A is better")).text).toMatch(/You voted/);
    const id = (await bot.store.battlesInState("open")).find(
      (candidate) => candidate.turns[0]?.userContent === prompt,
    )?.id;
    if (!id) throw new Error(`no open battle for ${prompt}`);
    if (close) expect((await press("Close")).text).toMatch(/Voting closed/);
    return id;
  }

  /** `wins` battles won by A and `losses` by B, all with `prompt`, in a public group. */
  async function series(modelA: string, modelB: string, wins: number, losses: number, prompt: string) {
    const place: Place = { platform: "telegram", community: "-100777", channel: "-100777" };
    const votes: VoteChoice[] = [...Array(wins).fill("a"), ...Array(losses).fill("b")];
    for (const [index, vote] of votes.entries())
      await seedBattle(bot.store, {
        place,
        modelA,
        modelB,
        prompt,
        votes: [vote],
        at: new Date(Date.UTC(2026, 10, 1, 9, index)),
      });
  }

  beforeAll(async () => {
    world = await startWorld();
    mia = world.telegram.user({ firstName: "Mia" });
    dana = world.telegram.user({ firstName: "Dana" });
    group = world.telegram.chat({ title: "Arena group", kind: "supergroup", members: [[mia, "member"]] });
    const config = world.config({
      ARENA_WEB_PORT: "0",
      ARENA_WEB_PROMPTS: "public",
      ARENA_WEB_COMMUNITIES: `telegram:${group.id}`,
    });
    bot = await startBot(config, { logger: recordingLogger() });
    if (!bot.web) throw new Error("ARENA_WEB_PORT is set but no web page started");
    url = bot.web.url;

    battleIds.group = await telegramBattle(mia, group, GROUP_PROMPT, true);
    battleIds.private = await telegramBattle(dana, world.telegram.privateChat(dana), PRIVATE_PROMPT, true);
    battleIds.open = await telegramBattle(mia, group, OPEN_PROMPT, false);
    // Overall: alpha leads; coding (only gamma, delta and epsilon fought there): gamma > delta > epsilon.
    const story = "Tell me a short story about a lighthouse keeper.";
    const code = "Write a Python function that merges two sorted lists.";
    await series("alpha", "gamma", 9, 1, story);
    await series("beta", "gamma", 5, 5, story);
    await series("gamma", "delta", 8, 2, code);
    await series("delta", "epsilon", 8, 2, code);
    await series("gamma", "epsilon", 9, 1, code);
    const hostile = await seedBattle(bot.store, {
      place: { platform: "telegram", community: "-100777", channel: "-100777" },
      modelA: "delta",
      modelB: "epsilon",
      prompt: HOSTILE_PROMPT,
      votes: ["a"],
      at: new Date(Date.UTC(2026, 10, 2, 9)),
    });
    hostileBattleId = hostile.id;
  }, 60_000);

  let stopped = false;
  afterAll(async () => {
    if (!stopped) await bot?.stop();
    await world?.close();
  });

  async function leaderboardJson(category: string): Promise<LeaderboardResponse> {
    const response = await fetch(`${url}/api/leaderboard?category=${encodeURIComponent(category)}`);
    expect(response.status).toBe(200);
    return leaderboardResponseSchema.parse(await response.json());
  }

  /** Every body the site serves for these data (pages, JSON, export), to search for what must not leak. */
  async function everyBody(): Promise<string> {
    const overall = await leaderboardJson("overall");
    const paths = [
      "/",
      "/api/battles.json",
      ...overall.categories.flatMap((entry) => [
        `/?category=${encodeURIComponent(entry.key)}`,
        `/api/leaderboard?category=${encodeURIComponent(entry.key)}`,
      ]),
      ...overall.models.flatMap((model) => [
        `/model?name=${encodeURIComponent(model.model)}`,
        `/api/model?name=${encodeURIComponent(model.model)}`,
      ]),
    ];
    const bodies = await Promise.all(paths.map(async (path) => (await fetch(url + path)).text()));
    return bodies.join("\n");
  }

  describe("JSON", () => {
    it("validates against the exported schema and ranks from the closed battles", async () => {
      const overall = await leaderboardJson("overall");
      expect(overall.models.map((model) => model.model)).toEqual(
        expect.arrayContaining(["alpha", "beta", "gamma", "delta", "epsilon"]),
      );
      expect(overall.models[0]?.model).toBe("alpha");
      expect(overall.categories[0]?.key).toBe("overall");
      expect(overall.categories.map((entry) => entry.key)).toContain("coding");
      expect(overall.lastUpdate).not.toBeNull();
      const coding = await leaderboardJson("coding");
      expect(coding.models.map((model) => model.model)).toEqual(["gamma", "delta", "epsilon"]);

      const model = await fetch(`${url}/api/model?name=gamma`);
      const battles = modelBattlesResponseSchema.parse(await model.json());
      expect(battles.battles).toBe(40);
      expect(battles.won + battles.lost + battles.tied).toBe(40);
    });

    it("refuses an unknown category with 404 and says which exist", async () => {
      const response = await fetch(`${url}/api/leaderboard?category=astrology`);
      expect(response.status).toBe(404);
      const body = (await response.json()) as { error: string };
      expect(body.error).toMatch(
        /^Unknown category "astrology"\. Categories with a public leaderboard: overall/,
      );
      const page = await fetch(`${url}/?category=astrology`);
      expect(page.status).toBe(404);
      expect(await page.text()).toContain("Unknown category &quot;astrology&quot;");
    });

    it("exports the closed battles in FastChat's format", async () => {
      const records = (await (await fetch(`${url}/api/battles.json`)).json()) as {
        question_id: string;
        winner: string;
      }[];
      const ids = records.map((record) => record.question_id);
      expect(ids).toContain(battleIds.group);
      expect(ids).toContain(battleIds.private);
      expect(records).toHaveLength(2 + 10 + 10 + 10 + 10 + 10 + 1);
      expect(records.find((record) => record.question_id === battleIds.group)?.winner).toBe("model_a");
    });
  });

  describe("attacker", () => {
    it("can change nothing: every method but GET and HEAD is refused with 405", async () => {
      const version = await bot.store.aggregatesVersion();
      for (const method of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
        for (const path of [
          "/",
          "/api/leaderboard?category=overall",
          "/api/battles.json",
          "/model?name=alpha",
        ]) {
          const response = await fetch(url + path, {
            method,
            headers: { "content-type": "application/json", origin: "http://evil.example" },
            ...(method === "OPTIONS" ? {} : { body: JSON.stringify({ vote: "a" }) }),
          });
          expect(response.status, `${method} ${path}`).toBe(405);
          expect(response.headers.get("allow")).toBe("GET, HEAD");
          expect(response.headers.get("access-control-allow-origin")).toBeNull();
        }
      }
      expect(await bot.store.aggregatesVersion()).toBe(version);
      const head = await fetch(`${url}/`, { method: "HEAD" });
      expect(head.status).toBe(200);
    });

    it("gets strict security headers and no CORS", async () => {
      const response = await fetch(`${url}/api/leaderboard?category=overall`, {
        headers: { origin: "http://evil.example" },
      });
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      const csp = (await fetch(`${url}/`)).headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    });

    it("never sees the open battle, a private chat's prompt or community, or a voter id", async () => {
      const bodies = await everyBody();
      // The group's prompt is shown (ARENA_WEB_PROMPTS=public), so the page does show prompts where allowed.
      expect(bodies).toContain(GROUP_PROMPT);
      expect(bodies).not.toContain(PRIVATE_PROMPT);
      expect(bodies).not.toContain(OPEN_PROMPT);
      expect(bodies).not.toContain(battleIds.open);
      expect(bodies).toContain(battleIds.private);
      // The private chat's community is the user's own id; the listed group's board is there.
      expect(bodies).not.toContain(`telegram:${dana.id}`);
      expect(bodies).toContain(`community:telegram:${group.id}`);
      const privateBoard = await fetch(
        `${url}/api/leaderboard?category=${encodeURIComponent(`community:telegram:${dana.id}`)}`,
      );
      expect(privateBoard.status).toBe(404);
      for (const id of Object.values(battleIds)) {
        const record = await bot.store.getBattle(id);
        expect(bodies).not.toContain(record?.creatorHash);
        for (const vote of await bot.store.votesOf(id)) expect(bodies).not.toContain(vote.voterHash);
      }
    });
  });

  describe("in Chromium", () => {
    let directory: string;
    let browser: BrowserContext;
    let page: Page;
    const problems: string[] = [];

    beforeAll(async () => {
      directory = mkdtempSync(join(tmpdir(), "arena-web-chromium-"));
      browser = await chromium.launchPersistentContext(directory, {
        executablePath: chromiumPath(),
        args: [...CHROMIUM_ARGS],
        viewport: { width: 1100, height: 900 },
      });
      page = await browser.newPage();
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(error.message));
      // Nothing may leave 127.0.0.1 (no CDN): any other request fails the test.
      await page.route(
        (target) => target.hostname !== "127.0.0.1",
        (route) => {
          problems.push(`request outside the bot: ${route.request().url()}`);
          return route.abort();
        },
      );
    }, 30_000);

    afterAll(async () => {
      await browser?.close();
      if (directory) rmSync(directory, { recursive: true, force: true });
    });

    const tableModels = () =>
      page
        .locator("#leaderboard tbody tr")
        .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-model")));

    it("shows the table in rank order and switches category", async () => {
      await page.goto(`${url}/`);
      const overall = await leaderboardJson("overall");
      expect(await tableModels()).toEqual(overall.models.map((model) => model.model));
      const ranks = await page.locator("#leaderboard tbody tr td:first-child").allTextContents();
      expect(ranks.map(Number)).toEqual(overall.models.map((model) => model.rank));
      expect(await page.locator("#last-update").getAttribute("datetime")).toBe(overall.lastUpdate);

      await Promise.all([page.waitForURL(/category=coding/), page.selectOption("#category", "coding")]);
      expect(await tableModels()).toEqual(["gamma", "delta", "epsilon"]);
      expect(await page.locator("#category").inputValue()).toBe("coding");
    });

    it("draws the chat's charts with marks and a tooltip", async () => {
      await page.goto(`${url}/?category=coding`);
      for (const kind of ["ratings", "winfraction", "counts"])
        await page.waitForSelector(`[data-chart="${kind}"][data-rendered]`, { timeout: 20_000 });
      for (const kind of ["ratings", "winfraction", "counts"])
        expect(await page.getAttribute(`[data-chart="${kind}"]`, "data-rendered")).toBe("true");
      // One interval (rule) and one point per model; one cell per ordered pair of models that met.
      expect(await page.locator('[data-chart="ratings"] svg g.mark-rule.role-mark line').count()).toBe(3);
      expect(await page.locator('[data-chart="ratings"] svg g.mark-symbol.role-mark path').count()).toBe(3);
      expect(await page.locator('[data-chart="winfraction"] svg g.mark-rect.role-mark path').count()).toBe(6);
      expect(await page.locator('[data-chart="counts"] svg g.mark-rect.role-mark path').count()).toBe(6);
      await page.locator('[data-chart="ratings"] svg g.mark-symbol.role-mark path').first().hover();
      await expect
        .poll(() => page.locator("#vg-tooltip-element.visible").textContent(), { timeout: 10_000 })
        .toMatch(/Model\s*gamma/);
      expect(problems).toEqual([]);
    });

    it("lists a model's battles on its page", async () => {
      await page.goto(`${url}/`);
      await Promise.all([
        page.waitForURL(/model\?name=alpha/),
        page.click('#leaderboard a:text-is("alpha")'),
      ]);
      const rows = page.locator("#battles tbody tr");
      expect(await rows.count()).toBe(12);
      const groupRow = page.locator(`tr[data-battle="${battleIds.group}"]`);
      expect(await groupRow.locator("td.prompt").textContent()).toBe(GROUP_PROMPT);
      expect(await page.locator(`tr[data-battle="${battleIds.private}"] td.prompt`).textContent()).toBe(
        "not public",
      );
      expect(await page.locator("#summary").textContent()).toMatch(/^12 closed battles: \d+ won/);
      expect(problems).toEqual([]);
    });

    it("shows a hostile public prompt as text, running none of it", async () => {
      await page.goto(`${url}/model?name=delta`);
      const cell = page.locator(`tr[data-battle="${hostileBattleId}"] td.prompt`);
      expect(await cell.textContent()).toBe(HOSTILE_PROMPT);
      expect(await page.locator("#battles img, #battles script").count()).toBe(0);
      expect(await page.evaluate("typeof window.pwned")).toBe("undefined");
      expect(problems).toEqual([]);
    });
  });

  it("listens on 127.0.0.1 only while the bot runs", async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/`)).status).toBe(200);
    stopped = true;
    await bot.stop();
    await expect(fetch(`${url}/`)).rejects.toThrow();
  });
});
