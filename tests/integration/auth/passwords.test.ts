import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../../src/db/schema.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { Browser, validSignup } from '../../support/browser.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await new Browser(t.app).post('/signup/', validSignup({ username: 'hashed_hal', password: 'Pässwörd mit Umlauten 9' }));
});
afterAll(() => t.close());

const signIn = (username: string, password: string) => new Browser(t.app).post('/login/', { username, password });

describe('stored passwords', () => {
  it('are argon2id hashes with m=19456 KiB, t=2, p=1, never the password', async () => {
    const [row] = await t.db.select().from(users).where(eq(users.username, 'hashed_hal'));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(row!.passwordHash).not.toContain('Umlauten');
  });

  it('are checked exactly as typed: no trimming, no case folding, no Unicode normalisation', async () => {
    expect((await signIn('hashed_hal', 'Pässwörd mit Umlauten 9')).status).toBe(303);
    expect((await signIn('hashed_hal', ' Pässwörd mit Umlauten 9')).status).toBe(401);
    expect((await signIn('hashed_hal', 'pässwörd mit umlauten 9')).status).toBe(401);
    // The same text with decomposed umlauts (a + combining diaeresis) is another password.
    expect((await signIn('hashed_hal', 'Pässwörd mit Umlauten 9'.normalize('NFD'))).status).toBe(401);
  });

  it('cost an unknown name the same argon2 work as a wrong password (no fast path that tells them apart)', async () => {
    const time = async (username: string) => {
      const started = performance.now();
      await signIn(username, 'not the password at all');
      return performance.now() - started;
    };
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      wrong.push(await time('hashed_hal'));
      unknown.push(await time(`nobody_${i}`));
    }
    // A database miss alone answers in about a millisecond and argon2 takes tens: a skipped hash would
    // show as a ratio near 0.02. The margin is wide because this machine is shared and noisy.
    expect(median(unknown) / median(wrong)).toBeGreaterThan(0.3);
  });
});
