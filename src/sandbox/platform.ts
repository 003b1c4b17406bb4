// What the sandbox needs of a fake platform: users who act, a way to tell when the bot's posts for an arena
// event are visible, and a printer of everything the bot did. One implementation per platform.
import type { ArenaEvent, Place, PlatformName } from "../arena/types.ts";

/** A mistake of the person at the keyboard (no such button, an option the platform would not send). */
export class SandboxProblem extends Error {
  override readonly name = "SandboxProblem";
}

export interface SandboxPlatform {
  readonly platform: PlatformName;
  /** Environment variables that point the bot at this fake platform. */
  readonly botEnv: Readonly<Record<string, string>>;
  /** Where the fake listens (all on 127.0.0.1), for the banner. */
  readonly urls: readonly string[];
  /** The first user, a moderator. */
  readonly firstUser: string;
  /** That user as ARENA_MODERATORS lists it, e.g. "discord:1234". */
  readonly moderatorKey: string;
  /** Creates the user when new. */
  addUser(name: string): void;
  /**
   * Runs a slash command as `user` where battles start, and waits for the bot's direct answer. For a battle that
   * started, returns the key of its place (a Discord thread id, a Telegram topic or reply chain).
   */
  command(user: string, name: string, text: string): Promise<{ readonly battlePlace?: string }>;
  /** Presses the button carrying `payload` on the newest message of the place that has it; waits for the answer. */
  press(user: string, battlePlace: string, payload: string): Promise<void>;
  /** The battle's creator asks a follow-up the way the platform offers it (Discord: Continue + modal). */
  continueBattle(user: string, battlePlace: string, continuePayload: string, text: string): Promise<void>;
  /** The key of an arena place, comparable with what `command` returns. */
  placeKey(place: Place): string;
  /** Whether what the bot posts for this event is visible on the platform yet. */
  rendered(event: ArenaEvent): boolean;
  /** Called after anything changes on the fake platform. */
  onChange(listener: () => void): () => void;
  /** Prints what the bot posted, edited or deleted since the last flush. */
  flush(): void;
  close(): Promise<void>;
}
