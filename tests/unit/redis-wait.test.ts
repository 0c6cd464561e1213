import { describe, expect, it } from 'vitest';
import { RedisWaitExceeded, withinRedisWait } from '../../src/realtime/redis-wait.js';

describe('waiting on Redis', () => {
  it('gives the answer that comes in time', async () => {
    await expect(withinRedisWait('a test', Promise.resolve(42), 200)).resolves.toBe(42);
  });

  it("passes a command's own failure on", async () => {
    await expect(withinRedisWait('a test', Promise.reject(new Error('connection closed')), 200)).rejects.toThrow('connection closed');
  });

  it('gives up on a command that gets no answer, naming it, and ignores an answer that comes later', async () => {
    let answer!: (value: number) => void;
    const late = new Promise<number>((resolve) => (answer = resolve));
    const waited = withinRedisWait('a publish', late, 300);
    const outcome = await waited.then(
      () => 'answered',
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(RedisWaitExceeded);
    expect((outcome as Error).message).toBe('Redis did not answer a publish within 300 ms');
    answer(1);
    await expect(waited).rejects.toBeInstanceOf(RedisWaitExceeded);
  });

  it('keeps the waits apart: one stalled command does not fail the others', async () => {
    const stalled = withinRedisWait('a stalled one', new Promise<never>(() => {}), 250);
    const quick = withinRedisWait('a quick one', new Promise<string>((resolve) => setTimeout(() => resolve('ok'), 50)), 250);
    await expect(quick).resolves.toBe('ok');
    await expect(stalled).rejects.toBeInstanceOf(RedisWaitExceeded);
  });
});
