#!/bin/sh
# Compare collied's receive rate for collectd's binary network protocol with collectd 5.12's network plugin.
#
# Builds collied and the network_load example in release. For each offered
# rate (values a second) it runs the same load RUNS times against each
# server, alternating collectd and collied, each run on a freshly started
# server listening on loopback: DURATION of gauge value lists over IDS
# identifiers in 1452-byte packets, then a sentinel value whose arrival
# (asked with GETVAL on the server's Unix socket) marks that everything
# before it was handled. Prints, per rate, the median values stored a
# second, the values lost (packets the kernel dropped at the server's
# socket), the ratio collied/collectd, and each server's peak RSS.
# The rate `max` sends DURATION × 4 M values as fast as one sender thread can.
#
# Needs collectd 5.12 (Debian: collectd-core) and its types.db.
# Usage: scripts/compare-network.sh  (env: RUNS=3 DURATION=1 IDS=10000 RATES="250000 1000000 2000000 max")
set -eu

RUNS=${RUNS:-3}
DURATION=${DURATION:-1}
IDS=${IDS:-10000}
RATES=${RATES:-"250000 1000000 2000000 max"}
PORT=${PORT:-25826}

. "$(dirname "$0")/side-by-side.sh"

build network_load

{ collectd_conf; cat <<EOF
LoadPlugin network
<Plugin network>
  Listen "127.0.0.1" "$PORT"
</Plugin>
EOF
} >"$work/collectd.conf"
{ collied_yaml; cat <<EOF
default_run: false
network:
  listen:
    - address: "127.0.0.1:$PORT"
EOF
} >"$work/collied.yaml"


echo "load: $DURATION s of gauge value lists over $IDS identifiers, $RUNS runs per server and rate, medians"
: >"$work/results"
for rate in $RATES; do
    load_args="--rate $rate --seconds $DURATION"
    [ "$rate" = max ] && load_args="--rate 0 --values $((DURATION * 4000000))"
    for run in $(seq "$RUNS"); do
        for server in collectd collied; do
            start "$server"
            out=$("$load" "127.0.0.1:$PORT" "$sock" $load_args --ids "$IDS") || {
                echo "$server: load failed: $out" >&2
                exit 1
            }
            echo "$server $rate $run $(field "$out" received_per_s) $(field "$out" lost) $(field "$out" sent) $(hwm)" >>"$work/results"
            echo "  $server, rate $rate, run $run: $out, VmHWM $(hwm) kB" >&2
            stop
        done
    done
done

printf '\n%-10s %16s %12s %16s %12s %8s %14s %14s\n' offered "collectd v/s" "lost" "collied v/s" "lost" ratio "collectd HWM" "collied HWM"
for rate in $RATES; do
    get() { awk -v s="$1" -v r="$rate" -v c="$2" '$1 == s && $2 == r {print $c}' "$work/results" | median; }
    cd_rate=$(get collectd 4)
    co_rate=$(get collied 4)
    ratio=$(awk -v a="$co_rate" -v b="$cd_rate" 'BEGIN {printf "%.1fx", a / b}')
    printf '%-10s %16s %12s %16s %12s %8s %11s kB %11s kB\n' "$rate" "$cd_rate" "$(get collectd 5)/$(get collectd 6)" \
        "$co_rate" "$(get collied 5)/$(get collied 6)" "$ratio" "$(get collectd 7)" "$(get collied 7)"
done
