import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guaranteeReport, writeReport } from './support/report.js';
import { type Stack, startStack } from './support/scenario.js';
import { now } from './support/util.js';

// A thousand people press "Sign up" for the same username at the same moment, half of them on each
// instance: exactly one gets the account (303 with a session), every other one is told the name is
// taken (409), and the database holds one user of that name. Each sign-up hashes its password with
// argon2 before the insert, so the race window is wide. (tests/integration/auth/signup-race.test.ts
// races the JSON API in one process; this is the form, on two instances and a real PostgreSQL.)
const ATTEMPTS = 1_000;

describe('a thousand simultaneous sign-ups of one username', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it(`${ATTEMPTS} sign-ups of one name over both instances make exactly one account`, async () => {
    const urls = stack.cluster.urls;
    const username = `racer_${Date.now().toString(36)}`;
    const began = now();
    const outcomes = await Promise.all(
      Array.from({ length: ATTEMPTS }, async (_, i) => {
        const baseUrl = urls[i % urls.length]!;
        // Different letter cases and passwords: the name is what collides.
        const form = { username: i % 2 ? username.toUpperCase() : username, first_name: `Racer${i}`, last_name: '', password: `contender number ${i}`, icon: 'owl' };
        try {
          const response = await fetch(`${baseUrl}/signup/`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl },
            body: new URLSearchParams(form).toString(),
            redirect: 'manual',
            signal: AbortSignal.timeout(150_000),
          });
          await response.arrayBuffer();
          const session = response.headers.getSetCookie().some((line) => line.startsWith('hubbub_session='));
          return { status: response.status, session, at: now() - began };
        } catch (error) {
          return { status: 0, session: false, at: now() - began, error: String(error) };
        }
      }),
    );
    const durationMs = now() - began;
    const sql = postgres(stack.postgres.url, { max: 1, onnotice: () => {} });
    const rows = await sql<{ username: string }[]>`select username from users where lower(username) = ${username.toLowerCase()}`.finally(() => sql.end({ timeout: 5 }));

    const statuses: Record<string, number> = {};
    for (const { status } of outcomes) statuses[status] = (statuses[status] ?? 0) + 1;
    const winners = outcomes.filter((outcome) => outcome.status === 303 && outcome.session);
    const problems = [
      ...(winners.length === 1 ? [] : [`${winners.length} sign-ups succeeded (303 with a session), not 1`]),
      ...(statuses[409] === ATTEMPTS - 1 ? [] : [`${statuses[409] ?? 0} were told the name is taken (409), not ${ATTEMPTS - 1}`]),
      ...(rows.length === 1 ? [] : [`${rows.length} users of that name in the database, not 1`]),
    ];
    const failures = outcomes.filter((outcome) => 'error' in outcome).slice(0, 3);
    if (failures.length > 0) console.log(`[fault] sign-ups that got no answer, e.g.: ${failures.map((f) => (f as { error: string }).error).join('; ')}`);
    writeReport(
      guaranteeReport({
        file: import.meta.url,
        scenario: `${ATTEMPTS} simultaneous sign-ups of one username`,
        fault: `${ATTEMPTS} POST /signup/ forms for one username (letter case varies), alternating over the instances, all at once`,
        durationMs,
        instances: urls.length,
        figures: {
          attempts: ATTEMPTS,
          statuses: Object.entries(statuses)
            .map(([status, count]) => `${status}×${count}`)
            .join(' '),
          'users of that name': rows.length,
          'first answer ms': Math.round(Math.min(...outcomes.map((outcome) => outcome.at))),
          'last answer ms': Math.round(Math.max(...outcomes.map((outcome) => outcome.at))),
        },
        problems,
      }),
    );
    expect(statuses, 'answers by status').toEqual({ 303: 1, 409: ATTEMPTS - 1 });
    expect(winners, 'sign-ups that got a session').toHaveLength(1);
    expect(rows, 'users of that name in the database').toHaveLength(1);
  });
});
