import { describe, expect, it } from "vitest";
import { htmlToText, visibleText } from "../../src/arena/visible-text.ts";

describe("visibleText", () => {
  it("joins the text of inline markdown and HTML into one word", () => {
    expect(visibleText("**Cl**aude")).toBe("Claude");
    expect(visibleText("<b>Cl</b>aude")).toBe("Claude");
    expect(visibleText("`Cl`aude")).toBe("Claude");
    expect(visibleText("Cl<!-- note -->aude")).toBe("Claude");
    expect(visibleText("[Cl](https://example.com)aude")).toBe("Claude");
  });

  it("decodes entities", () => {
    expect(visibleText("C&#108;aude &amp; co")).toBe("Claude & co");
  });

  it("keeps blocks on separate lines, so words of two paragraphs or cells never join", () => {
    expect(visibleText("Goo\n\ngle")).toBe("Goo\ngle");
    expect(visibleText("- Goo\n- gle")).toBe("Goo\ngle");
    expect(visibleText("| a | b |\n|---|---|\n| Goo | gle |")).toBe("a\nb\nGoo\ngle");
    expect(htmlToText("<div>Goo</div><div>gle</div>")).toBe("Goo\ngle");
  });

  it("leaves plain text and comparisons as they are", () => {
    expect(visibleText("x < y and y > z")).toBe("x < y and y > z");
    expect(visibleText("Explain recursion simply.")).toBe("Explain recursion simply.");
  });
});
