//! Reply lines, written into a [`Sink`] without allocating.
//!
//! Every reply starts with a status line `<int> <message>\n`: a negative
//! status is an error, otherwise GETVAL and LISTVAL give the number of lines
//! that follow.

use crate::dataset::DataSet;
use crate::sink::{Sink, SinkFull, put_decimal};
use crate::time::Time;

use super::error::Error;
use super::printf::Exp12;

/// A sink behind one closure, so that cold writers take one concrete type instead of a copy for every sink.
///
/// A `&mut dyn Sink` would do the same, but its table holds
/// [`Sink::put_fmt`] and so links `core::fmt` into every program.
pub(crate) struct Erased<'s>(&'s mut dyn FnMut(&[u8]) -> Result<(), SinkFull>);

impl<'s> Erased<'s> {
    /// Send every write to `put`.
    pub(crate) fn new(put: &'s mut dyn FnMut(&[u8]) -> Result<(), SinkFull>) -> Self {
        Erased(put)
    }
}

impl Sink for Erased<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), SinkFull> {
        (self.0)(bytes)
    }
}

/// Write an error reply: `-1 <message>\n`.
pub fn write_error<S: Sink + ?Sized>(out: &mut S, error: &Error<'_>) -> Result<(), SinkFull> {
    error.write_reply(out)
}

/// Write PUTVAL's reply for `count` dispatched value lists.
///
/// `0 Success: 1 value has been dispatched.` or
/// `0 Success: <n> values have been dispatched.`
#[inline]
pub fn write_putval_ok<S: Sink + ?Sized>(out: &mut S, count: usize) -> Result<(), SinkFull> {
    if count == 1 {
        // The reply to nearly every PUTVAL: no formatting needed.
        return out.put(b"0 Success: 1 value has been dispatched.\n");
    }
    write_putval_count(&mut Erased::new(&mut |b| out.put(b)), count)
}

/// Write PUTVAL's reply for a count other than one, in one copy for every sink.
#[cold]
#[inline(never)]
fn write_putval_count(out: &mut Erased<'_>, count: usize) -> Result<(), SinkFull> {
    out.put(b"0 Success: ")?;
    put_decimal(out, false, count as u64, b"")?;
    out.put(b" values have been dispatched.\n")
}

/// Write the status line of GETVAL and LISTVAL: `<n> Value found` or `<n> Values found`.
pub fn write_values_found<S: Sink + ?Sized>(out: &mut S, count: usize) -> Result<(), SinkFull> {
    write_count_found(&mut Erased::new(&mut |b| out.put(b)), count)
}

/// Write `<n> Value found` or `<n> Values found`, in one copy for every sink.
#[inline(never)]
fn write_count_found(out: &mut Erased<'_>, count: usize) -> Result<(), SinkFull> {
    let noun: &[u8] = if count == 1 {
        b" Value found\n"
    } else {
        b" Values found\n"
    };
    put_decimal(out, false, count as u64, b"")?;
    out.put(noun)
}

/// Write one GETVAL value line: `<name>=<value>`, the value `NaN` or as `%12e`.
pub fn write_getval_value<S: Sink + ?Sized>(
    out: &mut S,
    name: &str,
    value: f64,
) -> Result<(), SinkFull> {
    write_value_line(&mut Erased::new(&mut |b| out.put(b)), name, value)
}

/// Write `<name>=<value>\n` for [`write_getval_value`], in one copy for every sink.
#[inline(never)]
fn write_value_line(out: &mut Erased<'_>, name: &str, value: f64) -> Result<(), SinkFull> {
    out.put(name.as_bytes())?;
    out.put(b"=")?;
    if value.is_nan() {
        out.put(b"NaN\n")
    } else {
        let mut buf = Exp12::BUFFER;
        out.put(Exp12(value).render_padded(&mut buf))?;
        out.put(b"\n")
    }
}

/// Write a whole GETVAL reply: the status line, then one line per data source.
///
/// `values` are the cached rates in data-source order. If their number
/// differs from the data set's, write `-1 Error reading value from cache.`
/// instead, as collectd does.
pub fn write_getval<S: Sink + ?Sized>(
    out: &mut S,
    data_set: &DataSet<'_>,
    values: &[f64],
) -> Result<(), SinkFull> {
    write_getval_lines(&mut Erased::new(&mut |b| out.put(b)), data_set, values)
}

/// Write the GETVAL reply for [`write_getval`], in one copy for every sink.
#[inline(never)]
fn write_getval_lines(
    out: &mut Erased<'_>,
    data_set: &DataSet<'_>,
    values: &[f64],
) -> Result<(), SinkFull> {
    if values.len() != data_set.sources.len() {
        return write_error(out, &Error::CacheRead);
    }
    write_count_found(out, values.len())?;
    for (source, &value) in data_set.sources.iter().zip(values) {
        write_value_line(out, source.name, value)?;
    }
    Ok(())
}

