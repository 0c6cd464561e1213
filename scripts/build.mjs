// `npm run build`: the server and its dependencies compiled into dist/ by esbuild, so a start reads
// a few files instead of resolving, reading and compiling some hundreds in node_modules.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunks are named by their content: clear out the previous build's.
rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: ['src/server.ts'],
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // One chunk per mode's driver and Redis client: each mode loads only its own.
  splitting: true,
  // Stack traces keep the source's file and line (`node --enable-source-maps`); without the sources'
  // text the maps are half the size, and Node reads them at every start.
  sourcemap: true,
  sourcesContent: false,
  external: [
    // Native code, or files found at run time next to the package's own.
    '@electric-sql/pglite',
    '@node-rs/argon2',
    'pg-native',
    // Development logging (LOG_FORMAT=pretty) runs in a worker thread that loads it by name.
    'pino-pretty',
    'thread-stream',
  ],
  // The bundled CommonJS packages call require(); ESM output has none of its own.
  banner: { js: "import { createRequire as __hubbubRequire } from 'node:module'; const require = __hubbubRequire(import.meta.url);" },
  logLevel: 'warning',
});
