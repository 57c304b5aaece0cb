#!/usr/bin/env bash
# The whole test command (`npm test`): real tools, static checks, the bundle check, then every test suite.
# Ends with a "N passed, N failed" line so a reader of the log sees the count without scrolling.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

eval "$(bash scripts/test-tools.sh)"
echo "node $(node --version) (from node_modules/.bin), tofu $("$TOFU_BIN" version | head -1), conftest $("$CONFTEST_BIN" --version | head -1)"

tsc --noEmit
eslint .
prettier --check . >/dev/null || { prettier --check .; exit 1; }

results=$(mktemp)
status=0
vitest run --reporter=default --reporter=json --outputFile="$results" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$results" || true
rm -f "$results"
exit "$status"
