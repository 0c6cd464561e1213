// Run by the webServer command (see playwright.config.ts) right before the app starts on the new database.
import { createDatabase } from './database.js';

const adminUrl = process.env.E2E_ADMIN_DATABASE_URL;
const name = process.env.E2E_DATABASE_NAME;
if (!adminUrl || !name) throw new Error('E2E_ADMIN_DATABASE_URL and E2E_DATABASE_NAME must be set');
await createDatabase(adminUrl, name);
