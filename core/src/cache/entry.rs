//! One cached value: its last raw values, their rates and its times, stored as a record of bytes.
//!
//! # Record layout
//!
//! Each identifier's record lies in the cache's record area, sized by its
//! key and its number of values `n`: [`record_len`] = 48 + key bytes + 16
//! × `n`. Every field is little-endian; nothing is aligned, so a record
//! follows the one before it with no padding.
//!
//! | bytes | field |
//! |---|---|
//! | 0..8 | the time of the last value |
//! | 8..16 | the interval it came with |
//! | 16..24 | the local time of the last update |
//! | 24..32 | one past the change-journal position last noted at, 0 for never |
//! | 32..36 | the key's hash, to rebuild the hash table without hashing again |
//! | 36..38 | the [`Origin`] |
//! | 38 | `n` |
//! | 39 | unused, 0 |
//! | 40..42 | the values' types, two bits each |
//! | 42..44 | the key's length |
//! | 44..48 | the record's place in insertion order, which the change journal notes |
//! | 48.. | the key, then `n` rates (`f64`), then `n` raw values (64-bit patterns) |
//!
//! A lookup compares the key right after the header and an update writes
//! the values after the key: one record is all either reads.

use super::rate::{first_rate, rate};
use crate::dataset::DataSet;
use crate::time::Time;
use crate::value::{DsType, MAX_VALUES, Value};

/// The bytes of a record before its values.
pub const HEADER: usize = 48;

const TIME: usize = 0;
const INTERVAL: usize = 8;
const LAST_UPDATE: usize = 16;
const MARK: usize = 24;
const HASH: usize = 32;
const ORIGIN: usize = 36;
const LEN: usize = 38;
const TYPES: usize = 40;
const KEY_LEN: usize = 42;
const INDEX: usize = 44;

/// Return the bytes a record of `values` values under a key of `key` bytes takes.
pub const fn record_len(values: usize, key: usize) -> usize {
    HEADER + key + 16 * values
}

/// The cached state of one value, as GETVAL and LISTVAL see it: a view of its record.
#[derive(Clone, Copy)]
pub struct Entry<'c> {
    head: &'c Head,
    /// The key, then the rates, then the raw values.
    body: &'c [u8],
}

/// A record's header.
type Head = [u8; HEADER];

/// Who stored a value: a tag the caller chooses, kept with the entry so outputs can route by it.
///
/// The cache gives it no meaning; [`Origin::PROTOCOL`] (0) is what the
/// protocol [`Handler`](crate::Handler) stores with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Origin(pub u16);

impl Origin {
    /// Values from the plain text protocol (a socket client, an Exec program).
    pub const PROTOCOL: Origin = Origin(0);
}

impl<'c> Entry<'c> {
    /// View `record`, a whole record.
    #[inline]
    pub(super) fn new(record: &'c [u8]) -> Entry<'c> {
        let (head, body) = split(record);
        Entry { head, body }
    }

    /// Return the number of data sources.
    pub fn len(&self) -> usize {
        usize::from(self.head[LEN])
    }

    /// Return whether the entry has no data sources.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Return the rates GETVAL prints, one per data source; NaN where unknown or out of range.
    pub fn rates(&self) -> heapless::Vec<f64, MAX_VALUES> {
        let at = key_len(self.head);
        let mut rates = heapless::Vec::new();
        for i in 0..self.len().min(MAX_VALUES) {
            // At most MAX_VALUES: every push fits.
            let _ = rates.push(f64::from_bits(read_u64(self.body, at + 8 * i)));
        }
        rates
    }

    /// Return raw value `i` as last received.
    pub fn value(&self, i: usize) -> Option<Value> {
        (i < self.len()).then(|| load(self.head, self.body, i))
    }

    /// Iterate over the raw values as last received.
    pub fn values(&self) -> impl ExactSizeIterator<Item = Value> + 'c {
        let (head, body) = (self.head, self.body);
        (0..self.len()).map(move |i| load(head, body, i))
    }

    /// Return the time of the last value, which LISTVAL prints.
    pub fn time(&self) -> Time {
        Time(get_u64::<TIME>(self.head))
    }

    /// Return the interval the last value came with.
    pub fn interval(&self) -> Time {
        Time(get_u64::<INTERVAL>(self.head))
    }

    /// Return who stored the last value.
    pub fn origin(&self) -> Origin {
        Origin(get_u16::<ORIGIN>(self.head))
    }

    /// Return the local time of the last update, which expiry counts from.
    pub fn last_update(&self) -> Time {
        Time(get_u64::<LAST_UPDATE>(self.head))
    }

    /// Return whether the entry is due to expire: `now − last_update ≥ interval × timeout`.
    ///
    /// An entry with a zero interval is always due; otherwise a `now` before
    /// the last update never is.
    pub fn is_expired(&self, now: Time, timeout: u32) -> bool {
        let limit = self.interval().0.saturating_mul(u64::from(timeout));
        now.saturating_sub(self.last_update()).0 >= limit
    }
}

