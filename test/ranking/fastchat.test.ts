import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { onlineElo } from "../../src/ranking/elo.ts";
import {
  FastChatParseError,
  fastChatComparisons,
  fastChatComparisonsInTimeOrder,
  fastChatCounts,
  fastChatElo,
  parseFastChat,
} from "../../src/ranking/fastchat.ts";
import { genaiBattlesFile } from "./helpers.ts";

const row = (fields: Record<string, unknown>) =>
  JSON.stringify({ model_a: "a", model_b: "b", winner: "model_a", ...fields });

function errorOf(text: string): FastChatParseError {
  try {
    parseFastChat(text);
  } catch (error) {
    if (error instanceof FastChatParseError) return error;
    throw error;
  }
  throw new Error("expected a parse error");
}

describe("parseFastChat", () => {
  it("reads the published GenAI-Arena array as its README counts it", () => {
    const text = readFileSync(genaiBattlesFile, "utf8");
    const anonymous = parseFastChat(text);
    expect(anonymous.count).toBe(1515);
    expect(anonymous.skipped).toEqual({ not_anonymous: 546 });
    const all = parseFastChat(text, { includeNonAnonymous: true });
    expect(all.count).toBe(2060);
    expect(all.skipped).toEqual({ same_model: 1 });
    const outcomes = Array.from(all.outcome);
    // Winners: model_a 759, model_b 744, ties 130 + 428 (one model_a/model_b/tie row is the self-battle).
    expect(
      outcomes.filter((y) => y === 0.5).length +
        outcomes.filter((y) => y === 1).length +
        outcomes.filter((y) => y === 0).length,
    ).toBe(2060);
    expect(Math.abs(outcomes.filter((y) => y === 1).length - 759)).toBeLessThanOrEqual(1);
    expect(Math.abs(outcomes.filter((y) => y === 0).length - 744)).toBeLessThanOrEqual(1);
    expect(Math.abs(outcomes.filter((y) => y === 0.5).length - 558)).toBeLessThanOrEqual(1);
  });

  it("reads JSONL and the same battles as a JSON array, with or without BOM and CRLF", () => {
    const rows = [
      row({ tstamp: 2 }),
      row({ winner: "tie (bothbad)", model_b: "c" }),
      row({ winner: "model_b", anony: false }),
    ];
    const jsonl = parseFastChat(`${rows.join("\n")}\n`, { includeNonAnonymous: true });
    const array = parseFastChat(`\uFEFF[\r\n${rows.join(",\r\n")}\r\n]\r\n`, { includeNonAnonymous: true });
    expect(array).toEqual(jsonl);
    expect(jsonl.models).toEqual(["a", "b", "c"]);
    expect(Array.from(jsonl.outcome)).toEqual([1, 0.5, 0]);
    expect(parseFastChat(rows.join("\n")).skipped).toEqual({ not_anonymous: 1 });
  });

  it("gives no battles for empty input", () => {
    for (const text of ["", "\n\n", "[]", " [ ] \n"]) {
      const battles = parseFastChat(text);
      expect(battles.count).toBe(0);
      expect(battles.skipped).toEqual({});
    }
  });

  it("reads what JSON.parse reads, fast path or not", () => {
    const tricky = [
      // escapes, unicode, nested values, numbers in every form, unknown keys, duplicate keys (last wins)
      '{"model_a":"gpt\\"4","model_b":"模型","winner":"tie","tstamp":1.5e9}',
      '{ "conversation_a": [{"role": "user", "content": "say \\"model_b\\""}], "model_a" : "x", "model_b":"y","winner":"model_b" }',
      '{"model_a":"x","model_b":"y","winner":"model_a","tstamp":-0.000123456789012345678,"anony":null}',
      '{"model_a":"x","model_b":"y","winner":"model_a","tstamp":1700000000.7029,"turn":2,"extra":{"model_a":"z"}}',
      '{"model_a":"ignored","model_a":"y","model_b":"x","winner":"model_a","tstamp":12345678901234567890}',
      '{"model_a":"x","model_b":"y","winner":"model_a","judge":"tab\\there","tstamp":0.1}',
    ];
    const battles = parseFastChat(tricky.join("\n"));
    const expected = tricky.map(
      (line) => JSON.parse(line) as { model_a: string; model_b: string; tstamp?: number },
    );
    expect(battles.count).toBe(tricky.length);
    expected.forEach((battle, index) => {
      expect(battles.models[battles.modelA[index] ?? -1]).toBe(battle.model_a);
      expect(battles.models[battles.modelB[index] ?? -1]).toBe(battle.model_b);
    });
    expect(battles.tstamp[0]).toBe(1.5e9);
    expect(battles.tstamp[2]).toBe(Number("-0.000123456789012345678"));
    expect(battles.tstamp[3]).toBe(1700000000.7029);
    expect(battles.tstamp[4]).toBe(Number("12345678901234567890"));
    expect(battles.tstamp[5]).toBe(0.1);
  });

  it("stops at the first malformed row with its line number", () => {
    const good = row({});
    expect(errorOf(`${good}\n${good}\n{"model_a": "a", oops}\n${good}`).line).toBe(3);
    expect(errorOf(`${good}\n\n${row({ winner: "model_c" })}`)).toMatchObject({
      line: 3,
      reason: expect.stringMatching(/unknown winner "model_c"/),
    });
    expect(errorOf(row({ winner: undefined }))).toMatchObject({
      line: 1,
      reason: expect.stringMatching(/unknown winner/),
    });
    expect(errorOf(`${good}\n${row({ model_b: "" })}`)).toMatchObject({ line: 2, reason: "missing model_b" });
    expect(errorOf(`${good}\n${row({ model_a: 7 })}`)).toMatchObject({ line: 2, reason: "missing model_a" });
    expect(errorOf(`${good}\n[1, 2]`).reason).toMatch(/object/);
    expect(errorOf(row({ anony: "yes" })).reason).toMatch(/anony/);
    expect(errorOf(row({ tstamp: "noon" })).reason).toMatch(/tstamp/);
    // In a pretty-printed array: the line of the offending element, or of the syntax error inside it.
    const pretty = JSON.stringify(
      [
        { model_a: "a", model_b: "b", winner: "model_a" },
        { model_a: "a", winner: "model_b" },
      ],
      null,
      2,
    );
    expect(errorOf(pretty)).toMatchObject({ line: 7, reason: "missing model_b" });
    expect(errorOf('[\n  {"model_a": "a",\n   "model_b": "b",\n   "winner": "model_a",,\n  }\n]').line).toBe(
      4,
    );
    expect(errorOf(`[\n${good},\n${good}\n`).reason).toMatch(/not closed/);
    expect(errorOf(`[${good},]`).reason).toMatch(/empty array element/);
    expect(errorOf(`[${good}] x`).reason).toMatch(/after the closing/);
  });

  it("orders by tstamp, equal stamps in file order, rows without a stamp keep their place", () => {
    const battles = parseFastChat(
      [
        row({ model_a: "r0", tstamp: 5 }),
        row({ model_a: "r1", tstamp: 3 }),
        row({ model_a: "r2" }),
        row({ model_a: "r3", tstamp: 3 }),
        row({ model_a: "r4", tstamp: 1 }),
      ].join("\n"),
    );
    const order = [...fastChatComparisonsInTimeOrder(battles)].map((c) => c.modelA);
    expect(order).toEqual(["r4", "r1", "r2", "r3", "r0"]);
    const inTimeOrder = [...fastChatComparisonsInTimeOrder(battles)];
    expect(fastChatElo(battles)).toEqual(onlineElo(inTimeOrder));
  });

  it("counts battles per (model A, model B, outcome)", () => {
    const battles = parseFastChat(
      [row({}), row({}), row({ winner: "tie" }), row({ model_a: "b", model_b: "a" })].join("\n"),
    );
    expect(fastChatCounts(battles)).toEqual([
      { modelA: "a", modelB: "b", outcome: 1, count: 2 },
      { modelA: "a", modelB: "b", outcome: 0.5, count: 1 },
      { modelA: "b", modelB: "a", outcome: 1, count: 1 },
    ]);
    expect([...fastChatComparisons(battles)]).toHaveLength(4);
  });
});
