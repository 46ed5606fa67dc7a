//! The command line: run in the foreground, run under Netdata, check a configuration, or debug a module.
//!
//! Netdata starts an external plugin as `<plugin> <update_every> [options…]`,
//! so a first argument that is a whole number selects plugin mode before
//! clap sees the line (unless `--help` or `--version` follows it);
//! everything else goes through clap.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// collectd's plain text protocol on a Unix socket, as Netdata charts.
#[derive(Debug, Parser)]
#[command(
    name = "collied",
    version,
    about,
    long_about = "collied serves collectd's plain text protocol (PUTVAL, GETVAL, LISTVAL, \
                  PUTNOTIF, FLUSH) on a Unix socket, runs collectors, and writes every value \
                  to stdout as Netdata plugins.d charts.\n\n\
                  Under Netdata it runs as `collie.plugin <update_every>` (a symlink to \
                  collied in a plugins directory) and reads collie.yaml from \
                  $NETDATA_USER_CONFIG_DIR, then $NETDATA_STOCK_CONFIG_DIR, and each module's \
                  jobs from collie.d/<module>.yaml next to it.",
    override_usage = "collied [OPTIONS]\n       \
                      collied <N> [NETDATA OPTIONS]...   (as a Netdata plugin, N = update_every)\n       \
                      collied <COMMAND>",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to do instead of running the daemon.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// How to run the daemon.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Options of a daemon run; each overrides the configuration file.
#[derive(Debug, Clone, Default, PartialEq, Args)]
pub struct RunArgs {
    /// The YAML configuration file (default: a built-in one).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The Unix socket to serve.
    #[arg(long, short = 's', value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// A types.db file to load over the built-in data sets; repeat for more.
    #[arg(long = "types-db", value_name = "FILE")]
    pub types_db: Vec<PathBuf>,
    /// Host name for values sent with an empty host.
    #[arg(long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// Seconds between collections and for values sent without an interval.
    #[arg(long, value_name = "SECS", value_parser = positive_secs)]
    pub interval: Option<f64>,
    /// Print Netdata's plugins.d stream even when stdout is a terminal (instead of a summary and a status line).
    #[arg(long = "plugins-d")]
    pub plugins_d: bool,
}

/// Subcommands.
#[derive(Debug, Clone, PartialEq, Subcommand)]
pub enum Command {
    /// Check a configuration and print what would run; exit 2 if it is invalid.
    Check {
        /// The YAML configuration file (default: the built-in one); module files are read from collie.d/ next to it.
        #[arg(long, short = 'c', value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Run one module's jobs in the foreground and print what each collects.
    Debug {
        /// The module to run.
        module: String,
        /// Only the job(s) of this name.
        #[arg(long, value_name = "NAME")]
        job: Option<String>,
        /// Collect once (the check) and exit; exit 1 if no job passed it.
        #[arg(long)]
        once: bool,
        /// The main file, with module files in collie.d/ next to it (default: Netdata's configuration directories).
        #[arg(long, short = 'c', value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Install collied as Netdata's `collie.plugin`: link it into Netdata's plugins directory and add a configuration if none is there.
    InstallPlugin {
        /// Netdata's plugins directory (default: found from netdata.conf, `netdata -W buildinfo`, or the usual places).
        #[arg(long, value_name = "DIR")]
        plugins_dir: Option<PathBuf>,
        /// Netdata's configuration directory, where collie.yaml goes (default: found as the plugins directory is).
        #[arg(long, value_name = "DIR")]
        config_dir: Option<PathBuf>,
        /// Say what would be done, and do nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// Run in the foreground with these options.
    Run(RunArgs),
    /// Run as Netdata's external plugin, updating every `update_every` seconds.
    Plugin {
        /// Netdata's update interval, the first argument.
        update_every: u32,
        /// Netdata's `command options`, tolerated and logged.
        extra: Vec<String>,
    },
    /// Check a configuration.
    Check {
        /// The file, or none for the embedded default.
        config: Option<PathBuf>,
    },
    /// Run one module in the foreground, printing what it collects.
    Debug {
        /// The module to run.
        module: String,
        /// Only the job(s) of this name.
        job: Option<String>,
        /// Collect once and exit.
        once: bool,
        /// The main file, or none for Netdata's configuration directories.
        config: Option<PathBuf>,
    },
    /// Install as Netdata's plugin.
    InstallPlugin {
        /// Netdata's plugins directory, or none to find it.
        plugins_dir: Option<PathBuf>,
        /// Netdata's configuration directory, or none to find it.
        config_dir: Option<PathBuf>,
        /// Only say what would be done.
        dry_run: bool,
    },
}

/// Read the command line (`args` includes the program name); clap exits on `--help`, `--version` and errors.
pub fn parse<I, T>(args: I) -> Invocation
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let asks = |flags: &[&str]| args.iter().skip(2).any(|a| flags.iter().any(|f| a == f));
    if let Some(update_every) = args
        .get(1)
        .and_then(|a| a.to_str())
        .and_then(|a| a.parse::<u32>().ok())
    {
        // `collied 1 --help` is a person asking, not Netdata starting a plugin.
        for flag in [["--help", "-h"], ["--version", "-V"]] {
            if asks(&flag) {
                Cli::parse_from([&args[0], &OsString::from(flag[0])]);
            }
        }
        let extra = args
            .iter()
            .skip(2)
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        return Invocation::Plugin {
            update_every,
            extra,
        };
    }
    let cli = Cli::parse_from(args);
    match cli.command {
        Some(Command::Check { config }) => Invocation::Check { config },
        Some(Command::Debug {
            module,
            job,
            once,
            config,
        }) => Invocation::Debug {
            module,
            job,
            once,
            config,
        },
        Some(Command::InstallPlugin {
            plugins_dir,
            config_dir,
            dry_run,
        }) => Invocation::InstallPlugin {
            plugins_dir,
            config_dir,
            dry_run,
        },
        None => Invocation::Run(cli.run),
    }
}

fn positive_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "expected a number of seconds above zero, got {s:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_mode_takes_a_number_and_tolerates_more() {
        assert_eq!(
            parse(["collie.plugin", "5", "debug", "--x"]),
            Invocation::Plugin {
                update_every: 5,
                extra: vec!["debug".into(), "--x".into()]
            }
        );
    }

    #[test]
    fn foreground_flags_and_check() {
        let Invocation::Run(run) = parse([
            "collied",
            "--socket",
            "/s",
            "--types-db",
            "a",
            "--types-db",
            "b",
            "--interval",
            "2.5",
            "--hostname",
            "h",
        ]) else {
            panic!("not a run");
        };
        assert_eq!(run.socket, Some(PathBuf::from("/s")));
        assert_eq!(run.types_db.len(), 2);
        assert_eq!(run.interval, Some(2.5));
        assert_eq!(run.hostname.as_deref(), Some("h"));
        assert_eq!(parse(["collied"]), Invocation::Run(RunArgs::default()));
        assert_eq!(
            parse(["collied", "check", "--config", "f.yaml"]),
            Invocation::Check {
                config: Some("f.yaml".into())
            }
        );
        assert!(Cli::try_parse_from(["collied", "--interval", "0"]).is_err());
        assert_eq!(
            parse(["collied", "debug", "redis", "--job", "local", "--once"]),
            Invocation::Debug {
                module: "redis".into(),
                job: Some("local".into()),
                once: true,
                config: None,
            }
        );
        assert!(Cli::try_parse_from(["collied", "debug"]).is_err());
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