impl core::fmt::Debug for Entry<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Entry")
            .field("time", &self.time())
            .field("interval", &self.interval())
            .field("last_update", &self.last_update())
            .field("origin", &self.origin())
            .field("rates", &self.rates())
            .finish_non_exhaustive()
    }
}

impl PartialEq for Entry<'_> {
    /// Compare what GETVAL and LISTVAL see, raw values bit for bit.
    fn eq(&self, other: &Self) -> bool {
        self.head[..MARK] == other.head[..MARK]
            && self.head[ORIGIN..INDEX] == other.head[ORIGIN..INDEX]
            && self.body == other.body
    }
}

/// A value list on its way into a record: what the cache was given.
#[derive(Clone, Copy)]
pub(super) struct Incoming<'a> {
    pub(super) data_set: &'a DataSet<'a>,
    pub(super) time: Time,
    pub(super) interval: Time,
    /// One per data source, of its type; the cache checks.
    pub(super) values: &'a [Value],
    /// The local clock, which expiry counts from.
    pub(super) now: Time,
    pub(super) origin: Origin,
}

/// Write the record of a value's first sample (collectd's `uc_insert`) into `record`, which is [`record_len`] long.
///
/// The values must fit [`MAX_VALUES`]; the record is that of `key`, whose
/// hash is `hash`, at place `index` in insertion order.
pub(super) fn write_first(
    record: &mut [u8],
    incoming: &Incoming<'_>,
    hash: u32,
    key: &[u8],
    index: usize,
) {
    let values = incoming.values;
    let n = values.len();
    let (head, body) = split_mut(record);
    stamp(head, incoming);
    set_u64::<MARK>(head, 0);
    head[HASH..HASH + 4].copy_from_slice(&hash.to_le_bytes());
    head[LEN] = n as u8;
    head[LEN + 1] = 0;
    let types = values
        .iter()
        .enumerate()
        .fold(0u16, |t, (i, v)| t | (type_bits(v.ds_type()) << (2 * i)));
    head[TYPES..TYPES + 2].copy_from_slice(&types.to_le_bytes());
    head[KEY_LEN..KEY_LEN + 2].copy_from_slice(&(key.len() as u16).to_le_bytes());
    set_index(head, index);
    let (stored, rest) = body.split_at_mut(key.len());
    stored.copy_from_slice(key);
    for (i, (&v, ds)) in values.iter().zip(incoming.data_set.sources).enumerate() {
        let rate = ds.clamp_rate(first_rate(v, incoming.interval));
        write_u64(rest, 8 * i, rate.to_bits());
        write_u64(rest, 8 * (n + i), raw_bits(v));
    }
}

/// Take a later sample (collectd's `uc_update`); its time must be newer and its values of the same shape.
#[inline]
pub(super) fn advance(record: &mut [u8], incoming: &Incoming<'_>) {
    let values = incoming.values;
    let n = values.len();
    let (head, body) = split_mut(record);
    let types = get_u16::<TYPES>(head);
    let dt = incoming.time.saturating_sub(Time(get_u64::<TIME>(head)));
    let at = key_len(head);
    let Some(area) = body.get_mut(at..at + 16 * n) else {
        return;
    };
    let (rates, raws) = area.split_at_mut(8 * n);
    for (i, (&v, ds)) in values.iter().zip(incoming.data_set.sources).enumerate() {
        let old = decode(types, i, read_u64(raws, 8 * i));
        let rate = ds.clamp_rate(rate(old, v, dt));
        write_u64(rates, 8 * i, rate.to_bits());
        write_u64(raws, 8 * i, raw_bits(v));
    }
    stamp(head, incoming);
}

/// Write the times and origin of `incoming` into a header.
#[inline]
fn stamp(head: &mut Head, incoming: &Incoming<'_>) {
    set_u64::<TIME>(head, incoming.time.0);
    set_u64::<INTERVAL>(head, incoming.interval.0);
    set_u64::<LAST_UPDATE>(head, incoming.now.0);
    head[ORIGIN..ORIGIN + 2].copy_from_slice(&incoming.origin.0.to_le_bytes());
}

/// Return whether the record holds values of exactly these types.
#[inline]
pub(super) fn same_shape(record: &[u8], values: &[Value]) -> bool {
    let head = split(record).0;
    let types = get_u16::<TYPES>(head);
    values.len() == usize::from(head[LEN])
        && values
            .iter()
            .enumerate()
            .all(|(i, v)| (types >> (2 * i)) & 3 == type_bits(v.ds_type()))
}

/// Return the time of the record's last value.
#[inline]
pub(super) fn time(record: &[u8]) -> Time {
    Time(get_u64::<TIME>(split(record).0))
}

