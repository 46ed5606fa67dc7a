//! The files a user or packager looks for next to the code: both licenses the manifest names, and the changelog.

use std::fs;
use std::path::Path;

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_licenses_of_the_manifest_are_there() {
    let manifest = read("Cargo.toml");
    assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
    assert!(read("LICENSE-MIT").starts_with("MIT License\n"));
    assert!(
        read("LICENSE-APACHE")
            .contains("Apache License\n                           Version 2.0, January 2004")
    );
}

#[test]
fn the_changelog_has_an_unreleased_section() {
    let log = read("CHANGELOG.md");
    assert!(log.starts_with("# Changelog\n"));
    assert!(log.contains("\n## Unreleased\n"));
}
