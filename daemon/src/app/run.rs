//! Starting and stopping: configuration, threads, expiry, signals and exit codes.
//!
//! `start` builds the one [`Store`] and lends it to every thread, all in
//! one [`std::thread::scope`]: the socket server (a thread per client), the
//! system collector, the Exec programs, the Netdata output, and the thread
//! that puts job values into the store; the jobs runner hands those values
//! over a channel. The calling thread expires values every interval. On
//! SIGTERM, SIGINT or SIGHUP, or when Netdata closes stdout, it stops them in order:
//! the jobs (which mark their charts obsolete), the Exec programs, then the
//! Netdata output (which marks the value-cache charts obsolete and flushes);
//! then it removes the socket if it is still ours and exits: 0 after a
//! signal or a closed stdout, 1 if stdout failed otherwise.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use collie_core::time::Time;

use crate::app::cli::RunArgs;
use crate::app::terminal;
use crate::config::Config;
use crate::ingest::client::Limits;
use crate::ingest::collector::{self, until_aligned};
use crate::ingest::exec::{self, Exec};
use crate::ingest::network;
use crate::ingest::server::{self, SocketOptions};
use crate::ingest::system::System;
use crate::jobs::{self, Loaded, Runner, RunnerOptions};
use crate::output::netdata::{self, Netdata};
use crate::output::network::Network as NetworkOutput;
use crate::output::prometheus;
use crate::output::{self, Stream};
use crate::store::{Store, Types, TypesBuffers, TypesText};

/// Exit code of an invalid configuration (and of `collied check` finding one).
pub const EXIT_CONFIG: u8 = 2;

/// Exit code of a failure to start or to keep running.
pub const EXIT_FAILURE: u8 = 1;

/// Most "missing value" lines logged per expiry pass.
const MISSING_LOGGED: usize = 10;

/// Job values waiting for the store; a job blocks while this many collections wait.
const JOB_QUEUE: usize = 1024;

/// Apply the command line's overrides to `config`.
pub fn apply(mut config: Config, args: &RunArgs) -> Config {
    if let Some(s) = &args.socket {
        config.socket.clone_from(s);
    }
    if !args.types_db.is_empty() {
        config.types_db.clone_from(&args.types_db);
    }
    if let Some(h) = &args.hostname {
        config.hostname = Some(h.clone());
    }
    if let Some(i) = args.interval {
        config.interval = i;
    }
    config
}

/// Return the configured host name, else the system's.
pub fn hostname(config: &Config) -> String {
    if let Some(h) = config.hostname.as_ref().filter(|h| !h.is_empty()) {
        return h.clone();
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "localhost".to_string())
}

/// `collied check`: validate, print what would run (`jobs` describes the jobs), exit 0 or 2.
pub(crate) fn check(config: &Config, source: &str, jobs: &str) -> ExitCode {
    let (types, problems) = problems(config, source);
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{p}");
        }
        return ExitCode::from(EXIT_CONFIG);
    }
    print!("{}", describe(config, source, None));
    if let Some(types) = types.filter(|t| t.files() > 0) {
        println!(
            "types.db: {} data sets from {} file(s) over the built-in ones",
            types.definitions(),
            types.files()
        );
    }
    print!("{jobs}");
    println!("configuration is valid");
    ExitCode::SUCCESS
}

