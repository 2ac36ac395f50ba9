// Tests of the CI schema tools themselves: a check that cannot fail would guard nothing.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { breakingChanges, unreleasedLines } from './check-changes.mjs';
import { compose } from './compose.mjs';

const baseline = `type Query { interest(id: ID!): Interest  facets: [String!]! }
type Interest { id: ID!  name: String! }`;
const removed = `type Query { interest(id: ID!): Interest }
type Interest { id: ID!  name: String! }`;
const added = `type Query { interest(id: ID!): Interest  facets: [String!]!  more: Int }
type Interest { id: ID!  name: String!  url: String }`;

const changelog = (unreleased) => `# Changelog\n\n## Unreleased\n${unreleased}\n\n## 0.1.0\n- BREAKING \`Query.facets\`: an old note\n`;

test('an added field is not breaking', async () => {
  assert.deepEqual(await breakingChanges(baseline, added, changelog('')), []);
});

test('a removed field is breaking and unacknowledged by default', async () => {
  const changes = await breakingChanges(baseline, removed, changelog('### Added\n- nothing'));
  assert.equal(changes.length, 1);
  assert.equal(changes[0].path, 'Query.facets');
  assert.equal(changes[0].acknowledged, false, 'a note under a released version does not count');
});

test('a BREAKING line naming the coordinate under Unreleased acknowledges it', async () => {
  const changes = await breakingChanges(baseline, removed, changelog('- BREAKING `Query.facets`: gone, use X'));
  assert.equal(changes[0].acknowledged, true);
  const other = await breakingChanges(baseline, removed, changelog('- BREAKING `Query.interest`: unrelated'));
  assert.equal(other[0].acknowledged, false);
});

test('unreleasedLines stops at the next version heading', () => {
  assert.deepEqual(unreleasedLines('## Unreleased\na\nb\n## 1.0\nc'), ['a', 'b']);
  assert.deepEqual(unreleasedLines('# nothing here'), []);
});

const gateway = await readFile(new URL('./toy-subgraph.graphql', import.meta.url), 'utf8');
const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])';

test('composition fails when subgraphs disagree on a shared field', () => {
  const a = `${link}\ntype Query { a: User }\ntype User @key(fields: "id") { id: ID! name: String! }`;
  const b = `${link}\ntype Query { b: User }\ntype User @key(fields: "id") { id: ID! name: Int! }`;
  const result = compose([
    { name: 'a', sdl: a },
    { name: 'b', sdl: b },
  ]);
  assert.ok(result.errors?.length > 0, 'incompatible field types must not compose');
});

test('the toy subgraph composes with a subgraph that owns User and PersonInterest', () => {
  const owner = `${link}\ntype Query { me: User }\ntype User @key(fields: "id") { id: ID! }\ntype PersonInterest @key(fields: "id") { id: ID! displayName: String! }`;
  const result = compose([
    { name: 'interests', sdl: owner },
    { name: 'toy', sdl: gateway },
  ]);
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  assert.match(result.supergraphSdl, /join__Graph/);
});
