//! The command source: no shell, PATH and sbin search, timeout with kill.

use std::time::{Duration, Instant};

use collied::source::{Command, CommandConfig, CommandLine, Source};

fn config(cmd: &str, timeout: f64) -> CommandConfig {
    CommandConfig {
        command: CommandLine::parse(cmd).unwrap(),
        timeout,
    }
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
                "command `{cmd}` contains `{c}`: commands run without a shell, so `&`, `|`, `;`, `>` and `<` are refused"
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
