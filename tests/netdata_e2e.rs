//! End to end: a real Netdata runs the weather example as an external plugin
//! and the test reads the charts and values back from its HTTP API.
//!
//! Needs the `netdata` binary (Debian's `netdata` package). Without it the
//! test prints a "skipped" line and passes, unless `COLLIE_REQUIRE_PEERS` is
//! set, as in CI, where a missing Netdata is a failure. Netdata runs in the
//! foreground on a free loopback port with a private configuration in a
//! temporary directory, is stopped even when the test fails, and the whole
//! test gives up after [`DEADLINE`].

mod support_netdata;

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// The longest the whole test may take.
const DEADLINE: Duration = Duration::from_secs(120);

fn find_netdata() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|dir| dir.join("netdata"))
        .find(|p| p.is_file())
}

fn peers_required() -> bool {
    std::env::var_os("COLLIE_REQUIRE_PEERS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Build the weather example and return its executable.
fn build_weather() -> PathBuf {
    let out = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "build",
            "--example",
            "weather",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("run cargo build --example weather");
    assert!(out.status.success(), "cargo build --example weather failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "weather")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported no weather executable")
}

/// A Netdata process that is stopped when dropped, whatever happened.
struct Netdata {
    child: Child,
    dir: PathBuf,
    keep_dir: bool,
}

impl Drop for Netdata {
    fn drop(&mut self) {
        // SIGTERM lets Netdata stop its plugin; SIGKILL if it lingers.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.keep_dir || std::thread::panicking() {
            eprintln!("netdata e2e: files kept in {}", self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port()
}

/// GET `path` over HTTP/1.0 and return the body of a 200 answer.
fn get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200")
        .then_some(())
        .or_else(|| head.starts_with("HTTP/1.0 200").then_some(()))?;
    Some(body.to_string())
}

fn get_json(port: u16, path: &str) -> Option<Value> {
    serde_json::from_str(&get(port, path)?).ok()
}

fn write_config(dir: &Path, port: u16) -> PathBuf {
    for sub in ["etc", "lib", "cache", "log", "plugins", "lock", "home"] {
        fs::create_dir_all(dir.join(sub)).unwrap();
    }
    fs::write(dir.join("etc/.opt-out-from-anonymous-statistics"), "").unwrap();
    let b = dir.display();
    let conf = format!(
        "[global]
    run as user = root
    hostname = e2e
[db]
    mode = ram
    retention = 600
    update every = 1
[directories]
    config = {b}/etc
    stock config = /usr/lib/netdata/conf.d
    log = {b}/log
    plugins = \"{b}/plugins\"
    web = /usr/share/netdata/web
    cache = {b}/cache
    lib = {b}/lib
    home = {b}/home
    lock = {b}/lock
    health config = {b}/etc/health.d
[logs]
    error = {b}/log/error.log
    access = none
    debug = none
[web]
    bind to = 127.0.0.1:{port}
[health]
    enabled = no
[ml]
    enabled = no
[registry]
    enabled = no
[statsd]
    enabled = no
[plugins]
    enable running new plugins = no
    check for new plugins every = 5
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
    weather = yes
[plugin:weather]
    update every = 1
    command options = --fixed
"
    );
    let path = dir.join("netdata.conf");
    fs::write(&path, conf).unwrap();
    path
}

fn install_plugin(dir: &Path, exe: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let plugin = dir.join("plugins/weather.plugin");
    let script = format!("#!/bin/sh\nexec '{}' \"$@\"\n", exe.display());
    fs::write(&plugin, script).unwrap();
    fs::set_permissions(&plugin, fs::Permissions::from_mode(0o755)).unwrap();
}

/// The values the fixed sensor produces, per chart and dimension.
const EXPECTED: &[(&str, &str, f64)] = &[
    ("weather_station.temp_current", "current", 21.5),
    ("weather_station.temp_stats", "min", 21.5),
    ("weather_station.temp_stats", "max", 21.5),
    ("weather_station.temp_stats", "avg", 21.5),
    ("weather_station.humid_current", "humidity", 64.3),
];

fn values_match(all: &Value) -> bool {
    EXPECTED.iter().all(|(chart, dim, want)| {
        all[chart]["dimensions"][dim]["value"]
            .as_f64()
            .is_some_and(|v| (v - want).abs() < 1e-6)
    })
}

#[test]
fn netdata_reads_the_weather_plugin() {
    let started = Instant::now();
    let Some(netdata) = find_netdata() else {
        assert!(
            !peers_required(),
            "netdata is not installed but COLLIE_REQUIRE_PEERS is set"
        );
        println!("skipped: netdata is not installed (set COLLIE_REQUIRE_PEERS=1 to require it)");
        return;
    };

    let exe = build_weather();

    // The plugin's own output must already be valid before Netdata sees it.
    let out = Command::new(&exe)
        .args(["1", "--iterations", "2", "--fixed"])
        .output()
        .expect("run the weather example");
    assert!(out.status.success());
    let report = support_netdata::validate(&String::from_utf8(out.stdout).unwrap())
        .expect("weather output is valid plugins.d");
    assert_eq!(report.charts.len(), 3);
    assert_eq!(report.updates.len(), 6);

    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("collie-nd-e2e-{}-{nanos}", std::process::id()));
    let port = free_port();
    let conf = write_config(&dir, port);
    install_plugin(&dir, &exe);
    let child = Command::new(&netdata)
        .arg("-D")
        .arg("-c")
        .arg(&conf)
        .arg("-P")
        .arg(dir.join("netdata.pid"))
        .env("DO_NOT_TRACK", "1")
        .stdin(Stdio::null())
        .stdout(fs::File::create(dir.join("stdout.log")).unwrap())
        .stderr(fs::File::create(dir.join("stderr.log")).unwrap())
        .spawn()
        .expect("start netdata");
    let mut guard = Netdata {
        child,
        dir: dir.clone(),
        keep_dir: false,
    };

    // Wait for the API, then for the first non-null values.
    let mut all = Value::Null;
    while started.elapsed() < DEADLINE {
        if let Ok(Some(status)) = guard.child.try_wait() {
            panic!("netdata exited early with {status}");
        }
        if let Some(v) = get_json(port, "/api/v1/allmetrics?format=json")
            && values_match(&v)
        {
            all = v;
            break;
        }
        sleep(Duration::from_millis(500));
    }
    let log = fs::read_to_string(dir.join("log/error.log")).unwrap_or_default();
    if all.is_null() {
        guard.keep_dir = true;
        let last = get(port, "/api/v1/allmetrics?format=json");
        panic!(
            "no expected values within {DEADLINE:?}; last allmetrics: {last:?}\nerror.log:\n{log}"
        );
    }

    let charts = get_json(port, "/api/v1/charts").expect("GET /api/v1/charts");
    let expect_chart = |id: &str,
                        title: &str,
                        units: &str,
                        family: &str,
                        context: &str,
                        kind: &str,
                        priority: u64| {
        let c = &charts["charts"][id];
        assert!(c.is_object(), "chart {id} missing from /api/v1/charts");
        assert!(
            c["title"].as_str().is_some_and(|t| t.starts_with(title)),
            "{id} title {}",
            c["title"]
        );
        assert_eq!(c["units"], units, "{id} units");
        assert_eq!(c["family"], family, "{id} family");
        assert_eq!(c["context"], context, "{id} context");
        assert_eq!(c["chart_type"], kind, "{id} chart type");
        assert_eq!(c["priority"], priority, "{id} priority");
    };
    expect_chart(
        "weather_station.temp_current",
        "Temperature",
        "Celsius",
        "TEMP",
        "weather_station.temperature",
        "line",
        90000,
    );
    expect_chart(
        "weather_station.temp_stats",
        "Temperature statistics",
        "Celsius",
        "TEMP",
        "weather_station.temperature_stats",
        "line",
        90001,
    );
    expect_chart(
        "weather_station.humid_current",
        "Humidity",
        "percentage",
        "HUMIDITY",
        "weather_station.humidity",
        "area",
        90002,
    );
    let avg_name = &charts["charts"]["weather_station.temp_stats"]["dimensions"]["avg"]["name"];
    assert_eq!(avg_name, "average");

    // The stored series carries the decimals too; a point is stored a
    // moment after allmetrics shows its value, so poll for it.
    let mut stored: Vec<f64> = Vec::new();
    while started.elapsed() < DEADLINE {
        stored = get_json(
            port,
            "/api/v1/data?chart=weather_station.humid_current&after=-10&format=json&options=seconds",
        )
        .map(|data| {
            data["data"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|row| row.get(1).and_then(Value::as_f64))
                .collect()
        })
        .unwrap_or_default();
        if stored.iter().any(|v| (v - 64.3).abs() < 1e-6) {
            break;
        }
        sleep(Duration::from_millis(500));
    }
    assert!(
        stored.iter().any(|v| (v - 64.3).abs() < 1e-6),
        "stored humidity {stored:?}"
    );

    let log = fs::read_to_string(dir.join("log/error.log")).unwrap_or_default();
    let complaints: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("PLUGINSD[weather]") || l.contains("weather.plugin"))
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            ["disabl", "error", "exited", "cannot", "does not exist"]
                .iter()
                .any(|w| l.contains(w))
        })
        .collect();
    assert!(
        complaints.is_empty(),
        "netdata complained about the plugin: {complaints:#?}"
    );
    for (chart, dim, _) in EXPECTED {
        println!("{chart}.{dim} = {}", all[chart]["dimensions"][dim]["value"]);
    }
    println!("netdata e2e passed in {:?}", started.elapsed());
}
