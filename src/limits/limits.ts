import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { RedisWaitExceeded, withinRedisWait } from '../realtime/redis-wait.js';
import { SocketQuota } from './socket-quota.js';

/** Go ahead, or wait this many seconds (sent as Retry-After). */
export type Verdict = { ok: true } | { ok: false; retryAfter: number };

const GO: Verdict = { ok: true };
const waitFor = (ms: number): Verdict => ({ ok: false, retryAfter: Math.max(1, Math.ceil(ms / 1000)) });

// Growing delays after the free failures: 1 s, 2 s, 4 s … capped, so a stranger guessing at an
// account slows it to one try a minute but can never lock its owner out for long.
const MAX_SIGNIN_DELAY_S = 60;
const FAILURE_MEMORY_S = 24 * 3600;

type LimiterOptions = { keyPrefix: string; points: number; duration: number };

/**
 * Rate limits shared by all instances through Redis when there is one. If Redis is unreachable each
 * instance falls back to counting on its own (the insurance limiter): limits stay on, but a client
 * spreading requests over N instances gets up to N times the budget. Refusing everyone instead would
 * let a Redis outage lock every person out. Without Redis (one instance) counts live in memory.
 */
export class Limits {
  readonly sockets: SocketQuota;
  private readonly authPerIp: RateLimiterAbstract;
  private readonly signinFailures: RateLimiterAbstract;
  private readonly signinBlocks: RateLimiterAbstract;
  private readonly writes: RateLimiterAbstract;

  private constructor(
    limits: Config['limits'],
    make: (options: LimiterOptions) => RateLimiterAbstract,
    private readonly closeStore: () => Promise<void>,
  ) {
    this.sockets = new SocketQuota(limits.socketsPerUser);
    this.authPerIp = make({ keyPrefix: 'auth-ip', points: limits.authPerIpPerMinute, duration: 60 });
    this.signinFailures = make({ keyPrefix: 'signin-failures', points: limits.signinFreeFailures, duration: FAILURE_MEMORY_S });
    this.signinBlocks = make({ keyPrefix: 'signin-wait', points: 1, duration: MAX_SIGNIN_DELAY_S });
    this.writes = make({ keyPrefix: 'writes', points: limits.messagesPer10s, duration: 10 });
  }

  static async start(config: Pick<Config, 'limits' | 'redisUrl' | 'redisPrefix'>, log: Logger): Promise<Limits> {
    if (!config.redisUrl) {
      return new Limits(config.limits, (options) => new RateLimiterMemory(options), async () => {});
    }
    const { redisClient } = await import('../realtime/redis-client.js');
    const client = redisClient({ url: config.redisUrl, disableOfflineQueue: true });
    client.on('error', (error: Error) => log.warn({ err: error.message }, 'redis rate-limit connection problem'));
    await client.connect();
    const make = ({ keyPrefix, ...options }: LimiterOptions) =>
      new RateLimiterRedis({
        ...options,
        keyPrefix: `${config.redisPrefix}:limit:${keyPrefix}`,
        storeClient: client,
        useRedisPackage: true,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(options),
      });
    // While Redis is away a polite quit would wait for it forever: then just drop the connection.
    return new Limits(config.limits, make, async () => {
      if (client.isReady) await client.quit().catch(() => {});
      else client.destroy();
    });
  }

  /** One sign-in, sign-up, token or guest request from this client address. */
  authRequest(address: string): Promise<Verdict> {
    return take(this.authPerIp, address);
  }

  /** Whether a sign-in for this username may be tried now. */
  async signinAllowed(username: string): Promise<Verdict> {
    const blocked = await guarded(this.signinBlocks, (limiter) => limiter.get(accountKey(username)));
    return blocked && blocked.consumedPoints > 1 ? waitFor(blocked.msBeforeNext) : GO;
  }

  /** A wrong password: past the free failures, the next try must wait twice as long as the last. */
  async signinFailed(username: string): Promise<void> {
    const key = accountKey(username);
    const failures = await guarded(this.signinFailures, (limiter) => limiter.penalty(key, 1));
    const beyond = failures.consumedPoints - this.signinFailures.points;
    if (beyond > 0) await guarded(this.signinBlocks, (limiter) => limiter.block(key, Math.min(2 ** (beyond - 1), MAX_SIGNIN_DELAY_S)));
  }

  async signinSucceeded(username: string): Promise<void> {
    const key = accountKey(username);
    await Promise.all([guarded(this.signinFailures, (limiter) => limiter.delete(key)), guarded(this.signinBlocks, (limiter) => limiter.delete(key))]);
  }

  /** One message sent, edited or deleted, or one room created, by this person. */
  write(userId: number): Promise<Verdict> {
    return take(this.writes, String(userId));
  }

  close(): Promise<void> {
    return this.closeStore();
  }
}

const accountKey = (username: string) => username.normalize('NFKC').toLowerCase();

async function take(limiter: RateLimiterAbstract, key: string): Promise<Verdict> {
  try {
    await guarded(limiter, (it) => it.consume(key));
    return GO;
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes) return waitFor(refusal.msBeforeNext);
    throw refusal;
  }
}

/**
 * One operation on a limiter. A Redis store's commands have no timer of their own (see redisClient):
 * a Redis that stops answering is given REDIS_WAIT_MS, then this instance counts on its own (the
 * insurance limiter), as it does when Redis is unreachable.
 */
function guarded<T>(limiter: RateLimiterAbstract, operation: (limiter: RateLimiterAbstract) => Promise<T>): Promise<T> {
  const insurance = (limiter as { insuranceLimiter?: RateLimiterAbstract }).insuranceLimiter;
  if (!insurance) return operation(limiter);
  return withinRedisWait('a rate limit', operation(limiter)).catch((error: unknown) => {
    if (error instanceof RedisWaitExceeded) return operation(insurance);
    throw error;
  });
}
