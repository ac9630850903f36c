// expect: {"status":"exited","result":{"frozen":[true,true,true,true],"binding":{"accessor":true,"setter":false,"configurable":false},"extensible":false}}
// Checks that sys and every object in it are frozen and that the global binding cannot be redefined.
export default async function main() {
  const d = Object.getOwnPropertyDescriptor(globalThis, "sys");
  return {
    frozen: [sys, sys.fs, sys.pipe, sys.net].map(Object.isFrozen),
    binding: { accessor: typeof d.get === "function", setter: d.set !== undefined, configurable: d.configurable },
    extensible: Object.isExtensible(sys),
  };
}
