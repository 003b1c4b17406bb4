import { describe, expect, it } from "vitest";
import { createModelPolicy, isHostPattern, KEY_NAME_REFUSAL } from "../../src/arena/model-policy.ts";

describe("model policy", () => {
  it("allows ARENA_KEY_… and declared key names only, whatever the environment holds", () => {
    const policy = createModelPolicy({ declaredKeyNames: ["OPENAI_API_KEY"] });
    expect(policy.keyNameProblem("ARENA_KEY_OPENROUTER")).toBeNull();
    expect(policy.keyNameProblem("OPENAI_API_KEY")).toBeNull();
    for (const name of [
      "DISCORD_TOKEN",
      "TELEGRAM_TOKEN",
      "ARENA_SECRET",
      "DATABASE_URL",
      "PATH",
      "ARENA_KEY",
    ]) {
      expect(policy.keyNameProblem(name)).toBe(KEY_NAME_REFUSAL);
    }
  });

  it("allows any host without ARENA_ALLOWED_HOSTS, else only matching hosts and ports", () => {
    expect(createModelPolicy().baseUrlProblem("http://10.0.0.1:1/v1")).toBeNull();
    const policy = createModelPolicy({
      allowedHosts: ["api.openai.com", "*.example.org", "127.0.0.1:11434", "[::1]:8000"],
    });
    expect(policy.baseUrlProblem("https://api.openai.com/v1")).toBeNull();
    expect(policy.baseUrlProblem("https://API.OpenAI.com:8443/v1")).toBeNull();
    expect(policy.baseUrlProblem("https://eu.example.org/v1")).toBeNull();
    expect(policy.baseUrlProblem("http://127.0.0.1:11434/v1")).toBeNull();
    expect(policy.baseUrlProblem("http://[::1]:8000/v1")).toBeNull();
    for (const refused of [
      "https://example.org/v1",
      "https://api.openai.com.evil.net/v1",
      "https://evilexample.org/v1",
      "http://127.0.0.1:9999/v1",
      "http://[::1]:8001/v1",
      "https://user@evil.net/v1",
    ]) {
      expect(policy.baseUrlProblem(refused)).toMatch(/not in ARENA_ALLOWED_HOSTS/);
    }
  });

  it("tells well-formed host entries from others", () => {
    for (const good of ["api.openai.com", "*.example.org", "localhost:8080", "[::1]:80"]) {
      expect(isHostPattern(good)).toBe(true);
    }
    for (const bad of ["https://api.openai.com", "*", "a b", "host:port", "*.", ""]) {
      expect(isHostPattern(bad)).toBe(false);
    }
  });
});
