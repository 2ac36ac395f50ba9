// Writes the random keys the wrk scripts draw from, with HS256 tokens for each request's viewer
// (the same claims the seed put in the directory, so no request rewrites it after warm-up).
//
//   node bench/keys.mjs DATABASE_URL JWT_SECRET OUT_DIR [COUNT]
//
// OUT_DIR/w1.tsv  interest id, owner token        (W1: an interest by id, as its owner)
// OUT_DIR/w2.tsv  user id, token                  (W2: the user's own first 20)
// OUT_DIR/w3.tsv  category, colleague token, their organization (W3: mentors in a category)
// OUT_DIR/w4.tsv  token, user, organization       (W4: create, as a random user)
// OUT_DIR/w5.tsv  first/deep cursor, token        (W5: filled in by compare.sh from the gateway)
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [url, secret, out, countArg] = process.argv.slice(2);
if (!url || !secret || !out) {
  console.error('usage: node keys.mjs DATABASE_URL JWT_SECRET OUT_DIR [COUNT]');
  process.exit(2);
}
const count = Number(countArg ?? 5000);
mkdirSync(out, { recursive: true });

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const header = b64({ alg: 'HS256', typ: 'JWT' });
const now = Math.floor(Date.now() / 1000);

/** A token for seeded user `user-<u>` with the claims bench/seed-postgres.sql recorded. */
function token(user) {
  const u = Number(user.replace('user-', ''));
  const claims = {
    sub: user,
    name: `User ${u}`,
    tid: `org-${u % 100}`,
    groups: [`g-${u % 1000}`, `g-${(u * 7 + 1) % 1000}`],
    iat: now,
    exp: now + 24 * 3600,
  };
  const body = `${header}.${b64(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

const psql = (sql) =>
  execFileSync('psql', [url, '-AtF', '\t', '-c', sql], { encoding: 'utf8', maxBuffer: 1 << 28 })
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'));

const interests = psql(`SELECT id, user_id FROM interest ORDER BY md5(id::text) LIMIT ${count}`);
writeFileSync(join(out, 'w1.tsv'), interests.map(([id, user]) => `${id}\t${token(user)}\n`).join(''));

// Users that exist in this seed (bench/seed-postgres.sql names them user-1 … user-N).
const [[userCount]] = psql("SELECT count(*) FROM directory_user WHERE id LIKE 'user-%'");
const users = Array.from({ length: count }, (_, i) => `user-${((i * 7919) % Number(userCount)) + 1}`);
writeFileSync(join(out, 'w2.tsv'), users.map((user) => `${user}\t${token(user)}\n`).join(''));

// A colleague: a user of the same organization as no one in particular — any user, since every
// organization has interests in every category. Categories as the seed names them.
const tenant = (user) => `org-${Number(user.replace('user-', '')) % 100}`;
writeFileSync(
  join(out, 'w3.tsv'),
  users.map((user, i) => `Category ${(i * 13) % 30}\t${token(user)}\t${tenant(user)}\n`).join(''),
);
writeFileSync(join(out, 'w4.tsv'), users.map((user) => `${token(user)}\t${user}\t${tenant(user)}\n`).join(''));
console.log(`keys: ${count} per workload in ${out}`);
