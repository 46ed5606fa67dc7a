//! collied's Prometheus `/metrics` against real Prometheus tools and collectd's own exporter over loopback.
//!
//! - `promtool check metrics` (Debian's `prometheus`) reads collied's
//!   exposition of odd identifiers (quotes, backslashes, spaces, UTF-8,
//!   and from UDP packets a newline and a byte that is not UTF-8) without
//!   a parse error, and the odd characters come out escaped;
//! - a private `collectd` (Debian's `collectd-core`) with its
//!   `write_prometheus` plugin gets the same PUTVALs as collied, and the two
//!   expositions differ only as a list of deliberate differences says, each
//!   of which does occur;
//! - a private Prometheus (`prometheus`) scrapes collied every second and
//!   answers queries for a gauge, a derive's rate and a weather job's chart;
//! - a private VictoriaMetrics (`victoria-metrics`) scrapes collied and
//!   answers a query for a gauge;
//! - collied's own HTTP answers: 404, 405, OpenMetrics, gzip, and the
//!   `max_scrapes` and `scrape_timeout` limits against clients that stall;
//! - collied's remote_write reaches Prometheus's receiver and
//!   VictoriaMetrics, and what it queued while the receiver was down arrives,
//!   each sample with its own time, once it is up.
//!
//! Each test prints a "skipped" line when its peer is missing, unless
//! `COLLIE_REQUIRE_PEERS` is set (as in CI), when a missing peer fails it.

mod common;
#[path = "../../tests/support_netdata/mod.rs"]
mod support_netdata;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle, sleep};
use std::time::{Duration, Instant};

use common::{
    Collied, Options, collectd_conf, free_tcp_port, free_udp_port, now, ok, pipelined, poll,
    temp_dir,
};
use serde_json::Value;
use support_netdata::peer::{find_program, require_peer};

/// collectd's `write_prometheus` plugin where Debian installs it.
const WRITE_PROMETHEUS: &str = "/usr/lib/collectd/write_prometheus.so";

/// How long a peer may take to start.
const START: Duration = Duration::from_secs(15);

/// How long a scraping peer may take to answer a query with what it scraped.
const QUERY_WAIT: Duration = Duration::from_secs(30);

/// A weather job whose readings hold at 21.5 °C and 64.3 %.
const FIXED_WEATHER: &str = "jobs:\n  - name: station\n    fixed: true\n";

/// Start collied in `dir` serving `/metrics` on a free port, with `top` YAML at the top level and `keys` (indented) under `prometheus:`; return it and the port.
fn exporting_collied_in(dir: PathBuf, top: &str, keys: &str) -> (Collied, u16) {
    let port = free_tcp_port();
    let yaml = format!(
        "netdata: {{enabled: false}}\ndefault_run: false\n{top}prometheus:\n  listen: \"127.0.0.1:{port}\"\n{keys}"
    );
    let socket = dir.join("collied.sock");
    let c = Collied::start_in(
        dir,
        socket,
        Options {
            yaml: &yaml,
            ..Options::default()
        },
    );
    let up = poll(Duration::from_secs(10), || {
        TcpStream::connect(("127.0.0.1", port)).ok()
    });
    assert!(
        up.is_some(),
        "collied does not listen on {port}:\n{}",
        c.stderr()
    );
    (c, port)
}

/// Start collied serving `/metrics` on a free port; see [`exporting_collied_in`].
fn exporting_collied(top: &str, keys: &str) -> (Collied, u16) {
    exporting_collied_in(temp_dir("collied-prom"), top, keys)
}

/// An HTTP answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// The status line and headers, without the blank line.
    head: String,
    body: Vec<u8>,
}

impl Answer {
    /// Return the value of header `name`, if given.
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// Return the body as text.
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Split raw bytes read from a server into an [`Answer`].
fn parse_answer(raw: &[u8]) -> Result<Answer, String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no end of head in {:?}", String::from_utf8_lossy(raw)))?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("odd status line in {head:?}"))?;
    Ok(Answer {
        status,
        head,
        body: raw[end + 4..].to_vec(),
    })
}

/// Send `request` (a whole request head) to 127.0.0.1:`port` and read the answer until the server closes; a body shorter than its `Content-Length` is an error.
fn http(port: u16, request: &str) -> Result<Answer, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    s.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let a = parse_answer(&raw)?;
    match a.header("Content-Length").map(str::parse::<usize>) {
        Some(Ok(n)) if n != a.body.len() => {
            Err(format!("{} of {n} bytes: {}", a.body.len(), a.head))
        }
        _ => Ok(a),
    }
}

/// GET `path` from collied with `headers` (each ending in CRLF) added.
fn get(port: u16, path: &str, headers: &str) -> Result<Answer, String> {
    http(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headers}\r\n"),
    )
}

/// GET `path` like [`get`], asking again for up to 2 s while the answer is 503 (a slot is freed just after its connection closes).
fn get_free(port: u16, path: &str, headers: &str) -> Answer {
    let mut last = String::new();
    let answer = poll(Duration::from_secs(2), || match get(port, path, headers) {
        Ok(a) if a.status != 503 => Some(a),
        Ok(a) => {
            last = a.head;
            None
        }
        // A refusal that is reset instead of answered (see `http_behaviour`).
        Err(e) => {
            last = e;
            None
        }
    });
    answer.unwrap_or_else(|| panic!("GET {path} stays busy: {last}"))
}

/// Scrape collied's `/metrics` in the text format; panic unless the answer is 200.
fn scrape(port: u16) -> String {
    let a = get_free(port, "/metrics", "");
    assert_eq!(a.status, 200, "{}\n{}", a.head, a.text());
    a.text()
}

