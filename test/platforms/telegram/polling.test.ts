// Long polling that Telegram ends after a successful start (409 Conflict: another instance polls with the same
// token) does not come back by itself: the adapter logs it once and reports it as fatal.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordingLogger, startWorld, TOKEN, type World } from "./setup.ts";

describe("Telegram adapter: polling ends", () => {
  let world: World;
  const logger = recordingLogger();
  const fatal: Error[] = [];
  let fatalReported: () => void = () => {};
  const reported = new Promise<void>((resolve) => {
    fatalReported = resolve;
  });

  beforeAll(async () => {
    world = await startWorld();
    await world.startArena({
      logger,
      adapter: {
        onFatal: (error) => {
          fatal.push(error);
          fatalReported();
        },
      },
    });
  });

  afterAll(() => world?.close());

  it("calls onFatal once, with one log line, when getUpdates answers 409 Conflict after the start", async () => {
    const { telegram } = world;
    expect(fatal).toEqual([]);
    telegram.failNext("getUpdates", {
      error_code: 409,
      description:
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    });
    // An update ends the long poll in progress; the next getUpdates gets the 409.
    const user = telegram.user({ firstName: "Ida" });
    await telegram.sendCommand(user, telegram.privateChat(user), "/help");
    await reported;
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.message).toMatch(/409: Conflict/);
    expect(fatal[0]?.message).not.toContain(TOKEN.split(":")[1]);
    const stopped = logger.lines.filter((line) => line.message === "telegram polling stopped");
    expect(stopped).toHaveLength(1);
    expect(stopped[0]?.level).toBe("error");
  });
});
