import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The tests run what ships: `npm run build` once, then every instance is `node dist/server.mjs`. */
export default function build(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: fileURLToPath(new URL('../../..', import.meta.url)), stdio: 'inherit' });
}
