#!/bin/sh
# Compare collied's /metrics with collectd 5.12's write_prometheus holding the same values, and ingest during scrapes.
#
# Builds collied and the putval_load example in release. For each identifier
# count (10 000, 65 000) it starts each server freshly, stores one gauge per
# identifier through its Unix socket (in families of 100, as
# `bench/loadN/gauge-dM`, interval 1000 s so nothing expires), waits until
# the endpoint shows all of them, then times SCRAPES scrapes of its
# /metrics with curl (one at a time) and prints the median time and the
# size of the answer, with the ratio write_prometheus/collied.
# Last it measures collied's PUTVAL rate (LINES lines over 65 000
# identifiers, median of RUNS) with and without a scrape every second
# running alongside, and meanwhile how long a single GETVAL waits (the
# latency_probe example: p99 and worst), which shows how long a scrape
# holds the store's lock.
#
# Needs collectd 5.12 with write_prometheus (Debian: collectd-core) and curl.
# Usage: scripts/compare-prometheus.sh  (env: SCRAPES=5 RUNS=3 LINES=1000000 COUNTS="10000 65000")
set -eu

SCRAPES=${SCRAPES:-5}
RUNS=${RUNS:-3}
LINES=${LINES:-1000000}
COUNTS=${COUNTS:-"10000 65000"}
PORT=${PORT:-19103}

. "$(dirname "$0")/side-by-side.sh"

build putval_load
(cd "$root" && cargo build --release --quiet -p collied --example latency_probe)
probe=$target/release/examples/latency_probe

{ collectd_conf; cat <<EOF
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$PORT"
</Plugin>
EOF
} >"$work/collectd.conf"
{ collied_yaml; cat <<EOF
default_run: false
prometheus:
  listen: "127.0.0.1:$PORT"
EOF
} >"$work/collied.yaml"

url=http://127.0.0.1:$PORT/metrics

# scrape_times: SCRAPES scrapes, one line each: seconds bytes.
scrape_times() {
    for _ in $(seq "$SCRAPES"); do
        curl -s -o /dev/null -w '%{time_total} %{size_download}\n' "$url"
    done
}

echo "scrapes of /metrics: $SCRAPES per server and identifier count, median seconds"
: >"$work/results"
for ids in $COUNTS; do
    for server in collectd collied; do
        start "$server"
        "$load" "$sock" 1 --lines "$ids" --ids "$ids" --interval 1000 --families >/dev/null
        # Wait until the server serves every identifier: write_prometheus takes its time.
        i=0
        until [ "$(curl -s "$url" | grep -c '^collectd_load[0-9]*_gauge{')" -ge "$ids" ]; do
            i=$((i + 1))
            [ $i -lt 600 ] || { echo "$server never served all $ids identifiers" >&2; exit 1; }
            sleep 0.5
        done
        echo "  $server served all $ids identifiers after about $((i / 2)) s" >&2
        scrape_times | while read -r t b; do echo "$server $ids $t $b"; done >>"$work/results"
        echo "  $server, $ids identifiers: $(awk -v s="$server" -v n="$ids" '$1 == s && $2 == n {printf "%s s/%s B ", $3, $4}' "$work/results")" >&2
        stop
    done
done

printf '\n%-12s %18s %14s %18s %14s %8s\n' identifiers "write_prometheus s" bytes "collied s" bytes ratio
for ids in $COUNTS; do
    get() { awk -v s="$1" -v n="$ids" -v c="$2" '$1 == s && $2 == n {print $c}' "$work/results" | median; }
    a=$(get collectd 3); b=$(get collied 3)
    printf '%-12s %18s %14s %18s %14s %8s\n' "$ids" "$a" "$(get collectd 4)" "$b" "$(get collied 4)" \
        "$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.1fx", a / b}')"
done

echo
echo "collied ingest over 65000 identifiers, $LINES PUTVAL lines, median of $RUNS, with and without a scrape every second"
: >"$work/ingest"
for run in $(seq "$RUNS"); do
    for mode in quiet scraped; do
        start collied
        "$load" "$sock" 1 --lines 65000 --ids 65000 --families >/dev/null
        scraper=
        if [ "$mode" = scraped ]; then
            (while :; do curl -s -o /dev/null "$url"; sleep 1; done) &
            scraper=$!
        fi
        "$probe" "$sock" --seconds 1 >"$work/probe" &
        prober=$!
        out=$("$load" "$sock" 1 --lines "$LINES" --ids 65000 --families)
        wait "$prober"
        [ -n "$scraper" ] && kill "$scraper"
        p=$(cat "$work/probe")
        echo "$mode ${out##*lines_per_s=} $(field "$p" p99_us) $(field "$p" max_us)" >>"$work/ingest"
        echo "  run $run, $mode: ${out##*lines_per_s=} lines/s; GETVAL meanwhile: $p" >&2
        stop
    done
done
q=$(awk '$1 == "quiet" {print $2}' "$work/ingest" | median)
s=$(awk '$1 == "scraped" {print $2}' "$work/ingest" | median)
echo "without scrapes: $q lines/s; with a scrape every second: $s lines/s ($(awk -v a="$s" -v b="$q" 'BEGIN {printf "%+.1f%%", (a / b - 1) * 100}'))"
for mode in quiet scraped; do
    echo "GETVAL wait, $mode: median p99 $(awk -v m="$mode" '$1 == m {print $3}' "$work/ingest" | median) us, median worst $(awk -v m="$mode" '$1 == m {print $4}' "$work/ingest" | median) us"
done
