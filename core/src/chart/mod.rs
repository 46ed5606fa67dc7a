//! Netdata charts and dimensions as `const` data, and the [`Collector`] trait.
//!
//! This is collie's one chart model. A [`Chart`] and its [`Dimension`]s
//! borrow their text for a lifetime `'a`: a derived collector's table is
//! `Chart<'static>`, built with `const fn` builders, so it lives in
//! read-only memory and costs nothing at run time, while a daemon that
//! learns its charts while running (from identifiers it receives, from
//! configuration) builds the same types over text it owns:
//!
//! ```
//! use collie_core::chart::{Algorithm, Chart, ChartType, Dimension};
//!
//! const RAIN: Chart<'static> = Chart::new("weather", "rain")
//!     .title("Rain")
//!     .units("mm/s")
//!     .context("weather.rain")
//!     .chart_type(ChartType::Stacked)
//!     .dimensions(&[Dimension::new("rain_total_mm")
//!         .name("rain")
//!         .algorithm(Algorithm::Incremental)
//!         .divisor(1000)]);
//! assert_eq!(RAIN.validate(), Ok(()));
//! ```
//!
//! `#[derive(Collector)]` (from `collie-macros`) writes these tables from an
//! annotated struct and checks them at compile time; [`Chart::validate`]
//! applies the same rules to hand-written tables at run time.

mod value;

pub use value::DimensionValue;

pub use crate::netdata::ChartState;
use crate::netdata::{Error, Field, Problem};

/// How Netdata draws a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ChartType {
    /// One line per dimension.
    #[default]
    Line,
    /// Filled area per dimension.
    Area,
    /// Dimensions stacked on top of each other.
    Stacked,
}

impl ChartType {
    /// Every chart type, in Netdata's documentation order.
    pub const ALL: [ChartType; 3] = [ChartType::Line, ChartType::Area, ChartType::Stacked];

    /// Parse a Netdata chart type keyword.
    pub fn from_name(name: &str) -> Option<ChartType> {
        ChartType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Return the keyword Netdata expects in a CHART line.
    pub const fn as_str(self) -> &'static str {
        match self {
            ChartType::Line => "line",
            ChartType::Area => "area",
            ChartType::Stacked => "stacked",
        }
    }
}

/// How Netdata turns collected numbers into stored values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// Store `collected × multiplier / divisor` as is (a gauge).
    #[default]
    Absolute,
    /// Store the per-second rate of a monotonically increasing counter.
    Incremental,
    /// Store this dimension's share of the row's total, in percent.
    PercentageOfAbsoluteRow,
    /// Store this dimension's share of the row's total increase, in percent.
    PercentageOfIncrementalRow,
}

impl Algorithm {
    /// Every algorithm, in Netdata's documentation order.
    pub const ALL: [Algorithm; 4] = [
        Algorithm::Absolute,
        Algorithm::Incremental,
        Algorithm::PercentageOfAbsoluteRow,
        Algorithm::PercentageOfIncrementalRow,
    ];

    /// Return the keyword Netdata expects in a DIMENSION line.
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::Absolute => "absolute",
            Algorithm::Incremental => "incremental",
            Algorithm::PercentageOfAbsoluteRow => "percentage-of-absolute-row",
            Algorithm::PercentageOfIncrementalRow => "percentage-of-incremental-row",
        }
    }

    /// Parse a Netdata algorithm keyword.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// Chart flags sent in the CHART line's options word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ChartOptions {
    /// The chart is no longer collected; Netdata hides it and later frees it.
    pub obsolete: bool,
    /// Netdata 1.37 only: show the chart in detailed views only.
    pub detail: bool,
    /// Collect and store, but do not show on the dashboard.
    pub hidden: bool,
    /// Store the first collected value instead of skipping it.
    pub store_first: bool,
}

impl ChartOptions {
    /// No option set.
    pub const NONE: ChartOptions = ChartOptions {
        obsolete: false,
        detail: false,
        hidden: false,
        store_first: false,
    };

    /// Return whether no option is set.
    pub const fn is_empty(&self) -> bool {
        !(self.obsolete || self.detail || self.hidden || self.store_first)
    }
}

/// Who set a chart label, as Netdata's CLABEL `source` number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LabelSource {
    /// Set automatically by the collector.
    #[default]
    Auto,
    /// Set from the user's configuration.
    Config,
    /// Discovered from Kubernetes.
    K8s,
    /// Set through Netdata Cloud.
    Aclk,
}

impl LabelSource {
    /// Return the number Netdata expects.
    pub const fn code(self) -> u8 {
        match self {
            LabelSource::Auto => 1,
            LabelSource::Config => 2,
            LabelSource::K8s => 4,
            LabelSource::Aclk => 8,
        }
    }
}

