// The sandbox's little language: one line is one action of the current user. Parsing is pure so scripts can be
// checked line by line; the session carries the actions out.
import { commandData } from "../../commands/index.ts";
import type { VoteChoice } from "../arena/types.ts";

export type SandboxAction =
  | { readonly kind: "nothing" }
  | { readonly kind: "help" }
  | { readonly kind: "quit" }
  | { readonly kind: "as"; readonly user: string }
  | { readonly kind: "switch"; readonly battle: number }
  | { readonly kind: "vote"; readonly choice: VoteChoice }
  | { readonly kind: "continue"; readonly text: string }
  | { readonly kind: "close" }
  | { readonly kind: "wait"; readonly seconds: number }
  /** A slash command as a member types it: "/battle Why is the sky blue?" → name "battle", text the rest. */
  | { readonly kind: "command"; readonly name: string; readonly text: string };

export type ParsedLine = SandboxAction | { readonly kind: "error"; readonly message: string };

const USER_NAME = /^[a-z0-9_]{1,32}$/;
const VOTES: Readonly<Record<string, VoteChoice>> = { a: "a", b: "b", tie: "tie", bad: "bad" };
const MAX_WAIT_SECONDS = 600;

export function parseLine(line: string): ParsedLine {
  const trimmed = line.trim();
  if (trimmed === "" || trimmed.startsWith("#")) return { kind: "nothing" };
  const [word = "", ...others] = trimmed.split(/\s+/);
  const rest = trimmed.slice(word.length).trim();
  if (word.startsWith("/")) {
    const name = word.slice(1).toLowerCase();
    if (!commandData.some((command) => command.name === name)) {
      return error(`unknown command ${word}: the bot has ${commandNames()}`);
    }
    return { kind: "command", name, text: rest };
  }
  switch (word.toLowerCase()) {
    case "help":
    case "?":
      return { kind: "help" };
    case "quit":
    case "exit":
      return { kind: "quit" };
    case "as": {
      const user = rest.toLowerCase();
      if (others.length !== 1 || !USER_NAME.test(user)) {
        return error("as <user>: one name of 1–32 letters, digits or _ (e.g. as bob)");
      }
      return { kind: "as", user };
    }
    case "battle": {
      const battle = Number(rest);
      if (!Number.isInteger(battle) || battle < 1) {
        return error("battle <n>: the number of a battle (to start one, type /battle <prompt>)");
      }
      return { kind: "switch", battle };
    }
    case "vote": {
      const choice = VOTES[rest.toLowerCase()];
      if (!choice) return error("vote a|b|tie|bad");
      return { kind: "vote", choice };
    }
    case "continue":
      if (rest === "") return error("continue <text>: what to ask both models next");
      return { kind: "continue", text: rest };
    case "close":
      if (rest !== "") return error("close takes nothing: it closes the current battle");
      return { kind: "close" };
    case "wait": {
      const seconds = Number(rest);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_WAIT_SECONDS) {
        return error(`wait <seconds>: between 0 and ${MAX_WAIT_SECONDS}`);
      }
      return { kind: "wait", seconds };
    }
    default:
      return error(`cannot read "${shorten(trimmed)}": type help for the list of commands`);
  }
}

function commandNames(): string {
  return commandData.map((command) => `/${command.name}`).join(", ");
}

function error(message: string): ParsedLine {
  return { kind: "error", message };
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

export const HELP = `Commands (each acts as the current user, on the current battle):
  /battle <prompt>          start a battle (it becomes the current battle)
  vote a|b|tie|bad          press a vote button of the current battle
  continue <text>           the battle's creator asks both models a follow-up (before any vote)
  close                     press "Close voting" (its creator or a moderator): the names are revealed
  /leaderboard [category] [chart=ratings|winfraction|counts]
  /model list | add <name> <base_url> <model> [api_key_env] [weight] [aliases…] | enable|disable|remove <name>
         | weight <name> <weight> | aliases <name> <aliases…>          (moderators)
  /arena subscribe|unsubscribe|window <minutes>|voters everyone|moderators   (moderators)
  as <user>                 act as another user (created on the fly; the first user is a moderator)
  battle <n>                make battle n the current battle
  wait <seconds>            let time pass (e.g. for a voting window to end)
  help                      this list
  quit                      stop everything and exit (also Ctrl-C or end of input)
Lines starting with # are comments.`;
