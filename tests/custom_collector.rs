//! examples/custom_collector.rs: a user's module registered with `collied::Daemon` is checked, debugged and run.
//!
//! `cargo test` builds the examples next to the test binaries (a test run
//! alone builds it here), so the example is run as a user runs their own
//! binary.

#[path = "support/examples.rs"]
mod examples;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The built example.
fn example() -> PathBuf {
    examples::built("custom_collector")
}

fn config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/collie.yaml")
}

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(example())
        .args(args)
        .arg("--config")
        .arg(config())
        .env_remove("COLLIE_CONFIG_DIR")
        .output()
        .expect("run the custom_collector example");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn check_lists_the_users_job_next_to_the_builtin_ones() {
    let (code, out) = run(&["check"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("job loadavg[local]: computed by the module, every 5 s, from "),
        "{out}"
    );
    assert!(out.contains("job redis[local]"), "{out}");
}

#[test]
fn debug_collects_the_users_module() {
    if !Path::new("/proc/loadavg").exists() {
        return;
    }
    let (code, out) = run(&["debug", "loadavg", "--once"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("loadavg[local]: check passed"), "{out}");
    assert!(
        out.contains("  loadavg_local.load \"System load\" (load)"),
        "{out}"
    );
    assert!(
        out.contains("  loadavg_local.processes \"Processes\""),
        "{out}"
    );
}