/// A chart label, sent with CLABEL after the chart's CHART line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Label<'a> {
    /// The label's name; `[A-Za-z0-9_.-]`.
    pub name: &'a str,
    /// The label's value; any text that can be quoted.
    pub value: &'a str,
    /// Who set the label.
    pub source: LabelSource,
}

impl<'a> Label<'a> {
    /// Create a label set automatically by the collector.
    pub const fn new(name: &'a str, value: &'a str) -> Label<'a> {
        Label {
            name,
            value,
            source: LabelSource::Auto,
        }
    }

    /// Return the label with another source.
    pub const fn source(mut self, source: LabelSource) -> Label<'a> {
        self.source = source;
        self
    }
}

/// One dimension (a line, area or stack layer) of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Dimension<'a> {
    /// The id used in SET lines; `[A-Za-z0-9_-]`, at most 200 bytes.
    pub id: &'a str,
    /// The name shown on the dashboard; empty means the id.
    pub name: &'a str,
    /// How collected numbers become stored values.
    pub algorithm: Algorithm,
    /// Multiply collected numbers by this; never 0.
    pub multiplier: i64,
    /// Divide collected numbers by this; never 0.
    pub divisor: i64,
    /// Collect and store the dimension, but do not draw it.
    pub hidden: bool,
    /// The dimension is no longer collected; Netdata hides it and later frees it.
    pub obsolete: bool,
}

impl<'a> Dimension<'a> {
    /// Create an absolute dimension with multiplier and divisor 1.
    pub const fn new(id: &'a str) -> Dimension<'a> {
        Dimension {
            id,
            name: "",
            algorithm: Algorithm::Absolute,
            multiplier: 1,
            divisor: 1,
            hidden: false,
            obsolete: false,
        }
    }

    /// Return the dimension with a display name.
    pub const fn name(mut self, name: &'a str) -> Dimension<'a> {
        self.name = name;
        self
    }

    /// Return the dimension with another algorithm.
    pub const fn algorithm(mut self, algorithm: Algorithm) -> Dimension<'a> {
        self.algorithm = algorithm;
        self
    }

    /// Return the dimension with another multiplier.
    pub const fn multiplier(mut self, multiplier: i64) -> Dimension<'a> {
        self.multiplier = multiplier;
        self
    }

    /// Return the dimension with another divisor.
    pub const fn divisor(mut self, divisor: i64) -> Dimension<'a> {
        self.divisor = divisor;
        self
    }

    /// Return the dimension hidden or shown.
    pub const fn hidden(mut self, hidden: bool) -> Dimension<'a> {
        self.hidden = hidden;
        self
    }

    /// Return the dimension marked obsolete or live.
    pub const fn obsolete(mut self, obsolete: bool) -> Dimension<'a> {
        self.obsolete = obsolete;
        self
    }

    /// Return the name Netdata will show.
    pub const fn display_name(&self) -> &'a str {
        if self.name.is_empty() {
            self.id
        } else {
            self.name
        }
    }

    /// Check that Netdata accepts this dimension as written.
    pub fn validate(&self) -> Result<(), Error> {
        check_id(self.id, Field::DimensionId)?;
        check_text(self.name, Field::DimensionName)?;
        if self.multiplier == 0 {
            return Err(Error::Invalid(Field::Multiplier, Problem::Zero));
        }
        if self.divisor == 0 {
            return Err(Error::Invalid(Field::Divisor, Problem::Zero));
        }
        Ok(())
    }
}

/// A Netdata chart: its CHART line, labels and dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Chart<'a> {
    /// The part before the dot of `type.id`; empty means "given by the writer".
    pub type_: &'a str,
    /// The part after the dot of `type.id`; `[A-Za-z0-9_-]`.
    pub id: &'a str,
    /// A display name replacing the id; empty means none.
    pub name: &'a str,
    /// The chart's title.
    pub title: &'a str,
    /// The unit of the values.
    pub units: &'a str,
    /// The dashboard submenu; empty means the id.
    pub family: &'a str,
    /// The context alerts and colours key on; empty means `type.id`.
    pub context: &'a str,
    /// How the chart is drawn.
    pub chart_type: ChartType,
    /// Order on the dashboard, lower first; 0 means "given by the writer".
    pub priority: u32,
    /// Seconds between updates; 0 means the plugin's.
    pub update_every: u32,
    /// Flags of the options word.
    pub options: ChartOptions,
    /// Labels sent with CLABEL after the CHART line.
    pub labels: &'a [Label<'a>],
    /// The chart's dimensions, in drawing order.
    pub dimensions: &'a [Dimension<'a>],
}

