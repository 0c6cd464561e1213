import { describe, expect, it } from 'vitest';
import { readTogether } from '../../src/read-together.js';

// A stand-in for the database: each read is held until the test answers it, so the test decides
// exactly which requests arrive while which reads are in flight.
function database() {
  const reads: Array<{ keys: string[]; answer: (rows: Record<string, number>) => void; fail: (error: Error) => void }> = [];
  const readMany = (keys: string[]) =>
    new Promise<Map<string, number>>((resolve, reject) => {
      reads.push({ keys, answer: (rows) => resolve(new Map(Object.entries(rows))), fail: reject });
    });
  return { reads, readMany };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('reads together', () => {
  it('reads at once while fewer than two reads are in flight', async () => {
    const db = database();
    const read = readTogether(db.readMany);
    const a = read('a');
    const b = read('b');
    expect(db.reads.map((r) => r.keys)).toEqual([['a'], ['b']]);
    db.reads[1]!.answer({ b: 2 });
    db.reads[0]!.answer({ a: 1 });
    expect(await Promise.all([a, b])).toEqual([1, 2]);
  });

  it('puts the reads that arrive meanwhile into one, each answered its own row, a missing one undefined', async () => {
    const db = database();
    const read = readTogether(db.readMany);
    const first = [read('a'), read('b')];
    const waiting = [read('c'), read('a'), read('c'), read('gone')];
    expect(db.reads).toHaveLength(2);
    db.reads[0]!.answer({ a: 1 });
    await settle();
    expect(db.reads.map((r) => r.keys)).toEqual([['a'], ['b'], ['c', 'a', 'gone']]);
    db.reads[2]!.answer({ c: 3, a: 10 });
    db.reads[1]!.answer({ b: 2 });
    expect(await Promise.all(first)).toEqual([1, 2]);
    // 'a' asked again after the first read of it had begun gets the later read's row, not the first's.
    expect(await Promise.all(waiting)).toEqual([3, 10, 3, undefined]);
  });

  it('fails every request of a failed read, and goes on with the next', async () => {
    const db = database();
    const read = readTogether(db.readMany, 1);
    const first = read('a');
    const second = [read('b'), read('c')];
    db.reads[0]!.fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await settle();
    db.reads[1]!.fail(new Error('still down'));
    await expect(Promise.all(second)).rejects.toThrow('still down');
    await expect(second[1]).rejects.toThrow('still down');
    const later = read('d');
    db.reads[2]!.answer({ d: 4 });
    expect(await later).toBe(4);
  });
});
