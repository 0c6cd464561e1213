// Waits until a URL answers 200 (the first app server's /healthz): the second server shares its database,
// which the first server's command creates and migrates before it listens.
const url = process.argv[2];
if (!url) throw new Error('usage: wait-for-server.ts <url>');
const deadline = Date.now() + 60_000;
for (;;) {
  const ok = await fetch(url).then((response) => response.ok, () => false);
  if (ok) break;
  if (Date.now() > deadline) throw new Error(`${url} did not answer within 60 s`);
  await new Promise((resolve) => setTimeout(resolve, 250));
}
