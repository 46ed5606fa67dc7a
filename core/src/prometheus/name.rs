//! Names and label values: what Prometheus accepts, and collectd's naming.
//!
//! collectd's `write_prometheus` names a value's family
//! `collectd_<plugin>_<type>_<data source>`, leaving out the type when it
//! equals the plugin and the data source when it is called `value`, and
//! adds `_total` for COUNTER and DERIVE. Its labels are `<plugin>` for the
//! plugin instance, `type` for the type instance (or `<plugin>` when there
//! is no plugin instance) and `instance` for the host.

use crate::protocol::Identifier;
use crate::sink::{Sink, SinkFull};

/// Write `part` as metric-name characters: `[a-zA-Z0-9_:]`, anything else as `_`.
///
/// `first` says whether this starts the name, where a digit is not allowed
/// either (it gets a `_` in front).
pub fn write_name_part<S: Sink + ?Sized>(
    out: &mut S,
    part: &[u8],
    first: bool,
) -> Result<(), SinkFull> {
    if first && part.first().is_some_and(u8::is_ascii_digit) {
        out.put(b"_")?;
    }
    write_mapped(out, part, |b| {
        b.is_ascii_alphanumeric() || b == b'_' || b == b':'
    })
}

/// Write `part` as a label name: `[a-zA-Z0-9_]`, anything else as `_`, never starting with a digit.
pub fn write_label_name<S: Sink + ?Sized>(out: &mut S, part: &[u8]) -> Result<(), SinkFull> {
    if part.is_empty() || part[0].is_ascii_digit() {
        out.put(b"_")?;
    }
    write_mapped(out, part, |b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Copy runs of bytes `keep` accepts, writing `_` for each other byte.
fn write_mapped<S: Sink + ?Sized>(
    out: &mut S,
    part: &[u8],
    keep: impl Fn(u8) -> bool,
) -> Result<(), SinkFull> {
    for run in part.split_inclusive(|&b| !keep(b)) {
        match run.split_last() {
            Some((&last, head)) if !keep(last) => {
                out.put(head)?;
                out.put(b"_")?;
            }
            _ => out.put(run)?,
        }
    }
    Ok(())
}

/// Write a label value inside its quotes: `\`, `"` and newline escaped, invalid UTF-8 as U+FFFD.
pub fn write_label_value<S: Sink + ?Sized>(out: &mut S, value: &[u8]) -> Result<(), SinkFull> {
    write_text(out, value, true)
}

/// Write `HELP` text: `\` and newline escaped, invalid UTF-8 as U+FFFD.
pub fn write_help<S: Sink + ?Sized>(out: &mut S, text: &[u8]) -> Result<(), SinkFull> {
    write_text(out, text, false)
}

fn write_text<S: Sink + ?Sized>(out: &mut S, mut text: &[u8], quote: bool) -> Result<(), SinkFull> {
    while !text.is_empty() {
        let (valid, rest) = match core::str::from_utf8(text) {
            Ok(s) => (s, &b""[..]),
            Err(e) => {
                let (good, bad) = text.split_at(e.valid_up_to());
                let skip = e.error_len().unwrap_or(bad.len());
                // Valid up to here by construction.
                (core::str::from_utf8(good).unwrap_or(""), &bad[skip..])
            }
        };
        let bytes = valid.as_bytes();
        let special = |b: u8| b == b'\\' || b == b'\n' || (quote && b == b'"');
        for run in bytes.split_inclusive(|&b| special(b)) {
            match run.split_last() {
                Some((&last, head)) if special(last) => {
                    out.put(head)?;
                    out.put(match last {
                        b'\\' => b"\\\\",
                        b'\n' => b"\\n",
                        _ => b"\\\"",
                    })?;
                }
                _ => out.put(run)?,
            }
        }
        if valid.len() < text.len() {
            out.put("\u{FFFD}".as_bytes())?;
        }
        text = rest;
    }
    Ok(())
}

/// Write the family name collectd's `write_prometheus` gives a data source, without `_total`.
///
/// `collectd_<plugin>[_<type>][_<ds>]`: the type is left out when it equals
/// the plugin, the data source when it is called `value`.
pub fn write_collectd_family<S: Sink + ?Sized>(
    out: &mut S,
    plugin: &[u8],
    type_: &[u8],
    ds_name: &[u8],
) -> Result<(), SinkFull> {
    out.put(b"collectd_")?;
    write_name_part(out, plugin, false)?;
    if type_ != plugin {
        out.put(b"_")?;
        write_name_part(out, type_, false)?;
    }
    if ds_name != b"value" {
        out.put(b"_")?;
        write_name_part(out, ds_name, false)?;
    }
    Ok(())
}

/// A label: its name and value.
pub type Label<'a> = (&'a [u8], &'a [u8]);

/// The labels collectd's `write_prometheus` gives an identifier, at most three.
pub fn collectd_labels<'a>(id: &Identifier<'a>) -> heapless::Vec<Label<'a>, 3> {
    let mut labels = heapless::Vec::new();
    // Three pushes at most into room for three.
    if !id.plugin_instance.is_empty() {
        let _ = labels.push((id.plugin, id.plugin_instance));
    }
    if !id.type_instance.is_empty() {
        let name: &[u8] = if id.plugin_instance.is_empty() {
            id.plugin
        } else {
            b"type"
        };
        let _ = labels.push((name, id.type_instance));
    }
    let _ = labels.push((&b"instance"[..], id.host));
    labels
}
