/**
 * Sends every corpus entry as a message through one channel, in order (one room per channel, so the
 * room's order is the corpus order), and keeps what the server answered for the tests to judge.
 */
import { type Account, type Answer, clientId, formBody, MAX_BODY_BYTES, type OldFrame, type OldSocket } from './channels.js';
import { corpus, type Hostile, messageOutcome, type Outcome } from './corpus.js';

export const CHANNELS = ['form', 'json', 'htmx', 'old'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Sent {
  entry: Hostile;
  outcome: Outcome;
  /** Bytes of the request body (form and htmx: url-encoded; json: JSON). */
  bytes: number;
  answer?: Answer;
  frame?: OldFrame;
  /** The old socket closed instead of answering (with this code). */
  closed?: number;
}

export async function sendAll(channel: Channel, who: Account, slug: string, old?: () => Promise<OldSocket>): Promise<Sent[]> {
  const path = `/lobby/${slug}/messages/`;
  const sent: Sent[] = [];
  let socket = channel === 'old' ? await old!() : undefined;
  for (const entry of corpus) {
    const outcome = messageOutcome(entry.text);
    if (channel === 'form' || channel === 'htmx') {
      const fields = { client_id: clientId(), body: entry.text };
      const bytes = Buffer.byteLength(formBody(fields));
      sent.push({ entry, outcome, bytes, answer: await who.form(path, fields, { htmx: channel === 'htmx' }) });
    } else if (channel === 'json') {
      const body = JSON.stringify({ body: entry.text });
      sent.push({ entry, outcome, bytes: Buffer.byteLength(body), answer: await who.raw('POST', path, body, { 'content-type': 'application/json' }) });
    } else {
      const frame = JSON.stringify({ type: 'new_message', message: entry.text });
      const since = socket!.frames.length;
      socket!.send(frame);
      try {
        sent.push({ entry, outcome, bytes: Buffer.byteLength(frame), frame: await socket!.answerAfter(since) });
      } catch (error) {
        if (socket!.closeCode === undefined) throw error;
        sent.push({ entry, outcome, bytes: Buffer.byteLength(frame), closed: socket!.closeCode });
        socket = await old!();
      }
    }
  }
  socket?.close();
  return sent;
}

/** The entries the server must have stored, in the order they were sent. */
export const acceptedOf = (sent: Sent[]) => sent.flatMap((s) => (s.outcome.accepted && s.bytes <= MAX_BODY_BYTES ? [{ ...s, stored: s.outcome.stored }] : []));

/** The statuses a refusal may have: 413 over 64 KiB; NUL may be refused as bad bytes (400) or as a bad field (422). */
export function refusalStatuses(s: Sent): number[] {
  if (s.bytes > MAX_BODY_BYTES) return [413];
  if (!s.outcome.accepted && s.outcome.reason === 'contains NUL') return [400, 422];
  return [422];
}
