import type { WireMessage } from '../realtime/bus.js';
import type { MessageView } from './queries.js';

/** A new message (never edited or deleted) for the bus. */
export function toWire(message: MessageView): WireMessage {
  const { id, roomId, seq, authorId, body, clientId, createdAt, author } = message;
  return { id, roomId, seq, authorId, body, clientId, createdAt: createdAt.toISOString(), author };
}

/** The message a bus event carried, as the database would answer it. */
export function fromWire(wire: WireMessage): MessageView {
  const { author } = wire;
  return {
    id: wire.id,
    roomId: wire.roomId,
    seq: wire.seq,
    updatedSeq: wire.seq,
    authorId: wire.authorId,
    body: wire.body,
    clientId: wire.clientId,
    createdAt: new Date(wire.createdAt),
    editedAt: null,
    deletedAt: null,
    author: { id: author.id, username: author.username, firstName: author.firstName, icon: author.icon },
  };
}
