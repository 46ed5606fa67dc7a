//! Value lists: `time:v1[:v2…]`, as collectd's `parse_values` reads them.
//!
//! The list is split at `:` with empty pieces skipped (`1:::5` is `1:5`).
//! The time is `N` (now, [`Time::ZERO`]) or seconds as a double. As in
//! collectd, a time that comes out as zero (`0`, `0.0`) leaves the time
//! unset, so the next piece is read as the time again (`0:5:42` is time 5,
//! value 42, and `0:5` has no values). Each value is read by the type of its
//! data source: GAUGE a double or `U` (NaN), DERIVE a C `strtoll` base-0
//! integer, COUNTER and ABSOLUTE a C `strtoull` base-0 integer, surrounding
//! whitespace ignored.
//!
//! Collie is stricter than collectd: trailing garbage after a number
//! (`42abc`) is an error, as is a value count other than the data set's
//! source count; a time must be finite and not negative.

use crate::dataset::{DataSet, DataSource};
use crate::time::Time;
use crate::value::{DsType, Value};

use super::number::{decimal_quick, strtod, strtod_exact, strtoll, strtoull, whole};

/// The `:`-separated pieces of a value list, empty ones skipped (as `strtok` does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pieces<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let start = self.rest.iter().position(|&b| b != b':')?;
        let rest = self.rest.get(start..).unwrap_or_default();
        let end = rest.iter().position(|&b| b == b':').unwrap_or(rest.len());
        self.rest = rest.get(end..).unwrap_or_default();
        rest.get(..end)
    }
}

/// Parse one value for a data source of type `ds_type`.
pub fn parse_value(text: &[u8], ds_type: DsType) -> Option<Value> {
    match ds_type {
        DsType::Gauge if text == b"U" => Some(Value::Gauge(f64::NAN)),
        DsType::Gauge => whole(text, strtod).map(Value::Gauge),
        DsType::Derive => whole(text, strtoll).map(Value::Derive),
        DsType::Counter => whole(text, strtoull).map(Value::Counter),
        DsType::Absolute => whole(text, strtoull).map(Value::Absolute),
    }
}

/// Return `n` if the piece at the start of `s` ends after `n` bytes, at a `:` or the end.
#[inline]
fn ends_at(s: &[u8], n: usize) -> Option<usize> {
    matches!(s.get(n), None | Some(b':')).then_some(n)
}

/// Return `s` without leading `:`.
#[inline]
fn skip_colons(s: &[u8]) -> &[u8] {
    let n = s.iter().position(|&b| b != b':').unwrap_or(s.len());
    s.get(n..).unwrap_or_default()
}

use super::scan::{digit_run, digit_run_at};
use super::tokenize::is_space;

/// Return `s` if it is empty or starts with `:`, that is if a piece ended just before it.
#[inline]
fn piece_ended(s: &[u8]) -> Option<&[u8]> {
    matches!(s.first(), None | Some(b':')).then_some(s)
}

/// Skip a GAUGE piece of the plain forms (`U`, `[+-]?digits[.digits]`) and return what follows it.
#[inline]
fn skip_quick_gauge(s: &[u8]) -> Option<&[u8]> {
    let body = match s {
        [b'U', rest @ ..] => return piece_ended(rest),
        [b'+' | b'-', rest @ ..] => rest,
        _ => s,
    };
    let int = digit_run(body);
    let after = body.get(int..)?;
    match after {
        [b'.', frac @ ..] => {
            let n = digit_run(frac);
            if int + n == 0 {
                return None;
            }
            piece_ended(frac.get(n..)?)
        }
        _ if int == 0 => None,
        _ => piece_ended(after),
    }
}

/// Skip a decimal integer piece (`[+-]?` then `0` or `[1-9][0-9]*`) and return what follows it.
#[inline]
fn skip_quick_integer(s: &[u8]) -> Option<&[u8]> {
    let body = match s {
        [b'+' | b'-', rest @ ..] => rest,
        _ => s,
    };
    match body {
        [b'1'..=b'9', rest @ ..] => piece_ended(rest.get(digit_run(rest)..)?),
        [b'0', rest @ ..] => piece_ended(rest),
        _ => None,
    }
}

