// What main.ts needs of a platform adapter. An adapter translates platform updates into calls on the arena
// (commands through `runCommand`, presses through `Arena.press`) and renders the arena's replies and events.
import type { CommandRunOptions } from "../../commands/index.ts";
import type { Arena } from "../arena/engine.ts";
import type { Logger } from "../arena/logger.ts";

export interface PlatformAdapter {
  readonly platform: string;
  /** Connects, registers commands, subscribes to the arena's events for this platform. */
  start(): Promise<void>;
  /** Stops taking updates and disconnects. */
  stop(): Promise<void>;
}

export interface AdapterDependencies extends CommandRunOptions {
  readonly arena: Arena;
  readonly logger: Logger;
  /** The adapter can no longer take updates and will not recover by itself; main stops the process. */
  readonly onFatal?: (error: Error) => void;
}
