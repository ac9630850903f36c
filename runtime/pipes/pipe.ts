// A typed pipe: a bounded FIFO of JSON values between agents of one tenant.
// The kernel decides each send and recv with the compiled policy; this module only performs the effect.
// recv is split in two so the decision can see the message about to be delivered:
//   peek() → decide → take(seq), or release(seq) when the decision refuses it.
// A peeked message is *offered* to that one receiver until it takes or releases it: other
// receivers are offered the next message, so a pool of readers never races for one message
// (no thundering herd: a message wakes one waiting receiver). A message a reader was refused is
// not offered to that reader again, so a reader the policy keeps from one message goes on with the
// next ones while the refused message waits for a reader that may have it.
import type { TypeDesc } from "../../stdlib/abi/types.js";
import { conforms } from "../../stdlib/abi/conforms.js";
import { SyscallError } from "../kernel/errors.js";

export interface PipeOptions {
  name: string;
  capacity: number;
  /** The declared message type; null/undefined accepts any JSON value. */
  carries?: TypeDesc | null;
}

export interface WaitOptions {
  /** Give up with ETIMEDOUT after this many ms; undefined waits forever; <= 0 never waits. */
  timeoutMs?: number;
  /** When it aborts (the agent ended), the wait is dropped and rejects with EIO "agent ended". */
  signal?: AbortSignal;
  /** Who is reading (peek): messages this reader was refused are not offered to it again. */
  reader?: string;
  /** Who is sending (send): a rollback of that sender withdraws its own messages only. */
  sender?: string;
}

/** A queued or delivered message, with who sent it and (once taken) who received it. */
interface Entry { seq: number; message: unknown; from?: string; to?: string }

/** Delivered messages a pipe keeps at most for rollback, while checkpoints hold read positions. */
export const RETAIN_DELIVERED = 1024;

export interface PipeMark { pin: number; sendSeq: number; readSeq: number; closed: boolean }

export type PeekResult = { message: unknown; seq: number } | { closed: true };

export interface PipeStats {
  length: number;
  capacity: number;
  closed: boolean;
  sent: number;
  received: number;
  waitingSenders: number;
  waitingReceivers: number;
  highWater: number;
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: SyscallError): void;
  cleanup(): void;
}

interface SendWaiter extends Waiter<void> { message: unknown; from?: string }
interface RecvWaiter extends Waiter<PeekResult> { reader?: string }

function copyJson(v: unknown): unknown {
  let s: string | undefined;
  try { s = JSON.stringify(v); } catch { s = undefined; }
  if (s === undefined) throw new SyscallError("EINVAL", "pipe message is not a JSON value");
  return JSON.parse(s);
}

export class Pipe {
  readonly name: string;
  readonly capacity: number;
  readonly carries: TypeDesc | null;

  private readonly queue: Entry[] = [];
  /** Messages peeked by a receiver that has not taken or released them yet. */
  private readonly offered = new Set<number>();
  /** Per message: the readers whose delivery of it was refused. */
  private readonly refused = new Map<number, Set<string>>();
  /** Delivered messages kept for rollback while some checkpoint may rewind past them (oldest first). */
  private readonly delivered: Entry[] = [];
  /** Checkpoints holding a read position: delivered messages from the lowest one on are kept. */
  private readonly pins = new Map<number, number>();
  private nextPin = 0;
  /** The newest delivered message dropped from `delivered` for want of room (-1: none). */
  private evictedSeq = -1;
  private readonly senders: SendWaiter[] = [];
  private readonly receivers: RecvWaiter[] = [];
  private nextSeq = 0;
  private closedFlag = false;
  private sentCount = 0;
  private receivedCount = 0;
  private high = 0;

  constructor(opts: PipeOptions) {
    if (!Number.isSafeInteger(opts.capacity) || opts.capacity < 1) {
      throw new RangeError(`pipe ${opts.name}: capacity must be a positive integer, got ${opts.capacity}`);
    }
    this.name = opts.name;
    this.capacity = opts.capacity;
    this.carries = opts.carries ?? null;
  }

  get closed(): boolean { return this.closedFlag; }

