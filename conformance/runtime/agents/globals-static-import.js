// expect: {"status":"crashed","error":{"name":"ReferenceError"},"violations":[],"syscalls":0}
// A static import of node:fs: the module cannot load, so the agent never starts.
import { readFileSync } from "node:fs";
export default async function main() {
  return readFileSync("/etc/passwd", "utf8");
}
