// Where the e2e app servers listen. The second one exists only for the two-instance journey, which needs
// PostgreSQL and Redis (see playwright.config.ts).
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3210);
export const BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
export const SECOND_BASE_URL = `http://127.0.0.1:${E2E_PORT + 1}`;
export const TWO_INSTANCES = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
/** The administrator of the e2e servers (ADMIN_USERNAMES), signed up by tests/e2e/admin.spec.ts. */
export const E2E_ADMIN = 'e2e_admin';
