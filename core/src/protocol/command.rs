//! Parsing one command line into a validated [`Command`].

use crate::dataset::{DataSet, DataSets};

use super::error::Error;
use super::flush::Flush;
use super::getval::{Getval, parse_listval};
use super::putnotif::Putnotif;
use super::putval::Putval;
use super::scan;
use super::tokenize::{Fields, MAX_LINE, Scratch, unquote_fields};

/// A command that parsed and passed every check that needs no value cache.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command<'a> {
    /// `GETVAL <identifier>`
    Getval(Getval<'a>),
    /// `LISTVAL`
    Listval,
    /// `PUTVAL <identifier> [<option>|<value list>]…`
    Putval(Putval<'a>),
    /// `PUTNOTIF <option>…`
    Putnotif(Putnotif<'a>),
    /// `FLUSH [<option>]…`
    Flush(Flush<'a>),
}

/// The command words, as collectd compares them (ignoring case).
#[derive(Clone, Copy)]
enum Word {
    Getval,
    Listval,
    Putval,
    Putnotif,
    Flush,
}

/// Drop every trailing `\r` and `\n` of `line`, and say whether it holds a `"`; a line holding a NUL is refused.
#[inline]
fn trim_line(line: &[u8]) -> Result<(&[u8], bool), Error<'static>> {
    // One scan finds the first NUL or quote; only a quoted line needs a second.
    let quoted = match scan::find_nul_or_quote(line) {
        Some(i) if line.get(i) == Some(&b'"') => {
            if scan::find_byte(line, 0).is_some() {
                return Err(Error::NulByte);
            }
            true
        }
        Some(_) => return Err(Error::NulByte),
        None => false,
    };
    let end = line
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |i| i + 1);
    Ok((line.get(..end).unwrap_or_default(), quoted))
}

/// Return whether `b` ends the command word: space, tab, CR or LF only.
const fn is_word_delim(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Return the first word of `line`, split at space, tab, CR and LF only (not quote-aware), and what follows it.
#[inline]
fn first_word(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let start = line.iter().position(|&b| !is_word_delim(b))?;
    let rest = line.get(start..)?;
    let end = rest
        .iter()
        .position(|&b| is_word_delim(b))
        .unwrap_or(rest.len());
    rest.split_at_checked(end)
}

/// Recognise a command word, ignoring case.
#[inline]
fn command_word(word: &[u8]) -> Option<Word> {
    let is = |name: &[u8]| word.eq_ignore_ascii_case(name);
    match word.len() {
        6 if is(b"PUTVAL") => Some(Word::Putval),
        6 if is(b"GETVAL") => Some(Word::Getval),
        5 if is(b"FLUSH") => Some(Word::Flush),
        7 if is(b"LISTVAL") => Some(Word::Listval),
        8 if is(b"PUTNOTIF") => Some(Word::Putnotif),
        _ => None,
    }
}

/// Split the arguments after the command word as the newer commands do.
///
/// The word holds no quote and ends at whitespace, so splitting only what
/// follows it gives the same fields as splitting the line and skipping it.
fn arguments<'a>(
    after_word: &'a [u8],
    quoted: bool,
    scratch: &'a mut Scratch,
) -> Result<Fields<'a>, Error<'a>> {
    if quoted {
        unquote_fields(after_word, scratch)
    } else {
        Ok(Fields::whitespace(after_word))
    }
}

/// Parse one command line.
///
/// `line` may end in any mix of `\r` and `\n`; a line holding a NUL byte is
/// refused with [`Error::NulByte`] (collectd would cut it there, so a NUL at
/// the start made it ignore the line and a NUL inside silently shortened
/// it). An empty or all-whitespace line is no command: `Ok(None)`, and no reply
/// is due. Otherwise the result is a fully validated command, or the error
/// to reply with. `scratch` is used only for lines holding a `"`; `types`
/// looks up the data sets that GETVAL and PUTVAL identifiers name.
///
/// ```
/// use collie_core::dataset::{DataSet, DataSets, DataSource};
/// use collie_core::protocol::{parse, Command, Scratch};
/// use collie_core::{DsType, Time, Value};
///
/// struct Gauge;
/// const GAUGE: DataSet<'static> = DataSet {
///     name: "gauge",
///     sources: &[DataSource::new("value", DsType::Gauge, f64::NAN, f64::NAN)],
/// };
/// impl DataSets for Gauge {
///     fn get(&self, name: &[u8]) -> Option<&DataSet<'_>> {
///         (name == b"gauge").then_some(&GAUGE)
///     }
/// }
///
/// let mut scratch = Scratch::new();
/// let line = b"PUTVAL \"my host/exec/gauge-x\" interval=10 1700000000:42.5\r\n";
/// let Ok(Some(Command::Putval(putval))) = parse(line, &mut scratch, &Gauge) else { panic!() };
/// assert_eq!(putval.identifier().host, b"my host");
/// for list in putval.value_lists() {
///     assert_eq!(list.time(), Time::from_secs(1_700_000_000));
///     assert_eq!(list.interval(), Some(Time::from_secs(10)));
///     assert!(list.values().eq([Value::Gauge(42.5)]));
/// }
/// ```
pub fn parse<'a, D: DataSets + ?Sized>(
    line: &'a [u8],
    scratch: &'a mut Scratch,
    types: &'a D,
) -> Result<Option<Command<'a>>, Error<'a>> {
    if let Some(putval) = Putval::parse_line_quick(line, types) {
        return Ok(Some(Command::Putval(putval)));
    }
    parse_general(line, scratch, types)
}

