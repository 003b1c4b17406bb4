// What a registered model may point at. A model's key is sent, as `Authorization: Bearer …`, to its base URL:
// so a model may only name a variable the deployment declared as a model key, and (optionally) only hosts the
// deployment allows. Checked when a model is added and again before every request.

/** Variables whose names start with this are model keys; so are the apiKeyEnv names of the ARENA_MODELS file. */
export const MODEL_KEY_PREFIX = "ARENA_KEY_";

/** The same words whether the variable is set or not, so the answer tells nothing about the environment. */
export const KEY_NAME_REFUSAL = `apiKeyEnv may only name a variable this deployment declared as a model key: a name starting with ${MODEL_KEY_PREFIX} (e.g. ${MODEL_KEY_PREFIX}OPENAI), or one of the apiKeyEnv names in the ARENA_MODELS file`;

export interface ModelPolicy {
  /** Why `name` may not be used as a model's key variable, or null. Never looks at the environment. */
  keyNameProblem(name: string): string | null;
  /** Why a model may not be sent to `baseUrl`, or null. */
  baseUrlProblem(baseUrl: string): string | null;
}

export interface ModelPolicyOptions {
  /** apiKeyEnv names of the ARENA_MODELS file: declared by the deployment's owners. */
  readonly declaredKeyNames?: Iterable<string>;
  /** ARENA_ALLOWED_HOSTS entries ("api.openai.com", "*.example.org", "127.0.0.1:11434"); none: any host. */
  readonly allowedHosts?: readonly string[];
}

export function createModelPolicy(options: ModelPolicyOptions = {}): ModelPolicy {
  const declared = new Set(options.declaredKeyNames ?? []);
  const hosts = (options.allowedHosts ?? []).map(parseHostPattern);
  return {
    keyNameProblem(name) {
      return name.startsWith(MODEL_KEY_PREFIX) || declared.has(name) ? null : KEY_NAME_REFUSAL;
    },
    baseUrlProblem(baseUrl) {
      if (hosts.length === 0) return null;
      if (!URL.canParse(baseUrl)) return "baseUrl is not a URL";
      const url = new URL(baseUrl);
      const port = url.port || (url.protocol === "https:" ? "443" : "80");
      const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
      return hosts.some((pattern) => pattern.matches(host, port))
        ? null
        : `baseUrl's host ${host} is not in ARENA_ALLOWED_HOSTS`;
    },
  };
}

interface HostPattern {
  matches(host: string, port: string): boolean;
}

/** "host", "host:port", "[::1]:8080", "*.domain" (any subdomain, not the domain itself). */
export function parseHostPattern(entry: string): HostPattern {
  const text = entry.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(text);
  const [, host = "", port] = bracketed ?? plain ?? [];
  const wildcard = host.startsWith("*.");
  const suffix = host.slice(1);
  return {
    matches(candidate, candidatePort) {
      if (port !== undefined && port !== candidatePort) return false;
      return wildcard ? candidate.endsWith(suffix) && candidate.length > suffix.length : candidate === host;
    },
  };
}

/** Whether an ARENA_ALLOWED_HOSTS entry is well-formed. */
export function isHostPattern(entry: string): boolean {
  return /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i.test(entry.trim());
}
