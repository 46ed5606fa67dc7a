//! The Exec plugin for real: shell scripts run by collied, as `nobody` when
//! the tests run as root, their values read back over the socket and their
//! stderr and errors read from collied's log. Every wait is bounded.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::{COLLIED, Collied, Options, temp_dir};
use nix::sys::signal::Signal;
use nix::unistd::{User, getuid};

/// A directory holding `script` as an executable file anyone may read and run; returns the file.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    let file = dir.join(name);
    fs::write(&file, format!("#!/bin/sh\n{body}")).unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o755)).unwrap();
    file
}

/// The uid and gid programs must run as: `nobody`'s when root, else our own.
fn expected_ids() -> (u32, u32) {
    if getuid().is_root() {
        let u = User::from_name("nobody").unwrap().expect("a user nobody");
        (u.uid.as_raw(), u.gid.as_raw())
    } else {
        (getuid().as_raw(), nix::unistd::getgid().as_raw())
    }
}

/// Start collied in `dir` with `yaml` (after the socket line).
fn start(dir: &Path, yaml: &str) -> Collied {
    Collied::start_in(
        dir.to_path_buf(),
        dir.join("collied.sock"),
        Options {
            yaml,
            ..Options::default()
        },
    )
}

/// Wait up to `timeout` until the log satisfies `done`; return the log.
fn wait_log(c: &Collied, timeout: Duration, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let log = c.stderr();
        if done(&log) || Instant::now() >= deadline {
            return log;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// `v` as `%e` prints it.
fn sci(v: f64) -> String {
    let s = format!("{v:.6e}");
    let (m, e) = s.split_once('e').unwrap();
    let e: i32 = e.parse().unwrap();
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// Whether process `pid` is gone (or a zombie nobody reaped yet).
fn gone(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
    }
}

#[test]
fn a_program_feeds_values_gets_its_environment_and_is_stopped_with_collied() {
    let dir = temp_dir("collied-exec");
    let long = "x".repeat(2000);
    let prog = script(
        &dir,
        "values.sh",
        &format!(
            "if read line; then echo \"stdin had $line\" >&2; else echo stdin-eof >&2; fi\n\
             echo \"env host=$COLLECTD_HOSTNAME interval=$COLLECTD_INTERVAL args=$1,$2 argv0=$0\" >&2\n\
             echo \"ids $(id -u) $(id -g) groups $(id -G)\" >&2\n\
             echo \"pid $$\" >&2\n\
             echo \"PUTVAL $COLLECTD_HOSTNAME/exec-test/gauge-uid interval=10 N:$(id -u)\"\n\
             echo '# a comment is not a command'\n\
             echo 'GETVAL h/exec-test/gauge-uid'\n\
             echo 'PUTVAL h/exec-test/unknown-type N:1'\n\
             echo 'PUTVAL {long} N:1'\n\
             echo 'putval h/exec-test/gauge-lower N:2'\n\
             echo 'PUTNOTIF severity=okay time=1 message=exec-note'\n\
             printf 'PUTVAL h/exec-test/gauge-last N:3\\r\\n'\n\
             exec sleep 1000\n"
        ),
    );
    let mut c = start(
        &dir,
        &format!(
            "netdata: {{enabled: false}}\nhostname: h\ninterval: 10\n\
             exec:\n  - user: nobody\n    command: {}\n    args: [first, \"second arg\"]\n",
            prog.display()
        ),
    );
    let log = wait_log(&c, Duration::from_secs(10), |l| {
        l.contains("notification OKAY") && l.contains("pid ")
    });
    let (uid, gid) = expected_ids();
    assert!(
        log.contains(&format!("ids {uid} {gid} groups {gid}\n")),
        "{log}"
    );
    assert!(log.contains("stdin-eof"), "{log}");
    assert!(
        log.contains("env host=h interval=10.000 args=first,second arg argv0="),
        "{log}"
    );
    let name = prog.display().to_string();
    for expected in [
        format!(
            "ERROR: exec {name}: -1 Unable to parse command, ignoring line: \"# a comment is not a command\""
        ),
        format!(
            "ERROR: exec {name}: -1 Unable to parse command, ignoring line: \"GETVAL h/exec-test/gauge-uid\""
        ),
        format!("ERROR: exec {name}: -1 "),
        format!("ERROR: exec {name}: stderr: stdin-eof"),
    ] {
        assert!(log.contains(&expected), "{expected:?} missing:\n{log}");
    }
    assert!(log.contains("-1 Type `unknown' isn't defined."), "{log}");
    assert_eq!(
        log.matches("Line too long").count(),
        1,
        "one error for the long line:\n{log}"
    );
    assert!(!log.contains("0 Success"), "success is not logged:\n{log}");

    let mut s = c.connect();
    let uid_reply = Collied::ask(&mut s, "GETVAL h/exec-test/gauge-uid\n", 2);
    assert_eq!(
        uid_reply[1],
        format!("value={}", sci(f64::from(uid))),
        "{uid_reply:?}"
    );
    for (id, value) in [
        ("gauge-lower", "2.000000e+00"),
        ("gauge-last", "3.000000e+00"),
    ] {
        let reply = Collied::ask(&mut s, &format!("GETVAL h/exec-test/{id}\n"), 2);
        assert_eq!(reply, ["1 Value found", &format!("value={value}")]);
    }
    let listed = Collied::ask(&mut s, "LISTVAL\n", 4);
    assert_eq!(listed[0], "3 Values found", "{listed:?}");

    let pid: u32 = log
        .lines()
        .find_map(|l| l.split("stderr: pid ").nth(1))
        .and_then(|p| p.trim().parse().ok())
        .expect("the program's pid");
    assert!(!gone(pid), "the program should still run");
    c.signal(Signal::SIGTERM);
    assert!(c.wait_exit(Duration::from_secs(5)).success());
    let deadline = Instant::now() + Duration::from_secs(5);
    while !gone(pid) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    assert!(gone(pid), "the program outlived collied");
}

#[test]
fn a_program_that_exits_is_restarted_with_growing_delays() {
    let dir = temp_dir("collied-exec-restart");
    let prog = script(
        &dir,
        "once.sh",
        "echo started >&2\necho 'PUTVAL h/exec-restart/gauge N:1'\nexit 3\n",
    );
    let c = start(
        &dir,
        &format!(
            "netdata: {{enabled: false}}\nhostname: h\n\
             exec:\n  - {{user: nobody, command: {}}}\n",
            prog.display()
        ),
    );
    // Started at 0 s, then after 1, 2 and 4 s: three starts by 4.5 s, the fourth at 7 s.
    thread::sleep(Duration::from_millis(4500));
    let log = c.stderr();
    let starts = log.matches("stderr: started").count();
    assert_eq!(starts, 3, "{log}");
    assert!(log.contains("ended: exit status: 3"), "{log}");
    assert!(log.contains("starting again in 2 s"), "{log}");
    let mut s = c.connect();
    let reply = Collied::ask(&mut s, "GETVAL h/exec-restart/gauge\n", 2);
    assert_eq!(reply, ["1 Value found", "value=1.000000e+00"]);
}

#[test]
fn root_is_refused_before_anything_runs() {
    let dir = temp_dir("collied-exec-root");
    let file = dir.join("c.yaml");
    fs::write(
        &file,
        format!(
            "socket: {}\nexec:\n  - {{user: root, command: /bin/true}}\n",
            dir.join("s.sock").display()
        ),
    )
    .unwrap();
    let out = Command::new(COLLIED)
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("never run as root"), "{err}");
}

#[test]
fn an_unknown_user_stops_collied_when_root() {
    if !getuid().is_root() {
        return; // Not root: programs run as collied's user, whatever is configured.
    }
    let dir = temp_dir("collied-exec-nouser");
    let file = dir.join("c.yaml");
    fs::write(
        &file,
        format!(
            "socket: {}\nexec:\n  - {{user: no-such-user-x, command: /bin/true}}\n",
            dir.join("s.sock").display()
        ),
    )
    .unwrap();
    let out = Command::new(COLLIED)
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    let socket_made = dir.join("s.sock").exists();
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!socket_made);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no user \"no-such-user-x\""), "{err}");
}

