#!/usr/bin/env bash
# Take a screenshot of Netdata's dashboard showing collied's charts.
#
# Runs a private Netdata (Debian's package) on 127.0.0.1 with collied as
# its collie.plugin: the system collector, the weather demo job and a few
# values sent over the socket, then has headless Chromium (Debian's
# `chromium`) render the dashboard to docs/netdata-dashboard.png.
# Everything it starts is stopped by PID on exit.
# usage: scripts/screenshot-dashboard.sh [output.png]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/docs/netdata-dashboard.png}
port=${PORT:-19997}
# Not part of CI (which does not install a browser): say what is missing up front.
for tool in chromium netdata collectdctl; do
  command -v "$tool" >/dev/null || {
    echo "screenshot-dashboard: needs $tool (Debian: apt-get install chromium netdata collectd-utils)" >&2
    exit 1
  }
done
cargo build --quiet -p collied --manifest-path "$root/Cargo.toml"
collied="$root/target/debug/collied"
b=$(mktemp -d -t collie-shot.XXXXXX)
mkdir -p "$b"/{etc,lib,cache,log,plugins,lock,home} "$b/etc/collie.d"
ln -s "$collied" "$b/plugins/collie.plugin"
touch "$b/etc/.opt-out-from-anonymous-statistics"
cat > "$b/etc/collie.yaml" <<YAML
socket: $b/collied.sock
hostname: shot
interval: 1
system: {enabled: true}
default_run: false
modules: {weather: true}
YAML
printf 'jobs:\n  - name: station\n' > "$b/etc/collie.d/weather.yaml"
cat > "$b/netdata.conf" <<CONF
[global]
    run as user = $(id -un)
    hostname = collie-demo
[db]
    mode = ram
    retention = 600
    update every = 1
[directories]
    config = $b/etc
    stock config = /usr/lib/netdata/conf.d
    log = $b/log
    plugins = "$b/plugins"
    web = /usr/share/netdata/web
    cache = $b/cache
    lib = $b/lib
    home = $b/home
    lock = $b/lock
    health config = $b/etc/health.d
[logs]
    error = $b/log/error.log
    access = none
    debug = none
[web]
    bind to = 127.0.0.1:$port
[health]
    enabled = no
[ml]
    enabled = no
[registry]
    enabled = no
[plugins]
    enable running new plugins = no
    proc = no
    diskspace = no
    cgroups = no
    tc = no
    idlejitter = no
    timex = no
    checks = no
    netdata monitoring = no
    apps = no
    python.d = no
    charts.d = no
    go.d = no
    ebpf = no
    statsd = no
    collie = yes
[plugin:collie]
    update every = 1
CONF
DO_NOT_TRACK=1 netdata -D -c "$b/netdata.conf" -P "$b/netdata.pid" >"$b/stdout.log" 2>"$b/stderr.log" &
nd=$!
trap 'kill -TERM $nd 2>/dev/null; wait $nd 2>/dev/null || true; rm -rf "$b"' EXIT
for _ in $(seq 1 100); do [ -S "$b/collied.sock" ] && break; sleep 0.2; done
# A few values over collectd's protocol (collectdctl, Debian's collectd-utils), a second apart.
for i in $(seq 1 20); do
  collectdctl -s "$b/collied.sock" putval shot/room-kitchen/temperature interval=1 "N:2$((i % 3)).5"
  collectdctl -s "$b/collied.sock" putval shot/interface-eth0/if_octets interval=1 \
    "N:$((i * 120000)):$((i * 45000))"
  sleep 1
done
charts=$(curl -sf "http://127.0.0.1:$port/api/v1/charts")
for chart in load.load room_kitchen.temperature interface_eth0.if_octets weather_station.temp_current; do
  grep -q "\"$chart\"" <<<"$charts" || { echo "chart $chart is missing" >&2; exit 1; }
done
mkdir -p "$(dirname "$out")"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size=1400,2400 --virtual-time-budget=30000 \
  --screenshot="$out" "http://127.0.0.1:$port/#after=-60;before=0" 2>/dev/null
echo "wrote $out"
