#!/usr/bin/env bash
# The whole test command (`npm test`): real tools, static checks, the bundle check, then every test suite.
# Ends with a "N passed, N failed" line so a reader of the log sees the count without scrolling.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

eval "$(bash scripts/test-tools.sh)"
echo "node $(node --version) (from node_modules/.bin), tofu $("$TOFU_BIN" version | head -1), conftest $("$CONFTEST_BIN" --version | head -1)"

# The static checks are single-threaded: side by side they take the time of the slowest, not of all three.
checks=$(mktemp -d)
tsc --noEmit >"$checks/tsc" 2>&1 &
tsc_pid=$!
eslint . >"$checks/eslint" 2>&1 &
eslint_pid=$!
prettier --check . >"$checks/prettier" 2>&1 &
prettier_pid=$!
failed=()
wait "$tsc_pid" || failed+=(tsc)
wait "$eslint_pid" || failed+=(eslint)
wait "$prettier_pid" || failed+=(prettier)
for check in "${failed[@]}"; do
  echo "--- $check failed:"
  cat "$checks/$check"
done
rm -rf "$checks"
[[ ${#failed[@]} -eq 0 ]] || exit 1

results=$(mktemp)
status=0
vitest run --reporter=default --reporter=json --outputFile="$results" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$results" || true
rm -f "$results"
exit "$status"
