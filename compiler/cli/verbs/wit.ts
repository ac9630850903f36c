// `acpc wit`: prints wit/policy.wit, the world a policy component (`compile --component`) implements.
import { policyWit } from "../../component.js";
import { EXIT, UsageError, checkFlags, parseArgs, type Io } from "../io.js";

export function witVerb(argv: string[], io: Io): number {
  const args = parseArgs(argv, []);
  checkFlags(args, ["--json"]);
  if (args.positional.length) throw new UsageError("usage: acpc wit [--json]");
  const wit = policyWit();
  io.out(args.flags.has("--json") ? JSON.stringify({ ok: true, world: "acp:policy/decider@0.1.0", wit }) : wit.trimEnd());
  return EXIT.ok;
}
