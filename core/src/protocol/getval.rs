//! GETVAL: `GETVAL <identifier>`, and LISTVAL, which takes no arguments.

use crate::dataset::DataSet;

use super::command::Lookup;
use super::error::Error;
use super::identifier::Identifier;
use super::tokenize::Fields;

/// A validated GETVAL: an identifier whose type names a known data set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Getval<'a> {
    identifier: Identifier<'a>,
    data_set: &'a DataSet<'a>,
}

impl<'a> Getval<'a> {
    /// Parse and validate the arguments after the `GETVAL` word.
    pub(crate) fn parse(mut args: Fields<'a>, types: &Lookup<'_, 'a>) -> Result<Self, Error<'a>> {
        let raw = args.next().ok_or(Error::MissingIdentifier)?;
        if let Some(garbage) = args.next() {
            return Err(Error::GarbageAfterIdentifier(garbage));
        }
        let identifier = Identifier::parse(raw).ok_or(Error::CannotParseIdentifier(raw))?;
        let data_set = types(identifier.type_).ok_or(Error::TypeUnknown(identifier.type_))?;
        Ok(Getval {
            identifier,
            data_set,
        })
    }

    /// Return the identifier asked for; look it up by its `raw` bytes, as collectd does.
    pub fn identifier(&self) -> &Identifier<'a> {
        &self.identifier
    }

    /// Return the data set named by the identifier's type.
    pub fn data_set(&self) -> &'a DataSet<'a> {
        self.data_set
    }
}

/// Check that LISTVAL has no arguments.
pub(crate) fn parse_listval(mut args: Fields<'_>) -> Result<(), Error<'_>> {
    match args.next() {
        Some(garbage) => Err(Error::GarbageAfterCommand(garbage)),
        None => Ok(()),
    }
}
