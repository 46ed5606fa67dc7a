//! A parser for collectd's `types.db` format that never allocates.
//!
//! Each line names a data set and lists its data sources:
//!
//! ```text
//! # comment
//! if_octets  rx:DERIVE:0:U, tx:DERIVE:0:U
//! percent    value:GAUGE:0:100.1
//! ```
//!
//! Fields are separated by spaces or tabs, a data source is
//! `name:TYPE:min:max` with one trailing `,` allowed, the type is one of
//! GAUGE, DERIVE, COUNTER or ABSOLUTE in any case, and a limit is `U`
//! (unbounded, read as NaN) or a decimal number. Blank lines and lines whose
//! first field starts with `#` are skipped.
//!
//! [`TypesDb`] yields one [`Definition`] per data set, a borrowed view whose
//! [`sources`](Definition::sources) are parsed lazily; every line is checked
//! when it is yielded, so a bad line is reported with its number before any of
//! its sources are used. [`load_into`] fills caller buffers with a whole file
//! and returns a [`Sorted`] lookup.
//!
//! collie is stricter than collectd where collectd silently accepts nonsense:
//! a limit that is not a number, empty `:`-separated fields and a name with
//! no data sources are errors here rather than zero or a skipped line.
//!
//! ```
//! use collie_core::dataset::{types_db::TypesDb, DataSet};
//!
//! let text = "# mine\nlatency  value:GAUGE:0:U\nif_octets rx:DERIVE:0:U, tx:DERIVE:0:U\n";
//! let defs: Vec<_> = TypesDb::new(text).collect::<Result<_, _>>().unwrap();
//! let sources: Vec<_> = defs[1].sources().collect();
//! let set = DataSet { name: defs[1].name(), sources: &sources };
//! assert_eq!(set.sources[1].name, "tx");
//! assert_eq!(defs[1].line(), 3);
//! ```

use core::fmt;
use core::str::{Lines, SplitAsciiWhitespace};

use super::{DataSet, DataSource, Sorted};
use crate::value::DsType;

/// What is wrong with a line of `types.db`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The line names a data set but lists no data sources.
    NoSources,
    /// Data source `index` (from 0) is not `name:TYPE:min:max` with a non-empty name.
    SourceFields {
        /// The position of the data source on the line.
        index: usize,
    },
    /// Data source `index` has a type other than GAUGE, DERIVE, COUNTER or ABSOLUTE.
    UnknownType {
        /// The position of the data source on the line.
        index: usize,
    },
    /// Data source `index` has a minimum that is neither `U` nor a number.
    BadMin {
        /// The position of the data source on the line.
        index: usize,
    },
    /// Data source `index` has a maximum that is neither `U` nor a number.
    BadMax {
        /// The position of the data source on the line.
        index: usize,
    },
    /// A caller's buffer has no room for the data set on this line.
    NoRoom,
}

/// A malformed line of `types.db`, with its number counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypesDbError {
    /// The line number, counted from 1.
    pub line: usize,
    /// The column (byte) where the problem starts, counted from 1.
    pub column: usize,
    /// What is wrong with it.
    pub kind: ErrorKind,
}

impl fmt::Display for TypesDbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "types.db line {}, column {}: ", self.line, self.column)?;
        match self.kind {
            ErrorKind::NoSources => f.write_str("no data sources"),
            ErrorKind::SourceFields { index } => {
                write!(f, "data source {} is not name:type:min:max", index + 1)
            }
            ErrorKind::UnknownType { index } => {
                write!(f, "data source {} has an unknown type", index + 1)
            }
            ErrorKind::BadMin { index } => write!(f, "data source {} has a bad minimum", index + 1),
            ErrorKind::BadMax { index } => write!(f, "data source {} has a bad maximum", index + 1),
            ErrorKind::NoRoom => f.write_str("no room left in the buffer"),
        }
    }
}

impl core::error::Error for TypesDbError {}

/// An iterator over the data sets defined in `types.db` text.
#[derive(Debug, Clone)]
pub struct TypesDb<'a> {
    lines: Lines<'a>,
    line: usize,
}

impl<'a> TypesDb<'a> {
    /// Iterate over the definitions in `text`.
    pub fn new(text: &'a str) -> Self {
        TypesDb {
            lines: text.lines(),
            line: 0,
        }
    }

