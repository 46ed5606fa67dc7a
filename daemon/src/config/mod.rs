//! The YAML configuration file: its fields, defaults and error messages.
//!
//! Unknown keys are errors (with a "did you mean" suggestion), and every
//! error carries the file, line and column it was found at, so
//! `collied check` can point at it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

mod main_file;
mod network;
mod prometheus;

pub use main_file::{
    ConfigDirs, MAIN_FILE, MAX_DEPTH, MAX_FILE, MODULE_DIR, load_main_file, parse_main_file,
};
pub(crate) use main_file::{check_limits, is_blank};
pub use network::{DEFAULT_RECEIVE_BUFFER, ListenConfig, NetworkConfig, ServerConfig};
pub use prometheus::{PrometheusConfig, RemoteWriteConfig};

/// The configuration used when none is given: a socket in the working directory and the system collector.
pub const DEFAULT_YAML: &str = include_str!("default.yaml");

/// Identifiers one host may hold by default: a quarter of the cache, so one host name cannot lock out the rest.
pub const DEFAULT_HOST_QUOTA: usize = crate::store::CACHE_CAPACITY / 4;

/// Where the embedded default is said to come from in messages.
pub const DEFAULT_NAME: &str = "<embedded default>";

/// Everything collied can be configured to do.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Path of the Unix socket serving the collectd plain text protocol.
    pub socket: PathBuf,
    /// File mode of the socket, an octal string such as `"0660"`.
    #[serde(deserialize_with = "octal_mode", serialize_with = "show_mode")]
    pub socket_perms: u32,
    /// Group to give the socket to; none keeps the daemon's group.
    pub socket_group: Option<String>,
    /// Remove a stale socket file left by a previous run (never a live one).
    pub delete_socket: bool,
    /// Most clients connected at once; more are told so and closed.
    #[serde(deserialize_with = "at_least_one")]
    pub max_clients: usize,
    /// Seconds a client may stay silent before it is disconnected; 0 waits forever.
    #[serde(deserialize_with = "non_negative_secs")]
    pub idle_timeout: f64,
    /// Seconds a reply may take to be written before the client is dropped.
    #[serde(deserialize_with = "positive_secs")]
    pub write_timeout: f64,
    /// Seconds a client may take to finish a line it started before it is disconnected; 0 waits forever.
    #[serde(deserialize_with = "non_negative_secs")]
    pub line_timeout: f64,
    /// Host name for values sent with an empty host; none means the system's.
    pub hostname: Option<String>,
    /// Seconds between collections, and the interval of values sent without one.
    #[serde(deserialize_with = "positive_secs")]
    pub interval: f64,
    /// Intervals a value may miss before it expires from the cache (collectd's `Timeout`).
    #[serde(deserialize_with = "at_least_one_u32")]
    pub timeout: u32,
    /// Longest `interval=` a value is stored with, in seconds; longer ones are cut to it and counted, 0 for no limit.
    #[serde(deserialize_with = "non_negative_secs")]
    pub max_interval: f64,
    /// Identifiers one host may hold in the cache; new ones past it are refused and counted, 0 for no limit.
    pub host_quota: usize,
    /// Answer a value not newer than the cached one with collectd's success reply (it is dropped and counted either way).
    pub accept_old_values: bool,
    /// `types.db` files loaded over the built-in data sets, later files winning.
    pub types_db: Vec<PathBuf>,
    /// The Netdata output on stdout.
    pub netdata: NetdataConfig,
    /// collectd's binary network protocol: UDP listeners and upstream servers.
    pub network: NetworkConfig,
    /// A `/metrics` endpoint for Prometheus.
    pub prometheus: PrometheusConfig,
    /// The built-in system collector.
    pub system: SystemConfig,
    /// Programs that print PUTVAL/PUTNOTIF lines, as collectd's Exec plugin runs them.
    pub exec: Vec<ExecConfig>,
    /// Whether modules not listed under `modules` run their jobs (python.d's `default_run`).
    pub default_run: bool,
    /// Modules switched on (`true`) or off (`false`) by name; their jobs are in `collie.d/<module>.yaml`.
    #[serde(deserialize_with = "null_as_empty")]
    pub modules: BTreeMap<String, bool>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            socket: PathBuf::from("collied.sock"),
            socket_perms: 0o660,
            socket_group: None,
            delete_socket: true,
            max_clients: 1024,
            idle_timeout: 300.0,
            write_timeout: 10.0,
            line_timeout: 10.0,
            hostname: None,
            interval: 10.0,
            timeout: collie_core::cache::DEFAULT_TIMEOUT,
            max_interval: 3600.0,
            host_quota: DEFAULT_HOST_QUOTA,
            accept_old_values: false,
            types_db: Vec::new(),
            netdata: NetdataConfig::default(),
            network: NetworkConfig::default(),
            prometheus: PrometheusConfig::default(),
            system: SystemConfig::default(),
            exec: Vec::new(),
            default_run: true,
            modules: BTreeMap::new(),
        }
    }
}

