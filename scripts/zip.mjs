// A minimal ZIP writer (PKWARE APPNOTE 6.3: local headers, deflate or store, central directory),
// enough for a .vsix. Entries keep the order given; times are fixed, so the same files give the
// same bytes.
import { crc32, deflateRawSync } from "node:zlib";

/** 1980-01-01 00:00 in MS-DOS form, the earliest a ZIP can say. */
const DOS_TIME = 0, DOS_DATE = (0 << 9) | (1 << 5) | 1;
const UTF8_NAMES = 0x0800;

const u16 = (n) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };

/** @param {{ name: string, data: Buffer | string }[]} entries @returns {Buffer} */
export function zip(entries) {
  const locals = [], centrals = [];
  let offset = 0;
  const seen = new Set();
  for (const e of entries) {
    if (seen.has(e.name) || e.name.startsWith("/") || e.name.includes("\\")) throw new Error(`zip: bad or repeated entry name ${e.name}`);
    seen.add(e.name);
    const name = Buffer.from(e.name, "utf8");
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data, "utf8");
    const deflated = deflateRawSync(data, { level: 9 });
    const [method, body] = deflated.length < data.length ? [8, deflated] : [0, data];
    const crc = crc32(data);
    // The fields a local header and its central directory entry share, from "version needed" on.
    const shared = Buffer.alloc(26);
    shared.writeUInt16LE(20, 0); // version needed: 2.0 (deflate)
    shared.writeUInt16LE(UTF8_NAMES, 2);
    shared.writeUInt16LE(method, 4);
    shared.writeUInt16LE(DOS_TIME, 6);
    shared.writeUInt16LE(DOS_DATE, 8);
    shared.writeUInt32LE(crc, 10);
    shared.writeUInt32LE(body.length, 14);
    shared.writeUInt32LE(data.length, 18);
    shared.writeUInt16LE(name.length, 22); // then the extra field's length: 0
    const local = Buffer.concat([u32(0x04034b50), shared]);
    const tail = Buffer.alloc(14); // comment length, disk, internal attributes: 0
    tail.writeUInt32LE((0o100644 << 16) >>> 0, 6); // a regular file, rw-r--r--
    tail.writeUInt32LE(offset, 10);
    const central = Buffer.concat([u32(0x02014b50), u16((3 << 8) | 20) /* made by: Unix, 2.0 */, shared, tail]);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}
