import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLink } from './support/dead-link.js';
import { expectExactlyOnceInOrder } from './support/expect.js';
import { whoAmI } from './support/guests.js';
import { CLOSE_SILENT } from './support/members.js';
import { MAX_RECOVERY_MS, runScenario, type Stack, startStack } from './support/scenario.js';
import { now, sleep, waitUntil } from './support/util.js';

// A half-open connection: one member's link goes dead while traffic flows — nothing crosses it any
// more, not even a close. Neither end is told. The server must find out by itself (its pings go
// unanswered) and drop the socket, so the others see that person leave once the leave grace is
// over; the member's page must find out by itself too (its watchdog: 2.5 ping intervals of
// silence, close 4003) and, once the link works again, reconnect through it and catch up.
const LEAVE_GRACE_MS = 3_000;

describe('a half-open connection', () => {
  let stack: Stack;
  let links: DeadLink[] = [];
  beforeAll(async () => {
    stack = await startStack();
    links = await Promise.all(stack.cluster.urls.map((url) => DeadLink.start({ host: '127.0.0.1', port: Number(new URL(url).port) })));
  });
  afterAll(async () => {
    await Promise.all(links.map((link) => link.close()));
    await stack?.close();
  });

  it('a member whose link goes dead is dropped by the server, closes by itself (4003) and catches up once the link is back', async () => {
    const pingMs = stack.pingIntervalS * 1000;
    const { report, faultResult } = await runScenario(stack, {
      file: import.meta.url,
      name: 'half-open link (dead both ways)',
      fault: "member 0's link to the instances goes dead (nothing crosses, closes included) until its server drop, its own 4003 and the others' presence update were seen; then it works again",
      members: 10,
      trafficMs: 13_000,
      faultAtMs: 2_000,
      // Member 0 reaches the instances only through the links; every member keeps the presence list.
      memberOptions: (j) => ({ trackPresence: true, ...(j === 0 ? { urls: links.map((link) => link.url) } : {}) }),
      inject: async ({ members, mark }) => {
        const [victim, ...others] = members as [(typeof members)[0], ...typeof members];
        const username = await whoAmI(stack.cluster.urls[0]!, victim.guest);
        const listedBefore = others.every((member) => member.presence?.includes(username));
        const link = links[victim.instance]!;
        const connection = link.targetClosedAt.length - 1;
        const reconnectsBefore = victim.reconnects.length;
        const cutAt = now();
        for (const each of links) each.cutOff();
        mark(`link of member 0 (@${username}, instance ${victim.instance}) dead`);

        // The server drops the socket: the instance closes its end of the connection.
        await waitUntil(() => !Number.isNaN(link.targetClosedAt[connection]!), 10 * pingMs, 10);
        const serverDropMs = Number.isNaN(link.targetClosedAt[connection]!) ? null : Math.round(link.targetClosedAt[connection]! - cutAt);
        mark(serverDropMs === null ? 'the server never dropped the socket' : 'the server dropped the socket');
        // The page's watchdog closes its socket (4003) and starts reconnecting (through the dead link).
        await waitUntil(() => victim.reconnects.length > reconnectsBefore, 10 * pingMs, 10);
        const closed = victim.reconnects[reconnectsBefore];
        const watchdogMs = closed ? Math.round(closed.closedAt - cutAt) : null;
        mark(`member 0 closed its socket (${closed?.code ?? 'never'})`);
        // Everyone else's list of people loses the member once the leave grace is over.
        const gone = () => others.every((member) => member.presence !== null && !member.presence.includes(username));
        await waitUntil(gone, 10 * pingMs + LEAVE_GRACE_MS, 10);
        const presenceGoneMs = gone() ? Math.round(Math.max(...others.map((member) => member.presenceAt!)) - cutAt) : null;
        mark(presenceGoneMs === null ? "the others' lists still show member 0" : "member 0 left the others' lists");
        // Attempts made meanwhile have been waiting on the dead link; one more second of them.
        await sleep(1_000);
        const attemptsWhileDead = closed?.failedAttempts ?? 0;

        for (const each of links) each.restore();
        victim.linkRestored();
        const restoredAt = now();
        mark('link works again');
        return { username, listedBefore, serverDropMs, watchdogMs, closeCode: closed?.code ?? null, presenceGoneMs, attemptsWhileDead, restoredAt, victim, others };
      },
      assess: ({ faultResult }) => {
        const { victim, restoredAt, username, others } = faultResult!;
        const back = victim.reconnects.at(-1);
        const listedAgain = others.every((member) => member.presence?.includes(username));
        return {
          figures: {
            'server dropped the socket after ms': faultResult!.serverDropMs,
            'member closed it (4003) after ms': faultResult!.watchdogMs,
            "gone from others' lists after ms": faultResult!.presenceGoneMs,
            'attempts while dead': faultResult!.attemptsWhileDead,
            'link back → reopened ms': back?.openedAt == null ? null : Math.round(back.openedAt - restoredAt),
            'link back → caught up ms': back?.caughtUpAt == null ? null : Math.round(back.caughtUpAt - restoredAt),
            'listed again': listedAgain ? 'yes' : 'no',
          },
        };
      },
    });
    const result = faultResult!;
    expect(result.listedBefore, 'every other member listed member 0 before the link died').toBe(true);
    // The heartbeat drops a socket that missed one ping: within two intervals, three with slack.
    expect(result.serverDropMs, 'link dead → the server dropped the socket (ms)').not.toBeNull();
    expect(result.serverDropMs!).toBeLessThanOrEqual(3 * pingMs);
    expect(result.closeCode, "the member's watchdog closed the silent socket").toBe(CLOSE_SILENT);
    expect(result.watchdogMs!, 'link dead → the watchdog closed it (ms): 2.5 ping intervals').toBeLessThanOrEqual(3 * pingMs + 500);
    expect(result.presenceGoneMs, "member 0 left the others' lists").not.toBeNull();
    expect(result.presenceGoneMs!, "…once the leave grace was over after the server's drop").toBeGreaterThanOrEqual(result.serverDropMs! + LEAVE_GRACE_MS - 100);
    expect(result.presenceGoneMs!, "…and not much later (ms after the link died)").toBeLessThanOrEqual(3 * pingMs + LEAVE_GRACE_MS + 1_000);
    const back = result.victim.reconnects.at(-1)!;
    expect(back.instance, 'member 0 reconnected').not.toBeNull();
    expect(back.caughtUpAt! - result.restoredAt, 'link back → member 0 caught up (ms)').toBeLessThanOrEqual(MAX_RECOVERY_MS);
    expect(report.figures?.['listed again'], 'the others list member 0 again once it is back').toBe('yes');
    expectExactlyOnceInOrder(report);
  });
});
