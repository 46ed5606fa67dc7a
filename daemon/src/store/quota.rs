//! Which new identifiers the cache takes: a quota per host, and the store's capacity.

use std::collections::HashMap;

use collie_core::handler::{Admission, Refusal};

/// Identifiers held in all and per host, refusing new ones past the store's capacity or a host's quota.
///
/// Without a quota one host name (any client can send any) could take every
/// slot of the cache and lock all other hosts out until its values expire.
/// The map is std's, whose SipHash keys are random per process, so host
/// names cannot be chosen to collide. The total is what holds the sharded
/// cache to exactly its capacity, whichever shards the identifiers are in.
#[derive(Debug)]
pub struct HostQuota {
    /// Identifiers one host may hold; 0 for no limit.
    quota: usize,
    /// Identifiers all hosts together may hold.
    capacity: usize,
    /// Identifiers held now.
    total: usize,
    held: HashMap<Box<[u8]>, usize>,
}

impl HostQuota {
    /// Hold `capacity` identifiers at most, and `quota` per host; a quota of 0 means no limit per host, and nothing is counted per host.
    pub fn new(quota: usize, capacity: usize) -> Self {
        HostQuota {
            quota,
            capacity,
            total: 0,
            held: HashMap::new(),
        }
    }

    /// Forget one identifier `key` (it expired).
    pub fn forget(&mut self, key: &[u8]) {
        self.total = self.total.saturating_sub(1);
        if let Some(n) = self.held.get_mut(host(key)) {
            *n -= 1;
            if *n == 0 {
                self.held.remove(host(key));
            }
        }
    }

    /// Return how many identifiers the host of `key` holds.
    pub fn held(&self, key: &[u8]) -> usize {
        self.held.get(host(key)).copied().unwrap_or(0)
    }

    /// Keep the identifiers counted so far and limit each host to `quota` from now on (0: no limit).
    ///
    /// Set it before the first value: identifiers already held are not counted per host.
    pub fn set_quota(&mut self, quota: usize) {
        self.quota = quota;
    }
}

impl Admission for HostQuota {
    fn admit(&mut self, key: &[u8]) -> Result<(), Refusal> {
        if self.total >= self.capacity {
            Err(Refusal::Full(self.capacity))
        } else if self.quota > 0 && self.held(key) >= self.quota {
            Err(Refusal::Quota(self.quota))
        } else {
            Ok(())
        }
    }

    fn stored(&mut self, key: &[u8]) {
        self.total += 1;
        if self.quota > 0 {
            *self.held.entry(host(key).into()).or_default() += 1;
        }
    }
}

/// Return the host part of a normalised identifier.
fn host(key: &[u8]) -> &[u8] {
    key.split(|&b| b == b'/').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_host_and_forgets_what_expired() {
        let mut q = HostQuota::new(2, 100);
        for key in [&b"a/p/gauge-1"[..], b"a/p/gauge-2", b"b/p/gauge"] {
            assert_eq!(q.admit(key), Ok(()));
            q.stored(key);
        }
        assert_eq!(q.admit(b"a/p/gauge-3"), Err(Refusal::Quota(2)));
        assert_eq!(q.admit(b"b/p/gauge-2"), Ok(()));
        q.forget(b"a/p/gauge-1");
        assert_eq!(q.admit(b"a/p/gauge-3"), Ok(()));
        q.forget(b"b/p/gauge");
        assert!(!q.held.contains_key(&b"b"[..]), "an empty host is dropped");
    }

    #[test]
    fn no_quota_counts_only_the_total() {
        let mut q = HostQuota::new(0, 2);
        q.stored(b"a/p/gauge-1");
        assert_eq!(q.admit(b"a/p/gauge-2"), Ok(()));
        q.stored(b"a/p/gauge-2");
        assert!(q.held.is_empty());
        assert_eq!(q.admit(b"b/p/gauge"), Err(Refusal::Full(2)));
        q.forget(b"a/p/gauge-1");
        assert_eq!(q.admit(b"b/p/gauge"), Ok(()));
    }
}