    /// Iterate over the definitions in `bytes`, which must be UTF-8.
    pub fn from_utf8(bytes: &'a [u8]) -> Result<Self, core::str::Utf8Error> {
        core::str::from_utf8(bytes).map(TypesDb::new)
    }
}

impl<'a> Iterator for TypesDb<'a> {
    type Item = Result<Definition<'a>, TypesDbError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let text = self.lines.next()?;
            self.line += 1;
            let mut fields = text.split_ascii_whitespace();
            let Some(name) = fields.next() else { continue };
            if name.starts_with('#') {
                continue;
            }
            let line = self.line;
            let mut len = 0;
            // Where a field starts in the line, counted from 1.
            let column = |field: &str| field.as_ptr() as usize - text.as_ptr() as usize + 1;
            for (index, spec) in fields.clone().enumerate() {
                if let Err(kind) = parse_source(spec, index) {
                    let column = column(spec);
                    return Some(Err(TypesDbError { line, column, kind }));
                }
                len += 1;
            }
            if len == 0 {
                return Some(Err(TypesDbError {
                    line,
                    column: column(name) + name.len(),
                    kind: ErrorKind::NoSources,
                }));
            }
            return Some(Ok(Definition {
                name,
                line,
                fields,
                len,
            }));
        }
    }
}

impl core::iter::FusedIterator for TypesDb<'_> {}

/// One checked line of `types.db`: a data set name and its data sources.
#[derive(Debug, Clone)]
pub struct Definition<'a> {
    name: &'a str,
    line: usize,
    fields: SplitAsciiWhitespace<'a>,
    len: usize,
}

impl<'a> Definition<'a> {
    /// Return the name of the data set.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// Return the line number, counted from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// Return the number of data sources, which is at least one.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Return `false`: a definition always has a data source.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Iterate over the data sources, parsing them as they are asked for.
    pub fn sources(&self) -> Sources<'a> {
        Sources {
            fields: self.fields.clone(),
            left: self.len,
        }
    }

    /// Copy the data sources into `buf` and return the data set over it.
    ///
    /// Return `None` if `buf` is shorter than [`len`](Self::len).
    pub fn fill<'b>(&self, buf: &'b mut [DataSource<'a>]) -> Option<DataSet<'b>>
    where
        'a: 'b,
    {
        let buf = buf.get_mut(..self.len)?;
        for (slot, source) in buf.iter_mut().zip(self.sources()) {
            *slot = source;
        }
        Some(DataSet {
            name: self.name,
            sources: buf,
        })
    }
}

/// The data sources of a [`Definition`], in order.
#[derive(Debug, Clone)]
pub struct Sources<'a> {
    fields: SplitAsciiWhitespace<'a>,
    left: usize,
}

impl<'a> Iterator for Sources<'a> {
    type Item = DataSource<'a>;

    fn next(&mut self) -> Option<DataSource<'a>> {
        let spec = self.fields.next()?;
        self.left = self.left.saturating_sub(1);
        // The line was checked when the definition was made.
        parse_source(spec, 0).ok()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Sources<'_> {}

impl core::iter::FusedIterator for Sources<'_> {}

/// Parse one data source such as `rx:DERIVE:0:U,`; `index` goes into the error.
pub fn parse_source(spec: &str, index: usize) -> Result<DataSource<'_>, ErrorKind> {
    let spec = spec.strip_suffix(',').unwrap_or(spec);
    let mut parts = spec.split(':');
    let (Some(name), Some(ds_type), Some(min), Some(max), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(ErrorKind::SourceFields { index });
    };
    if name.is_empty() {
        return Err(ErrorKind::SourceFields { index });
    }
    let ds_type = DsType::from_name(ds_type.as_bytes()).ok_or(ErrorKind::UnknownType { index })?;
    let min = parse_limit(min).ok_or(ErrorKind::BadMin { index })?;
    let max = parse_limit(max).ok_or(ErrorKind::BadMax { index })?;
    Ok(DataSource {
        name,
        ds_type,
        min,
        max,
    })
}

fn parse_limit(text: &str) -> Option<f64> {
    if text.eq_ignore_ascii_case("U") {
        Some(f64::NAN)
    } else {
        text.parse().ok()
    }
}

