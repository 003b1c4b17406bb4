// The judge model (ARENA_JUDGE_MODEL): any registered model, called through the same model client with its own
// endpoint and key. It labels each battle's prompt with LMArena's seven hard-prompt criteria (a prompt meeting
// HARD_PROMPT_CRITERIA of them is "hard", a category like the others) and, optionally, votes on each closed
// battle the AlpacaEval way: pairwise, once in each order, the two verdicts averaged so that position bias cancels
// (orders that disagree make a tie). Judge votes are stored apart and never reach the human aggregates.
//
// Everything here runs off the vote path, in the engine's background tasks; the judge sees prompts and answers,
// and nothing is sent anywhere but the judge model's endpoint.
import { z } from "zod";
import { HARD } from "./categories.ts";
import { endpointOf } from "./conversation.ts";
import { errorText, type Logger } from "./logger.ts";
import { type ChatMessage, GenerationError, type ModelClient } from "./model-client.ts";
import type { ArenaStore, BattleRecord, ModelRecord } from "./store.ts";
import type { Side } from "./types.ts";

/** LMArena's hard-prompt criteria (Arena-Hard "Criteria"), as the JSON keys the judge answers with. */
export const JUDGE_CRITERIA = [
  "specificity",
  "domain_knowledge",
  "complexity",
  "problem_solving",
  "creativity",
  "technical_accuracy",
  "real_world",
] as const;
export type JudgeCriterion = (typeof JUDGE_CRITERIA)[number];

/** A prompt meeting at least this many criteria is hard (LMArena's threshold). */
export const HARD_PROMPT_CRITERIA = 6;

/** Requests per task before a malformed or failed answer is recorded as a failure. */
export const JUDGE_ATTEMPTS = 3;

/** Battles of each kind a catch-up run takes on (see `Judge.catchUp`). */
export const JUDGE_CATCH_UP_BATTLES = 20;

export interface JudgeSettings {
  /** Registry name of the judge model. */
  readonly model: string;
  /** Whether the judge also votes on closed battles (two requests per battle). */
  readonly votes: boolean;
  /** Registry name of the model every win rate is measured against (AlpacaEval's baseline), if any. */
  readonly reference: string | null;
}

const CRITERIA_QUESTIONS: Record<JudgeCriterion, string> = {
  specificity: "Does the prompt ask for a specific, well-defined output?",
  domain_knowledge: "Does it cover one or more specific domains that take specialised knowledge?",
  complexity: "Does it have several levels of reasoning, components or variables?",
  problem_solving: "Does it make the assistant actively solve a problem rather than recall an answer?",
  creativity: "Does it call for creativity in approaching the problem?",
  technical_accuracy: "Does it require technical accuracy in the answer?",
  real_world: "Does it relate to a real-world application?",
};

export const LABEL_INSTRUCTIONS = [
  "You classify prompts that people send to a chatbot arena. For the user's prompt, decide for each of these seven criteria whether the prompt meets it:",
  ...JUDGE_CRITERIA.map((criterion) => `- ${criterion}: ${CRITERIA_QUESTIONS[criterion]}`),
  `Answer with one JSON object and nothing else, with all seven keys, each true or false, e.g. {${JUDGE_CRITERIA.map((c) => `"${c}": false`).join(", ")}}.`,
  "Do not answer the prompt itself.",
].join("\n");

export const VOTE_INSTRUCTIONS = [
  "You compare the answers of two AI assistants, output 1 and output 2, to the same conversation with a user.",
  "Prefer the output that is more helpful, correct and faithful to the user's instructions. The order in which the outputs are shown says nothing about their quality, and neither does length as such.",
  'Answer with one JSON object and nothing else: {"preferred": 1} or {"preferred": 2}.',
].join("\n");

const labelSchema = z.strictObject(
  Object.fromEntries(JUDGE_CRITERIA.map((criterion) => [criterion, z.boolean()])) as Record<
    JudgeCriterion,
    z.ZodBoolean
  >,
);
const verdictSchema = z.strictObject({ preferred: z.union([z.literal(1), z.literal(2)]) });

