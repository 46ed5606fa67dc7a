//! collied against real peers of collectd's binary network protocol over loopback UDP.
//!
//! - `collectd-tg` (Debian's `collectd-utils`) sends its generated values to
//!   collied's `network.listen`, and collied lists every one of them;
//! - a private `collectd` (Debian's `collectd-core`) sends PUTVAL'd values
//!   to collied at security levels none, sign and encrypt, and collied's
//!   GETVAL answers what collectd's own GETVAL answers, rates included;
//! - packets signed or encrypted with a wrong password are refused, and
//!   counted in collied's `collied.network` chart;
//! - collied's `network.servers` sends to a private collectd listening at
//!   each security level, whose GETVAL then answers what collied's does;
//! - collied sends to InfluxDB 1.x's collectd listener (`influxdb`), and
//!   `influx` (`influxdb-client`) reads the points back with their tags.
//!
//! Each test prints a "skipped" line when its peer is missing, unless
//! `COLLIE_REQUIRE_PEERS` is set (as in CI), when a missing peer fails it.

mod common;
#[path = "../../tests/support_netdata/mod.rs"]
mod support_netdata;

use std::fs;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::Duration;

use common::{
    Collied, Options, collectd_conf, free_tcp_port, free_udp_port, now, ok, poll, request, temp_dir,
};
use serde_json::Value;
use support_netdata::peer::{find_program, require_peer};

/// The user and password both ends know.
const AUTH: &str = "alice: s3cret\n";

/// How long values may take to travel before a test gives up on them.
const ARRIVAL: Duration = Duration::from_secs(10);

/// collectd's types.db as Debian installs it, which InfluxDB needs to name data sources.
const TYPES_DB: &str = "/usr/share/collectd/types.db";

fn collectd() -> Option<PathBuf> {
    require_peer(find_program("collectd"), "collectd (collectd-core)")
}

/// Return the identifiers LISTVAL lists at `socket`, in its order.
fn listval(socket: &Path) -> Vec<String> {
    let reply = request(socket, "LISTVAL");
    reply[1..]
        .iter()
        .map(|l| l.split_whitespace().nth(1).unwrap_or_default().to_string())
        .collect()
}

/// A private collectd with only the unixsock and network plugins; killed and cleaned up on drop.
struct Collectd {
    child: Child,
    dir: PathBuf,
    socket: PathBuf,
}

impl Collectd {
    /// Start `exe` with `network` (given the private directory, which holds `passwd`) inside `<Plugin network>`.
    fn start(exe: &Path, network: impl FnOnce(&Path) -> String) -> Collectd {
        let dir = temp_dir("collied-collectd");
        let socket = dir.join("collectd.sock");
        fs::write(dir.join("passwd"), AUTH).unwrap();
        let conf = dir.join("collectd.conf");
        let network = format!(
            "LoadPlugin network\n<Plugin network>\n{}\n</Plugin>",
            network(&dir)
        );
        fs::write(&conf, collectd_conf(&dir, &network)).unwrap();
        let child = Command::new(exe)
            .arg("-f")
            .arg("-C")
            .arg(&conf)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(fs::File::create(dir.join("stdout")).unwrap())
            .stderr(fs::File::create(dir.join("stderr")).unwrap())
            .spawn()
            .expect("start collectd");
        let mut collectd = Collectd { child, dir, socket };
        let up = poll(Duration::from_secs(10), || {
            if let Ok(Some(status)) = collectd.child.try_wait() {
                panic!("collectd exited with {status}:\n{}", collectd.log());
            }
            UnixStream::connect(&collectd.socket).ok()
        });
        assert!(
            up.is_some(),
            "collectd made no socket within 10 s:\n{}",
            collectd.log()
        );
        collectd
    }

