// GraphiQL at `/`, in Debian's Chromium with the network cut off: every asset comes from the
// gateway itself, the demo token of development mode is already in the Headers tab, and the
// pre-filled example runs queries, mutations and a live subscription.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually, gatewayBinary, launchChromium, start, stop, waitForOutput } from './support.mjs';

let gateway;
let dir;
let base;
let authorization;
let browser;
let context;
const outside = []; // requests that tried to leave 127.0.0.1

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'interest-gateway-graphiql-'));
  const env = { ...process.env, DATABASE_URL: `sqlite://${join(dir, 'app.db')}?mode=rwc` };
  delete env.JWT_SECRET; // development mode: no secret, a demo token
  delete env.JWKS_FILE;
  gateway = start(gatewayBinary(), ['serve', '--bind', '127.0.0.1:0', '--log-format', 'json'], { env });
  const [, address] = await waitForOutput(gateway, /"address":"([^"]+)"/, { what: 'the gateway to listen' });
  [, authorization] = await waitForOutput(gateway, /Authorization: (Bearer [\w.-]+)/, { what: 'the demo token' });
  base = `http://${address}`;

  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  // The network is cut off: only the gateway on 127.0.0.1 answers; anything else fails and
  // is recorded, so the page cannot lean on a CDN that happens to be reachable.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    outside.push(url.href);
    return route.abort('internetdisconnected');
  });
});

after(async () => {
  await browser?.close();
  await stop(gateway);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The text of one of GraphiQL's editors (GraphiQL 3 uses CodeMirror 5, which renders only
 * the lines in view, so the text is read from the editor, not the DOM). */
const editor = (page, selector) =>
  page.evaluate((s) => document.querySelector(s)?.CodeMirror.getValue() ?? '', selector);
const result = (page) => editor(page, '.result-window .CodeMirror');

/** Runs the operation `name` of the editor's document. */
async function run(page, name) {
  await page.locator('.graphiql-execute-button').click();
  const menu = page.locator('[role="menu"] [role="menuitem"]', { hasText: name });
  if (await menu.count()) await menu.first().click();
}

test('GraphiQL loads offline, with the demo token, and runs the example query and mutation', async () => {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${base}/`, { waitUntil: 'load' });
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor();

  const query = await editor(page, '.graphiql-query-editor .CodeMirror');
  for (const operation of ['query MyInterests', 'mutation AddInterest', 'subscription LiveChanges']) {
    assert.ok(query.includes(operation), `the example has ${operation}`);
  }
  const headers = await editor(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
  assert.ok(headers.includes(authorization), `the Headers tab holds the demo token: ${headers}`);

  await run(page, 'AddInterest');
  await eventually(async () => assert.match(await result(page), /"createInterest"[\s\S]*"Rust"/));
  await run(page, 'MyInterests');
  await eventually(async () => {
    const text = await result(page);
    assert.match(text, /"totalCount": 1/);
    assert.match(text, /"displayName": "Rust"/);
  });
  assert.deepEqual(problems, [], 'no script errors');
  assert.deepEqual(outside, [], 'nothing was fetched from outside the gateway');
  await page.close();
});

test('a subscription run in GraphiQL shows a change made by another client', async () => {
  const page = await context.newPage();
  const subscription = 'subscription Live { interestEvents { type interest { displayName } } }';
  await page.goto(`${base}/?query=${encodeURIComponent(subscription)}`, { waitUntil: 'load' });
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
  assert.equal(await editor(page, '.graphiql-query-editor .CodeMirror'), subscription);
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await run(page, 'Live');
  // The subscription is live once the gateway counts a subscriber.
  await eventually(async () => {
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^interest_gateway_subscribers [1-9]/m);
  });

  const created = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({
      query: 'mutation { createInterest(input: { displayName: "Sea kayaking" }) { id } }',
    }),
  }).then((r) => r.json());
  assert.ok(created.data?.createInterest?.id, JSON.stringify(created));

  await eventually(async () => {
    const text = await result(page);
    assert.match(text, /"type": "CREATED"/);
    assert.match(text, /"displayName": "Sea kayaking"/);
  });
  assert.deepEqual(sockets.map((u) => new URL(u).pathname), ['/graphql']);
  assert.deepEqual(outside, [], 'nothing was fetched from outside the gateway');
  await page.close();
});
