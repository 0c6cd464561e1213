import { z } from 'zod';

export const MAX_MESSAGE_CHARACTERS = 4000;
const characters = (text: string) => [...text].length;

export const bodySchema = z
  .string({ error: 'Write a message first.' })
  .trim()
  .min(1, 'Write something before sending.')
  // HTTP bodies with NUL are refused before this (400); this covers socket frames.
  .refine((body) => !body.includes('\u0000'), 'Messages cannot contain NUL characters; remove them and send again.')
  .refine((body) => characters(body) <= MAX_MESSAGE_CHARACTERS, {
    error: (issue) => `Messages can be at most 4,000 characters; this one has ${characters(String(issue.input)).toLocaleString('en')}.`,
  });

export const clientIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'client_id must be 1 to 100 letters, digits, dots, colons, dashes or underscores.');

export const sendSchema = z.object({ body: bodySchema, client_id: clientIdSchema.optional() });
export const editSchema = z.object({ body: bodySchema });

export const PAGE_SIZE = 50;

/** `?before=<seq>`: a positive whole number, or absent for the newest page. */
export const historySchema = z.object({
  before: z.coerce.number({ error: 'before must be a message seq.' }).int().positive('before must be a message seq.').optional(),
});
