// The fake speaks the OpenAI wire format well enough for the real SDK: checked here with the SDK itself.
import OpenAI, { AuthenticationError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPersona, PERSONAS } from "./personas.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./server.ts";

const KEY = "sk-fake-server-key";
let fake: FakeOpenAI;
let sdk: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY });
  sdk = new OpenAI({ baseURL: fake.url, apiKey: KEY, maxRetries: 0, organization: null, project: null });
});
afterAll(async () => {
  await fake.close();
});

describe("startFakeOpenAI", () => {
  it("answers a non-streamed chat completion with usage, as the persona", async () => {
    const messages = [{ role: "user" as const, content: "Tell me about tides" }];
    const completion = await sdk.chat.completions.create({ model: "fake-pirate", messages });
    expect(completion.choices[0]?.message.content).toBe(findPersona("fake-pirate")?.answer(messages));
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );
  });

  it("ends a stream with a usage chunk only when include_usage is asked", async () => {
    const messages = [{ role: "user" as const, content: "Hello" }];
    const withUsage = await sdk.chat.completions.create({
      model: "any",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of withUsage) chunks.push(chunk);
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);

    const withoutUsage = await sdk.chat.completions.create({ model: "any", messages, stream: true });
    const plain = [];
    for await (const chunk of withoutUsage) plain.push(chunk);
    expect(plain.every((chunk) => chunk.usage === undefined)).toBe(true);
    expect(plain.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("lists the personas on GET /v1/models", async () => {
    const ids = [];
    for await (const model of sdk.models.list()) ids.push(model.id);
    expect(ids).toEqual(PERSONAS.map((persona) => persona.id));
  });

  it("rejects a wrong key with 401 when started with one", async () => {
    const stranger = new OpenAI({ baseURL: fake.url, apiKey: "sk-wrong", maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toBeInstanceOf(AuthenticationError);
    expect(fake.requests.at(-1)?.headers.authorization).toBe("Bearer sk-wrong");
  });

  it("has personas whose answers differ, one of which sometimes names itself", () => {
    const prompts = Array.from({ length: 12 }, (_, index) => `Question number ${index}`);
    const answersTo = (prompt: string) =>
      PERSONAS.map((persona) => persona.answer([{ role: "user", content: prompt }]));
    for (const prompt of prompts) expect(new Set(answersTo(prompt)).size).toBe(PERSONAS.length);

    const leaky = findPersona("fake-leaky");
    const leaks = prompts.filter((prompt) =>
      leaky?.answer([{ role: "user", content: prompt }]).includes("Claude"),
    );
    expect(leaks.length).toBeGreaterThan(0);
    expect(leaks.length).toBeLessThan(prompts.length);
    expect(leaky?.answer([{ role: "user", content: "Who are you?" }])).toContain("As Claude");
  });
});
