//! Data sets: the shape of the values behind each collectd type.
//!
//! A data set names one or more data sources, each with a [`DsType`] and a
//! valid range. collectd reads them from `types.db`; collie has a built-in
//! table of the common ones ([`builtin`]) and parses `types.db` text without
//! allocating ([`types_db`]).
//!
//! Lookups go through the [`DataSets`] trait. [`Builtin`] answers from the
//! built-in table, [`Sorted`] from any sorted slice (such as one filled by
//! [`types_db::load_into`]), a plain slice by a linear search in which the
//! last definition of a name wins, and [`Overlay`] lets one lookup override
//! another, so a `types.db` loaded at run time can shadow the built-ins.

pub mod builtin;
pub mod types_db;

pub use builtin::{BUILTIN, Builtin};

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
    /// A placeholder source (`:GAUGE:U:U` with an empty name) to fill buffers with.
    pub const EMPTY: DataSource<'static> = DataSource::new("", DsType::Gauge, f64::NAN, f64::NAN);

    /// Build a data source; pass `f64::NAN` for an unbounded limit.
    pub const fn new(name: &'a str, ds_type: DsType, min: f64, max: f64) -> Self {
        DataSource {
            name,
            ds_type,
            min,
            max,
        }
    }

    /// Return `rate`, or NaN if it lies outside `min..=max` (collectd's `uc_check_range`).
    ///
    /// A NaN limit is no limit, and a NaN rate stays NaN.
    pub fn clamp_rate(&self, rate: f64) -> f64 {
        if rate < self.min || rate > self.max {
            f64::NAN
        } else {
            rate
        }
    }

    /// Return whether `other` has the same name, type and limits (NaN limits compare equal).
    pub fn same_as(&self, other: &DataSource<'_>) -> bool {
        fn same(a: f64, b: f64) -> bool {
            a == b || (a.is_nan() && b.is_nan())
        }
        self.name == other.name
            && self.ds_type == other.ds_type
            && same(self.min, other.min)
            && same(self.max, other.max)
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

impl DataSet<'_> {
    /// A placeholder set with no name and no sources, to fill buffers with.
    pub const EMPTY: DataSet<'static> = DataSet {
        name: "",
        sources: &[],
    };

    /// Return whether both sets have the same name and equal sources (NaN limits compare equal).
    pub fn same_as(&self, other: &DataSet<'_>) -> bool {
        self.name == other.name
            && self.sources.len() == other.sources.len()
            && self
                .sources
                .iter()
                .zip(other.sources)
                .all(|(a, b)| a.same_as(b))
    }
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

/// Search the slice from its end, so a later definition of a name replaces an
/// earlier one as in collectd. This is linear; prefer [`Sorted`] for large sets.
///
/// Slices have an inherent `get`, so call this as `DataSets::get(slice, name)`.
impl DataSets for [DataSet<'_>] {
    fn get(&self, name: &[u8]) -> Option<&DataSet<'_>> {
        self.iter().rev().find(|s| s.name.as_bytes() == name)
    }
}

impl<const M: usize> DataSets for [DataSet<'_>; M] {
    fn get(&self, name: &[u8]) -> Option<&DataSet<'_>> {
        DataSets::get(&self[..], name)
    }
}

/// A slice of data sets sorted by name without duplicates, searched by bisection.
#[derive(Debug, Clone, Copy)]
pub struct Sorted<'a> {
    sets: &'a [DataSet<'a>],
}

impl<'a> Sorted<'a> {
    /// Wrap `sets` if their names are strictly increasing in byte order.
    pub fn new(sets: &'a [DataSet<'a>]) -> Option<Sorted<'a>> {
        let ok = sets
            .windows(2)
            .all(|w| w[0].name.as_bytes() < w[1].name.as_bytes());
        ok.then_some(Sorted { sets })
    }

    /// Wrap `sets` without checking the order; an unsorted slice makes lookups miss.
    pub const fn assume_sorted(sets: &'a [DataSet<'a>]) -> Sorted<'a> {
        Sorted { sets }
    }

    /// Sort `sets` by name in place and wrap them; of equal names an arbitrary one is found.
    pub fn sort(sets: &'a mut [DataSet<'_>]) -> Sorted<'a> {
        sets.sort_unstable_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        Sorted { sets }
    }

    /// Return the data sets in name order.
    pub const fn as_slice(&self) -> &'a [DataSet<'a>] {
        self.sets
    }

    /// Return the data set called `name`, keeping the slice's lifetime.
    pub fn find(&self, name: &[u8]) -> Option<&'a DataSet<'a>> {
        let i = self
            .sets
            .binary_search_by(|s| s.name.as_bytes().cmp(name))
            .ok()?;
        self.sets.get(i)
    }
}

