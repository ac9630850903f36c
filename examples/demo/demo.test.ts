// The README's main job: `npm start` runs the demo on the embedded defaults and ends verified.
import { describe, expect, it } from "vitest";
import { demo } from "./main.js";

describe("npm start demo", () => {
  it("runs every scene to the outcome the README shows, and its flight log verifies", async () => {
    const { ok, exits } = await demo();
    expect(exits.payments).toMatchObject({ status: "exited", result: ["tx-1", "tx-2", "tx-3", "tx-4"] });
    expect(exits.rogue).toMatchObject({ status: "killed", signal: "SIGPOLICY", violations: [{ syscall: "net.fetch", rule: "no-unknown-hosts" }] });
    expect(exits.writer!.result).toEqual(Array.from({ length: 8 }, (_, i) => `finding ${i + 1}`));
    expect(ok).toBe(true);
  });
});