  /** Enqueues a deep copy of `message`; waits (FIFO among senders) while the pipe is full. */
  send(message: unknown, opts: WaitOptions = {}): Promise<void> {
    let copy: unknown;
    try {
      copy = copyJson(message);
      if (this.carries && !conforms(this.carries, copy)) {
        throw new SyscallError("EINVAL", `message does not conform to the type of pipe ${this.name}`);
      }
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.closedFlag) return Promise.reject(new SyscallError("EPIPE", `pipe ${this.name} is closed`));
    if (opts.signal?.aborted) return Promise.reject(agentEnded());
    if (this.senders.length === 0 && this.queue.length < this.capacity) {
      this.enqueue(copy, opts.sender);
      return Promise.resolve();
    }
    return this.wait<void>(this.senders, opts, `send on pipe ${this.name}`, (w) => Object.assign(w, { message: copy, from: opts.sender }));
  }

  /**
   * Waits for the oldest message not offered to another receiver, and offers it to this one (it
   * stays queued until `take(seq)` or `release(seq)`); `{ closed: true }` once closed and drained.
   */
  peek(opts: WaitOptions = {}): Promise<PeekResult> {
    if (opts.signal?.aborted) return Promise.reject(agentEnded());
    const now = this.offer(opts.reader);
    if (now) return Promise.resolve(now);
    return this.wait<PeekResult>(this.receivers, opts, `recv on pipe ${this.name}`, (w) => Object.assign(w, { reader: opts.reader }));
  }

  /**
   * Removes and returns message `seq` (from peek), or without `seq` the head. EAGAIN when that
   * message is no longer queued (the pipe was rolled back meanwhile), or the pipe is empty.
   */
  take(seq?: number, reader?: string): unknown {
    const i = seq === undefined ? 0 : this.queue.findIndex((q) => q.seq === seq);
    const entry = this.queue[i];
    if (!entry) throw new SyscallError("EAGAIN", seq === undefined || this.queue.length === 0 ? `pipe ${this.name} is empty` : `pipe ${this.name}: message ${seq} is gone`);
    this.queue.splice(i, 1);
    this.offered.delete(entry.seq);
    this.refused.delete(entry.seq);
    this.receivedCount++;
    if (this.pins.size > 0) {
      entry.to = reader;
      this.delivered.push(entry);
      if (this.delivered.length > RETAIN_DELIVERED) this.evictedSeq = this.delivered.shift()!.seq;
    }
    // Admit waiting senders in FIFO order.
    while (this.queue.length < this.capacity && this.senders.length > 0) {
      const w = this.senders.shift()!;
      w.cleanup();
      this.enqueue(w.message, w.from);
      w.resolve();
    }
    if (this.closedFlag && this.queue.length === 0) this.wakeReceivers();
    return entry.message;
  }

  /**
   * A receiver will not take message `seq` after all: offer it again. With `refusedTo`, the
   * delivery was refused to that reader, which is not offered this message again.
   */
  release(seq: number, refusedTo?: string): void {
    if (!this.offered.delete(seq)) return;
    if (refusedTo !== undefined) {
      let set = this.refused.get(seq);
      if (!set) this.refused.set(seq, (set = new Set()));
      set.add(refusedTo);
    }
    this.wakeReceivers();
  }

  /** Closes the pipe: further sends and blocked senders fail with EPIPE; readers drain, then see closed. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const w of this.senders.splice(0)) {
      w.cleanup();
      w.reject(new SyscallError("EPIPE", `pipe ${this.name} closed`));
    }
    if (this.queue.length === 0) this.wakeReceivers();
  }

  /**
   * The pipe's positions for a checkpoint: the sequence number the next message sent will get,
   * and that of the next message to be delivered. Pins the read position so that the messages
   * delivered after it are kept (up to RETAIN_DELIVERED) and `rewind` can hand them out again.
   */
  mark(): PipeMark {
    const pin = this.nextPin++;
    const readSeq = this.queue[0]?.seq ?? this.nextSeq;
    this.pins.set(pin, readSeq);
    return { pin, sendSeq: this.nextSeq, readSeq, closed: this.closedFlag };
  }

  /** Lets go of a mark: delivered messages nobody can rewind to any more are dropped. */
  unpin(pin: number): void {
    this.pins.delete(pin);
    const low = Math.min(...this.pins.values());
    while (this.delivered.length > 0 && !(this.delivered[0]!.seq >= low)) this.delivered.shift();
  }

