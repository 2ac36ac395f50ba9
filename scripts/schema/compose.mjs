// Composes the gateway's subgraph SDL (read from a running gateway's `_service { sdl }`) with
// other subgraphs using Apollo Federation's own composition, and fails on any error.
//
//   node compose.mjs http://127.0.0.1:8000/graphql [toy-subgraph.graphql ...] [--out supergraph.graphql]
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

/** Composes `[{ name, sdl }]`; returns `{ supergraphSdl }` or `{ errors: [message] }`. */
export function compose(subgraphs) {
  const result = composeServices(
    subgraphs.map(({ name, sdl, url }) => ({ name, url: url ?? `http://${name}.invalid/graphql`, typeDefs: parse(sdl) })),
  );
  if (result.errors && result.errors.length > 0) {
    return { errors: result.errors.map((e) => e.message), hints: result.hints ?? [] };
  }
  return { supergraphSdl: result.supergraphSdl, hints: result.hints ?? [] };
}

/** The subgraph SDL a running gateway reports. */
export async function fetchSdl(endpoint) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
  });
  const body = await response.json();
  const sdl = body?.data?._service?.sdl;
  if (typeof sdl !== 'string') {
    throw new Error(`no _service.sdl from ${endpoint}: ${JSON.stringify(body)}`);
  }
  return sdl;
}

async function main(argv) {
  const outAt = argv.indexOf('--out');
  const out = outAt >= 0 ? argv[outAt + 1] : undefined;
  const args = argv.filter((_, i) => outAt < 0 || (i !== outAt && i !== outAt + 1));
  const [endpoint, ...others] = args;
  if (!endpoint) {
    console.error('usage: node compose.mjs GATEWAY_GRAPHQL_URL [SUBGRAPH.graphql ...] [--out FILE]');
    return 2;
  }
  const subgraphs = [{ name: 'interests', url: endpoint, sdl: await fetchSdl(endpoint) }];
  for (const file of others.length > 0 ? others : [new URL('./toy-subgraph.graphql', import.meta.url).pathname]) {
    subgraphs.push({ name: basename(file).replace(/\.graphql$/, ''), sdl: await readFile(file, 'utf8') });
  }
  const result = compose(subgraphs);
  if (result.errors) {
    console.error(`composition of ${subgraphs.map((s) => s.name).join(' + ')} FAILED:`);
    for (const message of result.errors) console.error(`  - ${message}`);
    return 1;
  }
  const types = (result.supergraphSdl.match(/^type \w+/gm) ?? []).length;
  console.log(
    `composed ${subgraphs.map((s) => s.name).join(' + ')}: supergraph with ${types} object types, ${result.hints.length} hints`,
  );
  if (out) {
    await writeFile(out, result.supergraphSdl);
    console.log(`supergraph SDL written to ${out}`);
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2)).catch((err) => {
    console.error(err.message);
    return 1;
  });
}
