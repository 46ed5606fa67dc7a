//! The daemon as a process: configuration errors, the socket's life cycle,
//! signals, a closed stdout, idle and slow clients, and its stdout as Netdata
//! reads it. Every test runs the built binary in a private directory and is
//! bounded in time.

mod common;
#[path = "../../tests/support_netdata/mod.rs"]
mod support_netdata;

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::UnixListener;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::{
    COLLIED, Collied, Options, Reaped, config_file, pipelined, read_until, temp_dir, wait_for,
};
use nix::sys::signal::Signal;

fn check(yaml: &str) -> (i32, String, String) {
    let dir = temp_dir("collied-check");
    let file = dir.join("bad.yaml");
    fs::write(&file, yaml).unwrap();
    let out = Command::new(COLLIED)
        .args(["check", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    fs::remove_dir_all(&dir).unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).replace(&file.display().to_string(), "FILE");
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn check_points_at_errors_and_exits_2() {
    let (code, _, err) = check("interval: 5\nsockt: /tmp/x\n");
    assert_eq!(code, 2);
    assert!(
        err.starts_with("FILE:2:1: unknown key `sockt`, did you mean `socket`?"),
        "{err}"
    );
    let (code, _, err) = check("netdata:\n  update_every: 0\n");
    assert_eq!(code, 2);
    assert!(
        err.starts_with("FILE:2:17: netdata.update_every: expected a whole number"),
        "{err}"
    );
    let (code, _, err) = check("types_db: [/nonexistent/types.db]\n");
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/types.db: cannot read"), "{err}");

    let (code, out, err) = check(
        "socket: /run/c.sock\nsystem: {enabled: true}\nexec:\n  - {user: nobody, command: /bin/true}\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("socket: /run/c.sock (mode 0660"), "{out}");
    assert!(out.contains("collector system"), "{out}");
    assert!(out.contains("exec: /bin/true"), "{out}");
    assert!(out.ends_with("configuration is valid\n"), "{out}");
}

#[test]
fn a_bad_config_stops_the_daemon_with_2() {
    let dir = temp_dir("collied-badconf");
    let file = dir.join("c.yaml");
    fs::write(&file, "max_client: 3\n").unwrap();
    let out = Command::new(COLLIED)
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(":1:1: unknown key `max_client`, did you mean `max_clients`?"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing but the protocol goes to stdout"
    );
}

#[test]
fn socket_gets_its_mode_and_a_stale_one_is_replaced() {
    let dir = temp_dir("collied-stale");
    let socket = dir.join("s.sock");
    drop(UnixListener::bind(&socket).unwrap());
    assert!(fs::metadata(&socket).unwrap().file_type().is_socket());
    let options = Options {
        yaml: "socket_perms: \"0600\"\nnetdata: {enabled: false}\n",
        ..Options::default()
    };
    let mut c = Collied::start_in(dir.clone(), socket.clone(), options);
    let mode = fs::metadata(&socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(
        c.stderr().contains("removed stale socket"),
        "{}",
        c.stderr()
    );

    // A second daemon must not take over a live socket.
    let out = Command::new(COLLIED)
        .arg("--socket")
        .arg(&socket)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("in use by a running server"));
    c.signal(Signal::SIGTERM);
    assert!(c.wait_exit(Duration::from_secs(5)).success());
    assert!(!socket.exists());
}

#[test]
fn stale_socket_is_kept_when_told_and_other_files_never_removed() {
    let dir = temp_dir("collied-keep");
    let socket = dir.join("s.sock");
    drop(UnixListener::bind(&socket).unwrap());
    fs::write(
        dir.join("c.yaml"),
        format!("socket: {}\ndelete_socket: false\n", socket.display()),
    )
    .unwrap();
    let out = Command::new(COLLIED)
        .arg("--config")
        .arg(dir.join("c.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("set delete_socket: true"));
    let file = dir.join("plain");
    fs::write(&file, "precious").unwrap();
    let out = Command::new(COLLIED)
        .arg("--socket")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(fs::read_to_string(&file).unwrap(), "precious");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sigterm_and_sigint_remove_the_socket_and_exit_0() {
    for signal in [Signal::SIGTERM, Signal::SIGINT] {
        let mut c = Collied::start("netdata: {enabled: false}\n");
        let socket = c.socket().to_path_buf();
        c.signal(signal);
        let status = c.wait_exit(Duration::from_secs(5));
        assert_eq!(status.code(), Some(0), "{signal}: {}", c.stderr());
        assert!(!socket.exists(), "{signal} left the socket behind");
    }
}

#[test]
fn a_closed_stdout_ends_the_daemon_cleanly() {
    let mut c = Collied::start_with(Options {
        yaml: "netdata: {update_every: 1}\n",
        pipe_stdout: true,
        ..Options::default()
    });
    let mut stdout = c.take_stdout();
    let first = read_until(&mut stdout, Duration::from_secs(5), |s| s.contains("END\n"));
    assert!(first.contains("CHART collied.commands"), "{first}");
    drop(stdout);
    let status = c.wait_exit(Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{}", c.stderr());
    assert!(!c.socket().exists());
    assert!(c.stderr().contains("stdout was closed"), "{}", c.stderr());
}

#[test]
fn pipelined_commands_are_answered_in_order_and_read_their_writes() {
    let c = Collied::start("netdata: {enabled: false}\nhostname: here\n");
    let mut s = c.connect();
    let replies = Collied::ask(
        &mut s,
        "PUTVAL /p/gauge 100:1.5\nGETVAL here/p/gauge\nPUTVAL here/p/gauge 101:2\nGETVAL here/p/gauge\nLISTVAL\nFLUSH\n",
        9,
    );
    assert_eq!(
        replies,
        [
            "0 Success: 1 value has been dispatched.",
            "1 Value found",
            "value=1.500000e+00",
            "0 Success: 1 value has been dispatched.",
            "1 Value found",
            "value=2.000000e+00",
            "1 Value found",
            "101.000 here/p/gauge",
            "0 Done: 1 successful, 0 errors",
        ]
    );
}

#[test]
fn idle_clients_are_closed() {
    let c = Collied::start("netdata: {enabled: false}\nidle_timeout: 0.3\n");
    let mut s = c.connect();
    let started = Instant::now();
    let mut buf = [0u8; 16];
    let n = loop {
        match s.read(&mut buf) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            r => break r.expect("EOF, not a timeout"),
        }
    };
    assert_eq!(n, 0);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(5),
        "{took:?}"
    );
    // An active client is not idle.
    let mut busy = c.connect();
    for _ in 0..4 {
        thread::sleep(Duration::from_millis(150));
        assert_eq!(Collied::ask(&mut busy, "LISTVAL\n", 1), ["0 Values found"]);
    }
}

#[test]
fn too_many_clients_are_told_so() {
    let c = Collied::start("netdata: {enabled: false}\nmax_clients: 2\n");
    // A connection that was just closed (such as the start-up probe) holds
    // its place until its thread sees the close, so retry for a place.
    let admitted = || {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let mut s = c.connect();
            let mut reply = [0u8; 64];
            let n = s
                .write_all(b"LISTVAL\n")
                .and_then(|()| s.read(&mut reply))
                .unwrap_or(0);
            if reply[..n].starts_with(b"0 Values found\n") {
                return s;
            }
            assert!(Instant::now() < deadline, "no place for a client");
            thread::sleep(Duration::from_millis(20));
        }
    };
    let a = admitted();
    let _b = admitted();
    let mut third = c.connect();
    let text = read_until(&mut third, Duration::from_secs(5), |_| false);
    assert_eq!(text, "-1 Too many clients, try again later.\n");
    drop(a);
    // The freed place is taken again once the server saw the close.
    let _again = admitted();
}

#[test]
fn a_client_that_never_reads_blocks_nobody() {
    let c = Collied::start("netdata: {enabled: false}\nwrite_timeout: 1\nhostname: h\n");
    let mut filler = c.connect();
    let mut lines = String::new();
    for i in 0..500 {
        lines.push_str(&format!(
            "PUTVAL h/plugin-{i}/gauge-with-a-long-type-instance-{i} 100:{i}\n"
        ));
    }
    filler.write_all(lines.as_bytes()).unwrap();
    let mut got = 0;
    let mut buf = vec![0u8; 1 << 16];
    while got < 500 {
        let n = filler.read(&mut buf).unwrap();
        got += buf[..n].iter().filter(|&&b| b == b'\n').count();
    }

    // The slow client asks for big listings and never reads them.
    let slow = c.connect();
    slow.set_write_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let writer = thread::spawn(move || {
        let mut slow = slow;
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(8) {
            match slow.write_all(b"LISTVAL\n") {
                Ok(()) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                // Dropped by the server: what we wanted.
                Err(_) => return true,
            }
        }
        false
    });

    // Another client keeps being answered quickly meanwhile.
    let mut other = c.connect();
    for i in 0..20 {
        let started = Instant::now();
        let reply = Collied::ask(
            &mut other,
            &format!(
                "PUTVAL h/other/gauge {}:{i}\nGETVAL h/other/gauge\n",
                200 + i
            ),
            3,
        );
        assert_eq!(reply[0], "0 Success: 1 value has been dispatched.");
        assert_eq!(reply[1], "1 Value found", "{reply:?}");
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "blocked for {:?}",
            started.elapsed()
        );
        thread::sleep(Duration::from_millis(100));
    }
    assert!(writer.join().unwrap(), "the slow client was never dropped");
}

#[test]
fn stdout_is_valid_plugins_d_with_the_values_sent() {
    let c = Collied::start(
        "hostname: here\ninterval: 1\nsystem: {enabled: true}\nnetdata: {update_every: 1}\n",
    );
    let mut s = c.connect();
    let reply = Collied::ask(
        &mut s,
        "PUTVAL here/room/temperature interval=1 N:21.5\n\
         PUTVAL here/interface-eth0/if_octets interval=1 N:1000:2000\n\
         PUTVAL there/room/temperature interval=1 N:-3.25\n\
         PUTNOTIF severity=warning time=1 message=hot\n\
         PUTNOTIF severity=failure time=1 message=\"very hot\" host=here\n\
         FLUSH\n",
        6,
    );
    assert!(reply.iter().all(|r| r.starts_with('0')), "{reply:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut report = None;
    while Instant::now() < deadline {
        let text = c.stdout();
        let r = support_netdata::validate(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let has = |chart: &str, dim: &str, v: i64| {
            r.updates
                .iter()
                .any(|(c, _, sets)| c == chart && sets.iter().any(|(d, x)| d == dim && *x == v))
        };
        if has("room.temperature", "value", 21500)
            && has("room.temperature__there", "value", -3250)
            && has("interface_eth0.if_octets", "tx", 2000)
            && has("collied.notifications", "warning", 1)
            && has("collied.notifications", "failure", 1)
            && r.charts.contains_key("load.load")
            && r.charts.contains_key("memory.memory")
        {
            report = Some(r);
            break;
        }
        thread::sleep(Duration::from_millis(200));
    }
    let report = report.unwrap_or_else(|| panic!("values missing from stdout:\n{}", c.stdout()));
    let chart = &report.charts["room.temperature"];
    assert_eq!(chart.units, "Celsius");
    assert_eq!(chart.divisors["value"], 1000);
    assert_eq!(report.charts["interface_eth0.if_octets"].dims, ["rx", "tx"]);
    assert!(
        c.stderr().contains("notification WARNING"),
        "{}",
        c.stderr()
    );
}

#[test]
fn the_example_configuration_is_valid() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/collie.yaml");
    let out = Command::new(COLLIED)
        .args(["check", "--config", example])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("socket: collied.sock (mode 0660"), "{text}");
}

#[test]
fn the_example_configuration_starts_as_shipped() {
    // From any working directory: its socket is relative to it.
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/collie.yaml");
    let dir = temp_dir("collied-example");
    let child = Command::new(COLLIED)
        .args(["--config", example])
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Reaped(child);
    wait_for(&dir.join("collied.sock"));
    let mut s = std::os::unix::net::UnixStream::connect(dir.join("collied.sock")).unwrap();
    let reply = Collied::ask(&mut s, "PUTVAL h/p/gauge N:1\n", 1);
    assert_eq!(reply, ["0 Success: 1 value has been dispatched."]);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        Signal::SIGTERM,
    )
    .unwrap();
    assert!(child.wait().unwrap().success());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn as_a_plugin_it_reads_collie_yaml_from_netdata_directories() {
    let dir = temp_dir("collied-plugin");
    let (user, stock) = (dir.join("user"), dir.join("stock"));
    fs::create_dir_all(&user).unwrap();
    fs::create_dir_all(&stock).unwrap();
    let socket = dir.join("from-stock.sock");
    fs::write(
        stock.join("collie.yaml"),
        format!(
            "socket: {}\nnetdata: {{internal_charts: false}}\n",
            socket.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(COLLIED)
        .args(["1", "extra", "--options"])
        .env("NETDATA_USER_CONFIG_DIR", &user)
        .env("NETDATA_STOCK_CONFIG_DIR", &stock)
        .current_dir(&dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(fs::File::create(dir.join("stderr")).unwrap())
        .spawn()
        .map(Reaped)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    let found = socket.exists();
    let _ = child.kill();
    let _ = child.wait();
    let log = fs::read_to_string(dir.join("stderr")).unwrap_or_default();
    fs::remove_dir_all(&dir).unwrap();
    assert!(found, "no socket from the stock collie.yaml:\n{log}");
    assert!(log.contains("ignoring Netdata's command options"), "{log}");
}

#[test]
fn a_thousand_clients_are_served_at_once() {
    let c = Collied::start("netdata: {enabled: false}\nhostname: h\n");
    let mut clients: Vec<_> = (0..1000).map(|_| c.connect()).collect();
    for (i, s) in clients.iter_mut().enumerate() {
        s.write_all(format!("PUTVAL h/many-{i}/gauge 100:{i}\n").as_bytes())
            .unwrap();
    }
    for (i, s) in clients.iter_mut().enumerate() {
        let reply = Collied::ask(s, &format!("GETVAL h/many-{i}/gauge\n"), 3);
        assert_eq!(reply[0], "0 Success: 1 value has been dispatched.");
        assert_eq!(reply[1], "1 Value found");
    }
    let reply = Collied::ask(&mut clients[0], "LISTVAL\n", 1);
    assert_eq!(reply, ["1000 Values found"]);
}

#[test]
fn a_types_db_file_overrides_a_built_in_data_set() {
    let dir = temp_dir("types");
    let types = dir.join("types.db");
    // `gauge` with two sources instead of the built-in one; `extra` is new.
    fs::write(
        &types,
        "gauge a:GAUGE:U:U, b:GAUGE:U:U\nextra value:GAUGE:0:U\n",
    )
    .unwrap();
    let yaml = format!(
        "netdata: {{enabled: false}}\nhostname: here\ntypes_db: [{}]\n",
        types.display()
    );
    let c = Collied::start(&yaml);
    let mut s = c.connect();
    let replies = Collied::ask(
        &mut s,
        "PUTVAL here/p/gauge 100:1\nPUTVAL here/p/gauge 100:1:2\nGETVAL here/p/gauge\nPUTVAL here/p/extra 100:3\nPUTVAL here/p/derive 100:4\n",
        7,
    );
    assert_eq!(
        replies,
        [
            "-1 Parsing the values string failed.",
            "0 Success: 1 value has been dispatched.",
            "2 Values found",
            "a=1.000000e+00",
            "b=2.000000e+00",
            "0 Success: 1 value has been dispatched.",
            "0 Success: 1 value has been dispatched.",
        ]
    );
}

#[test]
fn sigterm_marks_job_and_value_charts_obsolete_then_exits_0() {
    let dir = temp_dir("collied-test");
    fs::create_dir_all(dir.join("collie.d")).unwrap();
    fs::write(
        dir.join("collie.d/weather.yaml"),
        "jobs:\n  - name: home\n    fixed: true\n",
    )
    .unwrap();
    let socket = dir.join("collied.sock");
    let mut c = Collied::start_in(
        dir,
        socket,
        Options {
            yaml: "hostname: here\ninterval: 1\ndefault_run: false\nmodules: {weather: true}\nnetdata: {update_every: 1}\n",
            ..Options::default()
        },
    );
    let mut s = c.connect();
    let reply = Collied::ask(
        &mut s,
        "PUTVAL here/room/temperature interval=1 N:21.5\n",
        1,
    );
    assert!(reply[0].starts_with('0'), "{reply:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let out = c.stdout();
        if out.contains("BEGIN weather_home.") && out.contains("BEGIN room.temperature") {
            break;
        }
        thread::sleep(Duration::from_millis(100));
    }
    let before = c.stdout();
    assert!(
        !before.contains("'obsolete'"),
        "nothing is obsolete yet:\n{before}"
    );
    c.signal(Signal::SIGTERM);
    let status = c.wait_exit(Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{}", c.stderr());
    let out = c.stdout();
    let obsolete = |prefix: &str| {
        out.lines()
            .any(|l| l.starts_with(prefix) && l.contains(" 'obsolete'"))
    };
    assert!(obsolete("CHART weather_home."), "job charts:\n{out}");
    assert!(
        obsolete("CHART room.temperature "),
        "value-cache charts:\n{out}"
    );
    assert!(
        obsolete("CHART collied.commands "),
        "internal charts:\n{out}"
    );
    assert!(!c.socket().exists());
}

#[test]
fn shutdown_leaves_a_socket_that_is_no_longer_ours() {
    let mut c = Collied::start("netdata: {enabled: false}\n");
    let socket = c.socket().to_path_buf();
    // Someone removes collied's socket and serves their own at the path.
    fs::remove_file(&socket).unwrap();
    let theirs = UnixListener::bind(&socket).unwrap();
    c.signal(Signal::SIGTERM);
    assert_eq!(c.wait_exit(Duration::from_secs(5)).code(), Some(0));
    assert!(socket.exists(), "collied removed a socket it did not bind");
    drop(theirs);
}

#[test]
fn a_socket_that_cannot_be_probed_is_never_taken_over() {
    // As root every connect succeeds; probe as an unprivileged user instead.
    if !nix::unistd::getuid().is_root() {
        eprintln!("skipped: needs root to run collied as nobody");
        return;
    }
    let dir = temp_dir("collied-eacces");
    let socket = dir.join("s.sock");
    let live = UnixListener::bind(&socket).unwrap();
    fs::set_permissions(&socket, fs::Permissions::from_mode(0o600)).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    // A copy nobody can run, whatever the build directory's mode.
    let binary = dir.join("collied");
    fs::copy(COLLIED, &binary).unwrap();
    fs::set_permissions(&binary, fs::Permissions::from_mode(0o755)).unwrap();
    let err = dir.join("stderr");
    let mut child = Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
        .arg(&binary)
        .arg("--socket")
        .arg(&socket)
        .stdout(std::process::Stdio::null())
        .stderr(fs::File::create(&err).unwrap())
        .spawn()
        .map(Reaped)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            // It took the socket over and is serving: stop the one we started.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let stderr = fs::read_to_string(&err).unwrap_or_default();
    assert_eq!(status.and_then(|s| s.code()), Some(1), "{stderr}");
    assert!(stderr.contains("may be in use"), "{stderr}");
    assert!(socket.exists(), "the live socket was removed");
    drop(live);
}

#[test]
fn n_is_resolved_per_line_so_pipelined_values_all_count() {
    let c = Collied::start("netdata: {enabled: false}\n");
    let mut s = c.connect();
    let lines: String = (1..=50)
        .map(|i| format!("PUTVAL h/x/gauge N:{i}\n"))
        .collect();
    let replies = Collied::ask(&mut s, &format!("{lines}GETVAL h/x/gauge\n"), 52);
    let ok = "0 Success: 1 value has been dispatched.";
    assert!(replies[..50].iter().all(|r| r == ok), "{replies:?}");
    assert_eq!(replies[50..], ["1 Value found", "value=5.000000e+01"]);
}

#[test]
fn log_lines_cannot_be_forged_and_floods_are_rate_limited() {
    let c = Collied::start("netdata: {enabled: false}\n");
    let mut s = c.connect();
    let forged = "PUTNOTIF severity=okay time=1 message=\"x\rcollied: ERROR: forged \x1b[2J\"\n";
    assert_eq!(Collied::ask(&mut s, forged, 1), ["0 Success"]);
    let flood: String = (0..200_000)
        .map(|i| format!("PUTNOTIF severity=warning time=1 message=n{i}\n"))
        .collect();
    let replies = pipelined(&mut s, flood, 200_000, Duration::from_secs(60));
    assert_eq!(replies.matches("0 Success\n").count(), 200_000);
    let log = c.stderr();
    assert!(
        log.contains(": x\\x0dcollied: ERROR: forged \\x1b[2J\n"),
        "{log}"
    );
    assert!(
        !log.contains('\r') && !log.contains('\x1b'),
        "raw control bytes in the log"
    );
    let notes = log.matches("notification WARNING").count();
    assert!(
        notes < 2_000,
        "{notes} notification lines for 200 000 PUTNOTIFs"
    );
    assert!(log.contains("more such lines were not logged") || notes == 200_000);
}

#[test]
fn an_unread_stderr_blocks_neither_clients_nor_shutdown() {
    let dir = temp_dir("collied-stderr");
    let socket = dir.join("s.sock");
    let config = config_file(&dir, &socket, "netdata: {enabled: false}\n");
    // stderr is a pipe nobody reads: it fills after 64 KiB.
    let mut child = Command::new(COLLIED)
        .arg("--config")
        .arg(&config)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map(Reaped)
        .unwrap();
    wait_for(&socket);
    let mut s = std::os::unix::net::UnixStream::connect(&socket).unwrap();
    let flood: String = (0..100_000)
        .map(|i| {
            format!(
                "PUTNOTIF severity=okay time=1 message=\"{}{i}\"\n",
                "x".repeat(200)
            )
        })
        .collect();
    let replies = pipelined(&mut s, flood, 100_000, Duration::from_secs(30));
    assert_eq!(replies.matches("0 Success\n").count(), 100_000);
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, Signal::SIGTERM).unwrap();
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if stopped.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(10));
    };
    let took = stopped.elapsed();
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "did not exit after SIGTERM"
    );
    assert!(took < Duration::from_secs(1), "took {took:?} to stop");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_line_trickled_a_byte_at_a_time_is_cut_off() {
    let c = Collied::start("netdata: {enabled: false}\nline_timeout: 1\nidle_timeout: 300\n");
    let mut slow = c.connect();
    let started = Instant::now();
    let mut closed = None;
    for b in b"PUTVAL h/p/gauge N:1".iter().cycle().take(40) {
        if slow.write_all(&[*b]).is_err() {
            closed = Some(started.elapsed());
            break;
        }
        thread::sleep(Duration::from_millis(200));
        let mut probe = [0u8; 64];
        slow.set_nonblocking(true).unwrap();
        let read = slow.read(&mut probe);
        slow.set_nonblocking(false).unwrap();
        if matches!(read, Ok(0)) {
            closed = Some(started.elapsed());
            break;
        }
    }
    let closed = closed.expect("a client that never finishes its line keeps its slot");
    assert!(closed < Duration::from_secs(5), "cut off after {closed:?}");
    // Others are served as ever.
    let mut s = c.connect();
    assert_eq!(Collied::ask(&mut s, "LISTVAL\n", 1), ["0 Values found"]);
}

#[test]
fn max_clients_is_clamped_to_the_open_file_limit() {
    let dir = temp_dir("collied-nofile");
    let socket = dir.join("s.sock");
    let config = config_file(
        &dir,
        &socket,
        "netdata: {enabled: false}\nmax_clients: 1024\n",
    );
    let err = dir.join("stderr");
    let mut child = Command::new("prlimit")
        .arg("--nofile=100:100")
        .arg(COLLIED)
        .arg("--config")
        .arg(&config)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(fs::File::create(&err).unwrap())
        .spawn()
        .map(Reaped)
        .unwrap();
    wait_for(&socket);
    // Let the probe connection of wait_for end before counting slots.
    thread::sleep(Duration::from_millis(300));
    // 36 clients fit (100 - 64); the next ones are told so, none hangs.
    let mut clients = Vec::new();
    let mut refused = 0;
    for _ in 0..40 {
        let mut s = std::os::unix::net::UnixStream::connect(&socket).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        // A refused client may find the connection closed already.
        let _ = s.write_all(b"LISTVAL\n");
        let mut reply = [0u8; 64];
        let n = s.read(&mut reply).unwrap_or(0);
        if reply[..n].starts_with(b"-1 Too many clients") {
            refused += 1;
        } else {
            assert!(
                reply[..n].starts_with(b"0 Values found"),
                "{:?}",
                &reply[..n]
            );
            clients.push(s);
        }
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, Signal::SIGTERM).unwrap();
    let _ = child.wait();
    let log = fs::read_to_string(&err).unwrap();
    assert!(log.contains("serving at most 36 clients"), "{log}");
    assert_eq!((clients.len(), refused), (36, 4));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn old_values_get_collectds_reply_when_asked_to() {
    for (yaml, second) in [
        ("netdata: {enabled: false}\n", "-1 Value too old"),
        (
            "netdata: {enabled: false}\naccept_old_values: true\n",
            "0 Success: 1 value has been dispatched.",
        ),
    ] {
        let c = Collied::start(yaml);
        let mut s = c.connect();
        // Perl's Collectd::Unixsock sends the whole second: twice the same time.
        let replies = Collied::ask(
            &mut s,
            "PUTVAL h/perl/gauge 1700000000:1\nPUTVAL h/perl/gauge 1700000000:2\nGETVAL h/perl/gauge\n",
            4,
        );
        assert_eq!(replies[0], "0 Success: 1 value has been dispatched.");
        assert!(replies[1].starts_with(second), "{yaml}: {replies:?}");
        assert_eq!(
            replies[2..],
            ["1 Value found", "value=1.000000e+00"],
            "dropped either way"
        );
    }
}

#[test]
fn one_host_cannot_lock_other_hosts_out_of_the_cache() {
    // The default quota is a quarter of the cache: one host name can fill
    // its share with values that never expire, and no more.
    let quota = 65536 / 4;
    let c = Collied::start("netdata: {enabled: false}\n");
    let mut s = c.connect();
    let lines: String = (0..=quota)
        .map(|i| format!("PUTVAL greedy/p-{i}/gauge interval=1e9 N:1\n"))
        .collect();
    let replies = pipelined(&mut s, lines, quota + 1, Duration::from_secs(60));
    let replies: Vec<&str> = replies.lines().collect();
    let ok = "0 Success: 1 value has been dispatched.";
    assert!(
        replies[..quota].iter().all(|r| *r == ok),
        "{:?}",
        &replies[..3]
    );
    assert_eq!(
        replies[quota],
        format!("-1 Host `greedy' holds its quota of {quota} values.")
    );
    let replies = Collied::ask(
        &mut s,
        "PUTVAL greedy/p-0/gauge N:2\nPUTVAL other/p/gauge N:1\nLISTVAL\n",
        3,
    );
    assert_eq!(
        replies[..2],
        [ok, ok],
        "known identifiers and other hosts still get in"
    );
    assert_eq!(replies[2], format!("{} Values found", quota + 1));
}

#[test]
fn a_job_whose_service_is_absent_says_so_as_information() {
    // A port nothing listens on: bound, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = temp_dir("collied-absent");
    fs::create_dir_all(dir.join("collie.d")).unwrap();
    fs::write(
        dir.join("collie.d/redis.yaml"),
        format!("jobs:\n  - name: gone\n    host: 127.0.0.1\n    port: {port}\n"),
    )
    .unwrap();
    let socket = dir.join("collied.sock");
    let c = Collied::start_in(
        dir,
        socket,
        Options {
            yaml: "netdata: {enabled: false}\ndefault_run: false\nmodules: {redis: true}\n",
            ..Options::default()
        },
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !c.stderr().contains("redis[gone]") && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
    }
    let err = c.stderr();
    assert!(
        err.contains(&format!(
            "collied: INFO: redis[gone]: no server at 127.0.0.1:{port}, will not run\n"
        )),
        "{err}"
    );
    assert!(
        !err.contains("check failed") && !err.contains("dropped"),
        "{err}"
    );
    // No socket was there to remove, so nothing says one was.
    assert!(!err.contains("removed stale socket"), "{err}");
}

#[test]
fn a_terminal_gets_a_summary_and_a_status_line_not_charts() {
    // `script` (util-linux) gives collied a terminal for its stdout.
    let Some(script) = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        assert!(
            std::env::var_os("COLLIE_REQUIRE_PEERS").is_none(),
            "script(1) is missing"
        );
        eprintln!("skipped: no script(1) to give collied a terminal");
        return;
    };
    let dir = temp_dir("collied-tty");
    let config = config_file(&dir, &dir.join("collied.sock"), "system: {enabled: true}\n");
    let command = format!("{COLLIED} --config {}", config.display());
    let mut child = Reaped(
        Command::new(script)
            .args(["-qec", &command, "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut out = child.stdout.take().unwrap();
    let text = read_until(&mut out, Duration::from_secs(10), |t| {
        t.contains("jobs collecting")
    });
    assert!(
        text.contains("serves collectd's plain text protocol on"),
        "{text}"
    );
    assert!(text.contains("collectdctl -s "), "{text}");
    assert!(text.contains("Ctrl-C stops collied."), "{text}");
    assert!(
        text.contains(" identifiers · 0 clients · 0 jobs collecting\r"),
        "{text}"
    );
    assert!(
        !text.contains("CHART ") && !text.contains("BEGIN "),
        "{text}"
    );
    assert!(
        text.contains("netdata output: off"),
        "the log says so too: {text}"
    );
    drop(out);
    let _ = child.kill();
    let _ = fs::remove_dir_all(&dir);
}
