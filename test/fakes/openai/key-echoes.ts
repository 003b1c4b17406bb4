// The shapes in which providers, proxies and libraries have been seen to echo an API key back in an error
// body: for the redaction tests (fake OpenAI error messages, log lines).

export function keyEchoes(key: string): Record<string, string> {
  const base64 = (text: string) => Buffer.from(text).toString("base64");
  const middle = Math.floor(key.length / 2);
  return {
    exact: `Incorrect API key provided: ${key}.`,
    urlEncoded: `GET /v1/models?api_key=${encodeURIComponent(key)} was refused`,
    base64: `token ${base64(key)} is invalid`,
    base64Url: `token ${Buffer.from(key).toString("base64url")} is invalid`,
    basicUser: `Authorization: Basic ${base64(`api:${key}`)}`,
    basicKeyFirst: `Authorization: Basic ${base64(`${key}:`)}`,
    basicOtherUser: `Authorization: Basic ${base64(`deploy-bot:${key}`)}`,
    splitByNewline: `bad key ${key.slice(0, middle)}\n    ${key.slice(middle)} (wrapped)`,
    splitBySpace: `bad key ${key.slice(0, 9)} ${key.slice(9)}`,
    quotedPieces: `const key = "${key.slice(0, 10)}" + "${key.slice(10, 20)}" + '${key.slice(20)}';`,
    prefix: `Incorrect API key provided: ${key.slice(0, 14)}********${key.slice(-4)}.`,
  };
}

/** Pieces that must not appear anywhere once redacted: the key, its prefixes of 12, and its encodings. */
export function keyTraces(key: string): string[] {
  const base64 = Buffer.from(key).toString("base64");
  return [
    key,
    key.slice(0, 12),
    encodeURIComponent(key),
    base64.slice(2, -2),
    key.slice(0, Math.floor(key.length / 2)),
  ];
}