impl DataSets for Sorted<'_> {
    fn get(&self, name: &[u8]) -> Option<&DataSet<'_>> {
        self.find(name)
    }
}

/// Two lookups in one: `top` is asked first and `base` only for names `top` lacks.
///
/// ```
/// use collie_core::dataset::{BUILTIN, DataSet, DataSets, DataSource, Overlay};
/// use collie_core::DsType;
///
/// let mine = [DataSet {
///     name: "gauge",
///     sources: &[DataSource::new("value", DsType::Gauge, 0.0, 1.0)],
/// }];
/// let sets = Overlay::new(&mine, BUILTIN);
/// assert_eq!(sets.get(b"gauge").unwrap().sources[0].max, 1.0);
/// assert_eq!(sets.get(b"if_octets").unwrap().sources.len(), 2);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Overlay<T, B> {
    /// The lookup that wins.
    pub top: T,
    /// The lookup asked when `top` has no answer.
    pub base: B,
}

impl<T, B> Overlay<T, B> {
    /// Put `top` over `base`.
    pub const fn new(top: T, base: B) -> Self {
        Overlay { top, base }
    }
}

impl<T: DataSets, B: DataSets> DataSets for Overlay<T, B> {
    fn get(&self, name: &[u8]) -> Option<&DataSet<'_>> {
        self.top.get(name).or_else(|| self.base.get(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A1: DataSet<'static> = DataSet {
        name: "a",
        sources: &[DataSource::new("v", DsType::Gauge, 0.0, 1.0)],
    };
    const A2: DataSet<'static> = DataSet {
        name: "a",
        sources: &[DataSource::new("v", DsType::Derive, 0.0, f64::NAN)],
    };
    const B: DataSet<'static> = DataSet {
        name: "b",
        sources: &[DataSource::new("v", DsType::Counter, f64::NAN, f64::NAN)],
    };

    #[test]
    fn slice_lookup_prefers_the_last_definition() {
        let sets = [A1, B, A2];
        assert_eq!(sets.get(b"a").unwrap().sources[0].ds_type, DsType::Derive);
        assert_eq!(sets.get(b"b").unwrap().name, "b");
        assert!(sets.get(b"c").is_none());
    }

    #[test]
    fn sorted_checks_order_and_bisects() {
        assert!(Sorted::new(&[B, A1]).is_none());
        assert!(Sorted::new(&[A1, A2]).is_none());
        let mut sets = [B, A1];
        let sorted = Sorted::sort(&mut sets);
        assert_eq!(sorted.as_slice()[0].name, "a");
        assert_eq!(sorted.get(b"b").unwrap().name, "b");
        assert!(sorted.get(b"").is_none());
        let checked = Sorted::new(&[A1, B]).unwrap();
        assert!(checked.find(b"a").unwrap().same_as(&A1));
    }

    #[test]
    fn overlay_shadows_the_base() {
        let top = [A2];
        let base = [A1, B];
        let both = Overlay::new(&top[..], &base[..]);
        assert!(both.get(b"a").unwrap().same_as(&A2));
        assert!(both.get(b"b").unwrap().same_as(&B));
        assert!(both.get(b"c").is_none());
        assert!(Overlay::new(&top, BUILTIN).get(b"if_octets").is_some());
    }

    #[test]
    fn clamp_rate_treats_nan_as_unbounded() {
        let percent = DataSource::new("value", DsType::Gauge, 0.0, 100.1);
        assert_eq!(percent.clamp_rate(100.1), 100.1);
        assert!(percent.clamp_rate(150.0).is_nan());
        assert!(percent.clamp_rate(-0.5).is_nan());
        assert!(percent.clamp_rate(f64::NAN).is_nan());
        let free = DataSource::new("value", DsType::Gauge, f64::NAN, f64::NAN);
        assert_eq!(free.clamp_rate(-1e300), -1e300);
        assert_eq!(free.clamp_rate(f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn same_as_compares_nan_limits_equal() {
        assert!(B.same_as(&B));
        assert!(!A1.same_as(&A2));
    }
}