/// Skip the time of a value list of the plain forms and return what follows it: `None` when unsure, `Some(None)` if there is no valid time.
///
/// A time of up to 19 digits that starts with a non-zero digit is valid
/// without reading its value: it is finite and at least one second.
#[inline]
fn skip_quick_time(raw: &[u8]) -> Option<Option<&[u8]>> {
    match skip_colons(raw) {
        [b'1'..=b'9', rest @ ..] => {
            let n = digit_run(rest);
            let after = rest.get(n..)?;
            if n < 19 && matches!(after.first(), None | Some(b':')) {
                return Some(Some(after));
            }
        }
        [b'N', rest @ ..] if matches!(rest.first(), None | Some(b':')) => return Some(Some(rest)),
        _ => {}
    }
    Some(split_time_quick(raw)?.map(|(_, rest)| rest))
}

/// [`split_time`] for the plain forms (`N`, decimal seconds); `None` when unsure.
///
/// A time piece starting with a letter other than a lone `N` can only be
/// `inf` or `nan` to `strtod`, and neither is a valid time.
#[inline]
fn split_time_quick(raw: &[u8]) -> Option<Option<(Time, &[u8])>> {
    let mut rest = raw;
    loop {
        rest = skip_colons(rest);
        let n = match rest.first() {
            None => return Some(None),
            Some(b'N') if ends_at(rest, 1).is_some() => {
                return Some(Some((Time::ZERO, rest.get(1..)?)));
            }
            Some(b) if b.is_ascii_alphabetic() => return Some(None),
            Some(b'0'..=b'9' | b'.') => {
                let (secs, n) = decimal_quick(rest)?;
                let n = ends_at(rest, n)?;
                let time = Time::from_secs_f64(secs);
                if time != Time::ZERO {
                    return Some(Some((time, rest.get(n..)?)));
                }
                n
            }
            Some(_) => return None,
        };
        rest = rest.get(n..)?;
    }
}

/// Read the time of a value list and return it with the pieces after it.
#[inline]
fn split_time(raw: &[u8]) -> Option<(Time, Pieces<'_>)> {
    match split_time_quick(raw) {
        Some(quick) => quick.map(|(time, rest)| (time, Pieces { rest })),
        None => split_time_full(raw),
    }
}

/// [`split_time`] for every form `strtod` reads.
#[inline(never)]
fn split_time_full(raw: &[u8]) -> Option<(Time, Pieces<'_>)> {
    let mut pieces = Pieces { rest: raw };
    loop {
        let piece = pieces.next()?;
        if piece == b"N" {
            return Some((Time::ZERO, pieces));
        }
        let secs = strtod_exact(piece).filter(|s| s.is_finite() && *s >= 0.0)?;
        let time = Time::from_secs_f64(secs);
        if time != Time::ZERO {
            return Some((time, pieces));
        }
    }
}

/// Check a value list of the plain forms against `data_set`: `Some(valid)` when sure, `None` to leave it to [`check_full`].
///
/// This only checks the syntax of the values, which for these forms is
/// enough to know they convert.
#[inline]
pub(crate) fn check_quick(raw: &[u8], data_set: &DataSet<'_>) -> Option<bool> {
    let Some(mut rest) = skip_quick_time(raw)? else {
        return Some(false);
    };
    if data_set.sources.is_empty() {
        return None;
    }
    for source in data_set.sources {
        rest = skip_colons(rest);
        rest = match source.ds_type {
            DsType::Gauge => skip_quick_gauge(rest),
            DsType::Derive | DsType::Counter | DsType::Absolute => skip_quick_integer(rest),
        }?;
    }
    skip_colons(rest).is_empty().then_some(true)
}

