//! Parsing, caching and replying allocate nothing: counted, not claimed.
//!
//! A counting global allocator tallies allocations made by the test's own
//! thread while a large mixed corpus goes through the parser, the value
//! cache and the reply formatter.

#[path = "support/counting.rs"]
mod counting;
mod support;

use std::sync::Mutex;

use counting::{Counting, allocations};

use collie::Handler;
use collie::dataset::{BUILTIN, Builtin};
use collie::handler::AdmitAll;
use collie::protocol::{self, Frame, LineFramer, Scratch};
use collie::sink::SliceSink;
use collie::time::Time;

#[global_allocator]
static COUNTING: Counting = Counting;

/// A cache big enough for the whole corpus, built at compile time.
static HANDLER: Mutex<Handler<'static, Builtin, 8192>> =
    Mutex::new(Handler::new(&BUILTIN, Time::from_secs(10)));

/// The recorded corpus plus a generated load of every command kind.
fn corpus() -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = support::cases::load_all()
        .into_iter()
        .flat_map(|s| s.requests)
        .map(|r| r.line)
        .collect();
    for i in 0..2000u64 {
        let host = format!("host-{:03}", i % 97);
        let t = 1_700_000_000 + i;
        lines.push(
            format!(
                "PUTVAL {host}/cpu-{}/cpu-user interval=10 {t}:{}",
                i % 8,
                i * 7
            )
            .into_bytes(),
        );
        lines.push(
            format!(
                "PUTVAL \"{host}/df-root fs/df_complex-used\" {t}.5:{}",
                i as f64 * 0.25
            )
            .into_bytes(),
        );
        lines.push(
            format!(
                "PUTVAL {host}/interface-eth{}/if_octets {t}:{}:{} {}:{}:{}",
                i % 4,
                i,
                i * 2,
                t + 1,
                i + 9,
                i * 2 + 9
            )
            .into_bytes(),
        );
        // As libcollectdclient sends it: the fast path's quoted shape.
        lines.push(
            format!(
                "PUTVAL \"{host}/load-{}/gauge-d{}\" interval=10 {t}.{:03}:{}",
                i % 3,
                i % 50,
                i % 1000,
                i % 1000
            )
            .into_bytes(),
        );
        lines.push(format!("GETVAL {host}/cpu-{}/cpu-user", i % 8).into_bytes());
        lines.push(
            format!("PUTNOTIF severity=okay time={t} host={host} message=\"all well\"")
                .into_bytes(),
        );
        lines.push(
            format!("FLUSH timeout=1 plugin=cpu identifier={host}/cpu-0/cpu-user").into_bytes(),
        );
        if i % 250 == 0 {
            lines.push(b"LISTVAL".to_vec());
        }
    }
    lines.push(vec![b'x'; 5000]);
    lines
}

#[test]
fn parsing_caching_and_replying_allocate_nothing() {
    let lines = corpus();
    let mut stream = Vec::new();
    for line in &lines {
        stream.extend_from_slice(line);
        stream.push(b'\n');
    }
    let mut handler = HANDLER.lock().unwrap();
    let mut framer = LineFramer::new();
    let mut reply = vec![0u8; 1 << 20];
    let now = Time::from_secs(1_800_000_000);

    // Sanity: the counter sees this thread's allocations.
    let before = allocations();
    drop(std::hint::black_box(vec![1u8]));
    assert_eq!(
        allocations() - before,
        1,
        "the counting allocator is not counting"
    );

    let before = allocations();
    let mut replied = 0usize;
    let mut input = &stream[..];
    let mut quick = 0;
    while !input.is_empty() {
        // Whole lines as a server's batch takes them, else through the framer's buffer.
        let (used, frame) = match framer.push_whole(input) {
            Some((used, frame)) => (used, Some(frame)),
            None => framer.push(input),
        };
        input = &input[used..];
        let Some(frame) = frame else { continue };
        let mut out = SliceSink::new(&mut reply);
        let mut scratch = Scratch::new();
        match frame {
            Frame::Line(line) => {
                // The bare parser, then the whole round trip: parsed before
                // the lock and applied under it for the common PUTVALs.
                let _ = std::hint::black_box(protocol::parse(line, &mut scratch, &BUILTIN));
                match protocol::parse_quick(line, &BUILTIN) {
                    Some(command) => {
                        quick += 1;
                        handler.apply(&command, now, &mut AdmitAll, &mut out)
                    }
                    None => handler.handle(line, &mut scratch, now, &mut out),
                }
            }
            Frame::TooLong => handler.handle_too_long(&mut out),
        }
        .expect("the reply buffer is large enough");
        replied += out.len();
    }
    let during = allocations() - before;
    let stats = *handler.stats();
    println!(
        "{} lines, {replied} reply bytes, {} values stored, {} errors, {during} allocations",
        lines.len(),
        stats.values,
        stats.errors
    );
    assert!(stats.values > 4000 && stats.getval > 1000 && stats.listval > 0);
    assert!(quick > 2000, "only {quick} lines took the fast path");
    assert_eq!(
        during, 0,
        "parsing, caching and replying allocated {during} times"
    );
}

