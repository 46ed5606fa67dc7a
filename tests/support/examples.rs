//! The examples `cargo test` builds, run as a user runs their own binary.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Return the built example `name` next to this test's directory, building it if a test run alone did not.
pub fn built(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let built = dir.join("examples").join(name);
    if !built.exists() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let release = dir.file_name().is_some_and(|n| n == "release");
        let status = Command::new(cargo)
            .args(["build", "--quiet", "--example", name])
            .args(release.then_some("--release"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("run cargo");
        assert!(status.success(), "cannot build the example {name}");
    }
    built
}
