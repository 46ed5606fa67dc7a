//! The quota of identifiers one host may hold in the cache.

use std::collections::HashMap;

use collie_core::handler::Admission;

/// Identifiers held per host, refusing new ones past a quota.
///
/// Without it one host name (any client can send any) could take every
/// slot of the cache and lock all other hosts out until its values expire.
/// The map is std's, whose SipHash keys are random per process, so host
/// names cannot be chosen to collide.
#[derive(Debug, Default)]
pub struct HostQuota {
    /// Identifiers one host may hold; 0 for no limit.
    quota: usize,
    held: HashMap<Box<[u8]>, usize>,
}

impl HostQuota {
    /// Create a quota of `quota` identifiers per host; 0 means no limit, and nothing is counted.
    pub fn new(quota: usize) -> Self {
        HostQuota {
            quota,
            held: HashMap::new(),
        }
    }

    /// Forget one identifier `key` (it expired).
    pub fn forget(&mut self, key: &[u8]) {
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
}

impl Admission for HostQuota {
    fn admit(&mut self, key: &[u8]) -> Result<(), usize> {
        if self.held(key) < self.quota {
            Ok(())
        } else {
            Err(self.quota)
        }
    }

    fn stored(&mut self, key: &[u8]) {
        if self.quota > 0 {
            *self.held.entry(host(key).into()).or_default() += 1;
        }
    }

    fn is_active(&self) -> bool {
        self.quota > 0
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
        let mut q = HostQuota::new(2);
        for key in [&b"a/p/gauge-1"[..], b"a/p/gauge-2", b"b/p/gauge"] {
            assert_eq!(q.admit(key), Ok(()));
            q.stored(key);
        }
        assert_eq!(q.admit(b"a/p/gauge-3"), Err(2));
        assert_eq!(q.admit(b"b/p/gauge-2"), Ok(()));
        q.forget(b"a/p/gauge-1");
        assert_eq!(q.admit(b"a/p/gauge-3"), Ok(()));
        q.forget(b"b/p/gauge");
        assert!(!q.held.contains_key(&b"b"[..]), "an empty host is dropped");
    }

    #[test]
    fn no_quota_counts_nothing() {
        let mut q = HostQuota::new(0);
        assert!(!q.is_active());
        q.stored(b"a/p/gauge");
        q.forget(b"a/p/gauge");
        assert!(q.held.is_empty());
    }
}