/// Percent-encode `s` for a URL query.
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Run an instant query on the Prometheus-compatible API at `port`; return the result vector (empty until there is one).
fn instant_query(port: u16, query: &str) -> Vec<Value> {
    let Ok(a) = http(
        port,
        &format!(
            "GET /api/v1/query?query={} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
            url_encode(query)
        ),
    ) else {
        return Vec::new();
    };
    let json: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
    json["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Return the number of an instant-vector element.
fn value_of(element: &Value) -> Option<f64> {
    element["value"][1].as_str()?.parse().ok()
}

/// A program started by a test in its own directory; killed and cleaned up on drop.
struct Peer {
    name: &'static str,
    child: Child,
    dir: PathBuf,
}

impl Peer {
    /// Start `command` in `dir` with its output in `<dir>/peer.log`.
    fn start(name: &'static str, dir: PathBuf, mut command: Command) -> Peer {
        let log = fs::File::create(dir.join("peer.log")).unwrap();
        let child = command
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        Peer { name, child, dir }
    }

    /// Return what the peer logged so far (every `*.log` in its directory).
    fn log(&self) -> String {
        let mut files: Vec<PathBuf> = fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "log"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| fs::read_to_string(f).unwrap_or_default())
            .collect()
    }

    /// Wait up to [`START`] until `ready` says so; panic with the log if the peer exits or never gets ready.
    fn wait_until(&mut self, what: &str, mut ready: impl FnMut() -> bool) {
        let up = poll(START, || {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited with {status}:\n{}", self.name, self.log());
            }
            ready().then_some(())
        });
        assert!(
            up.is_some(),
            "{}: {what} not within {START:?}:\n{}",
            self.name,
            self.log()
        );
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!("{} log:\n{}", self.name, self.log());
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// One sample line: its metric name, labels as written (values still escaped), value and timestamp.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: String,
    timestamp: Option<String>,
}

impl Sample {
    /// Return the series: the name and the labels sorted by name, as `name{a="x",b="y"}`.
    fn series(&self) -> String {
        if self.labels.is_empty() {
            return self.name.clone();
        }
        let mut labels = self.labels.clone();
        labels.sort();
        let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
        format!("{}{{{}}}", self.name, labels.join(","))
    }
}

/// Parse a sample line, names taken as written (up to `{`) so that write_prometheus's invalid ones parse too.
fn parse_sample(line: &str) -> Result<Sample, String> {
    let (name, rest) = match line.find('{') {
        Some(i) => (&line[..i], &line[i + 1..]),
        None => {
            let (name, rest) = line.split_once(' ').ok_or("no value")?;
            (name, rest)
        }
    };
    let mut labels = Vec::new();
    let mut rest = rest;
    if line.contains('{') {
        loop {
            rest = rest.trim_start_matches([',', ' ']);
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let (label, after) = rest.split_once("=\"").ok_or("a label without =\"")?;
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next() {
                    Some((i, '"')) => break i,
                    Some((_, '\\')) => {
                        let (_, c) = chars.next().ok_or("a line ends in an escape")?;
                        value.push('\\');
                        value.push(c);
                    }
                    Some((_, c)) => value.push(c),
                    None => return Err("a label value runs off the line".into()),
                }
            };
            labels.push((label.to_string(), value));
            rest = &after[end + 1..];
        }
    }
    let mut words = rest.split_whitespace();
    let value = words.next().ok_or("no value")?.to_string();
    let timestamp = words.next().map(str::to_string);
    if words.next().is_some() {
        return Err("words after the timestamp".into());
    }
    Ok(Sample {
        name: name.to_string(),
        labels,
        value,
        timestamp,
    })
}

/// An exposition in the text format, taken apart.
#[derive(Debug, Default)]
struct Exposition {
    /// Each family's `TYPE`.
    types: BTreeMap<String, String>,
    /// Each family's `HELP` text.
    helps: BTreeMap<String, String>,
    /// Samples by series, with the family whose `TYPE` line came last before them.
    samples: BTreeMap<String, (String, Sample)>,
    /// Comment lines that are neither `HELP` nor `TYPE`.
    comments: Vec<String>,
    /// Lines that did not parse, with why.
    errors: Vec<String>,
}

impl Exposition {
    /// Take `text` apart.
    fn parse(text: &str) -> Exposition {
        let mut e = Exposition::default();
        let mut help: Option<&str> = None;
        let mut family = String::new();
        for line in text.lines() {
            if line.is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix("# HELP ") {
                help = Some(rest);
            } else if let Some(rest) = line.strip_prefix("# TYPE ") {
                let Some((name, kind)) = rest.rsplit_once(' ') else {
                    e.errors.push(format!("{line:?}: no type"));
                    continue;
                };
                family = name.to_string();
                if e.types.insert(family.clone(), kind.to_string()).is_some() {
                    e.errors.push(format!("{line:?}: a second TYPE"));
                }
                // A family name may hold spaces (write_prometheus's), so the HELP is matched by its TYPE's name.
                if let Some(text) = help
                    .take()
                    .and_then(|h| h.strip_prefix(&format!("{name} ")))
                {
                    e.helps.insert(family.clone(), text.to_string());
                }
            } else if line.starts_with('#') {
                e.comments.push(line.to_string());
            } else {
                match parse_sample(line) {
                    Ok(s) => {
                        if e.samples.insert(s.series(), (family.clone(), s)).is_some() {
                            e.errors.push(format!("{line:?}: a series repeated"));
                        }
                    }
                    Err(why) => e.errors.push(format!("{line:?}: {why}")),
                }
            }
        }
        e
    }

    /// Return the value of `series`, if exposed.
    fn value(&self, series: &str) -> Option<&str> {
        self.samples.get(series).map(|(_, s)| s.value.as_str())
    }
}

/// Check that `name` is a valid metric name (`label` false) or label name (`label` true).
fn valid_name(name: &str, label: bool) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || (!label && c == ':');
    name.chars()
        .next()
        .is_some_and(|c| ok(c) && !c.is_ascii_digit())
        && name.chars().all(ok)
}

/// Append a string part of collectd's network protocol (NUL-terminated).
fn string_part(out: &mut Vec<u8>, kind: u16, s: &[u8]) {
    out.extend(kind.to_be_bytes());
    out.extend(u16::try_from(s.len() + 5).unwrap().to_be_bytes());
    out.extend(s);
    out.push(0);
}

/// Append a number part of collectd's network protocol.
fn number_part(out: &mut Vec<u8>, kind: u16, n: u64) {
    out.extend(kind.to_be_bytes());
    out.extend(12u16.to_be_bytes());
    out.extend(n.to_be_bytes());
}

/// Build a network packet with one gauge `host/plugin/type-type_instance` of `value` at `time`, interval 1000 s.
fn gauge_packet(
    host: &[u8],
    plugin: &[u8],
    type_instance: &[u8],
    value: f64,
    time: u64,
) -> Vec<u8> {
    let mut p = Vec::new();
    string_part(&mut p, 0x0000, host);
    number_part(&mut p, 0x0008, time << 30);
    number_part(&mut p, 0x0009, 1000 << 30);
    string_part(&mut p, 0x0002, plugin);
    string_part(&mut p, 0x0004, b"gauge");
    string_part(&mut p, 0x0005, type_instance);
    p.extend(0x0006u16.to_be_bytes());
    p.extend(15u16.to_be_bytes());
    p.extend(1u16.to_be_bytes());
    p.push(1);
    p.extend(value.to_le_bytes());
    p
}

