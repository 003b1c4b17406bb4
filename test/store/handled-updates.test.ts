// Handled-update claims: the first claim of an update wins across every store on the database (every process),
// claims are per source (bot), and old claims are forgotten.
import { describe, expect, it } from "vitest";
import { HANDLED_UPDATE_PRUNE_EVERY, HANDLED_UPDATE_RETENTION_MS } from "../../src/store/common.ts";
import { tempStorePerTest } from "./helpers.ts";

const temp = tempStorePerTest();
const at = new Date(1_700_000_000_000);

describe("claimUpdate", () => {
  it("is true once per update and source, whichever process claims it, also when claimed at once", async () => {
    const other = await temp.openAnother();
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (index % 2 === 0 ? temp.store : other).claimUpdate("telegram:1", 42, at),
      ),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await other.claimUpdate("telegram:1", 42, at)).toBe(false);
    expect(await other.claimUpdate("telegram:2", 42, at)).toBe(true); // another bot's update 42
    expect(await temp.store.claimUpdate("telegram:1", 43, at)).toBe(true);
  });

  it("forgets claims older than the retention, as it prunes", async () => {
    expect(await temp.store.claimUpdate("telegram:1", 1, at)).toBe(true);
    const later = new Date(at.getTime() + HANDLED_UPDATE_RETENTION_MS + 1000);
    for (let updateId = 2; updateId <= HANDLED_UPDATE_PRUNE_EVERY + 1; updateId++) {
      await temp.store.claimUpdate("telegram:1", updateId, later);
    }
    expect(await temp.store.claimUpdate("telegram:1", 1, later)).toBe(true);
    expect(await temp.store.claimUpdate("telegram:1", 2, later)).toBe(false);
  });
});
