#!/usr/bin/env bash
# The README's test command: prepares the machine (packages, dockerd, test user), runs every jest
# project, and ends with the plain count "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-machine.sh || { echo "0 passed, 1 failed"; exit 1; }
results=$(mktemp)
swarm=$(mktemp)
code=0
if [ $# -gt 0 ]; then
  npx jest --forceExit --maxWorkers=2 --json --outputFile="$results" "$@" || code=1
  echo '{"numPassedTests":0,"numFailedTests":0,"numRuntimeErrorTestSuites":0}' >"$swarm"
else
  # The swarm tests join and leave a swarm, which drops the published ports of containers running
  # beside them: they run alone, after every other test.
  npx jest --forceExit --maxWorkers=2 --json --outputFile="$results" --selectProjects unit integration e2e || code=1
  npx jest --forceExit --runInBand --passWithNoTests --json --outputFile="$swarm" --selectProjects swarm || code=1
fi
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const file of process.argv.slice(1)) {
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  }
  console.log(`${passed} passed, ${failed} failed`);
' "$results" "$swarm" || { echo "0 passed, 1 failed"; code=1; }
rm -f "$results" "$swarm"
exit $code
