// expect: {"status":"exited","result":{"own":true,"polluted":"undefined","items":["__proto__","constructor"]}}
// A tool result that carries "__proto__" keys back into the guest (tags echoes its items): parsed as plain data.
export default async function main() {
  const items = await sys.tool("tags", { items: ["__proto__", "constructor"] });
  const value = JSON.parse('{"__proto__":{"polluted":"yes"}}');
  return { own: Object.prototype.hasOwnProperty.call(value, "__proto__"), polluted: typeof ({}).polluted, items };
}
