import { z } from 'zod';
import { UNSHOWABLE } from '../http/visible-text.js';
import { ICONS, randomIcon } from './icons.js';
import { isCommonPassword, isGuessableHere } from './passwords.js';
import { normalizeUsername } from './usernames.js';

const codePoints = (value: string) => [...value].length;

export const usernameSchema = z
  .string({ error: 'Choose a username.' })
  .overwrite(normalizeUsername)
  .min(1, 'Choose a username.')
  .regex(/^[A-Za-z0-9_]*$/, 'Use only letters, digits and _ in your username.')
  .min(3, 'Your username needs at least 3 characters.')
  .max(32, 'Your username can have at most 32 characters.')
  .refine((name) => !name.toLowerCase().startsWith('guest_'), 'Usernames starting with guest_ are kept for guests.');

const nameSchema = (label: string, min: number) =>
  z
    .string()
    .trim()
    .min(min, `Tell us your ${label}.`)
    .max(50, `Your ${label} can have at most 50 characters.`)
    .refine((value) => !UNSHOWABLE.test(value), `Your ${label} contains characters that cannot be shown.`);

// Checked exactly as typed: no trimming, no composition rules, length in characters (not bytes).
export const newPasswordSchema = z
  .string({ error: 'Choose a password.' })
  .refine((pw) => codePoints(pw) >= 8, 'Your password needs at least 8 characters.')
  .refine((pw) => codePoints(pw) <= 256, 'Your password can have at most 256 characters.')
  .refine((pw) => !isCommonPassword(pw), 'This password is one of the most common ones; choose another.');

const iconSchema = z.enum(ICONS, { error: 'Pick one of the icons.' });

const signupFields = z.object({
  username: usernameSchema,
  first_name: nameSchema('first name', 1),
  last_name: nameSchema('last name', 0).default(''),
  password: newPasswordSchema,
  icon: iconSchema,
});

const passwordIsNotUsername = (form: { username: string; password: string }) =>
  form.password.toLowerCase() !== form.username.toLowerCase();
const passwordIsNotUsernameIssue = { path: ['password'], message: 'Your password must not be your username.' };

const passwordIsNotGuessable = (form: { username: string; password: string; first_name: string; last_name: string }) =>
  !isGuessableHere(form.password, [form.username, form.first_name, form.last_name]);
const passwordIsNotGuessableIssue = { path: ['password'], message: 'Choose a password that is not your name or the name of this site, even with digits added.' };

export const signupSchema = signupFields.refine(passwordIsNotUsername, passwordIsNotUsernameIssue).refine(passwordIsNotGuessable, passwordIsNotGuessableIssue);

// The old client sends no icon: it gets a random one, which the person can change later.
export const apiSignupSchema = signupFields
  .extend({ icon: iconSchema.default(() => randomIcon()) })
  .refine(passwordIsNotUsername, passwordIsNotUsernameIssue)
  .refine(passwordIsNotGuessable, passwordIsNotGuessableIssue);

export type SignupInput = z.infer<typeof signupSchema>;

export const loginSchema = z.object({
  username: z.string({ error: 'Enter your username.' }).overwrite(normalizeUsername).min(1, 'Enter your username.').max(64),
  password: z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.').max(1024),
});

export const passwordChangeSchema = z.object({
  current_password: z.string({ error: 'Enter your current password.' }).min(1, 'Enter your current password.').max(1024),
  new_password: newPasswordSchema,
});

export const refreshSchema = z.object({
  refresh: z.string({ error: 'Send the refresh token you were given.' }).min(1).max(512),
});

export type FieldErrors = Record<string, string>;

/** The first problem of each field, worded for the person who typed it. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  return errors;
}
