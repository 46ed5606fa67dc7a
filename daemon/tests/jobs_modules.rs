//! The built-in modules against real local peers: HTTP, redis-server, a log file, a command.

mod jobs_support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use collied::jobs::{Job, check};
use collied::modules::builtin;
use jobs_support::{Http, Scratch, installed, peers_required, wait_for};

/// Load `yaml` as module `module`'s file and check its first job.
fn checked(module: &str, yaml: &str) -> Box<dyn Job> {
    let jobs = builtin()
        .parse_module(module, Path::new("test.yaml"), yaml)
        .unwrap();
    let mut job = jobs[0].instantiate();
    check(&mut *job).unwrap();
    job
}

/// Return `chart.dim = value` for every dimension with a value.
fn values(job: &dyn Job) -> Vec<String> {
    let mut out = Vec::new();
    job.charts(&mut |charts| {
        for (c, chart) in charts.iter().enumerate() {
            for (d, dim) in chart.dimensions.iter().enumerate() {
                if let Some(v) = job.value(c, d) {
                    out.push(format!("{}.{} = {v}", chart.id, dim.id));
                }
            }
        }
    });
    out
}

fn value(job: &dyn Job, chart: &str, dim: &str) -> Option<i64> {
    let mut at = None;
    job.charts(&mut |charts| {
        at = charts.iter().position(|c| c.id == chart).and_then(|c| {
            let d = charts[c].dimension_index(dim)?;
            Some((c, d))
        });
    });
    let (c, d) = at?;
    job.value(c, d)
}

#[test]
fn weather_simulates_a_station() {
    let mut job = checked("weather", "jobs:\n  - name: home\n    fixed: true\n");
    job.collect().unwrap();
    assert_eq!(
        values(&*job),
        [
            "temp_current.current = 215",
            "temp_stats.min = 2150",
            "temp_stats.max = 2150",
            "temp_stats.avg = 2150",
            "humid_current.humidity = 643",
        ]
    );
}

#[test]
fn httpjson_charts_configured_fields() {
    let hits = Arc::new(AtomicU64::new(0));
    let h = Arc::clone(&hits);
    let http = Http::start(move |_| {
        let n = h.fetch_add(1, Ordering::SeqCst) + 1;
        (
            200,
            format!(
                r#"{{"requests": {{"total": {}, "errors": 2}}, "load": [0.25, 0.5], "up": true}}"#,
                n * 10
            ),
        )
    });
    let yaml = format!(
        "\
jobs:
  - name: app
    url: {}
    charts:
      - id: requests
        title: Requests
        units: requests/s
        algorithm: incremental
        dimensions:
          - key: requests.total
            name: total
          - key: /requests/errors
            id: errors
          - key: requests.missing
      - id: load
        units: load
        dimensions:
          - key: load.1
            id: load5
            precision: 2
          - key: up
",
        http.url("/stats")
    );
    let mut job = checked("httpjson", &yaml);
    assert_eq!(
        values(&*job),
        [
            "requests.requests_total = 10",
            "requests.errors = 2",
            "load.load5 = 50",
            "load.up = 1"
        ]
    );
    job.collect().unwrap();
    assert_eq!(value(&*job, "requests", "requests_total"), Some(20));
    job.charts(&mut |charts| {
        assert_eq!(charts[1].dimensions[0].divisor, 100);
        assert_eq!(charts[0].dimensions[0].name, "total");
    });
}

/// A redis-server on a Unix socket in a scratch directory, killed on drop.
struct RedisServer {
    child: Child,
    socket: std::path::PathBuf,
    _dir: Scratch,
}

