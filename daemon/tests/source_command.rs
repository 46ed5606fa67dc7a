//! The command source: no shell, PATH and sbin search, timeout with kill.

use std::time::{Duration, Instant};

use collied::source::{Command, CommandConfig, CommandLine, Source};

fn config(cmd: &str, timeout: f64) -> CommandConfig {
    CommandConfig {
        command: CommandLine::parse(cmd).unwrap(),
        timeout,
        ..CommandConfig::default()
    }
}

/// Write an executable shell script anyone may run; return its path.
fn script(name: &str, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("collied-cmd-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let file = dir.join(name);
    std::fs::write(&file, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
    file
}

/// The directories of scripts a test wrote, removed when it ends, passed or failed.
#[derive(Default)]
struct Cleanup(Vec<std::path::PathBuf>);

impl Cleanup {
    /// Remove `script`'s directory at the end.
    fn add(&mut self, script: &std::path::Path) {
        self.0.extend(script.parent().map(Into::into));
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for dir in &self.0 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Whether process `pid` is gone (or a zombie).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
    }
}

/// Wait up to 5 s for `pid` to go; kill it (a process this test made) if it does not, and say so.
fn went(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !gone(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let left = !gone(pid);
    if left {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    !left
}

fn threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap()
}

#[test]
fn commands_never_run_as_root() {
    let mut c = Command::open(&config("id -u", 2.0)).unwrap();
    let uid = c.fetch().unwrap();
    if nix::unistd::getuid().is_root() {
        let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
        assert_eq!(uid, [nobody.uid.as_raw().to_string()]);
    } else {
        assert_eq!(uid, [nix::unistd::getuid().as_raw().to_string()]);
    }
    let mut root = config("id -u", 2.0);
    root.user = Some("root".into());
    assert!(
        Command::validate(&root)
            .unwrap_err()
            .contains("never run as root")
    );
}

#[test]
fn a_timeout_kills_what_the_command_started_and_helpers_cost_no_threads() {
    let mut cleanup = Cleanup::default();
    let pids = script("pids", "");
    cleanup.add(&pids);
    let out = pids.with_file_name("child.pid");
    let forks = script(
        "forks.sh",
        &format!("sleep 300 &\necho $! > {}\nsleep 300\n", out.display()),
    );
    cleanup.add(&forks);
    let mut c = Command::open(&config(forks.to_str().unwrap(), 0.3)).unwrap();
    assert!(c.fetch().unwrap_err().to_string().contains("was killed"));
    let child: u32 = std::fs::read_to_string(&out)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(went(child), "the command's child outlived its timeout");
    // A helper that leaves its own session keeps the pipes open: collecting
    // again and again must not leave a reader thread behind each time.
    let daemonises = script("daemonises.sh", "setsid sleep 2 < /dev/null &\necho ok\n");
    cleanup.add(&daemonises);
    let mut c = Command::open(&config(daemonises.to_str().unwrap(), 2.0)).unwrap();
    let before = threads();
    for _ in 0..10 {
        assert_eq!(c.fetch().unwrap(), ["ok"]);
    }
    assert!(
        threads() <= before + 1,
        "{before} threads, then {}",
        threads()
    );
}

#[test]
fn returns_stdout_lines_of_a_program_found_in_path() {
    let mut c = Command::open(&config(r"printf 'a 1\nb 2\n%s\n' 'c   3'", 2.0)).unwrap();
    assert!(c.program().is_absolute());
    assert_eq!(c.fetch().unwrap(), ["a 1", "b 2", "c   3"]);
    assert_eq!(c.fetch().unwrap(), ["a 1", "b 2", "c   3"]);
}

#[test]
fn a_slow_command_is_killed_at_its_timeout() {
    let mut c = Command::open(&config("sleep 30", 0.3)).unwrap();
    let t = Instant::now();
    let e = c.fetch().unwrap_err().to_string();
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(
        e.ends_with("sleep` did not finish within 0.3 s and was killed"),
        "{e}"
    );
}

#[test]
fn failures_say_why() {
    let e = Command::open(&config("no-such-program-here --x", 1.0))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "`no-such-program-here` is not an executable file in PATH, /usr/local/sbin, /usr/sbin or /sbin"
    );
    let mut c = Command::open(&config("ls /no/such/dir", 2.0)).unwrap();
    let e = c.fetch().unwrap_err().to_string();
    assert!(e.contains("ls` failed (exit status: 2): "), "{e}");
    assert!(
        e.contains("/no/such/dir"),
        "the first line of stderr is shown: {e}"
    );
}

#[test]
fn shell_metacharacters_are_refused() {
    for (cmd, c) in [
        ("ls | wc -l", '|'),
        ("a && b", '&'),
        ("a; b", ';'),
        ("echo > f", '>'),
        ("cat < f", '<'),
    ] {
        assert_eq!(
            CommandLine::parse(cmd).unwrap_err(),
            format!(
                "command `{cmd}` contains `{c}`: commands run without a shell, so `&`, `|`, `;`, `>` and `<` are refused (no shell is used: they would reach the program as text)"
            )
        );
    }
}

#[test]
fn sbin_programs_are_found() {
    // `/usr/sbin` and `/sbin` are searched even when PATH lacks them.
    let in_sbin = ["/usr/sbin", "/sbin"]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| !n.contains('.'));
    if let Some(name) = in_sbin {
        assert!(collied::source::find_program(&name).is_some(), "{name}");
    }
}
