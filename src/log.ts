import { createRequire } from 'node:module';
import { type DestinationStream, pino } from 'pino';
import { ConfigError } from './config.js';

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

/**
 * LOG_FORMAT=pretty: coloured lines for a person at a terminal (`npm run dev`), written by
 * pino-pretty in a worker thread. It is a development package: production images log JSON.
 */
export function prettyOutput(): DestinationStream {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    throw new ConfigError('Invalid configuration:\n  LOG_FORMAT="pretty": needs the pino-pretty package (install the development dependencies with `npm ci`), or use LOG_FORMAT=json');
  }
  return pino.transport({ target: 'pino-pretty', options: { colorize: Boolean(process.stdout.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } });
}
