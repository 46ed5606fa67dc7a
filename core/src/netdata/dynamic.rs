//! Commands for charts known only at run time, over borrowed text.
//!
//! [`Chart`](crate::chart::Chart) and [`Dimension`](crate::chart::Dimension)
//! hold `&'static str` so that a collector's tables can live in read-only
//! memory. A daemon that learns its charts while running (from identifiers
//! it receives, say) describes them with [`ChartDef`] and [`DimensionDef`]
//! instead, which borrow their text for as long as a line is being written.
//! The same checks apply: nothing is written for a line Netdata would
//! refuse or mis-read, except when the sink fills up midway.
//!
//! ```
//! use collie_core::chart::Algorithm;
//! use collie_core::netdata::dynamic::{self, ChartDef, DimensionDef};
//!
//! let (type_, id) = (String::from("load"), String::from("load"));
//! let mut out = Vec::new();
//! let mut chart = ChartDef::new(&type_, &id);
//! chart.title = "System load";
//! dynamic::chart(&mut out, &chart).unwrap();
//! let mut dim = DimensionDef::new("shortterm");
//! dim.divisor = 1000;
//! dynamic::dimension(&mut out, &dim).unwrap();
//! dim.algorithm = Algorithm::Incremental;
//! dim.obsolete = true;
//! dynamic::dimension(&mut out, &dim).unwrap();
//! dynamic::begin(&mut out, &type_, &id, Some(1_000_000)).unwrap();
//! dynamic::set(&mut out, "shortterm", 250).unwrap();
//! dynamic::end(&mut out).unwrap();
//! assert_eq!(
//!     String::from_utf8(out).unwrap(),
//!     "CHART load.load '' 'System load' '' '' '' line 1000 0 ''\n\
//!      DIMENSION shortterm 'shortterm' absolute 1 1000 ''\n\
//!      DIMENSION shortterm 'shortterm' incremental 1 1000 'obsolete'\n\
//!      BEGIN load.load 1000000\n\
//!      SET shortterm = 250\n\
//!      END\n"
//! );
//! ```

use crate::chart::{Algorithm, ChartOptions, ChartType, check_context, check_id, check_type};
use crate::sink::Sink;

use super::lines::{put_int, put_options, put_quoted, put_set};
use super::{Error, Field, Problem};

/// A CHART line whose text is borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChartDef<'a> {
    /// The part before the dot of `type.id`; `[A-Za-z0-9_-]`.
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
    /// Order on the dashboard, lower first.
    pub priority: u32,
    /// Seconds between updates; 0 means the plugin's.
    pub update_every: u32,
    /// Flags of the options word.
    pub options: ChartOptions,
    /// The plugin name (chart label `_collect_plugin`); empty with `module` means Netdata's default.
    pub plugin: &'a str,
    /// The module name (chart label `_collect_module`).
    pub module: &'a str,
}

impl<'a> ChartDef<'a> {
    /// Create a line chart `type_.id` with priority 1000 and no other settings.
    pub const fn new(type_: &'a str, id: &'a str) -> Self {
        ChartDef {
            type_,
            id,
            name: "",
            title: "",
            units: "",
            family: "",
            context: "",
            chart_type: ChartType::Line,
            priority: 1000,
            update_every: 0,
            options: ChartOptions::NONE,
            plugin: "",
            module: "",
        }
    }

    /// Check that Netdata accepts this CHART line as written.
    pub fn validate(&self) -> Result<(), Error> {
        check_type(self.type_)?;
        check_id(self.id, Field::ChartId)?;
        check_context(self.context)?;
        for (text, field) in [
            (self.name, Field::ChartName),
            (self.title, Field::Title),
            (self.units, Field::Units),
            (self.family, Field::Family),
            (self.plugin, Field::Plugin),
            (self.module, Field::Module),
        ] {
            super::quote_char(text).map_err(|p| Error::Invalid(field, p))?;
        }
        Ok(())
    }
}

/// Write a CHART line; CLABELs and DIMENSIONs written after it apply to it.
pub fn chart<S: Sink + ?Sized>(out: &mut S, def: &ChartDef<'_>) -> Result<(), Error> {
    def.validate()?;
    out.put(b"CHART ")?;
    out.put(def.type_.as_bytes())?;
    out.put(b".")?;
    out.put(def.id.as_bytes())?;
    put_quoted(out, def.name, Field::ChartName)?;
    put_quoted(out, def.title, Field::Title)?;
    put_quoted(out, def.units, Field::Units)?;
    put_quoted(out, def.family, Field::Family)?;
    put_quoted(out, def.context, Field::Context)?;
    out.put(b" ")?;
    out.put(def.chart_type.as_str().as_bytes())?;
    out.put(b" ")?;
    put_int(out, def.priority.into(), b" ")?;
    put_int(out, def.update_every.into(), b"")?;
    put_options(out, &def.options)?;
    if !def.plugin.is_empty() || !def.module.is_empty() {
        put_quoted(out, def.plugin, Field::Plugin)?;
        put_quoted(out, def.module, Field::Module)?;
    }
    out.put(b"\n")?;
    Ok(())
}

/// A DIMENSION line whose text is borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DimensionDef<'a> {
    /// The id used in SET lines; `[A-Za-z0-9_-]`.
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

