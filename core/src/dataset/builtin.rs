//! A built-in table of common data sets, as collectd's `types.db` defines them.
//!
//! The table covers the types that collectd's own plugins use most (`gauge`,
//! `derive`, `percent`, `if_octets`, `load`, `memory`, `df_complex`, …) with
//! the same names, data-source names, types and limits, so values sent by
//! existing collectd clients read back the same. For anything else, load a
//! `types.db` with [`types_db`](super::types_db) and put it over this table
//! with [`Overlay`](super::Overlay).

use super::{DataSet, DataSets, DataSource};
use crate::value::DsType;

/// An unbounded limit (`U` in `types.db`).
const U: f64 = f64::NAN;

macro_rules! sets {
    ($($name:literal => [$($ds:literal $t:ident $min:expr, $max:expr);+],)*) => {
        &[$(DataSet {
            name: $name,
            sources: &[$(DataSource::new($ds, DsType::$t, $min, $max)),+],
        }),*]
    };
}

/// The built-in data sets, sorted by name in byte order.
pub const SETS: &[DataSet<'static>] = sets! {
    "absolute" => ["value" Absolute 0.0, U],
    "bytes" => ["value" Gauge 0.0, U],
    "cache_ratio" => ["value" Gauge 0.0, 100.0],
    "cache_result" => ["value" Derive 0.0, U],
    "capacity" => ["value" Gauge 0.0, U],
    "charge" => ["value" Gauge 0.0, U],
    "connections" => ["value" Derive 0.0, U],
    "contextswitch" => ["value" Derive 0.0, U],
    "count" => ["value" Gauge 0.0, U],
    "counter" => ["value" Counter U, U],
    "cpu" => ["value" Derive 0.0, U],
    "cpufreq" => ["value" Gauge 0.0, U],
    "current" => ["value" Gauge U, U],
    "current_connections" => ["value" Gauge 0.0, U],
    "delay" => ["value" Gauge -1000000.0, 1000000.0],
    "derive" => ["value" Derive 0.0, U],
    "df_complex" => ["value" Gauge 0.0, U],
    "df_inodes" => ["value" Gauge 0.0, U],
    "disk_io_time" => ["io_time" Derive 0.0, U; "weighted_io_time" Derive 0.0, U],
    "disk_latency" => ["read" Gauge 0.0, U; "write" Gauge 0.0, U],
    "disk_merged" => ["read" Derive 0.0, U; "write" Derive 0.0, U],
    "disk_octets" => ["read" Derive 0.0, U; "write" Derive 0.0, U],
    "disk_ops" => ["read" Derive 0.0, U; "write" Derive 0.0, U],
    "disk_time" => ["read" Derive 0.0, U; "write" Derive 0.0, U],
    "duration" => ["seconds" Gauge 0.0, U],
    "energy" => ["value" Gauge U, U],
    "entropy" => ["value" Gauge 0.0, 4294967295.0],
    "fanspeed" => ["value" Gauge 0.0, U],
    "file_size" => ["value" Gauge 0.0, U],
    "files" => ["value" Gauge 0.0, U],
    "fork_rate" => ["value" Derive 0.0, U],
    "frequency" => ["value" Gauge 0.0, U],
    "gauge" => ["value" Gauge U, U],
    "humidity" => ["value" Gauge 0.0, 100.0],
    "if_collisions" => ["value" Derive 0.0, U],
    "if_dropped" => ["rx" Derive 0.0, U; "tx" Derive 0.0, U],
    "if_errors" => ["rx" Derive 0.0, U; "tx" Derive 0.0, U],
    "if_octets" => ["rx" Derive 0.0, U; "tx" Derive 0.0, U],
    "if_packets" => ["rx" Derive 0.0, U; "tx" Derive 0.0, U],
    "io_octets" => ["rx" Derive 0.0, U; "tx" Derive 0.0, U],
    "io_packets" => ["rx" Derive 0.0, U; "tx" Derive 0.0, U],
    "irq" => ["value" Derive 0.0, U],
    "latency" => ["value" Gauge 0.0, U],
    "load" => ["shortterm" Gauge 0.0, 5000.0; "midterm" Gauge 0.0, 5000.0; "longterm" Gauge 0.0, 5000.0],
    "memory" => ["value" Gauge 0.0, 281474976710656.0],
    "objects" => ["value" Gauge 0.0, U],
    "operations" => ["value" Derive 0.0, U],
    "packets" => ["value" Derive 0.0, U],
    "percent" => ["value" Gauge 0.0, 100.1],
    "percent_bytes" => ["value" Gauge 0.0, 100.1],
    "percent_inodes" => ["value" Gauge 0.0, 100.1],
    "ping" => ["value" Gauge 0.0, 65535.0],
    "ping_droprate" => ["value" Gauge 0.0, 1.0],
    "ping_stddev" => ["value" Gauge 0.0, 65535.0],
    "power" => ["value" Gauge U, U],
    "pressure" => ["value" Gauge 0.0, U],
    "ps_code" => ["value" Gauge 0.0, 9223372036854775807.0],
    "ps_count" => ["processes" Gauge 0.0, 1000000.0; "threads" Gauge 0.0, 1000000.0],
    "ps_cputime" => ["user" Derive 0.0, U; "syst" Derive 0.0, U],
    "ps_data" => ["value" Gauge 0.0, 9223372036854775807.0],
    "ps_disk_octets" => ["read" Derive 0.0, U; "write" Derive 0.0, U],
    "ps_disk_ops" => ["read" Derive 0.0, U; "write" Derive 0.0, U],
    "ps_pagefaults" => ["minflt" Derive 0.0, U; "majflt" Derive 0.0, U],
    "ps_rss" => ["value" Gauge 0.0, 9223372036854775807.0],
    "ps_stacksize" => ["value" Gauge 0.0, 9223372036854775807.0],
    "ps_state" => ["value" Gauge 0.0, 65535.0],
    "ps_vm" => ["value" Gauge 0.0, 9223372036854775807.0],
    "queue_length" => ["value" Gauge 0.0, U],
    "requests" => ["value" Gauge 0.0, U],
    "response_time" => ["value" Gauge 0.0, U],
    "signal_noise" => ["value" Gauge U, 0.0],
    "signal_power" => ["value" Gauge U, 0.0],
    "swap" => ["value" Gauge 0.0, 1099511627776.0],
    "swap_io" => ["value" Derive 0.0, U],
    "temperature" => ["value" Gauge U, U],
    "threads" => ["value" Gauge 0.0, U],
    "time_offset" => ["value" Gauge -1000000.0, 1000000.0],
    "timeleft" => ["value" Gauge 0.0, U],
    "total_bytes" => ["value" Derive 0.0, U],
    "total_operations" => ["value" Derive 0.0, U],
    "total_requests" => ["value" Derive 0.0, U],
    "total_time_in_ms" => ["value" Derive 0.0, U],
    "total_values" => ["value" Derive 0.0, U],
    "uptime" => ["value" Gauge 0.0, 4294967295.0],
    "users" => ["value" Gauge 0.0, 65535.0],
    "vmpage_faults" => ["minflt" Derive 0.0, U; "majflt" Derive 0.0, U],
    "vmpage_io" => ["in" Derive 0.0, U; "out" Derive 0.0, U],
    "vmpage_number" => ["value" Gauge 0.0, 4294967295.0],
    "voltage" => ["value" Gauge U, U],
};

