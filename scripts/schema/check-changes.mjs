// Schema change safety: compares schema.graphql with the schema of the last release
// (release/schema.graphql) using GraphQL Inspector, and fails on a breaking change unless
// CHANGELOG.md acknowledges it under "## Unreleased" with a line such as
//
//   - BREAKING `Query.interestFacets`: removed; use `interests` with …
//
// naming the change's coordinate (the `path` GraphQL Inspector reports, shown when it fails).
//
//   node check-changes.mjs [BASELINE] [CURRENT] [CHANGELOG]
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/** The lines of the "## Unreleased" section of a changelog. */
export function unreleasedLines(changelog) {
  const lines = changelog.split('\n');
  const start = lines.findIndex((l) => /^##\s+unreleased\b/i.test(l.trim()));
  if (start < 0) return [];
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^##\s/.test(l));
  return end < 0 ? rest : rest.slice(0, end);
}

/** Breaking changes from `baselineSdl` to `currentSdl`, each `{ path, message, acknowledged }`. */
export async function breakingChanges(baselineSdl, currentSdl, changelog) {
  const changes = await diff(buildSchema(baselineSdl), buildSchema(currentSdl));
  const notes = unreleasedLines(changelog).filter((l) => /\bbreaking\b/i.test(l));
  return changes
    .filter((c) => c.criticality.level === CriticalityLevel.Breaking)
    .map((c) => {
      const path = c.path ?? c.message;
      return { path, message: c.message, acknowledged: notes.some((l) => l.includes(`\`${path}\``)) };
    });
}

async function main([baseline = join(root, 'release/schema.graphql'), current = join(root, 'schema.graphql'), changelogFile = join(root, 'CHANGELOG.md')]) {
  // GraphQL Inspector's own report, for people reading the CI log.
  const cli = spawnSync(join(here, 'node_modules/.bin/graphql-inspector'), ['diff', baseline, current], {
    stdio: 'inherit',
  });
  if (cli.error) throw cli.error;
  const changelog = await readFile(changelogFile, 'utf8').catch(() => '');
  const breaking = await breakingChanges(await readFile(baseline, 'utf8'), await readFile(current, 'utf8'), changelog);
  const open = breaking.filter((c) => !c.acknowledged);
  if (cli.status !== 0 && breaking.length === 0) {
    console.error('graphql-inspector failed without a breaking change: see its output above');
    return 1;
  }
  for (const c of breaking.filter((c) => c.acknowledged)) {
    console.log(`acknowledged in CHANGELOG.md: \`${c.path}\` — ${c.message}`);
  }
  if (open.length > 0) {
    console.error(`\n${open.length} breaking change(s) since the last release are not acknowledged.`);
    console.error('Either keep the schema compatible, or add to the "## Unreleased" section of CHANGELOG.md:');
    for (const c of open) console.error(`  - BREAKING \`${c.path}\`: <why, and what clients must change> (${c.message})`);
    return 1;
  }
  console.log(`schema check: ${breaking.length} breaking change(s), all acknowledged`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2)).catch((err) => {
    console.error(err.message);
    return 1;
  });
}
