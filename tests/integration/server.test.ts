import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../support/database.js';
import { freePort, spawnServer, waitForHealthy } from '../support/process.js';

let dataDir: string;
let database: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
// In the PostgreSQL run the process uses a fresh database of its own; otherwise embedded PGlite.
const databaseEnv = (): Record<string, string> => (database?.url ? { DATABASE_URL: database.url } : {});

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'hubbub-start-'));
  if (process.env.DATABASE_URL) database = await openTestDatabase();
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await database?.close();
});

describe('the server process', () => {
  it('starts, serves the sign-in page and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const server = spawnServer({ PORT: String(port), DATA_DIR: dataDir, ...databaseEnv() });
    try {
      await waitForHealthy(`http://127.0.0.1:${port}`);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Sign in to Hubbub');
      // Embedded mode keeps its data under DATA_DIR; with DATABASE_URL nothing is written there.
      expect((await readdir(dataDir)).includes('pglite')).toBe(!database);
      // JSON lines: the start, then one line per request.
      const logged = server.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged.find((line) => line.msg === 'Hubbub is listening')).toMatchObject({ level: 30, url: `http://127.0.0.1:${port}` });
      expect(logged.find((line) => line.event === 'request' && line.path === '/')).toMatchObject({ method: 'GET', status: 200, route: '/' });
    } finally {
      server.kill('SIGTERM');
    }
    const [code] = await once(server, 'exit');
    expect(code).toBe(0);
  });

  it('writes lines for people to read with LOG_FORMAT=pretty (npm run dev)', async () => {
    const port = await freePort();
    const server = spawnServer({ PORT: String(port), DATA_DIR: dataDir, LOG_FORMAT: 'pretty', ...databaseEnv() });
    try {
      await waitForHealthy(`http://127.0.0.1:${port}`);
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    } finally {
      server.kill('SIGTERM');
    }
    const [code] = await once(server, 'exit');
    expect(code).toBe(0);
    const output = server.output();
    expect(output).toMatch(/INFO.*Hubbub is listening/);
    expect(output).toMatch(/INFO.*request/);
    expect(output).not.toContain('{"level"');
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const server = spawnServer({ PORT: 'eighty', DATA_DIR: dataDir });
    const [code] = await once(server, 'exit');
    expect(code).toBe(78);
    expect(server.output()).toContain('PORT="eighty"');
  });
});
