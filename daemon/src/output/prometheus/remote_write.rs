//! remote_write: every changed value pushed to a Prometheus-compatible receiver.
//!
//! Each tick reads what changed in the store since the last one (the
//! latest value of each identifier, with its own time) and queues one
//! sample per series, in order. It then sends the queue from its front in
//! requests of at most `max_samples_per_send` samples: a protobuf
//! `WriteRequest`, snappy-compressed (block format). A 5xx or 429 answer, or
//! no answer, keeps the batch and waits before the next try, doubling from
//! 1 s up to 30 s; another 4xx drops the batch. The queue is bounded: when
//! it is full the oldest samples are dropped. Every drop is counted, and the
//! output runs on its own thread, so ingest never waits for a receiver.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use collie_core::prometheus::{Kind, remote_write};
use collie_core::value::Value;

use super::series::{self, OwnedLabel};
use crate::config::RemoteWriteConfig;
use crate::output::{Output, Tick};
use crate::store::{ReaderId, RemoteWriteCounters, Snapshot, Store, Types};

/// First wait after a failed request.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// Longest wait between tries.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A series as remote_write sends it: which of the entry's values, and its labels.
type Labelled = (usize, Arc<[OwnedLabel]>);

/// One queued sample: its series' labels (`__name__` first, sorted), value and time in ms.
#[derive(Debug, Clone)]
struct Queued {
    labels: Arc<[OwnedLabel]>,
    value: f64,
    millis: i64,
}

/// The remote_write output for one receiver.
#[derive(Debug)]
pub struct RemoteWrite<'s, 't> {
    types: &'s Types<'t>,
    reader: ReaderId,
    url: String,
    agent: ureq::Agent,
    max_per_send: usize,
    capacity: usize,
    /// Each identifier's series as labels, worked out once.
    known: HashMap<Box<[u8]>, Vec<Labelled>>,
    queue: VecDeque<Queued>,
    backoff: Duration,
    retry_at: Option<Instant>,
    body: Vec<u8>,
}

