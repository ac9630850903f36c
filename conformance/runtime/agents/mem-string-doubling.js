// expect: {"status":"crashed","error":{"code":null},"violations":[]}
// Doubles a string until something gives: the heap limit (or the engine's string limit) stops it inside the guest.
// limits: {"sliceTicks": 100000}
export default async function main() {
  let s = "x";
  for (;;) s = s + s;
}
