// The in-memory tree is copy-on-write by epoch: a directory may be changed in place only by the
// epoch that created it. Taking a snapshot starts a new epoch, so the snapshot keeps every node it
// saw unchanged while later writes copy only the directories on their own path.
import { VfsError } from "./errors.js";

/** An identity token: two epochs are the same only if they are the same object. */
export type Epoch = { readonly __brand: "Epoch" };
export const newEpoch = (): Epoch => Object.freeze({}) as Epoch;

export interface FileNode { readonly kind: "file"; readonly data: string; readonly size: number }
export interface DirNode { readonly kind: "dir"; readonly epoch: Epoch; readonly children: Map<string, MemNode> }
export type MemNode = FileNode | DirNode;

export const emptyDir = (epoch: Epoch): DirNode => ({ kind: "dir", epoch, children: new Map() });

/** The node at `segs`, or undefined when missing. ENOTDIR when a parent is a file. */
export function lookup(root: DirNode, segs: readonly string[], rel: string): MemNode | undefined {
  let node: MemNode = root;
  for (const s of segs) {
    if (node.kind !== "dir") throw new VfsError("ENOTDIR", rel, "a parent is a file");
    const next = node.children.get(s);
    if (next === undefined) return undefined;
    node = next;
  }
  return node;
}

/** A directory the current epoch may change: itself, or a shallow copy owned by `epoch`. */
export function own(dir: DirNode, epoch: Epoch): DirNode {
  return dir.epoch === epoch ? dir : { kind: "dir", epoch, children: new Map(dir.children) };
}

/**
 * Makes every directory on `segs` writable in `epoch`, creating missing ones, and returns the new
 * root and the last directory. The caller has already checked that no segment names a file.
 */
export function ownPath(root: DirNode, segs: readonly string[], epoch: Epoch): { root: DirNode; dir: DirNode } {
  const newRoot = own(root, epoch);
  let dir = newRoot;
  for (const s of segs) {
    const child = dir.children.get(s);
    const next = child === undefined ? emptyDir(epoch) : own(child as DirNode, epoch);
    if (next !== child) dir.children.set(s, next);
    dir = next;
  }
  return { root: newRoot, dir };
}

/** The largest file below `dir`, for checking a snapshot made under other limits. */
export function largestFile(dir: DirNode): number {
  let max = 0;
  for (const n of dir.children.values()) max = Math.max(max, n.kind === "file" ? n.size : largestFile(n));
  return max;
}
