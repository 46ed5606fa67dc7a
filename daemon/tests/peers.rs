//! collied against real peers: collectd's own client tools and Netdata.
//!
//! - `collectdctl` (Debian's `collectd-utils`) stores, reads, lists and
//!   flushes values through collied's socket;
//! - a small C program on libcollectdclient (`libcollectdclient-dev`,
//!   source in `tests/lcc/client.c`) is compiled with `cc` and does the same
//!   through the library's API;
//! - a real Netdata (`netdata`) runs collied as its external plugin through
//!   a `collie.plugin` symlink, with `collie.yaml` in Netdata's user
//!   configuration directory, and the values sent with `collectdctl` are read
//!   back from Netdata's API;
//! - `collied install-plugin` finds Debian's Netdata's directories and sets
//!   up a private Netdata that then runs collied with the example
//!   configuration it wrote.
//!
//! Each test prints a "skipped" line when its peer is missing, unless
//! `COLLIE_REQUIRE_PEERS` is set (as in CI), when a missing peer fails it.

mod common;
#[path = "../../tests/support_netdata/mod.rs"]
mod support_netdata;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{COLLIED, Collied, temp_dir};
use serde_json::Value;
use support_netdata::peer::{self, Netdata, Plugin, get_json, require_peer};

fn collectdctl() -> Option<PathBuf> {
    require_peer(
        peer::find_program("collectdctl"),
        "collectdctl (collectd-utils)",
    )
}

fn ctl(exe: &Path, socket: &Path, args: &[&str]) -> Output {
    Command::new(exe)
        .arg("-s")
        .arg(socket)
        .args(args)
        .output()
        .expect("run collectdctl")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn collectdctl_talks_to_collied() {
    let Some(exe) = collectdctl() else { return };
    let c = Collied::start("hostname: ctl-host\nnetdata: {enabled: false}\n");
    let sock = c.socket().to_path_buf();

    let put = ctl(
        &exe,
        &sock,
        &[
            "putval",
            "ctl-host/room/temperature",
            "interval=10",
            "N:21.5",
        ],
    );
    assert!(put.status.success(), "{}", text(&put));
    // collectdctl fills in its own host name when none is given; collied takes it as sent.
    let put = ctl(
        &exe,
        &sock,
        &[
            "putval",
            "ctl-host/interface-eth0/if_octets",
            "1700000000:1000:2000",
            "1700000010:2000:4000",
        ],
    );
    assert!(put.status.success(), "{}", text(&put));

    let get = ctl(&exe, &sock, &["getval", "ctl-host/room/temperature"]);
    assert!(get.status.success(), "{}", text(&get));
    assert_eq!(String::from_utf8_lossy(&get.stdout), "value=2.150000e+01\n");
    let get = ctl(
        &exe,
        &sock,
        &["getval", "ctl-host/interface-eth0/if_octets"],
    );
    assert_eq!(
        String::from_utf8_lossy(&get.stdout),
        "rx=1.000000e+02\ntx=2.000000e+02\n"
    );

    let list = ctl(&exe, &sock, &["listval"]);
    assert!(list.status.success(), "{}", text(&list));
    assert_eq!(
        String::from_utf8_lossy(&list.stdout),
        "ctl-host/interface-eth0/if_octets\nctl-host/room/temperature\n"
    );

    let flush = ctl(
        &exe,
        &sock,
        &["flush", "identifier=ctl-host/room/temperature"],
    );
    assert!(flush.status.success(), "{}", text(&flush));

    let missing = ctl(&exe, &sock, &["getval", "ctl-host/room/temperature-none"]);
    assert!(!missing.status.success());
    assert!(
        text(&missing).contains("No such value"),
        "{}",
        text(&missing)
    );
    let bad = ctl(&exe, &sock, &["putval", "ctl-host/room/nosuchtype", "N:1"]);
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("Type `nosuchtype' isn't defined"),
        "{}",
        text(&bad)
    );
}

#[test]
fn libcollectdclient_talks_to_collied() {
    let header = Path::new("/usr/include/collectd/client.h");
    let cc = peer::find_program("cc");
    let found = cc.filter(|_| header.is_file());
    let Some(cc) = require_peer(found, "a C compiler with libcollectdclient-dev") else {
        return;
    };
    let dir = temp_dir("collied-lcc");
    let exe = dir.join("client");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lcc/client.c");
    let built = Command::new(cc)
        .arg("-Wall")
        .arg("-o")
        .arg(&exe)
        .arg(&source)
        .arg("-lcollectdclient")
        .output()
        .expect("run cc");
    assert!(built.status.success(), "cc failed:\n{}", text(&built));

    let c = Collied::start("netdata: {enabled: false}\n");
    let run = Command::new(&exe)
        .arg(c.socket())
        .output()
        .expect("run the client");
    fs::remove_dir_all(&dir).unwrap();
    assert!(run.status.success(), "{}", text(&run));
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "putval gauge: ok\n\
         putval if_octets: ok\n\
         getval gauge: value=21.5\n\
         getval if_octets: rx=100 tx=200\n\
         listval: 2\n  lcc-host/lcc-0/gauge-temp\n  lcc-host/lcc-eth0/if_octets\n\
         flush: ok\n\
         getval missing: error: Server error: No such value.\n"
    );
}

