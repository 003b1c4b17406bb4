import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type ChatMessage,
  GenerationError,
  type GenerationErrorKind,
  type ModelEndpoint,
} from "../../src/arena/model-client.ts";
import { createOpenAIModelClient, type ProviderLogger } from "../../src/providers/openai-client.ts";
import { keyEchoes, keyTraces } from "../fakes/openai/key-echoes.ts";
import { echoAnswer } from "../fakes/openai/personas.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai/server.ts";

const API_KEY = "sk-test-RECOGNISABLE-4f1c9e27d3";
const env = { ARENA_TEST_KEY: API_KEY };

let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

function endpoint(model: string, overrides: Partial<ModelEndpoint> = {}): ModelEndpoint {
  return {
    name: `registry-${model}`,
    baseUrl: fake.url,
    model,
    apiKeyEnv: "ARENA_TEST_KEY",
    maxTokens: 256,
    temperature: 0.5,
    systemPrompt: null,
    ...overrides,
  };
}

const question: ChatMessage[] = [{ role: "user", content: "Why is the sky blue?" }];

async function failure(promise: Promise<unknown>, kind: GenerationErrorKind): Promise<GenerationError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GenerationError);
  const generationError = error as GenerationError;
  expect(generationError.kind, generationError.message).toBe(kind);
  return generationError;
}

function chatRequests(model: string) {
  return fake.requests.filter(
    (request) => request.path === "/v1/chat/completions" && request.model === model,
  );
}

async function waitForRequests(model: string, count: number): Promise<void> {
  while (chatRequests(model).length < count) await sleep(5);
}

