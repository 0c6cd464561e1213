import { ConfigError, loadConfig } from './config.js';
import { startServer } from './start.js';

try {
  const server = await startServer(loadConfig());
  let stopping = false;
  // SIGTERM (a deploy, `docker stop`) and SIGINT: stop accepting, let requests in progress finish,
  // tell sockets 1012 so pages reconnect elsewhere, then exit 0. A second signal changes nothing.
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await server.close();
      process.exit(0);
    } catch (error) {
      console.error('shutdown failed', error);
      process.exit(1);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}
