// End-to-end test of examples/web (React + Apollo Client) against a real gateway, in
// Debian's Chromium: two pages of the same user; what one does shows up live in the other.
//
// Needs GATEWAY_BIN (run.sh sets it) and `npm ci` done in examples/web.
// UPDATE_SCREENSHOT=1 also writes docs/screenshots/web-app.png.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  eventually,
  freePort,
  launchChromium,
  runToCompletion,
  start,
  startGateway,
  stop,
  waitForOutput,
} from './support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const web = join(root, 'examples', 'web');
const PAGE_SIZE = 5; // examples/web/src/components/InterestList.tsx
const VIEWPORT = { width: 1280, height: 800 };

let gateway;
let preview;
let browser;
let token;
let appUrl;
/** Two windows of the same user. */
let one;
let two;
const browserErrors = [];

before(async () => {
  gateway = await startGateway();
  token = await gateway.token({ sub: 'alice', name: 'Alice Example', tid: 'contoso' });

  // Build the app (codegen, tsc, vite) and serve the build; `vite preview` proxies /graphql
  // (HTTP and WebSocket) to the gateway.
  await runToCompletion('npm', ['run', 'build', '--silent'], { cwd: web });
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    preview = start(
      process.execPath,
      [join(web, 'node_modules', 'vite', 'bin', 'vite.js'), 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
      { cwd: web, env: { ...process.env, GATEWAY_URL: gateway.url, NO_COLOR: '1' } },
    );
    try {
      await waitForOutput(preview, new RegExp(`http://127\\.0\\.0\\.1:${port}`), { what: 'vite preview to listen' });
      appUrl = `http://127.0.0.1:${port}`;
      break;
    } catch (error) {
      await stop(preview);
      // Someone took the free port in the meantime: take another.
      if (attempt >= 3 || !/already in use/i.test(preview.output())) throw error;
    }
  }

  browser = await launchChromium();
  // One browser context (a window) per page: Chromium throttles a tab that is not in front
  // of its window, which would make every click in it wait for a frame.
  const page = async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    context.setDefaultTimeout(15_000);
    return context.newPage();
  };
  one = await page();
  two = await page();
  for (const [name, page] of [['page 1', one], ['page 2', two]]) {
    page.on('pageerror', (error) => browserErrors.push(`${name}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') browserErrors.push(`${name}: console: ${message.text()}`);
    });
    await page.goto(`${appUrl}/?token=${encodeURIComponent(token)}`);
    // A marker that only survives as long as the page is not reloaded.
    await page.evaluate(() => {
      window.__notReloaded = true;
    });
  }
  for (const page of [one, two]) {
    await page.getByTestId('me').filter({ hasText: 'Alice Example' }).waitFor();
    await page.getByTestId('live-status').filter({ hasText: 'Live' }).waitFor();
  }
  // The gateway has registered both subscriptions: later writes reach both pages.
  await eventually(async () => assert.ok((await gateway.metric('interest_gateway_subscribers')) >= 2));
});

after(async () => {
  if (browserErrors.length > 0) console.error(`errors in the browser:\n${browserErrors.join('\n')}`);
  await browser?.close().catch(() => {});
  await stop(preview);
  await gateway?.stop();
});

const item = (page, name) => page.getByTestId('interest-item').filter({ has: page.getByTestId('interest-name').getByText(name, { exact: true }) });

async function assertNotReloaded(page) {
  assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was reloaded');
}

async function totalCount(page) {
  return (await page.getByTestId('total-count').textContent())?.trim();
}

test('the token from ?token= signs in, leaves the address bar and is kept', async () => {
  assert.equal(new URL(two.url()).searchParams.get('token'), null);
  assert.equal(await two.evaluate(() => localStorage.getItem('interest-gateway.token')), token);
  await two.getByTestId('empty').waitFor();
  assert.equal(await totalCount(two), '0');
});

test('an interest created in one page appears live in the other', async () => {
  await one.getByLabel('Name').fill('Rust programming');
  await one.getByLabel('Description').fill('Systems programming without fear.');
  await one.getByLabel('Web URL').fill('https://www.rust-lang.org');
  await one.getByLabel('Categories').fill('Programming, Systems');
  await one.getByRole('checkbox', { name: 'Able to mentor' }).check();
  await one.getByRole('checkbox', { name: 'Wants to improve' }).check();
  await one.getByLabel('Who can see it').selectOption({ label: 'Everyone' });
  await one.getByRole('button', { name: 'Add interest' }).click();
  await one.getByTestId('form-status').filter({ hasText: 'Added “Rust programming”' }).waitFor();

  const seen = item(two, 'Rust programming');
  await seen.waitFor();
  const text = await seen.textContent();
  for (const expected of ['Systems programming without fear.', 'Programming', 'Systems', 'Able to mentor', 'Wants to improve', 'Visible to everyone']) {
    assert.ok(text.includes(expected), `“${expected}” in “${text}”`);
  }
  assert.equal(await seen.getByRole('link', { name: 'Rust programming' }).getAttribute('href'), 'https://www.rust-lang.org');
  await eventually(async () => assert.equal(await totalCount(two), '1'));
  await assertNotReloaded(two);
});

test('an edit in one page shows in the other', async () => {
  await one.getByRole('button', { name: 'Edit Rust programming' }).click();
  await one.getByRole('heading', { name: 'Edit “Rust programming”' }).waitFor();
  assert.equal(await one.getByLabel('Categories').inputValue(), 'Programming, Systems');
  assert.equal(await one.getByRole('checkbox', { name: 'Able to mentor' }).isChecked(), true);
  await one.getByLabel('Name').fill('Rust, the language');
  await one.getByLabel('Description').fill('Fearless concurrency.');
  await one.getByRole('checkbox', { name: 'Wants to improve' }).uncheck();
  await one.getByRole('button', { name: 'Save changes' }).click();
  await one.getByRole('heading', { name: 'Add an interest' }).waitFor();

  const seen = item(two, 'Rust, the language');
  await seen.waitFor();
  await item(two, 'Rust programming').waitFor({ state: 'detached' });
  const text = await seen.textContent();
  assert.ok(text.includes('Fearless concurrency.'), text);
  assert.ok(!text.includes('Wants to improve'), text);
  await assertNotReloaded(two);
});

test('a deletion in one page removes the interest from the other', async () => {
  // Page 2 has it open in the form: the deletion closes the form there too.
  await two.getByRole('button', { name: 'Edit Rust, the language' }).click();
  await two.getByRole('heading', { name: 'Edit “Rust, the language”' }).waitFor();

  await one.getByRole('button', { name: 'Delete Rust, the language' }).click();
  await one.getByRole('button', { name: 'Confirm delete' }).click();
  await item(one, 'Rust, the language').waitFor({ state: 'detached' });

  await item(two, 'Rust, the language').waitFor({ state: 'detached' });
  await two.getByTestId('empty').waitFor();
  await two.getByRole('heading', { name: 'Add an interest' }).waitFor();
  await eventually(async () => assert.equal(await totalCount(two), '0'));
  await assertNotReloaded(two);
});

test("a bad web URL shows the API's validation message next to the field", async () => {
  // What the API itself says about this input.
  const direct = await gateway.graphql(token, 'mutation($input: CreateInterestInput!) { createInterest(input: $input) { id } }', {
    input: { displayName: 'Broken link', webUrl: 'not a url' },
  });
  const [apiError] = direct.errors;
  assert.equal(apiError.extensions.code, 'BAD_USER_INPUT');
  assert.equal(apiError.extensions.field, 'input.webUrl');

  await one.getByLabel('Name').fill('Broken link');
  await one.getByLabel('Web URL').fill('not a url');
  await one.getByRole('button', { name: 'Add interest' }).click();

  const message = one.getByTestId('error-webUrl');
  await message.waitFor();
  assert.equal((await message.textContent()).trim(), apiError.message);
  const field = one.getByLabel('Web URL');
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.equal(await field.getAttribute('aria-describedby'), await message.getAttribute('id'));
  assert.equal(await one.getByTestId('form-error').count(), 0, 'no generic message for a field error');
  assert.equal(await one.getByTestId('error-displayName').count(), 0);

  // Nothing was stored, and a corrected URL goes through.
  assert.equal(await totalCount(one), '0');
  await one.getByLabel('Web URL').fill('https://example.org/broken-link');
  await message.waitFor({ state: 'detached' });
  await one.getByRole('button', { name: 'Add interest' }).click();
  await item(two, 'Broken link').waitFor();
  await one.getByRole('button', { name: 'Delete Broken link' }).click();
  await one.getByRole('button', { name: 'Confirm delete' }).click();
  await item(two, 'Broken link').waitFor({ state: 'detached' });
});

// Oldest first; the list shows newest first.
const INTERESTS = [
  {
    displayName: 'Sourdough baking',
    description: 'Wild yeast, long fermentation, crusty loaves.',
    categories: ['Cooking', 'Baking'],
    collaborationTags: ['WANTS_TO_IMPROVE'],
    allowedAudiences: 'FAMILY',
  },
  {
    displayName: 'Bouldering',
    description: 'Indoor problems, V4 and climbing.',
    categories: ['Sport', 'Climbing'],
    collaborationTags: ['ASK_ME_ABOUT'],
    allowedAudiences: 'EVERYONE',
  },
  {
    displayName: 'Jazz piano',
    description: 'Voicings, comping and the occasional solo.',
    categories: ['Music'],
    collaborationTags: ['WANTS_TO_LEARN'],
    allowedAudiences: 'CONTACTS',
  },
  {
    displayName: 'Kubernetes',
    description: 'Running stateful services on clusters.',
    webUrl: 'https://kubernetes.io',
    categories: ['Cloud', 'Operations'],
    collaborationTags: ['ABLE_TO_MENTOR'],
    allowedAudiences: 'ORGANIZATION',
  },
  {
    displayName: 'Distributed systems',
    description: 'Consensus, replication and the fallacies of the network.',
    categories: ['Computer science'],
    collaborationTags: ['ASK_ME_ABOUT', 'ABLE_TO_MENTOR'],
    allowedAudiences: 'ORGANIZATION',
  },
  {
    displayName: 'GraphQL API design',
    description: 'Schemas people enjoy using.',
    webUrl: 'https://graphql.org',
    categories: ['Programming', 'APIs'],
    collaborationTags: ['ABLE_TO_MENTOR'],
    allowedAudiences: 'ORGANIZATION',
  },
  {
    displayName: 'Rust programming',
    description: 'Systems programming without fear.',
    webUrl: 'https://www.rust-lang.org',
    categories: ['Programming', 'Systems'],
    collaborationTags: ['ABLE_TO_MENTOR', 'WANTS_TO_IMPROVE'],
    allowedAudiences: 'EVERYONE',
  },
];

test('pagination: more interests than a page make more than one page', async () => {
  assert.ok(INTERESTS.length > PAGE_SIZE);
  // Written by another client (this test, over HTTP): they arrive live in both pages.
  for (const input of INTERESTS) {
    const result = await gateway.graphql(token, 'mutation($input: CreateInterestInput!) { createInterest(input: $input) { id } }', { input });
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  }
  const total = INTERESTS.length;
  const newestFirst = INTERESTS.map((i) => i.displayName).reverse();
  const names = (page) => page.getByTestId('interest-name').allTextContents();

  await eventually(async () => {
    assert.equal(await totalCount(two), String(total));
    assert.deepEqual(await names(two), newestFirst.slice(0, PAGE_SIZE));
  });
  assert.equal((await two.getByTestId('page-status').textContent()).trim(), `Page 1: 1–${PAGE_SIZE} of ${total}`);
  assert.equal(await two.getByRole('button', { name: 'Previous page' }).isDisabled(), true);

  await two.getByRole('button', { name: 'Next page' }).click();
  await two.getByTestId('page-status').filter({ hasText: `Page 2: ${PAGE_SIZE + 1}–${total} of ${total}` }).waitFor();
  await eventually(async () => assert.deepEqual(await names(two), newestFirst.slice(PAGE_SIZE)));
  assert.equal(await two.getByRole('button', { name: 'Next page' }).isDisabled(), true);

  await two.getByRole('button', { name: 'Previous page' }).click();
  await two.getByTestId('page-status').filter({ hasText: `Page 1: 1–${PAGE_SIZE} of ${total}` }).waitFor();
  await eventually(async () => assert.deepEqual(await names(two), newestFirst.slice(0, PAGE_SIZE)));
  await assertNotReloaded(two);
});

test('search narrows the list', async () => {
  await two.getByLabel('Search').fill('sourdough');
  await eventually(async () => {
    assert.deepEqual(await two.getByTestId('interest-name').allTextContents(), ['Sourdough baking']);
    assert.equal(await totalCount(two), '1');
  });
  // Categories are searched too ("Programming" is one of GraphQL API design's).
  await two.getByLabel('Search').fill('programming');
  await eventually(async () =>
    assert.deepEqual((await two.getByTestId('interest-name').allTextContents()).sort(), ['GraphQL API design', 'Rust programming']),
  );
  await two.getByLabel('Search').fill('');
  await eventually(async () => assert.equal(await totalCount(two), String(INTERESTS.length)));
});

test('screenshot for the docs', { skip: process.env.UPDATE_SCREENSHOT !== '1' && 'set UPDATE_SCREENSHOT=1' }, async () => {
  const path = join(root, 'docs', 'screenshots', 'web-app.png');
  await mkdir(dirname(path), { recursive: true });
  // Page 2: the first page of interests, and the live activity that brought them.
  await eventually(async () => assert.equal(await two.getByTestId('interest-name').count(), PAGE_SIZE));
  await two.getByLabel('Search').blur();
  await two.screenshot({ path });
});
