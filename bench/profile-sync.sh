#!/usr/bin/env bash
# The webhook's in-memory profiles against a real Redis: memory per 1,000, the first load, idle and one-change syncs.
# Usage: bench/profile-sync.sh [PROFILES, 10000] [NAMESPACES, 100] [REPEATS, 5]. Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
dotnet build bench/ProfileSync -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet bench/ProfileSync/bin/Release/net10.0/profile-sync.dll "${1:-10000}" "${2:-100}" "${3:-5}"
