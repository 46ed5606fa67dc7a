#!/bin/sh
# Measure how long ingest and GETVAL wait while LISTVAL and the output ticks
# work over a full cache.
#
# Starts collied in release with the Netdata output on (written to
# /dev/null) and its internal charts, fills it with IDS identifiers, then
# runs latency_probe (one GETVAL at a time, one every millisecond) for
# SECONDS in three phases:
#   idle      nothing else but the output's ticks;
#   ingest    LOAD_CONNS connections of pipelined PUTVALs over the same
#             identifiers all along;
#   listval   the same, plus a client that asks for LISTVAL (all IDS
#             entries) again and again and reads each reply whole.
# It prints each phase's GETVAL reply times (p50, p99, max) and the ingest
# rate; the max is the worst stall a client saw.
#
# Usage: scripts/measure-stalls.sh   (env: SECONDS_EACH=10 IDS=65536 LOAD_CONNS=4; SHOW_LOG=1 prints collied's log)
set -eu

SECONDS_EACH=${SECONDS_EACH:-10}
IDS=${IDS:-65536}
LOAD_CONNS=${LOAD_CONNS:-4}

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d)
pid=
helpers=
cleanup() {
    for p in $helpers $pid; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

(cd "$root" && cargo build --release --quiet -p collied --bin collied --example putval_load --example latency_probe)
collied=$target/release/collied
load=$target/release/examples/putval_load
probe=$target/release/examples/latency_probe

cat >"$work/collied.yaml" <<YAML
socket: $work/collied.sock
hostname: bench
netdata: {enabled: true, update_every: 1, internal_charts: true}
host_quota: 0
system: {enabled: false}
YAML
"$collied" --config "$work/collied.yaml" >/dev/null 2>"$work/collied.log" &
pid=$!
i=0
until [ -S "$work/collied.sock" ]; do
    i=$((i + 1))
    [ $i -lt 500 ] || { echo "collied made no socket" >&2; cat "$work/collied.log" >&2; exit 1; }
    sleep 0.02
done
sock=$work/collied.sock

# The probe's own identifier takes one slot; a few stay free.
fill=$((IDS - 8))
"$load" "$sock" 1 --lines "$fill" --ids "$fill" >/dev/null

# ingest_loop FILE: send rounds of pipelined PUTVALs until FILE disappears; append each round's rate to FILE.rates.
ingest_loop() {
    while [ -e "$1" ]; do
        "$load" "$sock" "$LOAD_CONNS" --lines 2000000 --ids "$fill" 2>/dev/null |
            sed -n 's/.*lines_per_s=//p' >>"$1.rates" || true
    done
}

# listval_loop FILE: ask for LISTVAL and read it whole until FILE disappears; count the listings in FILE.count.
listval_loop() {
    python3 - "$sock" "$1" <<'PY'
import os, socket, sys
path, flag = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.connect(path)
f = s.makefile("rb")
n = 0
while os.path.exists(flag):
    s.sendall(b"LISTVAL\n")
    count = int(f.readline().split()[0])
    for _ in range(count):
        f.readline()
    n += 1
open(flag + ".count", "w").write(str(n))
PY
}

printf '%-8s %9s %9s %9s %14s %9s\n' phase p50_us p99_us max_us "ingest l/s" listings
for phase in idle ingest listval; do
    flag=$work/$phase.running
    : >"$flag"
    helpers=
    if [ "$phase" != idle ]; then
        ingest_loop "$flag" &
        helpers="$helpers $!"
    fi
    if [ "$phase" = listval ]; then
        listval_loop "$flag" &
        helpers="$helpers $!"
    fi
    sleep 1
    out=$("$probe" "$sock" --seconds "$SECONDS_EACH" --every-ms 1)
    rm -f "$flag"
    for h in $helpers; do wait "$h" 2>/dev/null || true; done
    helpers=
    f() { printf '%s\n' "$out" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
    rate=-
    [ ! -s "$flag.rates" ] || rate=$(sort -n "$flag.rates" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
    listings=$(cat "$flag.count" 2>/dev/null || echo -)
    printf '%-8s %9s %9s %9s %14s %9s\n' "$phase" "$(f p50_us)" "$(f p99_us)" "$(f max_us)" "$rate" "$listings"
done
kill -0 "$pid" || { echo "collied died" >&2; exit 1; }
[ -z "${SHOW_LOG:-}" ] || cat "$work/collied.log" >&2
