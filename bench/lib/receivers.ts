import { Worker } from 'node:worker_threads';
import type { Command, SocketSpec } from './receiver-worker.js';

export type { SocketSpec };

export interface OpenResult {
  openedNs: bigint;
  readyNs: bigint;
  frames: number;
  bytes: number;
  error: string;
}

export interface MemberRecord {
  keys: number[];
  frames: number;
  bytes: number;
  closeCode: number;
  error: string;
}

export interface Collected {
  /** Every member, in the order they were opened. */
  members: MemberRecord[];
  /** Per message key: how many members got it, the last arrival and the due time (ms, monotonic). */
  perKey: Map<number, { count: number; lastMs: number; dueMs: number }>;
  /** One-way latency of every delivery (ms). */
  latencies: Float64Array;
}

interface Counts {
  deliveries: number;
  open: number;
  frames: number;
}

/** The members' sockets, spread over worker threads (see receiver-worker.ts). */
export class ReceiverPool {
  private nextId = 0;
  private readonly waiting = new Map<number, (result: unknown) => void>();
  /** Which worker holds each member, in opening order. */
  private readonly placement: number[] = [];

  private constructor(private readonly workers: Worker[]) {
    workers.forEach((worker) =>
      worker.on('message', ({ id, result }: { id: number; result: unknown }) => {
        this.waiting.get(id)?.(result);
        this.waiting.delete(id);
      }),
    );
  }

  static start(threads = 2): ReceiverPool {
    // A worker does not inherit tsx's loader on Node 20: it registers it, then loads the TypeScript.
    const url = new URL('./receiver-worker.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); })`;
    return new ReceiverPool(Array.from({ length: threads }, () => new Worker(boot, { eval: true })));
  }

  get size(): number {
    return this.placement.length;
  }

  private ask<T>(worker: Worker, command: Omit<Command, 'id'>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.waiting.set(id, resolve as (result: unknown) => void);
      worker.postMessage({ ...command, id });
    });
  }

  /** Opens the sockets (round-robin over the workers) and waits until each is ready or failed. */
  async open(sockets: SocketSpec[], { concurrency = 64, timeoutMs = 30_000 } = {}): Promise<OpenResult[]> {
    const shares: SocketSpec[][] = this.workers.map(() => []);
    sockets.forEach((spec, i) => shares[i % this.workers.length]!.push(spec));
    const perWorker = Math.max(1, Math.ceil(concurrency / this.workers.length));
    const answers = await Promise.all(
      this.workers.map((worker, w) =>
        this.ask<Array<Omit<OpenResult, 'openedNs' | 'readyNs'> & { openedNs: string; readyNs: string }>>(worker, {
          type: 'open',
          sockets: shares[w]!,
          concurrency: perWorker,
          timeoutMs,
        } as Omit<Command, 'id'>),
      ),
    );
    const results: OpenResult[] = [];
    sockets.forEach((_, i) => {
      const w = i % this.workers.length;
      const raw = answers[w]![Math.floor(i / this.workers.length)]!;
      this.placement.push(w);
      results.push({ ...raw, openedNs: BigInt(raw.openedNs), readyNs: BigInt(raw.readyNs) });
    });
    return results;
  }

  /** Deliveries counted so far (all time), open sockets, and frames since the last collect: for waiting until traffic has drained. */
  async count(): Promise<Counts> {
    const counts = await Promise.all(this.workers.map((worker) => this.ask<Counts>(worker, { type: 'count' })));
    return counts.reduce((a, b) => ({ deliveries: a.deliveries + b.deliveries, open: a.open + b.open, frames: a.frames + b.frames }), { deliveries: 0, open: 0, frames: 0 });
  }

  /** Waits until `expected` deliveries arrived, or nothing new came for `quietMs`, or `maxMs` passed. */
  async drain(expected: number, { quietMs = 3000, maxMs = 20_000 } = {}): Promise<void> {
    const started = Date.now();
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const { deliveries } = await this.count();
      if (deliveries >= expected) return;
      if (deliveries !== last) {
        last = deliveries;
        lastChange = Date.now();
      }
      if (Date.now() - lastChange > quietMs || Date.now() - started > maxMs) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** What every member saw since the last collect (and resets it). */
  async collect(): Promise<Collected> {
    type Raw = { members: MemberRecord[]; perKey: Array<[number, number, number, number]>; latencies: Float64Array };
    const raws = await Promise.all(this.workers.map((worker) => this.ask<Raw>(worker, { type: 'collect' })));
    const cursor = raws.map(() => 0);
    const members = this.placement.map((w) => raws[w]!.members[cursor[w]!++]!);
    const perKey = new Map<number, { count: number; lastMs: number; dueMs: number }>();
    for (const raw of raws) {
      for (const [key, count, lastMs, dueMs] of raw.perKey) {
        const seen = perKey.get(key);
        if (!seen) perKey.set(key, { count, lastMs, dueMs });
        else {
          seen.count += count;
          seen.lastMs = Math.max(seen.lastMs, lastMs);
        }
      }
    }
    const total = raws.reduce((sum, raw) => sum + raw.latencies.length, 0);
    const latencies = new Float64Array(total);
    let offset = 0;
    for (const raw of raws) {
      latencies.set(raw.latencies, offset);
      offset += raw.latencies.length;
    }
    return { members, perKey, latencies };
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.workers.map((worker) => this.ask(worker, { type: 'close' })));
    this.placement.length = 0;
  }

  async stop(): Promise<void> {
    await this.closeAll().catch(() => {});
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
