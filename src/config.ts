import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const origin = z
  .string()
  .transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a URL such as https://chat.example.com' });
      return z.NEVER;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: 'must start with https:// (or http:// for localhost)' });
      return z.NEVER;
    }
    if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
      // Session cookies are Secure everywhere but on localhost; plain http elsewhere could never sign in.
      ctx.addIssue({ code: 'custom', message: 'must use https:// unless the host is localhost' });
      return z.NEVER;
    }
    if (url.pathname !== '/' || url.search || url.hash) {
      ctx.addIssue({ code: 'custom', message: 'must be an origin only (scheme, host and port, no path)' });
      return z.NEVER;
    }
    return url.origin;
  });

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const count = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** A comma-separated list, each item checked by `item`. */
const list = <T,>(item: z.ZodType<T, string>) =>
  z
    .string()
    .default('')
    .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(item));

// An address or a CIDR block: what the reverse proxies in front of the app connect from.
const addressOrBlock = z
  .string()
  .regex(/^[0-9A-Fa-f.:]+(\/\d{1,3})?$/, 'must be IP addresses or CIDR blocks such as 10.0.0.0/8, separated by commas');

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'must be 1 to 40 letters, digits, dots, dashes or underscores')
    .default('hubbub'),
  PUBLIC_ORIGIN: origin.optional(),
  SECRET: z.string().min(32, 'must be at least 32 characters (try: openssl rand -base64 48)').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty'], { message: 'must be json or pretty' }).default('json'),
  // /metrics: off unless a token guards it on the main port, or it has a port of its own.
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters (try: openssl rand -hex 24)').optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  SESSION_IDLE_TIMEOUT: seconds(7 * 24 * 3600),
  SESSION_MAX_AGE: seconds(30 * 24 * 3600),
  REFRESH_TOKEN_MAX_AGE: seconds(14 * 24 * 3600),
  // How often sockets are pinged; a socket that misses one ping is dropped, and pages treat 2.5
  // periods of silence as a dead link. Lower it behind proxies that close idle connections sooner.
  WS_PING_INTERVAL: z.coerce.number().positive().max(3600).default(30),
  // Limits (docs/SECURITY.md). Each has a safe default; raise one deliberately (e.g. for a benchmark).
  TRUSTED_PROXIES: list(addressOrBlock),
  ALLOWED_ORIGINS: list(origin),
  RATE_LIMIT_AUTH_PER_IP: count(30),
  SIGNIN_FREE_FAILURES: count(5),
  RATE_LIMIT_MESSAGES: count(20),
  SOCKETS_PER_USER: count(20),
  MAX_REQUEST_BYTES: count(64 * 1024),
  MAX_FRAME_BYTES: count(64 * 1024),
  // Administrators by username; when set, the first account is no longer one by itself (src/admin/roles.ts).
  ADMIN_USERNAMES: list(z.string().regex(/^[A-Za-z0-9_]{3,32}$/, 'must be usernames (3 to 32 letters, digits or _) separated by commas')),
});

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.infer<typeof envSchema>) {
  const publicOrigin = env.PUBLIC_ORIGIN;
  return {
    port: env.PORT,
    host: env.HOST,
    dataDir: env.DATA_DIR,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    redisPrefix: env.REDIS_PREFIX,
    /** When unset, requests are checked against their own Host (fine for localhost and dev). */
    publicOrigin,
    secureCookies: publicOrigin !== undefined && !publicOrigin.startsWith('http://'),
    secret: env.SECRET,
    logLevel: env.LOG_LEVEL,
    /** JSON lines for machines; `pretty` (needs the pino-pretty development package) for people. */
    logFormat: env.LOG_FORMAT,
    metrics: {
      /** When set, /metrics on the main port answers only `Authorization: Bearer <token>`. */
      token: env.METRICS_TOKEN,
      /** When set, /metrics is served on this port (and host) alone, not on the main port. */
      port: env.METRICS_PORT,
      host: env.METRICS_HOST,
    },
    sessionIdleTimeout: env.SESSION_IDLE_TIMEOUT,
    sessionMaxAge: env.SESSION_MAX_AGE,
    refreshTokenMaxAge: env.REFRESH_TOKEN_MAX_AGE,
    /** Milliseconds between pings on every socket (WS_PING_INTERVAL is in seconds). */
    pingIntervalMs: Math.round(env.WS_PING_INTERVAL * 1000),
    /** Proxies whose X-Forwarded-For is believed; nobody else's is. */
    trustedProxies: env.TRUSTED_PROXIES,
    /** Other origins whose pages may open cookie-authenticated sockets and send writes. */
    allowedOrigins: env.ALLOWED_ORIGINS,
    /** Usernames, lower-cased, that are the administrators; empty: the first account is. */
    adminUsernames: env.ADMIN_USERNAMES.map((name) => name.toLowerCase()),
    limits: {
      /** Sign-in, sign-up, token and guest requests per client address per minute. */
      authPerIpPerMinute: env.RATE_LIMIT_AUTH_PER_IP,
      /** Wrong passwords for one username before each further attempt waits (1 s, 2 s, 4 s … 60 s). */
      signinFreeFailures: env.SIGNIN_FREE_FAILURES,
      /** Messages sent, edited or deleted, and rooms created, per person per 10 seconds. */
      messagesPer10s: env.RATE_LIMIT_MESSAGES,
      /** Open sockets and event streams per person on one instance. */
      socketsPerUser: env.SOCKETS_PER_USER,
      /** Largest HTTP request body. */
      requestBytes: env.MAX_REQUEST_BYTES,
      /** Largest WebSocket frame a client may send. */
      frameBytes: env.MAX_FRAME_BYTES,
    },
  };
}

// Values that may hold credentials are never echoed back, not even in an error.
const SENSITIVE = new Set(['SECRET', 'DATABASE_URL', 'REDIS_URL', 'METRICS_TOKEN']);

export class ConfigError extends Error {}

/** Reads the environment once; an invalid value stops the start with a message naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const shown = SENSITIVE.has(name) ? '' : `=${JSON.stringify(env[name] ?? '')}`;
      return `  ${name}${shown}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return toConfig(parsed.data);
}