impl RedisServer {
    fn start() -> Option<RedisServer> {
        let Some(bin) = installed("redis-server") else {
            assert!(
                !peers_required(),
                "COLLIE_REQUIRE_PEERS=1 but redis-server is not installed"
            );
            eprintln!("SKIPPED: redis-server is not installed (apt-get install redis-server)");
            return None;
        };
        let dir = Scratch::new("redis");
        let socket = dir.path("redis.sock");
        let child = Command::new(bin)
            .args(["--port", "0", "--unixsocket"])
            .arg(&socket)
            .args(["--save", "", "--appendonly", "no", "--dir"])
            .arg(&dir.0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = RedisServer {
            child,
            socket,
            _dir: dir,
        };
        wait_for(Duration::from_secs(10), || {
            server.socket.exists().then_some(())
        })
        .expect("redis-server made its socket");
        Some(server)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn redis_reads_info_over_a_unix_socket() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let yaml = format!(
        "jobs:\n  - name: local\n    unix_socket: {}\n",
        server.socket.display()
    );
    let mut job = checked("redis", &yaml);
    assert!(value(&*job, "clients", "connected_clients").unwrap() >= 1);
    assert_eq!(value(&*job, "keys", "keys"), Some(0));
    let before = value(&*job, "operations", "total_commands_processed").unwrap();
    job.collect().unwrap();
    let after = value(&*job, "operations", "total_commands_processed").unwrap();
    assert!(after > before, "INFO itself counts: {before} then {after}");
    assert!(value(&*job, "memory", "used_memory").unwrap() > 0);

    // A wrong password is reported with redis' own words.
    let yaml = format!(
        "jobs:\n  - name: auth\n    unix_socket: {}\n    password: nope\n",
        server.socket.display()
    );
    let jobs = builtin()
        .parse_module("redis", Path::new("t.yaml"), &yaml)
        .unwrap();
    let mut job = jobs[0].instantiate();
    let e = check(&mut *job).unwrap_err().to_string();
    assert!(e.starts_with("redis answered: ERR"), "{e}");
}

#[test]
fn nginxlog_counts_status_classes_through_rotation_and_truncation() {
    let dir = Scratch::new("nginx");
    let log = dir.write(
        "access.log",
        "1.2.3.4 - - [x] \"GET /old HTTP/1.1\" 500 1 \"-\" \"-\"\n",
    );
    let append = |p: &Path, lines: &[(u16, u32)]| {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(p).unwrap();
        for (status, bytes) in lines {
            writeln!(f, r#"127.0.0.1 - - [10/Oct/2024:13:55:36 +0000] "GET /x HTTP/1.1" {status} {bytes} "-" "curl/8""#).unwrap();
        }
    };
    let mut job = checked("nginxlog", &format!("path: {}\n", log.display()));
    assert_eq!(
        value(&*job, "responses", "5xx"),
        Some(0),
        "the old line is not read"
    );
    append(&log, &[(200, 100), (204, 0), (301, 10), (404, 5)]);
    job.collect().unwrap();
    assert_eq!(
        ["1xx", "2xx", "3xx", "4xx", "5xx"].map(|d| value(&*job, "responses", d).unwrap()),
        [0, 2, 1, 1, 0]
    );
    assert_eq!(value(&*job, "bandwidth", "sent"), Some(115));

    std::fs::rename(&log, dir.path("access.log.1")).unwrap();
    std::fs::write(&log, "").unwrap();
    append(&log, &[(502, 7)]);
    std::fs::write(dir.path("noise"), "").unwrap();
    job.collect().unwrap();
    assert_eq!(value(&*job, "responses", "5xx"), Some(1));

    std::fs::write(&log, "garbage line\n").unwrap();
    job.collect().unwrap();
    assert_eq!(value(&*job, "lines", "unmatched"), Some(1));
    assert_eq!(value(&*job, "lines", "parsed"), Some(5));
}

#[test]
fn command_charts_key_value_lines() {
    let mut job = checked(
        "command",
        r#"
jobs:
  - name: queue
    command: 'printf "requests 12\nload=0.5\nqueue: 3\nnot a pair\n"'
    charts:
      - id: work
        title: Work
        units: things
        dimensions:
          - key: requests
          - key: load
            precision: 1
          - key: queue
          - key: absent
"#,
    );
    assert_eq!(
        values(&*job),
        ["work.requests = 12", "work.load = 5", "work.queue = 3"]
    );
    job.collect().unwrap();
    assert_eq!(value(&*job, "work", "absent"), None);
}
