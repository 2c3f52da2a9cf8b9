#!/usr/bin/env bash
# The profiler at cluster scale, in one run: synthetic clusters of 100, 1,000 and 10,000 workloads loaded into a
# real Prometheus; first-start backfill, incremental cycles, queries, samples, resident state per container, and
# a naive per-workload mode (as KRR queries) at 100 and 1,000 workloads. Results: docs/benchmarks.md.
# Needs redis-server, prometheus and promtool, about 10 GB of free disk and 15 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/ProfilerScale -c Release --nologo -v quiet -clp:ErrorsOnly
run="dotnet bench/ProfilerScale/bin/Release/net10.0/profiler-scale.dll"
$run 100 1440 naive     # 24 h of data
$run 1000 1440 naive    # 24 h of data
$run 10000 60           # 1 h of data: 10,000 workloads for longer do not fit this machine's disk and time budget