/// Write one LISTVAL line: the time with three decimals, a space, and the key as it is.
#[inline]
pub fn write_listval_entry<S: Sink + ?Sized>(
    out: &mut S,
    time: Time,
    key: &[u8],
) -> Result<(), SinkFull> {
    // `%.3f` of the time, without `core::fmt`: a listing writes many.
    time.put_secs_millis(out, b" ")?;
    out.put(key)?;
    out.put(b"\n")
}

/// Write FLUSH's reply: `0 Done: <successful> successful, <errors> errors`.
pub fn write_flush_done<S: Sink + ?Sized>(
    out: &mut S,
    successful: usize,
    errors: usize,
) -> Result<(), SinkFull> {
    write_done(&mut Erased::new(&mut |b| out.put(b)), successful, errors)
}

/// Write FLUSH's reply for [`write_flush_done`], in one copy for every sink.
#[inline(never)]
fn write_done(out: &mut Erased<'_>, successful: usize, errors: usize) -> Result<(), SinkFull> {
    out.put(b"0 Done: ")?;
    put_decimal(out, false, successful as u64, b"")?;
    out.put(b" successful, ")?;
    put_decimal(out, false, errors as u64, b" errors\n")
}

/// Write PUTNOTIF's reply: `0 Success`.
pub fn write_putnotif_ok<S: Sink + ?Sized>(out: &mut S) -> Result<(), SinkFull> {
    out.put(b"0 Success\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::DataSource;
    use crate::value::DsType;
    use std::vec::Vec;

    fn text(f: impl FnOnce(&mut Vec<u8>) -> Result<(), SinkFull>) -> std::string::String {
        let mut v = Vec::new();
        f(&mut v).unwrap();
        std::string::String::from_utf8(v).unwrap()
    }

    #[test]
    fn status_lines() {
        assert_eq!(
            text(|o| write_putval_ok(o, 1)),
            "0 Success: 1 value has been dispatched.\n"
        );
        assert_eq!(
            text(|o| write_putval_ok(o, 0)),
            "0 Success: 0 values have been dispatched.\n"
        );
        assert_eq!(
            text(|o| write_putval_ok(o, 3)),
            "0 Success: 3 values have been dispatched.\n"
        );
        assert_eq!(text(|o| write_values_found(o, 1)), "1 Value found\n");
        assert_eq!(text(|o| write_values_found(o, 0)), "0 Values found\n");
        assert_eq!(text(|o| write_values_found(o, 2)), "2 Values found\n");
        assert_eq!(
            text(|o| write_flush_done(o, 6, 0)),
            "0 Done: 6 successful, 0 errors\n"
        );
        assert_eq!(text(write_putnotif_ok), "0 Success\n");
        assert_eq!(
            text(|o| write_error(o, &Error::NoSuchValue)),
            "-1 No such value.\n"
        );
    }

    #[test]
    fn getval_lines() {
        assert_eq!(
            text(|o| write_getval_value(o, "value", 42.5)),
            "value=4.250000e+01\n"
        );
        assert_eq!(
            text(|o| write_getval_value(o, "value", f64::NAN)),
            "value=NaN\n"
        );
        assert_eq!(
            text(|o| write_getval_value(o, "value", f64::INFINITY)),
            "value=         inf\n"
        );
        assert_eq!(
            text(|o| write_getval_value(o, "v", f64::NEG_INFINITY)),
            "v=        -inf\n"
        );
        let ds = DataSet {
            name: "if_octets",
            sources: &[
                DataSource::new("rx", DsType::Derive, 0.0, f64::NAN),
                DataSource::new("tx", DsType::Derive, 0.0, f64::NAN),
            ],
        };
        assert_eq!(
            text(|o| write_getval(o, &ds, &[1.0, f64::NAN])),
            "2 Values found\nrx=1.000000e+00\ntx=NaN\n"
        );
        assert_eq!(
            text(|o| write_getval(o, &ds, &[1.0])),
            "-1 Error reading value from cache.\n"
        );
    }

    #[test]
    fn listval_lines() {
        let t = Time::from_secs_f64(1700000000.25);
        assert_eq!(
            text(|o| write_listval_entry(o, t, b"h/p/t-a b")),
            "1700000000.250 h/p/t-a b\n"
        );
    }

    #[test]
    fn full_sink_is_reported() {
        let mut buf = [0u8; 8];
        let mut sink = crate::sink::SliceSink::new(&mut buf);
        assert_eq!(write_putval_ok(&mut sink, 1), Err(SinkFull));
    }
}
