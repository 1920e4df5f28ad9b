#!/usr/bin/env bash
# (A copy of .device/run16.sh as it ran on 2026-11-26; to rerun it, put it in .device/ beside jdk17/ and benchmarks.jar.)
# The bench issue's many-core curves on a lent 16-core machine, in one prepared run.
# Runs from the repository root: bash .device/run16.sh
# Needs .device/jdk17 (jlink'ed JDK 17) and .device/benchmarks.jar beside this script.
# Writes each JMH run's JSON under $R, re-tars it to $OUT/results.tgz after every run, logs to $OUT/log.txt.
# Knobs for a local dry run: KS, WI, IT, WT, RT, DEADLINE, OUT.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
OUT="${OUT:-/tmp/out}"
R="${R:-/tmp/r}"
JAVA="${JAVA:-$here/jdk17/bin/java}"
JAR="$here/benchmarks.jar"
KS="${KS:-1 15 2 4 8}"          # endpoints first: if time runs out, the middle points go
WI="${WI:-2}"; IT="${IT:-3}"; WT="${WT:-1s}"; RT="${RT:-1s}"
DEADLINE="${DEADLINE:-400}"     # seconds after which no new JMH run starts (the call's limit is 480)
PER_RUN="${PER_RUN:-150}"       # seconds one JMH invocation may take before it is killed
mkdir -p "$OUT" "$R"
start=$(date +%s)

pack() { tar czf "$OUT/results.tgz" -C "$(dirname "$R")" "$(basename "$R")" 2>/dev/null || true; }

jmh() { # name, then JMH arguments
  local name="$1"; shift
  local now=$(( $(date +%s) - start ))
  if [ "$now" -ge "$DEADLINE" ]; then
    echo "== SKIP $name: ${now}s elapsed, past the ${DEADLINE}s deadline"
    return 0
  fi
  echo "== RUN $name at ${now}s: $JAVA -jar benchmarks.jar $*"
  local t0=$(date +%s)
  if command -v timeout >/dev/null; then
    timeout -k 5 "$PER_RUN" "$JAVA" -jar "$JAR" "$@" -rf json -rff "$R/$name.json"
  else
    "$JAVA" -jar "$JAR" "$@" -rf json -rff "$R/$name.json"
  fi
  local rc=$?
  echo "== DONE $name rc=$rc in $(( $(date +%s) - t0 ))s"
  pack
  return 0
}

main() {
  echo "== date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "== nproc: $(nproc)"
  echo "== lscpu:"; lscpu | head -20
  echo "== lscpu (rest):"; lscpu | sed -n '21,40p'
  echo "== cgroup cpu.max: $(cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo n/a)"
  echo "== uname: $(uname -a)"
  echo "== memory:"; free -g 2>/dev/null | head -3
  echo "== java:"; "$JAVA" -version 2>&1
  echo "== options: KS='$KS' WI=$WI IT=$IT WT=$WT RT=$RT DEADLINE=$DEADLINE"
  local opts=(-f 1 -wi "$WI" -i "$IT" -w "$WT" -r "$RT")

  jmh floor FloorBenchmark "${opts[@]}"
  for k in $KS; do
    jmh "defer-locked-k$k" DeferBenchmark -tg "$k" "${opts[@]}" \
      -p variant=PER_CPU_LOCKED -p lock=SYNCHRONIZED,TTAS,REENTRANT
    jmh "defer-llist-batched-k$k" DeferBenchmark -tg "$k" "${opts[@]}" \
      -p variant=PER_CPU_LLIST,BATCHED -p lock=TTAS
    jmh "peers-k$k" PeerQueueBenchmark -tg "$k" "${opts[@]}" \
      -p impl=JCTOOLS_MPSC,AGRONA_MANY_TO_ONE,CLQ
  done
  pack
  echo "== files:"; ls -la "$R"
  echo "== total $(( $(date +%s) - start ))s"
}

main 2>&1 | tee "$OUT/log.txt"