/// Return the record's journal mark.
#[inline]
pub(super) fn mark(record: &[u8]) -> u64 {
    get_u64::<MARK>(split(record).0)
}

/// Set the record's journal mark.
#[inline]
pub(super) fn set_mark(record: &mut [u8], mark: u64) {
    set_u64::<MARK>(split_mut(record).0, mark);
}

/// Return the hash stored with the record.
#[inline]
pub(super) fn hash(record: &[u8]) -> u32 {
    let head = split(record).0;
    u32::from_le_bytes([head[HASH], head[HASH + 1], head[HASH + 2], head[HASH + 3]])
}

/// Return the key and entry of the record that starts `rest`, which may run on past its end.
#[inline]
pub(super) fn view(rest: &[u8]) -> (&[u8], Entry<'_>) {
    let (head, body) = split(rest);
    let key = key_len(head);
    let body = body
        .get(..key + 16 * usize::from(head[LEN]))
        .unwrap_or_default();
    (body.get(..key).unwrap_or_default(), Entry { head, body })
}

/// Return the record's key; `record` may run on past the record's end.
#[inline]
pub(super) fn key(record: &[u8]) -> &[u8] {
    let (head, body) = split(record);
    body.get(..key_len(head)).unwrap_or_default()
}

/// Return the length of the record that starts `record`.
#[inline]
pub(super) fn len(record: &[u8]) -> usize {
    let head = split(record).0;
    record_len(usize::from(head[LEN]), key_len(head))
}

/// Return the record's place in insertion order.
#[inline]
pub(super) fn index(record: &[u8]) -> usize {
    let head = split(record).0;
    u32::from_le_bytes([
        head[INDEX],
        head[INDEX + 1],
        head[INDEX + 2],
        head[INDEX + 3],
    ]) as usize
}

/// Set the record's place in insertion order (below 2^31).
#[inline]
pub(super) fn set_index(record: &mut [u8], index: usize) {
    split_mut(record).0[INDEX..INDEX + 4].copy_from_slice(&(index as u32).to_le_bytes());
}

/// Split a record into its header and the rest.
#[inline]
fn split(record: &[u8]) -> (&Head, &[u8]) {
    record.split_first_chunk().unwrap_or((&[0; HEADER], &[]))
}

/// Split a record into its header and the rest, to change them.
#[inline]
fn split_mut(record: &mut [u8]) -> (&mut Head, &mut [u8]) {
    record
        .split_first_chunk_mut()
        .expect("a record starts with its header")
}

#[inline]
fn key_len(head: &Head) -> usize {
    usize::from(get_u16::<KEY_LEN>(head))
}

fn load(head: &Head, body: &[u8], i: usize) -> Value {
    let at = key_len(head) + 8 * (usize::from(head[LEN]) + i);
    decode(get_u16::<TYPES>(head), i, read_u64(body, at))
}

/// Return raw value `i` from its bits, of the type `types` holds for it.
#[inline]
fn decode(types: u16, i: usize, bits: u64) -> Value {
    match (types >> (2 * i)) & 3 {
        0 => Value::Gauge(f64::from_bits(bits)),
        1 => Value::Derive(bits as i64),
        2 => Value::Counter(bits),
        _ => Value::Absolute(bits),
    }
}

fn type_bits(t: DsType) -> u16 {
    match t {
        DsType::Gauge => 0,
        DsType::Derive => 1,
        DsType::Counter => 2,
        DsType::Absolute => 3,
    }
}

fn raw_bits(value: Value) -> u64 {
    match value {
        Value::Gauge(v) => v.to_bits(),
        Value::Derive(v) => v as u64,
        Value::Counter(v) | Value::Absolute(v) => v,
    }
}

/// Read the header's `u64` at `AT`.
fn get_u64<const AT: usize>(head: &Head) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&head[AT..AT + 8]);
    u64::from_le_bytes(word)
}

/// Read the header's `u16` at `AT`.
fn get_u16<const AT: usize>(head: &Head) -> u16 {
    u16::from_le_bytes([head[AT], head[AT + 1]])
}

/// Write the header's `u64` at `AT`.
fn set_u64<const AT: usize>(head: &mut Head, v: u64) {
    head[AT..AT + 8].copy_from_slice(&v.to_le_bytes());
}

// The cache hands these offsets inside the record only; out of range,
// they read zeros and write nothing rather than carry a panic path.

#[inline]
fn read_u64(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..)
        .and_then(|b| b.first_chunk())
        .map_or(0, |&word| u64::from_le_bytes(word))
}

#[inline]
fn write_u64(bytes: &mut [u8], at: usize, v: u64) {
    if let Some(word) = bytes.get_mut(at..).and_then(|b| b.first_chunk_mut()) {
        *word = v.to_le_bytes();
    }
}