/// Settings of the Netdata (plugins.d) output.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetdataConfig {
    /// Write charts to stdout.
    pub enabled: bool,
    /// Seconds between chart updates; under Netdata the larger of this and Netdata's.
    #[serde(deserialize_with = "at_least_one_u32")]
    pub update_every: u32,
    /// Also chart collied's own work (commands, errors, cache, clients, notifications).
    pub internal_charts: bool,
}

impl Default for NetdataConfig {
    fn default() -> Self {
        NetdataConfig {
            enabled: true,
            update_every: 1,
            internal_charts: true,
        }
    }
}

/// Settings of the built-in collector of load, memory and uptime.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SystemConfig {
    /// Run it.
    pub enabled: bool,
    /// Seconds between its collections; none means the global interval.
    #[serde(deserialize_with = "optional_positive_secs")]
    pub interval: Option<f64>,
}

/// One program to run as collectd's Exec plugin would (`Exec "user:group" "command" args…`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExecConfig {
    /// The user to run the program as; never root.
    #[serde(deserialize_with = "exec_user")]
    pub user: String,
    /// The group to run it as; none means the user's.
    #[serde(default)]
    pub group: Option<String>,
    /// The program, found on `PATH` unless it contains a `/`.
    #[serde(deserialize_with = "non_empty")]
    pub command: String,
    /// Its arguments.
    #[serde(default)]
    pub args: Vec<String>,
}

/// A configuration mistake, with the file and, when known, the line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file the mistake is in, or [`DEFAULT_NAME`].
    pub file: PathBuf,
    /// 1-based line and column, when the mistake has a place.
    pub at: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some((line, column)) => {
                write!(
                    f,
                    "{}:{line}:{column}: {}",
                    self.file.display(),
                    self.message
                )
            }
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Turn a YAML error into a [`ConfigError`]: place, message, and a suggestion for unknown names.
///
/// The one place configuration error text is shaped, for the main file and
/// module files alike: serde_yaml's trailing " at line L column C" is
/// dropped (the place is printed in front) and an unknown field becomes
/// "unknown key `x`, did you mean `y`?" or "unknown key `x`; known keys: …".
pub fn yaml_error(file: &Path, err: &serde_yaml::Error) -> ConfigError {
    let mut message = err.to_string();
    let at = err.location().map(|l| (l.line(), l.column()));
    if let Some((line, column)) = at {
        let suffix = format!(" at line {line} column {column}");
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message = stripped.to_owned();
        }
    }
    // serde's own message for derived structs: "unknown field `x`, expected one of `a`, `b`".
    if let Some(rest) = message.find("unknown field `").map(|i| &message[i..])
        && let Some((name, expected)) = rest["unknown field `".len()..].split_once('`')
    {
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let better = unknown_key(name, candidates.iter().copied());
        let start = message.len() - rest.len();
        message = format!("{}{better}", &message[..start]);
    }
    ConfigError {
        file: file.to_owned(),
        at: at.filter(|&(l, _)| l > 0),
        message,
    }
}

/// Return the candidate closest to `word`, if one is close enough to be a typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|&(score, _)| score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Word an unknown key: a suggestion if one is close, else the known keys, sorted.
pub fn unknown_key<'a>(key: &str, known: impl Iterator<Item = &'a str> + Clone) -> String {
    match did_you_mean(key, known.clone()) {
        Some(best) => format!("unknown key `{key}`, did you mean `{best}`?"),
        None => {
            let mut list: Vec<&str> = known.collect();
            list.sort_unstable();
            list.dedup();
            if list.is_empty() {
                format!("unknown key `{key}`: this takes no keys")
            } else {
                format!("unknown key `{key}`; known keys: {}", list.join(", "))
            }
        }
    }
}

