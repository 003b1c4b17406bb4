// The text a reader sees once an answer's markdown (and any HTML in it) is rendered: "**Cl**aude",
// "<b>Cl</b>aude" and "`Cl`aude" all read "Claude". The leak detector matches names on this reading too.
import { Parser } from "htmlparser2";
import { Marked } from "marked";

// Elements that start a new line when rendered; the text of any other element joins its neighbours.
const BLOCK_ELEMENTS = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "br",
  "dd",
  "details",
  "div",
  "dl",
  "dt",
  "figcaption",
  "figure",
  "footer",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "header",
  "hr",
  "li",
  "ol",
  "p",
  "pre",
  "section",
  "summary",
  "table",
  "td",
  "th",
  "tr",
  "ul",
]);

// One instance with its own options, so nothing else that uses marked changes how this renders.
const markdown = new Marked({ async: false, gfm: true, breaks: false });

/** Rendered HTML as plain text: entities decoded, tags removed, block elements on lines of their own. */
export function htmlToText(html: string): string {
  const chunks: string[] = [];
  const parser = new Parser(
    {
      ontext: (text) => chunks.push(text),
      onopentag: (name) => {
        if (BLOCK_ELEMENTS.has(name)) chunks.push("\n");
      },
      onclosetag: (name) => {
        if (BLOCK_ELEMENTS.has(name)) chunks.push("\n");
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return chunks
    .join("")
    .replace(/[ \t]*\n[\n \t]*/g, "\n")
    .trim();
}

/** What `text`, read as markdown with inline HTML, shows on screen. */
export function visibleText(text: string): string {
  return htmlToText(markdown.parse(text) as string);
}
