// A local OpenAI-compatible server (node:http on 127.0.0.1) that answers POST /v1/chat/completions, streamed
// (SSE chat.completion.chunk, usage chunk when stream_options.include_usage, then [DONE]) or not, and
// GET /v1/models. Answers are scripted per model id; every request is recorded for assertions.
//
//   const fake = await startFakeOpenAI();            // fake.url = "http://127.0.0.1:PORT/v1"
//   fake.script("m1", { statuses: [{ status: 429, retryAfterSeconds: 1 }] });
//   ... fake.requests, fake.maxInFlight("m1") ...
//   await fake.close();
//
// A model id with no script answers as its persona (see personas.ts) or, failing that, with an echo that
// names the model, so two models always visibly differ.

import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { echoAnswer, type FakeChatMessage, findPersona, PERSONAS } from "./personas.ts";

/** An HTTP error answered instead of a completion, with an OpenAI-shaped error body. */
export interface FakeErrorStatus {
  readonly status: number;
  /** Sent as the standard `Retry-After` header (seconds). */
  readonly retryAfterSeconds?: number;
  /** Sent as `retry-after-ms`, which the openai SDK honours before Retry-After (keeps tests fast). */
  readonly retryAfterMs?: number;
  /** The error message; a function of the request can echo what it received (e.g. the key, as some do). */
  readonly message?: string | ((request: RecordedRequest) => string);
  /** The `param` field, as OpenAI names the parameter it rejects. */
  readonly param?: string;
  readonly type?: string;
  readonly code?: string;
}

export interface FakeBehaviour {
  /** The answer, instead of the persona/echo one. */
  readonly text?: string | ((messages: readonly FakeChatMessage[]) => string);
  /** Wait before sending the response headers. */
  readonly delayMs?: number;
  /** Wait between stream chunks. */
  readonly chunkDelayMs?: number;
  /** Answered one per request, in order, before the model answers normally again. */
  readonly statuses?: readonly FakeErrorStatus[];
  /** Streaming only: destroy the socket after this many content chunks (no finish, no [DONE]). */
  readonly cutAfterChunks?: number;
  /** finish_reason of the last choice chunk; default "stop". */
  readonly finishReason?: "stop" | "length" | "content_filter";
  /** Answer with a refusal (delta.refusal / message.refusal) instead of content. */
  readonly refusal?: string;
  /**
   * Parameters this model refuses, as OpenAI's reasoning models do: a request carrying one gets a 400 naming it
   * (`param`), with OpenAI's wording.
   */
  readonly rejects?: readonly ("max_tokens" | "temperature")[];
  /** Streaming only: send an SSE `{"error": …}` event after this many content chunks. */
  readonly streamError?: { readonly afterChunks: number; readonly message: string; readonly code?: string };
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body, or null for GET / unparsable bodies. */
  readonly body: Record<string, unknown> | null;
  readonly model: string | null;
  readonly messages: readonly FakeChatMessage[];
  readonly stream: boolean;
  /** Date.now() when the request arrived. */
  readonly receivedAt: number;
}

