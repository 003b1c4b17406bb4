// Moderator operations on the model registry. Every change (and every refusal) is written to the audit log.
import type { Arena } from "./engine.ts";
import type { ModelInputFields } from "./model-input.ts";
import type { ModelRecord } from "./store.ts";
import { privateReply, refusal } from "./texts.ts";
import type { CommandContext, Reply } from "./types.ts";

export type ModelToggle = "enable" | "disable";

export class Registry {
  constructor(
    private readonly arena: Arena,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async list(): Promise<Reply> {
    const models = await this.arena.store.listModels();
    if (models.length === 0) return privateReply("No models yet. Add one with /model add.");
    const now = Date.now();
    const lines = models.map((model) => {
      const refused = this.arena.endpointRefusal(model);
      return `${describeModel(model, now, this.env)}${refused ? ` — never called: ${refused}` : ""}`;
    });
    return privateReply(`Models (${models.length}):\n${lines.join("\n")}`);
  }

  async add(ctx: CommandContext, input: ModelInputFields): Promise<Reply> {
    // Before anything looks at the environment: a refused name gets the same answer whether it is set or not.
    const problems = [
      input.apiKeyEnv === null ? null : this.arena.modelPolicy.keyNameProblem(input.apiKeyEnv),
      this.arena.modelPolicy.baseUrlProblem(input.baseUrl),
    ].filter((problem) => problem !== null);
    if (problems.length > 0) {
      await this.arena.audit(ctx, "model.add", input.name, { reason: "refused by policy", problems }, false);
      return refusal(`That /model add needs fixing:\n• ${problems.join("\n• ")}`);
    }
    const added = await this.arena.store.addModel(input, addedBy(ctx));
    if (!added) {
      await this.arena.audit(ctx, "model.add", input.name, { reason: "name exists" }, false);
      return refusal(
        `A model named ${input.name} already exists; change it with /model weight, /model aliases, …`,
      );
    }
    await this.arena.audit(ctx, "model.add", input.name, {
      baseUrl: input.baseUrl,
      model: input.model,
      apiKeyEnv: input.apiKeyEnv,
    });
    this.arena.registryChanged();
    const keyNote =
      input.apiKeyEnv && !this.env[input.apiKeyEnv]
        ? `\n⚠️ The environment variable ${input.apiKeyEnv} is not set on the bot's machine: its battles will fail until it is.`
        : "";
    return privateReply(`Added ${input.name} (${input.model} at ${input.baseUrl}).${keyNote}`);
  }

  async toggle(ctx: CommandContext, name: string, toggle: ModelToggle): Promise<Reply> {
    const updated = await this.arena.store.updateModel(name, { enabled: toggle === "enable" });
    return this.changed(
      ctx,
      `model.${toggle}`,
      name,
      updated,
      { enabled: toggle === "enable" },
      `${name} is ${toggle}d.`,
    );
  }

  async weight(ctx: CommandContext, name: string, weight: number): Promise<Reply> {
    const updated = await this.arena.store.updateModel(name, { weight });
    return this.changed(ctx, "model.weight", name, updated, { weight }, `${name} now has weight ${weight}.`);
  }

  async aliases(ctx: CommandContext, name: string, aliases: readonly string[]): Promise<Reply> {
    const updated = await this.arena.store.updateModel(name, { aliases });
    const text =
      aliases.length > 0 ? `${name}'s aliases: ${aliases.join(", ")}.` : `${name} has no aliases now.`;
    return this.changed(ctx, "model.aliases", name, updated, { aliases }, text);
  }

  async remove(ctx: CommandContext, name: string): Promise<Reply> {
    const removed = await this.arena.store.removeModel(name);
    if (!removed) {
      await this.arena.audit(ctx, "model.remove", name, { reason: "unknown model" }, false);
      return refusal(unknownModel(name));
    }
    await this.arena.audit(ctx, "model.remove", name, {});
    this.arena.registryChanged();
    return privateReply(
      `Removed ${name} from the registry. Its past battles and votes stay in the leaderboard.`,
    );
  }

  private async changed(
    ctx: CommandContext,
    action: string,
    name: string,
    updated: ModelRecord | null,
    details: Record<string, unknown>,
    text: string,
  ): Promise<Reply> {
    if (!updated) {
      await this.arena.audit(ctx, action, name, { ...details, reason: "unknown model" }, false);
      return refusal(unknownModel(name));
    }
    await this.arena.audit(ctx, action, name, details);
    this.arena.registryChanged();
    return privateReply(text);
  }
}

function addedBy(ctx: CommandContext): string {
  return `${ctx.actor.platform}:${ctx.actor.displayName}`;
}

function unknownModel(name: string): string {
  return `There is no model named ${name}. /model list shows the registry.`;
}

export function describeModel(model: ModelRecord, now: number, env: NodeJS.ProcessEnv): string {
  const status = !model.enabled
    ? "disabled"
    : model.outageUntil && model.outageUntil.getTime() > now
      ? `in outage until ${model.outageUntil.toISOString()}`
      : "enabled";
  const key = model.apiKeyEnv
    ? `key $${model.apiKeyEnv}${env[model.apiKeyEnv] ? "" : " (not set!)"}`
    : "no key";
  const aliases = model.aliases.length > 0 ? `, aliases ${model.aliases.join("/")}` : "";
  return `• ${model.name} — ${model.model} @ ${model.baseUrl}, ${key}, weight ${model.weight}, ${status}, ${model.countedBattles} counted battles${aliases}`;
}
