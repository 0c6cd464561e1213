import { describe, expect, it } from 'vitest';
import { usernameSkeleton } from '../../src/auth/usernames.js';
import { signupSchema } from '../../src/auth/validation.js';
import { validSignup } from '../support/browser.js';

const username = (value: string) => {
  const parsed = signupSchema.safeParse(validSignup({ username: value }));
  return parsed.success ? parsed.data.username : `refused: ${parsed.error.issues[0]!.message}`;
};

describe('usernames', () => {
  it('are normalised once with NFKC: fullwidth letters become plain ones', () => {
    expect(username('ａｌｉｃｅ＿１')).toBe('alice_1');
    expect(username('  Bob  ')).toBe('Bob');
  });

  it('refuse letters outside ASCII that NFKC keeps (Cyrillic look-alikes, accents, zero-width)', () => {
    expect(username('аlice')).toMatch(/^refused: Use only letters, digits and _/); // Cyrillic а
    expect(username('alice\u200b')).toMatch(/^refused/);
    expect(username('zoë')).toMatch(/^refused/);
    expect(username('ali\u202ece')).toMatch(/^refused/);
  });

  it('share a skeleton with their look-alikes, so the second of a pair is refused', () => {
    expect(usernameSkeleton('AIice')).toBe(usernameSkeleton('alice')); // capital i
    expect(usernameSkeleton('a1ice')).toBe(usernameSkeleton('Alice'));
    expect(usernameSkeleton('b0b')).toBe(usernameSkeleton('BOB'));
    expect(usernameSkeleton('rnary')).toBe(usernameSkeleton('mary'));
    expect(usernameSkeleton('vvendy')).toBe(usernameSkeleton('wendy'));
    expect(usernameSkeleton('alice')).not.toBe(usernameSkeleton('alike'));
  });
});
