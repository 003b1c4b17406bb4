// npm run bench:leak — the leak detector's precision and recall over generated texts, and its speed on
// 2,000-character answers. Prints figures; asserts nothing (the table test in test/arena/leak-table.test.ts
// does). Positives: self-introductions and mentions of ten names, each written plainly and in nine disguises.
// Negatives: everyday sentences about painters, animals, stars and winds that share names with models, and
// formatted answers with no name in them. The table's own cases are counted too.
import { performance } from "node:perf_hooks";
import { createLeakDetector } from "../src/arena/leak.ts";
import { CASE_MODELS, MUST_HIT, MUST_NOT_HIT } from "../test/arena/leak-cases.ts";

const NAMES = [
  "Claude",
  "Anthropic",
  "OpenAI",
  "ChatGPT",
  "Gemini",
  "Mistral",
  "Llama",
  "Qwen",
  "DeepSeek",
  "Grok",
];

const SELF_TEMPLATES = [
  (name: string) => `I am ${name}.`,
  (name: string) => `As ${name}, an AI assistant, I can help with that.`,
  (name: string) => `I was trained by ${name}, so let me explain.`,
  (name: string) => `My name is ${name}, nice to meet you!`,
  (name: string) => `Sure! ${name} here, an AI model built to help.`,
  (name: string) => `我是${name}，很高兴为你服务。`,
];

const CYRILLIC: Record<string, string> = { a: "а", c: "с", e: "е", o: "о", p: "р", C: "С", A: "А", O: "О" };

const DISGUISES: readonly [label: string, disguise: (name: string) => string][] = [
  ["plain", (name) => name],
  ["letter-spaced", (name) => [...name].join(" ")],
  ["dotted", (name) => [...name].join(".")],
  ["bold split", (name) => `**${name.slice(0, 2)}**${name.slice(2)}`],
  ["html split", (name) => `<b>${name.slice(0, 2)}</b>${name.slice(2)}`],
  ["code split", (name) => `\`${name.slice(0, 2)}\`${name.slice(2)}`],
  ["cyrillic", (name) => name.replace(/[acepoCAO]/, (char) => CYRILLIC[char] ?? char)],
  ["zero-width", (name) => `${name.slice(0, 2)}\u200B${name.slice(2)}`],
  ["grapheme joiner", (name) => `${name.slice(0, 1)}\u034F${name.slice(1)}`],
  [
    "full-width",
    (name) => name.replace(/[A-Za-z]/g, (char) => String.fromCodePoint((char.codePointAt(0) ?? 0) + 0xfee0)),
  ],
];

const NEGATIVE_SUBJECTS = [
  "Claude Monet",
  "Claude Debussy",
  "my neighbour Claude",
  "a llama",
  "the llamas of Peru",
  "the Gemini constellation",
  "the mistral wind",
  "a meta-analysis",
  "Google Sheets",
  "the Amazon basin",
  "a falcon",
  "an orca",
  "the copilot",
  "an old bard",
  "the nova of 1572",
  "the titan Atlas",
];
const NEGATIVE_TEMPLATES = [
  (subject: string) => `Here is a short note about ${subject}: it is worth a visit.`,
  (subject: string) => `**Summary:** ${subject} appears in many books.`,
  (subject: string) => `1. Read about ${subject}.\n2. Take notes.\n3. Write an essay.`,
  (subject: string) => `People often ask about ${subject}, and the answer is simple.`,
  (subject: string) => `> ${subject} was mentioned in the article.`,
  (subject: string) => `I love ${subject}; who doesn't?`,
];
const NAMELESS = [
  "The answer is **42**, as computed below:\n\n```python\nprint(6 * 7)\n```",
  "Spell it out: a b c, then d e f.",
  "Use `len(x)` to count, and **bold** for emphasis.",
  "I am an AI assistant without a name; how can I help?",
  "As a language model, I do not browse the web.",
  "<b>Note:</b> the <i>first</i> step matters most.",
  "| step | time |\n|---|---|\n| mix | 5 min |\n| bake | 30 min |",
  "你好！今天想聊点什么？",
  "こんにちは。何かお手伝いできますか？",
  "안녕하세요! 무엇이든 물어보세요.",
];

const positives: string[] = [...MUST_HIT.map(([text]) => text)];
for (const name of NAMES)
  for (const template of SELF_TEMPLATES)
    for (const [, disguise] of DISGUISES) positives.push(template(disguise(name)));
const negatives: string[] = [...MUST_NOT_HIT, ...NAMELESS];
for (const subject of NEGATIVE_SUBJECTS)
  for (const template of NEGATIVE_TEMPLATES) negatives.push(template(subject));

const detector = createLeakDetector(CASE_MODELS);
const missed = positives.filter((text) => detector.find(text) === null);
const falseAlarms = negatives.filter((text) => detector.find(text) !== null);
const truePositives = positives.length - missed.length;
const precision = truePositives / (truePositives + falseAlarms.length);
const recall = truePositives / positives.length;

const byDisguise = DISGUISES.map(([label, disguise]) => {
  const texts = NAMES.flatMap((name) => SELF_TEMPLATES.map((template) => template(disguise(name))));
  const caught = texts.filter((text) => detector.find(text) !== null).length;
  return `${label} ${caught}/${texts.length}`;
});

// Throughput: 2,000-character answers with markdown, no name in them (the common case: every reading is read).
const paragraph =
  "## Step one\n\nThe **first** thing to do is to read the question twice, then write down what is known. " +
  "A list helps:\n\n- what is given\n- what is asked\n- which `tools` fit\n\n";
const answers = Array.from({ length: 500 }, (_, index) =>
  `${paragraph.repeat(Math.ceil(2000 / paragraph.length))}Answer ${index}.`.slice(0, 2000),
);
for (const text of answers.slice(0, 50)) detector.find(text);
const started = performance.now();
const rounds = 4;
for (let round = 0; round < rounds; round++) for (const text of answers) detector.find(text);
const elapsed = performance.now() - started;
const perAnswer = elapsed / (answers.length * rounds);

console.log(`leak detector over ${positives.length} positive and ${negatives.length} negative texts`);
console.log(`  precision ${(precision * 100).toFixed(1)}%  recall ${(recall * 100).toFixed(1)}%`);
console.log(`  caught by disguise: ${byDisguise.join(", ")}`);
/** A count with the first few texts, quoted. */
const listed = (texts: readonly string[]) =>
  `${texts.length}${
    texts.length > 0
      ? `: ${texts
          .slice(0, 10)
          .map((text) => JSON.stringify(text))
          .join(" ")}`
      : ""
  }`;
console.log(`  missed ${listed(missed)}`);
console.log(`  false alarms ${listed(falseAlarms)}`);
console.log(
  `  speed: ${Math.round(1000 / perAnswer).toLocaleString("en-US")} answers/s of 2,000 characters (${perAnswer.toFixed(2)} ms each)`,
);
