// Property: whatever sequence of battles, votes, duplicates and state changes happens, the incrementally kept
// aggregates equal a recount from the votes of closed battles, every battle's outcome is the mean of its counted
// votes, and an open battle's votes reach no aggregate until it closes.
import { expect, it } from "vitest";
import type { BattleState, VoteChoice, VoteExclusion } from "../../src/arena/types.ts";
import { modelInput, newBattle, seededRandom, tempStorePerTest } from "./helpers.ts";

const temp = tempStorePerTest();

const MODELS = ["alpha", "beta", "gamma", "delta", "epsilon"];
const CATEGORIES = ["overall", "coding", "english", "multi_turn"];
const CHOICES: VoteChoice[] = ["a", "b", "tie", "bad"];
const POINTS: Record<VoteChoice, number> = { a: 1, b: 0, tie: 0.5, bad: 0.5 };

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("empty list");
  return item;
}

it.each([1, 2, 3])("aggregates equal a recount from the votes (seed %i)", async (seed) => {
  const random = seededRandom(seed);
  // One model is registered late and one removed midway: counters follow the registry, aggregates don't care.
  for (const name of MODELS.slice(0, 4)) await temp.store.addModel(modelInput(name), "config");

  const battleIds: string[] = [];
  const voters = Array.from({ length: 30 }, (_, i) => `voter-${i}`);
  let countedVotes = 0;
  for (let step = 0; step < 900; step++) {
    const roll = random();
    if (roll < 0.35 || battleIds.length === 0) {
      const modelA = pick(random, MODELS);
      const modelB = pick(
        random,
        MODELS.filter((m) => m !== modelA),
      );
      const categories = ["overall", ...CATEGORIES.slice(1).filter(() => random() < 0.4)];
      const battle = await temp.store.createBattle(newBattle(modelA, modelB, { categories }));
      battleIds.push(battle.id);
      if (random() < 0.9) {
        await temp.store.transitionBattle(battle.id, ["generating"], "open", new Date(), {
          closesAt: new Date(),
        });
      }
    } else if (roll < 0.42) {
      const target: BattleState = pick(random, ["closed", "discarded", "errored"] as const);
      await temp.store.transitionBattle(pick(random, battleIds), ["open"], target, new Date());
    } else {
      const exclusions: VoteExclusion[] = random() < 0.05 ? ["rate_limit"] : [];
      const result = await temp.store.recordVote({
        battleId: pick(random, battleIds.slice(-40)),
        voterHash: pick(random, voters),
        choice: pick(random, CHOICES),
        at: new Date(),
        exclusions,
      });
      if (result.kind === "recorded" && result.counted) countedVotes++;
      // The battle a vote returns is the battle as stored right after it.
      if (result.kind !== "unknown_battle") {
        expect(result.battle).toEqual(await temp.store.getBattle(result.battle.id));
      }
    }
    if (step === 450) {
      await temp.store.removeModel("beta");
      await temp.store.addModel(modelInput("epsilon"), "moderator");
    }
  }

  expect(countedVotes).toBeGreaterThan(100);
  await expectAggregatesMatchClosedBattles();
  // Closing the battles still open adds exactly their votes, and the property still holds.
  const open = await temp.store.battlesInState("open");
  expect(open.filter((battle) => battle.countedVotes > 0).length).toBeGreaterThan(0);
  for (const battle of open) await temp.store.transitionBattle(battle.id, ["open"], "closed", new Date());
  const votesInExport = await expectAggregatesMatchClosedBattles();
  expect(votesInExport).toBe(countedVotes);
});

/** Checks the aggregates against the closed battles; returns the counted votes of those battles. */
async function expectAggregatesMatchClosedBattles(): Promise<number> {
  for (const category of CATEGORIES) {
    const kept = await temp.store.aggregateCounts(category);
    expect(kept).toEqual(await temp.store.recountFromVotes(category));
    expect(kept.every((row) => row.modelA < row.modelB && row.count > 0)).toBe(true);
  }

  // Each battle with counted votes is exactly one comparison in "overall", at the mean of its counted votes.
  let exported = 0;
  let votesInExport = 0;
  for await (const battle of temp.store.countedBattles()) {
    exported++;
    const counted = (await temp.store.votesOf(battle.id)).filter((v) => v.counted);
    votesInExport += counted.length;
    const mean = counted.reduce((total, v) => total + POINTS[v.choice], 0) / counted.length;
    expect(battle.outcome).toBeCloseTo(mean, 12);
    expect(battle.tally.a + battle.tally.b + battle.tally.tie + battle.tally.bad).toBe(counted.length);
    expect((await temp.store.getBattle(battle.id))?.state).toBe("closed");
  }
  // One version step per counted battle closed.
  expect(await temp.store.aggregatesVersion()).toBe(exported);
  const overall = await temp.store.aggregateCounts("overall");
  expect(overall.reduce((total, row) => total + row.count, 0)).toBe(exported);
  expect(await temp.store.categories()).toContainEqual({ category: "overall", battles: exported });
  return votesInExport;
}
