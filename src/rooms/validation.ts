import { z } from 'zod';
import { UNSHOWABLE } from '../http/visible-text.js';
import { ROOM_IMAGES } from './images.js';

// Paths under /lobby/ that are not rooms.
const RESERVED_SLUGS = new Set(['ws', 'events', 'new', 'static', 'api']);

/** "Café Tech Talk!" → "cafe-tech-talk": lowercase ASCII letters, digits and single dashes. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

const roomFields = {
  name: z
    .string({ error: 'Give the room a name.' })
    .trim()
    .min(2, 'Give the room a name of at least 2 characters.')
    .max(40, 'Keep the name to 40 characters.')
    .refine((name) => !UNSHOWABLE.test(name), 'The name contains characters that cannot be shown (line breaks, control or direction characters).'),
  description: z
    .string()
    .trim()
    .max(200, 'Keep the description to 200 characters.')
    .refine((text) => !UNSHOWABLE.test(text), 'The description contains characters that cannot be shown (line breaks, control or direction characters).')
    .default(''),
};

export const createRoomSchema = z
  .object({
    ...roomFields,
    image: z.enum(ROOM_IMAGES, { error: 'Pick one of the pictures.' }),
  })
  .transform((room, ctx) => {
    const slug = slugify(room.name);
    if (slug.length < 2 || RESERVED_SLUGS.has(slug)) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'Use a name with at least two letters or digits.' });
      return z.NEVER;
    }
    return { ...room, slug };
  });

export type CreateRoomInput = z.output<typeof createRoomSchema>;

/**
 * A new name and description for a room, by the rules of a new one. The slug (the room's address)
 * stays as it was, so links and the old app's clients keep working; the name must still have two
 * letters or digits, as it would need to make a slug.
 */
export const renameRoomSchema = z.object(roomFields).refine((room) => slugify(room.name).length >= 2, {
  path: ['name'],
  message: 'Use a name with at least two letters or digits.',
});

export type RenameRoomInput = z.output<typeof renameRoomSchema>;
