//! Data sets: the shape of the values behind each collectd type.
//!
//! A data set names one or more data sources, each with a [`DsType`] and a
//! valid range. collectd reads them from `types.db`; collie has a built-in
//! table of the common ones ([`builtin`]) and parses `types.db` text without
//! allocating ([`types_db`]).

use crate::value::DsType;

/// One data source of a data set, such as `rx:DERIVE:0:U`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DataSource<'a> {
    /// The name GETVAL prints before `=`.
    pub name: &'a str,
    /// How values of this source become rates.
    pub ds_type: DsType,
    /// The smallest valid rate; NaN when unbounded (`U`).
    pub min: f64,
    /// The largest valid rate; NaN when unbounded (`U`).
    pub max: f64,
}

impl<'a> DataSource<'a> {
    /// Build a data source; pass `f64::NAN` for an unbounded limit.
    pub const fn new(name: &'a str, ds_type: DsType, min: f64, max: f64) -> Self {
        DataSource { name, ds_type, min, max }
    }
}

/// A named list of data sources, one line of `types.db`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DataSet<'a> {
    /// The type name used in identifiers, such as `if_octets`.
    pub name: &'a str,
    /// The data sources, in the order values are given.
    pub sources: &'a [DataSource<'a>],
}

/// A lookup from type name to data set.
pub trait DataSets {
    /// Return the data set called `name`, if there is one.
    fn get(&self, name: &[u8]) -> Option<&DataSet<'_>>;
}

impl<T: DataSets + ?Sized> DataSets for &T {
    fn get(&self, name: &[u8]) -> Option<&DataSet<'_>> {
        (**self).get(name)
    }
}