  /**
   * Puts the messages delivered since `mark` back at the head, in order (the reader is rolled
   * back). Fails with ENOSPC when some of them are no longer kept. Returns how many came back.
   */
  rewind(mark: PipeMark, received: (reader: string | undefined) => boolean = () => true): number {
    if (this.evictedSeq >= mark.readSeq) {
      throw new SyscallError("ENOSPC", `pipe ${this.name}: only the last ${RETAIN_DELIVERED} delivered messages are kept for rollback`);
    }
    // Only what this reader received: another reader's messages were processed by that reader.
    const back = this.delivered.filter((d) => d.seq >= mark.readSeq && received(d.to));
    const kept = this.delivered.filter((d) => !(d.seq >= mark.readSeq && received(d.to)));
    this.delivered.length = 0;
    this.delivered.push(...kept);
    this.queue.unshift(...back);
    this.receivedCount -= back.length;
    if (this.queue.length > this.high) this.high = this.queue.length;
    this.wakeReceivers();
    return back.length;
  }

  /**
   * Withdraws the messages sent since `mark` that are still queued (the sender is rolled back and
   * will send them again), and reopens the pipe if it was open at the mark. Returns how many were
   * withdrawn and how many had already been delivered (those cannot be recalled).
   */
  retract(mark: PipeMark, sent: (sender: string | undefined) => boolean = () => true): { withdrawn: number; delivered: number } {
    const before = this.queue.length;
    // Only this sender's messages: another sender was told its send succeeded.
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const { seq, from } = this.queue[i]!;
      if (seq >= mark.sendSeq && sent(from)) { this.queue.splice(i, 1); this.offered.delete(seq); this.refused.delete(seq); }
    }
    const withdrawn = before - this.queue.length;
    this.sentCount -= withdrawn;
    if (!mark.closed) this.closedFlag = false;
    // Room was made: admit waiting senders.
    while (this.queue.length < this.capacity && this.senders.length > 0) {
      const w = this.senders.shift()!;
      w.cleanup();
      this.enqueue(w.message, w.from);
      w.resolve();
    }
    // This sender's messages since the mark that a reader already took (kept while the mark pins them).
    return { withdrawn, delivered: this.delivered.filter((d) => d.seq >= mark.sendSeq && sent(d.from)).length };
  }

  stats(): PipeStats {
    return {
      length: this.queue.length,
      capacity: this.capacity,
      closed: this.closedFlag,
      sent: this.sentCount,
      received: this.receivedCount,
      waitingSenders: this.senders.length,
      waitingReceivers: this.receivers.length,
      highWater: this.high,
    };
  }

  /** The oldest message nobody is offered yet (and this reader was not refused), now offered to
   * the caller; closed once nothing is left that this reader could get. */
  private offer(reader?: string): PeekResult | null {
    let mine = 0;
    for (const q of this.queue) {
      if (reader !== undefined && this.refused.get(q.seq)?.has(reader)) continue;
      mine++;
      if (this.offered.has(q.seq)) continue;
      this.offered.add(q.seq);
      return { message: copyJson(q.message), seq: q.seq };
    }
    if (this.closedFlag && mine === 0) return { closed: true };
    return null;
  }

  private enqueue(message: unknown, from?: string): void {
    this.queue.push({ seq: this.nextSeq++, message, from });
    this.sentCount++;
    if (this.queue.length > this.high) this.high = this.queue.length;
    this.wakeReceivers();
  }

  /** Hands each free message to one waiting receiver, oldest first; all of them see a drained close. */
  private wakeReceivers(): void {
    for (let i = 0; i < this.receivers.length;) {
      const w = this.receivers[i]!;
      const now = this.offer(w.reader);
      if (!now) { i++; continue; }
      this.receivers.splice(i, 1);
      w.cleanup();
      w.resolve(now);
    }
  }

  private wait<T>(list: Waiter<T>[], opts: WaitOptions, what: string, make: (w: Waiter<T>) => Waiter<T>): Promise<T> {
    const { timeoutMs, signal } = opts;
    if (timeoutMs !== undefined && timeoutMs <= 0) {
      return Promise.reject(new SyscallError("ETIMEDOUT", `${what} timed out`));
    }
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const drop = (e: SyscallError) => {
        const i = list.indexOf(w);
        if (i < 0) return;
        list.splice(i, 1);
        w.cleanup();
        reject(e);
      };
      const onAbort = () => drop(agentEnded());
      const w = make({
        resolve,
        reject,
        cleanup: () => {
          if (timer !== undefined) clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
        },
      });
      list.push(w);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => drop(new SyscallError("ETIMEDOUT", `${what} timed out after ${timeoutMs} ms`)), timeoutMs);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

function agentEnded(): SyscallError {
  return new SyscallError("EIO", "agent ended");
}