impl Config {
    /// Return the top-level keys of the main file, in the order of the fields.
    pub fn keys() -> Vec<String> {
        match serde_yaml::to_value(Config::default()) {
            Ok(serde_yaml::Value::Mapping(map)) => map
                .keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Return the embedded default configuration.
    pub fn embedded() -> Config {
        Config::parse(DEFAULT_YAML, DEFAULT_NAME).expect("the embedded default is valid")
    }

    /// Parse YAML `text`; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        check_limits(Path::new(file), text)?;
        // An empty document (or one of only comments) means "all defaults".
        if main_file::is_blank(text) {
            return Ok(Config::default());
        }
        serde_yaml::from_str(text).map_err(|e| yaml_error(Path::new(file), &e))
    }

    /// Return whether module `name` runs its jobs: its switch under `modules`, else `default_run`.
    pub fn enabled(&self, name: &str) -> bool {
        self.modules.get(name).copied().unwrap_or(self.default_run)
    }
}

fn octal_mode<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    struct Mode;
    impl de::Visitor<'_> for Mode {
        type Value = u32;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an octal mode as a quoted string, such as \"0660\"")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<u32, E> {
            let digits = s.strip_prefix("0o").unwrap_or(s);
            match u32::from_str_radix(digits, 8) {
                Ok(mode) if mode <= 0o777 && !digits.is_empty() => Ok(mode),
                _ => Err(E::custom(format!(
                    "expected an octal mode from \"0000\" to \"0777\", got {s:?}"
                ))),
            }
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<u32, E> {
            Err(E::custom(
                "write the mode as an octal string with a leading zero, such as \"0660\"",
            ))
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<u32, E> {
            self.visit_u64(n.unsigned_abs())
        }
    }
    d.deserialize_any(Mode)
}

/// Read a map, taking `key:` with nothing after it (every entry commented out) as an empty one.
fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, bool>, D::Error> {
    Ok(Option::<BTreeMap<String, bool>>::deserialize(d)?.unwrap_or_default())
}

fn show_mode<S: serde::Serializer>(mode: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{mode:04o}"))
}

/// Checks a number as it is read, so that errors carry the value's location.
struct Number {
    what: &'static str,
    /// The smallest value allowed, and whether it is allowed itself.
    min: f64,
    min_ok: bool,
    integer: bool,
}

impl de::Visitor<'_> for Number {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        let fits = v.is_finite() && (v > self.min || (self.min_ok && v == self.min));
        if !fits || (self.integer && v.fract() != 0.0) {
            return Err(E::custom(format!("expected {}, got {v}", self.what)));
        }
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        self.visit_f64(v as f64)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        self.visit_f64(v as f64)
    }
}

fn number<'de, D: Deserializer<'de>>(d: D, n: Number) -> Result<f64, D::Error> {
    d.deserialize_any(n)
}

fn positive_secs<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let n = Number {
        what: "more than zero seconds",
        min: 0.0,
        min_ok: false,
        integer: false,
    };
    number(d, n)
}

fn non_negative_secs<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let n = Number {
        what: "zero or more seconds",
        min: 0.0,
        min_ok: true,
        integer: false,
    };
    number(d, n)
}

fn optional_positive_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    positive_secs(d).map(Some)
}

fn at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let n = Number {
        what: "a whole number of at least 1",
        min: 1.0,
        min_ok: true,
        integer: true,
    };
    number(d, n).map(|v| v.min(usize::MAX as f64) as usize)
}

fn at_least_one_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = Number {
        what: "a whole number of at least 1",
        min: 1.0,
        min_ok: true,
        integer: true,
    };
    number(d, n).map(|v| v.min(f64::from(u32::MAX)) as u32)
}

/// Checks a string as it is read, so that errors carry the value's location.
struct Text {
    /// Refuse `root` (and uid 0).
    not_root: bool,
}

impl de::Visitor<'_> for Text {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-empty string")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<String, E> {
        if s.trim().is_empty() {
            return Err(E::custom("must not be empty"));
        }
        if self.not_root && (s == "root" || s == "0") {
            return Err(E::custom(
                "exec programs never run as root, as in collectd; name an unprivileged user",
            ));
        }
        Ok(s.to_string())
    }
}

fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_str(Text { not_root: false })
}

