import { describe, expect, it } from "vitest";
import type { Leaderboard } from "../../src/ranking/types.ts";
import {
  DISCORD_EMBED_LIMITS,
  embedLength,
  leaderboardPages,
  renderMonospaceTable,
  telegramTableHtml,
} from "../../src/render/table.ts";
import { syntheticBoard } from "./fixtures.ts";

const empty: Leaderboard = { models: [], battles: 0, components: [], separated: [], ci: "none" };

function withNames(board: Leaderboard, name: (i: number) => string): Leaderboard {
  return { ...board, models: board.models.map((m, i) => ({ ...m, model: name(i) })) };
}

function tableRows(text: string): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith("─")) + 1;
  const end = lines.indexOf("", start);
  return lines.slice(start, end === -1 ? undefined : end);
}

describe("renderMonospaceTable", () => {
  it("lists every model with rank, rating, interval and battles, aligned", () => {
    const board = syntheticBoard(12);
    const text = renderMonospaceTable(board, { category: "coding" });
    const lines = text.split("\n");
    expect(lines[0]).toBe("Leaderboard · coding");
    expect(lines[1]).toContain(`${board.models.length} models`);
    const rows = tableRows(text);
    expect(rows).toHaveLength(12);
    board.models.forEach((m, i) => {
      const row = rows[i] ?? "";
      expect(row.trimStart().startsWith(String(m.rankUb))).toBe(true);
      expect(row).toContain(String(Math.round(m.rating)));
      expect(row).toContain(`+${Math.round(m.upper - m.rating)}/-${Math.round(m.rating - m.lower)}`);
      expect(row.endsWith(m.battles.toLocaleString("en-US"))).toBe(true);
    });
    // Right-aligned numbers: every row has the same length, as does the header.
    const header = lines.find((l) => l.includes("Rating")) ?? "";
    for (const row of rows) expect(row.length).toBe(header.length);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(48);
  });

  it("marks models under the battle threshold as provisional, and only those", () => {
    const board = syntheticBoard(12);
    const threshold = 800;
    const rows = tableRows(renderMonospaceTable(board, { minBattles: threshold }));
    board.models.forEach((m, i) => {
      expect((rows[i] ?? "").includes(`${Math.round(m.rating)}*`)).toBe(m.battles < threshold);
    });
    expect(renderMonospaceTable(board, { minBattles: threshold })).toContain(
      "* provisional: under 800 battles",
    );
    expect(renderMonospaceTable(board)).not.toContain("*");
  });

  it("shortens long names in the middle to the requested width", () => {
    const board = withNames(syntheticBoard(3), (i) => `organisation/${"x".repeat(60)}-variant-${i}`);
    const text = renderMonospaceTable(board, { maxWidth: 60 });
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(60);
    const rows = tableRows(text);
    expect(rows[0]).toContain("organisation/");
    expect(rows[0]).toContain("…");
    expect(rows[2]).toContain("variant-2");
  });

  it("fits one Telegram message however many models there are", () => {
    const board = syntheticBoard(400);
    const text = renderMonospaceTable(board);
    expect(text.length).toBeLessThanOrEqual(4096);
    const rows = tableRows(text);
    expect(rows.length).toBeGreaterThan(30);
    expect(text).toContain(`… ${400 - rows.length} more`);
  });

  it("honours maxRows", () => {
    const rows = tableRows(renderMonospaceTable(syntheticBoard(30), { maxRows: 5 }));
    expect(rows).toHaveLength(5);
  });

  it("drops the interval column when no intervals were computed, and adds a group column for split graphs", () => {
    const plain = renderMonospaceTable({ ...syntheticBoard(5), ci: "none" });
    expect(plain).not.toContain("95% CI");
    const split = syntheticBoard(9, { groups: 2 });
    const text = renderMonospaceTable(split);
    const rows = tableRows(text);
    split.models.forEach((m, i) => {
      expect((rows[i] ?? "").endsWith(` ${m.component + 1}`)).toBe(true);
    });
    expect(text).toContain("G: groups never compared");
  });

  it("cannot be broken out of a code block by a model name", () => {
    const board = withNames(syntheticBoard(2), (i) => `evil\`\`\`model-${i}`);
    expect(renderMonospaceTable(board)).not.toContain("`");
  });

  it("says so when there is nothing to show", () => {
    expect(renderMonospaceTable(empty)).toContain("No battles counted yet.");
  });
});

