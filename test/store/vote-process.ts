// A second process for the concurrency test: opens the same database (file or PostgreSQL URL), waits for "go", then presses every
// (battle, voter) button as fast as it can and reports what the store answered.
import { openStore } from "../../src/store/index.ts";

const [file, battleList, voterCount] = process.argv.slice(2);
if (!file || !battleList || !voterCount || !process.send)
  throw new Error("usage: vote-process DATABASE_URL IDS VOTERS (forked)");
const store = await openStore(file);
const battleIds = battleList.split(",");

process.once("message", async () => {
  const answers = { recorded: 0, duplicate: 0, failed: 0 };
  for (let voter = 0; voter < Number(voterCount); voter++) {
    for (const battleId of battleIds) {
      try {
        const result = await store.recordVote({
          battleId,
          voterHash: `voter-${voter}`,
          choice: voter % 2 === 0 ? "a" : "tie",
          at: new Date(),
          exclusions: [],
        });
        if (result.kind === "recorded") answers.recorded++;
        else if (result.kind === "duplicate") answers.duplicate++;
      } catch {
        answers.failed++;
      }
    }
  }
  await store.close();
  process.send?.(answers, () => process.exit(0));
});
process.send({ ready: true });
