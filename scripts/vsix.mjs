#!/usr/bin/env node
// Builds the VS Code extension of editors/vscode into a .vsix: a ZIP with [Content_Types].xml,
// extension.vsixmanifest and extension/ (the client bundled with vscode-languageclient by
// esbuild, package.json, the TextMate grammar from grammar/, the language configuration, README).
//   node scripts/vsix.mjs [-o out.vsix]        (npm run vsix; default dist/<name>-<version>.vsix)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { zip } from "./zip.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ext = join(root, "editors/vscode");

const xml = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export async function buildVsix(out) {
  const pkg = JSON.parse(readFileSync(join(ext, "package.json"), "utf8"));
  const bundle = await build({
    entryPoints: [join(ext, "extension.js")], bundle: true, platform: "node", format: "cjs", target: "node18",
    external: ["vscode"], write: false, minify: true, keepNames: true, legalComments: "inline", logLevel: "silent",
  });
  const files = [
    { name: "extension/package.json", data: readFileSync(join(ext, "package.json")) },
    { name: "extension/extension.js", data: Buffer.from(bundle.outputFiles[0].contents) },
    { name: "extension/syntaxes/acp.tmLanguage.json", data: readFileSync(join(root, "grammar/acp.tmLanguage.json")) },
    { name: "extension/language-configuration.json", data: readFileSync(join(ext, "language-configuration.json")) },
    { name: "extension/README.md", data: readFileSync(join(ext, "README.md")) },
  ];
  const types = { ".json": "application/json", ".js": "application/javascript", ".md": "text/markdown", ".vsixmanifest": "text/xml" };
  const contentTypes = `<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
${Object.entries(types).map(([e, t]) => `  <Default Extension="${e}" ContentType="${t}" />`).join("\n")}
</Types>
`;
  for (const f of files) if (!types[extname(f.name)]) throw new Error(`vsix: no content type for ${f.name}`);
  const manifest = `<?xml version="1.0" encoding="utf-8"?>
<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011" xmlns:d="http://schemas.microsoft.com/developer/vsx-schema-design/2011">
  <Metadata>
    <Identity Language="en-US" Id="${xml(pkg.name)}" Version="${xml(pkg.version)}" Publisher="${xml(pkg.publisher)}" />
    <DisplayName>${xml(pkg.displayName)}</DisplayName>
    <Description xml:space="preserve">${xml(pkg.description)}</Description>
    <Tags>${xml([...pkg.keywords, ...pkg.contributes.languages.map((l) => l.id)].join(","))}</Tags>
    <Categories>${xml(pkg.categories.join(","))}</Categories>
    <GalleryFlags>Public</GalleryFlags>
    <Properties>
      <Property Id="Microsoft.VisualStudio.Code.Engine" Value="${xml(pkg.engines.vscode)}" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionDependencies" Value="" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionPack" Value="" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionKind" Value="workspace" />
      <Property Id="Microsoft.VisualStudio.Code.LocalizedLanguages" Value="" />
    </Properties>
  </Metadata>
  <Installation>
    <InstallationTarget Id="Microsoft.VisualStudio.Code" />
  </Installation>
  <Dependencies />
  <Assets>
    <Asset Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json" Addressable="true" />
    <Asset Type="Microsoft.VisualStudio.Services.Content.Details" Path="extension/README.md" Addressable="true" />
  </Assets>
</PackageManifest>
`;
  const bytes = zip([
    { name: "[Content_Types].xml", data: contentTypes },
    { name: "extension.vsixmanifest", data: manifest },
    ...files,
  ]);
  const path = resolve(out ?? join(root, "dist", `${pkg.name}-${pkg.version}.vsix`));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return { path, bytes: bytes.length, files: files.map((f) => f.name) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const o = args.indexOf("-o");
  if ((o >= 0 && !args[o + 1]) || args.some((a, i) => a !== "-o" && i !== o + 1)) {
    process.stderr.write("usage: node scripts/vsix.mjs [-o out.vsix]\n");
    process.exit(2);
  }
  const r = await buildVsix(o >= 0 ? args[o + 1] : undefined);
  process.stdout.write(`${r.path} (${r.bytes} bytes, ${r.files.length + 2} entries)\n`);
}
