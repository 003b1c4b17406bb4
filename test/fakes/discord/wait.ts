import type { World } from "./world.ts";

/**
 * Resolves with the first truthy value of `check`, evaluated now and after every change of the fake's state.
 * Rejects after `timeoutMs` with `description` (a bound on a failing test, not a timed assertion).
 */
export function waitForChange<T>(
  world: World,
  check: () => T | undefined | null | false,
  timeoutMs = 2000,
  description = "condition",
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const first = check();
    if (first) {
      resolve(first);
      return;
    }
    const onChange = () => {
      const value = check();
      if (!value) return;
      cleanup();
      resolve(value);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`fake Discord: timed out after ${timeoutMs} ms waiting for ${description}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      world.off("change", onChange);
    };
    world.on("change", onChange);
  });
}