/// The longest the Netdata test may take.
const NETDATA_DEADLINE: Duration = Duration::from_secs(90);

fn value(all: &Value, chart: &str, dim: &str) -> Option<f64> {
    all[chart]["dimensions"][dim]["value"].as_f64()
}

#[test]
fn netdata_charts_what_collectdctl_sends() {
    let started = Instant::now();
    let Some(netdata) = require_peer(peer::find_netdata(), "netdata") else {
        return;
    };
    let Some(ctl_exe) = collectdctl() else { return };
    let plugin = Plugin {
        name: "collie",
        script: String::new(),
        link: Some(PathBuf::from(COLLIED)),
        options: "",
    };
    let mut socket = PathBuf::new();
    let mut nd = Netdata::start_with(&netdata, "collied-nd-e2e", &plugin, |dir| {
        socket = dir.join("collied.sock");
        // Netdata passes its configuration directory as NETDATA_USER_CONFIG_DIR.
        fs::write(
            dir.join("etc/collie.yaml"),
            format!(
                "socket: {}\nhostname: nd-host\ninterval: 1\ntimeout: 60\n",
                socket.display()
            ),
        )
        .unwrap();
    });

    let sock = socket.clone();
    let send = |ctl_exe: &Path| {
        for (id, v) in [
            ("nd-host/room/temperature", "21.5"),
            ("elsewhere/room/temperature", "-3.25"),
            ("nd-host/memory/memory-used", "1048576"),
        ] {
            let out = ctl(
                ctl_exe,
                &sock,
                &["putval", id, "interval=1", &format!("N:{v}")],
            );
            assert!(out.status.success(), "putval {id}: {}", text(&out));
        }
    };
    let all = nd.poll(started + NETDATA_DEADLINE, |port| {
        if !sock.exists() {
            return None;
        }
        send(&ctl_exe);
        get_json(port, "/api/v1/allmetrics?format=json").filter(|all| {
            value(all, "room.temperature", "value") == Some(21.5)
                && value(all, "room.temperature__elsewhere", "value") == Some(-3.25)
                && value(all, "memory.memory", "used") == Some(1048576.0)
        })
    });
    let Some(all) = all else {
        nd.keep_dir = true;
        let last = peer::get(nd.port, "/api/v1/allmetrics?format=json");
        panic!(
            "values never reached Netdata within {NETDATA_DEADLINE:?}; allmetrics: {last:?}\nlog:\n{}",
            nd.log()
        );
    };
    assert!(
        all["collied.commands"].is_object(),
        "internal charts missing"
    );

    let chart = get_json(nd.port, "/api/v1/chart?chart=room.temperature").expect("GET chart");
    assert_eq!(chart["units"], "Celsius");
    assert_eq!(chart["chart_labels"]["host"], "nd-host", "{chart}");
    let other = get_json(nd.port, "/api/v1/chart?chart=room.temperature__elsewhere").unwrap();
    assert_eq!(other["chart_labels"]["host"], "elsewhere", "{other}");

    // The stored series carries the decimals too.
    let stored = nd.poll(started + NETDATA_DEADLINE, |port| {
        send(&ctl_exe);
        let data = get_json(
            port,
            "/api/v1/data?chart=room.temperature&after=-10&format=json&options=seconds",
        )?;
        let rows: Vec<f64> = data["data"]
            .as_array()?
            .iter()
            .filter_map(|row| row.get(1).and_then(Value::as_f64))
            .collect();
        rows.iter().any(|v| (v - 21.5).abs() < 1e-9).then_some(rows)
    });
    assert!(stored.is_some(), "21.5 never stored");

    let complaints = nd.complaints("collie");
    assert!(complaints.is_empty(), "netdata complained: {complaints:#?}");
    println!("netdata e2e passed in {:?}", started.elapsed());
}

