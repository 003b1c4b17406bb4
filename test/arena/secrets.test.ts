import { describe, expect, it } from "vitest";
import { createRedactor, PREFIX_MIN_CHARS, REDACTED } from "../../src/arena/secrets.ts";
import { keyEchoes } from "../fakes/openai/key-echoes.ts";

const KEY = "sk-proj-Ab3/dE+f9GhIjK_lMnOpQrStUvWxYz0123456789";

/** The text with its URL escapes decoded, its pieces joined, and every base64 word decoded beside it. */
function readings(text: string): string[] {
  const words = text.match(/[A-Za-z0-9+/=_-]{8,}/g) ?? [];
  const decoded = words.flatMap((word) =>
    [0, 1, 2, 3].map((skip) => Buffer.from(word.slice(skip), "base64").toString("latin1")),
  );
  return [
    text,
    decodeURIComponent(text.replace(/%(?![0-9a-f]{2})/gi, "%25")),
    text.replace(/[\s"'+]/g, ""),
    ...decoded,
  ];
}

/** True when any 12-character window of the key can still be read from the text. */
function leaks(text: string, key: string): boolean {
  return readings(text).some((reading) => {
    for (let start = 0; start + PREFIX_MIN_CHARS <= key.length; start++) {
      if (reading.includes(key.slice(start, start + PREFIX_MIN_CHARS))) return true;
    }
    return false;
  });
}

describe("createRedactor", () => {
  const redact = createRedactor([KEY]);

  it.each(Object.entries(keyEchoes(KEY)))("removes the key echoed as %s", (_shape, text) => {
    expect(leaks(text, KEY)).toBe(true);
    const redacted = redact(text);
    expect(redacted).toContain(REDACTED);
    expect(leaks(redacted, KEY)).toBe(false);
  });

  it("removes lower-case percent-encoding and a key inside a JSON-escaped log line", () => {
    const lower = encodeURIComponent(KEY).replace(/%[0-9A-F]{2}/g, (percent) => percent.toLowerCase());
    expect(redact(`key=${lower}`)).toBe(`key=${REDACTED}`);
    expect(redact(JSON.stringify({ msg: `said ${KEY}` }))).toBe(JSON.stringify({ msg: `said ${REDACTED}` }));
  });

  it("keeps ordinary text and short prefixes (a provider's masked key) alone", () => {
    for (const text of [
      "hello world",
      "Incorrect API key provided: sk-proj-****6789.",
      `the prefix ${KEY.slice(0, PREFIX_MIN_CHARS - 1)} is too short to tell`,
      "aGVsbG8gd29ybGQ=",
    ]) {
      expect(redact(text)).toBe(text);
    }
  });

  it("redacts several secrets, the longer first, and ignores empty ones", () => {
    const token = "424242:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    const both = createRedactor([KEY, "", undefined, token, token.slice(0, 20)]);
    expect(both(`${token} and ${KEY}`)).toBe(`${REDACTED} and ${REDACTED}`);
    expect(createRedactor([])("anything")).toBe("anything");
  });

  it("redacts a short secret only whole", () => {
    const short = createRedactor(["abc123XYZ"]);
    expect(short("x abc123XYZ y abc123 z")).toBe(`x ${REDACTED} y abc123 z`);
  });
});
