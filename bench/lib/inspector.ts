import { once } from 'node:events';
import WebSocket from 'ws';

/**
 * A full garbage collection in another Node process, asked for over its inspector, so that memory
 * read right after it is what the process holds rather than garbage a busy moment left behind; and
 * how much of it is the JavaScript heap. The process is started with INSPECT in its NODE_OPTIONS;
 * no session stays attached between questions, and nothing else of the inspector is used.
 */

/** For NODE_OPTIONS: the inspector on a free loopback port; the process prints its URL at start. */
export const INSPECT = '--inspect=127.0.0.1:0';

/** The inspector's URL, from what the process printed at start. */
export function inspectorUrl(output: string): string {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
  if (!url) throw new Error(`no inspector URL in the process's output:\n${output.slice(0, 2000)}`);
  return url;
}

/** One inspector method (no parameters), over a session of its own; answers its result. */
async function ask<T>(url: string, method: string): Promise<T> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  try {
    await once(ws, 'open');
    ws.send(JSON.stringify({ id: 1, method }));
    const [data] = (await once(ws, 'message')) as [WebSocket.RawData];
    const reply = JSON.parse(data.toString()) as { result?: T; error?: { message: string } };
    if (reply.error || !reply.result) throw new Error(`${method}: ${reply.error?.message ?? 'no result'}`);
    return reply.result;
  } finally {
    ws.terminate();
  }
}

/** A full, memory-reducing collection; answers once it is done. */
export async function collectGarbage(url: string): Promise<void> {
  await ask(url, 'HeapProfiler.collectGarbage');
}

/** The JavaScript heap in use (live objects right after a collection), in bytes. */
export async function heapUsedBytes(url: string): Promise<number> {
  return (await ask<{ usedSize: number }>(url, 'Runtime.getHeapUsage')).usedSize;
}
