// What the sandbox prints: lines with an optional style, bold for Discord's **markdown** when the terminal
// shows colours, and a hook so an interactive prompt can be redrawn under asynchronous output.
export type Style = "plain" | "dim" | "bold" | "user" | "bot" | "private" | "note" | "warning" | "error";

const ANSI: Record<Style, string> = {
  plain: "",
  dim: "\x1b[2m",
  bold: "\x1b[1m",
  user: "\x1b[1;36m",
  bot: "\x1b[32m",
  private: "\x1b[35m",
  note: "\x1b[33m",
  warning: "\x1b[33m",
  error: "\x1b[1;31m",
};
const RESET = "\x1b[0m";

export class Output {
  /** Called around each write, e.g. to clear and redraw a readline prompt. */
  beforeWrite: () => void = () => {};
  afterWrite: () => void = () => {};

  constructor(
    private readonly stream: NodeJS.WritableStream,
    readonly colours: boolean,
  ) {}

  line(text: string, style: Style = "plain"): void {
    this.beforeWrite();
    this.stream.write(`${this.paint(text, style)}\n`);
    this.afterWrite();
  }

  /** Markdown bold (`**Model A**`) as terminal bold, or as plain text without colours. */
  markdown(text: string): string {
    // Bold on and off (not a full reset), so the colour of the surrounding block carries on.
    return text.replace(/\*\*([^*\n]+)\*\*/g, (_match, inner: string) =>
      this.colours ? `\x1b[1m${inner}\x1b[22m` : inner,
    );
  }

  paint(text: string, style: Style): string {
    if (!this.colours || style === "plain") return text;
    return `${ANSI[style]}${text}${RESET}`;
  }
}

/** A header line, then the body indented under it (no column alignment: emoji widths vary by terminal). */
export function block(header: string, body: string): string {
  const lines = body.split("\n").map((line) => (line === "" ? "" : `    ${line}`));
  return [header, ...lines].join("\n");
}