#[test]
fn promtool_accepts_collieds_exposition() {
    let Some(promtool) = require_peer(find_program("promtool"), "promtool (prometheus)") else {
        return;
    };
    let udp = free_udp_port();
    let (c, port) = exporting_collied(
        &format!("network:\n  listen:\n    - address: \"127.0.0.1:{udp}\"\n"),
        "",
    );
    let t = now();
    for put in [
        "testhost/room-kitchen/temperature {t}:21.5",
        "testhost/app-requests/derive {t}:160",
        "testhost/p/counter {t}:7",
        "testhost/p/absolute-x {t}:5",
        "testhost/interface-eth0/if_octets {t}:100:200",
        "testhost/load/load {t}:0.5:0.4:0.3",
        "testhost/p/gauge {t}:U",
        "testhost/p/gauge-big {t}:123456789012345678",
        "\"testhost/p-a.b:c/gauge-x y\" {t}:1",
        "\"testhost/p-quo\\\"te/gauge-back\\\\slash\" {t}:2",
        "testhost/p/gauge-é {t}:3",
        "testhost/p.q-x/gauge {t}:4",
        "\"testhost/we ird/gauge\" {t}:5",
    ] {
        let (id, values) = put.rsplit_once(' ').unwrap();
        ok(
            c.socket(),
            &format!(
                "PUTVAL {id} interval=1000 {}",
                values.replace("{t}", &t.to_string())
            ),
        );
    }
    // A newline and a byte that is not UTF-8 can only come over the network.
    let packets = [
        gauge_packet(b"udphost", b"udp", b"line\nbreak", 1.0, t),
        gauge_packet(b"udphost", b"udp", b"bad\xffbyte", 2.0, t),
    ];
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    let text = poll(Duration::from_secs(10), || {
        for p in &packets {
            sender.send_to(p, ("127.0.0.1", udp)).unwrap();
        }
        let text = scrape(port);
        (text.matches("instance=\"udphost\"").count() >= 2).then_some(text)
    })
    .unwrap_or_else(|| {
        panic!(
            "the UDP values were never exposed:\n{}\n{}",
            scrape(port),
            c.stderr()
        )
    });

    let e = Exposition::parse(&text);
    assert_eq!(e.errors, Vec::<String>::new(), "{text}");
    for (series, (family, s)) in &e.samples {
        assert!(valid_name(&s.name, false), "{series}: metric name\n{text}");
        assert!(
            s.labels.iter().all(|(k, _)| valid_name(k, true)),
            "{series}: label name\n{text}"
        );
        assert_eq!(&s.name, family, "{series} is not of its family\n{text}");
        assert_eq!(s.timestamp, None, "{series}: timestamps are off by default");
    }
    let raw_newline = text
        .lines()
        .any(|l| l.ends_with("udp=\"line") || l.starts_with("break\""));
    assert!(!raw_newline, "a raw newline in a label value:\n{text}");
    for (series, value) in [
        (
            r#"collectd_udp_gauge{instance="udphost",udp="line\nbreak"}"#,
            "1",
        ),
        (
            "collectd_udp_gauge{instance=\"udphost\",udp=\"bad\u{FFFD}byte\"}",
            "2",
        ),
        (
            r#"collectd_p_gauge{instance="testhost",p="quo\"te",type="back\\slash"}"#,
            "2",
        ),
        (
            r#"collectd_p_gauge{instance="testhost",p="a.b:c",type="x y"}"#,
            "1",
        ),
        ("collectd_p_gauge{instance=\"testhost\",p=\"é\"}", "3"),
        (r#"collectd_p_q_gauge{instance="testhost",p_q="x"}"#, "4"),
        (r#"collectd_we_ird_gauge{instance="testhost"}"#, "5"),
        (r#"collectd_p_gauge{instance="testhost"}"#, "NaN"),
        (
            r#"collectd_p_gauge{instance="testhost",p="big"}"#,
            "1.2345678901234568e17",
        ),
        (
            r#"collectd_room_temperature{instance="testhost",room="kitchen"}"#,
            "21.5",
        ),
        (
            r#"collectd_app_derive_total{app="requests",instance="testhost"}"#,
            "160",
        ),
        (r#"collectd_p_counter_total{instance="testhost"}"#, "7"),
        (r#"collectd_p_absolute{instance="testhost",p="x"}"#, "5"),
        (
            r#"collectd_interface_if_octets_rx_total{instance="testhost",interface="eth0"}"#,
            "100",
        ),
        (
            r#"collectd_interface_if_octets_tx_total{instance="testhost",interface="eth0"}"#,
            "200",
        ),
        (r#"collectd_load_shortterm{instance="testhost"}"#, "0.5"),
        (r#"collectd_load_midterm{instance="testhost"}"#, "0.4"),
        (r#"collectd_load_longterm{instance="testhost"}"#, "0.3"),
    ] {
        assert_eq!(e.value(series), Some(value), "{series}\n{text}");
    }
    for (family, kind) in [
        ("collectd_app_derive_total", "counter"),
        ("collectd_p_counter_total", "counter"),
        ("collectd_p_absolute", "gauge"),
        ("collectd_p_gauge", "gauge"),
        ("collectd_interface_if_octets_rx_total", "counter"),
    ] {
        assert_eq!(
            e.types.get(family).map(String::as_str),
            Some(kind),
            "{family}\n{text}"
        );
    }

    let mut child = Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    // 0: clean; 3: lint remarks only; 1: the text did not parse.
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "promtool check metrics: {}\n{said}\n{text}",
        out.status
    );
    let errors: Vec<&str> = said.lines().filter(|l| l.contains("error")).collect();
    assert!(errors.is_empty(), "promtool: {errors:#?}\n{text}");
    assert!(
        !said.contains("should have \"_total\" suffix"),
        "every counter ends in _total:\n{said}"
    );
}

/// The PUTVALs both collectd and collied get: identifier and values (`{t}` for the time); the first ones expose alike.
const COMPARED: &[(&str, &str)] = &[
    ("testhost/room-kitchen/temperature", "{t}:21.5"),
    ("otherhost/room-kitchen/temperature", "{t}:19"),
    ("testhost/app-requests/derive", "{t}:160"),
    ("testhost/interface-eth0/if_octets", "{t}:100:200"),
    ("testhost/cpu-0/cpu-idle", "{t}:1000"),
    ("testhost/cpu-0/cpu-user", "{t}:50"),
    ("testhost/users/users", "{t}:3"),
    ("testhost/load/load", "{t}:0.5:0.4:0.3"),
    ("testhost/memory/memory-used", "{t}:1e9"),
    ("otherhost/memory/memory-used", "{t}:2e9"),
    ("testhost/df-root/df_complex-free", "{t}:1e10"),
    ("testhost/p/counter", "{t}:7"),
    ("testhost/p/derive-neg", "{t}:-5"),
    ("testhost/p/gauge-small", "{t}:0.000001234"),
    ("testhost/p/gauge-tenth", "{t}:0.1"),
    ("\"testhost/p-a.b:c/gauge-x y\"", "{t}:1"),
    ("\"testhost/p-quo\\\"te/gauge-back\\\\slash\"", "{t}:2"),
    ("testhost/p/gauge-é", "{t}:3"),
    ("testhost/my-plugin/gauge", "{t}:4"),
    ("testhost/my_plugin/gauge", "{t}:4.5"),
    ("testhost/p/if_octets-x", "{t}:10:20"),
    ("testhost/p/derive-if_octets_rx", "{t}:30"),
    ("testhost/p/gauge-if_octets_rx", "{t}:31"),
    // Those that differ, as the list of differences says.
    ("testhost/p/absolute-x", "{t}:5"),
    ("testhost/p/derive-big", "{t}:123456789012345678"),
    ("testhost/p/counter-wrap", "{t}:18446744073709551615"),
    ("testhost/p/gauge-big", "{t}:123456789012345678"),
    ("testhost/p/gauge", "{t}:U"),
    ("testhost/p/gauge-nan", "{t}:nan"),
    ("testhost/p/gauge-inf", "{t}:inf"),
    ("testhost/p/gauge-neginf", "{t}:-inf"),
    ("testhost/p.q-x/gauge", "{t}:6"),
    ("\"testhost/we ird/gauge\"", "{t}:7"),
    // Last: once write_prometheus shows it, it has all the others.
    ("testhost/zz-last/gauge", "{t}:8"),
];

/// What kind of difference between the expositions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum What {
    FamilyOnlyInCollectd,
    FamilyOnlyInCollied,
    SeriesOnlyInCollectd,
    SeriesOnlyInCollied,
    Type,
    Help,
    Value,
    Timestamp,
    Comment,
}

/// One way the two expositions differ: what, of which family, series or line, and how (collectd's → collied's).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Difference {
    what: What,
    subject: String,
    detail: String,
}

/// A difference the test expects and why collied differs; a pattern ending in `*` matches any rest.
struct Listed {
    what: What,
    subject: String,
    detail: String,
    reason: &'static str,
}

impl Listed {
    /// Check whether `d` is this difference.
    fn explains(&self, d: &Difference) -> bool {
        let matches = |pattern: &str, s: &str| match pattern.strip_suffix('*') {
            Some(prefix) => s.starts_with(prefix),
            None => pattern == s,
        };
        self.what == d.what
            && matches(&self.subject, &d.subject)
            && matches(&self.detail, &d.detail)
    }
}

/// Check whether two written values are the same number: integers exactly, other finite numbers as doubles, NaN and infinities as spelled.
fn same_value(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if let (Ok(x), Ok(y)) = (a.parse::<i128>(), b.parse::<i128>()) {
        return x == y;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) if x.is_finite() && y.is_finite() => x == y,
        _ => false,
    }
}

/// List how `collied` differs from `collectd`'s write_prometheus.
fn differences(collectd: &Exposition, collied: &Exposition) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut push = |what, subject: &str, detail: String| {
        out.push(Difference {
            what,
            subject: subject.to_string(),
            detail,
        });
    };
    for (family, kind) in &collectd.types {
        match collied.types.get(family) {
            None => push(What::FamilyOnlyInCollectd, family, String::new()),
            Some(k) if k != kind => push(What::Type, family, format!("{kind} → {k}")),
            Some(_) => {}
        }
        if let (Some(a), Some(b)) = (collectd.helps.get(family), collied.helps.get(family))
            && a != b
        {
            push(What::Help, family, format!("{a:?} → {b:?}"));
        }
    }
    for family in collied.types.keys() {
        if !collectd.types.contains_key(family) {
            push(What::FamilyOnlyInCollied, family, String::new());
        }
    }
    for (series, (_, a)) in &collectd.samples {
        let Some((_, b)) = collied.samples.get(series) else {
            push(What::SeriesOnlyInCollectd, series, a.value.clone());
            continue;
        };
        if !same_value(&a.value, &b.value) {
            push(What::Value, series, format!("{} → {}", a.value, b.value));
        }
        if a.timestamp != b.timestamp {
            let show = |t: &Option<String>| t.clone().unwrap_or_else(|| "none".into());
            push(
                What::Timestamp,
                series,
                format!("{} → {}", show(&a.timestamp), show(&b.timestamp)),
            );
        }
    }
    for (series, (_, b)) in &collied.samples {
        if !collectd.samples.contains_key(series) {
            push(What::SeriesOnlyInCollied, series, b.value.clone());
        }
    }
    let theirs: BTreeSet<&String> = collectd.comments.iter().collect();
    let ours: BTreeSet<&String> = collied.comments.iter().collect();
    for c in theirs.symmetric_difference(&ours) {
        push(What::Comment, c, String::new());
    }
    out.sort();
    out
}

/// The differences expected when both got [`COMPARED`] at time `t`, each with its reason.
fn listed_differences(t: u64) -> Vec<Listed> {
    let l = |what, subject: &str, detail: &str, reason| Listed {
        what,
        subject: subject.to_string(),
        detail: detail.to_string(),
        reason,
    };
    vec![
        l(
            What::Timestamp,
            "*",
            &format!("{t}000 → none"),
            "write_prometheus stamps each sample with its value's time; collied leaves the time to the scraper unless `timestamps: true`",
        ),
        l(
            What::Comment,
            "# collectd/write_prometheus *",
            "",
            "write_prometheus ends with a comment naming itself; collied does not",
        ),
        l(
            What::FamilyOnlyInCollied,
            "collied_*",
            "",
            "collied's own metrics",
        ),
        l(
            What::SeriesOnlyInCollied,
            "collied_*",
            "*",
            "collied's own metrics",
        ),
        l(
            What::Type,
            "collectd_p_absolute",
            "counter → gauge",
            "an ABSOLUTE value is reset at each read, so collied calls it a gauge (write_prometheus a counter without `_total`)",
        ),
        l(
            What::Value,
            r#"collectd_p_derive_total{instance="testhost",p="big"}"#,
            "123456789012345680 → 123456789012345678",
            "write_prometheus prints counters as doubles (`%.0f`); collied prints integers exactly",
        ),
        l(
            What::Value,
            r#"collectd_p_counter_total{instance="testhost",p="wrap"}"#,
            "18446744073709551616 → 18446744073709551615",
            "the same for the largest COUNTER",
        ),
        l(
            What::Value,
            r#"collectd_p_gauge{instance="testhost",p="big"}"#,
            "1.23456789012346e+17 → 1.2345678901234568e17",
            "write_prometheus prints gauges with 15 digits (`%.15g`); collied the shortest form that reads back as the same double",
        ),
        l(
            What::Value,
            r#"collectd_p_gauge{instance="testhost"}"#,
            "nan → NaN",
            "U: NaN as Prometheus spells it",
        ),
        l(
            What::Value,
            r#"collectd_p_gauge{instance="testhost",p="nan"}"#,
            "nan → NaN",
            "NaN as Prometheus spells it",
        ),
        l(
            What::Value,
            r#"collectd_p_gauge{instance="testhost",p="inf"}"#,
            "inf → +Inf",
            "+Inf as Prometheus spells it",
        ),
        l(
            What::Value,
            r#"collectd_p_gauge{instance="testhost",p="neginf"}"#,
            "-inf → -Inf",
            "-Inf as Prometheus spells it",
        ),
        l(
            What::FamilyOnlyInCollectd,
            "collectd_p.q_gauge",
            "",
            "write_prometheus leaves `.` in a metric name, which Prometheus cannot parse; collied writes `_`",
        ),
        l(
            What::FamilyOnlyInCollied,
            "collectd_p_q_gauge",
            "",
            "the same family with a valid name",
        ),
        l(
            What::SeriesOnlyInCollectd,
            r#"collectd_p.q_gauge{instance="testhost",p.q="x"}"#,
            "6",
            "write_prometheus leaves `.` in the label name too",
        ),
        l(
            What::SeriesOnlyInCollied,
            r#"collectd_p_q_gauge{instance="testhost",p_q="x"}"#,
            "6",
            "the same series with valid names",
        ),
        l(
            What::FamilyOnlyInCollectd,
            "collectd_we ird_gauge",
            "",
            "write_prometheus leaves a space in a metric name; collied writes `_`",
        ),
        l(
            What::FamilyOnlyInCollied,
            "collectd_we_ird_gauge",
            "",
            "the same family with a valid name",
        ),
        l(
            What::SeriesOnlyInCollectd,
            r#"collectd_we ird_gauge{instance="testhost"}"#,
            "7",
            "a metric name with a space",
        ),
        l(
            What::SeriesOnlyInCollied,
            r#"collectd_we_ird_gauge{instance="testhost"}"#,
            "7",
            "the same series with a valid name",
        ),
    ]
}

#[test]
fn the_exposition_matches_write_prometheus_but_for_listed_differences() {
    let Some(exe) = require_peer(
        find_program("collectd").filter(|_| Path::new(WRITE_PROMETHEUS).is_file()),
        "collectd with write_prometheus (collectd-core)",
    ) else {
        return;
    };
    let wp_port = free_tcp_port();
    let dir = temp_dir("collied-wp");
    let socket = dir.join("collectd.sock");
    let conf = dir.join("collectd.conf");
    // StalenessDelta above the interval keeps write_prometheus's usual timestamps.
    let plugin = format!(
        "LoadPlugin write_prometheus\n<Plugin write_prometheus>\n  Host \"127.0.0.1\"\n  Port \"{wp_port}\"\n  StalenessDelta 3600\n</Plugin>"
    );
    fs::write(&conf, collectd_conf(&dir, &plugin)).unwrap();
    let mut command = Command::new(&exe);
    command.arg("-f").arg("-C").arg(&conf);
    let mut collectd = Peer::start("collectd", dir, command);
    collectd.wait_until("unixsock and write_prometheus", || {
        UnixStream::connect(&socket).is_ok() && get(wp_port, "/metrics", "").is_ok()
    });
    let (c, port) = exporting_collied("", "");

    // Long intervals keep every value from expiring in either.
    let t = now() - 10;
    for (id, values) in COMPARED {
        let put = format!(
            "PUTVAL {id} interval=1000 {}",
            values.replace("{t}", &t.to_string())
        );
        ok(&socket, &put);
        ok(c.socket(), &put);
    }
    let theirs = poll(Duration::from_secs(10), || {
        let a = get(wp_port, "/metrics", "").ok()?;
        let text = a.text();
        text.contains("collectd_zz_gauge{").then_some(text)
    })
    .unwrap_or_else(|| panic!("write_prometheus never showed the last value"));
    let ours = scrape(port);
    let (a, b) = (Exposition::parse(&theirs), Exposition::parse(&ours));
    assert_eq!(
        a.errors,
        Vec::<String>::new(),
        "write_prometheus:\n{theirs}"
    );
    assert_eq!(b.errors, Vec::<String>::new(), "collied:\n{ours}");

    assert_eq!(
        b.helps.get("collectd_app_derive_total").map(String::as_str),
        Some("write_prometheus plugin: 'app' Type: 'derive', Dstype: 'derive', Dsname: 'value'"),
        "collied:\n{ours}"
    );
    assert_eq!(
        a.helps.len(),
        a.types.len(),
        "a family of write_prometheus without HELP:\n{theirs}"
    );
    let found = differences(&a, &b);
    let listed = listed_differences(t);
    let unexplained: Vec<&Difference> = found
        .iter()
        .filter(|d| !listed.iter().any(|l| l.explains(d)))
        .collect();
    let unseen: Vec<String> = listed
        .iter()
        .filter(|l| !found.iter().any(|d| l.explains(d)))
        .map(|l| format!("{:?} {} {} ({})", l.what, l.subject, l.detail, l.reason))
        .collect();
    assert!(
        unexplained.is_empty() && unseen.is_empty(),
        "differences nobody listed: {unexplained:#?}\nlisted but not seen: {:#?}\n\
         write_prometheus:\n{theirs}\ncollied:\n{ours}",
        unseen
    );
    let alike = a
        .samples
        .iter()
        .filter(|(k, (_, s))| {
            b.samples
                .get(*k)
                .is_some_and(|(_, o)| same_value(&s.value, &o.value))
        })
        .count();
    assert!(alike >= 25, "only {alike} series alike:\n{theirs}\n{ours}");
}

/// PUTVALs on collied's socket in a thread until stopped: gauge 21.5 every second and a derive rising by 1 every 100 ms.
struct Feeder {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<(), String>>>,
}

impl Feeder {
    /// Start feeding `socket` (the derive only when `derive`).
    fn start(socket: &Path, derive: bool) -> Feeder {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let socket = socket.to_path_buf();
        let thread = thread::spawn(move || {
            let s = UnixStream::connect(&socket).map_err(|e| e.to_string())?;
            s.set_read_timeout(Some(Duration::from_secs(10)))
                .map_err(|e| e.to_string())?;
            let mut writer = s.try_clone().map_err(|e| e.to_string())?;
            let mut reader = BufReader::new(s);
            let start = Instant::now();
            let mut tick: u32 = 0;
            while !flag.load(Ordering::Relaxed) {
                let mut puts = Vec::new();
                if tick.is_multiple_of(10) {
                    puts.push(
                        "PUTVAL testhost/room-kitchen/temperature interval=1 N:21.5".to_string(),
                    );
                }
                if derive {
                    puts.push(format!(
                        "PUTVAL testhost/app-requests/derive interval=1 N:{tick}"
                    ));
                }
                for put in puts {
                    writer
                        .write_all(format!("{put}\n").as_bytes())
                        .map_err(|e| e.to_string())?;
                    let mut reply = String::new();
                    reader.read_line(&mut reply).map_err(|e| e.to_string())?;
                    if !reply.starts_with("0 ") {
                        return Err(format!("{put}: {reply:?}"));
                    }
                }
                tick += 1;
                let next = start + Duration::from_millis(100) * tick;
                sleep(next.saturating_duration_since(Instant::now()));
            }
            Ok(())
        });
        Feeder {
            stop,
            thread: Some(thread),
        }
    }

    /// Stop feeding; panic if a PUTVAL failed.
    fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join()
                .unwrap()
                .unwrap_or_else(|e| panic!("feeding collied: {e}"));
        }
    }
}

impl Drop for Feeder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Write a scrape configuration for a job scraping 127.0.0.1:`port` every second with its labels honoured into `dir`; return the file.
fn scrape_config(dir: &Path, port: u16) -> PathBuf {
    let file = dir.join("scrape.yml");
    fs::write(
        &file,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
             scrape_configs:\n  - job_name: collied\n    honor_labels: true\n    \
             static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        ),
    )
    .unwrap();
    file
}

