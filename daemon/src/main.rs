//! The `collied` program.

fn main() {
    eprintln!("collied: not implemented yet");
    std::process::exit(1);
}