    /// Return what collectd logged so far.
    fn log(&self) -> String {
        ["stderr", "stdout", "collectd.log"]
            .iter()
            .map(|f| fs::read_to_string(self.dir.join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("")
    }
}

impl Drop for Collectd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("collectd log:\n{}", self.log());
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The three security levels, as collied and collectd spell them.
const LEVELS: [(&str, &str); 3] = [("none", "None"), ("sign", "Sign"), ("encrypt", "Encrypt")];

/// Start collied listening on a free port at `level`, with `AUTH` as its auth file; return it and the port.
fn listening_collied(level: &str, extra: &str) -> (Collied, u16) {
    let port = free_udp_port();
    let dir = temp_dir("collied-net");
    let auth = dir.join("passwd");
    fs::write(&auth, AUTH).unwrap();
    let auth_line = if level == "none" {
        String::new()
    } else {
        format!("      auth_file: {}\n", auth.display())
    };
    let yaml = format!(
        "{extra}network:\n  listen:\n    - address: \"127.0.0.1:{port}\"\n      \
         security_level: {level}\n{auth_line}"
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
    (c, port)
}

/// A collectd network `<Server>` block for `port` at `level`, signing or encrypting as alice with `password`.
fn server_block(port: u16, level: &str, password: &str) -> String {
    let auth = if level == "None" {
        String::new()
    } else {
        format!("    Username \"alice\"\n    Password \"{password}\"\n")
    };
    format!("  <Server \"127.0.0.1\" \"{port}\">\n    SecurityLevel {level}\n{auth}  </Server>")
}

/// The identifiers the value tests send, each sent twice unless it is a gauge.
const IDS: [&str; 4] = [
    "netpeer/vals-x/gauge-g",
    "netpeer/vals-x/derive-d",
    "netpeer/vals-x/counter-c",
    "netpeer/vals-x/if_octets-eth0",
];

/// The first samples, at `t`.
fn first_samples(t: u64) -> Vec<String> {
    [
        format!("PUTVAL \"{}\" interval=1000 {t}:42.5", IDS[0]),
        format!("PUTVAL \"{}\" interval=1000 {t}:100", IDS[1]),
        format!("PUTVAL \"{}\" interval=1000 {t}:1000", IDS[2]),
        format!("PUTVAL \"{}\" interval=1000 {t}:1000:2000", IDS[3]),
    ]
    .into()
}

/// The second samples, 10 s after `t`: rates of 10, 50, and 200 and 400 per second.
fn second_samples(t: u64) -> Vec<String> {
    let t = t + 10;
    [
        format!("PUTVAL \"{}\" interval=1000 {t}:200", IDS[1]),
        format!("PUTVAL \"{}\" interval=1000 {t}:1500", IDS[2]),
        format!("PUTVAL \"{}\" interval=1000 {t}:3000:6000", IDS[3]),
    ]
    .into()
}

/// What GETVAL answers for [`IDS`] once both samples are in.
fn expected_replies() -> Vec<Vec<String>> {
    let v = |lines: &[&str]| lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    vec![
        v(&["1 Value found", "value=4.250000e+01"]),
        v(&["1 Value found", "value=1.000000e+01"]),
        v(&["1 Value found", "value=5.000000e+01"]),
        v(&["2 Values found", "rx=2.000000e+02", "tx=4.000000e+02"]),
    ]
}

/// GETVAL every one of [`IDS`] at `socket`.
fn getvals(socket: &Path) -> Vec<Vec<String>> {
    IDS.iter()
        .map(|id| request(socket, &format!("GETVAL \"{id}\"")))
        .collect()
}

/// Parse the last `SET <dim> = N` inside a `BEGIN collied.network` block of Netdata text.
fn network_counter(text: &str, dim: &str) -> Option<i64> {
    let set = format!("SET {dim} = ");
    let mut inside = false;
    let mut last = None;
    for line in text.lines() {
        if line.starts_with("BEGIN ") {
            inside = line.starts_with("BEGIN collied.network ") || line == "BEGIN collied.network";
        } else if line == "END" {
            inside = false;
        } else if inside && let Some(n) = line.strip_prefix(&set) {
            last = n.trim().parse().ok().or(last);
        }
    }
    last
}

/// Check that `s` is one of collectd-tg's identifiers: `hostNNNN/pluginNNN/(gauge|derive)-tiN…`.
fn is_tg_identifier(s: &str) -> bool {
    let digits = |d: &str, n: Option<usize>| {
        !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) && n.is_none_or(|n| d.len() == n)
    };
    let parts: Vec<&str> = s.split('/').collect();
    let [host, plugin, type_] = parts[..] else {
        return false;
    };
    let instance = type_
        .strip_prefix("gauge-ti")
        .or_else(|| type_.strip_prefix("derive-ti"));
    host.strip_prefix("host")
        .is_some_and(|d| digits(d, Some(4)))
        && plugin
            .strip_prefix("plugin")
            .is_some_and(|d| digits(d, Some(3)))
        && instance.is_some_and(|d| digits(d, None))
}

#[test]
fn collectd_tg_values_are_all_listed() {
    let Some(tg) = require_peer(find_program("collectd-tg"), "collectd-tg (collectd-utils)") else {
        return;
    };
    // collectd-tg sends at 1 s intervals; a long timeout keeps every value listed after it stops.
    let (c, port) = listening_collied("none", "timeout: 1000\nnetdata: {enabled: false}\n");
    // collectd-tg never stops by itself; SIGINT makes it shut down.
    let out = Command::new("timeout")
        .args(["-s", "INT", "4"])
        .arg(&tg)
        .args(["-d", "127.0.0.1", "-D", &port.to_string()])
        .args(["-n", "20", "-H", "2", "-p", "3", "-i", "1"])
        .output()
        .expect("run timeout collectd-tg");
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    let created: usize = said
        .split("Creating ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "no \"Creating N values\" from collectd-tg ({}):\n{said}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        });
    assert_eq!(created, 20, "{said}");
    assert!(said.contains("values have been sent"), "{said}");

    let mut ids = Vec::new();
    poll(ARRIVAL, || {
        ids = listval(c.socket());
        (ids.len() >= created).then_some(())
    });
    assert!(
        ids.iter().all(|id| is_tg_identifier(id)),
        "not collectd-tg's: {ids:#?}"
    );
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), ids.len(), "listed twice: {ids:#?}");
    assert_eq!(
        ids.len(),
        created,
        "collectd-tg created {created}: {ids:#?}"
    );
}

#[test]
fn collectd_sends_to_collied_at_every_security_level() {
    let Some(exe) = collectd() else { return };
    for (level, collectd_level) in LEVELS {
        let (c, port) = listening_collied(level, "netdata: {enabled: false}\n");
        let a = Collectd::start(&exe, |_| server_block(port, collectd_level, "s3cret"));
        let t = now() - 60;
        for put in first_samples(t) {
            ok(&a.socket, &put);
        }
        // collectd's network plugin sends when its buffer fills or on FLUSH.
        let listed = poll(ARRIVAL, || {
            ok(&a.socket, "FLUSH");
            (listval(c.socket()).len() == IDS.len()).then_some(())
        });
        assert!(
            listed.is_some(),
            "{level}: collied lists {:?}",
            listval(c.socket())
        );
        for put in second_samples(t) {
            ok(&a.socket, &put);
        }
        let expected = expected_replies();
        // collectd answers PUTVAL before its cache has the value: wait for it.
        let mut own = Vec::new();
        poll(ARRIVAL, || {
            own = getvals(&a.socket);
            (own == expected).then_some(())
        });
        assert_eq!(own, expected, "{level}: collectd's own GETVAL");
        let mut got = Vec::new();
        poll(ARRIVAL, || {
            ok(&a.socket, "FLUSH");
            got = getvals(c.socket());
            (got == expected).then_some(())
        });
        assert_eq!(got, expected, "{level}: collied's GETVAL");
        let mut ids = listval(c.socket());
        ids.sort();
        let mut want: Vec<String> = IDS.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(ids, want, "{level}");
    }
}

#[test]
fn a_wrong_password_is_refused_and_counted() {
    let Some(exe) = collectd() else { return };
    for (level, collectd_level, complaint) in [
        ("sign", "Sign", "signature mismatch"),
        ("encrypt", "Encrypt", "checksum mismatch"),
    ] {
        let (c, port) =
            listening_collied(level, "netdata: {enabled: true, internal_charts: true}\n");
        let a = Collectd::start(&exe, |_| server_block(port, collectd_level, "wrong"));
        for put in first_samples(now() - 60) {
            ok(&a.socket, &put);
        }
        let failures = poll(ARRIVAL, || {
            ok(&a.socket, "FLUSH");
            network_counter(&c.stdout(), "security_failures").filter(|&n| n > 0)
        });
        assert!(
            failures.is_some(),
            "{level}: no security failure counted; stdout:\n{}",
            c.stdout()
        );
        assert_eq!(listval(c.socket()), Vec::<String>::new(), "{level}");
        assert_eq!(
            network_counter(&c.stdout(), "values_received"),
            Some(0),
            "{level}"
        );
        let log = c.stderr();
        assert!(
            log.contains(&format!("network 127.0.0.1:{port}: packet from"))
                && log.contains(complaint),
            "{level}: collied's log:\n{log}"
        );
    }
}

#[test]
fn collied_sends_to_collectd_at_every_security_level() {
    let Some(exe) = collectd() else { return };
    for (level, collectd_level) in LEVELS {
        let port = free_udp_port();
        let b = Collectd::start(&exe, |dir| {
            let auth = if level == "none" {
                String::new()
            } else {
                format!("    AuthFile \"{}\"\n", dir.join("passwd").display())
            };
            format!(
                "  <Listen \"127.0.0.1\" \"{port}\">\n    SecurityLevel {collectd_level}\n{auth}  </Listen>"
            )
        });
        let user = if level == "none" {
            String::new()
        } else {
            "      username: alice\n      password: s3cret\n".to_string()
        };
        let c = Collied::start(&format!(
            "netdata: {{enabled: false}}\nnetwork:\n  servers:\n    - address: \"127.0.0.1:{port}\"\n      \
             security_level: {level}\n{user}"
        ));
        let t = now() - 60;
        for put in first_samples(t) {
            ok(c.socket(), &put);
        }
        ok(c.socket(), "FLUSH");
        // Each sample goes in its own send: collied sends only the latest value of each.
        let listed = poll(ARRIVAL, || {
            (listval(&b.socket).len() == IDS.len()).then_some(())
        });
        assert!(
            listed.is_some(),
            "{level}: collectd lists {:?}",
            listval(&b.socket)
        );
        sleep(Duration::from_millis(1200));
        for put in second_samples(t) {
            ok(c.socket(), &put);
        }
        ok(c.socket(), "FLUSH");
        let expected = expected_replies();
        assert_eq!(
            getvals(c.socket()),
            expected,
            "{level}: collied's own GETVAL"
        );
        let mut got = Vec::new();
        poll(ARRIVAL, || {
            got = getvals(&b.socket);
            (got == expected).then_some(())
        });
        assert_eq!(got, expected, "{level}: collectd's GETVAL");
    }
}

/// A private InfluxDB 1.x with its collectd listener; killed and cleaned up on drop.
struct Influxd {
    child: Child,
    dir: PathBuf,
    http: u16,
    udp: u16,
}

impl Influxd {
    /// Start `exe` on free loopback ports and wait until its collectd listener is bound.
    fn start(exe: &Path) -> Influxd {
        let dir = temp_dir("collied-influxd");
        let (http, rpc, udp) = (free_tcp_port(), free_tcp_port(), free_udp_port());
        let conf = dir.join("influxdb.conf");
        fs::write(
            &conf,
            format!(
                "reporting-disabled = true\n\
                 bind-address = \"127.0.0.1:{rpc}\"\n\
                 [meta]\n  dir = \"{d}/meta\"\n\
                 [data]\n  dir = \"{d}/data\"\n  wal-dir = \"{d}/wal\"\n  query-log-enabled = false\n\
                 [retention]\n  enabled = false\n\
                 [shard-precreation]\n  enabled = false\n\
                 [monitor]\n  store-enabled = false\n\
                 [http]\n  enabled = true\n  bind-address = \"127.0.0.1:{http}\"\n  log-enabled = false\n\
                 [[collectd]]\n  enabled = true\n  bind-address = \"127.0.0.1:{udp}\"\n  \
                 database = \"collectd\"\n  typesdb = \"{TYPES_DB}\"\n  security-level = \"none\"\n  \
                 batch-size = 1\n  batch-pending = 10\n  batch-timeout = \"100ms\"\n  \
                 parse-multivalue-plugin = \"split\"\n\
                 [continuous_queries]\n  enabled = false\n",
                d = dir.display()
            ),
        )
        .unwrap();
        let log = fs::File::create(dir.join("influxd.log")).unwrap();
        let child = Command::new(exe)
            .arg("-config")
            .arg(&conf)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start influxd");
        let mut influxd = Influxd {
            child,
            dir,
            http,
            udp,
        };
        let listening = format!("service=collectd addr=127.0.0.1:{udp}");
        let up = poll(Duration::from_secs(20), || {
            if let Ok(Some(status)) = influxd.child.try_wait() {
                panic!("influxd exited with {status}:\n{}", influxd.log());
            }
            let log = influxd.log();
            (log.contains("Listening on HTTP") && log.contains(&listening)).then_some(())
        });
        assert!(
            up.is_some(),
            "influxd did not listen within 20 s:\n{}",
            influxd.log()
        );
        influxd
    }

