// The .vsix that scripts/vsix.mjs builds: the entries VS Code needs, the files they come from, and
// a client bundle that needs nothing but `vscode` and Node. (No VS Code here to install it in.)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { crc32, inflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "editors/vscode/package.json"), "utf8")) as {
  name: string; version: string; publisher: string; main: string; engines: { vscode: string };
  contributes: { languages: { id: string; extensions: string[]; configuration: string }[]; grammars: { language: string; scopeName: string; path: string }[] };
};

/** The entries of a ZIP in central-directory order, each inflated and its CRC-32 checked. */
function readZip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`no central directory entry at ${at}`);
    const [method, crc, size, length] = [zip.readUInt16LE(at + 10), zip.readUInt32LE(at + 16), zip.readUInt32LE(at + 20), zip.readUInt32LE(at + 24)];
    const [nameLen, extraLen, commentLen, local] = [zip.readUInt16LE(at + 28), zip.readUInt16LE(at + 30), zip.readUInt16LE(at + 32), zip.readUInt32LE(at + 42)];
    const name = zip.subarray(at + 46, at + 46 + nameLen).toString("utf8");
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`no local header for ${name}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + size);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    if (data.length !== length || crc32(data) !== crc) throw new Error(`${name}: length or CRC-32 does not match`);
    out.set(name, data);
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

const hasUnzip = spawnSync("unzip", ["-v"]).status === 0;

describe("npm run vsix", () => {
  let dir: string, vsix: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "acp-vsix-"));
    vsix = join(dir, "acp.vsix");
    execFileSync(process.execPath, [join(ROOT, "scripts/vsix.mjs"), "-o", vsix], { cwd: ROOT });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const entries = () => readZip(readFileSync(vsix));
  const entry = (name: string) => {
    const data = entries().get(name);
    if (!data) throw new Error(`no ${name} in the vsix`);
    return data;
  };
  const LISTING = [
      "[Content_Types].xml",
      "extension.vsixmanifest",
      "extension/package.json",
      "extension/extension.js",
      "extension/syntaxes/acp.tmLanguage.json",
      "extension/language-configuration.json",
      "extension/README.md",
  ];

  it("holds [Content_Types].xml, extension.vsixmanifest and extension/, intact", () => {
    const listing = [...entries().keys()];
    expect(listing).toEqual(LISTING);
    const types = entry("[Content_Types].xml").toString();
    for (const ext of new Set(listing.slice(1).map((n) => n.slice(n.lastIndexOf("."))))) expect(types).toContain(`Extension="${ext}"`);
  });

  it("reads the same with Info-ZIP's unzip", () => {
    if (!hasUnzip) throw new Error("this check reads the archive with Info-ZIP's unzip, which is not installed: apt-get install -y unzip");
    expect(execFileSync("unzip", ["-Z1", vsix], { encoding: "utf8" }).trim().split("\n")).toEqual(LISTING);
    expect(execFileSync("unzip", ["-t", vsix], { encoding: "utf8" })).toMatch(/No errors detected/);
    expect(execFileSync("unzip", ["-p", vsix, "extension/package.json"])).toEqual(entry("extension/package.json"));
  });

  it("names the extension as its package.json does, and every path it contributes is in the archive", () => {
    const manifest = entry("extension.vsixmanifest").toString();
    expect(manifest).toContain(`<Identity Language="en-US" Id="${pkg.name}" Version="${pkg.version}" Publisher="${pkg.publisher}" />`);
    expect(manifest).toContain(`<Property Id="Microsoft.VisualStudio.Code.Engine" Value="${pkg.engines.vscode}" />`);
    expect(manifest).toContain('Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json"');
    expect(JSON.parse(entry("extension/package.json").toString())).toEqual(pkg);
    const inside = (p: string) => `extension/${p.replace(/^\.\//, "")}`;
    expect(pkg.contributes.languages[0]).toMatchObject({ id: "acp", extensions: [".acp"] });
    expect(entry(inside(pkg.contributes.languages[0]!.configuration)).length).toBeGreaterThan(0);
    const grammar = pkg.contributes.grammars[0]!;
    // The grammar is grammar/acp.tmLanguage.json itself, with the scope the package declares.
    expect(entry(inside(grammar.path))).toEqual(readFileSync(join(ROOT, "grammar/acp.tmLanguage.json")));
    expect(JSON.parse(entry(inside(grammar.path)).toString()).scopeName).toBe(grammar.scopeName);
    expect(entry(inside(pkg.main)).length).toBeGreaterThan(0);
  });

  it("bundles the client: it requires only `vscode` and Node's own modules, and exports activate/deactivate", () => {
    const code = entry("extension/extension.js").toString();
    const required = new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!));
    const node = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    expect([...required].filter((r) => r !== "vscode" && !node.has(r))).toEqual([]);
    expect(code).toContain('"lsp"');
    // Loaded with a stand-in for the editor's `vscode` module: it loads and exports the two hooks.
    const file = join(dir, "extension.cjs");
    writeFileSync(file, code);
    const stub: unknown = new Proxy(function () {}, { get: (_t, k) => (k === "then" ? undefined : stub), apply: () => stub, construct: () => stub as object });
    const Module = createRequire(import.meta.url)("node:module") as { _load: (r: string, ...a: unknown[]) => unknown };
    const load = Module._load;
    Module._load = function (r: string, ...a: unknown[]) { return r === "vscode" ? stub : load.call(this, r, ...a); };
    try {
      const ext = createRequire(import.meta.url)(file) as { activate: unknown; deactivate: unknown };
      expect(typeof ext.activate).toBe("function");
      expect(typeof ext.deactivate).toBe("function");
    } finally { Module._load = load; }
  });

  it("starts `acpc lsp --stdio` through the packed client, and stops it with exit 0 (a stand-in for VS Code's API)", () => {
    const file = join(dir, "started.cjs");
    writeFileSync(file, entry("extension/extension.js"));
    const run = (...server: string[]) => JSON.parse(execFileSync(process.execPath, [join(ROOT, "editors/testdata/run-extension.cjs"), file, ...server], { encoding: "utf8", timeout: 30_000 })) as
      { argv: string[]; runningAfterActivate: boolean; exitCode: number | string; logs: string[]; error?: string };
    const ok = run(process.execPath, join(ROOT, "bin/acpc.js"));
    expect(ok.error).toBeUndefined();
    expect(ok.argv).toEqual([process.execPath, join(ROOT, "bin/acpc.js"), "lsp", "--stdio"]);
    expect(ok.runningAfterActivate).toBe(true); // activate() awaited the initialize handshake
    expect(ok.exitCode).toBe(0); // deactivate(): shutdown, then exit
    const missing = run(join(dir, "no-such-acpc"));
    expect(missing.exitCode).toBe("ENOENT");
    expect(missing.logs.join("\n")).toMatch(/ACP: could not start .*set acp\.server\.command/);
  });

  it("gives the same bytes for the same sources", () => {
    const again = join(dir, "again.vsix");
    execFileSync(process.execPath, [join(ROOT, "scripts/vsix.mjs"), "-o", again], { cwd: ROOT });
    expect(readFileSync(again)).toEqual(readFileSync(vsix));
  });
});
