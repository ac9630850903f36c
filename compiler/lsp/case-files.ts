// Rule ids are named outside the policy too: in its case files (`expect.rule` and `expect.audit`
// of the `*.cases.json` beside it whose `policyFile` is this policy). References of a rule id
// include them, and in a case file a rule id leads back to its rule.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Location } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";

export const isCaseFile = (path: string) => path.endsWith(".cases.json");

/** The policy a case file tests, by its `policyFile`; null for one with the policy inline. */
export function policyOfCaseFile(casePath: string, text: string): string | null {
  try {
    const f = (JSON.parse(text) as { policyFile?: unknown }).policyFile;
    return typeof f === "string" ? resolve(dirname(casePath), f) : null;
  } catch { return null; }
}

export function caseFileRuleRefs(policyPath: string, id: string): Location[] {
  const dir = dirname(policyPath);
  let names: string[];
  try { names = readdirSync(dir).filter(isCaseFile).sort(); } catch { return []; }
  const out: Location[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let text: string;
    try { text = readFileSync(path, "utf8"); } catch { continue; }
    if (policyOfCaseFile(path, text) !== resolve(policyPath)) continue;
    const doc = TextDocument.create(pathToFileURL(path).href, "json", 0, text);
    for (const s of ruleIdStrings(text)) {
      if (s.id === id) out.push({ uri: doc.uri, range: { start: doc.positionAt(s.offset + 1), end: doc.positionAt(s.offset + s.length - 1) } });
    }
  }
  return out;
}

/** The rule id string of a case file under an offset. */
export function ruleIdAt(text: string, offset: number): { id: string; offset: number; length: number } | null {
  return ruleIdStrings(text).find((s) => s.offset <= offset && offset <= s.offset + s.length) ?? null;
}

const STRING = /"(?:[^"\\\n]|\\.)*"/y;
const KEY = /"(rule|audit)"\s*:\s*/g;

/** Each JSON string that is the value of a "rule" key or an item of an "audit" list, quotes included. */
function ruleIdStrings(text: string): { id: string; offset: number; length: number }[] {
  const found: { id: string; offset: number; length: number }[] = [];
  const take = (at: number): number => {
    STRING.lastIndex = at;
    const m = STRING.exec(text);
    if (!m) return -1;
    try { found.push({ id: JSON.parse(m[0]) as string, offset: at, length: m[0].length }); } catch { /* not a JSON string: skip it */ }
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