#[test]
fn encoding_sealing_opening_and_decoding_packets_allocate_nothing() {
    use collie::network::security::{self, AuthText};
    use collie::network::{
        DEFAULT_PACKET_SIZE, EncodeError, Encoder, Record, Records, SecurityLevel, ValueList,
        identifier,
    };
    use collie::value::Value;

    let users = AuthText(b"alice: s3cret\n");
    let hosts: Vec<String> = (0..50).map(|h| format!("host-{h:02}")).collect();
    let instances: Vec<String> = (0..40).map(|i| format!("d{i}")).collect();
    let mut buf = [0u8; DEFAULT_PACKET_SIZE];
    let (mut packets, mut lists, mut values_read) = (0u64, 0u64, 0u64);
    let mut open_and_decode = |packet: &mut [u8], level| {
        let opened = security::open(packet, level, Some(&users)).expect("our own packet opens");
        for record in Records::new(opened.parts) {
            if let Ok(Record::Values(vl)) = record {
                lists += 1;
                values_read += vl.values.iter().count() as u64;
            }
        }
        packets += 1;
    };
    let before = allocations();
    for level in [
        SecurityLevel::None,
        SecurityLevel::Sign,
        SecurityLevel::Encrypt,
    ] {
        let reserve = security::reserve(level, b"alice");
        let mut encoder = Encoder::with_reserve(&mut buf, reserve);
        let mut iv = 0u128;
        let mut seal_and_check = |encoder: &mut Encoder<'_>| {
            iv += 1;
            security::seal(
                encoder.packet_mut(),
                level,
                b"alice",
                b"s3cret",
                iv.to_le_bytes(),
            )
            .expect("the reserve fits");
            open_and_decode(encoder.packet_mut(), level);
            encoder.clear();
        };
        for (h, host) in hosts.iter().enumerate() {
            for (i, instance) in instances.iter().enumerate() {
                let values = [Value::Gauge(h as f64), Value::Derive(i as i64)];
                let vl = ValueList {
                    id: identifier(
                        host.as_bytes(),
                        b"load",
                        b"",
                        b"if_octets",
                        instance.as_bytes(),
                    ),
                    time: Time::from_secs(1_800_000_000),
                    interval: Time::from_secs(10),
                    values: &values[..],
                };
                if let Err(EncodeError::Full) = encoder.push_values(&vl) {
                    seal_and_check(&mut encoder);
                    encoder
                        .push_values(&vl)
                        .expect("a list fits an empty packet");
                }
            }
        }
        seal_and_check(&mut encoder);
    }
    let during = allocations() - before;
    println!("{packets} packets, {lists} value lists, {values_read} values, {during} allocations");
    assert_eq!(lists, 3 * 50 * 40);
    assert_eq!(values_read, 2 * lists);
    assert_eq!(during, 0, "the network protocol allocated {during} times");
}
