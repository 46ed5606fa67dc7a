# Shared by the compare-*.sh scripts (sourced, not run): a private work
# directory, collectd's presence, and starting and stopping one server at a
# time by PID, its peak RSS, medians.
#
# After sourcing, the caller calls build with its load generator, then
# writes $work/collectd.conf and $work/collied.yaml (starting each with
# collectd_conf and collied_yaml).

COLLECTD=${COLLECTD:-/usr/sbin/collectd}
TYPES_DB=${TYPES_DB:-/usr/share/collectd/types.db}
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

[ -x "$COLLECTD" ] || { echo "no collectd at $COLLECTD (apt-get install collectd-core)" >&2; exit 1; }
"$COLLECTD" -h 2>&1 | grep -q '5\.12' || echo "warning: $("$COLLECTD" -h 2>&1 | grep -m1 collectd) is not 5.12" >&2

# start SERVER (collectd, collied or ceiling, built by build): start it in the background, set $pid and $sock, wait for the socket.
start() {
    case $1 in
    collectd)
        sock=$work/collectd.sock
        "$COLLECTD" -f -C "$work/collectd.conf" >"$work/collectd.log" 2>&1 &
        ;;
    collied)
        sock=$work/collied.sock
        "$collied" --config "$work/collied.yaml" >/dev/null 2>"$work/collied.log" &
        ;;
    ceiling)
        sock=$work/ceiling.sock
        "$target/release/examples/ceiling" "$sock" >/dev/null 2>"$work/ceiling.log" &
        ;;
    esac
    pid=$!
    i=0
    until [ -S "$sock" ]; do
        i=$((i + 1))
        [ $i -lt 500 ] || { echo "$1 made no socket" >&2; cat "$work/$1.log" >&2; exit 1; }
        sleep 0.02
    done
    sleep 0.3
}

# stop: stop the server started last; collectd may drain a queue first, so it gets 20 s.
stop() {
    kill "$pid"
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
    rm -f "$sock"
}

# hwm: the running server's peak RSS in kB.
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$pid/status"; }

# median: the median of the numbers on stdin, one a line.
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# collectd_conf: the head of collectd.conf both runs share (host, paths, unixsock).
collectd_conf() {
    cat <<CONF
Hostname "bench"
FQDNLookup false
BaseDir "$work"
PIDFile "$work/collectd.pid"
TypesDB "$TYPES_DB"
AutoLoadPlugin false
LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$work/collectd.sock"
  SocketPerms "0660"
  DeleteSocket true
</Plugin>
CONF
}

# collied_yaml: the head of collied.yaml both runs share.
collied_yaml() {
    cat <<YAML
socket: $work/collied.sock
hostname: bench
types_db: [$TYPES_DB]
netdata: {enabled: false}
host_quota: 0
YAML
}

# build EXAMPLE [MORE...]: build collied and the examples in release; set $collied, and $load to the first.
build() {
    examples=
    for e in "$@"; do examples="$examples --example $e"; done
    # shellcheck disable=SC2086 # one word per flag and name
    (cd "$root" && cargo build --release --quiet -p collied --bin collied $examples)
    collied=$target/release/collied
    load=$target/release/examples/$1
}

# field LINE KEY: the value of KEY=value in a line of key=value words.
field() { printf '%s\n' "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }
