#!/usr/bin/env bash
# Runs resorcerer end to end on this machine with embedded defaults: real Redis and Prometheus filled with
# the bundled sample (samples/), one profiler cycle, the webhook over HTTPS, and a sample pod admitted
# through it. Prints the profiles, the report, the dashboard's address, and the pod before and after; stops
# everything it started (with --serve, once Ctrl-C is pressed: the dashboard stays up to be opened until then).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
dotnet build src/Demo -c Release --nologo -v quiet -clp:ErrorsOnly
exec dotnet src/Demo/bin/Release/net10.0/resorcerer-demo.dll "$@"
