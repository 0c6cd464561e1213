import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { dropDatabase } from './database.js';

/** Removes what this run's server stored: the fresh PostgreSQL database, or the temporary PGlite directory. */
export default async function globalTeardown() {
  const { DATABASE_URL: adminUrl, E2E_DATABASE_NAME: name, E2E_DATA_DIR: dataDir } = process.env;
  // Only ever what playwright.config.ts made, whatever else these variables might have been set to.
  if (adminUrl && name && /^hubbub_e2e_[0-9a-f]{12}$/.test(name)) await dropDatabase(adminUrl, name);
  if (dataDir && dirname(dataDir) === tmpdir() && basename(dataDir).startsWith('hubbub-e2e-')) {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
