// expect: {"status":"crashed","error":{"code":null},"violations":[]}
// Creates millions of resolved promises with pending reactions: the heap limit stops it inside the guest.
// limits: {"sliceTicks": 100000, "sliceMs": 60000}
export default async function main() {
  const all = [];
  for (let i = 0; i < 1e7; i++) all.push(Promise.resolve(i).then((x) => x + 1));
  await Promise.all(all);
  return "flooded";
}
