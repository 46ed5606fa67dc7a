//! PUTVAL: `PUTVAL <identifier> [<option>|<value list>]…`.

use crate::dataset::{DataSet, DataSets};
use crate::time::Time;

use super::error::Error;
use super::identifier::Identifier;
use super::number::strtod;
use super::option::split_option;
use super::tokenize::Fields;
use super::values::{self, ValueList};

/// A validated PUTVAL: every value list in it parses and fits its data set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Putval<'a> {
    identifier: Identifier<'a>,
    data_set: &'a DataSet<'a>,
    args: Fields<'a>,
}

impl<'a> Putval<'a> {
    /// Parse and validate the arguments after the `PUTVAL` word.
    pub(crate) fn parse<D: DataSets + ?Sized>(
        mut args: Fields<'a>,
        types: &'a D,
    ) -> Result<Self, Error<'a>> {
        let raw = args.next().ok_or(Error::MissingIdentifierOrValues)?;
        if args.is_empty() {
            return Err(Error::MissingIdentifierOrValues);
        }
        let identifier = Identifier::parse(raw).ok_or(Error::CannotParseIdentifier(raw))?;
        if identifier.is_too_long() {
            return Err(Error::IdentifierTooLong);
        }
        let data_set = types
            .get(identifier.type_)
            .ok_or(Error::TypeNotDefined(identifier.type_))?;
        for field in args {
            // A valid value list holds no `=`, so it is never an option.
            let quick = values::check_quick(field, data_set);
            if quick != Some(true)
                && split_option(field).is_none()
                && (quick == Some(false) || !values::check_full(field, data_set))
            {
                return Err(Error::ParsingValuesFailed);
            }
        }
        Ok(Putval {
            identifier,
            data_set,
            args,
        })
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

/// Read an `interval=` value: `None` if collectd would ignore it, else the new interval.
///
/// collectd takes a positive `strtod` prefix and silently ignores anything
/// else; an interval too short to be represented means "the default".
fn parse_interval(value: &[u8]) -> Option<Option<Time>> {
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
