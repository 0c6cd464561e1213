import { describe, expect, it } from 'vitest';
import { resumeAfter } from '../../src/realtime/cursor.js';

describe('where a reconnecting reader resumes', () => {
  it('takes a whole number in plain digits, and counts one beyond the log as its end', () => {
    expect(resumeAfter('0', 40)).toBe(0);
    expect(resumeAfter('17', 40)).toBe(17);
    expect(resumeAfter('900', 40)).toBe(40);
  });

  it('starts from now for anything else, rather than guessing (0x10 is not 16, an empty value is not 0)', () => {
    for (const value of [undefined, '', ' 5', '-1', '1e3', '0x10', '1.5', '5abc', "1' OR '1'='1", '9'.repeat(20)]) expect(resumeAfter(value, 40)).toBe(40);
  });
});
