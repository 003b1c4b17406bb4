import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/main.ts";
import { keyEchoes, keyTraces } from "./fakes/openai/key-echoes.ts";

describe("createLogger", () => {
  it("keeps every form of a deployment secret out of the log lines, wherever it is in the object", () => {
    const key = "sk-live-9aF/kQ+2bX_7mP-eR4tY8uI0oZ3wV6n";
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger("debug", destination, [key]);
    for (const [shape, text] of Object.entries(keyEchoes(key))) {
      logger.warn({ shape, err: text, nested: { body: text } }, `provider said: ${text}`);
    }
    expect(lines).toHaveLength(Object.keys(keyEchoes(key)).length);
    for (const line of lines) {
      expect(() => JSON.parse(line)).not.toThrow();
      for (const trace of keyTraces(key)) expect(line).not.toContain(trace);
    }
  });
});