/// Parse all of `text` into caller buffers and return a lookup sorted by name.
///
/// Each definition takes one slot of `sets` and [`len`](Definition::len)
/// slots of `sources`. A name defined twice keeps its last definition, as in
/// collectd; the slots of the replaced one stay used. A buffer that runs
/// out gives [`ErrorKind::NoRoom`] for the line that did not fit. Loading
/// takes O(n log n) for n definitions: they are sorted once, and of equal
/// names the last defined is kept.
///
/// ```
/// use collie_core::dataset::{types_db, DataSet, DataSets, DataSource};
///
/// let mut sets = [DataSet::EMPTY; 4];
/// let mut sources = [DataSource::EMPTY; 8];
/// let text = "b value:GAUGE:0:U\na value:DERIVE:0:U\nb value:COUNTER:U:U\n";
/// let db = types_db::load_into(text, &mut sets, &mut sources).unwrap();
/// assert_eq!(db.as_slice().len(), 2);
/// assert_eq!(db.get(b"b").unwrap().sources[0].ds_type, collie_core::DsType::Counter);
/// ```
pub fn load_into<'a, 'b>(
    text: &'a str,
    sets: &'b mut [DataSet<'b>],
    sources: &'b mut [DataSource<'a>],
) -> Result<Sorted<'b>, TypesDbError> {
    let mut free = sources;
    let mut count = 0;
    for def in TypesDb::new(text) {
        let def = def?;
        let no_room = TypesDbError {
            line: def.line(),
            column: 1,
            kind: ErrorKind::NoRoom,
        };
        if def.len() > free.len() {
            return Err(no_room);
        }
        let (head, tail) = core::mem::take(&mut free).split_at_mut(def.len());
        free = tail;
        for (slot, source) in head.iter_mut().zip(def.sources()) {
            *slot = source;
        }
        *sets.get_mut(count).ok_or(no_room)? = DataSet {
            name: def.name(),
            sources: head,
        };
        count += 1;
    }
    // The sources were handed out in file order, so their place in the one
    // buffer orders definitions of one name: sort by name, then by that.
    let sets = &mut sets[..count];
    sets.sort_unstable_by(|a, b| {
        a.name
            .cmp(b.name)
            .then(a.sources.as_ptr().cmp(&b.sources.as_ptr()))
    });
    // Keep the last of every run of equal names.
    let mut kept = 0;
    for i in 0..sets.len() {
        if sets
            .get(i + 1)
            .is_some_and(|next| next.name == sets[i].name)
        {
            continue;
        }
        sets.swap(kept, i);
        kept += 1;
    }
    Ok(Sorted::assume_sorted(&sets[..kept]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::DataSets;
    use std::vec::Vec;

    fn parse(text: &str) -> Vec<Result<(std::string::String, Vec<DataSource<'_>>), TypesDbError>> {
        TypesDb::new(text)
            .map(|d| d.map(|d| (d.name().into(), d.sources().collect())))
            .collect()
    }

    #[test]
    fn parses_names_types_and_limits() {
        let text = "\
# a comment
   # an indented comment

if_octets\trx:DERIVE:0:U, tx:DERIVE:0:U
load  shortterm:gauge:0:5000,\tmidterm:Gauge:0:5000,  longterm:GAUGE:0:5000\r
delay value:GAUGE:-1000000:1e6
memory value:GAUGE:0:281474976710656
counter value:COUNTER:u:U
";
        let defs = parse(text);
        assert_eq!(defs.len(), 5);
        let (name, sources) = defs[0].clone().unwrap();
        assert_eq!(name, "if_octets");
        assert_eq!(sources.len(), 2);
        assert_eq!(sources[0].name, "rx");
        assert_eq!(sources[1].name, "tx");
        assert_eq!(sources[1].ds_type, DsType::Derive);
        assert_eq!(sources[1].min, 0.0);
        assert!(sources[1].max.is_nan());
        let (_, load) = defs[1].clone().unwrap();
        assert_eq!(
            load.iter().map(|s| s.name).collect::<Vec<_>>(),
            ["shortterm", "midterm", "longterm"]
        );
        assert!(
            load.iter()
                .all(|s| s.ds_type == DsType::Gauge && s.max == 5000.0)
        );
        let (_, delay) = defs[2].clone().unwrap();
        assert_eq!((delay[0].min, delay[0].max), (-1e6, 1e6));
        assert_eq!(defs[3].clone().unwrap().1[0].max, 281_474_976_710_656.0);
        let (_, counter) = defs[4].clone().unwrap();
        assert_eq!(counter[0].ds_type, DsType::Counter);
        assert!(counter[0].min.is_nan() && counter[0].max.is_nan());
    }

    #[test]
    fn reports_line_numbers() {
        let defs: Vec<_> = TypesDb::new("# c\n\na v:GAUGE:0:U\n\nb v:GAUGE:0:U\n").collect();
        assert_eq!(defs[0].as_ref().unwrap().line(), 3);
        assert_eq!(defs[1].as_ref().unwrap().line(), 5);
    }

    #[test]
    fn rejects_malformed_lines() {
        let err = |text: &str| TypesDb::new(text).next().unwrap().unwrap_err();
        let at = |line, kind| (line, kind);
        let err = |text: &str| {
            let e = err(text);
            (e.line, e.kind)
        };
        assert_eq!(err("\nlonely\n"), at(2, ErrorKind::NoSources));
        assert_eq!(
            err("x v:GAUGE:0"),
            at(1, ErrorKind::SourceFields { index: 0 })
        );
        assert_eq!(
            err("x v:GAUGE:0:U:U"),
            at(1, ErrorKind::SourceFields { index: 0 })
        );
        assert_eq!(
            err("x :GAUGE:0:U"),
            at(1, ErrorKind::SourceFields { index: 0 })
        );
        assert_eq!(
            err("x a:GAUGE:0:U, ,"),
            at(1, ErrorKind::SourceFields { index: 1 })
        );
        assert_eq!(
            err("x a:GAUGE:0:U,b:GAUGE:0:U"),
            at(1, ErrorKind::SourceFields { index: 0 })
        );
        assert_eq!(
            err("x a:GAUGE:0:U b:FLOAT:0:U"),
            at(1, ErrorKind::UnknownType { index: 1 })
        );
        assert_eq!(
            err("x v:GAUGE:zero:U"),
            at(1, ErrorKind::BadMin { index: 0 })
        );
        assert_eq!(err("x v:GAUGE:0:"), at(1, ErrorKind::BadMax { index: 0 }));
        // The iterator goes on after an error.
        let mut it = TypesDb::new("bad\ngood v:GAUGE:U:U\n");
        assert!(it.next().unwrap().is_err());
        assert_eq!(it.next().unwrap().unwrap().name(), "good");
        assert!(it.next().is_none());
        let e = TypesDbError {
            line: 7,
            column: 3,
            kind: ErrorKind::BadMax { index: 1 },
        };
        let shown = std::format!("{e}");
        assert_eq!(
            shown,
            "types.db line 7, column 3: data source 2 has a bad maximum"
        );
    }

    #[test]
    fn fill_uses_a_caller_buffer() {
        let def = TypesDb::new("disk_ops read:DERIVE:0:U, write:DERIVE:0:U")
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(def.len(), 2);
        assert!(!def.is_empty());
        assert_eq!(def.sources().len(), 2);
        let mut small = [DataSource::EMPTY; 1];
        assert!(def.fill(&mut small).is_none());
        let mut buf = [DataSource::EMPTY; 3];
        let set = def.fill(&mut buf).unwrap();
        assert_eq!(set.name, "disk_ops");
        assert_eq!(set.sources.len(), 2);
        assert_eq!(set.sources[1].name, "write");
    }

    #[test]
    fn load_into_dedups_sorts_and_reports_no_room() {
        let text = "z v:GAUGE:0:U\nm a:GAUGE:0:U b:GAUGE:0:U\nz w:DERIVE:0:U\n";
        // One slot per definition, the replaced one included.
        let mut sets = [DataSet::EMPTY; 2];
        let mut sources = [DataSource::EMPTY; 4];
        let err = load_into(text, &mut sets, &mut sources).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NoRoom);
        let mut sets = [DataSet::EMPTY; 3];
        let mut sources = [DataSource::EMPTY; 4];
        let db = load_into(text, &mut sets, &mut sources).unwrap();
        let names: Vec<_> = db.as_slice().iter().map(|s| s.name).collect();
        assert_eq!(names, ["m", "z"]);
        assert_eq!(db.get(b"z").unwrap().sources[0].name, "w");

        let mut sets = [DataSet::EMPTY; 1];
        let mut sources = [DataSource::EMPTY; 8];
        let err = load_into(text, &mut sets, &mut sources).unwrap_err();
        assert_eq!(
            err,
            TypesDbError {
                line: 2,
                column: 1,
                kind: ErrorKind::NoRoom
            }
        );

        let mut sets = [DataSet::EMPTY; 4];
        let mut sources = [DataSource::EMPTY; 2];
        let err = load_into(text, &mut sets, &mut sources).unwrap_err();
        assert_eq!(
            err,
            TypesDbError {
                line: 2,
                column: 1,
                kind: ErrorKind::NoRoom
            }
        );

        let mut sets = [DataSet::EMPTY; 4];
        let mut sources = [DataSource::EMPTY; 8];
        let err = load_into("a v:GAUGE:0:U\nb\n", &mut sets, &mut sources).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NoSources);
    }

    #[test]
    fn from_utf8_checks_encoding() {
        assert!(TypesDb::from_utf8(b"a v:GAUGE:0:U\n").is_ok());
        assert!(TypesDb::from_utf8(b"a\xff v:GAUGE:0:U\n").is_err());
    }

    /// Parse collectd's own `types.db`, where installed: every line must parse.
    #[test]
    fn parses_installed_types_db() {
        let Ok(text) = std::fs::read_to_string("/usr/share/collectd/types.db") else {
            return;
        };
        let defs: Vec<_> = TypesDb::new(&text).collect::<Result<_, _>>().unwrap();
        assert_eq!(defs.len(), 366);
        let sources: usize = defs.iter().map(Definition::len).sum();
        assert_eq!(sources, 419);
        assert!(defs.iter().all(|d| d.sources().count() == d.len()));

        let mut sets = std::boxed::Box::new([DataSet::EMPTY; 400]);
        let mut buf = std::boxed::Box::new([DataSource::EMPTY; 450]);
        let db = load_into(&text, &mut sets[..], &mut buf[..]).unwrap();
        assert_eq!(db.as_slice().len(), 366);
        let mysql = db.get(b"mysql_qcache").unwrap();
        assert_eq!(mysql.sources.len(), 5);
    }

    #[test]
    fn many_definitions_load_in_n_log_n_and_the_last_of_a_name_wins() {
        use std::string::String;
        use std::vec::Vec;
        let n = 40_000;
        let mut text = String::new();
        for i in 0..n {
            text.push_str(&std::format!("t{i} value:GAUGE:0:U\n"));
        }
        text.push_str("t7 value:DERIVE:0:U\n");
        let mut sets: Vec<DataSet<'_>> = std::vec![DataSet::EMPTY; n + 1];
        let mut sources: Vec<DataSource<'_>> = std::vec![DataSource::EMPTY; n + 1];
        let started = std::time::Instant::now();
        let db = load_into(&text, &mut sets, &mut sources).unwrap();
        let took = started.elapsed();
        assert_eq!(db.as_slice().len(), n);
        assert_eq!(db.get(b"t7").unwrap().sources[0].ds_type, DsType::Derive);
        assert_eq!(db.get(b"t39999").unwrap().sources[0].ds_type, DsType::Gauge);
        assert!(db.as_slice().windows(2).all(|w| w[0].name < w[1].name));
        // A quadratic duplicate search took seconds here; this takes milliseconds.
        assert!(took < std::time::Duration::from_secs(2), "{took:?}");
    }

    #[test]
    fn errors_point_at_their_column() {
        let err = |text: &str| TypesDb::new(text).next().unwrap().unwrap_err();
        let e = err("if_octets rx:DERIVE:0:U, tx:DERVE:0:U");
        assert_eq!((e.line, e.column), (1, 26));
        assert_eq!(
            e.to_string(),
            "types.db line 1, column 26: data source 2 has an unknown type"
        );
        let e = err("\n  lonely  \n");
        assert_eq!((e.line, e.column), (2, 9));
    }
}
