//! Prometheus remote_write v1: the protobuf `WriteRequest`, encoded by hand.
//!
//! A `WriteRequest` is a run of `timeseries` fields (field 1), each a
//! `TimeSeries` of `labels` (field 1: `Label { name = 1, value = 2 }`) and
//! `samples` (field 2: `Sample { double value = 1, int64 timestamp = 2 }`,
//! milliseconds). So a request is built by appending series one at a time
//! with [`write_series`]; the caller compresses it with snappy's block
//! format and sends it with [`HEADERS`].

use crate::sink::{Sink, SinkFull};

/// The headers a remote_write request carries besides its length.
pub const HEADERS: [(&str, &str); 3] = [
    ("Content-Encoding", "snappy"),
    ("Content-Type", "application/x-protobuf"),
    ("X-Prometheus-Remote-Write-Version", "0.1.0"),
];

/// Append one `TimeSeries` to a `WriteRequest`: `labels` (sorted by name, `__name__` among them) and `samples` as (value, milliseconds).
pub fn write_series<S: Sink + ?Sized>(
    out: &mut S,
    labels: &[(&[u8], &[u8])],
    samples: &[(f64, i64)],
) -> Result<(), SinkFull> {
    let label_len = |(name, value): &(&[u8], &[u8])| field_len(name.len()) + field_len(value.len());
    let sample_len = |&(_, ts): &(f64, i64)| 1 + 8 + 1 + varint_len(ts as u64);
    let series_len: usize = labels
        .iter()
        .map(|l| field_len(label_len(l)))
        .sum::<usize>()
        + samples
            .iter()
            .map(|s| field_len(sample_len(s)))
            .sum::<usize>();
    key(out, 1, 2)?;
    varint(out, series_len as u64)?;
    for l in labels {
        key(out, 1, 2)?;
        varint(out, label_len(l) as u64)?;
        bytes(out, 1, l.0)?;
        bytes(out, 2, l.1)?;
    }
    for s in samples {
        key(out, 2, 2)?;
        varint(out, sample_len(s) as u64)?;
        key(out, 1, 1)?;
        out.put(&s.0.to_le_bytes())?;
        key(out, 2, 0)?;
        // int64 is sent as its two's complement, ten bytes when negative.
        varint(out, s.1 as u64)?;
    }
    Ok(())
}

/// The bytes a length-delimited field of `len` bytes takes, key and length included.
fn field_len(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

fn varint<S: Sink + ?Sized>(out: &mut S, mut v: u64) -> Result<(), SinkFull> {
    let mut buf = [0u8; 10];
    let mut n = 0;
    while v >= 0x80 {
        buf[n] = (v as u8) | 0x80;
        v >>= 7;
        n += 1;
    }
    buf[n] = v as u8;
    out.put(&buf[..=n])
}

/// Write a field key: its number and wire type (0 varint, 1 fixed 64-bit, 2 length-delimited).
fn key<S: Sink + ?Sized>(out: &mut S, field: u8, wire: u8) -> Result<(), SinkFull> {
    out.put(&[(field << 3) | wire])
}

fn bytes<S: Sink + ?Sized>(out: &mut S, field: u8, b: &[u8]) -> Result<(), SinkFull> {
    key(out, field, 2)?;
    varint(out, b.len() as u64)?;
    out.put(b)
}