/// Read the value list that starts `s`, if it has the plainest form and fits `data_set`.
///
/// The plainest form is `N` or a time of up to 19 digits without leading
/// zero and with an optional fraction, then one value per data source,
/// each after a single `:` and of the plain forms [`check_quick`] reads,
/// and then whitespace, a NUL or the end of `s`. `s` runs on past the
/// list, to the end of the line, so the digit runs are found eight bytes at
/// a time without a separate pass to cut the field first. The list comes
/// back with its time read and its values left for [`ValueList::fill`].
/// `None` means the list may still be valid.
#[inline]
pub(crate) fn quick_list<'a>(
    s: &'a [u8],
    interval: Option<Time>,
    data_set: &'a DataSet<'a>,
) -> Option<ValueList<'a>> {
    if data_set.sources.is_empty() {
        return None;
    }
    // A time starting with a non-zero digit is at least a second, so never "unset".
    let (time, mut at) = match s {
        [b'N', ..] => (Time::ZERO, 1),
        [b'1'..=b'9', ..] => {
            let (secs, n) = decimal_quick(s)?;
            (Time::from_secs_f64(secs), n)
        }
        _ => return None,
    };
    let time_len = at;
    for source in data_set.sources {
        if s.get(at) != Some(&b':') {
            return None;
        }
        at += 1;
        if let Some(b'+' | b'-') = s.get(at) {
            at += 1;
        }
        let start = at;
        at += match (source.ds_type, s.get(at..)?) {
            (DsType::Gauge, [b'U', ..]) if s.get(at - 1) == Some(&b':') => 1,
            (DsType::Gauge, [b'.', ..]) => {
                let frac = digit_run_at(s, at + 1);
                if frac == 0 {
                    return None;
                }
                1 + frac
            }
            (DsType::Gauge, [b'0'..=b'9', ..]) => {
                let int = digit_run_at(s, at);
                match s.get(at + int) {
                    Some(b'.') => int + 1 + digit_run_at(s, at + int + 1),
                    _ => int,
                }
            }
            (DsType::Gauge, _) => return None,
            (_, [b'1'..=b'9', ..]) => digit_run_at(s, at),
            (_, [b'0', ..]) => 1,
            _ => return None,
        };
        debug_assert!(at > start);
    }
    match s.get(at) {
        None => {}
        Some(&b) if b == 0 || is_space(b) => {}
        Some(_) => return None,
    }
    Some(ValueList {
        time,
        interval,
        data_set,
        raw: s.get(..at)?,
        values: s.get(time_len..at)?,
    })
}

/// Check a whole value list against `data_set`.
#[cfg(test)]
pub(crate) fn validate(raw: &[u8], data_set: &DataSet<'_>) -> bool {
    check_quick(raw, data_set).unwrap_or_else(|| check_full(raw, data_set))
}

/// Check a whole value list against `data_set`, reading every form.
#[inline(never)]
pub(crate) fn check_full(raw: &[u8], data_set: &DataSet<'_>) -> bool {
    let Some((_, pieces)) = split_time_full(raw) else {
        return false;
    };
    let mut sources = data_set.sources.iter();
    let mut count = 0;
    for piece in pieces {
        match sources.next() {
            Some(source) if parse_value(piece, source.ds_type).is_some() => count += 1,
            _ => return false,
        }
    }
    count > 0 && count == data_set.sources.len()
}

/// One validated value list of a PUTVAL: a time, an interval and one value per data source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueList<'a> {
    time: Time,
    interval: Option<Time>,
    data_set: &'a DataSet<'a>,
    raw: &'a [u8],
    values: &'a [u8],
}

impl<'a> ValueList<'a> {
    /// Read `raw` as a value list of `data_set`; `None` if its time cannot be read.
    pub(crate) fn new(
        raw: &'a [u8],
        interval: Option<Time>,
        data_set: &'a DataSet<'a>,
    ) -> Option<Self> {
        let (time, pieces) = split_time(raw)?;
        Some(ValueList {
            time,
            interval,
            data_set,
            raw,
            values: pieces.rest,
        })
    }

    /// Return the time of the values; [`Time::ZERO`] means "now" (`N`).
    pub fn time(&self) -> Time {
        self.time
    }

    /// Return the interval set by the latest `interval=` option before this list, if any.
    pub fn interval(&self) -> Option<Time> {
        self.interval
    }

    /// Return the data set the values belong to.
    pub fn data_set(&self) -> &'a DataSet<'a> {
        self.data_set
    }

    /// Return the value list as written, such as `1700000000:42`.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Return how many values the list has: one per data source.
    pub fn len(&self) -> usize {
        self.data_set.sources.len()
    }

    /// Return whether the list has no values (never true for a parsed PUTVAL).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Iterate the values, one per data source, in order.
    pub fn values(&self) -> Values<'a> {
        Values {
            pieces: Pieces { rest: self.values },
            sources: self.data_set.sources.iter(),
        }
    }

    /// Copy the values into `out` and return how many were copied.
    pub fn fill(&self, out: &mut [Value]) -> usize {
        out.iter_mut()
            .zip(self.values())
            .map(|(slot, v)| *slot = v)
            .count()
    }
}

