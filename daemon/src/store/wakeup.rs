//! The sleep every output and job takes, cut short by FLUSH or a stop, and the rate limit of noisy log lines.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// A sleep that a FLUSH or a stop cuts short, for every sleeper at once.
#[derive(Debug, Default)]
pub struct Wakeup {
    /// FLUSHes so far, and whether the daemon is stopping.
    state: Mutex<(u64, bool)>,
    cond: Condvar,
}

/// Why a [`Wakeup::wait_until`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woken {
    /// The deadline passed.
    Deadline,
    /// A FLUSH asked for what is pending to be sent now.
    Flush,
    /// The daemon is stopping.
    Stop,
}

impl Wakeup {
    /// Ask every sleeper to send what it has now.
    pub fn flush(&self) {
        self.lock().0 += 1;
        self.cond.notify_all();
    }

    /// Tell every sleeper, now and later, that the daemon is stopping.
    pub fn stop(&self) {
        self.lock().1 = true;
        self.cond.notify_all();
    }

    /// Return whether [`stop`](Self::stop) was called.
    pub fn is_stopped(&self) -> bool {
        self.lock().1
    }

    /// Sleep until `deadline`, a FLUSH after the `seen`th, or a stop; `seen` counts the FLUSHes taken.
    pub fn wait_until(&self, deadline: Instant, seen: &mut u64) -> Woken {
        let mut state = self.lock();
        loop {
            if state.1 {
                return Woken::Stop;
            }
            if state.0 > *seen {
                *seen = state.0;
                return Woken::Flush;
            }
            let now = Instant::now();
            if now >= deadline {
                return Woken::Deadline;
            }
            state = self
                .cond
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Sleep until `deadline` or a stop, whatever FLUSHes come; return false on a stop.
    pub fn sleep_until(&self, deadline: Instant) -> bool {
        let mut seen = u64::MAX;
        self.wait_until(deadline, &mut seen) != Woken::Stop
    }

    /// Return how many FLUSHes there were so far, to start waiting from.
    pub fn flushes(&self) -> u64 {
        self.lock().0
    }

    fn lock(&self) -> MutexGuard<'_, (u64, bool)> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How many noisy lines (notifications, errors from inputs) are logged per second before the rest are counted.
pub const LOG_PER_SECOND: u32 = 20;

/// A rate limit for log lines that clients and programs can cause.
///
/// In each second of the wall clock the first [`LOG_PER_SECOND`] lines
/// pass; the rest are counted, and the count is logged with the first line
/// of a later second, so a flood of PUTNOTIFs or error lines costs a few
/// lines a second, not megabytes.
#[derive(Debug, Default)]
pub struct LogLimit {
    /// The second, the lines logged in it, and the lines suppressed since the last report.
    state: Mutex<(u64, u32, u64)>,
}

impl LogLimit {
    /// Log `line` at `level` unless this second's allowance is used up.
    pub fn log(&self, level: &str, line: impl FnOnce() -> String) {
        let second = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let suppressed = {
            let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if s.0 != second {
                *s = (second, 0, s.2);
            }
            if s.1 >= LOG_PER_SECOND {
                s.2 += 1;
                return;
            }
            s.1 += 1;
            std::mem::take(&mut s.2)
        };
        if suppressed > 0 {
            info!(
                "{suppressed} more such lines were not logged (at most {LOG_PER_SECOND} a second)"
            );
        }
        crate::log::write(level, format_args!("{}", line()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn wakeup_reports_flushes_once_and_stops_for_good() {
        let w = Wakeup::default();
        let (mut one, mut two) = (w.flushes(), w.flushes());
        let later = || Instant::now() + Duration::from_secs(5);
        w.flush();
        assert_eq!(w.wait_until(later(), &mut one), Woken::Flush);
        assert_eq!(
            w.wait_until(later(), &mut two),
            Woken::Flush,
            "every sleeper sees it"
        );
        let soon = Instant::now() + Duration::from_millis(10);
        assert_eq!(w.wait_until(soon, &mut one), Woken::Deadline);
        w.flush();
        assert!(w.sleep_until(Instant::now() + Duration::from_millis(10)));
        w.stop();
        assert_eq!(w.wait_until(later(), &mut one), Woken::Stop);
        assert!(!w.sleep_until(later()));
        assert!(w.is_stopped());
    }
}