/// The built-in table as a [`DataSets`] lookup.
pub const BUILTIN: Builtin = Builtin;

/// A lookup over [`SETS`] by a perfect hash built at compile time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Builtin;

/// The hash table has `1 << HASH_BITS` slots.
const HASH_BITS: u32 = 10;

/// A slot that holds no set.
const NO_SET: u8 = u8::MAX;

/// Pack what tells the built-in names apart: the length and six of the bytes.
///
/// `None` for names shorter than two bytes, of which the table has none.
#[inline(always)]
const fn key(name: &[u8]) -> Option<u64> {
    let ([first, second, ..], [.., before_last, last]) = (name, name) else {
        return None;
    };
    let (_, [middle, ..]) = name.split_at(name.len() / 2) else {
        return None;
    };
    Some(
        name.len() as u64
            | (*first as u64) << 8
            | (*second as u64) << 16
            | (*middle as u64) << 24
            | (*before_last as u64) << 32
            | (*last as u64) << 40,
    )
}

/// Return the slot of `key` for the multiplier `mul`.
#[inline(always)]
const fn slot(key: u64, mul: u64) -> usize {
    (key.wrapping_mul(mul) >> (64 - HASH_BITS)) as usize
}

/// Find a multiplier that puts every name of [`SETS`] in a slot of its own, and the table it gives.
const fn perfect_hash() -> (u64, [u8; 1 << HASH_BITS]) {
    assert!(SETS.len() < NO_SET as usize, "too many built-in sets");
    let mut seed: u64 = 1;
    loop {
        let mul = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut table = [NO_SET; 1 << HASH_BITS];
        let mut i = 0;
        while i < SETS.len() {
            let Some(key) = key(SETS[i].name.as_bytes()) else {
                panic!("a built-in set name is shorter than two bytes");
            };
            let slot = slot(key, mul);
            if table[slot] != NO_SET {
                break;
            }
            table[slot] = i as u8;
            i += 1;
        }
        if i == SETS.len() {
            return (mul, table);
        }
        assert!(seed < 10_000, "no perfect hash for the built-in sets");
        seed += 1;
    }
}

/// The multiplier and the slots of the perfect hash: each slot holds an index into [`SETS`] or [`NO_SET`].
const HASH: (u64, [u8; 1 << HASH_BITS]) = perfect_hash();

