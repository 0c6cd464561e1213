import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { descendantsOf, machineFacts, ProcessSampler, pidsByCommand, processRssBytes } from '../../bench/lib/sample.js';

/**
 * Measured on real processes: one child spins a core, one sleeps. Each says "ready" once Node has
 * started, so the sampler sees them working or idle rather than starting up.
 */
const BUSY = "process.stdout.write('ready\\n'); const t = Date.now(); while (Date.now() - t < 4000) {}";
const IDLE = "process.stdout.write('ready\\n'); setTimeout(() => {}, 4000)";

const children: ChildProcess[] = [];

async function startChild(script: string): Promise<number> {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  await once(child.stdout!, 'data');
  return child.pid!;
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

describe('the process sampler', () => {
  it('tells a busy process from an idle one, counts their memory, and finds them as descendants', async () => {
    const [busy, idle] = await Promise.all([startChild(BUSY), startChild(IDLE)]);
    const sampler = new ProcessSampler([
      { name: 'busy', pids: () => [busy] },
      { name: 'idle', pids: () => [idle] },
      { name: 'gone', pids: () => [2 ** 22 + 1] },
    ]);
    sampler.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [busyUsage, idleUsage, goneUsage] = sampler.stop();

    expect(busyUsage!.name).toBe('busy');
    expect(busyUsage!.pids).toEqual([busy]);
    // No absolute rate: on a loaded machine (other test files run beside this one) the spinning child
    // gets only a share of a core. It still uses many times what the sleeping one does.
    expect(busyUsage!.cpuAvgPercent).toBeGreaterThan(5);
    expect(busyUsage!.cpuAvgPercent).toBeGreaterThan(4 * idleUsage!.cpuAvgPercent);
    expect(busyUsage!.cpuMaxPercent).toBeGreaterThanOrEqual(busyUsage!.cpuAvgPercent);
    expect(idleUsage!.cpuAvgPercent).toBeLessThan(5);
    for (const usage of [busyUsage!, idleUsage!]) {
      expect(usage.rssAvgBytes).toBeGreaterThan(10 * 1024 * 1024);
      expect(usage.rssMaxBytes).toBeGreaterThanOrEqual(usage.rssAvgBytes);
    }
    expect(goneUsage).toMatchObject({ pids: [], cpuAvgPercent: 0, rssMaxBytes: 0 });

    const family = descendantsOf(process.pid);
    expect(family[0]).toBe(process.pid);
    expect(family).toEqual(expect.arrayContaining([busy, idle]));
    expect(descendantsOf(busy)).toEqual([busy]);
  });

  it('finds processes by command line, and reads nothing for a process that is gone', () => {
    expect(pidsByCommand(/node/)).toContain(process.pid);
    expect(pidsByCommand(/no-such-command-anywhere-\d{9}/)).toEqual([]);
    expect(processRssBytes(process.pid)).toBeGreaterThan(10 * 1024 * 1024);
    expect(processRssBytes(2 ** 22 + 1)).toBe(0);
  });

  it('describes the machine', () => {
    const facts = machineFacts();
    expect(facts.cpus.count).toBeGreaterThan(0);
    expect(facts.cpus.model).not.toBe('');
    expect(facts.memoryBytes).toBeGreaterThan(0);
    expect(facts.node).toBe(process.version);
    expect(facts.openFileLimit).toBeGreaterThan(0);
    expect(facts.loadAverage).toHaveLength(3);
  });
});
