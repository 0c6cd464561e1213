import { fileURLToPath } from 'node:url';

/**
 * The project's root (where package.json, public/, drizzle/ and node_modules/ are). This file sits
 * one level below it, in src/ when run from source and in dist/ when run from the build (which
 * bundles it), so one relative URL serves both.
 */
export const root = fileURLToPath(new URL('..', import.meta.url));
