//! `#[derive(Collector)]`: Netdata charts declared on a struct, checked at compile time.
//!
//! The derive implements `collie::chart::Collector` (or, with
//! `#[collector(crate = collie_core)]`, `collie_core::chart::Collector`):
//! a `const` table of charts and dimensions and a `value` method reading the
//! fields, so `collie::netdata::Writer` can print plugins.d lines without
//! allocating. It works in `#![no_std]` crates.
//!
//! # Attributes
//!
//! On the struct, once, optionally:
//!
//! `#[collector(type = "...", priority = N, crate = path)]`
//! - `type`: the part before the dot of every chart's `type.id` (often the
//!   plugin or job name); a `Plugin::with_type` given at run time overrides it.
//! - `priority`: the first chart's priority; each next chart gets one more,
//!   so charts appear in declaration order.
//! - `crate`: the path of the crate that holds `chart::Collector`;
//!   `::collie` by default, `collie_core` for users of the core crate alone.
//!
//! On the struct, one per chart, in display order:
//!
//! `#[chart(id = "...", title = "...", units = "...", family = "...",
//! context = "...", chart_type = "line" | "area" | "stacked", name = "...",
//! type = "...", priority = N, update_every = N, obsolete, detail, hidden,
//! store_first, label(key = "value", ...))]`
//!
//! On a field, one per dimension it feeds (a field may feed several charts):
//!
//! `#[dim(chart = "...", id = "...", name = "...", algorithm = "absolute" |
//! "incremental" | "percentage-of-absolute-row" |
//! "percentage-of-incremental-row", multiplier = N, divisor = N,
//! precision = N, hidden)]`
//! - `chart` may be left out when the struct declares a single chart.
//! - `id` defaults to the field's name.
//! - Integer fields are sent as they are. `f32`/`f64` fields need
//!   `precision = N`: the value is multiplied by 10^N and **rounded**, and
//!   the divisor is multiplied by 10^N, so 21.46 with `precision = 1` is
//!   sent as `215` with divisor 10 and shown as 21.5.
//! - `Option<T>` sends nothing (a gap) when `None`; so do NaN and values
//!   that overflow an `i64`.
//! - An array `[T; N]` gives N dimensions; `{}` in `id`/`name` is replaced by
//!   the index, or `_<index>` is appended to the id.
//!
//! Fields without `#[dim]` are ignored.
//!
//! Clippy's `duplicated_attributes` lint misreads two `#[chart]`s that share
//! a `units` or `family` value as a duplicate (rust-clippy#12923); allow it
//! on the struct.
//!
//! ```ignore
//! #[derive(collie::Collector)]
//! #[collector(type = "weather_station", priority = 90000)]
//! #[chart(id = "temp_current", title = "Temperature", units = "Celsius",
//!         family = "TEMP", context = "weather_station.temperature")]
//! #[chart(id = "humid_current", title = "Humidity", units = "percentage",
//!         family = "HUMIDITY", context = "weather_station.humidity", chart_type = "area")]
//! struct Station {
//!     #[dim(chart = "temp_current", id = "current_temp", name = "current", precision = 1)]
//!     temperature: f64,
//!     #[dim(chart = "humid_current", precision = 1)]
//!     humidity: Option<f64>,
//! }
//! ```
//!
//! # Errors
//!
//! Mistakes are compile errors pointing at the offending token, all reported
//! in one build: unknown keys, dimensions bound to undeclared charts,
//! duplicate ids, charts without dimensions, zero divisors or multipliers,
//! non-numeric fields, floats without a precision, ids with characters
//! Netdata rejects and text no quoting can carry.
//!
//! Ids, contexts, label names and text are checked with `collie_core::chart`'s
//! own `check_*` functions, so the derive accepts exactly what
//! `Chart::validate` accepts.
#![forbid(unsafe_code)]

mod ctxt;
mod expand;
mod explain;
mod model;

use proc_macro::TokenStream;

/// Derive `collie::chart::Collector` for a struct annotated with `#[chart]` and `#[dim]`.
#[proc_macro_derive(Collector, attributes(collector, chart, dim))]
pub fn derive_collector(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    match model::parse(&input) {
        Ok(model) => expand::expand(&input, &model).into(),
        Err((krate, err)) => {
            let mut out = err.into_compile_error();
            out.extend(expand::fallback(&input, &krate));
            out.into()
        }
    }
}

/// Return the identifier of an enum variant named `name`.
fn variant(name: &str) -> syn::Ident {
    syn::Ident::new(name, proc_macro2::Span::call_site())
}
