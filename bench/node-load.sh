#!/usr/bin/env bash
# The load-watcher API at cluster scale: refresh time, and the answer's size and latency over HTTP.
# Usage: bench/node-load.sh [NODES, 5000] [REPEATS, 5] [REQUESTS, 200]. Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
dotnet build bench/NodeLoad -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet bench/NodeLoad/bin/Release/net10.0/node-load.dll "${1:-5000}" "${2:-5}" "${3:-200}"
