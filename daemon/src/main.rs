//! The `collied` program: see `collied --help`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    collied::Daemon::new().builtin_modules().run()
}
