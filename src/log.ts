import { pino } from 'pino';

export type { Logger } from 'pino';

export function createLogger(level: string) {
  return pino({
    level,
    // Defence in depth: even if a credential ends up in a logged object, it is not written out.
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'access', 'refresh', 'secret', '*.secret', 'headers.cookie', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}
