//! The socket's ceiling: a trivial server that answers every line with collectd's PUTVAL success and does nothing else.
//!
//! ```text
//! cargo run --release -p collied --example ceiling -- SOCKET
//! ```
//!
//! It listens on the Unix socket `SOCKET`, gives each connection a thread,
//! reads in 64 KiB chunks, counts the newlines in each and writes one
//! `0 Success: 1 value has been dispatched.` per line in a single write.
//! No line is parsed or stored, so its rate under the same load generator
//! is the most any server could reach on this machine's Unix sockets: the
//! mark that `scripts/compare-collectd.sh` measures collied and collectd
//! against. It runs until killed.

use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::ExitCode;
use std::thread;

/// The reply collectd gives an accepted single-list PUTVAL.
const REPLY: &[u8] = b"0 Success: 1 value has been dispatched.\n";

/// Bytes read at a time.
const CHUNK: usize = 64 * 1024;

/// Answer one connection until its client closes it.
fn serve(mut stream: UnixStream) -> std::io::Result<()> {
    let mut input = vec![0u8; CHUNK];
    // A chunk holds at most CHUNK newlines; the replies for them, ready to send.
    let replies = REPLY.repeat(CHUNK);
    loop {
        let n = match stream.read(&mut input) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let lines = input[..n].iter().filter(|&&b| b == b'\n').count();
        stream.write_all(&replies[..lines * REPLY.len()])?;
    }
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: ceiling SOCKET");
        return ExitCode::from(2);
    };
    let _ = std::fs::remove_file(&path);
    let listener = match UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                thread::spawn(move || serve(stream));
            }
            Err(e) => eprintln!("accept: {e}"),
        }
    }
    ExitCode::SUCCESS
}