/// Find what would stop `config` (read from `source`) from starting, all of it: the socket's directory, types.db files, Exec users and programs, network addresses and auth files.
fn problems(config: &Config, source: &str) -> (Option<TypesText>, Vec<String>) {
    use nix::unistd::{AccessFlags, access};
    let mut problems = Vec::new();
    let dir = match config.socket.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        problems.push(format!(
            "{source}: socket {}: the directory {} does not exist",
            config.socket.display(),
            dir.display()
        ));
    } else if access(dir, AccessFlags::W_OK | AccessFlags::X_OK).is_err() {
        problems.push(format!(
            "{source}: socket {}: cannot create it: the directory {} is not writable by this user",
            config.socket.display(),
            dir.display()
        ));
    }
    // Each file alone first, so every broken one is named.
    let broken: Vec<String> = config
        .types_db
        .iter()
        .filter_map(|file| TypesText::read(std::slice::from_ref(file)).err())
        .map(|e| e.to_string())
        .collect();
    let types = if broken.is_empty() {
        TypesText::read(&config.types_db)
            .map_err(|e| problems.push(e.to_string()))
            .ok()
    } else {
        problems.extend(broken);
        None
    };
    for (i, e) in config.exec.iter().enumerate() {
        if let Err(problem) = crate::privilege::ids(&e.user, e.group.as_deref()) {
            problems.push(format!("{source}: exec[{i}] ({}): {problem}", e.command));
        }
        if crate::source::find_program(&e.command).is_none() {
            problems.push(format!(
                "{source}: exec[{i}]: `{}` is not an executable file{}",
                e.command,
                if e.command.contains('/') {
                    ""
                } else {
                    " in PATH"
                }
            ));
        }
    }
    for (i, l) in config.network.listen.iter().enumerate() {
        if let Err(e) = network::resolve(&l.address) {
            problems.push(format!("{source}: network.listen[{i}]: {}: {e}", l.address));
        }
        if let Some(path) = &l.auth_file
            && let Err(e) = network::Users::read(&l.address, path)
        {
            problems.push(format!("{source}: network.listen[{i}]: {e}"));
        }
    }
    if let Some(listen) = &config.prometheus.listen
        && let Err(e) = network::resolve(listen)
    {
        problems.push(format!("{source}: prometheus.listen: {listen}: {e}"));
    }
    for (i, server) in config.network.servers.iter().enumerate() {
        if let Err(e) = network::resolve(&server.address) {
            problems.push(format!(
                "{source}: network.servers[{i}]: {}: {e}",
                server.address
            ));
        }
    }
    (types, problems)
}

/// Describe what `config` would run, one line per part.
pub fn describe(config: &Config, source: &str, update_every: Option<u32>) -> String {
    let mut s = format!("configuration: {source}\n");
    s += &format!(
        "socket: {} (mode {:04o}, group {}, a stale one {}, at most {} clients, idle timeout {}, write timeout {} s)\n",
        config.socket.display(),
        config.socket_perms,
        config.socket_group.as_deref().unwrap_or("unchanged"),
        if config.delete_socket {
            "replaced"
        } else {
            "kept (start fails)"
        },
        config.max_clients,
        if config.idle_timeout > 0.0 {
            format!("{} s", config.idle_timeout)
        } else {
            "none".to_string()
        },
        config.write_timeout,
    );
    s += &format!(
        "hostname: {}, interval: {} s, values expire after {} intervals, intervals are cut to {}, \
         identifiers per host: {}\n",
        hostname(config),
        config.interval,
        config.timeout,
        if config.max_interval > 0.0 {
            format!("{} s", config.max_interval)
        } else {
            "nothing (no limit)".to_owned()
        },
        if config.host_quota > 0 {
            config.host_quota.to_string()
        } else {
            "no limit".to_owned()
        }
    );
    for f in &config.types_db {
        s += &format!("types.db: {}\n", f.display());
    }
    let ue = update_every.map_or(config.netdata.update_every, |n| {
        n.max(config.netdata.update_every)
    });
    if config.netdata.enabled || update_every.is_some() {
        s += &format!(
            "netdata output: charts on stdout every {ue} s{}\n",
            if config.netdata.internal_charts {
                ", with internal charts"
            } else {
                ""
            }
        );
    } else {
        s += "netdata output: off\n";
    }
    for l in &config.network.listen {
        s += &format!(
            "network listen: {} (security level {}{})\n",
            l.address,
            l.security_level.as_str(),
            l.auth_file
                .as_ref()
                .map(|f| format!(", users from {}", f.display()))
                .unwrap_or_default()
        );
    }
    for server in &config.network.servers {
        s += &format!(
            "network server: {} (security level {}{}), every stored value{}\n",
            server.address,
            server.security_level.as_str(),
            server
                .username
                .as_ref()
                .map(|u| format!(" as {u}"))
                .unwrap_or_default(),
            if config.network.forward {
                ", received ones too"
            } else {
                ", not the received ones"
            }
        );
    }
    if let Some(listen) = &config.prometheus.listen {
        s += &format!(
            "prometheus: GET /metrics on {listen} (at most {} scrapes at once, {} s each)\n",
            config.prometheus.max_scrapes, config.prometheus.scrape_timeout
        );
    }
    for rw in &config.prometheus.remote_write {
        s += &format!(
            "prometheus remote_write: {} (batches of {}, queue of {})\n",
            rw.url, rw.max_samples_per_send, rw.queue_capacity
        );
    }
    if config.system.enabled {
        s += &format!(
            "collector system: load, memory, uptime every {} s\n",
            config.system.interval.unwrap_or(config.interval)
        );
    }
    for e in &config.exec {
        let who = match &e.group {
            Some(g) => format!("{}:{g}", e.user),
            None => e.user.clone(),
        };
        s += &format!("exec: {} {:?} as {who}\n", e.command, e.args);
    }
    s
}

