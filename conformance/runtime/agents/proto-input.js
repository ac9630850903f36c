// expect: {"status":"exited","result":{"own":true,"polluted":"undefined","protoIsObject":true,"x":1}}
// Input JSON with a "__proto__" key crosses into the guest: it must stay an own property, not the input's prototype.
// input: {"__proto__":{"polluted":"yes"},"x":1}
export default async function main(input) {
  return {
    own: Object.prototype.hasOwnProperty.call(input, "__proto__"),
    polluted: typeof ({}).polluted === "undefined" && typeof input.polluted === "undefined" ? "undefined" : "polluted",
    protoIsObject: Object.getPrototypeOf(input) === Object.prototype,
    x: input.x,
  };
}
