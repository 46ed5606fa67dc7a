//! Starting and stopping: configuration, threads, expiry, signals and exit codes.
//!
//! Threads: one accepts clients (and one more per client), one per
//! collector, one writes the Netdata output, one waits for SIGTERM/SIGINT,
//! and the main thread expires values every interval. Stopping is a process
//! exit after the socket file is removed: on a signal (exit 0), when Netdata
//! closes stdout (exit 0) or when stdout fails otherwise (exit 1).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::Duration;

use collie_core::time::Time;

use crate::cli::RunArgs;
use crate::client::Limits;
use crate::config::{self, Config, ConfigError};
use crate::server::{self, SocketOptions};
use crate::state::{self, COUNTERS};
use crate::wire::{self, Jobs};
use crate::{collector, exec, output, system};

/// Exit code of an invalid configuration (and of `collied check` finding one).
pub const EXIT_CONFIG: u8 = 2;

/// Exit code of a failure to start or to keep running.
pub const EXIT_FAILURE: u8 = 1;

/// The configuration file collied looks for under Netdata.
pub const PLUGIN_CONFIG: &str = "collie.yaml";

/// Most "missing value" lines logged per expiry pass.
const MISSING_LOGGED: usize = 10;

static SOCKET: OnceLock<PathBuf> = OnceLock::new();

/// Run what the command line `args` asks for, with the built-in modules: `collied`'s `main`.
pub fn main<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    crate::Daemon::new().builtin_modules().run_from(args)
}

/// Read the configuration at `path`, or the embedded default; also return where it came from.
pub fn load(path: Option<&Path>) -> Result<(Config, String), ConfigError> {
    match path {
        Some(p) => Ok((Config::load(p)?, p.display().to_string())),
        None => Ok((Config::embedded(), config::DEFAULT_NAME.to_string())),
    }
}

/// Find `collie.yaml` in Netdata's user, then stock configuration directory, else use the embedded default.
pub fn plugin_config() -> Result<(Config, String), ConfigError> {
    for var in ["NETDATA_USER_CONFIG_DIR", "NETDATA_STOCK_CONFIG_DIR"] {
        if let Some(dir) = std::env::var_os(var).filter(|d| !d.is_empty()) {
            let path = Path::new(&dir).join(PLUGIN_CONFIG);
            if path.is_file() {
                return load(Some(&path));
            }
        }
    }
    load(None)
}

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
    let types = match state::read_types_db(&config.types_db) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    print!("{}", describe(config, source, None));
    let loaded = collie_core::dataset::types_db::TypesDb::new(&types).count();
    if !config.types_db.is_empty() {
        println!(
            "types.db: {loaded} data sets from {} file(s) over the built-in ones",
            config.types_db.len()
        );
    }
    for (i, e) in config.exec.iter().enumerate() {
        if !matches!(nix::unistd::User::from_name(&e.user), Ok(Some(_))) {
            println!("warning: exec[{i}]: no user {:?} on this machine", e.user);
        }
        if let Some(g) = &e.group
            && !matches!(nix::unistd::Group::from_name(g), Ok(Some(_)))
        {
            println!("warning: exec[{i}]: no group {g:?} on this machine");
        }
    }
    print!("{jobs}");
    println!("configuration is valid");
    ExitCode::SUCCESS
}

