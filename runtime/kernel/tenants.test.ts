// Tenants: each has its own file system namespace and pipes; reaching into another tenant is
// SIGTRUST → SIGKILL unless a rule explicitly allows that very access.
import { describe, expect, it } from "vitest";
import { kernelsFor } from "./testdata/test-kernel.js";

const POLICY = `policy tenants {
  on violation kill
  type Note = { text: string }
  pipe notes: writer -> reader carries Note capacity 4
  allow pipe.send notes
  allow pipe.recv notes
  allow fs.read "/mem/**"
  allow fs.write "/mem/working/**"
  allow fs.list "/mem/**"
  // acme may read globex's published catalog, and nothing else of globex.
  @id("acme-reads-globex-catalog")
  allow fs.read "/tenants/globex/mem/semantic/**" when agent.tenant == "acme"
  // Any tenant's published catalog, by name: a name may be no tenant at all.
  allow fs.read "/tenants/*/mem/semantic/catalog.txt" when agent.tenant == "acme"
  @id("no-globex-working")
  deny fs.read "/tenants/globex/mem/working/**"
  // Addressing one's own namespace through /tenants is the plain path by another name.
  deny fs.read "/mem/working/private/**"
}`;

const newKernel = kernelsFor(POLICY, "tenants.acp", { pipeTimeoutMs: 500 });

async function kernel() {
  const k = await newKernel();
  const globex = await k.namespace("globex");
  await globex.write("/mem/semantic/catalog.txt", "widgets: 3");
  await globex.write("/mem/working/secret.txt", "globex payroll");
  return k;
}

const read = (path: string) => `export default async function main() { return await sys.fs.read(${JSON.stringify(path)}); }`;

