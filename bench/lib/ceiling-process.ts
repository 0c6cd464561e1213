import { spawnInstance } from './servers.js';
import type { Target } from './scenario.js';

/** The ceiling server (bench/ceiling.ts) as its own process, like a Hubbub instance. */
export async function startCeiling() {
  const instance = await spawnInstance(['--import', 'tsx', 'bench/ceiling.ts'], {});
  const target: Target = { name: 'ceiling', urls: [instance.url], databaseUrl: null, ceiling: true };
  return { instance, target };
}
