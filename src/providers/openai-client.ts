// The arena's ModelClient over any OpenAI-compatible chat endpoint, through the official `openai` SDK.
//
// What the SDK does for us (checked in its source, v6): retries 408/409/429/5xx and connection errors with
// exponential backoff (0.5 s doubling, at most 8 s, jittered), honouring `retry-after-ms` and `Retry-After`
// (seconds or HTTP date). What we add around it:
// - one deadline per generation that covers the queue-free part of the call end to end: every attempt, the
//   retry waits and the whole stream (the SDK's own timeout stops once the response headers arrive);
// - when a provider's Retry-After would outlast that deadline, the answer is surfaced at once as
//   rate_limited instead of sleeping into a timeout (the SDK obeys an `x-should-retry: false` header, which
//   our fetch wrapper adds in that case);
// - prompt cancellation: the SDK sleeps between retries without watching the signal, so we race it;
// - a per-model concurrency limit (p-limit); failures mapped to GenerationError kinds; keys kept out of
//   every message and log.

import { AsyncLocalStorage } from "node:async_hooks";
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import pLimit, { type LimitFunction } from "p-limit";
import {
  GenerationError,
  type GenerationErrorKind,
  type GenerationRequest,
  type GenerationResult,
  type ModelClient,
  type ModelEndpoint,
} from "../arena/model-client.ts";
import { createRedactor, type Redactor } from "../arena/secrets.ts";

/** The subset of a pino logger this client uses. */
export interface ProviderLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface OpenAIModelClientOptions {
  /** Where `apiKeyEnv` names are looked up; default process.env. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Per-generation deadline covering retries and the whole stream (not the wait for a slot); default 60 000 ms. */
  readonly timeoutMs?: number | undefined;
  /** Retries after the first attempt on 408/409/429/5xx/connection errors; default 2. */
  readonly maxRetries?: number | undefined;
  /** Generations running at once per model name; the rest wait in a queue. Default 4. */
  readonly concurrencyPerModel?: number | undefined;
  readonly logger?: ProviderLogger | undefined;
  /**
   * Registry names of reasoning models (the models file's `reasoning: true`): they get `max_completion_tokens`
   * instead of `max_tokens` and no `temperature`. A model that refuses either with a 400 naming the parameter
   * (as OpenAI does) is retried at once without it and remembered as such, with a warning.
   */
  readonly reasoningModels?: ReadonlySet<string> | undefined;
}

/** Request parameters some models refuse. */
type RefusableParameter = "max_tokens" | "temperature";
const REFUSABLE_PARAMETERS: readonly RefusableParameter[] = ["max_tokens", "temperature"];

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_CONCURRENCY_PER_MODEL = 4;
const PROVIDER_MESSAGE_MAX_LENGTH = 300;

/** What one generation tells the shared fetch wrapper (through AsyncLocalStorage, as the SDK calls fetch). */
interface AttemptContext {
  readonly deadlineAt: number;
  /** Status of the last HTTP response, for messages when the deadline hits between retries. */
  lastStatus: number | null;
}

const attemptContext = new AsyncLocalStorage<AttemptContext>();

const silentLogger: ProviderLogger = { debug() {}, warn() {} };

