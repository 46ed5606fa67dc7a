//! PUTVAL: `PUTVAL <identifier> [<option>|<value list>]…`.
//!
//! `Putval::parse` checks split fields the general way; most lines are
//! instead read by a fused, hand-written fast path (see the
//! [module docs](super#speed)) that falls back to it whenever unsure.

use crate::dataset::{DataSet, DataSets};
use crate::time::Time;

use super::command::Lookup;
use super::error::Error;
use super::identifier::Identifier;
use super::number::strtod;
use super::option::split_option;
use super::scan;
use super::tokenize::{Fields, MAX_LINE, is_space};
use super::values::{self, ValueList};

/// A validated PUTVAL: every value list in it parses and fits its data set.
///
/// When the fast path read the command's only value list, the list comes
/// along cut and with its time read ([`Putval::only_list`]), so a caller
/// stores it without splitting the line again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Putval<'a> {
    identifier: Identifier<'a>,
    data_set: &'a DataSet<'a>,
    args: Fields<'a>,
    only: Option<ValueList<'a>>,
}

impl<'a> Putval<'a> {
    /// Parse and validate the arguments after the `PUTVAL` word.
    pub(crate) fn parse(mut args: Fields<'a>, types: &Lookup<'_, 'a>) -> Result<Self, Error<'a>> {
        let raw = args.next().ok_or(Error::MissingIdentifierOrValues)?;
        if args.is_empty() {
            return Err(Error::MissingIdentifierOrValues);
        }
        let identifier = Identifier::parse(raw).ok_or(Error::CannotParseIdentifier(raw))?;
        if identifier.is_too_long() {
            return Err(Error::IdentifierTooLong);
        }
        let data_set = types(identifier.type_).ok_or(Error::TypeNotDefined(identifier.type_))?;
        for field in args {
            // A valid value list holds no `=`, so it is never an option.
            // The general path is cold: it reads every form, sparing the
            // binary a second copy of the fast path's quick check, whose
            // answers, when it gives one, are the same.
            if split_option(field).is_none() && !values::check_full(field, data_set) {
                return Err(Error::ParsingValuesFailed);
            }
        }
        Ok(Putval {
            identifier,
            data_set,
            args,
            only: None,
        })
    }

    /// Parse a whole line of the common shape in one pass, or return `None` to leave it to the general parser.
    ///
    /// The common shape is a line that starts with the command word and
    /// then a blank, holds no NUL and no `"` but those around an identifier
    /// without backslashes (as libcollectdclient quotes every identifier),
    /// and parses without error; for such a line the result is exactly what
    /// the general parser gives. Fields are cut, identifiers split, NULs and
    /// quotes found in the same scan, and value lists checked as they come,
    /// so each byte is read about twice instead of five or six times. A
    /// line with one value list of the plainest form carries that list.
    #[inline(never)]
    pub(crate) fn parse_line_quick<D: DataSets + ?Sized>(
        line: &'a [u8],
        types: &'a D,
    ) -> Option<Self> {
        if line.len() > MAX_LINE {
            return None;
        }
        // The word, ignoring case (setting bit 5 lower-cases a letter and
        // leaves its lower case alone), then a blank.
        let head = u64::from_le_bytes(*line.first_chunk::<8>()?);
        let word = (head | 0x2020_2020_2020) & 0xffff_ffff_ffff;
        if word != u64::from_le_bytes(*b"putval\0\0") || !matches!(head >> 48 & 0xff, 0x20 | 0x09) {
            return None;
        }
        let s = line.get(6..)?;
        let start = skip_space(s, 0);
        let (identifier, end) = if s.get(start) == Some(&b'"') {
            quoted_identifier(s, start + 1)?
        } else {
            let first = next_slash(s, start)?;
            let second = next_slash(s, first + 1)?;
            let end = field_end(s, second + 1)?;
            let identifier = Identifier::from_parts(
                s.get(start..end)?,
                s.get(start..first)?,
                s.get(first + 1..second)?,
                s.get(second + 1..end)?,
            );
            (identifier, end)
        };
        if identifier.is_too_long() {
            return None;
        }
        let data_set = types.get(identifier.type_)?;
        let mut at = end;
        let mut fields = 0;
        // The interval in force, and the first value list of the plainest
        // form with the interval in force for it; `plain` says whether every
        // value list so far had that form.
        let mut interval = None;
        let mut only = None;
        let mut lists = 0;
        let mut plain = true;
        loop {
            at = skip_space(s, at);
            match s.get(at) {
                None => break,
                // A NUL is an error; the general parser gives it.
                Some(0) => return None,
                Some(_) => {}
            }
            let rest = s.get(at..)?;
            if let Some(b'N' | b'1'..=b'9') = rest.first()
                && let Some(list) = values::quick_list(rest, interval, data_set)
            {
                at += list.raw().len();
                if lists == 0 {
                    only = Some(list);
                }
                lists += 1;
                fields += 1;
                continue;
            }
            let stop = field_end(s, at)?;
            let field = s.get(at..stop)?;
            if is_interval_option(field) {
                if let Some(value) = parse_interval(field.get(9..)?) {
                    interval = value;
                }
            } else if values::check_quick(field, data_set) == Some(true) {
                lists += 1;
                plain = false;
            } else if split_option(field).is_none() {
                return None;
            }
            fields += 1;
            at = stop;
        }
        if fields == 0 {
            return None;
        }
        // The general parser sees the line without its CR/LF ending.
        let line_end = s
            .get(..at)?
            .iter()
            .rposition(|&b| b != b'\r' && b != b'\n')
            .map_or(0, |i| i + 1);
        let only = only.filter(|_| lists == 1 && plain);
        Some(Putval {
            identifier,
            data_set,
            args: Fields::whitespace(s.get(end..line_end)?),
            only,
        })
    }

    /// Return the command's only value list, cut and with its time read, if the parser found it on the way.
    ///
    /// `None` says nothing about the command; read its lists with
    /// [`value_lists`](Self::value_lists) then.
    pub fn only_list(&self) -> Option<&ValueList<'a>> {
        self.only.as_ref()
    }

