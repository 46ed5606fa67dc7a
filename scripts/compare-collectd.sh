#!/bin/sh
# Compare collied's PUTVAL throughput and memory with collectd 5.12's unixsock plugin.
#
# Builds collied and the putval_load example in release, then for each
# connection count (1, 4, 16) runs the same load (LINES pipelined PUTVALs
# over IDS gauge identifiers) RUNS times against each server, alternating
# collectd and collied, each run on a freshly started server. Prints the
# median lines/s of both, the ratio collied/collectd, and each server's peak
# RSS (VmHWM) after the load.
#
# Needs collectd 5.12 (Debian: collectd-core) and its types.db.
# Usage: scripts/compare-collectd.sh   (env: RUNS=3 LINES=1000000 IDS=10000 CONNS="1 4 16")
set -eu

RUNS=${RUNS:-3}
LINES=${LINES:-1000000}
IDS=${IDS:-10000}
CONNS=${CONNS:-"1 4 16"}

. "$(dirname "$0")/side-by-side.sh"

build putval_load

collectd_conf >"$work/collectd.conf"
collied_yaml >"$work/collied.yaml"

echo "load: $LINES PUTVAL lines over $IDS identifiers, $RUNS runs per server, median lines/s"
: >"$work/results"
for conns in $CONNS; do
    for run in $(seq "$RUNS"); do
        for server in collectd collied; do
            start "$server"
            out=$("$load" "$sock" "$conns" --lines "$LINES" --ids "$IDS") || {
                echo "$server: load failed: $out" >&2
                exit 1
            }
            rate=${out##*lines_per_s=}
            echo "$server $conns $run $rate $(hwm)" >>"$work/results"
            echo "  $server, $conns connection(s), run $run: $rate lines/s, VmHWM $(hwm) kB" >&2
            stop
        done
    done
done

printf '\n%-12s %14s %14s %8s %14s %14s\n' connections "collectd l/s" "collied l/s" ratio "collectd HWM" "collied HWM"
for conns in $CONNS; do
    cd_rate=$(awk -v c="$conns" '$1 == "collectd" && $2 == c {print $4}' "$work/results" | median)
    co_rate=$(awk -v c="$conns" '$1 == "collied" && $2 == c {print $4}' "$work/results" | median)
    cd_hwm=$(awk -v c="$conns" '$1 == "collectd" && $2 == c {print $5}' "$work/results" | median)
    co_hwm=$(awk -v c="$conns" '$1 == "collied" && $2 == c {print $5}' "$work/results" | median)
    ratio=$(awk -v a="$co_rate" -v b="$cd_rate" 'BEGIN {printf "%.1fx", a / b}')
    printf '%-12s %14s %14s %8s %11s kB %11s kB\n' "$conns" "$cd_rate" "$co_rate" "$ratio" "$cd_hwm" "$co_hwm"
done
