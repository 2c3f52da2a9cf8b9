#!/usr/bin/env bash
# Backtest of every strategy on the development traces (see docs/benchmarks.md for the results).
# Usage: bench/backtest.sh [TRACES_DIR]   (default: ../shared/traces beside the repository)
set -euo pipefail
cd "$(dirname "$0")/.."
traces=${1:-../shared/traces}
dotnet build src/Profiler -c Release --nologo -v quiet -clp:ErrorsOnly
profiler="dotnet src/Profiler/bin/Release/net10.0/resorcerer-profiler.dll"

for set in bitbrains-rnd google2019; do
  echo "== $set"
  /usr/bin/time -f "wall %e s, max RSS %M KB" \
    $profiler backtest --trace "$traces/$set/$set.usage.csv.gz" --provisioned "$traces/$set/$set.provisioned.csv" --strategy all
done

# The Bitbrains VMs in three disjoint thirds (by position in the sorted list of VM names), to see whether the
# ranking holds on series the constants were not looked at together with.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
zcat "$traces/bitbrains-rnd/bitbrains-rnd.usage.csv.gz" | awk -F, -v dir="$work" '
  NR == 1 { header = $0; for (i = 0; i < 3; i++) print header > (dir "/third" i ".csv"); next }
  !($2 in index_of) { index_of[$2] = count++ }
  { print > (dir "/third" (index_of[$2] % 3) ".csv") }'
for i in 0 1 2; do
  echo "== bitbrains-rnd, third $i"
  $profiler backtest --trace "$work/third$i.csv" --strategy all
done

# What resizing running pods buys: the same strategies with recommendations reaching the containers only when a
# pod is recreated (the webhook alone, in mode Initial), once a day and once a week.
for set in bitbrains-rnd google2019; do
  for every in 24h 7d; do
    [ "$set" = google2019 ] && [ "$every" = 7d ] && continue   # its tasks run 3.1 days: never restarted
    echo "== $set, --update-mode initial --restart-every $every"
    $profiler backtest --trace "$traces/$set/$set.usage.csv.gz" --strategy all --update-mode initial --restart-every "$every"
  done
done