impl<'a> Chart<'a> {
    /// Create a line chart `type_.id` with no dimensions.
    pub const fn new(type_: &'a str, id: &'a str) -> Chart<'a> {
        Chart {
            type_,
            id,
            name: "",
            title: "",
            units: "",
            family: "",
            context: "",
            chart_type: ChartType::Line,
            priority: 0,
            update_every: 0,
            options: ChartOptions::NONE,
            labels: &[],
            dimensions: &[],
        }
    }

    /// Return the chart with a display name.
    pub const fn name(mut self, name: &'a str) -> Chart<'a> {
        self.name = name;
        self
    }

    /// Return the chart with a title.
    pub const fn title(mut self, title: &'a str) -> Chart<'a> {
        self.title = title;
        self
    }

    /// Return the chart with units.
    pub const fn units(mut self, units: &'a str) -> Chart<'a> {
        self.units = units;
        self
    }

    /// Return the chart with a family (dashboard submenu).
    pub const fn family(mut self, family: &'a str) -> Chart<'a> {
        self.family = family;
        self
    }

    /// Return the chart with a context.
    pub const fn context(mut self, context: &'a str) -> Chart<'a> {
        self.context = context;
        self
    }

    /// Return the chart with another chart type.
    pub const fn chart_type(mut self, chart_type: ChartType) -> Chart<'a> {
        self.chart_type = chart_type;
        self
    }

    /// Return the chart with a priority.
    pub const fn priority(mut self, priority: u32) -> Chart<'a> {
        self.priority = priority;
        self
    }

    /// Return the chart with its own update interval in seconds.
    pub const fn update_every(mut self, seconds: u32) -> Chart<'a> {
        self.update_every = seconds;
        self
    }

    /// Return the chart with other options.
    pub const fn options(mut self, options: ChartOptions) -> Chart<'a> {
        self.options = options;
        self
    }

    /// Return the chart with labels.
    pub const fn labels(mut self, labels: &'a [Label<'a>]) -> Chart<'a> {
        self.labels = labels;
        self
    }

    /// Return the chart with dimensions.
    pub const fn dimensions(mut self, dimensions: &'a [Dimension<'a>]) -> Chart<'a> {
        self.dimensions = dimensions;
        self
    }

    /// Return the index of the dimension with this id.
    pub fn dimension_index(&self, id: &str) -> Option<usize> {
        self.dimensions.iter().position(|d| d.id == id)
    }

    /// Check that Netdata accepts this chart as written.
    ///
    /// An empty `type_` is accepted: the writer supplies one.
    pub fn validate(&self) -> Result<(), Error> {
        if !self.type_.is_empty() {
            check_type(self.type_)?;
        }
        check_id(self.id, Field::ChartId)?;
        check_text(self.name, Field::ChartName)?;
        check_text(self.title, Field::Title)?;
        check_text(self.units, Field::Units)?;
        check_text(self.family, Field::Family)?;
        check_context(self.context)?;
        for label in self.labels {
            check_label(label)?;
        }
        if self.dimensions.is_empty() {
            return Err(Error::NoDimensions);
        }
        for (i, dim) in self.dimensions.iter().enumerate() {
            dim.validate()?;
            if self.dimensions[..i].iter().any(|d| d.id == dim.id) {
                return Err(Error::Invalid(Field::DimensionId, Problem::Duplicate));
            }
        }
        Ok(())
    }
}

/// A struct whose fields are the dimensions of a fixed set of charts.
///
/// Usually derived with `#[derive(Collector)]`; see the `collie-macros`
/// documentation for the attributes. [`crate::netdata::Writer`] turns a
/// collector into plugins.d lines.
pub trait Collector {
    /// The charts, in display order, each with its dimensions.
    const CHARTS: &'static [Chart<'static>];

    /// Bookkeeping of a writer, one [`ChartState`] per chart.
    type State: AsRef<[ChartState]> + AsMut<[ChartState]>;

    /// The state of a writer that has sent nothing yet.
    const INITIAL_STATE: Self::State;

    /// Return the number to SET for dimension `dim` of chart `chart`, or `None` for a gap.
    ///
    /// The number is what Netdata multiplies by the dimension's multiplier
    /// and divides by its divisor. Indices out of range return `None`.
    fn value(&self, chart: usize, dim: usize) -> Option<i64>;
}

/// Longest id accepted for a chart's `type`, `id` or a dimension's `id`.
pub const MAX_ID_LEN: usize = 200;

/// Longest text accepted for a title, units, name or label value.
pub const MAX_TEXT_LEN: usize = 1000;

const fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Check a chart id or dimension id: `[A-Za-z0-9_-]`, 1 to [`MAX_ID_LEN`] bytes.
pub fn check_id(id: &str, field: Field) -> Result<(), Error> {
    if id.is_empty() {
        return Err(Error::Invalid(field, Problem::Empty));
    }
    if id.len() > MAX_ID_LEN {
        return Err(Error::Invalid(field, Problem::TooLong));
    }
    if !id.bytes().all(is_id_byte) {
        return Err(Error::Invalid(field, Problem::BadChar));
    }
    Ok(())
}

/// Check a chart type (the part before the dot): same rules as an id.
pub fn check_type(type_: &str) -> Result<(), Error> {
    check_id(type_, Field::Type)
}

/// Check a context: empty, or dot-separated ids.
pub fn check_context(context: &str) -> Result<(), Error> {
    if context.is_empty() {
        return Ok(());
    }
    if context.len() > MAX_ID_LEN {
        return Err(Error::Invalid(Field::Context, Problem::TooLong));
    }
    if !context
        .split('.')
        .all(|part| check_id(part, Field::Context).is_ok())
    {
        return Err(Error::Invalid(Field::Context, Problem::BadChar));
    }
    Ok(())
}

/// Check a label name: `[A-Za-z0-9_.-]`, 1 to [`MAX_ID_LEN`] bytes.
pub fn check_label_name(name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::Invalid(Field::LabelName, Problem::Empty));
    }
    if name.len() > MAX_ID_LEN {
        return Err(Error::Invalid(Field::LabelName, Problem::TooLong));
    }
    if !name.bytes().all(|b| is_id_byte(b) || b == b'.') {
        return Err(Error::Invalid(Field::LabelName, Problem::BadChar));
    }
    Ok(())
}

/// Check a label: a valid name and a non-empty value that can be quoted.
///
/// Netdata drops a CLABEL whose value is missing, and `''` reads as missing.
pub fn check_label(label: &Label<'_>) -> Result<(), Error> {
    check_label_name(label.name)?;
    check_text(label.value, Field::LabelValue)?;
    if label.value.is_empty() {
        return Err(Error::Invalid(Field::LabelValue, Problem::Empty));
    }
    Ok(())
}

/// Check free text (title, units, names, label values) can be quoted for Netdata.
///
/// Netdata has no escapes inside quotes, so a text may hold single quotes or
/// double quotes but not both; control characters and a trailing backslash
/// (which would hide the closing quote) are refused too.
pub fn check_text(text: &str, field: Field) -> Result<(), Error> {
    crate::netdata::quote_char(text)
        .map(|_| ())
        .map_err(|p| Error::Invalid(field, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIMS: &[Dimension<'_>] = &[
        Dimension::new("a"),
        Dimension::new("b").name("bee").divisor(10),
    ];

    #[test]
    fn builders_are_const() {
        const C: Chart<'_> = Chart::new("t", "c")
            .title("T")
            .chart_type(ChartType::Area)
            .dimensions(DIMS);
        assert_eq!(C.dimensions.len(), 2);
        assert_eq!(C.dimensions[1].display_name(), "bee");
        assert_eq!(C.dimension_index("b"), Some(1));
        assert_eq!(C.validate(), Ok(()));
    }

    #[test]
    fn validation_catches_mistakes() {
        let c = Chart::new("t", "c");
        assert_eq!(c.validate(), Err(Error::NoDimensions));
        let c = Chart::new("t.x", "c").dimensions(DIMS);
        assert_eq!(
            c.validate(),
            Err(Error::Invalid(Field::Type, Problem::BadChar))
        );
        let c = Chart::new("t", "c").title("it's \"so\"").dimensions(DIMS);
        assert_eq!(
            c.validate(),
            Err(Error::Invalid(Field::Title, Problem::BothQuotes))
        );
        const DUP: &[Dimension<'_>] = &[Dimension::new("a"), Dimension::new("a")];
        let c = Chart::new("t", "c").dimensions(DUP);
        assert_eq!(
            c.validate(),
            Err(Error::Invalid(Field::DimensionId, Problem::Duplicate))
        );
        const ZERO: &[Dimension<'_>] = &[Dimension::new("a").divisor(0)];
        let c = Chart::new("t", "c").dimensions(ZERO);
        assert_eq!(
            c.validate(),
            Err(Error::Invalid(Field::Divisor, Problem::Zero))
        );
        assert!(check_context("weather_station.temperature").is_ok());
        assert!(check_context("a..b").is_err());
        assert!(check_label_name("_collect_job").is_ok());
    }

    #[test]
    fn algorithm_and_chart_type_names_round_trip() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(a.as_str()), Some(a));
        }
        assert_eq!(Algorithm::from_name("absolutely"), None);
        for t in ChartType::ALL {
            assert_eq!(ChartType::from_name(t.as_str()), Some(t));
        }
        assert_eq!(ChartType::from_name("pie"), None);
    }
}
