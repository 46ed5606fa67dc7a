//! collied in a person's terminal: a short summary and one live status line instead of the plugins.d stream.
//!
//! When stdout is a terminal and collied is not running as Netdata's
//! plugin, thousands of `CHART`/`BEGIN`/`SET` lines help nobody. collied
//! then says what it serves, which jobs run, a `collectdctl` line to try
//! and how to stop it, and keeps one line up to date: values a second,
//! identifiers, clients and jobs collecting. `--plugins-d` (or a stdout that
//! is a pipe or a file) keeps the stream for Netdata.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::store::Store;

/// Return the summary printed once at start: what is served, the jobs, what to try, how to stop.
pub fn summary(config: &Config, host: &str, jobs: &[String]) -> String {
    let socket = config.socket.display();
    let mut s = format!(
        "collied {} serves collectd's plain text protocol on {socket}\n",
        env!("CARGO_PKG_VERSION")
    );
    s += &match jobs {
        [] => "jobs: none configured\n".to_owned(),
        _ => format!("jobs configured: {}\n", jobs.join(", ")),
    };
    if config.system.enabled {
        s += "collector: this machine's load, memory and uptime\n";
    }
    s += &format!(
        "try:\n  collectdctl -s {socket} putval {host}/room/temperature N:21.5\n  \
         collectdctl -s {socket} getval {host}/room/temperature\n  \
         collectdctl -s {socket} listval\n"
    );
    s += "Netdata charts are not printed to a terminal (run under Netdata, pipe stdout, \
          or pass --plugins-d). Ctrl-C stops collied.\n";
    s
}

/// Return the status line: values a second since the last one, identifiers, clients, jobs.
pub fn status(values_per_second: f64, identifiers: usize, clients: usize, jobs: usize) -> String {
    format!(
        "{values_per_second:.0} values/s · {identifiers} identifiers · {clients} clients · {jobs} jobs collecting"
    )
}

/// Print the summary, then rewrite the status line every second until the store says stop.
///
/// The line ends in `\r`, so a log line (which starts by clearing to the
/// end of the line when stderr is a terminal) overwrites it cleanly.
pub fn show_until_stopped(store: &Store<'_>, collecting: &Arc<AtomicUsize>, summary: &str) {
    let mut out = std::io::stdout();
    let _ = write!(out, "{summary}");
    let stored = || (store.stats().values, store.len());
    let (mut before, _) = stored();
    let mut at = Instant::now();
    loop {
        let (values, identifiers) = stored();
        let now = Instant::now();
        let rate = (values - before) as f64 / now.duration_since(at).as_secs_f64().max(1e-3);
        (before, at) = (values, now);
        let clients = store.counters().clients.load(Ordering::Relaxed);
        let line = status(
            rate,
            identifiers,
            clients,
            collecting.load(Ordering::Relaxed),
        );
        let _ = write!(out, "\x1b[K{line}\r");
        let _ = out.flush();
        if !store
            .wakeup()
            .sleep_until(Instant::now() + Duration::from_secs(1))
        {
            break;
        }
    }
    let _ = writeln!(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_what_to_try_and_how_to_stop() {
        let config = Config::default();
        let s = summary(&config, "box", &["weather[station]".to_owned()]);
        assert!(s.starts_with("collied "));
        assert!(s.contains(" serves collectd's plain text protocol on collied.sock\n"));
        assert!(s.contains("jobs configured: weather[station]\n"));
        assert!(s.contains("collectdctl -s collied.sock putval box/room/temperature N:21.5"));
        assert!(s.contains("Ctrl-C stops collied."));
        assert!(summary(&config, "box", &[]).contains("jobs: none configured\n"));
        assert_eq!(
            status(12.4, 3, 1, 2),
            "12 values/s · 3 identifiers · 1 clients · 2 jobs collecting"
        );
    }
}
