// W6: one write reaching many open subscriptions. Opens N WebSocket connections to the gateway
// (graphql-transport-ws), each subscribed to `interestEvents` as a different user, then makes W
// writes one after another and measures, per write, when each subscriber got the event
// (from just before the mutation is sent). Prints the latency of the last (N-th) subscriber per
// write: p50 / p99 / max over writes, and the overall distribution.
//
//   node bench/ws-fanout.mjs http://127.0.0.1:PORT JWT_SECRET [N=1000] [WRITES=30]
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';

const [base, secret, nArg, writesArg] = process.argv.slice(2);
if (!base || !secret) {
  console.error('usage: node ws-fanout.mjs GATEWAY_URL JWT_SECRET [N] [WRITES]');
  process.exit(2);
}
const N = Number(nArg ?? 1000);
const WRITES = Number(writesArg ?? 30);

const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
function token(u) {
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
    sub: `user-${u}`,
    name: `User ${u}`,
    tid: `org-${u % 100}`,
    groups: [`g-${u % 1000}`, `g-${(u * 7 + 1) % 1000}`],
    iat: now,
    exp: now + 3600,
  })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

const wsUrl = `${base.replace(/^http/, 'ws')}/graphql`;
const pending = new Map(); // interest id → { t0, arrivals: [] }
const early = new Map(); // events that arrived before the mutation answered with the id

function connect(i) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token(100 + i * 97)}` } })));
    ws.on('message', (raw) => {
      const message = JSON.parse(raw.toString());
      if (message.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { interestEvents { type interestId } }' } }));
        resolve(ws);
      } else if (message.type === 'next') {
        const at = performance.now();
        const id = message.payload?.data?.interestEvents?.interestId;
        const entry = pending.get(id);
        if (entry) entry.arrivals.push(at - entry.t0);
        else early.set(id, [...(early.get(id) ?? []), at]);
      } else if (message.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'error') {
        reject(new Error(JSON.stringify(message.payload)));
      }
    });
  });
}

async function gauge(name) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? 0);
}

const sockets = [];
for (let i = 0; i < N; i += 50) {
  sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, N - i) }, (_, k) => connect(i + k)))));
}
for (let tries = 0; (await gauge('interest_gateway_subscribers')) < N; tries++) {
  if (tries > 200) throw new Error('the subscriptions did not all start');
  await new Promise((r) => setTimeout(r, 50));
}

const writer = token(99999);
const lastArrivals = [];
const all = [];
for (let w = 0; w < WRITES; w++) {
  const t0 = performance.now();
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${writer}` },
    body: JSON.stringify({ query: `mutation { createInterest(input: {displayName: "Fan-out ${w}", allowedAudiences: EVERYONE}) { id } }` }),
  }).then((r) => r.json());
  const id = response.data?.createInterest?.id;
  if (!id) throw new Error(JSON.stringify(response));
  const entry = { t0, arrivals: (early.get(id) ?? []).map((at) => at - t0) };
  early.delete(id);
  pending.set(id, entry);
  const deadline = performance.now() + 10_000;
  while (entry.arrivals.length < N && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  if (entry.arrivals.length < N) throw new Error(`write ${w}: only ${entry.arrivals.length} of ${N} subscribers got the event`);
  entry.arrivals.sort((a, b) => a - b);
  lastArrivals.push(entry.arrivals[N - 1]);
  all.push(...entry.arrivals);
  pending.delete(id);
  await new Promise((r) => setTimeout(r, 200));
}
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
console.log(
  `RESULT W6 subscribers=${N} writes=${WRITES} last_subscriber_ms p50=${pct(lastArrivals, 50).toFixed(1)} ` +
    `p99=${pct(lastArrivals, 99).toFixed(1)} max=${Math.max(...lastArrivals).toFixed(1)} ` +
    `all_deliveries_ms p50=${pct(all, 50).toFixed(1)} p99=${pct(all, 99).toFixed(1)}`,
);
for (const ws of sockets) ws.terminate();
