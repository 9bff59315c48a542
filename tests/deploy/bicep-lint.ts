/**
 * A small structural reader for this repository's Bicep files, for tests: no Bicep compiler can
 * be installed from the registries this project uses (the CLI downloads its binary at first use).
 * It understands the subset the templates use: `param` lines, `module` blocks with `params: {…}`,
 * and `resource` declarations.
 */
import fs from "node:fs";
import path from "node:path";

export interface BicepParam {
  name: string;
  type: string;
  required: boolean;
  secure: boolean;
}

export interface BicepModuleCall {
  symbol: string;
  path: string;
  /** Keys of its `params: { … }` block. */
  params: string[];
}

export interface BicepResource {
  symbol: string;
  type: string;
  /** The block's text, from the declaration to its closing brace. */
  body: string;
}

export interface BicepFile {
  file: string;
  text: string;
  params: BicepParam[];
  modules: BicepModuleCall[];
  resources: BicepResource[];
  outputs: string[];
}

/**
 * The text with `//` and `/* *\/` comments blanked (same length, so offsets hold), strings kept:
 * an apostrophe in a comment must not open a string.
 */
export function withoutComments(text: string): string {
  let out = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      out += c;
      if (c === "\\") {
        out += text[i + 1] ?? "";
        i += 2;
        continue;
      }
      if (c === "'") quoted = false;
      i++;
    } else if (c === "'") {
      quoted = true;
      out += c;
      i++;
    } else if (text.startsWith("//", i)) {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? text.length : end;
      out += " ".repeat(stop - i);
      i = stop;
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function readBicep(file: string): BicepFile {
  const text = withoutComments(fs.readFileSync(file, "utf8"));
  const lines = text.split("\n");
  const params: BicepParam[] = [];
  lines.forEach((line, i) => {
    const m = /^param\s+(\w+)\s+(\w+)(\s*=.*)?$/.exec(line);
    if (!m) return;
    const decorators = precedingDecorators(lines, i);
    params.push({
      name: m[1]!,
      type: m[2]!,
      required: !m[3],
      secure: decorators.some((d) => d.startsWith("@secure(")),
    });
  });
  const modules = [...text.matchAll(/^module\s+(\w+)\s+'([^']+)'\s*=\s*\{/gm)].map((m) => {
    const block = blockAt(text, m.index! + m[0].length - 1);
    const paramsAt = /^\s*params:\s*\{/m.exec(block);
    return {
      symbol: m[1]!,
      path: path.resolve(path.dirname(file), m[2]!),
      params: paramsAt ? topLevelKeys(blockAt(block, paramsAt.index + paramsAt[0].length - 1)) : [],
    };
  });
  const resources = [
    ...text.matchAll(
      /^resource\s+(\w+)\s+'([^'@]+)@[^']+'(?:\s+existing)?\s*=\s*(?:if\s*\(.*\)\s*)?\{/gm,
    ),
  ].map((m) => ({ symbol: m[1]!, type: m[2]!, body: blockAt(text, m.index! + m[0].length - 1) }));
  const outputs = [...text.matchAll(/^output\s+(\w+)\s/gm)].map((m) => m[1]!);
  return { file, text, params, modules, resources, outputs };
}

function precedingDecorators(lines: string[], index: number): string[] {
  const out: string[] = [];
  for (let i = index - 1; i >= 0 && lines[i]!.startsWith("@"); i--) out.push(lines[i]!);
  return out;
}

/** The text of the bracketed block opening at `open` (`{`), brackets of all kinds balanced. */
export function blockAt(text: string, open: number): string {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" && text[i - 1] !== "\\") quoted = !quoted;
    if (quoted || c === "'") continue;
    if ("{[(".includes(c)) depth++;
    if ("}])".includes(c)) depth--;
    if (depth === 0) return text.slice(open, i + 1);
  }
  throw new Error(`Unbalanced brackets from offset ${open}`);
}

/** Keys at the first level of a `{ … }` block (nested objects, arrays and calls skipped). */
function topLevelKeys(block: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let quoted = false;
  let lineStart = true;
  for (let i = 0; i < block.length; i++) {
    const c = block[i]!;
    if (c === "\n") lineStart = true;
    if (c === "'" && block[i - 1] !== "\\") quoted = !quoted;
    if (quoted) continue;
    if ("{[(".includes(c)) depth++;
    if ("}])".includes(c)) depth--;
    if (depth === 1 && lineStart && /\S/.test(c) && c !== "\n") {
      const m = /^(\w+):/.exec(block.slice(i));
      if (m) keys.push(m[1]!);
      lineStart = false;
    }
  }
  return keys;
}

/** Whether every bracket and quote in the file pairs up (comments aside). */
export function balanced(text: string): boolean {
  const code = withoutComments(text);
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    if (c === "'" && code[i - 1] !== "\\") quoted = !quoted;
    if (quoted) continue;
    if ("{[(".includes(c)) depth++;
    if ("}])".includes(c)) depth--;
    if (depth < 0) return false;
  }
  return depth === 0 && !quoted;
}