impl<'s, 't> RemoteWrite<'s, 't> {
    /// Push `store`'s values, named with `types`, as `config` says.
    pub fn new(config: &RemoteWriteConfig, store: &Store<'_>, types: &'s Types<'t>) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs_f64(config.timeout)))
            .user_agent(concat!("collied/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        RemoteWrite {
            types,
            reader: store.reader(),
            url: config.url.clone(),
            agent,
            max_per_send: config.max_samples_per_send,
            capacity: config.queue_capacity,
            known: HashMap::new(),
            queue: VecDeque::new(),
            backoff: FIRST_BACKOFF,
            retry_at: None,
            body: Vec::new(),
        }
    }

    /// Queue one sample of every series that changed.
    fn read(&mut self, store: &Store<'_>, counters: &RemoteWriteCounters) {
        // Under the lock only bytes are copied; names are worked out after it.
        let (mut keys, mut changed) = (Vec::new(), Vec::new());
        let summary =
            store.read_changes_in_parts(&self.reader, crate::store::READ_PART, |key, entry| {
                let start = keys.len();
                keys.extend_from_slice(key);
                changed.push((start..keys.len(), Snapshot::of(entry)));
            });
        for key in &summary.removed {
            self.known.remove(&key[..]);
        }
        for (range, snapshot) in changed {
            let key = &keys[range];
            if !self.known.contains_key(key) {
                self.known
                    .insert(key.into(), labelled(store, self.types, key));
            }
            let series = self.known.get(key).map_or(&[][..], Vec::as_slice);
            let (secs, ms) = snapshot.time.secs_millis();
            let millis =
                i64::try_from(u128::from(secs) * 1000 + u128::from(ms)).unwrap_or(i64::MAX);
            for (index, labels) in series {
                let Some(v) = snapshot.values().get(*index) else {
                    continue;
                };
                self.queue.push_back(Queued {
                    labels: Arc::clone(labels),
                    value: float(*v),
                    millis,
                });
            }
        }
        let over = self.queue.len().saturating_sub(self.capacity);
        if over > 0 {
            self.queue.drain(..over);
            counters.dropped.fetch_add(over as u64, Ordering::Relaxed);
        }
    }

    /// Send batches from the front of the queue until it is empty, a try fails, or about a second has gone.
    fn send(&mut self, store: &Store<'_>, counters: &RemoteWriteCounters) {
        let started = Instant::now();
        while !self.queue.is_empty() && started.elapsed() < Duration::from_millis(900) {
            if self.retry_at.is_some_and(|at| Instant::now() < at) {
                return;
            }
            let n = self.queue.len().min(self.max_per_send);
            self.body.clear();
            for q in self.queue.iter().take(n) {
                let labels: Vec<(&[u8], &[u8])> =
                    q.labels.iter().map(|(k, v)| (&k[..], &v[..])).collect();
                // A Vec never fills up.
                let _ = remote_write::write_series(&mut self.body, &labels, &[(q.value, q.millis)]);
            }
            let compressed = match snap::raw::Encoder::new().compress_vec(&self.body) {
                Ok(c) => c,
                Err(e) => {
                    self.drop_batch(n, counters, store, &format!("cannot compress: {e}"));
                    continue;
                }
            };
            let mut req = self.agent.post(&self.url);
            for (name, value) in remote_write::HEADERS {
                req = req.header(name, value);
            }
            match req.send(&compressed[..]) {
                Ok(resp) if resp.status().is_success() => {
                    self.queue.drain(..n);
                    counters.sent.fetch_add(n as u64, Ordering::Relaxed);
                    self.backoff = FIRST_BACKOFF;
                    self.retry_at = None;
                }
                Ok(resp) if resp.status().as_u16() == 429 || resp.status().is_server_error() => {
                    let status = resp.status();
                    self.retry_later(counters, store, &format!("HTTP status {status}"));
                }
                Ok(mut resp) => {
                    let status = resp.status();
                    let text = resp
                        .body_mut()
                        .with_config()
                        .limit(512)
                        .read_to_string()
                        .unwrap_or_default();
                    self.drop_batch(
                        n,
                        counters,
                        store,
                        &format!("HTTP status {status}: {}", text.trim()),
                    );
                }
                Err(e) => self.retry_later(counters, store, &e.to_string()),
            }
        }
    }

    /// Keep the batch and wait before trying again, twice as long as last time.
    fn retry_later(&mut self, counters: &RemoteWriteCounters, store: &Store<'_>, why: &str) {
        counters.retries.fetch_add(1, Ordering::Relaxed);
        store.log_limit().log("WARNING", || {
            format!(
                "remote_write {}: {why}; trying again in {} s",
                self.url,
                self.backoff.as_secs()
            )
        });
        self.retry_at = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    /// Drop the first `n` samples, which the receiver will never take.
    fn drop_batch(
        &mut self,
        n: usize,
        counters: &RemoteWriteCounters,
        store: &Store<'_>,
        why: &str,
    ) {
        self.queue.drain(..n);
        counters.dropped.fetch_add(n as u64, Ordering::Relaxed);
        store.log_limit().log("WARNING", || {
            format!("remote_write {}: {why}; {n} samples dropped", self.url)
        });
    }
}

impl Output for RemoteWrite<'_, '_> {
    fn tick(&mut self, store: &Store<'_>, _tick: Tick) -> io::Result<()> {
        let counters = &store.counters().remote_write;
        self.read(store, counters);
        self.send(store, counters);
        Ok(())
    }

    fn finish(&mut self, store: &Store<'_>) -> io::Result<()> {
        self.retry_at = None;
        self.tick(store, Tick::Flush)
    }
}

/// The series of `key` as remote_write labels: `__name__` (with `_total` for counters) and the series' labels, sorted by name.
fn labelled(store: &Store<'_>, types: &Types<'_>, key: &[u8]) -> Vec<Labelled> {
    series::of_key(store, types, key)
        .into_iter()
        .map(|s| {
            let mut name = s.family.to_vec();
            if s.kind == Kind::Counter {
                name.extend_from_slice(b"_total");
            }
            let mut labels: Vec<OwnedLabel> = s
                .labels
                .iter()
                .map(|(k, v)| {
                    let mut name = Vec::new();
                    let _ = collie_core::prometheus::name::write_label_name(&mut name, k);
                    // Protobuf strings are UTF-8.
                    let value = String::from_utf8_lossy(v).into_owned().into_bytes();
                    (name.into(), value.into())
                })
                .collect();
            labels.push((b"__name__".as_slice().into(), name.into()));
            labels.sort();
            (s.index, labels.into())
        })
        .collect()
}

/// A value as remote_write's double.
fn float(v: Value) -> f64 {
    match v {
        Value::Gauge(g) => g,
        Value::Derive(d) => d as f64,
        Value::Counter(c) | Value::Absolute(c) => c as f64,
    }
}
