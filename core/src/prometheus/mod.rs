//! Prometheus exposition: the text format 0.0.4 and OpenMetrics 1.0, written into a [`Sink`](crate::Sink).
//!
//! - [`name`] makes valid metric and label names out of anything, escapes
//!   label values, and names collectd's values as collectd's
//!   `write_prometheus` plugin does;
//! - [`Exposition`] writes families and samples in either format;
//! - [`remote_write`] encodes remote_write's protobuf `WriteRequest`.
//!
//! Nothing here allocates; the caller groups samples by family (each
//! family's samples must follow its `# TYPE` line) and keeps names unique.

pub mod name;
pub mod remote_write;
mod text;

#[cfg(test)]
mod tests;

pub use text::{Exposition, Format, Kind, Number, write_sample_prefix};
