// Closed battles written through the store port as the engine writes them (create, answer, open, vote, close),
// for the README's screenshot of the page and for the web tests.
import { categorize } from "../arena/categories.ts";
import type { ArenaStore, BattleRecord } from "../arena/store.ts";
import type { Place, VoteChoice } from "../arena/types.ts";
import { createRandom } from "../ranking/random.ts";

export interface SeededBattle {
  readonly place: Place;
  readonly modelA: string;
  readonly modelB: string;
  readonly prompt: string;
  readonly votes: readonly VoteChoice[];
  readonly at: Date;
  /** Leave the battle open (its votes still blind); default false. */
  readonly open?: boolean;
}

/** Writes one battle with its answers and votes, and closes it unless `open`. */
export async function seedBattle(store: ArenaStore, battle: SeededBattle): Promise<BattleRecord> {
  const categories = categorize({
    userTurns: [battle.prompt],
    platform: battle.place.platform,
    community: battle.place.community,
  });
  const created = await store.createBattle({
    place: battle.place,
    creatorHash: "seeded-creator",
    modelA: battle.modelA,
    modelB: battle.modelB,
    prompt: battle.prompt,
    categories,
    createdAt: battle.at,
  });
  for (const side of ["a", "b"] as const)
    await store.saveAnswer(created.id, {
      turn: 1,
      side,
      userContent: battle.prompt,
      content: `Answer of ${side === "a" ? battle.modelA : battle.modelB}.`,
      promptTokens: 10,
      completionTokens: 20,
      latencyMs: 100,
      finishReason: "stop",
      error: null,
    });
  const opened = new Date(battle.at.getTime() + 10_000);
  await store.transitionBattle(created.id, ["generating"], "open", opened, {
    closesAt: new Date(opened.getTime() + 3_600_000),
  });
  let index = 0;
  for (const choice of battle.votes)
    await store.recordVote({
      battleId: created.id,
      voterHash: `seeded-voter-${created.id}-${index++}`,
      choice,
      at: new Date(opened.getTime() + index * 1000),
      exclusions: [],
    });
  if (!battle.open)
    await store.transitionBattle(created.id, ["open"], "closed", new Date(opened.getTime() + 3_600_000));
  const stored = await store.getBattle(created.id);
  if (!stored) throw new Error(`seeded battle ${created.id} vanished`);
  return stored;
}

/** Models of the demo, strongest first (their hidden strengths decide the simulated votes). */
export const DEMO_MODELS: readonly [name: string, strength: number][] = [
  ["gpt-4o", 1.2],
  ["claude-3.5-sonnet", 1.0],
  ["llama-3.1-70b", 0.5],
  ["mistral-large", 0.3],
  ["qwen2.5-72b", 0.2],
  ["gemma-2-9b", -0.4],
];

const DEMO_PROMPTS = [
  "Write a haiku about autumn rain.",
  "Explain the difference between TCP and UDP.",
  "Write a Python function that reverses a linked list.",
  "Quelle est la capitale de l'Australie et pourquoi ?",
  "Summarise the plot of Hamlet in three sentences.",
  "How do I centre a div with CSS?",
];

/** `count` closed battles between the demo models in a public group, votes drawn from their strengths. */
export async function seedDemoArena(
  store: ArenaStore,
  count: number,
  start = new Date("2026-11-01T09:00:00Z"),
): Promise<void> {
  const generator = createRandom(7);
  const random = () => generator.next();
  const place: Place = { platform: "telegram", community: "-1001234567890", channel: "-1001234567890" };
  for (let i = 0; i < count; i++) {
    const a = Math.floor(random() * DEMO_MODELS.length);
    let b = Math.floor(random() * (DEMO_MODELS.length - 1));
    if (b >= a) b++;
    const [modelA, strengthA] = DEMO_MODELS[a] ?? ["", 0];
    const [modelB, strengthB] = DEMO_MODELS[b] ?? ["", 0];
    const pA = 1 / (1 + Math.exp(strengthB - strengthA));
    const roll = random();
    const choice: VoteChoice = roll < 0.12 ? "tie" : roll < 0.16 ? "bad" : random() < pA ? "a" : "b";
    await seedBattle(store, {
      place,
      modelA,
      modelB,
      prompt: DEMO_PROMPTS[i % DEMO_PROMPTS.length] ?? "",
      votes: [choice],
      at: new Date(start.getTime() + i * 1_800_000),
    });
  }
}
