import { type DestinationStream, pino } from 'pino';

export type { Logger } from 'pino';

/** JSON lines (newlines and quotes inside values are escaped, so no input can forge a line). */
export function createLogger(level: string, destination?: DestinationStream) {
  return pino({
    level,
    // Defence in depth: even if a credential ends up in a logged object, it is not written out.
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'access', 'refresh', 'secret', '*.secret', 'headers.cookie', 'headers.authorization'],
      censor: '[redacted]',
    },
  }, destination);
}