/// An iterator over the typed values of a [`ValueList`].
#[derive(Debug, Clone)]
pub struct Values<'a> {
    pieces: Pieces<'a>,
    sources: core::slice::Iter<'a, DataSource<'a>>,
}

impl Iterator for Values<'_> {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        let source = self.sources.next()?;
        parse_value(self.pieces.next()?, source.ds_type)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.sources.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    const GAUGE: DataSet<'static> = DataSet {
        name: "gauge",
        sources: &[DataSource::new("value", DsType::Gauge, 0.0, f64::NAN)],
    };
    const LOAD: DataSet<'static> = DataSet {
        name: "load",
        sources: &[
            DataSource::new("shortterm", DsType::Gauge, 0.0, 5000.0),
            DataSource::new("midterm", DsType::Gauge, 0.0, 5000.0),
            DataSource::new("longterm", DsType::Gauge, 0.0, 5000.0),
        ],
    };
    const MIXED: DataSet<'static> = DataSet {
        name: "mixed",
        sources: &[
            DataSource::new("d", DsType::Derive, 0.0, f64::NAN),
            DataSource::new("c", DsType::Counter, f64::NAN, f64::NAN),
            DataSource::new("a", DsType::Absolute, 0.0, f64::NAN),
        ],
    };

    fn values(raw: &str, ds: &'static DataSet<'static>) -> Option<(Time, Vec<Value>)> {
        if !validate(raw.as_bytes(), ds) {
            return None;
        }
        let vl = ValueList::new(raw.as_bytes(), None, ds).unwrap();
        let mut out = [Value::default(); 4];
        let n = vl.fill(&mut out);
        assert_eq!(n, ds.sources.len());
        // Debug output compares NaN equal to itself.
        assert_eq!(
            std::format!("{:?}", vl.values().collect::<Vec<_>>()),
            std::format!("{:?}", &out[..n])
        );
        Some((vl.time(), out[..n].to_vec()))
    }

    fn gauge(v: f64) -> Vec<Value> {
        std::vec![Value::Gauge(v)]
    }

    #[test]
    fn quick_check_agrees_with_the_full_one_when_it_answers() {
        let pieces = [
            "",
            "N",
            "0",
            "1",
            "12",
            "1700000000",
            "1700000000.5",
            "-3",
            "+4",
            "5.",
            ".5",
            "U",
            "1e3",
            "0x10",
            "inf",
            "nan",
            "007",
            "1.5.2",
            "-",
            ":",
            "a",
            " ",
        ];
        let sets: [&DataSet<'static>; 3] = [&GAUGE, &MIXED, &LOAD];
        for ds in sets {
            for a in pieces {
                for b in pieces {
                    for c in pieces {
                        for raw in [std::format!("{a}:{b}"), std::format!("{a}:{b}:{c}:{c}")] {
                            let raw = raw.as_bytes();
                            if let Some(quick) = check_quick(raw, ds) {
                                assert_eq!(quick, check_full(raw, ds), "{raw:?} {}", ds.name);
                            }
                        }
                    }
                }
            }
        }
    }

    // common_test.c, test_parse_values.
    #[test]
    fn collectd_parse_values_vectors() {
        let t = Time::from_secs(1435044576);
        assert_eq!(values("1435044576:42", &GAUGE), Some((t, gauge(42.0))));
        assert_eq!(values("1435044576:42:23", &GAUGE), None);
        let (time, v) = values("1435044576:U", &GAUGE).unwrap();
        assert_eq!(time, t);
        assert!(matches!(v[..], [Value::Gauge(x)] if x.is_nan()));
        assert_eq!(values("N:12.3", &GAUGE), Some((Time::ZERO, gauge(12.3))));
        assert_eq!(values("N:42.0:23", &GAUGE), None);
        assert!(matches!(values("N:U", &GAUGE).unwrap().1[..], [Value::Gauge(x)] if x.is_nan()));
        assert_eq!(values("T:42.0", &GAUGE), None);
    }

    #[test]
    fn empty_pieces_are_skipped() {
        let t = Time::from_secs(1700000000);
        assert_eq!(values("1700000000::5", &GAUGE), Some((t, gauge(5.0))));
        assert_eq!(values(":1700000000:5:", &GAUGE), Some((t, gauge(5.0))));
        assert_eq!(values(":::", &GAUGE), None);
        assert_eq!(values("", &GAUGE), None);
    }

    #[test]
    fn time_forms() {
        assert_eq!(values("1.5:1", &GAUGE).unwrap().0, Time::from_secs_f64(1.5));
        assert_eq!(
            values("1e9:1", &GAUGE).unwrap().0,
            Time::from_secs(1_000_000_000)
        );
        assert_eq!(values(" 7:1", &GAUGE).unwrap().0, Time::from_secs(7));
        assert_eq!(values("7 :1", &GAUGE), None);
        assert_eq!(values("n:1", &GAUGE), None);
        assert_eq!(values("A:42", &GAUGE), None);
        assert_eq!(values("-5:1", &GAUGE), None);
        assert_eq!(values("inf:1", &GAUGE), None);
        assert_eq!(values("1e400:1", &GAUGE), None);
        // collectd's quirk: a zero time is read again from the next piece.
        assert_eq!(values("0:5", &GAUGE), None);
        assert_eq!(
            values("0:5:42", &GAUGE),
            Some((Time::from_secs(5), gauge(42.0)))
        );
        assert_eq!(
            values("0.0:0:N:42", &GAUGE),
            Some((Time::ZERO, gauge(42.0)))
        );
    }

    #[test]
    fn gauge_forms() {
        assert_eq!(values("1:-1.5e3", &GAUGE).unwrap().1, gauge(-1500.0));
        assert_eq!(values("1:inf", &GAUGE).unwrap().1, gauge(f64::INFINITY));
        assert_eq!(
            values("1:-inf", &GAUGE).unwrap().1,
            gauge(f64::NEG_INFINITY)
        );
        assert!(matches!(values("1:nan", &GAUGE).unwrap().1[..], [Value::Gauge(x)] if x.is_nan()));
        assert_eq!(values("1: 2 ", &GAUGE).unwrap().1, gauge(2.0));
        assert_eq!(values("1:0x10", &GAUGE).unwrap().1, gauge(16.0));
        assert_eq!(
            values("0x6553F100:1", &GAUGE).unwrap().0,
            Time::from_secs(1_700_000_000)
        );
        assert_eq!(values("1:42abc", &GAUGE), None);
        assert_eq!(values("1:u", &GAUGE), None);
        assert_eq!(values("1:U ", &GAUGE), None);
    }

    #[test]
    fn counts_must_match() {
        assert_eq!(values("1:1", &LOAD), None);
        assert_eq!(values("1:1:2", &LOAD), None);
        assert_eq!(values("1:1:2:3:4", &LOAD), None);
        assert_eq!(values("1", &LOAD), None);
        let v = values("1:1:2:3", &LOAD).unwrap().1;
        assert_eq!(v, [Value::Gauge(1.0), Value::Gauge(2.0), Value::Gauge(3.0)]);
    }

    #[test]
    fn integer_forms() {
        let v = values("1:0x10:010:-1", &MIXED).unwrap().1;
        assert_eq!(
            v,
            [
                Value::Derive(16),
                Value::Counter(8),
                Value::Absolute(u64::MAX)
            ]
        );
        let v = values("1:-42:+7: 9 ", &MIXED).unwrap().1;
        assert_eq!(
            v,
            [Value::Derive(-42), Value::Counter(7), Value::Absolute(9)]
        );
        assert_eq!(values("1:U:1:1", &MIXED), None);
        assert_eq!(values("1:1:U:1", &MIXED), None);
        assert_eq!(values("1:1:1:U", &MIXED), None);
        assert_eq!(values("1:42abc:1:1", &MIXED), None);
        assert_eq!(values("1:1.5:1:1", &MIXED), None);
        assert_eq!(values("1:08:1:1", &MIXED), None);
    }

    #[test]
    fn fill_stops_at_the_slice_end() {
        let vl = ValueList::new(b"1:1:2:3", None, &LOAD).unwrap();
        let mut out = [Value::default(); 2];
        assert_eq!(vl.fill(&mut out), 2);
        assert_eq!(out, [Value::Gauge(1.0), Value::Gauge(2.0)]);
        assert_eq!(vl.len(), 3);
        assert_eq!(vl.raw(), b"1:1:2:3");
    }
}
