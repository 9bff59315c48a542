import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..", "..");

function filesUnder(dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(rel, ext));
    else if (ext.test(entry.name)) out.push(rel);
  }
  return out;
}

/** A clone of the project has no `../shared`: its docs and code must not point there. */
describe("the project stands alone", () => {
  it("docs_point_at_shared: no README, doc or source file refers to ../shared", () => {
    const files = [
      "README.md",
      ".env.example",
      ...filesUnder("docs", /\.md$/),
      ...["app", "components", "lib", "mcp-server", "scripts"].flatMap((d) =>
        filesUnder(d, /\.(ts|tsx|md)$/),
      ),
    ];
    const offenders = files.filter((f) =>
      /\.\.\/shared\b/.test(fs.readFileSync(path.join(root, f), "utf8")),
    );
    expect(offenders).toEqual([]);
  });
});