/** The one JSON object of a judge's answer (code fences and words around it tolerated), checked by `schema`. */
export function parseJudgeAnswer<T>(text: string, schema: z.ZodType<T>): T | null {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end < start) return null;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(start, end + 1));
  } catch {
    return null;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The criteria a label answer says the prompt meets, or null when the answer is malformed. */
export function parseLabels(text: string): JudgeCriterion[] | null {
  const labels = parseJudgeAnswer(text, labelSchema);
  return labels === null ? null : JUDGE_CRITERIA.filter((criterion) => labels[criterion]);
}

/** 1 or 2, or null when the answer is malformed. */
export function parseVerdict(text: string): 1 | 2 | null {
  return parseJudgeAnswer(text, verdictSchema)?.preferred ?? null;
}

/** A's score from the two verdicts (battle sides): agreement decides, disagreement is a tie (AlpacaEval). */
export function judgeOutcome(aFirst: Side, bFirst: Side): number {
  return ((aFirst === "a" ? 1 : 0) + (bFirst === "a" ? 1 : 0)) / 2;
}

/** The conversation of a battle as the judge reads it, with `first` shown as output 1. */
export function verdictRequest(battle: BattleRecord, first: Side): ChatMessage[] {
  const second: Side = first === "a" ? "b" : "a";
  const turnNumbers = [...new Set(battle.turns.map((turn) => turn.turn))].sort((x, y) => x - y);
  const parts: string[] = [];
  for (const number of turnNumbers) {
    const answer = (side: Side) =>
      battle.turns.find((turn) => turn.turn === number && turn.side === side)?.content ?? "";
    const user = battle.turns.find((turn) => turn.turn === number)?.userContent ?? "";
    parts.push(
      `<user turn="${number}">\n${user}\n</user>`,
      `<output number="1" turn="${number}">\n${answer(first)}\n</output>`,
      `<output number="2" turn="${number}">\n${answer(second)}\n</output>`,
    );
  }
  return [{ role: "user", content: parts.join("\n\n") }];
}

export interface JudgeDependencies {
  readonly store: ArenaStore;
  readonly models: ModelClient;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly settings: JudgeSettings;
  /** The deployment's endpoint rules (Arena.endpointRefusal): checked before every request. */
  readonly endpointRefusal: (model: ModelRecord) => string | null;
}

type Attempted<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | { readonly ok: false; readonly error: string; readonly attempts: number };

export class Judge {
  /** Battles being labelled or voted on here: the hooks and the catch-up never do the same work twice. */
  private readonly labelling = new Set<string>();
  private readonly voting = new Set<string>();
  private catchingUp: Promise<void> | null = null;

  constructor(private readonly deps: JudgeDependencies) {}

  /**
   * Labels and votes on battles the hooks missed (a restart, battles from before the judge was configured), a
   * bounded batch at a time, one request after another so that it never crowds out live battles.
   */
  catchUp(): Promise<void> {
    this.catchingUp ??= (async () => {
      const due = await this.deps.store.battlesAwaitingJudge(
        this.deps.settings.votes,
        JUDGE_CATCH_UP_BATTLES,
      );
      for (const battleId of due.label) await this.labelBattle(battleId);
      for (const battleId of due.vote) await this.voteOnBattle(battleId);
    })().finally(() => {
      this.catchingUp = null;
    });
    return this.catchingUp;
  }

  get settings(): JudgeSettings {
    return this.deps.settings;
  }

  /** Labels the battle's first prompt once; a hard prompt puts the battle in the "hard" category. */
  async labelBattle(battleId: string): Promise<void> {
    if (this.labelling.has(battleId)) return;
    this.labelling.add(battleId);
    try {
      await this.label(battleId);
    } finally {
      this.labelling.delete(battleId);
    }
  }

  private async label(battleId: string): Promise<void> {
    const { store } = this.deps;
    if ((await store.judgeLabel(battleId)) !== null) return;
    const battle = await store.getBattle(battleId);
    const prompt = battle?.turns.find((turn) => turn.turn === 1)?.userContent;
    if (!battle || prompt === undefined) return;
    const result = await this.ask([{ role: "user", content: prompt }], LABEL_INSTRUCTIONS, parseLabels);
    const hard = result.ok && result.value.length >= HARD_PROMPT_CRITERIA;
    await store.saveJudgeLabel(
      {
        battleId,
        judge: this.deps.settings.model,
        criteria: result.ok ? result.value : null,
        attempts: result.attempts,
        error: result.ok ? null : result.error,
        at: this.deps.now(),
      },
      hard ? HARD : null,
    );
    if (!result.ok)
      this.deps.logger.warn({ battle: battleId, problem: result.error }, "judge labelling failed");
  }

  /** With judge votes on, votes once on a closed battle: both orders, the verdicts averaged. */
  async voteOnBattle(battleId: string): Promise<void> {
    if (!this.deps.settings.votes || this.voting.has(battleId)) return;
    this.voting.add(battleId);
    try {
      await this.vote(battleId);
    } finally {
      this.voting.delete(battleId);
    }
  }

  private async vote(battleId: string): Promise<void> {
    const { store } = this.deps;
    if ((await store.judgeVote(battleId)) !== null) return;
    const battle = await store.getBattle(battleId);
    if (battle?.state !== "closed") return;
    const toSide =
      (first: Side) =>
      (verdict: 1 | 2): Side =>
        verdict === 1 ? first : first === "a" ? "b" : "a";
    const aFirst = await this.ask(verdictRequest(battle, "a"), VOTE_INSTRUCTIONS, parseVerdict);
    const bFirst = await this.ask(verdictRequest(battle, "b"), VOTE_INSTRUCTIONS, parseVerdict);
    const verdictAFirst = aFirst.ok ? toSide("a")(aFirst.value) : null;
    const verdictBFirst = bFirst.ok ? toSide("b")(bFirst.value) : null;
    const errors = [aFirst, bFirst].flatMap((result) => (result.ok ? [] : [result.error]));
    await store.saveJudgeVote({
      battleId,
      judge: this.deps.settings.model,
      verdictAFirst,
      verdictBFirst,
      outcome:
        verdictAFirst !== null && verdictBFirst !== null ? judgeOutcome(verdictAFirst, verdictBFirst) : null,
      attempts: aFirst.attempts + bFirst.attempts,
      error: errors.length > 0 ? errors.join("; ") : null,
      at: this.deps.now(),
    });
    if (errors.length > 0)
      this.deps.logger.warn({ battle: battleId, problem: errors[0] }, "judge vote failed");
  }

  /** Asks the judge until `parse` accepts its answer, at most JUDGE_ATTEMPTS times. */
  private async ask<T>(
    messages: readonly ChatMessage[],
    instructions: string,
    parse: (text: string) => T | null,
  ): Promise<Attempted<T>> {
    const model = await this.deps.store.getModel(this.deps.settings.model);
    if (!model) return { ok: false, error: "the judge model is no longer registered", attempts: 0 };
    if (this.deps.endpointRefusal(model) !== null) {
      return { ok: false, error: "the judge model's endpoint or key is not allowed", attempts: 0 };
    }
    // The judge's own instructions replace its system prompt; temperature 0 for repeatable verdicts.
    const endpoint = { ...endpointOf(model), systemPrompt: instructions, temperature: 0 };
    let error = "no answer";
    for (let attempt = 1; attempt <= JUDGE_ATTEMPTS; attempt++) {
      try {
        const result = await this.deps.models.generate({ endpoint, messages });
        const value = parse(result.content);
        if (value !== null) return { ok: true, value, attempts: attempt };
        error = "the judge's answer was not the JSON asked for";
      } catch (caught) {
        error =
          caught instanceof GenerationError
            ? `the judge model failed (${caught.kind})`
            : `an unexpected error (${errorText(caught)})`;
        if (caught instanceof GenerationError && caught.kind === "config") {
          return { ok: false, error, attempts: attempt };
        }
      }
    }
    return { ok: false, error: `${error}, ${JUDGE_ATTEMPTS} times`, attempts: JUDGE_ATTEMPTS };
  }
}
