// The arena's port to language models. The implementation (src/providers/) speaks the OpenAI-compatible
// chat API; the engine sees only this.

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

/** What the engine knows of a model endpoint. The API key is referenced by env var name, never held here. */
export interface ModelEndpoint {
  /** Registry name, e.g. "gpt-4o-mini": the concurrency limit and outage state are per name. */
  readonly name: string;
  readonly baseUrl: string;
  /** The provider's model id sent in the request. */
  readonly model: string;
  /** Name of the environment variable holding the API key; null for keyless local servers. */
  readonly apiKeyEnv: string | null;
  readonly maxTokens: number;
  readonly temperature: number;
  readonly systemPrompt: string | null;
}

export interface GenerationRequest {
  readonly endpoint: ModelEndpoint;
  /** Conversation so far, without the system prompt (the client prepends the endpoint's). */
  readonly messages: readonly ChatMessage[];
  readonly signal?: AbortSignal;
  /** Streamed text as it arrives (the engine may ignore it). */
  readonly onDelta?: (text: string) => void;
}

export interface GenerationResult {
  readonly content: string;
  /** "stop", "length", "content_filter", … as the provider said; null if it said nothing. */
  readonly finishReason: string | null;
  readonly promptTokens: number | null;
  readonly completionTokens: number | null;
  readonly latencyMs: number;
}

export type GenerationErrorKind =
  | "timeout" // no complete answer within the per-request timeout
  | "rate_limited" // 429 still after the retries
  | "provider_error" // 5xx still after the retries, or another non-2xx status
  | "refused" // moderation / content filter refusal
  | "interrupted" // the stream broke before it finished
  | "empty" // the model finished without writing any text
  | "cancelled" // the caller's signal aborted it
  | "config"; // missing API key, bad base URL: the model cannot be called at all

/** Thrown by ModelClient.generate. The message is for people and never contains an API key. */
export class GenerationError extends Error {
  override readonly name = "GenerationError";
  constructor(
    readonly kind: GenerationErrorKind,
    message: string,
    readonly model: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ModelClient {
  generate(request: GenerationRequest): Promise<GenerationResult>;
}
