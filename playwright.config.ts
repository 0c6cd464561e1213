// End-to-end suite (tests/e2e). It drives Debian's Chromium at /usr/bin/chromium and never downloads a
// browser: do not run `npx playwright install`. The app runs on a database of its own, made fresh for each run:
// a temporary PGlite directory, or, when DATABASE_URL is set, a new hubbub_e2e_<random> database on that server.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { e2eDatabaseUrl } from './tests/e2e/database.js';
import { BASE_URL as baseURL, E2E_ADMIN, E2E_PORT as port, TWO_INSTANCES } from './tests/e2e/servers.js';
import { GENEROUS_LIMITS } from './tests/support/limits.js';

// Every worker evaluates this file again and inherits our environment: pick per-run values once, keep them there.
const adminUrl = process.env.DATABASE_URL;
if (adminUrl) process.env.E2E_DATABASE_NAME ??= `hubbub_e2e_${randomBytes(6).toString('hex')}`;
else process.env.E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'hubbub-e2e-'));

const databaseName = process.env.E2E_DATABASE_NAME;
const databaseEnv: Record<string, string> =
  adminUrl && databaseName
    ? { DATABASE_URL: e2eDatabaseUrl(adminUrl, databaseName), E2E_ADMIN_DATABASE_URL: adminUrl }
    : { DATA_DIR: process.env.E2E_DATA_DIR ?? '' };

// Playwright starts the webServer before any globalSetup runs, so the fresh database is created by the
// server command itself, just before the app starts; globalTeardown drops it (or removes the PGlite directory).
const createDatabase = adminUrl ? 'npx tsx tests/e2e/create-database.ts && ' : '';

export default defineConfig({
  testDir: 'tests/e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: 'list',
  forbidOnly: !!process.env.CI,
  globalTeardown: './tests/e2e/global-teardown.ts',
  use: {
    baseURL,
    headless: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
  webServer: TWO_INSTANCES ? [appServer(port, createDatabase), secondServer()] : appServer(port, createDatabase),
});

/** One app server on `port`; each server's PUBLIC_ORIGIN is its own origin. */
function appServer(serverPort: number, before: string) {
  const origin = `http://127.0.0.1:${serverPort}`;
  return {
    command: `${before}npx tsx src/server.ts`,
    url: `${origin}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    // SIGTERM lets the app close cleanly, taking its presence entries out of a shared Redis.
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
    env: {
      PORT: String(serverPort),
      HOST: '127.0.0.1',
      PUBLIC_ORIGIN: origin,
      LOG_LEVEL: 'warn',
      // Pings every second (pages treat 2.5 s of silence as a dead link), so the fault journeys see
      // half-open sockets found out within seconds (tests/e2e/faults.spec.ts).
      WS_PING_INTERVAL: '1',
      // Journeys send faster than people; the limits have their own tests (tests/integration/security).
      ...GENEROUS_LIMITS,
      // Whichever spec signs up first must not become the administrator by being first: the
      // administrator is named (tests/e2e/admin.spec.ts signs it up).
      ADMIN_USERNAMES: E2E_ADMIN,
      ...databaseEnv,
    },
  };
}

/**
 * With PostgreSQL and Redis: a second instance on the same fresh database and Redis (REDIS_URL is
 * inherited), for tests/e2e/two-instances.spec.ts. It starts once the first one answers, so the
 * database exists and is migrated.
 */
function secondServer() {
  return appServer(port + 1, `npx tsx tests/e2e/wait-for-server.ts ${baseURL}/healthz && `);
}
