// Runs graphql-http's serverAudits (the GraphQL-over-HTTP conformance suite) against a
// running gateway and fails when any MUST or SHOULD audit fails.
//
//   node audit.mjs http://127.0.0.1:8000/graphql
//
// Every request carries `apollo-require-preflight`: the gateway only runs GETs that prove they
// are not cross-site simple requests (API.md §8), as any configured client of it does.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}

const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('apollo-require-preflight', 'true');
  return fetch(input, { ...init, headers });
};

let failed = 0;
let passed = 0;
let warned = 0;
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  const level = audit.name.split(' ')[0];
  if (result.status === 'ok') {
    passed += 1;
  } else if (level === 'MAY') {
    warned += 1;
    console.log(`note   ${audit.name}: ${result.reason}`);
  } else {
    failed += 1;
    console.log(`FAILED ${audit.name}: ${result.reason}`);
  }
}
console.log(`graphql-http audits: ${passed} passed, ${failed} failed, ${warned} optional (MAY) not met`);
process.exit(failed === 0 ? 0 : 1);