impl<'a> DimensionDef<'a> {
    /// Create an absolute dimension with multiplier and divisor 1.
    pub const fn new(id: &'a str) -> Self {
        DimensionDef {
            id,
            name: "",
            algorithm: Algorithm::Absolute,
            multiplier: 1,
            divisor: 1,
            hidden: false,
            obsolete: false,
        }
    }

    /// Check that Netdata accepts this DIMENSION line as written.
    pub fn validate(&self) -> Result<(), Error> {
        check_id(self.id, Field::DimensionId)?;
        super::quote_char(self.name).map_err(|p| Error::Invalid(Field::DimensionName, p))?;
        if self.multiplier == 0 {
            return Err(Error::Invalid(Field::Multiplier, Problem::Zero));
        }
        if self.divisor == 0 {
            return Err(Error::Invalid(Field::Divisor, Problem::Zero));
        }
        Ok(())
    }
}

/// Write a DIMENSION line; it applies to the last CHART written.
pub fn dimension<S: Sink + ?Sized>(out: &mut S, def: &DimensionDef<'_>) -> Result<(), Error> {
    def.validate()?;
    out.put(b"DIMENSION ")?;
    out.put(def.id.as_bytes())?;
    let name = if def.name.is_empty() {
        def.id
    } else {
        def.name
    };
    put_quoted(out, name, Field::DimensionName)?;
    out.put(b" ")?;
    out.put(def.algorithm.as_str().as_bytes())?;
    out.put(b" ")?;
    put_int(out, def.multiplier, b" ")?;
    put_int(out, def.divisor, b"")?;
    out.put(match (def.hidden, def.obsolete) {
        (false, false) => b" ''\n".as_slice(),
        (true, false) => b" 'hidden'\n",
        (false, true) => b" 'obsolete'\n",
        (true, true) => b" 'obsolete hidden'\n",
    })?;
    Ok(())
}

/// Write `BEGIN type.id [micros]`; the chart must have been defined earlier in the stream.
///
/// `micros` is the time since the chart's previous update; pass `None` on its first.
pub fn begin<S: Sink + ?Sized>(
    out: &mut S,
    type_: &str,
    id: &str,
    micros: Option<u64>,
) -> Result<(), Error> {
    check_type(type_)?;
    check_id(id, Field::ChartId)?;
    out.put(b"BEGIN ")?;
    out.put(type_.as_bytes())?;
    out.put(b".")?;
    out.put(id.as_bytes())?;
    match micros {
        Some(us) => {
            out.put(b" ")?;
            put_int(out, i64::try_from(us).unwrap_or(i64::MAX), b"\n")?;
        }
        None => out.put(b"\n")?,
    }
    Ok(())
}

/// Write `SET id = value` inside a BEGIN…END block; the id must be a dimension of that chart.
pub fn set<S: Sink + ?Sized>(out: &mut S, id: &str, value: i64) -> Result<(), Error> {
    check_id(id, Field::DimensionId)?;
    put_set(out, id.as_bytes(), value)?;
    Ok(())
}

/// Write END, committing the values SET since BEGIN.
pub fn end<S: Sink + ?Sized>(out: &mut S) -> Result<(), Error> {
    out.put(b"END\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    #[test]
    fn refused_lines_write_nothing() {
        let mut out = Vec::new();
        let bad = ChartDef::new("has space", "c");
        assert_eq!(
            chart(&mut out, &bad),
            Err(Error::Invalid(Field::Type, Problem::BadChar))
        );
        let mut bad = ChartDef::new("t", "c");
        bad.title = "it's \"both\"";
        assert_eq!(
            chart(&mut out, &bad),
            Err(Error::Invalid(Field::Title, Problem::BothQuotes))
        );
        let mut dim = DimensionDef::new("d");
        dim.divisor = 0;
        assert_eq!(
            dimension(&mut out, &dim),
            Err(Error::Invalid(Field::Divisor, Problem::Zero))
        );
        assert_eq!(
            set(&mut out, "a.b", 1),
            Err(Error::Invalid(Field::DimensionId, Problem::BadChar))
        );
        assert!(out.is_empty());
    }

    #[test]
    fn full_chart_line() {
        let mut def = ChartDef::new("cpu_0", "cpu");
        let title = String::from("cpu (cpu-0) on \"host\"");
        def.title = &title;
        def.units = "jiffies";
        def.family = "cpu";
        def.context = "collectd.cpu.cpu";
        def.priority = 70001;
        def.update_every = 10;
        def.options.obsolete = true;
        def.plugin = "collie.plugin";
        def.module = "collectd";
        let mut out = Vec::new();
        chart(&mut out, &def).unwrap();
        let mut dim = DimensionDef::new("idle");
        dim.hidden = true;
        dim.name = "idle time";
        dimension(&mut out, &dim).unwrap();
        begin(&mut out, "cpu_0", "cpu", None).unwrap();
        end(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "CHART cpu_0.cpu '' 'cpu (cpu-0) on \"host\"' 'jiffies' 'cpu' 'collectd.cpu.cpu' line 70001 10 'obsolete' 'collie.plugin' 'collectd'\n\
             DIMENSION idle 'idle time' absolute 1 1 'hidden'\n\
             BEGIN cpu_0.cpu\n\
             END\n"
        );
    }
}