#[test]
fn prometheus_scrapes_collied() {
    let Some(exe) = require_peer(find_program("prometheus"), "prometheus") else {
        return;
    };
    let dir = temp_dir("collied-prom-weather");
    fs::create_dir_all(dir.join("collie.d")).unwrap();
    fs::write(dir.join("collie.d/weather.yaml"), FIXED_WEATHER).unwrap();
    let (c, port) = exporting_collied_in(dir, "hostname: h\nmodules: {weather: true}\n", "");
    let feeder = Feeder::start(c.socket(), true);

    let web = free_tcp_port();
    let pdir = temp_dir("collied-prometheus");
    let mut command = Command::new(&exe);
    command
        .arg(format!(
            "--config.file={}",
            scrape_config(&pdir, port).display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            pdir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{web}"))
        .arg("--log.level=warn");
    let mut prometheus = Peer::start("prometheus", pdir, command);
    prometheus.wait_until("ready", || {
        get(web, "/-/ready", "").is_ok_and(|a| a.status == 200)
    });

    let rate = "rate(collectd_app_derive_total[4s])";
    let mut last = (Vec::new(), Vec::new(), Vec::new());
    let seen = poll(QUERY_WAIT, || {
        last = (
            instant_query(web, "collectd_room_temperature"),
            instant_query(web, rate),
            instant_query(web, "collie_weather_temp_current"),
        );
        let (gauge, rate, weather) = &last;
        let near_ten =
            rate.len() == 1 && value_of(&rate[0]).is_some_and(|r| (8.0..=12.0).contains(&r));
        (!gauge.is_empty() && near_ten && !weather.is_empty()).then_some(())
    });
    feeder.finish();
    let (gauge, rate_result, weather) = last;
    assert!(
        seen.is_some(),
        "within {QUERY_WAIT:?}: gauge {gauge:?}, {rate} {rate_result:?}, weather {weather:?}\n\
         collied's exposition:\n{}",
        scrape(port)
    );
    assert_eq!(gauge.len(), 1, "{gauge:?}");
    assert_eq!(value_of(&gauge[0]), Some(21.5), "{gauge:?}");
    assert_eq!(gauge[0]["metric"]["instance"], "testhost", "{gauge:?}");
    assert_eq!(gauge[0]["metric"]["room"], "kitchen", "{gauge:?}");
    assert_eq!(
        rate_result[0]["metric"]["app"], "requests",
        "{rate_result:?}"
    );
    assert_eq!(weather.len(), 1, "{weather:?}");
    assert_eq!(value_of(&weather[0]), Some(21.5), "{weather:?}");
    assert_eq!(weather[0]["metric"]["dimension"], "current", "{weather:?}");
    assert_eq!(weather[0]["metric"]["job"], "station", "{weather:?}");
    assert_eq!(weather[0]["metric"]["host"], "h", "{weather:?}");
}

#[test]
fn victoria_metrics_scrapes_collied() {
    let Some(exe) = require_peer(find_program("victoria-metrics"), "victoria-metrics") else {
        return;
    };
    let (c, port) = exporting_collied("", "");
    let feeder = Feeder::start(c.socket(), false);

    let web = free_tcp_port();
    let vdir = temp_dir("collied-victoria");
    let mut command = Command::new(&exe);
    // Queries see only data older than the latency offset (30 s unless told).
    command
        .arg(format!("-storageDataPath={}", vdir.join("data").display()))
        .arg(format!("-httpListenAddr=127.0.0.1:{web}"))
        .arg(format!(
            "-promscrape.config={}",
            scrape_config(&vdir, port).display()
        ))
        .arg("-retentionPeriod=1d")
        .arg("-loggerLevel=WARN")
        .arg("-search.latencyOffset=1s")
        .arg("-search.disableCache");
    let mut vm = Peer::start("victoria-metrics", vdir, command);
    vm.wait_until("healthy", || {
        get(web, "/health", "").is_ok_and(|a| a.status == 200)
    });

    let mut last = Vec::new();
    let seen = poll(QUERY_WAIT, || {
        last = instant_query(web, "collectd_room_temperature");
        (!last.is_empty()).then_some(())
    });
    feeder.finish();
    assert!(
        seen.is_some(),
        "nothing within {QUERY_WAIT:?}; collied's exposition:\n{}",
        scrape(port)
    );
    assert_eq!(last.len(), 1, "{last:?}");
    assert_eq!(value_of(&last[0]), Some(21.5), "{last:?}");
    assert_eq!(last[0]["metric"]["instance"], "testhost", "{last:?}");
    assert_eq!(last[0]["metric"]["room"], "kitchen", "{last:?}");
}

/// Open a connection that takes collied's only scrape slot and send `request`; return it and when it was opened.
///
/// A slot is freed just after its connection closes, so a connection
/// answered 503 within 300 ms is closed and opened again, for up to 2 s.
fn hold(port: u16, request: &[u8]) -> (TcpStream, Instant) {
    poll(Duration::from_secs(2), || {
        let opened = Instant::now();
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(request).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut first = [0u8; 12];
        match s.peek(&mut first) {
            Ok(n) if first[..n].starts_with(b"HTTP/1.1 503") => None,
            // The answer streams: the slot is this one's.
            Ok(_) => Some((s, opened)),
            // Nothing yet: held, waiting for the request.
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                Some((s, opened))
            }
            // Refused, or reset.
            Err(_) => None,
        }
    })
    .expect("collied's scrape slot is free")
}

/// Read what `conn` still gives within 10 s, until the server closes it (or resets it).
fn drain(conn: &mut TcpStream) -> (Vec<u8>, bool) {
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut all = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => return (all, true),
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return (all, true),
            Err(_) => return (all, false),
        }
    }
}

