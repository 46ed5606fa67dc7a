#!/bin/sh
# Compare the idle cost of collied running one 1 s job with the weather example and python.d.plugin.
#
# Builds collied and the weather example (examples/weather.rs, package
# collie) in release. Then runs, one at a time, each case for DURATION with
# its plugins.d stream on a pipe that is drained into a file:
#   example      examples/weather at 1 s (one thread, the same three charts);
#   collied      collied with only the weather job at 1 s, internal charts on
#                (the job's runtime chart and the collied.* charts);
#   collied_off  the same with `netdata: {internal_charts: false}`: the same
#                three charts as the example;
#   python_d     python.d.plugin running the same weather module (written
#                here, the guide's ORDER/CHARTS/get_data()), with
#                NETDATA_INTERNALS_MONITORING=NO so it too sends those three
#                charts; skipped when python.d.plugin is not installed.
# Each case gets WARMUP seconds to start (python.d waits 1.5 s and checks
# its job), then CPU time is read from /proc/PID/task/*/schedstat (the sum
# over the threads of the first field, ns; utime+stime from /proc/PID/stat
# where schedstat is missing), and again DURATION later. Cycles = DURATION
# (every case collects once a second).
#
# Prints, per case, the median over RUNS of: CPU ms a cycle, wake-ups a
# cycle (times a thread was scheduled in, schedstat's third field), bytes
# written a cycle, threads, peak RSS (VmHWM) and the CPU ratio to the
# example. Every process is stopped by PID; the temp dir goes on exit.
#
# Usage: scripts/compare-idle.sh
#   env: DURATION=60 RUNS=1 WARMUP=3 CASES="example collied collied_off python_d"
#        PYTHON_D=/usr/lib/netdata/plugins.d/python.d.plugin (else /usr/libexec/… is looked for)
#        COLLIED=path (a collied to measure instead of the one built, to compare builds)
set -eu

DURATION=${DURATION:-60}
RUNS=${RUNS:-1}
WARMUP=${WARMUP:-3}
CASES=${CASES:-"example collied collied_off python_d"}

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d)
pid=
drain=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
    if [ -n "$drain" ]; then kill "$drain" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ -z "${PYTHON_D:-}" ]; then
    for p in /usr/libexec/netdata/plugins.d/python.d.plugin /usr/lib/netdata/plugins.d/python.d.plugin; do
        if [ -x "$p" ]; then PYTHON_D=$p; break; fi
    done
fi
PYTHON_D=${PYTHON_D:-}

(cd "$root" && cargo build --release --quiet -j2 -p collied --bin collied &&
    cargo build --release --quiet -j2 -p collie --example weather)
collied=${COLLIED:-$target/release/collied}
example=$target/release/examples/weather

# collied: the weather job alone, once with the internal charts and once without.
mkdir -p "$work/collied/collie.d"
for charts in true false; do
    cat >"$work/collied/collie-$charts.yaml" <<YAML
socket: $work/collied.sock
default_run: false
modules: {weather: true}
netdata: {enabled: true, update_every: 1, internal_charts: $charts}
YAML
done
printf 'update_every: 1\njobs:\n  - name: station\n' >"$work/collied/collie.d/weather.yaml"

# python.d: the same three charts as collied's weather module (daemon/src/modules/weather.rs).
mkdir -p "$work/pyd/python.d" "$work/pyd/etc/python.d" "$work/pyd/lib" "$work/pyd/lock"
cat >"$work/pyd/python.d/weather.chart.py" <<'PY'
# -*- coding: utf-8 -*-
# The python.d guide's weather station: collied's weather module in python.d's terms.
import math

from bases.FrameworkServices.SimpleService import SimpleService

ORDER = ['temp_current', 'temp_stats', 'humid_current']

CHARTS = {
    'temp_current': {
        'options': [None, 'Temperature', 'Celsius', 'TEMP', 'weather_station.temperature', 'line'],
        'lines': [['current', None, 'absolute', 1, 10]],
    },
    'temp_stats': {
        'options': [None, 'Temperature statistics', 'Celsius', 'TEMP',
                    'weather_station.temperature_stats', 'line'],
        'lines': [
            ['min', None, 'absolute', 1, 100],
            ['max', None, 'absolute', 1, 100],
            ['avg', 'average', 'absolute', 1, 100],
        ],
    },
    'humid_current': {
        'options': [None, 'Humidity', 'percentage', 'HUMIDITY', 'weather_station.humidity', 'area'],
        'lines': [['humidity', 'relative', 'absolute', 1, 10]],
    },
}


class Service(SimpleService):
    def __init__(self, configuration=None, name=None):
        SimpleService.__init__(self, configuration=configuration, name=name)
        self.order = ORDER
        self.definitions = CHARTS
        self.n = 0
        self.min = None
        self.max = None
        self.sum = 0.0
        self.count = 0

    def get_data(self):
        n = self.n
        self.n += 1
        phase = n * 2 * math.pi / 90.0
        t = round(21.5 + 3.0 * math.sin(phase), 1)
        self.min = t if self.min is None else min(self.min, t)
        self.max = t if self.max is None else max(self.max, t)
        self.sum += t
        self.count += 1
        data = {
            'current': int(round(t * 10)),
            'min': int(round(self.min * 100)),
            'max': int(round(self.max * 100)),
            'avg': int(round(self.sum / self.count * 100)),
        }
        if n % 15 != 14:
            data['humidity'] = int(round((64.3 - 8.0 * math.sin(phase)) * 10))
        return data
PY
printf 'update_every: 1\nstation:\n  name: station\n' >"$work/pyd/etc/python.d/weather.conf"

