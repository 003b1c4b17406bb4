// Webhook mode: the adapter listens on TELEGRAM_WEBHOOK_PORT, registers TELEGRAM_WEBHOOK_URL with a secret
// token, and refuses deliveries that do not carry that secret.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TelegramEmulator } from "../../fakes/telegram/index.ts";
import { freePort, recordingLogger, startWorld, TOKEN, type World } from "./setup.ts";

describe.each([
  { secret: undefined, label: "a secret generated at start" },
  { secret: "configured_Secret-123", label: "TELEGRAM_WEBHOOK_SECRET" },
])("Telegram adapter in webhook mode with $label", ({ secret }) => {
  let world: World;
  let telegram: TelegramEmulator;
  let url: string;
  const logger = recordingLogger();

  beforeAll(async () => {
    world = await startWorld();
    telegram = world.telegram;
    const port = await freePort();
    url = `http://127.0.0.1:${port}/telegram/updates`;
    await world.startArena({
      logger,
      env: {
        TELEGRAM_WEBHOOK_URL: url,
        TELEGRAM_WEBHOOK_PORT: String(port),
        ...(secret ? { TELEGRAM_WEBHOOK_SECRET: secret } : {}),
      },
      adapter: { webhookHost: "127.0.0.1" },
    });
  });

  afterAll(async () => {
    await world?.close();
    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toContain(TOKEN.split(":")[1]);
    if (secret) expect(logged).not.toContain(secret);
  });

  it("registers the webhook with a secret token and takes deliveries that carry it", async () => {
    expect(telegram.webhookInfo()).toMatchObject({ url, allowed_updates: ["message", "callback_query"] });
    const registered = telegram.calls("setWebhook").at(-1)?.params.secret_token;
    expect(typeof registered).toBe("string");
    if (secret) expect(registered).toBe(secret);
    else expect(String(registered)).toMatch(/^[A-Za-z0-9_-]{32,256}$/);
    expect(telegram.calls("getUpdates")).toHaveLength(0);

    const user = telegram.user({ firstName: "Wes" });
    const chat = telegram.privateChat(user);
    const command = await telegram.sendCommand(user, chat, "/help");
    expect(telegram.webhookDeliveries().at(-1)).toMatchObject({ status: 200, secretSent: registered });
    const help = await telegram.waitFor(() =>
      telegram.botMessages(chat.id).find((message) => message.replyToMessageId === command.message_id),
    );
    expect(help.text).toContain("/battle");
  });

  it("refuses a delivery with a wrong secret or none, and handles nothing of it", async () => {
    const user = telegram.user({ firstName: "Eve" });
    const chat = telegram.privateChat(user);
    for (const wrong of ["wrong-secret", null]) {
      telegram.overrideWebhookSecret(wrong);
      await telegram.sendCommand(user, chat, "/help");
      expect(telegram.webhookDeliveries().at(-1)?.status).toBe(403);
    }
    telegram.overrideWebhookSecret(undefined);
    expect(telegram.webhookInfo().last_error_message).toContain("403");
    // The right secret again: only this command is answered.
    await telegram.sendCommand(user, chat, "/help");
    await telegram.waitFor(() => telegram.botMessages(chat.id).length > 0);
    expect(telegram.botMessages(chat.id)).toHaveLength(1);
  });
});