export function createOpenAIModelClient(options: OpenAIModelClientOptions = {}): ModelClient {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const concurrencyPerModel = options.concurrencyPerModel ?? DEFAULT_CONCURRENCY_PER_MODEL;
  const logger = options.logger ?? silentLogger;
  const refusedParameters = new Map<string, Set<RefusableParameter>>();
  for (const name of options.reasoningModels ?? [])
    refusedParameters.set(name, new Set(REFUSABLE_PARAMETERS));

  function refusedBy(model: string): Set<RefusableParameter> {
    let refused = refusedParameters.get(model);
    if (!refused) {
      refused = new Set();
      refusedParameters.set(model, refused);
    }
    return refused;
  }

  /** One request; when the model refuses a parameter it was sent, learns that and asks once more without it. */
  async function completeAdapting(
    sdk: OpenAI,
    request: GenerationRequest,
    signal: AbortSignal,
  ): Promise<Omit<GenerationResult, "latencyMs">> {
    const refused = refusedBy(request.endpoint.name);
    for (;;) {
      try {
        return await streamCompletion(sdk, request, signal, logger, refused);
      } catch (error) {
        const parameter = refusedParameter(error);
        if (parameter === null || refused.has(parameter)) throw error;
        refused.add(parameter);
        logger.warn(
          { model: request.endpoint.name, parameter },
          `the model refuses ${parameter}; asking again without it (set "reasoning": true for it in the models file)`,
        );
      }
    }
  }

  const clients = new Map<string, { readonly apiKey: string | null; readonly sdk: OpenAI }>();
  const limits = new Map<string, LimitFunction>();

  function sdkFor(endpoint: ModelEndpoint, apiKey: string | null): OpenAI {
    const cacheKey = `${endpoint.baseUrl}\n${endpoint.apiKeyEnv ?? ""}`;
    const cached = clients.get(cacheKey);
    if (cached && cached.apiKey === apiKey) return cached.sdk;
    const sdk = new OpenAI({
      baseURL: endpoint.baseUrl,
      // The SDK insists on a key; keyless servers get a placeholder and the header is then removed.
      apiKey: apiKey ?? "keyless",
      ...(apiKey === null ? { defaultHeaders: { Authorization: null } } : {}),
      // Explicit nulls so the SDK does not pick OPENAI_* variables from the environment and send them to
      // whatever endpoint this is.
      adminAPIKey: null,
      organization: null,
      project: null,
      webhookSecret: null,
      maxRetries,
      timeout: timeoutMs,
      fetch: deadlineAwareFetch,
      logLevel: "off",
    });
    clients.set(cacheKey, { apiKey, sdk });
    return sdk;
  }

  function limitFor(modelName: string): LimitFunction {
    let limit = limits.get(modelName);
    if (!limit) {
      limit = pLimit(concurrencyPerModel);
      limits.set(modelName, limit);
    }
    return limit;
  }

  async function generateNow(
    sdk: OpenAI,
    request: GenerationRequest,
    apiKey: string | null,
  ): Promise<GenerationResult> {
    const { endpoint, signal: callerSignal } = request;
    const model = endpoint.name;
    if (callerSignal?.aborted) throw new GenerationError("cancelled", "cancelled before it started", model);

    const startedAt = performance.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, deadline.signal]) : deadline.signal;
    const attempt: AttemptContext = { deadlineAt: Date.now() + timeoutMs, lastStatus: null };

    try {
      const work = attemptContext.run(attempt, () => completeAdapting(sdk, request, signal));
      const answer = await rejectOnAbort(work, signal);
      const result: GenerationResult = { ...answer, latencyMs: Math.round(performance.now() - startedAt) };
      logger.debug(
        {
          model,
          latencyMs: result.latencyMs,
          finishReason: result.finishReason,
          promptTokens: result.promptTokens,
          completionTokens: result.completionTokens,
        },
        "generation finished",
      );
      return result;
    } catch (error) {
      const failure = classifyFailure(error, {
        model,
        apiKey,
        cancelled: callerSignal?.aborted === true,
        timedOut: deadline.signal.aborted,
        timeoutMs,
        lastStatus: attempt.lastStatus,
      });
      const log = failure.kind === "cancelled" ? logger.debug : logger.warn;
      log.call(logger, { model, kind: failure.kind, status: failure.status ?? null }, failure.message);
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async generate(request) {
      const { endpoint } = request;
      const apiKey = resolveApiKey(endpoint, env);
      const sdk = sdkFor(endpoint, apiKey);
      const queued = limitFor(endpoint.name)(() => generateNow(sdk, request, apiKey));
      // A generation cancelled while still queued is given up at once; its slot, when it comes, is free.
      return rejectOnAbort(queued, request.signal).catch((error: unknown) => {
        if (error instanceof GenerationError) throw error;
        throw new GenerationError("cancelled", "cancelled", endpoint.name);
      });
    },
  };
}

