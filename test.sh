#!/usr/bin/env bash
# Runs every test: unit tests, and integration tests against real Redis and Prometheus servers
# (Testcontainers where a Docker engine answers, otherwise the Debian binaries on loopback ports), and the
# dashboard in Debian's headless Chromium. Screenshots of the dashboard's pages are kept in artifacts/screenshots.
# Ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
RESORCERER_NEEDS_CHROMIUM=1 source scripts/prerequisites.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Resorcerer.sln -c Release --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Each test assembly ends with "Passed!  - Failed: N, Passed: N, ..." (or "Failed!  - ...").
summaries=$(grep -E '^(Passed|Failed)! +- +Failed: +[0-9]+, Passed: +[0-9]+' "$log")
passed=$(echo "$summaries" | sed -nE 's/.*Passed: +([0-9]+).*/\1/p' | awk '{s+=$1} END {print s+0}')
failed=$(echo "$summaries" | sed -nE 's/.*Failed: +([0-9]+), Passed.*/\1/p' | awk '{s+=$1} END {print s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "The test run failed outside any single test (a build error or a crashed test host): see above."
  failed=1
fi
echo "$passed passed, $failed failed"
exit "$status"
