//! The YAML configuration file: its fields, defaults and error messages.
//!
//! Unknown keys are errors (with a "did you mean" suggestion), and every
//! error carries the file, line and column it was found at, so
//! `collied check` can point at it.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

/// The configuration used when none is given: a socket in the working directory and the system collector.
pub const DEFAULT_YAML: &str = include_str!("default.yaml");

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
    /// Host name for values sent with an empty host; none means the system's.
    pub hostname: Option<String>,
    /// Seconds between collections, and the interval of values sent without one.
    #[serde(deserialize_with = "positive_secs")]
    pub interval: f64,
    /// Intervals a value may miss before it expires from the cache (collectd's `Timeout`).
    #[serde(deserialize_with = "at_least_one_u32")]
    pub timeout: u32,
    /// `types.db` files loaded over the built-in data sets, later files winning.
    pub types_db: Vec<PathBuf>,
    /// The Netdata output on stdout.
    pub netdata: NetdataConfig,
    /// The built-in system collector.
    pub system: SystemConfig,
    /// Programs that print PUTVAL/PUTNOTIF lines, as collectd's Exec plugin runs them.
    pub exec: Vec<ExecConfig>,
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
            hostname: None,
            interval: 10.0,
            timeout: collie_core::cache::DEFAULT_TIMEOUT,
            types_db: Vec::new(),
            netdata: NetdataConfig::default(),
            system: SystemConfig::default(),
            exec: Vec::new(),
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

/// A configuration that could not be read, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, or [`DEFAULT_NAME`].
    pub file: String,
    /// 1-based line and column, when known.
    pub location: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Read and check the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            location: None,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(&text, &file)
    }

    /// Return the embedded default configuration.
    pub fn embedded() -> Config {
        Config::parse(DEFAULT_YAML, DEFAULT_NAME).expect("the embedded default is valid")
    }

    /// Parse YAML `text`; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        // An empty document (or one of only comments) means "all defaults".
        let blank = text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
        if blank {
            return Ok(Config::default());
        }
        serde_yaml::from_str(text).map_err(|e| ConfigError {
            file: file.to_string(),
            location: e.location().map(|l| (l.line(), l.column())),
            message: explain(&e.to_string()),
        })
    }
}

/// Drop serde_yaml's " at line L column C" (the location is printed in front) and suggest a key for a typo.
fn explain(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => &message[..i],
        _ => message,
    };
    let Some((head, rest)) = message.split_once("unknown field `") else {
        return message.to_string();
    };
    let Some((unknown, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let best = known
        .iter()
        .map(|k| (strsim::jaro_winkler(unknown, k), *k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = format!("{head}unknown key `{unknown}`");
    if let Some((_, k)) = best {
        out.push_str(&format!(", did you mean `{k}`?"));
    }
    if !known.is_empty() {
        out.push_str(&format!(" (known keys: {})", known.join(", ")));
    }
    out
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
            "c.yaml:2:1: unknown key `sockt`, did you mean `socket`? (known keys: socket, \
             socket_perms, socket_group, delete_socket, max_clients, idle_timeout, write_timeout, \
             hostname, interval, timeout, types_db, netdata, system, exec)"
        );
        assert!(err("netdata:\n  update_evry: 1\n").starts_with(
            "c.yaml:2:3: netdata: unknown key `update_evry`, did you mean `update_every`?"
        ));
        let far = err("zzz: 1\n");
        assert!(
            far.starts_with("c.yaml:1:1: unknown key `zzz` (known keys:"),
            "{far}"
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
}
