// Read-only files the kernel generates: `/policy` (the active policy's source and manifest) and
// `/tools` (one JSON descriptor per tool). A function entry is called on each read, so the file
// always shows the current value (say, after a policy reload) without rebuilding the mount.
import type { Backend, Stat } from "./backend.js";
import { VfsError } from "./errors.js";
import { relSegments } from "./rel-path.js";
import { utf8Bytes, wellFormed } from "../../stdlib/utf8.js";

export type SyntheticContent = string | (() => string);
export type SyntheticFiles = Readonly<Record<string, SyntheticContent>>;

type Entry = { kind: "file"; content: SyntheticContent } | { kind: "dir"; children: Set<string> };

export class SyntheticBackend implements Backend {
  private readonly entries = new Map<string, Entry>([["", { kind: "dir", children: new Set() }]]);

  /** Keys are mount-relative file paths; their parent directories exist implicitly. */
  constructor(files: SyntheticFiles) {
    for (const [rel, content] of Object.entries(files)) {
      const segs = relSegments(rel);
      if (segs.length === 0) throw new VfsError("EISDIR", rel, "a synthetic file needs a name");
      if (typeof content !== "string" && typeof content !== "function") throw new VfsError("EINVAL", rel, "synthetic content must be a string or a function");
      for (let i = 0; i < segs.length; i++) {
        const parent = this.entries.get(segs.slice(0, i).join("/"));
        if (parent?.kind !== "dir") throw new VfsError("ENOTDIR", rel, "a parent is a file");
        parent.children.add(segs[i]!);
        const here = segs.slice(0, i + 1).join("/");
        const last = i === segs.length - 1;
        const existing = this.entries.get(here);
        if (last && existing !== undefined) throw new VfsError("EEXIST", rel, "given twice or also used as a directory");
        if (last) this.entries.set(here, { kind: "file", content });
        else if (existing === undefined) this.entries.set(here, { kind: "dir", children: new Set() });
      }
    }
  }

  async read(rel: string): Promise<string> {
    return this.readNow(rel);
  }

  readNow(rel: string): string {
    const e = this.entry(rel);
    if (e.kind === "dir") throw new VfsError("EISDIR", rel);
    if (typeof e.content === "string") return wellFormed(e.content);
    let text: unknown;
    try {
      text = e.content();
    } catch (cause) {
      throw new VfsError("EIO", rel, "the kernel could not generate this file", { cause });
    }
    if (typeof text !== "string") throw new VfsError("EIO", rel, "the kernel generated a non-string");
    return wellFormed(text);
  }

  async write(rel: string, _data?: string): Promise<void> {
    relSegments(rel);
    throw new VfsError("EROFS", rel);
  }

  async remove(rel: string): Promise<void> {
    relSegments(rel);
    throw new VfsError("EROFS", rel);
  }

  async list(rel: string): Promise<string[]> {
    return this.listNow(rel);
  }

  listNow(rel: string): string[] {
    const e = this.entry(rel);
    if (e.kind === "file") throw new VfsError("ENOTDIR", rel);
    return [...e.children].sort();
  }

  async stat(rel: string): Promise<Stat | null> {
    relSegments(rel);
    const e = this.entries.get(rel);
    if (e === undefined) return null;
    return e.kind === "dir" ? { kind: "dir", size: 0 } : { kind: "file", size: utf8Bytes(await this.read(rel)) };
  }

  private entry(rel: string): Entry {
    const segs = relSegments(rel);
    const e = this.entries.get(rel);
    if (e !== undefined) return e;
    // Under a file, POSIX says ENOTDIR rather than ENOENT; the other backends agree.
    for (let i = segs.length - 1; i > 0; i--) {
      if (this.entries.get(segs.slice(0, i).join("/"))?.kind === "file") throw new VfsError("ENOTDIR", rel, "a parent is a file");
    }
    throw new VfsError("ENOENT", rel);
  }
}
