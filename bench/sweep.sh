#!/usr/bin/env bash
# Runs one JMH benchmark over 1..N producer threads, keeps each run's JSON, and draws a chart of a metric
# against threads, one line per parameter combination.
#
#   bench/sweep.sh -b DeferBenchmark -n 2 -m deferred -o bench/results/defer -- -p variant=PER_CPU_LOCKED,BATCHED
#
#   -b  benchmark (a JMH include regexp)            default DeferBenchmark
#   -n  most producer threads (-tg 1..N)             default: the cores available minus one (the owner's)
#   -m  metric to chart: "score" (the primary one) or an @AuxCounters name such as "deferred"
#   -o  output folder (JSON per thread count, chart.svg)
#   everything after -- goes to JMH as it is (-p, -wi, -i, -f, -prof ...)
# Needs bench/target/benchmarks.jar (./mvnw -pl bench -am package -DskipTests) and python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench=DeferBenchmark
max=$(( $(nproc) > 1 ? $(nproc) - 1 : 1 ))
metric=score
out="$here/results/sweep"
while [ $# -gt 0 ]; do
  case "$1" in
    -b) bench="$2"; shift 2 ;;
    -n) max="$2"; shift 2 ;;
    -m) metric="$2"; shift 2 ;;
    -o) out="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "sweep.sh: unknown option '$1' (allowed: -b, -n, -m, -o, then -- and JMH options)" >&2; exit 2 ;;
  esac
done
case "$max" in ''|*[!0-9]*|0) echo "sweep.sh: -n '$max' is not a thread count (allowed: 1..)" >&2; exit 2 ;; esac
jar="$here/target/benchmarks.jar"
[ -f "$jar" ] || { echo "sweep.sh: $jar is missing: build it with ./mvnw -pl bench -am package -DskipTests" >&2; exit 2; }
java="${JAVA:-java}"
mkdir -p "$out"
for k in $(seq 1 "$max"); do
  echo "== $bench with $k producer thread(s)"
  "$java" -jar "$jar" "$bench" -tg "$k" -rf json -rff "$out/threads-$k.json" "$@"
done
python3 "$here/chart.py" --metric "$metric" --title "$bench: $metric against producer threads" "$out"/threads-*.json > "$out/chart.svg"
echo "chart: $out/chart.svg"