/// Describe what `config` would run, one line per part.
pub fn describe(config: &Config, source: &str, update_every: Option<u32>) -> String {
    let mut s = format!("configuration: {source}\n");
    s += &format!(
        "socket: {} (mode {:04o}, group {}, stale socket {}, at most {} clients, idle timeout {}, write timeout {} s)\n",
        config.socket.display(),
        config.socket_perms,
        config.socket_group.as_deref().unwrap_or("unchanged"),
        if config.delete_socket {
            "removed"
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
        "hostname: {}, interval: {} s, values expire after {} intervals\n",
        hostname(config),
        config.interval,
        config.timeout
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

/// Start everything, `jobs` included, and run until stopped.
pub(crate) fn start(config: Config, source: &str, plugin: Option<u32>, jobs: Jobs) -> ExitCode {
    let types = match state::read_types_db(&config.types_db) {
        Ok(t) => t,
        Err(e) => {
            error!("{e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if !types.is_empty() {
        let n = state::load_types(types);
        info!("loaded {n} data sets from types.db");
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
    state::configure(&host, Time::from_secs_f64(config.interval));

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
    let _ = SOCKET.set(config.socket.clone());
    if let Err(e) = watch_signals() {
        error!("cannot handle signals: {e}");
        shutdown(EXIT_FAILURE);
    }
    let limits = Limits {
        idle: (config.idle_timeout > 0.0).then(|| Duration::from_secs_f64(config.idle_timeout)),
        write: Duration::from_secs_f64(config.write_timeout),
    };
    let max_clients = config.max_clients;
    if let Err(e) = thread::Builder::new()
        .name("accept".into())
        .spawn(move || server::accept_loop(listener, max_clients, limits))
    {
        error!("cannot start the server: {e}");
        shutdown(EXIT_FAILURE);
    }

    if config.system.enabled {
        let interval = config.system.interval.unwrap_or(config.interval);
        if let Err(e) =
            collector::spawn(Box::new(system::System::default()), host.clone(), interval)
        {
            error!("cannot start the system collector: {e}");
        }
    }
    if let Err(e) = exec::spawn_all(programs, &host, config.interval) {
        error!("cannot start the exec programs: {e}");
        shutdown(EXIT_FAILURE);
    }

    let netdata = config.netdata.enabled || plugin.is_some();
    let update_every = plugin.map_or(config.netdata.update_every, |n| {
        n.max(config.netdata.update_every)
    });
    // Jobs and the cache's charts share one stdout writer, a whole block per write.
    let (stdout, _runner) = wire::start(
        jobs,
        &host,
        netdata,
        update_every,
        config.netdata.internal_charts,
    );
    if netdata {
        let settings = output::Settings {
            update_every,
            local_host: host,
            internal_charts: config.netdata.internal_charts,
        };
        if let Err(e) = thread::Builder::new()
            .name("netdata".into())
            .spawn(move || {
                let e = output::run(settings, wire::SharedOutput(stdout));
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    info!("stdout was closed (Netdata stopped reading); exiting");
                    shutdown(0);
                }
                error!("cannot write to stdout: {e}");
                shutdown(EXIT_FAILURE);
            })
        {
            error!("cannot start the Netdata output: {e}");
            shutdown(EXIT_FAILURE);
        }
    }

    expire_forever(Duration::from_secs_f64(config.interval), config.timeout)
}

/// Expire values every `interval`, logging the missing ones as collectd does.
fn expire_forever(interval: Duration, timeout: u32) -> ! {
    loop {
        thread::sleep(collector::until_aligned(interval));
        let mut missing = Vec::new();
        let removed = state::handler()
            .cache_mut()
            .expire(state::now(), timeout, |key, entry| {
                if missing.len() < MISSING_LOGGED {
                    missing.push((String::from_utf8_lossy(key).into_owned(), entry.time()));
                }
            });
        if removed == 0 {
            continue;
        }
        COUNTERS
            .expired
            .fetch_add(removed as u64, Ordering::Relaxed);
        for (key, time) in &missing {
            info!("missing value {key}: last update at {time}, expired");
        }
        if removed > missing.len() {
            info!("{} more values expired", removed - missing.len());
        }
    }
}

fn watch_signals() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT])?;
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                let name = if sig == SIGINT { "SIGINT" } else { "SIGTERM" };
                info!("{name} received; exiting");
                shutdown(0);
            }
        })?;
    Ok(())
}

/// Stop the exec programs, remove the socket file and exit with `code`.
pub fn shutdown(code: u8) -> ! {
    exec::terminate_all();
    if let Some(path) = SOCKET.get()
        && let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        warning!("cannot remove {}: {e}", path.display());
    }
    std::process::exit(i32::from(code))
}