    /// Return the identifier the values are for.
    pub fn identifier(&self) -> &Identifier<'a> {
        &self.identifier
    }

    /// Return the data set named by the identifier's type.
    pub fn data_set(&self) -> &'a DataSet<'a> {
        self.data_set
    }

    /// Iterate the value lists in order, each with the interval in force for it.
    pub fn value_lists(&self) -> ValueLists<'a> {
        ValueLists {
            args: self.args,
            interval: None,
            data_set: self.data_set,
        }
    }

    /// Return how many value lists the command holds (the count its reply reports).
    pub fn value_list_count(&self) -> usize {
        self.args.filter(|f| split_option(f).is_none()).count()
    }
}

/// Return whether `field` starts with `interval=`, ignoring case: the option PUTVAL lines carry most.
#[inline]
fn is_interval_option(field: &[u8]) -> bool {
    match field.split_first_chunk::<8>() {
        Some((key, [b'=', ..])) => {
            u64::from_le_bytes(*key) | 0x2020_2020_2020_2020 == u64::from_le_bytes(*b"interval")
        }
        _ => false,
    }
}

/// Split the quoted identifier whose first byte is `s[from]`; return it and the index after its closing quote.
///
/// `None` if it holds a backslash or a NUL (left to the general parser),
/// has no closing quote, or has fewer than two `/`.
#[inline]
fn quoted_identifier(s: &[u8], from: usize) -> Option<(Identifier<'_>, usize)> {
    let close = from + scan::find_quote_backslash_or_nul(s.get(from..)?)?;
    if s.get(close) != Some(&b'"') {
        return None;
    }
    Some((Identifier::parse(s.get(from..close)?)?, close + 1))
}

/// Return the index of the first byte of `s` from `i` on that is not whitespace.
#[inline]
fn skip_space(s: &[u8], i: usize) -> usize {
    s.get(i..)
        .and_then(|rest| rest.iter().position(|&b| !is_space(b)))
        .map_or(s.len(), |k| i + k)
}

/// Return where the unquoted field at `from` ends: at whitespace, a NUL or the end; `None` at a `"`.
#[inline]
fn field_end(s: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let Some(k) = scan::find_field_stop(s.get(from..)?) else {
            return Some(s.len());
        };
        let at = from + k;
        match *s.get(at)? {
            b'"' => return None,
            b if b == 0 || is_space(b) => return Some(at),
            _ => from = at + 1,
        }
    }
}

/// Return the index of the next `/` in the unquoted field at `from`; `None` if the field ends first or holds a `"`.
#[inline]
fn next_slash(s: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let at = from + scan::find_field_stop_or_slash(s.get(from..)?)?;
        match *s.get(at)? {
            b'/' => return Some(at),
            b if b == 0 || b == b'"' || is_space(b) => return None,
            _ => from = at + 1,
        }
    }
}

/// Read an `interval=` value: `None` if collectd would ignore it, else the new interval.
///
/// collectd takes a positive `strtod` prefix and silently ignores anything
/// else; an interval too short to be represented means "the default".
fn parse_interval(value: &[u8]) -> Option<Option<Time>> {
    // Whole seconds, the usual form, are exact without strtod.
    if (1..=9).contains(&value.len()) && value.iter().all(u8::is_ascii_digit) {
        let secs = value.iter().fold(0, |n, &d| n * 10 + u64::from(d - b'0'));
        return (secs > 0).then_some(Some(Time::from_secs(secs)));
    }
    let (secs, _) = strtod(value).filter(|&(s, _)| s.is_finite() && s > 0.0)?;
    let t = Time::from_secs_f64(secs);
    Some((t != Time::ZERO).then_some(t))
}

/// An iterator over the value lists of a [`Putval`].
///
/// Options are applied as they come: `interval=` sets the interval of the
/// value lists after it; `meta:…` and any other option are ignored.
#[derive(Debug, Clone)]
pub struct ValueLists<'a> {
    args: Fields<'a>,
    interval: Option<Time>,
    data_set: &'a DataSet<'a>,
}

impl<'a> Iterator for ValueLists<'a> {
    type Item = ValueList<'a>;

    fn next(&mut self) -> Option<ValueList<'a>> {
        loop {
            let field = self.args.next()?;
            match split_option(field) {
                Some((key, value)) => {
                    if key.eq_ignore_ascii_case(b"interval")
                        && let Some(interval) = parse_interval(value)
                    {
                        self.interval = interval;
                    }
                }
                None => return ValueList::new(field, self.interval, self.data_set),
            }
        }
    }
}