function resolveApiKey(endpoint: ModelEndpoint, env: NodeJS.ProcessEnv): string | null {
  if (!URL.canParse(endpoint.baseUrl) || !/^https?:$/.test(new URL(endpoint.baseUrl).protocol)) {
    throw new GenerationError("config", "the base URL is not an http(s) URL", endpoint.name);
  }
  if (endpoint.apiKeyEnv === null) return null;
  const apiKey = env[endpoint.apiKeyEnv];
  if (apiKey === undefined || apiKey.trim() === "") {
    throw new GenerationError(
      "config",
      `the environment variable ${endpoint.apiKeyEnv} (its API key) is not set`,
      endpoint.name,
    );
  }
  return apiKey.trim();
}

async function streamCompletion(
  sdk: OpenAI,
  request: GenerationRequest,
  signal: AbortSignal,
  logger: ProviderLogger,
  refused: ReadonlySet<RefusableParameter>,
): Promise<Omit<GenerationResult, "latencyMs">> {
  const { endpoint } = request;
  const messages = [
    ...(endpoint.systemPrompt === null ? [] : [{ role: "system" as const, content: endpoint.systemPrompt }]),
    ...request.messages.map((message) => ({ role: message.role, content: message.content })),
  ];
  const stream = await sdk.chat.completions.create(
    {
      model: endpoint.model,
      messages,
      ...(refused.has("max_tokens")
        ? { max_completion_tokens: endpoint.maxTokens }
        : { max_tokens: endpoint.maxTokens }),
      ...(refused.has("temperature") ? {} : { temperature: endpoint.temperature }),
      stream: true,
      stream_options: { include_usage: true },
    },
    { signal },
  );

  let content = "";
  let refusal = "";
  let finishReason: string | null = null;
  let promptTokens: number | null = null;
  let completionTokens: number | null = null;
  try {
    for await (const chunk of stream) {
      if (chunk.usage) {
        promptTokens = chunk.usage.prompt_tokens;
        completionTokens = chunk.usage.completion_tokens;
      }
      const choice = chunk.choices[0];
      if (!choice) continue;
      if (choice.delta.content) {
        content += choice.delta.content;
        notifyDelta(request, choice.delta.content, logger);
      }
      if (choice.delta.refusal) refusal += choice.delta.refusal;
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
  } catch (error) {
    // An error event inside the stream is the provider speaking; anything else is a broken stream.
    if (signal.aborted || error instanceof APIError) throw error;
    throw new GenerationError(
      "interrupted",
      "the answer stream broke before the model finished",
      endpoint.name,
    );
  }
  // The SDK ends the iteration quietly when the request is aborted.
  if (signal.aborted) throw new Error("aborted");
  if (refusal !== "" || finishReason === "content_filter") {
    throw new GenerationError("refused", "the provider refused to answer (content filter)", endpoint.name);
  }
  if (finishReason === null) {
    throw new GenerationError(
      "interrupted",
      "the answer stream ended before the model finished",
      endpoint.name,
    );
  }
  if (content.trim() === "") {
    const why =
      finishReason === "length"
        ? `it stopped at the token limit (maxTokens ${endpoint.maxTokens}) before writing any text; reasoning models need a higher maxTokens`
        : `finish_reason ${finishReason}`;
    throw new GenerationError("empty", `the model returned an empty answer (${why})`, endpoint.name);
  }
  return { content, finishReason, promptTokens, completionTokens };
}

/** The parameter a 400 says the model does not accept (OpenAI: `param` with unsupported_parameter/value). */
function refusedParameter(error: unknown): RefusableParameter | null {
  if (!(error instanceof APIError) || error.status !== 400) return null;
  const param = (error as APIError & { param?: unknown }).param;
  return REFUSABLE_PARAMETERS.find((candidate) => candidate === param) ?? null;
}

function notifyDelta(request: GenerationRequest, text: string, logger: ProviderLogger): void {
  try {
    request.onDelta?.(text);
  } catch (error) {
    // A failing listener must not fail the generation.
    logger.warn({ model: request.endpoint.name, error: String(error) }, "onDelta listener threw");
  }
}

interface FailureContext {
  readonly model: string;
  readonly apiKey: string | null;
  readonly cancelled: boolean;
  readonly timedOut: boolean;
  readonly timeoutMs: number;
  readonly lastStatus: number | null;
}

function classifyFailure(error: unknown, context: FailureContext): GenerationError {
  const { model } = context;
  const fail = (kind: GenerationErrorKind, message: string, status?: number) =>
    new GenerationError(kind, redact(message, context.apiKey), model, status);

  if (context.cancelled) return fail("cancelled", "cancelled");
  if (context.timedOut) {
    const last =
      context.lastStatus !== null && context.lastStatus >= 400 ? ` (last status ${context.lastStatus})` : "";
    return fail("timeout", `no complete answer within ${formatSeconds(context.timeoutMs)}${last}`);
  }
  if (error instanceof GenerationError) return fail(error.kind, error.message, error.status);
  if (error instanceof APIConnectionTimeoutError) {
    return fail("timeout", `no response within ${formatSeconds(context.timeoutMs)}`);
  }
  if (error instanceof APIConnectionError) return fail("provider_error", "could not reach the provider");
  if (error instanceof APIError) {
    // Redact before shortening: a key cut in half by the shortening would no longer match.
    const providerSaid = shorten(redact(error.message, context.apiKey));
    if (isModerationRefusal(error))
      return fail("refused", `the provider refused the request: ${providerSaid}`, error.status);
    if (error.status === 429)
      return fail("rate_limited", `rate limited by the provider: ${providerSaid}`, 429);
    if (error.status === undefined)
      return fail("provider_error", `the provider reported an error: ${providerSaid}`);
    return fail("provider_error", `the provider answered ${providerSaid}`, error.status);
  }
  return fail("provider_error", `unexpected failure: ${shorten(redact(String(error), context.apiKey))}`);
}

/** OpenAI/Azure `content_filter` codes, OpenAI's content policy code, OpenRouter's 403 moderation. */
function isModerationRefusal(error: APIError): boolean {
  const code = typeof error.code === "string" ? error.code : "";
  if (code === "content_filter" || code === "content_policy_violation") return true;
  return error.status === 403 && /moderation|flagged/i.test(error.message);
}

/** The SDK's fetch, except that a retry wait past the deadline is vetoed (the SDK obeys x-should-retry). */
async function deadlineAwareFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  const attempt = attemptContext.getStore();
  if (!attempt) return response;
  attempt.lastStatus = response.status;
  if (response.ok) return response;
  const waitMs = retryAfterMs(response.headers);
  if (waitMs === null || Date.now() + waitMs < attempt.deadlineAt) return response;
  const headers = new Headers(response.headers);
  headers.set("x-should-retry", "false");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** The wait a provider asks for, read the way the SDK reads it; null when it asks for none. */
function retryAfterMs(headers: Headers): number | null {
  const milliseconds = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (!Number.isNaN(milliseconds)) return milliseconds;
  const retryAfter = headers.get("retry-after");
  if (retryAfter === null) return null;
  const seconds = Number.parseFloat(retryAfter);
  if (!Number.isNaN(seconds)) return seconds * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? null : date - Date.now();
}

/** Settles like `work`, or rejects as soon as `signal` aborts (then `work`'s outcome is ignored). */
function rejectOnAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("aborted"));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

const redactors = new Map<string, Redactor>();

/** The key removed in every form a provider may echo it (secrets.ts): exact, prefix, URL-encoded, base64, split. */
function redact(message: string, apiKey: string | null): string {
  if (apiKey === null || apiKey === "") return message;
  let redactor = redactors.get(apiKey);
  if (!redactor) {
    redactor = createRedactor([apiKey]);
    // A handful of keys per deployment; the bound only guards against a key that changes on every call.
    if (redactors.size > 100) redactors.clear();
    redactors.set(apiKey, redactor);
  }
  return redactor(message);
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= PROVIDER_MESSAGE_MAX_LENGTH
    ? oneLine
    : `${oneLine.slice(0, PROVIDER_MESSAGE_MAX_LENGTH - 1)}…`;
}

function formatSeconds(milliseconds: number): string {
  return `${Number((milliseconds / 1000).toFixed(3))} s`;
}
