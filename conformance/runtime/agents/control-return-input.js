// expect: {"status":"exited","result":{"got":{"n":42,"list":[1,"two",null],"nested":{"ok":true}}},"violations":[],"syscalls":0}
// Control: returns its input as a JSON value.
// input: {"n":42,"list":[1,"two",null],"nested":{"ok":true}}
export default async function main(input) {
  return { got: input };
}
