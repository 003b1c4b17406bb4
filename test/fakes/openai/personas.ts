// Offline "models" for the fake OpenAI server: each answers deterministically from the conversation in a
// style of its own, so two of them side by side visibly differ. Used by tests and by the sandbox.

export interface FakeChatMessage {
  readonly role: string;
  readonly content: string;
}

export interface Persona {
  /** Model id to put in a models file (`"model": id`). */
  readonly id: string;
  readonly description: string;
  answer(messages: readonly FakeChatMessage[]): string;
}

export function lastUserMessage(messages: readonly FakeChatMessage[]): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (message?.role === "user") return message.content;
  }
  return "";
}

function userTurns(messages: readonly FakeChatMessage[]): number {
  return messages.filter((message) => message.role === "user").length;
}

/** A small stable hash (FNV-1a) so "sometimes" is the same for the same prompt. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (const char of text) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function shorten(text: string, maxLength: number): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= maxLength ? oneLine : `${oneLine.slice(0, maxLength - 1)}…`;
}

/** The answer of a model id that no persona and no script covers: names the model so answers differ. */
export function echoAnswer(model: string, messages: readonly FakeChatMessage[]): string {
  return `[${model}] turn ${userTurns(messages)}: you said "${shorten(lastUserMessage(messages), 200)}".`;
}

const terse: Persona = {
  id: "fake-terse",
  description: "one short sentence",
  answer: (messages) => `Short answer: ${shorten(lastUserMessage(messages), 60)} — yes, mostly.`,
};

const thorough: Persona = {
  id: "fake-thorough",
  description: "a structured answer with a list and a code block",
  answer: (messages) => {
    const prompt = shorten(lastUserMessage(messages), 120);
    return [
      `Let's look at "${prompt}" step by step.`,
      "",
      "1. Restate the question and its constraints.",
      "2. Consider the simplest approach first.",
      "3. Check the edge cases.",
      "",
      "```python",
      `def answer(question: str) -> str:`,
      `    return question.strip()  # turn ${userTurns(messages)}`,
      "```",
      "",
      "In short: it depends on the details, but the sketch above is a good start.",
    ].join("\n");
  },
};

const pirate: Persona = {
  id: "fake-pirate",
  description: "answers like a pirate",
  answer: (messages) =>
    `Arr, matey! Ye be askin' about "${shorten(lastUserMessage(messages), 100)}". ` +
    "I'd wager me parrot the answer be buried on the third island, yo-ho!",
};

const longWinded: Persona = {
  id: "fake-long",
  description: "a long answer (several thousand characters) to exercise message splitting",
  answer: (messages) => {
    const prompt = shorten(lastUserMessage(messages), 80);
    const paragraphs: string[] = [];
    for (let index = 1; index <= 12; index++) {
      paragraphs.push(
        `Paragraph ${index} about "${prompt}": ` +
          "this sentence is here to make the answer long enough to be split across several messages. ".repeat(
            4,
          ),
      );
    }
    paragraphs.splice(
      6,
      0,
      ["```js", ...Array.from({ length: 20 }, (_, i) => `console.log(${i});`), "```"].join("\n"),
    );
    return paragraphs.join("\n\n");
  },
};

/** Names itself for about a third of the prompts, and whenever asked who it is or told to be honest: shows the leak rule. */
const leaky: Persona = {
  id: "fake-leaky",
  description: "sometimes names itself (As Claude, …), which discards the battle",
  answer: (messages) => {
    const prompt = lastUserMessage(messages);
    const askedIdentity = /\b(who|what)\s+are\s+you\b|\bwhich\s+model\b|\bbe\s+honest\b/i.test(prompt);
    const intro =
      askedIdentity || stableHash(prompt) % 3 === 0 ? "As Claude, an AI assistant made by Anthropic, " : "";
    return `${intro}I think "${shorten(prompt, 100)}" deserves a careful answer: consider it from both sides.`;
  },
};

const JUDGE_CRITERIA = [
  "specificity",
  "domain_knowledge",
  "complexity",
  "problem_solving",
  "creativity",
  "technical_accuracy",
  "real_world",
];

function labelsJson(met: number): string {
  return JSON.stringify(
    Object.fromEntries(JUDGE_CRITERIA.map((criterion, index) => [criterion, index < met])),
  );
}

/** The text of each `<output number="N" …>` block of a verdict request, by N. */
function outputsOf(text: string): Map<string, string> {
  const outputs = new Map<string, string>();
  for (const match of text.matchAll(/<output number="([12])"[^>]*>\n([\s\S]*?)\n<\/output>/g)) {
    outputs.set(match[1] ?? "", (outputs.get(match[1] ?? "") ?? "") + (match[2] ?? ""));
  }
  return outputs;
}

/**
 * A judge model with scripted answers, chosen by markers in the prompt:
 * - hard-prompt labels (asked when the system prompt lists the seven criteria): "[hard]" → all seven criteria in
 *   a ```json fence, "[six]" → six, "[malformed]" → broken JSON, "[wrong-keys]" → JSON of the wrong shape,
 *   otherwise two criteria;
 * - verdicts (asked for {"preferred": …}): "[malformed-vote]" → no JSON, "[position]" → always output 1 (a
 *   position bias, so the two orders disagree), otherwise the longer output (1 when equal).
 */
const judge: Persona = {
  id: "fake-judge",
  description: "a judge model answering hard-prompt labels and pairwise verdicts as JSON (some malformed)",
  answer: (messages) => {
    const system = messages.find((message) => message.role === "system")?.content ?? "";
    const prompt = lastUserMessage(messages);
    if (system.includes("seven criteria")) {
      if (prompt.includes("[malformed]")) return 'Here are the labels: {"specificity": true, "complexity": ';
      if (prompt.includes("[wrong-keys]")) return '{"specific": true, "hard": "yes"}';
      if (prompt.includes("[hard]")) return `\`\`\`json\n${labelsJson(7)}\n\`\`\``;
      if (prompt.includes("[six]")) return labelsJson(6);
      return labelsJson(2);
    }
    if (system.includes('"preferred"')) {
      if (prompt.includes("[malformed-vote]")) return "Output 1 is clearly better, I think.";
      if (prompt.includes("[position]")) return '{"preferred": 1}';
      const outputs = outputsOf(prompt);
      const first = outputs.get("1") ?? "";
      const second = outputs.get("2") ?? "";
      return JSON.stringify({ preferred: second.length > first.length ? 2 : 1 });
    }
    return `As a judge I only judge; you said "${shorten(prompt, 100)}".`;
  },
};

export const PERSONAS: readonly Persona[] = [terse, thorough, pirate, longWinded, leaky, judge];

export function findPersona(model: string): Persona | undefined {
  return PERSONAS.find((persona) => persona.id === model);
}
