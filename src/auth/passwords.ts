import { createRequire } from 'node:module';
import { type Algorithm, hash, verify } from '@node-rs/argon2';

// OWASP's argon2id parameters. `Algorithm` is a const enum in the typings; 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// Verified when the username is unknown, so both failures cost one argon2 run and look alike. Made
// at the first sign-in rather than at start, which it would slow down.
let decoyHash: Promise<string> | undefined;

/** Checks a password against a stored hash; with no hash it still does the same work, then fails. */
export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  if (!storedHash) {
    decoyHash ??= hashPassword('decoy password never issued to anyone');
    await verify(await decoyHash, password).catch(() => false);
    return false;
  }
  return verify(storedHash, password).catch(() => false);
}

// ~49,000 passwords seen most often in breaches, ranked; matched without regard to case. Loaded at
// the first password chosen (~20 ms and a few MB), not at start: most instances rarely see one.
let common: Set<string> | undefined;

export function isCommonPassword(password: string): boolean {
  if (!common) {
    const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as { dictionary: Record<string, string[]> };
    common = new Set(dictionary['passwords-common']!.map((word) => word.toLowerCase()));
  }
  return common.has(password.toLowerCase());
}

// Words anyone would try first against this site (ASVS V6.1.2): its name and what it is about.
export const CONTEXT_WORDS = ['hubbub', 'hubbubchat', 'chat', 'groupchat', 'chatroom', 'lobby', 'guest', 'admin', 'welcome'];
const letters = (text: string) => text.toLowerCase().replace(/[^\p{L}]/gu, '');

/**
 * True when, without its digits, symbols and capitals, the password is one of those words or one of
 * the person's own names (`Hubbub2024!`, `ada_1815`); a phrase that merely contains them is fine.
 */
export function isGuessableHere(password: string, personal: string[]): boolean {
  const core = letters(password);
  return core.length > 0 && [...CONTEXT_WORDS, ...personal.map(letters)].includes(core);
}
