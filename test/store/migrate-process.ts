// A process for the start-up race test: on "go", migrates the shared fresh database and reports the outcome.
import { migrateDatabase } from "../../src/store/index.ts";

const file = process.argv[2];
if (!file || !process.send) throw new Error("usage: migrate-process DATABASE_URL (forked)");

process.once("message", async () => {
  try {
    await migrateDatabase(file);
    process.send?.({ ok: true }, () => process.exit(0));
  } catch (error) {
    process.send?.({ ok: false, error: String(error) }, () => process.exit(0));
  }
});
process.send({ ready: true });