/// Parse a PUTVAL of the common shape without scratch space; `None` leaves the line to [`parse`].
///
/// Whatever it returns is what [`parse`] returns for the line. The result
/// borrows only the line and the data sets, so a caller can parse several
/// lines before it answers any.
#[inline]
pub fn parse_quick<'a, D: DataSets + ?Sized>(line: &'a [u8], types: &'a D) -> Option<Command<'a>> {
    Putval::parse_line_quick(line, types).map(Command::Putval)
}

/// Look up a data set by type name: the general parser takes one of these, so one copy of it serves every [`DataSets`].
pub(crate) type Lookup<'a, 'd> = dyn Fn(&[u8]) -> Option<&'d DataSet<'d>> + 'a;

/// [`parse`] without the PUTVAL fast path: every line, checked the general way.
#[inline]
pub(crate) fn parse_general<'a, D: DataSets + ?Sized>(
    line: &'a [u8],
    scratch: &'a mut Scratch,
    types: &'a D,
) -> Result<Option<Command<'a>>, Error<'a>> {
    parse_looking_up(line, scratch, &|name| types.get(name))
}

/// [`parse_general`] with the data sets behind a [`Lookup`], in one copy for all of them.
#[inline(never)]
pub(crate) fn parse_looking_up<'a>(
    line: &'a [u8],
    scratch: &'a mut Scratch,
    types: &Lookup<'_, 'a>,
) -> Result<Option<Command<'a>>, Error<'a>> {
    let (line, quoted) = trim_line(line)?;
    let Some((word, after_word)) = first_word(line) else {
        return Ok(None);
    };
    if line.len() > MAX_LINE {
        return Err(Error::LineTooLong);
    }
    let which = command_word(word).ok_or(Error::UnknownCommand(word))?;
    let command = match which {
        Word::Putval => {
            let args = arguments(after_word, quoted, scratch)?;
            Command::Putval(Putval::parse(args, types)?)
        }
        Word::Putnotif => Command::Putnotif(Putnotif::parse(after_word, scratch)?),
        Word::Getval => {
            let args = arguments(after_word, quoted, scratch)?;
            Command::Getval(Getval::parse(args, types)?)
        }
        Word::Listval => {
            parse_listval(arguments(after_word, quoted, scratch)?)?;
            Command::Listval
        }
        Word::Flush => Command::Flush(Flush::parse(arguments(after_word, quoted, scratch)?)?),
    };
    Ok(Some(command))
}
