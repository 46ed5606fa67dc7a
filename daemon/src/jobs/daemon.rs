//! [`Daemon`]: a builder that runs registered modules as a Netdata external plugin.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::config::{ConfigDirs, ConfigError};
use super::module::{Loaded, Module, Registry};
use super::output::Output;
use super::runner::{Runner, RunnerOptions};

/// Runs modules as jobs from YAML, printing plugins.d to standard output.
///
/// ```no_run
/// # use collied::jobs::Daemon;
/// # fn main() -> std::process::ExitCode {
/// Daemon::new()
///     .builtin_modules()
///     .config_dir("/etc/netdata")
///     .run()
/// # }
/// ```
///
/// `run()` reads its command line as Netdata gives it to a plugin:
/// `[update_every]`, or `debug MODULE [--job NAME] [--once]` to run one
/// module in the foreground and show what it collects.
#[derive(Debug, Default)]
pub struct Daemon {
    registry: Registry,
    dirs: Option<ConfigDirs>,
    options: RunnerOptions,
}

impl Daemon {
    /// A daemon with no modules.
    pub fn new() -> Daemon {
        Daemon::default()
    }

    /// Register module `M`.
    pub fn module<M: Module>(mut self) -> Daemon {
        self.registry.register::<M>();
        self
    }

    /// Register collie's built-in modules.
    pub fn builtin_modules(mut self) -> Daemon {
        crate::modules::register_all(&mut self.registry);
        self
    }

    /// Read `collie.yaml` and `collie.d/` from `dir` (default: Netdata's config directories).
    pub fn config_dir(mut self, dir: impl Into<PathBuf>) -> Daemon {
        self.dirs = Some(ConfigDirs::only(dir));
        self
    }

    /// Read configuration from these directories.
    pub fn config_dirs(mut self, dirs: ConfigDirs) -> Daemon {
        self.dirs = Some(dirs);
        self
    }

    /// Run jobs with these options.
    pub fn options(mut self, options: RunnerOptions) -> Daemon {
        self.options = options;
        self
    }

    /// Return the registered modules.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Return the configuration directories in use.
    pub fn dirs(&self) -> ConfigDirs {
        self.dirs.clone().unwrap_or_else(ConfigDirs::from_env)
    }

    /// Load the configuration of every enabled module.
    pub fn load(&self) -> Result<Loaded, Vec<ConfigError>> {
        self.registry.load(&self.dirs())
    }

    /// Load the configuration and start its jobs, writing to `output`.
    pub fn start(self, output: Arc<Output>) -> Result<Runner, Vec<ConfigError>> {
        let loaded = self.load()?;
        for note in &loaded.notes {
            output.log(note);
        }
        Ok(Runner::start(loaded.jobs, output, self.options))
    }

    /// Run as the process's command line asks; see the type's documentation.
    pub fn run(self) -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        self.run_args(&args)
    }

    /// Run with these arguments (without the program name).
    pub fn run_args(mut self, args: &[String]) -> ExitCode {
        if args.first().map(String::as_str) == Some("debug") {
            let Some(parsed) = crate::debug::DebugArgs::parse(&args[1..], self.dirs()) else {
                eprintln!("usage: debug MODULE [--job NAME] [--once]");
                return ExitCode::from(2);
            };
            let mut out = std::io::stdout().lock();
            return crate::debug::run_with(&self.registry, &parsed, &mut out);
        }
        match args.first().map(|a| a.parse::<u32>()) {
            None => {}
            Some(Ok(n)) if args.len() == 1 => self.options.min_update_every = n.max(1),
            _ => {
                eprintln!("usage: [update_every] | debug MODULE [--job NAME] [--once]");
                return ExitCode::from(2);
            }
        }
        let loaded = match self.load() {
            Ok(l) => l,
            Err(errors) => {
                for e in errors {
                    eprintln!("collied: {e}");
                }
                return ExitCode::FAILURE;
            }
        };
        for note in &loaded.notes {
            eprintln!("collied: {note}");
        }
        let stop = Arc::new(AtomicBool::new(false));
        for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
            let _ = signal_hook::flag::register(sig, Arc::clone(&stop));
        }
        let output = Arc::new(Output::stdout());
        serve(loaded, output, self.options, &stop)
    }
}

/// Run loaded jobs until they end or `stop` is set; keep Netdata's pipe alive; DISABLE when idle.
pub(crate) fn serve(
    loaded: Loaded,
    output: Arc<Output>,
    options: RunnerOptions,
    stop: &AtomicBool,
) -> ExitCode {
    let second = options.second;
    let runner = Runner::start(loaded.jobs, Arc::clone(&output), options);
    let keepalive = !std::io::stdout().is_terminal();
    let mut next_keepalive = Instant::now() + second;
    while !runner.finished() {
        if stop.load(Ordering::SeqCst) {
            runner.stop();
            break;
        }
        std::thread::sleep(Duration::from_millis(50).min(second));
        if keepalive && Instant::now() >= next_keepalive {
            next_keepalive += second;
            if output.write(b"\n").is_err() {
                runner.stop();
                break;
            }
        }
    }
    let summary = runner.join();
    if summary.ran == 0 && !stop.load(Ordering::SeqCst) {
        output.log("no jobs to run: disabling");
        let _ = output.write(b"DISABLE\n");
    }
    let _ = std::io::stdout().flush();
    ExitCode::SUCCESS
}