#[test]
fn http_behaviour() {
    let deadline = Duration::from_secs(2);
    let (c, port) = exporting_collied("host_quota: 0\n", "  max_scrapes: 1\n  scrape_timeout: 2\n");
    let t = now();
    ok(
        c.socket(),
        &format!("PUTVAL testhost/app-requests/derive interval=1000 {t}:160"),
    );

    let a = get_free(port, "/foo", "");
    assert_eq!(a.status, 404, "{a:?}");
    let a = get_free(port, "/metrics", "");
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.header("Connection"), Some("close"), "{}", a.head);
    assert!(
        a.header("Content-Type")
            .is_some_and(|t| t.starts_with("text/plain; version=0.0.4")),
        "{}",
        a.head
    );
    let post = "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";
    let a = poll(Duration::from_secs(2), || {
        http(port, post).ok().filter(|a| a.status != 503)
    })
    .expect("POST /metrics answered");
    assert_eq!(a.status, 405, "{a:?}");
    assert_eq!(a.header("Allow"), Some("GET"), "{}", a.head);

    let om = get_free(
        port,
        "/metrics",
        "Accept: application/openmetrics-text; version=1.0.0\r\n",
    );
    assert_eq!(om.status, 200, "{om:?}");
    assert!(
        om.header("Content-Type")
            .is_some_and(|t| t.starts_with("application/openmetrics-text")),
        "{}",
        om.head
    );
    let text = om.text();
    assert_eq!(text.lines().last(), Some("# EOF"), "{text}");
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(
        text.lines()
            .any(|l| l == "# TYPE collectd_app_derive counter"),
        "{text}"
    );
    assert!(
        !text.contains("# TYPE collectd_app_derive_total"),
        "an OpenMetrics counter family has no _total:\n{text}"
    );
    assert!(
        text.lines()
            .any(|l| l == r#"collectd_app_derive_total{app="requests",instance="testhost"} 160"#),
        "{text}"
    );

    let zipped = get_free(port, "/metrics", "Accept-Encoding: gzip\r\n");
    assert_eq!(zipped.status, 200, "{zipped:?}");
    assert_eq!(
        zipped.header("Content-Encoding"),
        Some("gzip"),
        "{}",
        zipped.head
    );
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&zipped.body[..])
        .read_to_string(&mut unzipped)
        .expect("a gzip body");
    let plain = scrape(port);
    let families = |text: &str| -> BTreeSet<String> {
        text.lines()
            .filter(|l| l.starts_with("# TYPE "))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(families(&unzipped), families(&plain), "{unzipped}");
    assert!(
        unzipped
            .lines()
            .any(|l| l == r#"collectd_app_derive_total{app="requests",instance="testhost"} 160"#),
        "{unzipped}"
    );

    // A large answer, more than the socket buffers hold for a client that never
    // reads (a loopback send buffer grows to 4 MiB, tcp_wmem's usual maximum).
    let instance = |i: u32| format!("{i:05}-{}", "p".repeat(94));
    let bulk: String = (0..20_000)
        .map(|i| {
            format!(
                "PUTVAL testhost/bulk-{}/if_octets-{} interval=1000 {t}:{i}:{i}\n",
                instance(i),
                "t".repeat(100)
            )
        })
        .collect();
    let mut conn = c.connect();
    let replies = pipelined(&mut conn, bulk, 20_000, Duration::from_secs(120));
    assert_eq!(
        replies.lines().filter(|l| l.starts_with("0 ")).count(),
        20_000,
        "{}",
        replies
            .lines()
            .find(|l| !l.starts_with("0 "))
            .unwrap_or_default()
    );
    let full = scrape(port);
    assert!(full.len() > 8_000_000, "{} bytes", full.len());

    // Each held connection takes the only slot: other scrapes are refused, or
    // served once the holder is cut at the deadline; after it, all is well.
    // Each must be answered: a 503 that is reset before the client reads it
    // is a failed scrape, not a refusal.
    let others = |held: Instant| {
        for _ in 0..10 {
            let a = get(port, "/metrics", "").unwrap_or_else(|e| {
                panic!(
                    "another scrape while the slot is held, {:?} after it was taken: {e}",
                    held.elapsed()
                )
            });
            assert!(
                a.status == 503
                    || (a.status == 200 && held.elapsed() <= deadline + Duration::from_secs(2)),
                "another scrape while the slot is held got {} after {:?}",
                a.head,
                held.elapsed()
            );
            if a.status == 200 {
                assert_eq!(
                    a.header("Content-Length").and_then(|n| n.parse().ok()),
                    Some(a.body.len()),
                    "{}",
                    a.head
                );
            }
        }
    };
    let after_deadline = |held: Instant| {
        sleep(
            (held + deadline + Duration::from_millis(500))
                .saturating_duration_since(Instant::now()),
        );
        let a = poll(Duration::from_secs(5), || {
            get(port, "/metrics", "").ok().filter(|a| a.status == 200)
        })
        .unwrap_or_else(|| {
            panic!(
                "no whole answer to a scrape {:?} after the slot was taken",
                held.elapsed()
            )
        });
        assert_eq!(
            a.header("Content-Length").and_then(|n| n.parse().ok()),
            Some(a.body.len()),
            "{}",
            a.head
        );
        assert!(
            a.text().contains(&format!("bulk=\"{}\"", instance(19_999))),
            "the last value is missing"
        );
    };

    // A client that connects and sends nothing.
    let (mut silent, held) = hold(port, b"");
    others(held);
    let (said, closed) = drain(&mut silent);
    assert!(
        closed && held.elapsed() < deadline + Duration::from_secs(3),
        "a silent client was not cut at the deadline ({:?}, closed: {closed})",
        held.elapsed()
    );
    assert!(said.is_empty(), "{:?}", String::from_utf8_lossy(&said));
    after_deadline(held);

    // A client that asks and never reads the answer.
    let (mut stalled, held) = hold(port, b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    others(held);
    sleep((held + deadline + Duration::from_millis(500)).saturating_duration_since(Instant::now()));
    let (got, closed) = drain(&mut stalled);
    let answer = parse_answer(&got).expect("the start of an answer");
    assert_eq!(answer.status, 200, "{}", answer.head);
    let length: usize = answer
        .header("Content-Length")
        .and_then(|n| n.parse().ok())
        .expect("a Content-Length");
    assert!(
        closed && answer.body.len() < length,
        "a client that did not read was not cut: {} of {length} bytes, closed: {closed}",
        answer.body.len()
    );
    after_deadline(held);
}

/// Start a private Prometheus that takes remote_write at 127.0.0.1:`web` and scrapes nothing.
fn remote_write_prometheus(exe: &Path, web: u16) -> Peer {
    let dir = temp_dir("collied-prometheus-rw");
    let config = dir.join("prometheus.yml");
    fs::write(&config, "global:\n  scrape_interval: 1s\n").unwrap();
    let mut command = Command::new(exe);
    command
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{web}"))
        .arg("--web.enable-remote-write-receiver")
        .arg("--log.level=warn");
    let mut prometheus = Peer::start("prometheus", dir, command);
    prometheus.wait_until("ready", || {
        get(web, "/-/ready", "").is_ok_and(|a| a.status == 200)
    });
    prometheus
}

/// Start collied in `dir` pushing to `url` with remote_write, with `top` YAML at the top level.
fn pushing_collied(dir: PathBuf, top: &str, url: &str) -> Collied {
    let yaml = format!(
        "netdata: {{enabled: false}}\ndefault_run: false\n{top}prometheus:\n  remote_write:\n    - url: \"{url}\"\n"
    );
    let socket = dir.join("collied.sock");
    Collied::start_in(
        dir,
        socket,
        Options {
            yaml: &yaml,
            ..Options::default()
        },
    )
}

#[test]
fn prometheus_receives_remote_write() {
    let Some(exe) = require_peer(find_program("prometheus"), "prometheus") else {
        return;
    };
    let web = free_tcp_port();
    let _prometheus = remote_write_prometheus(&exe, web);
    let dir = temp_dir("collied-rw-weather");
    fs::create_dir_all(dir.join("collie.d")).unwrap();
    fs::write(dir.join("collie.d/weather.yaml"), FIXED_WEATHER).unwrap();
    let url = format!("http://127.0.0.1:{web}/api/v1/write");
    let c = pushing_collied(dir, "hostname: h\nmodules: {weather: true}\n", &url);
    let feeder = Feeder::start(c.socket(), true);
    let mut last = (Vec::new(), Vec::new(), Vec::new());
    let seen = poll(QUERY_WAIT, || {
        last = (
            instant_query(web, "collectd_room_temperature"),
            instant_query(web, "collectd_app_derive_total"),
            instant_query(web, "collie_weather_temp_current"),
        );
        let (gauge, derive, weather) = &last;
        (!gauge.is_empty() && !derive.is_empty() && !weather.is_empty()).then_some(())
    });
    feeder.finish();
    let (gauge, derive, weather) = last;
    assert!(
        seen.is_some(),
        "within {QUERY_WAIT:?}: gauge {gauge:?}, derive {derive:?}, weather {weather:?}\n{}",
        c.stderr()
    );
    assert_eq!(value_of(&gauge[0]), Some(21.5), "{gauge:?}");
    assert_eq!(gauge[0]["metric"]["instance"], "testhost", "{gauge:?}");
    assert_eq!(gauge[0]["metric"]["room"], "kitchen", "{gauge:?}");
    assert_eq!(derive[0]["metric"]["app"], "requests", "{derive:?}");
    assert!(value_of(&derive[0]).is_some_and(|v| v >= 0.0), "{derive:?}");
    assert_eq!(value_of(&weather[0]), Some(21.5), "{weather:?}");
    assert_eq!(weather[0]["metric"]["dimension"], "current", "{weather:?}");
    assert_eq!(weather[0]["metric"]["job"], "station", "{weather:?}");
}

#[test]
fn victoria_metrics_receives_remote_write() {
    let Some(exe) = require_peer(find_program("victoria-metrics"), "victoria-metrics") else {
        return;
    };
    let web = free_tcp_port();
    let vdir = temp_dir("collied-victoria-rw");
    let mut command = Command::new(&exe);
    command
        .arg(format!("-storageDataPath={}", vdir.join("data").display()))
        .arg(format!("-httpListenAddr=127.0.0.1:{web}"))
        .arg("-retentionPeriod=1d")
        .arg("-loggerLevel=WARN")
        .arg("-search.latencyOffset=1s")
        .arg("-search.disableCache");
    let mut vm = Peer::start("victoria-metrics", vdir, command);
    vm.wait_until("healthy", || {
        get(web, "/health", "").is_ok_and(|a| a.status == 200)
    });
    let url = format!("http://127.0.0.1:{web}/api/v1/write");
    let c = pushing_collied(temp_dir("collied-rw"), "", &url);
    let feeder = Feeder::start(c.socket(), false);
    let mut last = Vec::new();
    let seen = poll(QUERY_WAIT, || {
        last = instant_query(web, "collectd_room_temperature");
        (!last.is_empty()).then_some(())
    });
    feeder.finish();
    assert!(
        seen.is_some(),
        "nothing within {QUERY_WAIT:?}\n{}",
        c.stderr()
    );
    assert_eq!(value_of(&last[0]), Some(21.5), "{last:?}");
    assert_eq!(last[0]["metric"]["instance"], "testhost", "{last:?}");
}

#[test]
fn values_queued_while_the_receiver_is_down_arrive_when_it_is_up() {
    let Some(exe) = require_peer(find_program("prometheus"), "prometheus") else {
        return;
    };
    let web = free_tcp_port();
    let url = format!("http://127.0.0.1:{web}/api/v1/write");
    let metrics = free_tcp_port();
    let top = format!("prometheus:\n  listen: \"127.0.0.1:{metrics}\"\n");
    // `top` names prometheus: too, so the remote_write key goes into it by hand.
    let dir = temp_dir("collied-rw-down");
    let yaml = format!(
        "netdata: {{enabled: false}}\ndefault_run: false\n{top}  remote_write:\n    - url: \"{url}\"\n"
    );
    let socket = dir.join("collied.sock");
    let c = Collied::start_in(
        dir,
        socket,
        Options {
            yaml: &yaml,
            ..Options::default()
        },
    );
    // Four samples a second apart, each taken by its own tick, while nobody receives them.
    let t = now();
    for (i, v) in [1.5, 2.5, 3.5, 4.5].into_iter().enumerate() {
        ok(
            c.socket(),
            &format!(
                "PUTVAL testhost/queue/gauge interval=1000 {}:{v}",
                t + i as u64
            ),
        );
        sleep(Duration::from_millis(1100));
    }
    let retried = poll(Duration::from_secs(5), || {
        let text = get_free(metrics, "/metrics", "").text();
        text.lines()
            .find(|l| l.starts_with("collied_remote_write_samples_total{event=\"retried\"}"))
            .and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .filter(|&n| n > 0)
    });
    assert!(
        retried.is_some(),
        "no retry counted:\n{}",
        get_free(metrics, "/metrics", "").text()
    );
    let _prometheus = remote_write_prometheus(&exe, web);
    let mut last = Vec::new();
    // The backoff has grown to some seconds by now; the queue goes once it ends.
    let seen = poll(Duration::from_secs(45), || {
        last = instant_query(web, "count_over_time(collectd_queue_gauge[10m])");
        (value_of(last.first()?)? >= 4.0).then_some(())
    });
    assert!(seen.is_some(), "queued samples: {last:?}\n{}", c.stderr());
    let max = instant_query(web, "max_over_time(collectd_queue_gauge[10m])");
    assert_eq!(value_of(&max[0]), Some(4.5), "{max:?}");
    let min = instant_query(web, "min_over_time(collectd_queue_gauge[10m])");
    assert_eq!(value_of(&min[0]), Some(1.5), "{min:?}");
}
