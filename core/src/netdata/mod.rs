//! Netdata's external plugin (plugins.d) protocol, written without allocating.
//!
//! The commands are those Netdata 1.37 and later accept from a plugin:
//! CHART, DIMENSION, CLABEL, CLABEL_COMMIT, VARIABLE, BEGIN, SET, END, FLUSH
//! and DISABLE. Every value is checked before it is written: text that no
//! quoting can carry, ids with characters Netdata rejects, zero divisors and
//! SETs for undeclared dimensions are refused with an [`Error`] instead of
//! producing a line that would make Netdata disable the plugin.
//!
//! Most plugins use the [`Writer`], which drives a
//! [`Collector`](crate::chart::Collector):
//!
//! ```
//! use collie_core::chart::{Chart, ChartState, Collector, Dimension};
//! use collie_core::netdata::{Plugin, Writer};
//!
//! struct Room { celsius: f64 }
//!
//! impl Collector for Room {
//!     const CHARTS: &'static [Chart<'static>] = &[Chart::new("room", "temperature")
//!         .title("Temperature")
//!         .units("Celsius")
//!         .dimensions(&[Dimension::new("temp").divisor(10)])];
//!     type State = [ChartState; 1];
//!     const INITIAL_STATE: Self::State = [ChartState::NEW; 1];
//!     fn value(&self, chart: usize, dim: usize) -> Option<i64> {
//!         use collie_core::chart::DimensionValue;
//!         match (chart, dim) {
//!             (0, 0) => self.celsius.collected(10),
//!             _ => None,
//!         }
//!     }
//! }
//!
//! let mut out = Vec::new();
//! let mut writer = Writer::new(Plugin::new());
//! writer.update(&Room { celsius: 21.5 }, 0, &mut out).unwrap();
//! writer.update(&Room { celsius: 21.46 }, 1_000_000, &mut out).unwrap();
//! assert_eq!(
//!     String::from_utf8(out).unwrap(),
//!     "CHART room.temperature '' 'Temperature' 'Celsius' '' '' line 70000 1 ''\n\
//!      DIMENSION temp 'temp' absolute 1 10 ''\n\
//!      BEGIN room.temperature\n\
//!      SET temp = 215\n\
//!      END\n\
//!      BEGIN room.temperature 1000000\n\
//!      SET temp = 215\n\
//!      END\n"
//! );
//! ```
//!
//! [`Plugin::update`], [`Plugin::obsolete`] and [`Plugin::retire_idle`]
//! drive one chart's [`ChartState`] for charts that are only known at run
//! time (from configuration, or from the identifiers a daemon receives);
//! [`Writer`] drives them for a collector's `const` table. The free
//! functions write single commands.

mod error;
mod lines;
mod writer;

pub use error::{Error, Field, Problem};
pub use lines::{
    ChartUpdate, Plugin, Scope, clabel, clabel_commit, dimension, disable, flush, keepalive,
    quote_char, variable,
};
pub use writer::{ChartState, Writer};
