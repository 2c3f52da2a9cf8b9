#!/usr/bin/env bash
# The webhook under load, against a bare Kestrel HTTPS endpoint in the same run; then with Redis killed half-way.
# Usage: bench/webhook-load.sh [SECONDS per run, 20] [ROUNDS, 3]
# Needs wrk and h2load (Debian packages wrk and nghttp2-client). Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk h2load; do
  command -v $tool >/dev/null || {
    echo "installing wrk and nghttp2-client"
    apt-get install -y -qq wrk nghttp2-client >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk nghttp2-client >/dev/null; }
    break
  }
done
source scripts/prerequisites.sh
dotnet build bench/WebhookLoad -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet bench/WebhookLoad/bin/Release/net10.0/webhook-load.dll "${1:-20}" "${2:-3}"
