#!/usr/bin/env bash
# Runs one pgbench script once through psql with a fixed key n, to check what it returns.
#
#   bench/pgbench/check.sh W N [DATABASE_URL]      e.g. bench/pgbench/check.sh w3 36
#
# psql understands the scripts' \gset; `\set n random(...)` becomes `\set n N` and every string
# variable :x becomes psql's quoted :'x' (pgbench sends them as parameters instead).
# W4 (w4) really inserts one row; run.sh's cleanup (or the DELETE it prints) removes it.
set -euo pipefail
W=${1:?usage: check.sh W N [DATABASE_URL]}
N=${2:?usage: check.sh W N [DATABASE_URL]}
URL=${3:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ig_bench}}
cd "$(dirname "$0")"
python3 - "$W.sql" "$N" <<'PY' | psql "$URL" -X -v ON_ERROR_STOP=1 -P pager=off
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r"^\\set n random\(.*\)$", r"\\set n " + sys.argv[2], text, flags=re.M)
numeric = {"n", "page", "lim", "version"}
text = re.sub(r"(?<![:\w]):([a-z_][a-z0-9_]*)",
              lambda m: m.group(0) if m.group(1) in numeric else ":'" + m.group(1) + "'", text)
print(text)
PY