#[test]
fn stopping_collied_stops_what_its_programs_started() {
    let dir = temp_dir("collied-exec-group");
    // Somewhere the program, run as nobody, may write.
    let out = dir.join("out");
    fs::create_dir(&out).unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o777)).unwrap();
    let pid_file = out.join("grandchild.pid");
    let prog = script(
        &dir,
        "forks.sh",
        &format!(
            "sleep 300 &\necho $! > {}\nwhile true; do echo 'PUTVAL h/exec-group/gauge N:1'; sleep 1; done\n",
            pid_file.display()
        ),
    );
    let mut c = start(
        &dir,
        &format!(
            "netdata: {{enabled: false}}\nhostname: h\n\
             exec:\n  - {{user: nobody, command: {}}}\n",
            prog.display()
        ),
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    let grandchild = loop {
        if let Some(pid) = fs::read_to_string(&pid_file)
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok())
        {
            break pid;
        }
        assert!(
            Instant::now() < deadline,
            "the program did not start its child"
        );
        thread::sleep(Duration::from_millis(20));
    };
    c.signal(Signal::SIGTERM);
    assert_eq!(c.wait_exit(Duration::from_secs(5)).code(), Some(0));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !gone(grandchild) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    let survived = !gone(grandchild);
    if survived {
        // Clean up the one process this test made, by its pid.
        let pid = nix::unistd::Pid::from_raw(grandchild as i32);
        let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
    }
    assert!(!survived, "the program's child outlived collied");
}

#[test]
fn sighup_stops_collied_cleanly() {
    let dir = temp_dir("collied-exec-hup");
    let mut c = start(&dir, "netdata: {enabled: false}\n");
    c.signal(Signal::SIGHUP);
    assert_eq!(c.wait_exit(Duration::from_secs(5)).code(), Some(0));
    assert!(c.stderr().contains("SIGHUP received"), "{}", c.stderr());
    assert!(!c.socket().exists());
}
