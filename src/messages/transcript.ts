import type { Context } from 'hono';
import type { AppEnv, Deps } from '../context.js';
import { problem } from '../http/problem.js';
import { roomHistory } from './latest.js';
import type { MessageView } from './queries.js';
import { historySchema, PAGE_SIZE } from './validation.js';

/** Clients that ask for plain text (curl -H 'Accept: text/plain'), and not for HTML or JSON. */
export function wantsText(c: Context): boolean {
  const accept = c.req.header('accept') ?? '';
  return accept.includes('text/plain') && !accept.includes('text/html') && !accept.includes('application/json');
}

// Control characters (other than newline and tab) would let a message drive the reader's terminal
// (colours, cursor moves, clearing the screen): they are shown as U+FFFD.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function line(message: MessageView): string {
  const who = `${message.author.firstName} (@${message.author.username})`;
  const head = `${message.createdAt.toISOString()}  #${message.seq}  ${who}`;
  if (message.deletedAt) return `${head} [deleted]`;
  const body = message.body.replace(CONTROL, '\uFFFD').split('\n');
  // Continuation lines are indented, so no message can pass for another line of the transcript.
  return `${head}${message.editedAt ? ' [edited]' : ''}: ${body.join('\n    ')}`;
}

/**
 * A room's messages as plain text, one per line, oldest first, 50 per page; `?before=<seq>` pages
 * back, and the `Link: <…>; rel="next"` header (also the second line) names the older page.
 */
export async function transcript(c: Context<AppEnv>, { db }: Deps, path: string) {
  const room = c.get('room');
  const query = historySchema.safeParse(c.req.query());
  if (!query.success) return problem(c, 400, query.error.issues[0]!.message);
  const { messages, hasOlder } = await roomHistory(db, room, PAGE_SIZE, query.data.before);
  const older = hasOlder ? `${path}?before=${messages[0]!.seq}` : null;
  const header = [`# ${room.name} (${room.slug}): ${messages.length === 0 ? 'no messages' : `messages #${messages[0]!.seq} to #${messages.at(-1)!.seq}`}`];
  header.push(older ? `# older: ${older}` : '# this is the beginning of the room');
  if (older) c.header('Link', `<${older}>; rel="next"`);
  c.header('Vary', 'Accept');
  return c.text(`${[...header, ...messages.map(line)].join('\n')}\n`);
}
