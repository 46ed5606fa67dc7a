//! The [`Module`] trait a collector implements, and the type-erased [`Job`] the runner drives.

use std::fmt;

use collie_core::chart::{Chart, Collector};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::source::{BoxError, Source};

/// The settings type of a module's source.
pub type SourceConfig<M> = <<M as Module>::Source as Source>::Config;
/// What a module's source hands to [`Module::collect`].
pub type SourceOutput<M> = <<M as Module>::Source as Source>::Output;

/// A collector bound to a source, run as jobs configured in YAML.
///
/// Derive [`Collector`] for the charts, pick a [`Source`], and parse the
/// source's output into the struct's fields in [`Module::collect`]:
///
/// ```
/// use collie_core::chart::Collector as _;
/// use collied::jobs::Module;
/// use collied::source::{BoxError, NoConfig, Simple};
///
/// #[derive(collie_macros::Collector, Default)]
/// #[collector(crate = collie_core)]
/// #[chart(id = "dice", title = "Dice", units = "points")]
/// struct Dice {
///     #[dim]
///     roll: u8,
/// }
///
/// impl Module for Dice {
///     const NAME: &'static str = "dice";
///     type Source = Simple;
///     type Config = NoConfig;
///     fn new(_: &NoConfig, _: &collied::jobs::JobInfo) -> Result<Self, BoxError> {
///         Ok(Dice::default())
///     }
///     fn collect(&mut self, (): ()) -> Result<(), BoxError> {
///         self.roll = self.roll % 6 + 1;
///         Ok(())
///     }
/// }
/// assert_eq!(Dice::CHARTS[0].id, "dice");
/// ```
pub trait Module: Collector + Send + Sized + 'static {
    /// The module's name: its switch in the main file and its file `collie.d/<NAME>.yaml`.
    const NAME: &'static str;
    /// Run one job with default settings when the module has no file (autodetection).
    const DEFAULT_JOB: bool = true;
    /// Seconds between collections unless configured.
    const UPDATE_EVERY: u32 = 1;
    /// Where the raw data comes from.
    type Source: Source;
    /// The module's own job keys, with their defaults; unknown keys are refused.
    type Config: Serialize + DeserializeOwned + Default + Clone + fmt::Debug + Send + Sync + 'static;

    /// The source settings a job starts from, before its keys apply (a default port, say).
    fn source_defaults() -> SourceConfig<Self> {
        SourceConfig::<Self>::default()
    }

    /// Adjust the merged source settings to the module's (set a request, a completeness check).
    fn finish_source(source: &mut SourceConfig<Self>, config: &Self::Config) {
        let _ = (source, config);
    }

    /// Check the module's settings at load time.
    fn validate(config: &Self::Config) -> Result<(), String> {
        let _ = config;
        Ok(())
    }

    /// Create the collector of one job.
    fn new(config: &Self::Config, job: &JobInfo) -> Result<Self, BoxError>;

    /// Parse one collection's raw data into the fields.
    fn collect(&mut self, data: SourceOutput<Self>) -> Result<(), BoxError>;

    /// Show `f` the charts to send: the derived ones unless the module builds its own from settings.
    fn charts(&self, f: &mut dyn FnMut(&[Chart<'_>])) {
        f(Self::CHARTS);
    }
}

/// What a module learns about the job it runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInfo {
    /// The module's name.
    pub module: &'static str,
    /// The job's name.
    pub name: String,
    /// The job's chart type: the module, or `module_name`.
    pub full_name: String,
    /// Seconds between collections.
    pub update_every: u32,
}

/// A running job with its type erased, as the runner and `collied debug` drive it.
pub trait Job: Send {
    /// Prepare the collector and its source; failures fail the check.
    fn open(&mut self) -> Result<(), BoxError>;
    /// Fetch raw data and parse it.
    fn collect(&mut self) -> Result<(), BoxError>;
    /// Show `f` the charts, as of the last collection.
    fn charts(&self, f: &mut dyn FnMut(&[Chart<'_>]));
    /// The value of dimension `dim` of chart `chart`, as of the last collection.
    fn value(&self, chart: usize, dim: usize) -> Option<i64>;
}
