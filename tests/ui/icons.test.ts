import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Icons are drawn (lucide-react SVGs), never emoji or symbol characters: those render as an empty
 * box where no emoji or symbol font is installed, and a screen reader may read them out.
 */
const ROOTS = ["components", "app"];
// Pictographs (🗑 📄 🔗 ⏳ ☰ ☀ ☾ ✎ ✓ ✕ ■ …), arrows (←), technical symbols and dingbats. Typographic
// marks such as “ ” … — · † and the 【】 of citation markers are text, not icons.
const GLYPH = /[\p{Extended_Pictographic}\u2190-\u21FF\u2300-\u23FF\u25A0-\u27BF\u2B00-\u2BFF]/u;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(tsx?|css)$/.test(e.name) ? [p] : [];
  });
}

describe("icons", () => {
  it("delete_icon_is_an_emoji_that_renders_as_an_empty_box: no glyph icons in the UI", () => {
    const found: string[] = [];
    for (const file of ROOTS.flatMap(sourceFiles)) {
      fs.readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          // Comments may name a glyph; only code and markup are checked.
          const code = line.replace(/^\s*(\/\/|\*|\/\*).*$/, "");
          const m = GLYPH.exec(code);
          if (m) found.push(`${file}:${i + 1}: ${m[0]}`);
        });
    }
    expect(found).toEqual([]);
  });
});
