//! Answer a collectd plain text protocol session and print each exchange.
//!
//! With no argument a built-in sample session is used; with a file name (or
//! `-` for standard input) the lines of that file are answered instead:
//!
//! ```text
//! cargo run --example session
//! printf 'PUTVAL h/cpu-0/cpu-user 1700000000:10\nLISTVAL\n' | cargo run --example session -- -
//! ```

use std::io::{self, Read, Write};
use std::process::ExitCode;

use collie::Handler;
use collie::dataset::{BUILTIN, Builtin};
use collie::protocol::{Frame, LineFramer, Scratch};
use collie::time::Time;

const SAMPLE: &str = "\
PUTVAL myhost/interface-eth0/if_octets interval=10 1700000000:1000:2000
PUTVAL myhost/interface-eth0/if_octets 1700000010:6000:2500
GETVAL myhost/interface-eth0/if_octets
PUTVAL myhost/sensors-cpu/temperature 1700000000:21.5 1700000010:22.25
GETVAL \"myhost/sensors-cpu/temperature\"
PUTVAL myhost/load/load 1700000010:0.42:0.35:0.30
LISTVAL
PUTVAL myhost/load/load 1700000005:1:1:1
PUTVAL myhost/cpu-0/nosuchtype 1700000000:1
GETVAL myhost/memory/memory-used
PUTNOTIF severity=warning time=1700000010 host=myhost message=\"disk almost full\"
FLUSH timeout=10 plugin=netdata
";

fn main() -> ExitCode {
    let arg = std::env::args().nth(1);
    match run(arg.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let from =
                arg.as_deref().map_or(
                    "the sample",
                    |a| if a == "-" { "standard input" } else { a },
                );
            eprintln!("session: {from}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Answer the lines of `arg` (a file, `-` for standard input, none for the sample) and print each reply.
fn run(arg: Option<&str>) -> io::Result<()> {
    let input = match arg {
        None => SAMPLE.as_bytes().to_vec(),
        Some("-") => {
            let mut buf = Vec::new();
            io::stdin().read_to_end(&mut buf)?;
            buf
        }
        Some(path) => std::fs::read(path)?,
    };
    // Boxed: a cache lives on the heap or in a static, not on a small stack.
    let mut handler: Box<Handler<'static, Builtin, 64>> =
        Box::new(Handler::new(&BUILTIN, Time::from_secs(10)).with_hostname("localhost"));
    let now = Time::from_secs_f64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64()),
    );
    let mut framer = LineFramer::new();
    let mut stdout = io::stdout().lock();
    let mut rest = &input[..];
    let mut reply = Vec::new();
    loop {
        let frame = if rest.is_empty() {
            match framer.finish() {
                Some(frame) => frame,
                None => break,
            }
        } else {
            let (used, frame) = framer.push(rest);
            rest = &rest[used..];
            match frame {
                Some(frame) => frame,
                None => continue,
            }
        };
        reply.clear();
        let mut scratch = Scratch::new();
        match frame {
            Frame::Line(line) => {
                writeln!(stdout, "> {}", String::from_utf8_lossy(line))?;
                handler.handle(line, &mut scratch, now, &mut reply)
            }
            Frame::TooLong => {
                writeln!(stdout, "> (a line over 1024 bytes)")?;
                handler.handle_too_long(&mut reply)
            }
        }
        .map_err(io::Error::other)?;
        for line in String::from_utf8_lossy(&reply).lines() {
            writeln!(stdout, "< {line}")?;
        }
    }
    Ok(())
}
