/**
 * Errors that mean "the database is not reachable right now" (restarting, shutting down, refusing
 * connections), as opposed to a bug or a bad query. Callers answer 503 with Retry-After: the
 * request is safe to repeat (sends are idempotent by client_id) and nothing was half-written.
 */
const UNAVAILABLE_CODES = new Set([
  // Node's connection errors
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  // PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

// node-postgres says these without a code.
const UNAVAILABLE_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/** The error and the errors it wraps (drizzle wraps the driver's), outermost first, at most five. */
function* chain(error: unknown): Generator<{ code?: unknown; message?: unknown }> {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    yield current as { code?: unknown; message?: unknown };
    current = (current as { cause?: unknown }).cause;
  }
}

export function isDatabaseUnavailable(error: unknown): boolean {
  for (const { code, message } of chain(error)) {
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  }
  return false;
}

/** A unique index refused the row (PostgreSQL's unique_violation): the statement had no effect. */
export function isUniqueViolation(error: unknown): boolean {
  for (const { code } of chain(error)) if (code === '23505') return true;
  return false;
}
