//! The `collied` program: [`Daemon`], the one builder of it for its own binary and for yours,
//! the command line ([`cli`]), `collied debug` ([`debug`]), `collied install-plugin`
//! ([`install`]) and running it ([`run`]).

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

pub mod cli;
pub mod debug;
pub mod install;
pub mod run;
pub mod terminal;

use self::cli::Invocation;
use self::debug::DebugArgs;
use self::run::EXIT_CONFIG;
use crate::config::{self, Config, ConfigDirs, ConfigError, MAIN_FILE, load_main_file};
use crate::jobs::{Loaded, Module, Output, Registry, Runner, RunnerOptions};

/// The `collied` program: socket server, collectors, Exec programs, jobs and the Netdata output.
///
/// `collied` itself is `Daemon::new().builtin_modules().run()`; a binary of
/// your own adds its modules and is the same program with them:
///
/// ```no_run
/// # use collied::Daemon;
/// # fn main() -> std::process::ExitCode {
/// Daemon::new()
///     .builtin_modules()
///     // .module::<MyCollector>()
///     .run()
/// # }
/// ```
///
/// `run()` reads the command line as `collied --help` describes it:
/// `[--config FILE] …` runs in the foreground, `<update_every> [options…]`
/// runs as Netdata's external plugin, `check [--config FILE]` validates the
/// main file and every module file and lists the jobs that would run, and
/// `debug MODULE [--job NAME] [--once] [--config FILE]` runs one module in
/// the foreground, printing what it collects.
///
/// Configuration: one main file, `collie.yaml` (the daemon's settings plus
/// `default_run` and `modules`), and `collie.d/<module>.yaml` next to it.
/// Without `--config`, a daemon given [`config_dir`](Self::config_dir) reads
/// them there; otherwise under Netdata (and for `debug`) from
/// `$NETDATA_USER_CONFIG_DIR`, then `$NETDATA_STOCK_CONFIG_DIR`, and in the
/// foreground the built-in default is used.
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

    /// Read `collie.yaml` and `collie.d/` from `dir` unless `--config` says otherwise.
    pub fn config_dir(mut self, dir: impl Into<PathBuf>) -> Daemon {
        self.dirs = Some(ConfigDirs::only(dir));
        self
    }

    /// Read configuration from these directories unless `--config` says otherwise.
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

    /// Return the configuration directories: the ones given, else Netdata's.
    pub fn dirs(&self) -> ConfigDirs {
        self.dirs.clone().unwrap_or_else(ConfigDirs::from_env)
    }

    /// Load the main file and every enabled module's jobs from [`dirs`](Self::dirs).
    pub fn load(&self) -> Result<Loaded, Vec<ConfigError>> {
        self.registry.load(&self.dirs())
    }

    /// Load the configuration and start only its jobs, writing to `output` (for tests and embedding).
    pub fn start(self, output: Arc<Output>) -> Result<Runner, Vec<ConfigError>> {
        let loaded = self.load()?;
        for note in &loaded.notes {
            output.log(note);
        }
        Ok(Runner::start(loaded.jobs, output, self.options))
    }

    /// Run as the process's command line asks; see the type's documentation.
    pub fn run(self) -> ExitCode {
        self.run_from(std::env::args_os())
    }

    /// Run as the command line `args` (program name first) asks.
    pub fn run_from<I, T>(self, args: I) -> ExitCode
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        match cli::parse(args) {
            Invocation::Check { config } => match self.prepare(config.as_deref(), false) {
                Ok((config, source, loaded)) => run::check(&config, &source, &describe(&loaded)),
                Err(errors) => {
                    for e in errors {
                        eprintln!("{e}");
                    }
                    ExitCode::from(EXIT_CONFIG)
                }
            },
            Invocation::Debug {
                module,
                job,
                once,
                config,
            } => {
                let dirs = match self.main_file(config.as_deref(), true) {
                    Ok((_, _, dirs)) => dirs,
                    Err(errors) => {
                        for e in errors {
                            eprintln!("{e}");
                        }
                        return ExitCode::from(EXIT_CONFIG);
                    }
                };
                let args = DebugArgs {
                    module,
                    job,
                    once,
                    dirs,
                    max_runs: None,
                };
                debug::run_with(&self.registry, &args, &mut std::io::stdout().lock())
            }
            Invocation::Run(args) => match self.prepare(args.config.as_deref(), false) {
                Ok((config, source, loaded)) => run::start(
                    run::apply(config, &args),
                    &source,
                    run::Mode::Foreground {
                        terminal: !args.plugins_d && std::io::stdout().is_terminal(),
                    },
                    loaded,
                    self.options,
                ),
                Err(errors) => config_errors(&errors),
            },
            Invocation::InstallPlugin {
                plugins_dir,
                config_dir,
                dry_run,
            } => install::run(plugins_dir, config_dir, dry_run),
            Invocation::Plugin {
                update_every,
                extra,
            } => {
                if !extra.is_empty() {
                    info!("ignoring Netdata's command options {extra:?}");
                }
                match self.prepare(None, true) {
                    Ok((config, source, loaded)) => run::start(
                        config,
                        &source,
                        run::Mode::Plugin { update_every },
                        loaded,
                        self.options,
                    ),
                    Err(errors) => config_errors(&errors),
                }
            }
        }
    }

    /// Find and read the main file: `explicit`, else `collie.yaml` in the configured directories
    /// (Netdata's when `netdata`), else the built-in default. Also return its name and where module files are.
    fn main_file(
        &self,
        explicit: Option<&Path>,
        netdata: bool,
    ) -> Result<(Config, String, ConfigDirs), Vec<ConfigError>> {
        let names = self.registry.names();
        if let Some(path) = explicit {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(""));
            let main = load_main_file(path, &names)?;
            return Ok((main, path.display().to_string(), ConfigDirs::only(dir)));
        }
        let dirs = match &self.dirs {
            Some(dirs) => dirs.clone(),
            None if netdata => ConfigDirs::from_env(),
            None => ConfigDirs::default(),
        };
        match dirs.find(Path::new(MAIN_FILE)) {
            Some(path) => {
                let main = load_main_file(&path, &names)?;
                Ok((main, path.display().to_string(), dirs))
            }
            None => Ok((Config::embedded(), config::DEFAULT_NAME.to_owned(), dirs)),
        }
    }

    /// Read the main file and the jobs of every module it enables.
    fn prepare(
        &self,
        explicit: Option<&Path>,
        netdata: bool,
    ) -> Result<(Config, String, Loaded), Vec<ConfigError>> {
        let (config, source, dirs) = self.main_file(explicit, netdata)?;
        let loaded = self.registry.load_jobs(config.clone(), &dirs)?;
        Ok((config, source, loaded))
    }
}

fn config_errors(errors: &[ConfigError]) -> ExitCode {
    for e in errors {
        error!("{e}");
    }
    ExitCode::from(EXIT_CONFIG)
}

/// Describe the jobs that would run, one line each, as `collied check` prints them.
pub fn describe(loaded: &Loaded) -> String {
    let mut s = String::new();
    for note in &loaded.notes {
        let _ = writeln!(s, "note: {note}");
    }
    if loaded.jobs.is_empty() {
        s.push_str("jobs: none\n");
    }
    let mut previous: Option<(&str, &str)> = None;
    for job in &loaded.jobs {
        let st = &job.settings;
        let alternative = previous == Some((st.module, st.name.as_str()));
        previous = Some((st.module, st.name.as_str()));
        let _ = writeln!(
            s,
            "job {}{}: {}, every {} s, {}",
            job.label(),
            if alternative {
                " (if the one above fails)"
            } else {
                ""
            },
            job.source,
            st.update_every,
            job.file
                .as_ref()
                .map_or("module defaults (no module file)".to_owned(), |f| {
                    format!("from {}", f.display())
                }),
        );
    }
    s
}