describe("telegramTableHtml", () => {
  it("escapes HTML and stays within 4096 characters even when escaping lengthens names", () => {
    const board = withNames(syntheticBoard(300), (i) => `<b>&model&${i}</b>`);
    const html = telegramTableHtml(board, { maxWidth: 60 });
    expect(html.startsWith("<pre>")).toBe(true);
    expect(html.endsWith("</pre>")).toBe(true);
    expect(html.length).toBeLessThanOrEqual(4096);
    const inner = html.slice(5, -6);
    expect(inner).not.toMatch(/<|>/);
    expect(inner).toContain("&lt;b&gt;&amp;model&amp;0&lt;/b&gt;");
  });
});

describe("leaderboardPages", () => {
  function expectWithinLimits(pages: ReturnType<typeof leaderboardPages>) {
    for (const page of pages) {
      expect(page.title.length).toBeLessThanOrEqual(DISCORD_EMBED_LIMITS.title);
      expect(page.description.length).toBeLessThanOrEqual(DISCORD_EMBED_LIMITS.description);
      expect(page.footer.length).toBeLessThanOrEqual(DISCORD_EMBED_LIMITS.footer);
      expect(page.fields.length).toBeLessThanOrEqual(DISCORD_EMBED_LIMITS.fields);
      for (const field of page.fields) {
        expect(field.name.length).toBeGreaterThan(0);
        expect(field.name.length).toBeLessThanOrEqual(DISCORD_EMBED_LIMITS.fieldName);
        expect(field.value.length).toBeLessThanOrEqual(DISCORD_EMBED_LIMITS.fieldValue);
      }
      expect(embedLength(page)).toBeLessThanOrEqual(DISCORD_EMBED_LIMITS.total);
    }
  }

  it("puts every model once, in leaderboard order, on numbered pages", () => {
    const board = syntheticBoard(23);
    const pages = leaderboardPages(board, { pageSize: 10, category: "coding" });
    expect(pages).toHaveLength(3);
    expect(pages.map((p) => p.fields.length)).toEqual([10, 10, 3]);
    const fields = pages.flatMap((p) => p.fields);
    board.models.forEach((m, i) => {
      expect(fields[i]?.name).toBe(`#${m.rankUb} · ${m.model}`);
      expect(fields[i]?.value).toContain(`**${Math.round(m.rating)}**`);
      expect(fields[i]?.value).toContain(`${m.battles.toLocaleString("en-US")} battles`);
    });
    expect(pages[0]?.title).toBe("Leaderboard · coding");
    expect(pages[2]?.footer).toMatch(/^Page 3\/3/);
    expectWithinLimits(pages);
  });

  it("stays within the 6000-character embed total with 25 very long names", () => {
    const board = withNames(syntheticBoard(60), (i) => `${"an-extremely-long-model-name-".repeat(12)}${i}`);
    const pages = leaderboardPages(board, { pageSize: 25, minBattles: 1000 });
    expect(pages[0]?.fields).toHaveLength(25);
    expectWithinLimits(pages);
    // Shortened names stay distinguishable by their ends.
    expect(pages[0]?.fields[3]?.name.endsWith("3")).toBe(true);
  });

  it("marks provisional models and caps the page size at Discord's 25 fields", () => {
    const board = syntheticBoard(40);
    const pages = leaderboardPages(board, { pageSize: 100, minBattles: 800 });
    expect(pages[0]?.fields).toHaveLength(25);
    const fields = pages.flatMap((p) => p.fields);
    board.models.forEach((m, i) => {
      expect(fields[i]?.value.includes("provisional")).toBe(m.battles < 800);
    });
    expect(pages[0]?.footer).toContain("provisional");
  });

  it("returns one page saying nothing was counted for an empty board", () => {
    const pages = leaderboardPages(empty);
    expect(pages).toHaveLength(1);
    expect(pages[0]?.fields).toHaveLength(0);
    expect(pages[0]?.description).toContain("No battles");
  });
});