/// From zero to a collector's chart in Netdata: a weather job configured in
/// `collie.d/weather.yaml` next to `collie.yaml`, run by collied as
/// Netdata's `collie.plugin`, shows its fixed reading on the dashboard.
#[test]
fn netdata_charts_a_jobs_values() {
    let started = Instant::now();
    let Some(netdata) = require_peer(peer::find_netdata(), "netdata") else {
        return;
    };
    let plugin = Plugin {
        name: "collie",
        script: String::new(),
        link: Some(PathBuf::from(COLLIED)),
        options: "",
    };
    let mut nd = Netdata::start_with(&netdata, "collied-nd-jobs", &plugin, |dir| {
        fs::write(
            dir.join("etc/collie.yaml"),
            format!(
                "socket: {}\nhostname: nd-host\ndefault_run: false\nmodules:\n  weather: true\n",
                dir.join("collied.sock").display()
            ),
        )
        .unwrap();
        fs::create_dir_all(dir.join("etc/collie.d")).unwrap();
        fs::write(
            dir.join("etc/collie.d/weather.yaml"),
            "jobs:\n  - name: station\n    fixed: true\n",
        )
        .unwrap();
    });
    let all = nd.poll(started + NETDATA_DEADLINE, |port| {
        get_json(port, "/api/v1/allmetrics?format=json").filter(|all| {
            value(all, "weather_station.temp_current", "current") == Some(21.5)
                && value(all, "weather_station.humid_current", "humidity") == Some(64.3)
        })
    });
    let Some(all) = all else {
        nd.keep_dir = true;
        let last = peer::get(nd.port, "/api/v1/allmetrics?format=json");
        panic!(
            "the job's values never reached Netdata within {NETDATA_DEADLINE:?}; allmetrics: {last:?}\nlog:\n{}",
            nd.log()
        );
    };
    assert_eq!(value(&all, "weather_station.temp_stats", "avg"), Some(21.5));
    // Charted once, by the job: the cache's copy of its values is not charted again.
    let names: Vec<&String> = all.as_object().unwrap().keys().collect();
    assert!(
        names.iter().all(|n| !n.contains("weather-station")),
        "{names:?}"
    );
    let chart =
        get_json(nd.port, "/api/v1/chart?chart=weather_station.temp_current").expect("GET chart");
    assert_eq!(chart["units"], "Celsius");
    assert_eq!(chart["chart_labels"]["_collect_job"], "station", "{chart}");
    let complaints = nd.complaints("collie");
    assert!(complaints.is_empty(), "netdata complained: {complaints:#?}");
    println!("netdata jobs e2e passed in {:?}", started.elapsed());
}

/// `collied install-plugin` as a user runs it: it finds the Netdata installed
/// here, and what it sets up in a private Netdata's directories runs.
#[test]
fn install_plugin_sets_up_a_netdata_that_runs_collied() {
    let started = Instant::now();
    let Some(netdata) = require_peer(peer::find_netdata(), "netdata") else {
        return;
    };
    // Discovery: the directory found is the one holding Netdata's own plugins.
    let out = Command::new(COLLIED)
        .args(["install-plugin", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    let found = said
        .lines()
        .find_map(|l| l.strip_prefix("Netdata's plugins directory: "))
        .and_then(|l| l.split(" (from ").next())
        .unwrap_or_else(|| panic!("{said}"));
    let own: Vec<_> = fs::read_dir(found)
        .unwrap_or_else(|e| panic!("{found}: {e}"))
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".plugin"))
        .collect();
    assert!(!own.is_empty(), "no Netdata plugins in {found}");

    let install = |dir: &Path| {
        let out = Command::new(COLLIED)
            .arg("install-plugin")
            .arg("--plugins-dir")
            .arg(dir.join("plugins"))
            .arg("--config-dir")
            .arg(dir.join("etc"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let plugin = Plugin {
        name: "collie",
        script: String::new(),
        link: None,
        options: "",
    };
    let mut socket = PathBuf::new();
    let mut nd = Netdata::start_with(&netdata, "collied-nd-install", &plugin, |dir| {
        let exe = fs::canonicalize(COLLIED).unwrap();
        let first = install(dir);
        let link = dir.join("plugins/collie.plugin");
        assert!(
            first.contains(&format!("link {} to {}", link.display(), exe.display())),
            "{first}"
        );
        assert_eq!(fs::read_link(&link).unwrap(), exe);
        let again = install(dir);
        assert!(again.contains("already links to"), "{again}");
        assert!(again.contains("exists: kept as it is"), "{again}");
        // The written example wants Netdata's runtime directory; this private
        // Netdata has its own, as a user would edit the socket line.
        let conf = dir.join("etc/collie.yaml");
        let written = fs::read_to_string(&conf).unwrap();
        assert!(written.contains("socket: /run/netdata/collied.sock\n"));
        socket = dir.join("collied.sock");
        let edited = written.replace(
            "socket: /run/netdata/collied.sock\n",
            &format!("socket: {}\nhostname: nd-host\n", socket.display()),
        );
        fs::write(&conf, edited).unwrap();
    });
    let all = nd.poll(started + NETDATA_DEADLINE, |port| {
        let mut s = std::os::unix::net::UnixStream::connect(&socket).ok()?;
        Collied::ask(
            &mut s,
            "PUTVAL nd-host/room/temperature interval=1 N:21.5\n",
            1,
        );
        get_json(port, "/api/v1/allmetrics?format=json")
            .filter(|all| value(all, "room.temperature", "value") == Some(21.5))
    });
    let Some(all) = all else {
        nd.keep_dir = true;
        panic!(
            "the installed plugin never charted within {NETDATA_DEADLINE:?}\nlog:\n{}",
            nd.log()
        );
    };
    assert!(
        all["collied.commands"].is_object(),
        "internal charts missing"
    );
    let complaints = nd.complaints("collie");
    assert!(complaints.is_empty(), "netdata complained: {complaints:#?}");
    println!("install-plugin e2e passed in {:?}", started.elapsed());
}