export interface FakeOpenAIOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`, else 401 (like the real API). */
  readonly apiKey?: string;
  /** Default 0 (an ephemeral port). */
  readonly port?: number;
}

export interface FakeOpenAI {
  /** Base URL ending in /v1, to use as a model's baseUrl. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Sets (replaces) the behaviour of one model id. */
  script(model: string, behaviour: FakeBehaviour): void;
  /** Most chat requests for this model that were open at the same time. */
  maxInFlight(model: string): number;
  /** Forgets scripts, recorded requests and in-flight maxima. */
  reset(): void;
  close(): Promise<void>;
}

interface ModelState {
  behaviour: FakeBehaviour;
  pendingStatuses: FakeErrorStatus[];
  inFlight: number;
  maxInFlight: number;
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const models = new Map<string, ModelState>();
  const requests: RecordedRequest[] = [];
  let completionCounter = 0;

  function stateOf(model: string): ModelState {
    let state = models.get(model);
    if (!state) {
      state = { behaviour: {}, pendingStatuses: [], inFlight: 0, maxInFlight: 0 };
      models.set(model, state);
    }
    return state;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = await readBody(request);
    const body = parseJsonObject(rawBody);
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const model = typeof body?.model === "string" ? body.model : null;
    const recorded: RecordedRequest = {
      method: request.method ?? "GET",
      path,
      headers: request.headers,
      body,
      model,
      messages: parseMessages(body?.messages),
      stream: body?.stream === true,
      receivedAt: Date.now(),
    };
    requests.push(recorded);

    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      sendError(response, { status: 401, message: "Incorrect API key provided.", code: "invalid_api_key" });
      return;
    }
    if (request.method === "GET" && path === "/v1/models") {
      sendModelList(response);
      return;
    }
    if (request.method !== "POST" || path !== "/v1/chat/completions") {
      sendError(response, { status: 404, message: `Unknown route ${request.method} ${path}` });
      return;
    }
    if (body === null || model === null || recorded.messages.length === 0) {
      sendError(response, { status: 400, message: "Expected a JSON body with model and messages." });
      return;
    }

    const state = stateOf(model);
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    const closed = new AbortController();
    response.on("close", () => {
      state.inFlight--;
      closed.abort();
    });

    const behaviour = state.behaviour;
    try {
      if (behaviour.delayMs !== undefined)
        await sleep(behaviour.delayMs, undefined, { signal: closed.signal });
      const refused = behaviour.rejects?.find((param) => body[param] !== undefined);
      if (refused) {
        sendError(response, REFUSALS[refused]);
        return;
      }
      const errorStatus = state.pendingStatuses.shift();
      if (errorStatus) {
        sendError(response, errorStatus, recorded);
        return;
      }
      const answer = {
        id: `chatcmpl-fake${++completionCounter}`,
        model,
        text: answerText(model, behaviour, recorded.messages),
        promptTokens: countTokens(recorded.messages.map((message) => message.content).join(" ")),
      };
      if (recorded.stream) {
        const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
        await sendStream(response, answer, behaviour, streamOptions?.include_usage === true, closed.signal);
      } else {
        sendCompletion(response, answer, behaviour);
      }
    } catch (error) {
      if (!closed.signal.aborted) throw error;
      // The client went away (timeout, cancellation): nothing more to send.
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, { status: 500, message: String(error) });
      else response.destroy();
    });
  });
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script(model, behaviour) {
      const state = stateOf(model);
      state.behaviour = behaviour;
      state.pendingStatuses = [...(behaviour.statuses ?? [])];
    },
    maxInFlight: (model) => models.get(model)?.maxInFlight ?? 0,
    reset() {
      models.clear();
      requests.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

interface Answer {
  readonly id: string;
  readonly model: string;
  readonly text: string;
  readonly promptTokens: number;
}

function answerText(model: string, behaviour: FakeBehaviour, messages: readonly FakeChatMessage[]): string {
  if (typeof behaviour.text === "string") return behaviour.text;
  if (behaviour.text) return behaviour.text(messages);
  return findPersona(model)?.answer(messages) ?? echoAnswer(model, messages);
}

/** Rough token count (words and punctuation marks); deterministic, which is all tests need. */
function countTokens(text: string): number {
  return text.match(/\w+|[^\w\s]/g)?.length ?? 0;
}

/** Pieces of a few words each, whitespace kept, so the concatenation is the text. */
function splitIntoChunks(text: string): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? [];
  const chunks: string[] = [];
  for (let index = 0; index < words.length; index += 3) chunks.push(words.slice(index, index + 3).join(""));
  return chunks;
}

async function sendStream(
  response: ServerResponse,
  answer: Answer,
  behaviour: FakeBehaviour,
  includeUsage: boolean,
  closed: AbortSignal,
): Promise<void> {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const created = Math.floor(Date.now() / 1000);
  const writeChunk = (choices: unknown[], usage: unknown = null) => {
    const chunk = {
      id: answer.id,
      object: "chat.completion.chunk",
      created,
      model: answer.model,
      system_fingerprint: null,
      choices,
      ...(includeUsage ? { usage } : {}),
    };
    return new Promise<void>((resolve) =>
      response.write(`data: ${JSON.stringify(chunk)}\n\n`, () => resolve()),
    );
  };
  const choice = (delta: Record<string, unknown>, finishReason: string | null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });

  let lastWrite = writeChunk([choice({ role: "assistant", content: "", refusal: null }, null)]);
  const field = behaviour.refusal === undefined ? "content" : "refusal";
  const pieces = splitIntoChunks(behaviour.refusal ?? answer.text);
  let sent = 0;
  for (const piece of pieces) {
    if (behaviour.cutAfterChunks !== undefined && sent >= behaviour.cutAfterChunks) {
      // Let what was written reach the client first, so the cut is in the middle of the stream.
      await lastWrite;
      response.socket?.destroy();
      return;
    }
    if (behaviour.streamError !== undefined && sent >= behaviour.streamError.afterChunks) {
      const { message, code } = behaviour.streamError;
      response.write(
        `data: ${JSON.stringify({ error: { message, type: "server_error", code: code ?? null } })}\n\n`,
      );
      response.end();
      return;
    }
    if (behaviour.chunkDelayMs !== undefined)
      await sleep(behaviour.chunkDelayMs, undefined, { signal: closed });
    lastWrite = writeChunk([choice({ [field]: piece }, null)]);
    sent++;
  }
  writeChunk([choice({}, behaviour.finishReason ?? "stop")]);
  if (includeUsage) {
    const completionTokens = countTokens(behaviour.refusal ?? answer.text);
    writeChunk([], {
      prompt_tokens: answer.promptTokens,
      completion_tokens: completionTokens,
      total_tokens: answer.promptTokens + completionTokens,
    });
  }
  response.end("data: [DONE]\n\n");
}

function sendCompletion(response: ServerResponse, answer: Answer, behaviour: FakeBehaviour): void {
  const completionTokens = countTokens(behaviour.refusal ?? answer.text);
  sendJson(response, 200, {
    id: answer.id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: answer.model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: behaviour.refusal === undefined ? answer.text : null,
          refusal: behaviour.refusal ?? null,
        },
        logprobs: null,
        finish_reason: behaviour.finishReason ?? "stop",
      },
    ],
    usage: {
      prompt_tokens: answer.promptTokens,
      completion_tokens: completionTokens,
      total_tokens: answer.promptTokens + completionTokens,
    },
  });
}

function sendModelList(response: ServerResponse): void {
  sendJson(response, 200, {
    object: "list",
    data: PERSONAS.map((persona) => ({ id: persona.id, object: "model", created: 0, owned_by: "fake" })),
  });
}

/** OpenAI's answers to the parameters its reasoning models do not take. */
const REFUSALS: Record<"max_tokens" | "temperature", FakeErrorStatus> = {
  max_tokens: {
    status: 400,
    message:
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
    param: "max_tokens",
    code: "unsupported_parameter",
  },
  temperature: {
    status: 400,
    message:
      "Unsupported value: 'temperature' does not support 0.7 with this model. Only the default (1) value is supported.",
    param: "temperature",
    code: "unsupported_value",
  },
};

function sendError(response: ServerResponse, error: FakeErrorStatus, request?: RecordedRequest): void {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds);
  if (error.retryAfterMs !== undefined) headers["retry-after-ms"] = String(error.retryAfterMs);
  const defaultType =
    error.status === 429
      ? "rate_limit_exceeded"
      : error.status >= 500
        ? "server_error"
        : "invalid_request_error";
  sendJson(
    response,
    error.status,
    {
      error: {
        message:
          typeof error.message === "function" && request
            ? error.message(request)
            : typeof error.message === "string"
              ? error.message
              : `Scripted error ${error.status}`,
        type: error.type ?? defaultType,
        param: error.param ?? null,
        code: error.code ?? null,
      },
    },
    headers,
  );
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  if (text === "") return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function parseMessages(value: unknown): FakeChatMessage[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) => {
    if (typeof item !== "object" || item === null) return [];
    const { role, content } = item as { role?: unknown; content?: unknown };
    if (typeof role !== "string" || typeof content !== "string") return [];
    return [{ role, content }];
  });
}
