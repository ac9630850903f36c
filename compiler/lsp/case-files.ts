// Rule ids are named outside the policy too: in the case files beside it (`expect.rule` and
// `expect.audit` of `<name>.cases.json` whose `policyFile` is this policy).
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Location } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";

const STRING = /"(?:[^"\\\n]|\\.)*"/y;
const KEY = /"(rule|audit)"\s*:\s*/g;

export function caseFileRuleRefs(policyPath: string, id: string): Location[] {
  const dir = dirname(policyPath);
  let names: string[];
  try { names = readdirSync(dir).filter((n) => n.endsWith(".cases.json")).sort(); } catch { return []; }
  const out: Location[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
      if ((JSON.parse(text) as { policyFile?: unknown }).policyFile !== basename(policyPath)) continue;
    } catch { continue; }
    const doc = TextDocument.create(pathToFileURL(path).href, "json", 0, text);
    for (const [offset, length] of idStrings(text, id)) {
      out.push({ uri: doc.uri, range: { start: doc.positionAt(offset + 1), end: doc.positionAt(offset + length - 1) } });
    }
  }
  return out;
}

/** [offset, length] of each JSON string equal to `id` that is the value of a "rule" key or an item of an "audit" list. */
function idStrings(text: string, id: string): [number, number][] {
  const found: [number, number][] = [];
  const take = (at: number): number => {
    STRING.lastIndex = at;
    const m = STRING.exec(text);
    if (!m) return -1;
    try { if (JSON.parse(m[0]) === id) found.push([at, m[0].length]); } catch { /* not a JSON string: skip it */ }
    return at + m[0].length;
  };
  for (const k of text.matchAll(KEY)) {
    let at = k.index + k[0].length;
    if (text[at] === '"') { take(at); continue; }
    if (text[at] !== "[") continue;
    at++;
    for (;;) {
      while (/[\s,]/.test(text[at] ?? "")) at++;
      if (text[at] !== '"') break;
      at = take(at);
      if (at < 0) break;
    }
  }
  return found;
}
