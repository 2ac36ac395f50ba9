#!/usr/bin/env bash
# Browser tests: builds the gateway, installs the Node packages, and runs every
# tests/browser/*.test.mjs with Node's test runner in Debian's Chromium (no browser download).
# UPDATE_SCREENSHOT=1 also refreshes docs/screenshots/web-app.png.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  fi
fi

(cd "$root" && cargo build --quiet --bin interest-gateway)
# Where cargo put it: CARGO_TARGET_DIR, a cargo config's build.target-dir, or $root/target.
target="$(cd "$root" && cargo metadata --format-version 1 --no-deps 2>/dev/null |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))' ||
  true)"
target="${target:-${CARGO_TARGET_DIR:-$root/target}}"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
(cd "$root/examples/web" && npm ci --no-audit --no-fund --loglevel=error)

export GATEWAY_BIN="$target/debug/interest-gateway"
[ -x "$GATEWAY_BIN" ] || { echo "no gateway binary at $GATEWAY_BIN" >&2; exit 1; }
cd "$here"
shopt -s nullglob
tests=(./*.test.mjs)
[ "${#tests[@]}" -gt 0 ] || { echo "no tests/browser/*.test.mjs"; exit 1; }
node --test --test-reporter=spec "${tests[@]}"
