//! Compile-error tests of `#[derive(Collector)]`, written as a user writes them (`use collie::Collector`).
//!
//! They live in this crate so that trybuild's scratch crate, which takes
//! every dev-dependency of the crate under test, builds only the facade
//! and the derive, not the daemon and criterion.
//!
//! The `.stderr` files are rustc's exact output and change between compiler
//! versions; they are pinned to the stable toolchain CI uses (1.95). On
//! another compiler set `COLLIE_SKIP_UI=1`; after a deliberate toolchain
//! bump, regenerate with `TRYBUILD=overwrite cargo test -p collie-macros --test ui` and review
//! the diff.

#[test]
fn ui() {
    if std::env::var_os("COLLIE_SKIP_UI").is_some_and(|v| v != "0") {
        eprintln!("skipped: COLLIE_SKIP_UI is set");
        return;
    }
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass_*.rs");
    t.compile_fail("tests/ui/fail_*.rs");
}
