import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DOC = fileURLToPath(new URL('../../../docs/OPERATIONS.md', import.meta.url));

/**
 * The commands of docs/OPERATIONS.md that CI runs: a ```sh block right after a line
 * `<!-- tested: <name> -->`. The tests run these blocks as written, so the guide cannot drift
 * from what is tested.
 */
export function docBlock(name: string): string {
  const markdown = readFileSync(DOC, 'utf8');
  const match = new RegExp(`^<!-- tested: ${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(markdown);
  if (!match) throw new Error(`docs/OPERATIONS.md has no \`<!-- tested: ${name} -->\` followed by a sh block`);
  return match[1]!;
}

/** How many ```sh blocks the guide has: each one must be a named block that a test runs. */
export function shellBlockCount(): number {
  return [...readFileSync(DOC, 'utf8').matchAll(/^```sh$/gm)].length;
}

/** Runs a block in bash (`set -euo pipefail`) with only PATH and `env`; fails with its output. */
export async function runDocBlock(name: string, env: Record<string, string>, cwd: string): Promise<string> {
  const script = `set -euo pipefail\n${docBlock(name)}`;
  const child = spawn('bash', ['-c', script], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`docs/OPERATIONS.md block "${name}" failed (exit ${code}):\n${output}`);
  return output;
}