# start CASE: start it in the background writing into a drained pipe; set $pid and $drain.
start() {
    rm -f "$work/fifo"
    mkfifo "$work/fifo"
    cat "$work/fifo" >"$work/$1.out" &
    drain=$!
    case $1 in
    example) "$example" 1 >"$work/fifo" 2>"$work/$1.log" & ;;
    collied) "$collied" --config "$work/collied/collie-true.yaml" --plugins-d >"$work/fifo" 2>"$work/$1.log" & ;;
    collied_off) "$collied" --config "$work/collied/collie-false.yaml" --plugins-d >"$work/fifo" 2>"$work/$1.log" & ;;
    python_d)
        env -i PATH=/usr/bin:/bin PYTHONUNBUFFERED=1 LC_ALL=C \
            NETDATA_USER_CONFIG_DIR="$work/pyd/etc" NETDATA_STOCK_CONFIG_DIR=/usr/lib/netdata/conf.d \
            NETDATA_PLUGINS_DIR="$(dirname "$PYTHON_D")" NETDATA_USER_PLUGINS_DIRS="$work/pyd" \
            NETDATA_LIB_DIR="$work/pyd/lib" NETDATA_LOCK_DIR="$work/pyd/lock" NETDATA_UPDATE_EVERY=1 \
            NETDATA_INTERNALS_MONITORING=NO \
            "$PYTHON_D" 1 weather >"$work/fifo" 2>"$work/$1.log" &
        ;;
    esac
    pid=$!
}

# stop: stop the case started last, then its drain.
stop() {
    kill "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
    wait "$drain" 2>/dev/null || true
    drain=
    rm -f "$work/collied.sock"
}

clk_tck=$(getconf CLK_TCK)
# cpu: nanoseconds of CPU the running case used, over all its threads, and times its threads were scheduled in.
cpu() {
    if [ -r "/proc/$pid/task/$pid/schedstat" ]; then
        cat /proc/"$pid"/task/*/schedstat 2>/dev/null | awk '{n += $1; w += $3} END {printf "%.0f %.0f\n", n, w}'
    else
        # Without schedstat: utime + stime in clock ticks (coarse: 10 ms), wake-ups unknown.
        sed 's/.*) //' "/proc/$pid/stat" | awk -v hz="$clk_tck" '{printf "%.0f 0\n", ($12 + $13) * 1e9 / hz}'
    fi
}
# hwm: the running case's peak RSS in kB.
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$pid/status"; }
# threads: the running case's thread count.
threads() { ls "/proc/$pid/task" | wc -l; }
# bytes CASE: bytes its stream has written so far.
bytes() { wc -c <"$work/$1.out"; }
# median: the median of the numbers on stdin, one a line.
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "idle cost: each case for $DURATION s after $WARMUP s to start, $RUNS run(s), medians; 1 cycle = 1 s"
: >"$work/results"
for run in $(seq "$RUNS"); do
    for c in $CASES; do
        if [ "$c" = python_d ] && [ -z "$PYTHON_D" ]; then
            [ "$run" -gt 1 ] || echo "  python_d: skipped (no python.d.plugin in /usr/libexec/netdata/plugins.d or /usr/lib/netdata/plugins.d)" >&2
            continue
        fi
        start "$c"
        sleep "$WARMUP"
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "  $c: exited during start; skipped. Its log:" >&2
            tail -5 "$work/$c.log" >&2
            stop
            continue
        fi
        set -- $(cpu) "$(bytes "$c")"
        cpu0=$1 wake0=$2 out0=$3
        sleep "$DURATION"
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "  $c: exited during the run; skipped. Its log:" >&2
            tail -5 "$work/$c.log" >&2
            stop
            continue
        fi
        set -- $(cpu) "$(bytes "$c")" "$(threads)" "$(hwm)"
        stop
        grep -q '^BEGIN weather_station.temp_current' "$work/$c.out" ||
            echo "  $c: warning: no weather_station.temp_current chart in its output" >&2
        line=$(awk -v c="$c" -v r="$run" -v s="$DURATION" -v n0="$cpu0" -v n1="$1" -v w0="$wake0" -v w1="$2" \
            -v b0="$out0" -v b1="$3" -v t="$4" -v h="$5" \
            'BEGIN {printf "%s %s %.4f %.2f %.0f %s %s\n", c, r, (n1 - n0) / 1e6 / s, (w1 - w0) / s, (b1 - b0) / s, t, h}')
        echo "$line" >>"$work/results"
        set -- $line
        echo "  $c, run $run: $3 ms/cycle, $4 wake-ups/cycle, $5 B/cycle, $6 threads, VmHWM $7 kB" >&2
    done
done

# of CASE COLUMN: the median of that column over the runs.
of() { awk -v c="$1" -v k="$2" '$1 == c {print $k}' "$work/results" | median; }
base=$(of example 3)
printf '\n%-12s %10s %15s %12s %8s %10s %9s\n' case "ms/cycle" "wake-ups/cycle" "B/cycle" threads VmHWM "/example"
for c in $CASES; do
    ms=$(of "$c" 3)
    [ -n "$ms" ] || { printf '%-12s %10s\n' "$c" skipped; continue; }
    ratio=$(awk -v a="$ms" -v b="$base" 'BEGIN {if (b == "" || b == 0) print "-"; else printf "%.2fx", a / b}')
    printf '%-12s %10s %15s %12s %8s %7s kB %9s\n' "$c" "$ms" "$(of "$c" 4)" "$(of "$c" 5)" "$(of "$c" 6)" "$(of "$c" 7)" "$ratio"
done
