// How the docs script and the tests start headless Chromium (Debian's package; no browser download): no
// sandbox (root in CI), no GPU, and nothing that would reach the network by itself.
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** ARENA_TEST_CHROMIUM, else Debian's /usr/bin/chromium. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.ARENA_TEST_CHROMIUM ?? "/usr/bin/chromium";
}