describe("createOpenAIModelClient: answers", () => {
  it("streams an answer with usage, sending the system prompt, settings and key", async () => {
    const client = createOpenAIModelClient({ env });
    const deltas: string[] = [];
    const target = endpoint("echo-a", { systemPrompt: "Be brief." });
    const conversation: ChatMessage[] = [
      { role: "user", content: "Hello there" },
      { role: "assistant", content: "Hi!" },
      { role: "user", content: "Why is the sky blue?" },
    ];

    const result = await client.generate({
      endpoint: target,
      messages: conversation,
      onDelta: (text) => deltas.push(text),
    });

    const sent = [{ role: "system", content: "Be brief." }, ...conversation];
    expect(result.content).toBe(echoAnswer("echo-a", sent));
    expect(result.finishReason).toBe("stop");
    expect(result.promptTokens).toBeGreaterThan(0);
    expect(result.completionTokens).toBeGreaterThan(0);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(result.content);

    const [request] = chatRequests("echo-a");
    expect(request?.messages).toEqual(sent);
    expect(request?.stream).toBe(true);
    expect(request?.body?.stream_options).toEqual({ include_usage: true });
    expect(request?.body?.max_tokens).toBe(256);
    expect(request?.body?.temperature).toBe(0.5);
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it("gives two models visibly different answers to the same prompt", async () => {
    const client = createOpenAIModelClient({ env });
    const [a, b] = await Promise.all([
      client.generate({ endpoint: endpoint("fake-pirate"), messages: question }),
      client.generate({ endpoint: endpoint("fake-terse"), messages: question }),
    ]);
    expect(a.content).not.toBe(b.content);
    expect(a.content).toContain("Why is the sky blue?");
  });

  it("sends no Authorization header to a keyless endpoint, and needs no env var", async () => {
    const client = createOpenAIModelClient({ env: {} });
    const result = await client.generate({
      endpoint: endpoint("local", { apiKeyEnv: null }),
      messages: question,
    });
    expect(result.content).toContain("[local]");
    expect(chatRequests("local")[0]?.headers.authorization).toBeUndefined();
  });

  it("ignores OPENAI_* variables of the environment (no organization header leaks to the endpoint)", async () => {
    const client = createOpenAIModelClient({ env });
    const previous = process.env.OPENAI_ORG_ID;
    process.env.OPENAI_ORG_ID = "org-should-not-be-sent";
    try {
      await client.generate({
        endpoint: endpoint("org-check", { baseUrl: `${fake.url}/` }),
        messages: question,
      });
    } finally {
      if (previous === undefined) delete process.env.OPENAI_ORG_ID;
      else process.env.OPENAI_ORG_ID = previous;
    }
    expect(chatRequests("org-check")[0]?.headers["openai-organization"]).toBeUndefined();
  });

  it("reports finish_reason length as a result, not an error", async () => {
    fake.script("cut-short", { text: "A partial answer that hit the limit", finishReason: "length" });
    const client = createOpenAIModelClient({ env });
    const result = await client.generate({ endpoint: endpoint("cut-short"), messages: question });
    expect(result.finishReason).toBe("length");
    expect(result.content).toBe("A partial answer that hit the limit");
  });
});

describe("createOpenAIModelClient: failures", () => {
  it("fails with config when the key's env var is missing, without calling the provider", async () => {
    const client = createOpenAIModelClient({ env: {} });
    const error = await failure(
      client.generate({ endpoint: endpoint("no-key"), messages: question }),
      "config",
    );
    expect(error.message).toContain("ARENA_TEST_KEY");
    expect(error.model).toBe("registry-no-key");
    expect(chatRequests("no-key")).toHaveLength(0);
  });

  it("fails with config on a base URL that is not http(s)", async () => {
    const client = createOpenAIModelClient({ env });
    await failure(
      client.generate({ endpoint: endpoint("bad-url", { baseUrl: "ftp:/nowhere" }), messages: question }),
      "config",
    );
  });

  it("times out when the provider does not answer in time", async () => {
    fake.script("slow", { delayMs: 5_000 });
    const client = createOpenAIModelClient({ env, timeoutMs: 150 });
    const error = await failure(
      client.generate({ endpoint: endpoint("slow"), messages: question }),
      "timeout",
    );
    expect(error.message).toContain("0.15 s");
  });

  it("times out when the stream itself is too slow (the deadline covers the whole stream)", async () => {
    fake.script("slow-stream", { text: "word ".repeat(60), chunkDelayMs: 40 });
    const client = createOpenAIModelClient({ env, timeoutMs: 250 });
    const deltas: string[] = [];
    await failure(
      client.generate({
        endpoint: endpoint("slow-stream"),
        messages: question,
        onDelta: (text) => deltas.push(text),
      }),
      "timeout",
    );
    expect(deltas.length).toBeGreaterThan(0);
  });

  it("retries 5xx and fails with provider_error after the retries", async () => {
    const serverError = { status: 500, retryAfterMs: 5, message: "upstream exploded" };
    fake.script("broken", { statuses: [serverError, serverError, serverError, serverError] });
    const client = createOpenAIModelClient({ env, maxRetries: 2 });
    const error = await failure(
      client.generate({ endpoint: endpoint("broken"), messages: question }),
      "provider_error",
    );
    expect(error.status).toBe(500);
    expect(error.message).toContain("upstream exploded");
    expect(chatRequests("broken")).toHaveLength(3);
  });

  it("recovers when a 500 is followed by a success", async () => {
    fake.script("flaky", { statuses: [{ status: 503, retryAfterMs: 5 }] });
    const client = createOpenAIModelClient({ env, maxRetries: 2 });
    const result = await client.generate({ endpoint: endpoint("flaky"), messages: question });
    expect(result.content).toContain("[flaky]");
    expect(chatRequests("flaky")).toHaveLength(2);
  });

  it("honours Retry-After on 429 and then succeeds", async () => {
    fake.script("busy", { statuses: [{ status: 429, retryAfterSeconds: 1 }] });
    const client = createOpenAIModelClient({ env, maxRetries: 2 });
    const result = await client.generate({ endpoint: endpoint("busy"), messages: question });
    expect(result.content).toContain("[busy]");
    const [first, second] = chatRequests("busy");
    expect(chatRequests("busy")).toHaveLength(2);
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(1_000 - 20);
  });

  it("fails with rate_limited when 429 persists after the retries", async () => {
    const tooMany = { status: 429, retryAfterMs: 5 };
    fake.script("throttled", { statuses: [tooMany, tooMany, tooMany] });
    const client = createOpenAIModelClient({ env, maxRetries: 2 });
    const error = await failure(
      client.generate({ endpoint: endpoint("throttled"), messages: question }),
      "rate_limited",
    );
    expect(error.status).toBe(429);
    expect(chatRequests("throttled")).toHaveLength(3);
  });

  it("fails with rate_limited at once when Retry-After outlasts the deadline", async () => {
    fake.script("closed-for-the-day", { statuses: [{ status: 429, retryAfterSeconds: 3600 }] });
    const client = createOpenAIModelClient({ env, maxRetries: 2, timeoutMs: 5_000 });
    await failure(
      client.generate({ endpoint: endpoint("closed-for-the-day"), messages: question }),
      "rate_limited",
    );
    expect(chatRequests("closed-for-the-day")).toHaveLength(1);
  });

  it("does not retry other 4xx statuses", async () => {
    fake.script("missing", { statuses: [{ status: 404, message: "The model does not exist" }] });
    const client = createOpenAIModelClient({ env, maxRetries: 2 });
    const error = await failure(
      client.generate({ endpoint: endpoint("missing"), messages: question }),
      "provider_error",
    );
    expect(error.status).toBe(404);
    expect(chatRequests("missing")).toHaveLength(1);
  });

  it("fails with interrupted when the stream is cut in the middle", async () => {
    fake.script("cut", {
      text: "one two three four five six seven eight nine ten eleven twelve",
      cutAfterChunks: 2,
    });
    const client = createOpenAIModelClient({ env, maxRetries: 2 });
    const deltas: string[] = [];
    await failure(
      client.generate({
        endpoint: endpoint("cut"),
        messages: question,
        onDelta: (text) => deltas.push(text),
      }),
      "interrupted",
    );
    expect(deltas.join("")).toBe("one two three four five six ");
    expect(chatRequests("cut")).toHaveLength(1);
  });

  it("fails with provider_error when the provider sends an error event inside the stream", async () => {
    fake.script("stream-error", {
      text: "a b c d e f g h i",
      streamError: { afterChunks: 1, message: "overloaded" },
    });
    const client = createOpenAIModelClient({ env });
    const error = await failure(
      client.generate({ endpoint: endpoint("stream-error"), messages: question }),
      "provider_error",
    );
    expect(error.message).toContain("overloaded");
  });

  it("fails with refused on finish_reason content_filter", async () => {
    fake.script("filtered", { text: "Here is how to", finishReason: "content_filter" });
    const client = createOpenAIModelClient({ env });
    await failure(client.generate({ endpoint: endpoint("filtered"), messages: question }), "refused");
  });

  it("fails with refused on a streamed refusal", async () => {
    fake.script("refuser", { refusal: "I'm sorry, I can't help with that." });
    const client = createOpenAIModelClient({ env });
    await failure(client.generate({ endpoint: endpoint("refuser"), messages: question }), "refused");
  });

  it("fails with refused, without retrying, on a moderation error status", async () => {
    fake.script("moderated", {
      statuses: [
        { status: 400, code: "content_filter", message: "The prompt was filtered by the content policy." },
      ],
    });
    const client = createOpenAIModelClient({ env, maxRetries: 2 });
    const error = await failure(
      client.generate({ endpoint: endpoint("moderated"), messages: question }),
      "refused",
    );
    expect(error.status).toBe(400);
    expect(chatRequests("moderated")).toHaveLength(1);
  });
});

describe("createOpenAIModelClient: cancellation and concurrency", () => {
  it("fails with cancelled when the caller aborts while waiting for the provider", async () => {
    fake.script("waiting", { delayMs: 5_000 });
    const client = createOpenAIModelClient({ env });
    const controller = new AbortController();
    const pending = client.generate({
      endpoint: endpoint("waiting"),
      messages: question,
      signal: controller.signal,
    });
    await waitForRequests("waiting", 1);
    controller.abort();
    await failure(pending, "cancelled");
  });

  it("fails with cancelled when the caller aborts in the middle of the stream", async () => {
    fake.script("streaming", { text: "word ".repeat(100), chunkDelayMs: 20 });
    const client = createOpenAIModelClient({ env });
    const controller = new AbortController();
    const pending = client.generate({
      endpoint: endpoint("streaming"),
      messages: question,
      signal: controller.signal,
      onDelta: () => controller.abort(),
    });
    await failure(pending, "cancelled");
  });

  it("fails with cancelled during a retry wait, without sending the retry", async () => {
    fake.script("retry-later", { statuses: [{ status: 429, retryAfterSeconds: 20 }] });
    const client = createOpenAIModelClient({ env, maxRetries: 2 });
    const controller = new AbortController();
    const pending = client.generate({
      endpoint: endpoint("retry-later"),
      messages: question,
      signal: controller.signal,
    });
    await waitForRequests("retry-later", 1);
    controller.abort();
    await failure(pending, "cancelled");
    expect(chatRequests("retry-later")).toHaveLength(1);
  });

  it("fails with cancelled at once for an already aborted signal", async () => {
    const client = createOpenAIModelClient({ env });
    await failure(
      client.generate({ endpoint: endpoint("never"), messages: question, signal: AbortSignal.abort() }),
      "cancelled",
    );
    expect(chatRequests("never")).toHaveLength(0);
  });

  it("keeps at most concurrencyPerModel requests in flight per model, queueing the rest", async () => {
    fake.script("popular", { delayMs: 40 });
    fake.script("other", { delayMs: 40 });
    const client = createOpenAIModelClient({ env, concurrencyPerModel: 2 });
    const popular = endpoint("popular");
    const results = await Promise.all([
      ...Array.from({ length: 6 }, () => client.generate({ endpoint: popular, messages: question })),
      ...Array.from({ length: 3 }, () =>
        client.generate({ endpoint: endpoint("other"), messages: question }),
      ),
    ]);
    expect(results).toHaveLength(9);
    expect(chatRequests("popular")).toHaveLength(6);
    expect(fake.maxInFlight("popular")).toBe(2);
    expect(fake.maxInFlight("other")).toBe(2);
  });

  it("drops a queued generation when its caller cancels it, before it reaches the provider", async () => {
    fake.script("single-lane", { delayMs: 300 });
    const client = createOpenAIModelClient({ env, concurrencyPerModel: 1 });
    const first = client.generate({ endpoint: endpoint("single-lane"), messages: question });
    const controller = new AbortController();
    const second = client.generate({
      endpoint: endpoint("single-lane"),
      messages: question,
      signal: controller.signal,
    });
    await waitForRequests("single-lane", 1);
    controller.abort();
    await failure(second, "cancelled");
    await first;
    expect(chatRequests("single-lane")).toHaveLength(1);
  });
});

describe("createOpenAIModelClient: secrets", () => {
  it("never puts the API key in error messages or logs, even when the provider echoes it", async () => {
    const logged: string[] = [];
    const logger: ProviderLogger = {
      debug: (fields, message) => logged.push(JSON.stringify({ fields, message })),
      warn: (fields, message) => logged.push(JSON.stringify({ fields, message })),
    };
    fake.script("echo-key", {
      statuses: [
        { status: 401, code: "invalid_api_key", message: `Incorrect API key provided: ${API_KEY}.` },
      ],
    });
    // The echo straddles the point where long provider messages are shortened.
    fake.script("echo-key-late", {
      statuses: [
        { status: 401, code: "invalid_api_key", message: `${"x".repeat(260)} invalid key ${API_KEY}` },
      ],
    });
    fake.script("key-slow", { delayMs: 5_000 });
    fake.script("key-cut", { text: "a b c d e f g h i j", cutAfterChunks: 1 });
    const client = createOpenAIModelClient({ env, logger, timeoutMs: 150 });

    const errors = [
      await failure(
        client.generate({ endpoint: endpoint("echo-key"), messages: question }),
        "provider_error",
      ),
      await failure(
        client.generate({ endpoint: endpoint("echo-key-late"), messages: question }),
        "provider_error",
      ),
      await failure(client.generate({ endpoint: endpoint("key-slow"), messages: question }), "timeout"),
      await failure(client.generate({ endpoint: endpoint("key-cut"), messages: question }), "interrupted"),
    ];
    await client.generate({ endpoint: endpoint("key-ok"), messages: question });

    // The key did travel to the provider, and the provider did echo it back.
    expect(chatRequests("echo-key")[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(errors[0]?.message).toContain("Incorrect API key provided");
    expect(logged.length).toBeGreaterThanOrEqual(4);
    for (const text of [...errors.map((error) => `${error.message} ${error.stack}`), ...logged]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(API_KEY.slice(0, 12));
    }
  });

  it("removes the key echoed URL-encoded, in base64 (also as Basic auth), split or as a long prefix", async () => {
    const logged: string[] = [];
    const logger: ProviderLogger = {
      debug: (fields, message) => logged.push(JSON.stringify({ fields, message })),
      warn: (fields, message) => logged.push(JSON.stringify({ fields, message })),
    };
    const client = createOpenAIModelClient({ env, logger, maxRetries: 0 });
    const shapes = Object.keys(keyEchoes(API_KEY));
    const messages: string[] = [];
    for (const shape of shapes) {
      // The fake echoes the key it received in the Authorization header, in this shape.
      fake.script(`echo-${shape}`, {
        statuses: [
          {
            status: 400,
            message: (request) => {
              const received = String(request.headers.authorization).replace(/^Bearer /, "");
              return keyEchoes(received)[shape] ?? "";
            },
          },
        ],
      });
      const error = await failure(
        client.generate({ endpoint: endpoint(`echo-${shape}`), messages: question }),
        "provider_error",
      );
      messages.push(error.message);
    }
    expect(messages.every((message) => message.includes("[redacted]"))).toBe(true);
    expect(logged.length).toBe(shapes.length);
    for (const text of [...messages, ...logged]) {
      for (const trace of keyTraces(API_KEY)) expect(text).not.toContain(trace);
    }
  });
});

describe("createOpenAIModelClient: reasoning models and empty answers", () => {
  it("sends max_completion_tokens and no temperature to a model declared as reasoning", async () => {
    fake.script("o-mini", { rejects: ["max_tokens", "temperature"], text: "Reasoned." });
    const client = createOpenAIModelClient({ env, reasoningModels: new Set(["registry-o-mini"]) });
    const result = await client.generate({ endpoint: endpoint("o-mini"), messages: question });
    expect(result.content).toBe("Reasoned.");
    const [sent, ...more] = chatRequests("o-mini");
    expect(more).toHaveLength(0);
    expect(sent?.body).toMatchObject({ max_completion_tokens: 256 });
    expect(sent?.body).not.toHaveProperty("max_tokens");
    expect(sent?.body).not.toHaveProperty("temperature");
  });

  it("learns from OpenAI's 400 naming the parameter, asks again without it, and remembers, with a warning", async () => {
    fake.script("o-undeclared", { rejects: ["max_tokens", "temperature"], text: "Reasoned anyway." });
    const warnings: string[] = [];
    const logger: ProviderLogger = { debug() {}, warn: (_fields, message) => warnings.push(message) };
    const client = createOpenAIModelClient({ env, logger });
    const first = await client.generate({ endpoint: endpoint("o-undeclared"), messages: question });
    expect(first.content).toBe("Reasoned anyway.");
    expect(chatRequests("o-undeclared").map((request) => Object.keys(request.body ?? {}).sort())).toEqual([
      expect.arrayContaining(["max_tokens", "temperature"]),
      expect.arrayContaining(["max_completion_tokens", "temperature"]),
      expect.not.arrayContaining(["max_tokens", "temperature"]),
    ]);
    expect(warnings).toEqual([
      expect.stringMatching(/refuses max_tokens.*"reasoning": true/),
      expect.stringMatching(/refuses temperature/),
    ]);
    await client.generate({ endpoint: endpoint("o-undeclared"), messages: question });
    expect(chatRequests("o-undeclared")).toHaveLength(4);
    // Other models are not affected.
    await client.generate({ endpoint: endpoint("plain"), messages: question });
    expect(chatRequests("plain")[0]?.body).toMatchObject({ max_tokens: 256, temperature: 0.5 });
  });

  it("fails with a 400 naming the parameter for other refusals, without asking again", async () => {
    fake.script("picky", {
      statuses: [{ status: 400, param: "top_p", message: "Unsupported parameter: 'top_p'" }],
    });
    const client = createOpenAIModelClient({ env });
    const error = await failure(
      client.generate({ endpoint: endpoint("picky"), messages: question }),
      "provider_error",
    );
    expect(error.message).toContain("top_p");
    expect(chatRequests("picky")).toHaveLength(1);
  });

  it("fails with empty on an answer without text, saying why when the token limit was reached first", async () => {
    fake.script("silent", { text: "" });
    fake.script("thinker", { text: "   ", finishReason: "length" });
    const client = createOpenAIModelClient({ env });
    const silent = await failure(
      client.generate({ endpoint: endpoint("silent"), messages: question }),
      "empty",
    );
    expect(silent.message).toBe("the model returned an empty answer (finish_reason stop)");
    const thinker = await failure(
      client.generate({ endpoint: endpoint("thinker"), messages: question }),
      "empty",
    );
    expect(thinker.message).toMatch(/token limit \(maxTokens 256\).*higher maxTokens/);
  });

  it("rides out a 429 storm on many concurrent generations, waiting at least each Retry-After", async () => {
    const client = createOpenAIModelClient({ env, concurrencyPerModel: 20, maxRetries: 3 });
    const storm = Array.from({ length: 12 }, (_, index) => `storm-${index}`);
    for (const model of storm) {
      fake.script(model, {
        statuses: [
          { status: 429, retryAfterMs: 40 },
          { status: 429, retryAfterMs: 80 },
        ],
        text: `Calm after ${model}.`,
      });
    }
    const results = await Promise.all(
      storm.map((model) => client.generate({ endpoint: endpoint(model), messages: question })),
    );
    expect(results.map((result) => result.content)).toEqual(storm.map((model) => `Calm after ${model}.`));
    for (const model of storm) {
      const times = chatRequests(model).map((request) => request.receivedAt);
      expect(times).toHaveLength(3);
      expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(40 - 2);
      expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(80 - 2);
    }
  });
});