describe("tenants", () => {
  it("keep separate namespaces: the same path is a different file per tenant", async () => {
    const k = await kernel();
    await k.run({ tenant: "acme", source: `export default async function main() { await sys.fs.write("/mem/working/secret.txt", "acme plans"); }` });
    expect(await k.run({ tenant: "acme", source: read("/mem/working/secret.txt") })).toMatchObject({ status: "exited", result: "acme plans" });
    expect(await k.run({ tenant: "globex", source: read("/mem/working/secret.txt") })).toMatchObject({ status: "exited", result: "globex payroll" });
  });

  it("let a tenant into another's namespace only where a rule explicitly allows it", async () => {
    const k = await kernel();
    const ok = await k.run({ tenant: "acme", source: read("/tenants/globex/mem/semantic/catalog.txt") });
    expect(ok).toMatchObject({ status: "exited", result: "widgets: 3", violations: [] });
    const own = await k.run({ tenant: "acme", source: `export default async function main() {
      await sys.fs.write("/mem/working/a.txt", "mine");
      return await sys.fs.read("/tenants/acme/mem/working/a.txt");
    }` });
    expect(own).toMatchObject({ status: "exited", result: "mine" });
    // ...decided and recorded as the plain path: a deny on it is not walked around through the long name.
    const alias = await k.run({ tenant: "acme", source: `export default async function main() {
      await sys.fs.write("/mem/working/private/k", "secret");
      try { return await sys.fs.read("/tenants/acme/mem/working/private/k"); } catch (e) { return e.code; }
    }` });
    expect(alias).toMatchObject({ status: "exited", result: "EPERM", violations: [{ syscall: "fs.read", target: "/mem/working/private/k", effect: "deny" }] });
  });

  it.each([
    ["a deny rule", "acme", "/tenants/globex/mem/working/secret.txt", "no-globex-working", "deny"],
    ["no rule at all", "acme", "/tenants/initech/mem/working/x", null, "kill"],
    ["a rule for another tenant", "initech", "/tenants/globex/mem/semantic/catalog.txt", null, "kill"],
    // A line terminator in the rest of the path once hid the tenant prefix from the cross-tenant check.
    ["a deny rule, with a newline in the path", "acme", "/tenants/globex/mem/working/a\nb", "no-globex-working", "deny"],
  ])("raise SIGTRUST → SIGKILL for cross-tenant access met by %s, not a mere EPERM", async (_why, tenant, path, rule, effect) => {
    const k = await kernel();
    const a = await k.spawn({ tenant, source: `export default async function main() {
      try { await sys.fs.read(${JSON.stringify(path)}); } catch (e) { await sys.fs.write("/mem/working/after", e.code); return "caught " + e.code; }
      return "read it";
    }` });
    const exit = await a.wait();
    expect(exit).toMatchObject({ status: "killed", signal: "SIGTRUST", violations: [{ syscall: "fs.read", target: path, rule, effect, outcome: "killed", signal: "SIGTRUST" }] });
    // Nothing ran after it: the catch block's write never happened.
    const ns = await k.namespace(tenant);
    await expect(ns.read("/mem/working/after")).rejects.toMatchObject({ code: "ENOENT" });
    await new Promise((r) => setTimeout(r, 20));
    const signals = k.recorder.records().filter((r) => r.kind === "signal" && (r as { agent: { id: string } }).agent.id === a.id).map((r) => (r as unknown as { signal: string }).signal);
    expect(signals).toEqual(["SIGTRUST", "SIGKILL"]);
    // The other tenant is untouched and the kernel goes on.
    expect(await (await k.namespace("globex")).read("/mem/working/secret.txt")).toBe("globex payroll");
    expect(await k.run({ tenant: "globex", source: read("/mem/semantic/catalog.txt") })).toMatchObject({ status: "exited" });
  });

  it("read /tenants/<own>/tenants/<other>/x as the other tenant's /x: decided, checked and done as that one access", async () => {
    const k = await kernel();
    // The own-tenant prefix is only another name: what follows it still reaches into globex.
    const denied = await k.run({ tenant: "acme", source: `export default async function main() {
      try { return await sys.fs.read("/tenants/acme/tenants/globex/mem/working/secret.txt"); } catch (e) { return e.code; }
    }` });
    expect(denied).toMatchObject({ status: "killed", signal: "SIGTRUST", violations: [{ target: "/tenants/globex/mem/working/secret.txt", rule: "no-globex-working", signal: "SIGTRUST" }] });
    // An access the policy allows reads the file it was decided on, not a path in acme's own namespace.
    const allowed = await k.run({ tenant: "acme", source: read("/tenants/acme/tenants/acme/tenants/globex/mem/semantic/catalog.txt") });
    expect(allowed).toMatchObject({ status: "exited", result: "widgets: 3", violations: [] });
  });

  it("make no namespace for a tenant that is only read from: reads of /tenants/<any name>/… leave nothing behind", async () => {
    const k = await kernel();
    const before = k.core.tenants().sort();
    const probe = await k.run({ tenant: "acme", source: `export default async function main() {
      const codes = [];
      for (let i = 0; i < 50; i++) { try { await sys.fs.read("/tenants/t" + i + "/mem/semantic/catalog.txt"); } catch (e) { codes.push(e.code); } }
      return [...new Set(codes)];
    }` });
    expect(probe).toMatchObject({ status: "exited", result: ["ENOENT"], violations: [] });
    expect(k.core.tenants().sort()).toEqual(before);
    // A tenant that has a namespace is still read as it is.
    expect(await k.run({ tenant: "acme", source: read("/tenants/globex/mem/semantic/catalog.txt") })).toMatchObject({ status: "exited", result: "widgets: 3" });
  });

  it("give each tenant its own pipes: a message sent in one tenant never reaches another", async () => {
    const k = await kernel();
    await k.run({ tenant: "acme", name: "writer", source: `export default async function main() { await sys.pipe.send("notes", { text: "acme only" }); }` });
    const other = await k.run({ tenant: "globex", name: "reader", source: `export default async function main() { try { return await sys.pipe.recv("notes"); } catch (e) { return e.code; } }` });
    expect(other).toMatchObject({ status: "exited", result: "ETIMEDOUT" });
    const same = await k.run({ tenant: "acme", name: "reader", source: `export default async function main() { return await sys.pipe.recv("notes"); }` });
    expect(same).toMatchObject({ status: "exited", result: { text: "acme only" } });
  });
});
