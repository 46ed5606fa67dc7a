//! Compile-error tests of `#[derive(Collector)]`.
//!
//! The `.stderr` files are rustc's exact output and change between compiler
//! versions; they are pinned to the stable toolchain CI uses (1.95). On
//! another compiler set `COLLIE_SKIP_UI=1`; after a deliberate toolchain
//! bump, regenerate with `TRYBUILD=overwrite cargo test --test ui` and review
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