impl Builtin {
    /// Return the built-in data sets, sorted by name.
    pub const fn sets(&self) -> &'static [DataSet<'static>] {
        SETS
    }

    /// Return the built-in data set called `name`.
    #[inline]
    pub fn find(&self, name: &[u8]) -> Option<&'static DataSet<'static>> {
        let index = HASH.1.get(slot(key(name)?, HASH.0))?;
        let set = SETS.get(usize::from(*index))?;
        same_name(set.name.as_bytes(), name).then_some(set)
    }
}

/// Compare two names, as whole words where they are short.
#[inline(always)]
fn same_name(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    // Two overlapping words cover names of 8 to 16 bytes, two halves 4 to 7.
    if (8..=16).contains(&a.len()) {
        return a.first_chunk::<8>() == b.first_chunk::<8>()
            && a.last_chunk::<8>() == b.last_chunk::<8>();
    }
    if (4..8).contains(&a.len()) {
        return a.first_chunk::<4>() == b.first_chunk::<4>()
            && a.last_chunk::<4>() == b.last_chunk::<4>();
    }
    a == b
}

impl DataSets for Builtin {
    #[inline]
    fn get(&self, name: &[u8]) -> Option<&DataSet<'_>> {
        self.find(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::types_db::TypesDb;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(crate::dataset::Sorted::new(SETS).is_some());
        assert!(SETS.len() >= 80);
        for set in SETS {
            assert!(!set.sources.is_empty(), "{}", set.name);
            assert!(BUILTIN.find(set.name.as_bytes()).unwrap().same_as(set));
        }
        assert!(BUILTIN.find(b"no_such_type").is_none());
        assert!(BUILTIN.find(b"").is_none());
        assert!(BUILTIN.find(b"x").is_none());
        assert!(BUILTIN.find(b"loaf").is_none());
        assert!(BUILTIN.find(b"if_octetz").is_none());
    }

    #[test]
    fn key_definitions() {
        let get = |n: &str| *BUILTIN.get(n.as_bytes()).unwrap();
        let if_octets = get("if_octets");
        assert_eq!(if_octets.sources.len(), 2);
        assert_eq!(
            (if_octets.sources[0].name, if_octets.sources[1].name),
            ("rx", "tx")
        );
        assert_eq!(if_octets.sources[1].ds_type, DsType::Derive);
        assert_eq!(if_octets.sources[1].min, 0.0);
        assert!(if_octets.sources[1].max.is_nan());
        let load = get("load");
        let names: std::vec::Vec<_> = load.sources.iter().map(|s| s.name).collect();
        assert_eq!(names, ["shortterm", "midterm", "longterm"]);
        assert!(
            load.sources
                .iter()
                .all(|s| s.max == 5000.0 && s.ds_type == DsType::Gauge)
        );
        assert_eq!(get("percent").sources[0].max, 100.1);
        assert_eq!(get("memory").sources[0].max, 281_474_976_710_656.0);
        assert_eq!(get("uptime").sources[0].max, 4_294_967_295.0);
        let counter = get("counter").sources[0];
        assert_eq!(counter.ds_type, DsType::Counter);
        assert!(counter.min.is_nan() && counter.max.is_nan());
        assert_eq!(get("absolute").sources[0].ds_type, DsType::Absolute);
        assert_eq!(get("derive").sources[0].min, 0.0);
        assert_eq!(get("delay").sources[0].min, -1_000_000.0);
    }

    #[test]
    fn required_types_are_present() {
        for name in [
            "gauge",
            "derive",
            "counter",
            "absolute",
            "percent",
            "temperature",
            "voltage",
            "current",
            "memory",
            "cpu",
            "load",
            "df_complex",
            "disk_octets",
            "disk_ops",
            "if_octets",
            "if_packets",
            "if_errors",
            "if_dropped",
            "ps_state",
            "uptime",
            "users",
            "bytes",
            "count",
            "frequency",
            "latency",
            "power",
            "fanspeed",
            "threads",
            "total_bytes",
        ] {
            assert!(BUILTIN.get(name.as_bytes()).is_some(), "{name}");
        }
    }

    /// Check every built-in set against collectd's own `types.db`, where installed.
    #[test]
    fn matches_installed_types_db() {
        let Ok(text) = std::fs::read_to_string("/usr/share/collectd/types.db") else {
            return;
        };
        let mut seen = 0;
        for def in TypesDb::new(&text) {
            let def = def.unwrap();
            let Some(ours) = BUILTIN.find(def.name().as_bytes()) else {
                continue;
            };
            let theirs: std::vec::Vec<_> = def.sources().collect();
            let theirs = DataSet {
                name: def.name(),
                sources: &theirs,
            };
            assert!(ours.same_as(&theirs), "{ours:?} != {theirs:?}");
            seen += 1;
        }
        assert_eq!(seen, SETS.len(), "some built-in sets are not in types.db");
    }
}
