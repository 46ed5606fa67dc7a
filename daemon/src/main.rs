//! The `collied` program: see `collied --help`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    collied::daemon::main(std::env::args_os())
}
