// A person (or a script) at the sandbox's keyboard: the current user, the battles started so far and the current
// one, and each action carried out on the fake platform until the bot has visibly answered it.
import { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import type { Arena } from "../arena/engine.ts";
import { encodePayload } from "../arena/payloads.ts";
import type { ArenaEvent, VoteChoice } from "../arena/types.ts";
import type { Output } from "./output.ts";
import { type SandboxPlatform, SandboxProblem } from "./platform.ts";
import { HELP, type SandboxAction } from "./script.ts";

export interface SessionOptions {
  /** Longest wait for both answers of a turn (real endpoints can be slow). */
  readonly answerTimeoutMs?: number;
  /** After an answer, how long nothing must happen before the next line runs. */
  readonly quietMs?: number;
}

interface Battle {
  readonly number: number;
  readonly place: string;
}

type BattleEvent = Exclude<ArenaEvent, { type: "leaderboard.update" }>;

export class Session {
  private user: string;
  private readonly battles: Battle[] = [];
  private current: Battle | null = null;
  private readonly events: ArenaEvent[] = [];
  private readonly changes = new EventEmitter();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly answerTimeoutMs: number;
  private readonly quietMs: number;

  constructor(
    private readonly platform: SandboxPlatform,
    private readonly arena: Arena,
    private readonly out: Output,
    options: SessionOptions = {},
  ) {
    this.user = platform.firstUser;
    this.answerTimeoutMs = options.answerTimeoutMs ?? 180_000;
    this.quietMs = options.quietMs ?? 150;
    this.changes.setMaxListeners(0);
    this.unsubscribe.push(
      arena.onEvent(platform.platform, (event) => {
        this.events.push(event);
        this.changes.emit("change");
      }),
      platform.onChange(() => this.changes.emit("change")),
    );
  }

  get currentUser(): string {
    return this.user;
  }

  /** Carries out one action and returns once the bot has answered it (or a wait gave up, said so). */
  async execute(action: SandboxAction): Promise<void> {
    try {
      await this.perform(action);
    } catch (error) {
      if (!(error instanceof SandboxProblem)) throw error;
      this.out.line(`  ✗ ${error.message}`, "note");
    } finally {
      this.platform.flush();
    }
  }

  dispose(): void {
    for (const stop of this.unsubscribe) stop();
  }

  private async perform(action: SandboxAction): Promise<void> {
    switch (action.kind) {
      case "nothing":
      case "quit":
        return;
      case "help":
        this.out.line(HELP, "dim");
        return;
      case "as":
        this.platform.addUser(action.user);
        this.user = action.user;
        this.out.line(`  (now acting as ${action.user})`, "dim");
        return;
      case "switch": {
        const battle = this.battles[action.battle - 1];
        if (!battle)
          throw new SandboxProblem(`there is no battle ${action.battle} (${this.battles.length} so far)`);
        this.current = battle;
        this.out.line(`  (battle ${battle.number} is now the current battle)`, "dim");
        return;
      }
      case "wait":
        await sleep(action.seconds * 1000);
        await this.quiet();
        return;
      case "command":
        await this.command(action.name, action.text);
        return;
      case "vote":
        await this.vote(action.choice);
        return;
      case "close":
        await this.close();
        return;
      case "continue":
        await this.continueBattle(action.text);
        return;
    }
  }

  private async command(name: string, text: string): Promise<void> {
    const seen = this.events.length;
    const { battlePlace } = await this.platform.command(this.user, name, text);
    if (battlePlace !== undefined) {
      const battle = { number: this.battles.length + 1, place: battlePlace };
      this.battles.push(battle);
      this.current = battle;
      this.out.line(`  (battle ${battle.number} started; it is the current battle)`, "dim");
      await this.waitForTurnEnd(battle, seen);
    }
    await this.quiet();
  }

  private async vote(choice: VoteChoice): Promise<void> {
    const { battle, battleId } = this.openBattle();
    await this.pressOn(battle, battleId, encodePayload({ action: "vote", battleId, choice }));
    await this.quiet();
  }

  /** Presses a button of the battle; a button that is gone is explained by the battle's state. */
  private async pressOn(battle: Battle, battleId: string, payload: string): Promise<void> {
    await this.explainMissingButton(battle, battleId, () =>
      this.platform.press(this.user, battle.place, payload),
    );
  }

  private async explainMissingButton(
    battle: Battle,
    battleId: string,
    act: () => Promise<void>,
  ): Promise<void> {
    try {
      await act();
    } catch (error) {
      if (!(error instanceof SandboxProblem) || !error.message.startsWith("that button")) throw error;
      const state = await this.stateOf(battleId);
      throw new SandboxProblem(`${error.message}: battle ${battle.number} is ${state ?? "gone"}`);
    }
  }

  private async close(): Promise<void> {
    const { battle, battleId } = this.openBattle();
    const seen = this.events.length;
    await this.pressOn(battle, battleId, encodePayload({ action: "close", battleId }));
    // Only a close the arena accepted is followed by a reveal; a refusal was the whole answer.
    const isReveal = (event: ArenaEvent) => event.type === "battle.closed" && event.battleId === battleId;
    if ((await this.stateOf(battleId)) === "closed" || this.events.slice(seen).some(isReveal)) {
      await this.waitForEvent(isReveal, seen);
    }
    await this.quiet();
  }

  private async continueBattle(text: string): Promise<void> {
    const { battle, battleId } = this.openBattle();
    const seen = this.events.length;
    await this.explainMissingButton(battle, battleId, () =>
      this.platform.continueBattle(
        this.user,
        battle.place,
        encodePayload({ action: "continue", battleId }),
        text,
      ),
    );
    // A follow-up the arena accepted puts the battle back to generating; a refusal was the whole answer.
    const ends = this.endsTurnOf(battle);
    if ((await this.stateOf(battleId)) === "generating" || this.events.slice(seen).some(ends)) {
      await this.waitForTurnEnd(battle, seen);
    }
    await this.quiet();
  }

  private async stateOf(battleId: string): Promise<string | undefined> {
    return (await this.arena.store.getBattle(battleId))?.state;
  }

  /** The current battle and its id (known from its first arena event). */
  private openBattle(): { battle: Battle; battleId: string } {
    const battle = this.current;
    if (!battle) throw new SandboxProblem("no battle yet: start one with /battle <prompt>");
    const event = this.events.find(
      (candidate): candidate is BattleEvent =>
        candidate.type !== "leaderboard.update" && this.platform.placeKey(candidate.place) === battle.place,
    );
    if (!event) throw new SandboxProblem(`battle ${battle.number} has no answers yet`);
    return { battle, battleId: event.battleId };
  }

  /** A turn's answers, a discard or an error of this battle: what ends its generation. */
  private endsTurnOf(battle: Battle): (event: ArenaEvent) => boolean {
    return (event) =>
      event.type !== "leaderboard.update" &&
      event.type !== "battle.closed" &&
      this.platform.placeKey(event.place) === battle.place;
  }

  /** Waits until the battle's next turn, discard or error (after event number `seen`) is visible. */
  private async waitForTurnEnd(battle: Battle, seen: number): Promise<void> {
    if (!(await this.waitForEvent(this.endsTurnOf(battle), seen))) {
      this.out.line(
        `  (no answers after ${Math.round(this.answerTimeoutMs / 1000)} s; carrying on)`,
        "warning",
      );
    }
  }

  /** Waits for an arena event after number `seen` whose posts are visible; false when the wait gave up. */
  private async waitForEvent(matches: (event: ArenaEvent) => boolean, seen: number): Promise<boolean> {
    const found = () =>
      this.events.slice(seen).some((event) => matches(event) && this.platform.rendered(event));
    return this.waitUntil(found, this.answerTimeoutMs);
  }

  private waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (check()) {
        resolve(true);
        return;
      }
      const onChange = () => {
        if (!check()) return;
        finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (result: boolean) => {
        clearTimeout(timer);
        this.changes.off("change", onChange);
        resolve(result);
      };
      this.changes.on("change", onChange);
    });
  }

  /** Resolves once nothing has changed for `quietMs` (bounded, so a chatty bot cannot hold the session). */
  private quiet(): Promise<void> {
    return new Promise((resolve) => {
      let timer = setTimeout(finish, this.quietMs);
      const limit = setTimeout(finish, this.quietMs * 20);
      const onChange = () => {
        clearTimeout(timer);
        timer = setTimeout(finish, this.quietMs);
      };
      function finish() {
        clearTimeout(timer);
        clearTimeout(limit);
        changes.off("change", onChange);
        resolve();
      }
      const changes = this.changes;
      changes.on("change", onChange);
    });
  }
}
