import { describe, expect, it } from 'vitest';
import { guestName } from '../../src/auth/guests.js';
import { ICONS } from '../../src/auth/icons.js';
import { isCommonPassword } from '../../src/auth/passwords.js';
import { fieldErrors, signupSchema, usernameSchema } from '../../src/auth/validation.js';

const form = { username: 'ada', first_name: 'Ada', last_name: '', password: 'a long enough phrase', icon: 'fox' };

describe('usernames', () => {
  it.each(['abc', 'Ada_Lovelace', 'x'.repeat(32), 'user_42'])('accepts %s', (name) => {
    expect(usernameSchema.safeParse(name).success).toBe(true);
  });
  it.each(['ab', 'x'.repeat(33), 'ada lovelace', 'ada-l', 'ädä', 'a@b', 'guest_x', 'GUEST_x'])('refuses %s', (name) => {
    expect(usernameSchema.safeParse(name).success).toBe(false);
  });
  it('makes guest names that are valid shapes but cannot be registered by hand', () => {
    for (let i = 0; i < 50; i++) {
      const { username, firstName } = guestName();
      expect(username).toMatch(/^guest_[a-z]+_[a-z]+_\d{4}$/);
      expect(username.length).toBeLessThanOrEqual(32);
      expect(firstName).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    }
  });
});

describe('passwords', () => {
  it('knows the most common passwords in any letter case', () => {
    for (const pw of ['123456', 'password', 'qwerty', 'iloveyou', 'PASSWORD1', 'Trustno1', 'sunshine']) {
      expect(isCommonPassword(pw)).toBe(true);
    }
    expect(isCommonPassword('a long and rather personal phrase')).toBe(false);
  });

  it('has no composition rules: a long all-lowercase phrase is fine', () => {
    expect(signupSchema.safeParse({ ...form, password: 'correct horse battery staple' }).success).toBe(true);
  });

  it('allows 256 characters and refuses 257', () => {
    expect(signupSchema.safeParse({ ...form, password: 'é'.repeat(256) }).success).toBe(true);
    expect(signupSchema.safeParse({ ...form, password: 'é'.repeat(257) }).success).toBe(false);
  });
});

describe('signup form', () => {
  it('offers at least 12 icons and only accepts those', () => {
    expect(ICONS.length).toBeGreaterThanOrEqual(12);
    expect(signupSchema.safeParse({ ...form, icon: '../../etc/passwd' }).success).toBe(false);
  });

  it('trims names, keeps the last name optional and refuses control characters', () => {
    const parsed = signupSchema.parse({ ...form, first_name: '  Ada  ', last_name: undefined });
    expect(parsed.first_name).toBe('Ada');
    expect(parsed.last_name).toBe('');
    expect(signupSchema.safeParse({ ...form, first_name: 'Ada\u0007' }).success).toBe(false);
  });

  it('reports the first problem of each field by name', () => {
    const result = signupSchema.safeParse({ username: 'a', first_name: '', password: 'short', icon: 'x' });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(Object.keys(fieldErrors(result.error)).sort()).toEqual(['first_name', 'icon', 'password', 'username']);
    }
  });
});

describe('passwords guessable on this site', () => {
  const base = { username: 'ada_l', first_name: 'Ada', last_name: 'Lovelace', icon: 'owl' };
  const refused = (password: string) => {
    const parsed = signupSchema.safeParse({ ...base, password });
    return parsed.success ? null : parsed.error.issues[0]!.message;
  };
  it("refuse the site's name and the person's own names, however dressed up with digits and symbols", () => {
    for (const password of ['Hubbub2026!', 'hubbub_hubbub'.slice(0, 6) + '12345', 'Lovelace1815', 'ADA_L!!!!!!!', '#GroupChat99']) {
      expect(refused(password), password).toMatch(/not your name or the name of this site/);
    }
  });
  it('allow a phrase that merely contains them', () => {
    expect(refused('hubbub is where Ada chats')).toBeNull();
  });
});
