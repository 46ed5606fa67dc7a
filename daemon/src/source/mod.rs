//! Where a collector's raw data comes from: HTTP, a socket, a log file, a command, or nothing.
//!
//! A [`Source`] is python.d's service base class as a value: its settings
//! are job keys read from YAML, [`Source::open`] prepares it when a job is
//! checked, and [`Source::fetch`] hands one collection's raw data to the
//! module's parse step.

mod command;
mod log;
mod socket;
mod url;

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use command::{Command, CommandConfig, CommandLine, SHELL_CHARS, find_program};
pub use log::{Log, LogConfig};
pub use socket::{Complete, Socket, SocketConfig};
pub use url::{Url, UrlConfig};

/// Any error a source or a module reports; shown to the user as text.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The service a source reads is not there: nothing listens at the address, or the file does not exist.
///
/// Not a fault of collied or of the job: a job whose service is absent says
/// so as information (`redis[local]: no server at localhost:6379, will not run`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Absent {
    /// Nothing accepts connections at this address.
    #[error("no server at {0}")]
    Server(String),
    /// There is no such file.
    #[error("no file {0}")]
    File(String),
}

impl Absent {
    /// Return `error` from reaching `what` as [`Absent`] when it means the service is not there, else as it is.
    pub fn or_error(what: impl fmt::Display, error: std::io::Error) -> BoxError {
        use std::io::ErrorKind;
        match error.kind() {
            ErrorKind::ConnectionRefused => Absent::Server(what.to_string()).into(),
            ErrorKind::NotFound => Absent::File(what.to_string()).into(),
            _ => format!("{what}: {error}").into(),
        }
    }
}

/// A kind of raw data a collector can be bound to.
pub trait Source: Send + Sized + 'static {
    /// The job keys this source reads, with their defaults; unknown keys are refused.
    type Config: Serialize + DeserializeOwned + Default + Clone + fmt::Debug + Send + Sync + 'static;
    /// What one collection hands to the module.
    type Output;
    /// A short name for messages, such as `url` or `log`.
    const KIND: &'static str;

    /// Check a job's merged settings at load time, before anything is opened.
    fn validate(config: &Self::Config) -> Result<(), String> {
        let _ = config;
        Ok(())
    }

    /// Describe where data comes from, for logs and `collied debug`.
    fn describe(config: &Self::Config) -> String;

    /// Prepare to collect (open a file, resolve a binary); failures fail the job's check.
    fn open(config: &Self::Config) -> Result<Self, BoxError>;

    /// Get one collection's raw data.
    fn fetch(&mut self) -> Result<Self::Output, BoxError>;
}

/// No settings: a source or module that reads no job keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoConfig {}

/// The source of collectors that compute their values themselves (python.d's `SimpleService`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Simple;

impl Source for Simple {
    type Config = NoConfig;
    type Output = ();
    const KIND: &'static str = "simple";

    fn describe(_: &NoConfig) -> String {
        "computed by the module".to_owned()
    }

    fn open(_: &NoConfig) -> Result<Self, BoxError> {
        Ok(Simple)
    }

    fn fetch(&mut self) -> Result<(), BoxError> {
        Ok(())
    }
}

/// Return a duration of `seconds`, refusing negative, non-finite or absurd values.
pub(crate) fn seconds(seconds: f64, what: &str) -> Result<std::time::Duration, String> {
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0) {
        return Err(format!(
            "{what} must be a number of seconds above 0 and at most 86400, not {seconds}"
        ));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}
