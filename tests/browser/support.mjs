// Shared helpers of the browser tests: start the gateway and other child processes (and
// always stop them), mint tokens, launch Debian's Chromium, wait for conditions.
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const run = promisify(execFile);

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// ---------------------------------------------------------------------------------------
// Child processes: every one started here is killed when the test file ends, passing or
// failing, and also when the process is interrupted.

const children = new Set();
const SETPRIV = '/usr/bin/setpriv'; // util-linux, on every Debian

function killAll(signal) {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
  }
}

/** Temporary directories removed when the process exits, whatever the way. */
const scratch = new Set();

process.once('exit', () => {
  killAll('SIGKILL');
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAll('SIGKILL');
    process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[signal] ?? 0));
  });
}

/**
 * Starts `command`; its output is kept (`child.output()`) for error messages. The process
 * is stopped by `stop(child)` or, at the latest, when this process exits.
 */
export function start(command, args, options = {}) {
  // The kernel kills the child if this process dies without cleaning up (a crash, SIGKILL,
  // or node:test's harness rethrowing an error, which skips 'exit' handlers).
  const [file, argv] = existsSync(SETPRIV)
    ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]]
    : [command, args];
  const child = spawn(file, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const keep = (chunk) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.output = () => output;
  return child;
}

/** SIGTERM, then SIGKILL if the process has not exited after `grace` ms. */
export async function stop(child, grace = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), grace);
  await exited;
  clearTimeout(timer);
}

/** Resolves with the first match of `pattern` in the child's output; rejects if it exits first. */
export function waitForOutput(child, pattern, { timeout = 30_000, what = String(pattern) } = {}) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = child.output().match(pattern);
      if (match) {
        done();
        resolve(match);
      }
    };
    const onExit = (code, signal) => {
      done();
      reject(new Error(`${what}: the process exited (${signal ?? code}) first:\n${child.output()}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what}: not seen within ${timeout} ms:\n${child.output()}`));
    }, timeout);
    const done = () => {
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.stderr.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

/** Runs a command to completion; rejects with its output when it fails. */
export async function runToCompletion(command, args, options = {}) {
  const child = start(command, args, options);
  const [code, signal] = await once(child, 'exit');
  if (code !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${signal ?? code}):\n${child.output()}`);
  }
  return child.output();
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

// ---------------------------------------------------------------------------------------
// The gateway.

export function gatewayBinary() {
  const bin = process.env.GATEWAY_BIN;
  if (!bin) throw new Error('GATEWAY_BIN is not set: run the browser tests through tests/browser/run.sh');
  return bin;
}

/**
 * Starts `interest-gateway serve` on a fresh SQLite database in a temporary directory, on a
 * random port of 127.0.0.1. Returns { url, address, secret, token(), metric(), stop() }.
 */
export async function startGateway({ secret = 'browser-test-secret-0123456789abcdef', env = {} } = {}) {
  const bin = gatewayBinary();
  const dir = await mkdtemp(join(tmpdir(), 'interest-gateway-browser-'));
  scratch.add(dir);
  const child = start(bin, ['serve', '--bind', '127.0.0.1:0', '--log-format', 'json'], {
    env: {
      ...process.env,
      JWT_SECRET: secret,
      DATABASE_URL: `sqlite://${join(dir, 'app.db')}?mode=rwc`,
      ...env,
    },
  });
  let address;
  try {
    [, address] = await waitForOutput(child, /"address":"([^"]+)"/, { what: 'the gateway to listen' });
  } catch (error) {
    await stop(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const url = `http://${address}`;
  return {
    url,
    address,
    secret,
    process: child,
    log: () => child.output(),
    /** Mints a token with the gateway's secret (`interest-gateway token`). */
    async token({ sub, name, tid, groups } = {}) {
      const args = ['token', '--sub', sub];
      if (name) args.push('--name', name);
      if (tid) args.push('--tid', tid);
      if (groups) args.push('--groups', groups);
      const { stdout } = await run(bin, args, { env: { ...process.env, JWT_SECRET: secret } });
      const token = stdout.trim().split(/\s+/).pop();
      if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) throw new Error(`unexpected output of token: ${stdout}`);
      return token;
    },
    /** A gauge or counter from /metrics (the sum over its label sets). */
    async metric(name) {
      const text = await (await fetch(`${url}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const match = line.match(/^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/);
        if (match && match[1] === name) sum += Number(match[3]);
      }
      return sum;
    },
    /** POST /graphql as `token`; returns the parsed response. */
    async graphql(token, query, variables = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    },
    async stop() {
      await stop(child);
      await rm(dir, { recursive: true, force: true });
      scratch.delete(dir);
    },
  };
}

// ---------------------------------------------------------------------------------------
// The browser.

export function launchChromium() {
  // No browser download: Debian's Chromium. Playwright passes --no-sandbox (we run as root).
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}

/** Retries `check` (an assertion) until it passes or `timeout` ms have gone by. */
export async function eventually(check, { timeout = 15_000, interval = 50 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
