//! Parsing one command line into a validated [`Command`].

use crate::dataset::DataSets;

use super::error::Error;
use super::flush::Flush;
use super::getval::{Getval, parse_listval};
use super::putnotif::Putnotif;
use super::putval::Putval;
use super::tokenize::{Fields, MAX_LINE, Scratch, split};

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

/// Cut `line` at its first NUL and drop every trailing `\r` and `\n`.
fn trim_line(line: &[u8]) -> &[u8] {
    let line = line
        .iter()
        .position(|&b| b == 0)
        .and_then(|i| line.get(..i))
        .unwrap_or(line);
    let end = line
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |i| i + 1);
    line.get(..end).unwrap_or_default()
}

/// Return the first word of `line`, split at space, tab, CR and LF only (not quote-aware), and what follows it.
fn first_word(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let delim = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = line.iter().position(|b| !delim(b))?;
    let rest = line.get(start..)?;
    let end = rest.iter().position(delim).unwrap_or(rest.len());
    Some((rest.get(..end)?, rest.get(end..)?))
}

/// Split `line` as the newer commands do and skip the command word, which holds no quote.
fn arguments<'a>(line: &'a [u8], scratch: &'a mut Scratch) -> Result<Fields<'a>, Error<'a>> {
    let mut fields = split(line, scratch)?;
    fields.next();
    Ok(fields)
}

/// Parse one command line.
///
/// `line` may end in any mix of `\r` and `\n`; a NUL byte ends it early.
/// An empty or all-whitespace line is no command: `Ok(None)`, and no reply
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
    let line = trim_line(line);
    let Some((word, after_word)) = first_word(line) else {
        return Ok(None);
    };
    if line.len() > MAX_LINE {
        return Err(Error::LineTooLong);
    }
    let words = [
        ("GETVAL", Word::Getval),
        ("LISTVAL", Word::Listval),
        ("PUTVAL", Word::Putval),
        ("PUTNOTIF", Word::Putnotif),
        ("FLUSH", Word::Flush),
    ];
    let Some(&(_, which)) = words
        .iter()
        .find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(word))
    else {
        return Err(Error::UnknownCommand(word));
    };
    let command = match which {
        Word::Putnotif => Command::Putnotif(Putnotif::parse(after_word, scratch)?),
        Word::Getval => Command::Getval(Getval::parse(arguments(line, scratch)?, types)?),
        Word::Listval => {
            parse_listval(arguments(line, scratch)?)?;
            Command::Listval
        }
        Word::Putval => Command::Putval(Putval::parse(arguments(line, scratch)?, types)?),
        Word::Flush => Command::Flush(Flush::parse(arguments(line, scratch)?)?),
    };
    Ok(Some(command))
}
