#!/usr/bin/env bash
# The README's test command: prepares the machine (packages, dockerd, test user), runs every jest
# project, and ends with the plain count "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-machine.sh || { echo "0 passed, 1 failed"; exit 1; }
results=$(mktemp)
npx jest --maxWorkers=2 --json --outputFile="$results" "$@"
code=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  console.log(`${r.numPassedTests} passed, ${failed} failed`);
' "$results" || { echo "0 passed, 1 failed"; code=1; }
rm -f "$results"
exit $code
