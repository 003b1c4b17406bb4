// Takes docs/web-page.png: the leaderboard page on seeded battles, started as `arena start` starts it, in
// headless Chromium. Usage: npm run docs:web [OUT_PNG]   (ARENA_TEST_CHROMIUM names the browser; default
// /usr/bin/chromium)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { silentLogger } from "../arena/logger.ts";
import { loadConfig } from "../config.ts";
import { createRuntime, startConfiguredWeb } from "../main.ts";
import { CHROMIUM_ARGS, chromiumPath } from "./chromium.ts";
import { seedDemoArena } from "./demo.ts";

const [outFile = "docs/web-page.png"] = process.argv.slice(2);
const directory = mkdtempSync(join(tmpdir(), "arena-docs-web-"));
const config = loadConfig({
  DATABASE_URL: join(directory, "arena.db"),
  ARENA_SECRET: "docs-web-page-screenshot-secret",
  ARENA_WEB_PORT: "0",
  LOG_LEVEL: "silent",
});
const runtime = await createRuntime(config, { logger: silentLogger });
try {
  await seedDemoArena(runtime.store, 400);
  const web = await startConfiguredWeb(config, runtime);
  if (!web) throw new Error("the web page did not start");
  const browser = await chromium.launchPersistentContext(join(directory, "chromium"), {
    executablePath: chromiumPath(),
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1100, height: 900 },
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${web.url}/`);
    await page.waitForSelector('[data-chart="counts"][data-rendered="true"]', { timeout: 30_000 });
    await page.screenshot({ path: outFile, fullPage: true });
  } finally {
    await browser.close();
    await web.close();
  }
  console.log(`wrote ${outFile}`);
} finally {
  await runtime.stop();
  rmSync(directory, { recursive: true, force: true });
}