/// How the daemon runs: under Netdata, or in the foreground.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As Netdata's external plugin, updating every `update_every` seconds.
    Plugin {
        /// Netdata's update interval.
        update_every: u32,
    },
    /// In the foreground; `terminal` shows a summary and a status line instead of the plugins.d stream.
    Foreground {
        /// stdout is a terminal and `--plugins-d` was not given.
        terminal: bool,
    },
}

/// Start everything, `loaded`'s jobs included, and run until stopped.
pub(crate) fn start(
    config: Config,
    source: &str,
    mode: Mode,
    loaded: Loaded,
    mut options: RunnerOptions,
) -> ExitCode {
    let (plugin, terminal) = match mode {
        Mode::Plugin { update_every } => (Some(update_every), false),
        Mode::Foreground { terminal } => (None, terminal),
    };
    let mut config = config;
    if terminal {
        // A person reads this terminal: a summary and a status line, not charts.
        config.netdata.enabled = false;
    }
    crate::log::never_block();
    let types_text = match TypesText::read(&config.types_db) {
        Ok(t) => t,
        Err(e) => {
            error!("{e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let mut buffers = TypesBuffers::default();
    let types = Types::load(&types_text, &mut buffers);
    if types.loaded() > 0 {
        info!("loaded {} data sets from types.db", types.loaded());
    }
    for line in describe(&config, source, plugin).lines() {
        info!("{line}");
    }
    let programs = match exec::prepare(&config.exec) {
        Ok(p) => p,
        Err(e) => {
            error!("{e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let host = hostname(&config);
    let store = Store::new(
        &types,
        &host,
        Time::from_secs_f64(config.interval),
        config.timeout,
    );
    store.set_host_quota(config.host_quota);
    store.configure(|handler| {
        handler.set_max_interval(Time::from_secs_f64(config.max_interval));
        handler.set_accept_old(config.accept_old_values);
    });
    let socket = SocketOptions {
        path: config.socket.clone(),
        perms: config.socket_perms,
        group: config.socket_group.clone(),
        delete_stale: config.delete_socket,
    };
    let listener = match server::bind(&socket) {
        Ok(l) => l,
        Err(e) => {
            error!("{e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    // The socket file is removed at the end only if it is still the one bound here.
    let inode = std::fs::metadata(&socket.path)
        .ok()
        .map(|m| (m.dev(), m.ino()));
    let mut listeners = Vec::new();
    for listen in &config.network.listen {
        match network::Listener::bind(listen) {
            Ok(l) => {
                info!("receiving collectd's network protocol on {}", l.address());
                listeners.push(l);
            }
            Err(e) => {
                error!("{e}");
                let config_error = matches!(
                    e,
                    network::ListenError::AuthFile { .. } | network::ListenError::AuthLine { .. }
                );
                return ExitCode::from(if config_error {
                    EXIT_CONFIG
                } else {
                    EXIT_FAILURE
                });
            }
        }
    }
    let network_out = if config.network.servers.is_empty() {
        None
    } else {
        match NetworkOutput::new(&config.network.servers, config.network.forward, &store) {
            Ok(out) => Some(out),
            Err(e) => {
                error!("{e}");
                return ExitCode::from(EXIT_FAILURE);
            }
        }
    };
    let prometheus_listener = match &config.prometheus.listen {
        None => None,
        Some(address) => match network::resolve(address).and_then(std::net::TcpListener::bind) {
            Ok(l) => {
                info!(
                    "serving Prometheus metrics on http://{}/metrics",
                    l.local_addr().map_or(address.clone(), |a| a.to_string())
                );
                Some(l)
            }
            Err(e) => {
                error!("prometheus listen {address}: {e}");
                return ExitCode::from(EXIT_FAILURE);
            }
        },
    };
    let mut signals = match signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ]) {
        Ok(s) => s,
        Err(e) => {
            error!("cannot handle signals: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let signal_handle = signals.handle();
    let limits = Limits {
        idle: (config.idle_timeout > 0.0).then(|| Duration::from_secs_f64(config.idle_timeout)),
        write: Duration::from_secs_f64(config.write_timeout),
        line: (config.line_timeout > 0.0).then(|| Duration::from_secs_f64(config.line_timeout)),
    };
    let netdata_on = config.netdata.enabled || plugin.is_some();
    let update_every = plugin.map_or(config.netdata.update_every, |n| {
        n.max(config.netdata.update_every)
    });
    // Jobs and the value-cache charts share one stdout writer, a whole block per write.
    let stream = Arc::new(if netdata_on {
        Stream::stdout()
    } else {
        Stream::new(std::io::sink())
    });
    let (values_tx, values_rx) = mpsc::sync_channel::<jobs::Values>(JOB_QUEUE);
    let job_host = host.clone();
    let job_output = jobs::Output::new(Arc::clone(&stream))
        .with_values(move |c| {
            // The receiver goes only when the daemon stops.
            let _ = values_tx.send(jobs::Values::of(&job_host, c));
        })
        .with_log(|line| info!("{line}"));
    for note in &loaded.notes {
        info!("{note}");
    }
    let summary = terminal.then(|| {
        let mut labels: Vec<String> = loaded.jobs.iter().map(|j| j.label()).collect();
        labels.dedup();
        terminal::summary(&config, &host, &labels)
    });
    options.min_update_every = options.min_update_every.max(update_every);
    options.runtime_charts &= config.netdata.internal_charts;
    let exit = AtomicU8::new(0);
    let exec = Exec::default();
    let store = &store;
    // An exporter reads the store's changes only when it is scraped: made only when it can be.
    let exporter = prometheus_listener.as_ref().map(|_| {
        let settings = prometheus::Settings {
            staleness: config.prometheus.staleness.map(Time::from_secs_f64),
            timestamps: config.prometheus.timestamps,
        };
        prometheus::Exporter::new(store, &types, settings)
    });
    let scrape_limits = prometheus::http::Limits {
        max_scrapes: config.prometheus.max_scrapes,
        deadline: Duration::from_secs_f64(config.prometheus.scrape_timeout),
    };
    let busy_scrapes = std::sync::atomic::AtomicUsize::new(0);
    let (exporter, busy_scrapes) = (exporter.as_ref(), &busy_scrapes);
    thread::scope(|s| {
        let started = (|| -> std::io::Result<()> {
            let max_clients = server::clamp_clients(config.max_clients);
            thread::Builder::new()
                .name("accept".into())
                .spawn_scoped(s, move || {
                    server::accept_loop(s, listener, max_clients, limits, store)
                })?;
            thread::Builder::new()
                .name("signals".into())
                .spawn_scoped(s, || {
                    if let Some(sig) = signals.forever().next() {
                        match sig {
                            signal_hook::consts::SIGINT => info!("SIGINT received; stopping"),
                            signal_hook::consts::SIGHUP => info!(
                                "SIGHUP received; collied cannot reload its configuration, \
                                 so it stops (start it again to reload)"
                            ),
                            _ => info!("SIGTERM received; stopping"),
                        }
                        store.wakeup().stop();
                    }
                })?;
            thread::Builder::new()
                .name("job values".into())
                .spawn_scoped(s, move || {
                    for values in values_rx {
                        values.put_into(store);
                    }
                })?;
            if config.system.enabled {
                let interval = config.system.interval.unwrap_or(config.interval);
                collector::spawn(
                    s,
                    Box::new(System::default()),
                    host.clone(),
                    interval,
                    store,
                )?;
            }
            exec.spawn_all(s, programs, &host, config.interval, store)?;
            if let (Some(listener), Some(exporter)) = (prometheus_listener, exporter) {
                thread::Builder::new()
                    .name("prometheus".into())
                    .spawn_scoped(s, move || {
                        prometheus::http::serve(s, listener, exporter, scrape_limits, busy_scrapes)
                    })?;
                thread::Builder::new()
                    .name("prometheus tick".into())
                    .spawn_scoped(s, move || {
                        let _ = output::run(&mut prometheus::Refresh(exporter), store);
                    })?;
            }
            for listener in listeners {
                thread::Builder::new()
                    .name("network in".into())
                    .spawn_scoped(s, move || listener.run(store))?;
            }
            Ok(())
        })();
        if let Err(e) = started {
            error!("cannot start: {e}");
            exit.store(EXIT_FAILURE, Ordering::SeqCst);
            store.wakeup().stop();
        }
        let runner = Runner::start(loaded.jobs, Arc::new(job_output), options);
        let collecting = runner.collecting();
        let status = summary.map(|summary| {
            thread::Builder::new()
                .name("status".into())
                .spawn_scoped(s, move || {
                    terminal::show_until_stopped(store, &collecting, &summary)
                })
        });
        let netdata_thread = netdata_on.then(|| {
            let settings = netdata::Settings {
                update_every,
                local_host: host.clone(),
                internal_charts: config.netdata.internal_charts,
            };
            let mut out = Netdata::new(settings, Arc::clone(&stream), store, &types);
            let exit = &exit;
            thread::Builder::new()
                .name("netdata".into())
                .spawn_scoped(s, move || {
                    if let Err(e) = output::run(&mut out, store) {
                        if e.kind() == std::io::ErrorKind::BrokenPipe {
                            info!("stdout was closed (Netdata stopped reading); stopping");
                        } else {
                            error!("cannot write to stdout: {e}");
                            exit.store(EXIT_FAILURE, Ordering::SeqCst);
                        }
                        store.wakeup().stop();
                    }
                })
        });
        let remote_threads: Vec<_> = config
            .prometheus
            .remote_write
            .iter()
            .map(|rw| {
                let mut out = prometheus::remote_write::RemoteWrite::new(rw, store, &types);
                thread::Builder::new()
                    .name("remote write".into())
                    .spawn_scoped(s, move || {
                        // Failures are counted and retried; they never end the daemon.
                        let _ = output::run(&mut out, store);
                    })
            })
            .collect();
        let network_thread = network_out.map(|mut out| {
            thread::Builder::new()
                .name("network out".into())
                .spawn_scoped(s, move || {
                    // Sending drops and counts what fails; it never ends the daemon.
                    let _ = output::run(&mut out, store);
                })
        });
        expire_until_stopped(store, Duration::from_secs_f64(config.interval));
        if let Some(Ok(t)) = status {
            let _ = t.join();
        }
        runner.stop();
        let _ = runner.join();
        exec.terminate();
        if let Some(Ok(t)) = netdata_thread {
            let _ = t.join();
        }
        if let Some(Ok(t)) = network_thread {
            let _ = t.join();
        }
        for t in remote_threads.into_iter().flatten() {
            let _ = t.join();
        }
        signal_handle.close();
        remove_socket(&socket.path, inode);
        // Client threads and the accept loop block on their sockets: leave them to the exit.
        std::process::exit(i32::from(exit.load(Ordering::SeqCst)))
    })
}

/// Expire values every `interval`, logging the missing ones as collectd does, until the store's wake-up says stop.
fn expire_until_stopped(store: &Store<'_>, interval: Duration) {
    while store
        .wakeup()
        .sleep_until(Instant::now() + until_aligned(interval))
    {
        let mut missing = Vec::new();
        let removed = store.expire(|key, entry| {
            if missing.len() < MISSING_LOGGED {
                missing.push((String::from_utf8_lossy(key).into_owned(), entry.time()));
            }
        });
        for (key, time) in &missing {
            info!("missing value {key}: last update at {time}, expired");
        }
        if removed > missing.len() {
            info!("{} more values expired", removed - missing.len());
        }
    }
}

/// Remove the socket file if it is still the one bound at start (`inode`).
fn remove_socket(path: &Path, inode: Option<(u64, u64)>) {
    let now = std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()));
    if now.is_none() || now != inode {
        return;
    }
    if let Err(e) = std::fs::remove_file(path) {
        warning!("cannot remove {}: {e}", path.display());
    }
}
