import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    username: text('username').notNull(),
    /** The name reduced to what it looks like (src/auth/usernames.ts): look-alikes share a skeleton. */
    usernameSkeleton: text('username_skeleton').notNull(),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull().default(''),
    /** Null for guests: they can only ever hold the session they were created with. */
    passwordHash: text('password_hash'),
    icon: text('icon').notNull(),
    isGuest: boolean('is_guest').notNull().default(false),
    /**
     * Set on the first account ever made (src/auth/users.ts). It is the administrator role only while
     * ADMIN_USERNAMES is unset; src/admin/roles.ts decides who is one.
     */
    isAdmin: boolean('is_admin').notNull().default(false),
    /** When an administrator disabled the account: it cannot sign in and every credential of it is refused. */
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  // Usernames are unique without regard to case (`Alice` after `alice`) or look-alike letters
  // (`AIice` with a capital i after `Alice`): the database itself refuses the second.
  (t) => [
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
    uniqueIndex('users_username_skeleton_key').on(t.usernameSkeleton),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    /** SHA-256 of the cookie token, hex: a leaked table cannot be replayed as cookies. */
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    /** Idle expiry, pushed forward on use but never past created_at + the absolute lifetime. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sessions_user_id_idx').on(t.userId)],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    /** SHA-256 of the token, hex. */
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Every rotation of one sign-in shares a family; replaying a used token revokes the family. */
    familyId: text('family_id').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('refresh_tokens_family_idx').on(t.familyId), index('refresh_tokens_user_idx').on(t.userId)],
);

export const rooms = pgTable('rooms', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  image: text('image').notNull(),
  /** The room's log position: changes take the next seqs (a batch of sends several at once) in the transaction that writes them. */
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
  createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
});

export const messages = pgTable(
  'messages',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    /** The room seq at creation: the message's identity in pages, fragments, JSON and SSE. */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    /** The room seq of the latest change (create, edit or delete): catch-up reads rows above a cursor. */
    updatedSeq: bigint('updated_seq', { mode: 'number' }).notNull(),
    authorId: integer('author_id')
      .notNull()
      .references(() => users.id),
    body: text('body').notNull(),
    /** Idempotency key chosen by the client; a retry with the same key returns the original message. */
    clientId: text('client_id'),
    createdAt: createdAt(),
    editedAt: timestamp('edited_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('messages_room_seq_key').on(t.roomId, t.seq),
    index('messages_room_updated_seq_idx').on(t.roomId, t.updatedSeq),
    uniqueIndex('messages_room_author_client_key').on(t.roomId, t.authorId, t.clientId),
  ],
);

/** Small key/value facts the instances must agree on, such as the generated signing secret. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export type User = typeof users.$inferSelect;
export type Room = typeof rooms.$inferSelect;
export type Message = typeof messages.$inferSelect;