fn exec_user<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_str(Text { not_root: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Config::parse(text, "c.yaml").unwrap_err().to_string()
    }

    #[test]
    fn defaults_and_embedded() {
        let empty = Config::parse("# nothing\n\n", "c.yaml").unwrap();
        assert_eq!(empty, Config::default());
        assert!(!empty.system.enabled);
        let embedded = Config::embedded();
        assert!(embedded.system.enabled);
        assert_eq!(embedded.socket, Path::new("collied.sock"));
        assert_eq!(embedded.socket_perms, 0o660);
        assert!(embedded.delete_socket);
    }

    #[test]
    fn full_file() {
        let c = Config::parse(
            "socket: /run/collied.sock\nsocket_perms: \"0600\"\nsocket_group: metrics\n\
             delete_socket: false\nmax_clients: 10\nidle_timeout: 0\nwrite_timeout: 2.5\n\
             hostname: h\ninterval: 5\ntimeout: 3\ntypes_db: [/a, /b]\n\
             netdata: {enabled: false, update_every: 2, internal_charts: false}\n\
             system: {enabled: true, interval: 1}\n\
             exec:\n  - user: nobody\n    group: nogroup\n    command: /bin/prog\n    args: [a, b]\n",
            "c.yaml",
        )
        .unwrap();
        assert_eq!(c.socket_perms, 0o600);
        assert_eq!(c.idle_timeout, 0.0);
        assert_eq!(c.types_db.len(), 2);
        assert_eq!(c.system.interval, Some(1.0));
        assert_eq!(c.exec[0].args, ["a", "b"]);
        assert_eq!(c.exec[0].group.as_deref(), Some("nogroup"));
    }

    #[test]
    fn unknown_keys_suggest_the_closest() {
        assert_eq!(
            err("interval: 10\nsockt: x\n"),
            "c.yaml:2:1: unknown key `sockt`, did you mean `socket`?"
        );
        assert_eq!(
            err("netdata:\n  update_evry: 1\n"),
            "c.yaml:2:3: netdata: unknown key `update_evry`, did you mean `update_every`?"
        );
        assert_eq!(
            err("zzz: 1\n"),
            "c.yaml:1:1: unknown key `zzz`; known keys: accept_old_values, default_run, delete_socket, exec, \
             host_quota, hostname, idle_timeout, interval, line_timeout, max_clients, max_interval, modules, netdata, network, prometheus, socket, \
             socket_group, socket_perms, system, timeout, types_db, write_timeout"
        );
    }

    #[test]
    fn the_jobs_keys_share_the_file() {
        let c = Config::parse("default_run: false\nmodules:\n  redis: true\n", "c.yaml").unwrap();
        assert!(c.enabled("redis"));
        assert!(!c.enabled("weather"));
        let all_commented = Config::parse("modules:\n#  redis: true\n", "c.yaml").unwrap();
        assert!(all_commented.modules.is_empty() && all_commented.enabled("redis"));
        assert_eq!(
            err("modules:\n  redis: yes please\n"),
            "c.yaml:2:10: modules.redis: invalid type: string \"yes please\", expected a boolean"
        );
    }

    #[test]
    fn bad_values_have_locations() {
        // YAML 1.2 reads 0660 as a string (its octal ints are 0o660), which is what we want.
        let ok = Config::parse("socket_perms: 0660\n", "c.yaml").unwrap();
        assert_eq!(ok.socket_perms, 0o660);
        assert_eq!(
            err("socket_perms: 660\n"),
            "c.yaml:1:15: socket_perms: write the mode as an octal string with a leading zero, such as \"0660\""
        );
        assert!(
            err("socket_perms: \"0999\"\n")
                .starts_with("c.yaml:1:15: socket_perms: expected an octal mode")
        );
        let e = err("interval: 0\n");
        assert!(
            e.starts_with("c.yaml:1:11: interval: expected more than zero"),
            "{e}"
        );
        assert!(err("exec:\n  - user: root\n    command: x\n").contains("never run as root"));
        assert!(
            err("exec:\n  - user: a\n").starts_with("c.yaml:2:5: exec[0]: missing field `command`")
        );
        assert!(
            err("timeout: -1\n")
                .starts_with("c.yaml:1:10: timeout: expected a whole number of at least 1")
        );
        assert!(
            err("max_clients: 1.5\n").starts_with("c.yaml:1:14: max_clients: expected a whole")
        );
        assert!(
            err("exec:\n  - user: \"\"\n    command: x\n")
                .contains("exec[0].user: must not be empty")
        );
        assert!(err("socket: [\n").starts_with("c.yaml:"));
    }

    #[test]
    fn huge_or_deeply_nested_files_are_refused_before_parsing() {
        let deep = "a: ".to_owned() + &"[".repeat(80_000);
        let started = std::time::Instant::now();
        let e = Config::parse(&deep, "deep.yaml").unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(
            e.to_string(),
            "deep.yaml:1:68: nested more than 64 levels deep"
        );
        let big = format!("# {}\n", "x".repeat(MAX_FILE));
        let e = Config::parse(&big, "big.yaml").unwrap_err();
        assert!(
            e.to_string().starts_with("big.yaml: is 1048579 bytes"),
            "{e}"
        );
        // Brackets in quotes and comments are not nesting.
        let fine = format!("hostname: \"{}\"  # {}\n", "[".repeat(100), "{".repeat(100));
        assert_eq!(
            Config::parse(&fine, "fine.yaml")
                .unwrap()
                .hostname
                .unwrap()
                .len(),
            100
        );
    }
}
