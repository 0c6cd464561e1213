import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NGINX = '/usr/sbin/nginx';
export const SITE_CONFIG = fileURLToPath(new URL('../../../docs/nginx/hubbub.conf', import.meta.url));

export interface ProxySetup {
  /** A private directory for nginx's configuration, logs and temporary files. */
  dir: string;
  httpsPort: number;
  httpPort: number;
  /** host:port of each Hubbub instance. */
  upstreams: string[];
  certificate: string;
  key: string;
}

/** Replaces what must differ on a test machine; each pattern must be found, so the file keeps its shape. */
function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`docs/nginx/hubbub.conf no longer has ${pattern}; update tests/ops/support/nginx.ts with it`);
  return text.replace(pattern, replacement);
}

/**
 * docs/nginx/hubbub.conf as the guide gives it, with only the listen ports, the certificate and the
 * upstream addresses swapped for this machine's.
 */
export function siteConfig(setup: ProxySetup): string {
  let text = readFileSync(SITE_CONFIG, 'utf8');
  const servers = setup.upstreams.map((address) => `server ${address};`).join('\n    ');
  text = replaceOnce(text, /server \d+\.\d+\.\d+\.\d+:\d+;(\n\s*server \d+\.\d+\.\d+\.\d+:\d+;)*/, servers);
  text = replaceOnce(text, /listen 80;/, `listen 127.0.0.1:${setup.httpPort};`);
  text = replaceOnce(text, /listen 443 ssl;/, `listen 127.0.0.1:${setup.httpsPort} ssl;`);
  text = replaceOnce(text, /ssl_certificate +\S+;/, `ssl_certificate ${setup.certificate};`);
  text = replaceOnce(text, /ssl_certificate_key +\S+;/, `ssl_certificate_key ${setup.key};`);
  return text;
}

/** The rest of a private nginx: what Debian's /etc/nginx/nginx.conf would provide, kept in `dir`. */
function mainConfig(setup: ProxySetup): string {
  const temp = (name: string) => join(setup.dir, name);
  return `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${temp('nginx.pid')};
error_log ${temp('error.log')} notice;
events { worker_connections 512; }
http {
  log_format upstream '$remote_addr "$request_method $uri" $status upstream=$upstream_addr';
  access_log ${temp('access.log')} upstream;
  client_body_temp_path ${temp('client_body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  include ${temp('hubbub.conf')};
}
`;
}

export interface Proxy {
  stop(): Promise<void>;
  accessLog(): string;
  errorLog(): string;
}

/** Starts Debian's nginx in the foreground with the guide's site configuration; `stop()` ends it. */
export async function startNginx(setup: ProxySetup): Promise<Proxy> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: apt-get install -y nginx (.ci/scale-out does)`);
  writeFileSync(join(setup.dir, 'hubbub.conf'), siteConfig(setup));
  writeFileSync(join(setup.dir, 'nginx.conf'), mainConfig(setup));
  const args = ['-p', setup.dir, '-c', join(setup.dir, 'nginx.conf'), '-e', join(setup.dir, 'error.log')];
  try {
    execFileSync(NGINX, [...args, '-t'], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`nginx -t refused the configuration:\n${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }
  // Its own process group, so a master that hangs can be killed together with its worker.
  const child = spawn(NGINX, [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const exited = once(child, 'exit');
  const read = (name: string) => (existsSync(join(setup.dir, name)) ? readFileSync(join(setup.dir, name), 'utf8') : '');
  return {
    accessLog: () => read('access.log'),
    errorLog: () => read('error.log'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
