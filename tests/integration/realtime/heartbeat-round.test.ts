import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { BEAT, startHeartbeat } from '../../../src/realtime/heartbeat.js';
import { until } from '../../support/signal.js';

// A round of the heartbeat over more sockets than it beats in one turn of the event loop, on a
// bare ws server and real sockets: every socket of the round is reached, pages get their beat,
// and only the silent ones are dropped.
const ROUND_MS = 300;

let server: Server | undefined;
let timer: NodeJS.Timeout | undefined;
const clients: WebSocket[] = [];

afterEach(async () => {
  clearInterval(timer);
  for (const ws of clients.splice(0)) ws.terminate();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
});

interface Client {
  ws: WebSocket;
  pings: number;
  beats: number;
  others: number;
  closedWith: number | undefined;
}

async function open(url: string, path: string, autoPong: boolean): Promise<Client> {
  const ws = new WebSocket(`${url}${path}`, { autoPong });
  clients.push(ws);
  const client: Client = { ws, pings: 0, beats: 0, others: 0, closedWith: undefined };
  ws.on('ping', () => client.pings++);
  ws.on('message', (data, isBinary) => (!isBinary && String(data) === BEAT ? client.beats++ : client.others++));
  ws.on('close', (code) => (client.closedWith = code));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return client;
}

describe('a heartbeat round', () => {
  it('reaches every one of 1,200 sockets, beats the pages, and drops only those that do not answer', async () => {
    const wss = new WebSocketServer({ noServer: true });
    server = createServer();
    server.on('upgrade', (request, socket, head) => wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request)));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    timer = startHeartbeat(wss, ROUND_MS);

    const pages: Client[] = [];
    const others: Client[] = [];
    const silent: Client[] = [];
    for (let i = 0; i < 1200; i++) {
      // Every tenth socket never answers; the rest alternate between a page and another protocol.
      if (i % 10 === 9) silent.push(await open(url, '/lobby/room/ws/', false));
      else if (i % 2 === 0) pages.push(await open(url, '/lobby/room/ws/', true));
      else others.push(await open(url, '/ws/chat/room/', true));
    }
    const alive = [...pages, ...others];

    await until('every silent socket dropped', () => silent.every((client) => client.closedWith !== undefined), 15_000);
    await until('every answering socket pinged twice', () => alive.every((client) => client.pings >= 2), 15_000);

    expect(silent.map((client) => client.closedWith)).toEqual(silent.map(() => 1006));
    expect(alive.filter((client) => client.ws.readyState !== WebSocket.OPEN)).toEqual([]);
    // A page's beat goes out with its ping; other protocols get no frame at all.
    for (const page of pages) expect(page.beats).toBeGreaterThanOrEqual(page.pings - 1);
    expect(pages.filter((page) => page.others > 0)).toEqual([]);
    expect(others.filter((client) => client.beats + client.others > 0)).toEqual([]);
    expect(wss.clients.size).toBe(alive.length);
  }, 60_000);
});