    /// Return what influxd logged so far.
    fn log(&self) -> String {
        fs::read_to_string(self.dir.join("influxd.log")).unwrap_or_default()
    }
}

impl Drop for Influxd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("influxd log:\n{}", self.log());
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Run `query` with the `influx` client; return its rows as column-to-value maps (none until the measurement exists).
fn influx_rows(client: &Path, port: u16, query: &str) -> Vec<serde_json::Map<String, Value>> {
    let out = Command::new(client)
        .args(["-host", "127.0.0.1", "-port", &port.to_string()])
        .args([
            "-database",
            "collectd",
            "-format",
            "json",
            "-execute",
            query,
        ])
        .output()
        .expect("run influx");
    let text = String::from_utf8_lossy(&out.stdout);
    let Ok(json) = serde_json::from_str::<Value>(&text) else {
        return Vec::new();
    };
    let Some(series) = json["results"][0]["series"].as_array() else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for s in series {
        let columns: Vec<&str> = s["columns"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for row in s["values"].as_array().into_iter().flatten() {
            let cells = row.as_array().into_iter().flatten().cloned();
            let mut row: serde_json::Map<String, Value> =
                columns.iter().map(|c| c.to_string()).zip(cells).collect();
            // A float without decimals reads back as an integer: compare values as floats.
            if let Some(v) = row.get_mut("value") {
                *v = v.as_f64().map_or(Value::Null, Value::from);
            }
            rows.push(row);
        }
    }
    rows
}

#[test]
fn collied_sends_to_influxdb() {
    let Some((influxd, client)) = require_peer(
        find_program("influxd")
            .zip(find_program("influx"))
            .filter(|_| Path::new(TYPES_DB).is_file()),
        "influxd and influx (influxdb, influxdb-client) with collectd's types.db",
    ) else {
        return;
    };
    let db = Influxd::start(&influxd);
    let c = Collied::start(&format!(
        "netdata: {{enabled: false}}\nnetwork:\n  servers:\n    - address: \"127.0.0.1:{}\"\n",
        db.udp
    ));
    let t = now() - 60;
    ok(
        c.socket(),
        &format!("PUTVAL influxhost/vplug-inst/gauge-g1 interval=1000 {t}:42.5"),
    );
    ok(
        c.socket(),
        &format!("PUTVAL influxhost/vplug-inst/if_octets-eth0 interval=1000 {t}:100:200"),
    );
    ok(c.socket(), "FLUSH");

    let time = Value::from(t * 1_000_000_000);
    let point = |ty: &str, ti: &str, value: f64| {
        let mut row = serde_json::Map::new();
        row.insert("time".into(), time.clone());
        row.insert("host".into(), "influxhost".into());
        row.insert("instance".into(), "inst".into());
        row.insert("type".into(), ty.into());
        row.insert("type_instance".into(), ti.into());
        row.insert("value".into(), value.into());
        vec![row]
    };
    for (measurement, want) in [
        ("vplug_value", point("gauge", "g1", 42.5)),
        ("vplug_rx", point("if_octets", "eth0", 100.0)),
        ("vplug_tx", point("if_octets", "eth0", 200.0)),
    ] {
        let query = format!("SELECT * FROM {measurement}");
        let mut rows = Vec::new();
        poll(Duration::from_secs(20), || {
            rows = influx_rows(&client, db.http, &query);
            (!rows.is_empty()).then_some(())
        });
        assert_eq!(rows, want, "{query}");
    }
}
