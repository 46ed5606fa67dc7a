//! `collied debug`: what each job collects, and why a check failed.

mod jobs_support;

use std::process::ExitCode;

use collied::app::debug::{DebugArgs, run_with};
use collied::config::ConfigDirs;
use collied::modules::builtin;
use jobs_support::Scratch;

fn debug(dir: &Scratch, args: &[&str], max_runs: Option<u64>) -> (ExitCode, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut parsed = DebugArgs::parse(&args, ConfigDirs::only(&dir.0)).expect("arguments parse");
    parsed.max_runs = max_runs;
    let mut out = Vec::new();
    let code = run_with(&builtin(), &parsed, &mut out);
    let text = String::from_utf8(out)
        .unwrap()
        .replace(&dir.0.display().to_string(), "DIR");
    // Timings vary: keep their shape only.
    let text = text
        .lines()
        .map(|l| match l.find(" in ").filter(|_| l.ends_with(" ms")) {
            Some(i) => format!("{} in N ms", &l[..i]),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    (code, text)
}

const COMMAND_YAML: &str = r#"
charts:
  - id: numbers
    title: Numbers
    units: things
    dimensions:
      - key: a
        precision: 1
      - key: total
        algorithm: incremental
      - key: missing
jobs:
  - name: broken
    command: no-such-tool --stats
  - name: works
    command: 'printf "a 1.5\ntotal 42\n"'
"#;

#[test]
fn shows_values_and_failed_checks() {
    let dir = Scratch::new("debug");
    dir.write("collie.d/command.yaml", COMMAND_YAML);
    let (code, text) = debug(&dir, &["command", "--once"], None);
    assert_eq!(format!("{code:?}"), format!("{:?}", ExitCode::SUCCESS));
    assert_eq!(
        text,
        "\
command[broken]: output of `no-such-tool --stats`, every 1 s (DIR/collie.d/command.yaml)
command[broken]: check failed: `no-such-tool` is not an executable file in PATH, /usr/local/sbin, /usr/sbin or /sbin
command[works]: output of `printf \"a 1.5\\ntotal 42\\n\"`, every 1 s (DIR/collie.d/command.yaml)
command[works]: check passed in N ms
  command_works.numbers \"Numbers\" (things)
    a        1.5  (collected 15 × 1 ÷ 10)
    total    42  (a counter: Netdata charts its rate per second)
    missing  -  (no value: a gap)"
    );

    let (code, text) = debug(&dir, &["command", "--job", "works"], Some(1));
    assert_eq!(format!("{code:?}"), format!("{:?}", ExitCode::SUCCESS));
    assert!(!text.contains("broken"));
    assert!(
        text.contains("\ncommand[works]: collected in N ms\n  command_works.numbers"),
        "{text}"
    );

    let (code, text) = debug(&dir, &["command", "--job", "broken", "--once"], None);
    assert_eq!(format!("{code:?}"), format!("{:?}", ExitCode::FAILURE));
    assert!(text.ends_with("check failed: `no-such-tool` is not an executable file in PATH, /usr/local/sbin, /usr/sbin or /sbin"));
}

#[test]
fn names_are_checked() {
    let dir = Scratch::new("debug-names");
    dir.write("collie.d/command.yaml", COMMAND_YAML);
    let (code, text) = debug(&dir, &["comand"], None);
    assert_eq!(format!("{code:?}"), format!("{:?}", ExitCode::FAILURE));
    assert_eq!(text, "unknown module `comand`, did you mean `command`?");
    let (_, text) = debug(&dir, &["command", "--job", "nope"], None);
    assert_eq!(text, "module `command` has no job named `nope` (2 jobs)");
    dir.write(
        "collie.d/command.yaml",
        "jobs:\n  - name: x\n    comand: ls\n",
    );
    let (_, text) = debug(&dir, &["command"], None);
    assert_eq!(
        text,
        "DIR/collie.d/command.yaml:3:5: jobs[0]: unknown key `comand`, did you mean `command`?"
    );
    assert_eq!(
        DebugArgs::parse(&["a".into(), "b".into()], ConfigDirs::default()),
        None
    );
}
