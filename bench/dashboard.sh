#!/usr/bin/env bash
# The dashboard at scale: 5,000 workloads' profiles in Redis, their requests, owners and an hour of usage in
# Prometheus; page times over HTTP (cold and warm) and in Debian's headless Chromium (navigation timing).
# Usage: bench/dashboard.sh [WORKLOADS, 5000] [REPEATS, 20]. Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RESORCERER_NEEDS_CHROMIUM=1 source scripts/prerequisites.sh
dotnet build bench/Dashboard -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet bench/Dashboard/bin/Release/net10.0/dashboard-load.dll "${1:-5000}" "${2:-20}"
