#!/bin/sh
# Compare collied's PUTVAL throughput and memory with collectd 5.12's unixsock
# plugin and with the socket's ceiling.
#
# Builds collied, the putval_load generator and the ceiling server (a
# trivial server that only counts lines and answers each with collectd's
# success reply) in release. Then, for each connection count (1 and 16),
# runs the same load against each server RUNS times, alternating ceiling,
# collectd and collied, each run on a freshly started server: LINES
# pipelined PUTVALs with quoted identifiers, as libcollectdclient sends
# them, over IDS gauge identifiers per connection. collectd gets
# COLLECTD_LINES lines instead, since it is 30 to 100 times slower and only
# its rate is wanted.
#
# Prints the median lines/s of each server, collied's share of the ceiling,
# collied's ratio to collectd, and each server's peak RSS (VmHWM) after the
# load.
#
# Needs collectd 5.12 (Debian: collectd-core) and its types.db.
# Usage: scripts/compare-collectd.sh
#   env: RUNS=3 LINES=4000000 COLLECTD_LINES=500000 IDS=50 CONNS="1 16" SERVERS="ceiling collectd collied"
set -eu

RUNS=${RUNS:-3}
LINES=${LINES:-4000000}
COLLECTD_LINES=${COLLECTD_LINES:-500000}
IDS=${IDS:-50}
CONNS=${CONNS:-"1 16"}
SERVERS=${SERVERS:-"ceiling collectd collied"}

. "$(dirname "$0")/side-by-side.sh"

build putval_load ceiling

collectd_conf >"$work/collectd.conf"
collied_yaml >"$work/collied.yaml"

echo "load: $LINES PUTVAL lines ($COLLECTD_LINES to collectd), $IDS identifiers a connection, $RUNS runs per server, median lines/s"
: >"$work/results"
for conns in $CONNS; do
    for run in $(seq "$RUNS"); do
        for server in $SERVERS; do
            lines=$LINES
            [ "$server" != collectd ] || lines=$COLLECTD_LINES
            start "$server"
            out=$("$load" "$sock" "$conns" --lines "$lines" --ids-per-connection "$IDS" --quoted) || {
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

# of SERVER CONNS COLUMN: the median of that column over the runs.
of() { awk -v s="$1" -v c="$2" -v k="$3" '$1 == s && $2 == c {print $k}' "$work/results" | median; }
# ratio A B FORMAT SCALE: A / B × SCALE in FORMAT, or - when either is missing.
ratio() { awk -v a="$1" -v b="$2" -v f="$3" -v m="$4" 'BEGIN {if (a == "" || b == "" || b == 0) print "-"; else printf f, m * a / b}'; }

printf '\n%-11s %13s %13s %13s %10s %10s %12s %12s\n' connections "ceiling l/s" "collectd l/s" "collied l/s" "of ceiling" "/collectd" "collectd HWM" "collied HWM"
for conns in $CONNS; do
    ce=$(of ceiling "$conns" 4)
    cd=$(of collectd "$conns" 4)
    co=$(of collied "$conns" 4)
    printf '%-11s %13s %13s %13s %10s %10s %9s kB %9s kB\n' "$conns" "${ce:--}" "${cd:--}" "${co:--}" \
        "$(ratio "$co" "$ce" "%.1f%%" 100)" "$(ratio "$co" "$cd" "%.1fx" 1)" \
        "$(of collectd "$conns" 5)" "$(of collied "$conns" 5)"
done
