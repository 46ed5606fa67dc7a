//! Why a plugins.d line could not be written.

use core::fmt;

use crate::sink::SinkFull;

/// The part of a command a problem was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// A chart's type, before the dot of `type.id`.
    Type,
    /// A chart's id, after the dot of `type.id`.
    ChartId,
    /// A chart's display name.
    ChartName,
    /// A chart's title.
    Title,
    /// A chart's units.
    Units,
    /// A chart's family.
    Family,
    /// A chart's context.
    Context,
    /// A dimension's id.
    DimensionId,
    /// A dimension's display name.
    DimensionName,
    /// A dimension's multiplier.
    Multiplier,
    /// A dimension's divisor.
    Divisor,
    /// A chart label's name.
    LabelName,
    /// A chart label's value.
    LabelValue,
    /// A variable's name.
    VariableName,
    /// A variable's value.
    VariableValue,
    /// The plugin name sent in CHART lines.
    Plugin,
    /// The module name sent in CHART lines.
    Module,
}

impl Field {
    /// Return a short human name of the field.
    pub const fn as_str(self) -> &'static str {
        match self {
            Field::Type => "chart type",
            Field::ChartId => "chart id",
            Field::ChartName => "chart name",
            Field::Title => "chart title",
            Field::Units => "chart units",
            Field::Family => "chart family",
            Field::Context => "chart context",
            Field::DimensionId => "dimension id",
            Field::DimensionName => "dimension name",
            Field::Multiplier => "dimension multiplier",
            Field::Divisor => "dimension divisor",
            Field::LabelName => "label name",
            Field::LabelValue => "label value",
            Field::VariableName => "variable name",
            Field::VariableValue => "variable value",
            Field::Plugin => "plugin name",
            Field::Module => "module name",
        }
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Problem {
    /// The field must not be empty.
    Empty,
    /// The field is longer than Netdata accepts.
    TooLong,
    /// The field holds a character Netdata rejects or mangles.
    BadChar,
    /// The text holds both quote characters, so no quoting can carry it.
    BothQuotes,
    /// The number must not be zero.
    Zero,
    /// Another dimension of the chart has the same id.
    Duplicate,
    /// The number is NaN or infinite.
    NotFinite,
}

impl Problem {
    /// Return a short human description of the problem.
    pub const fn as_str(self) -> &'static str {
        match self {
            Problem::Empty => "is empty",
            Problem::TooLong => "is too long",
            Problem::BadChar => "holds a character Netdata rejects",
            Problem::BothQuotes => "holds both ' and \", which Netdata cannot parse",
            Problem::Zero => "is zero",
            Problem::Duplicate => "is declared twice",
            Problem::NotFinite => "is not a finite number",
        }
    }
}

/// A plugins.d line that was not written, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The sink had no room; what it holds of this call is incomplete.
    SinkFull,
    /// A field cannot be represented in the protocol.
    Invalid(Field, Problem),
    /// A chart has no dimensions; Netdata would show an empty chart.
    NoDimensions,
    /// A SET named a dimension the chart does not declare (Netdata would disable the plugin).
    UndeclaredDimension,
    /// A chart index is out of range.
    NoSuchChart,
}

impl From<SinkFull> for Error {
    fn from(_: SinkFull) -> Error {
        Error::SinkFull
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::SinkFull => f.write_str("output buffer is full"),
            Error::Invalid(field, problem) => {
                write!(f, "{} {}", field.as_str(), problem.as_str())
            }
            Error::NoDimensions => f.write_str("chart has no dimensions"),
            Error::UndeclaredDimension => f.write_str("dimension is not declared by the chart"),
            Error::NoSuchChart => f.write_str("no chart with this index"),
        }
    }
}

impl core::error::Error for Error {}
