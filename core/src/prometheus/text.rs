//! The exposition writer.

use crate::sink::{Sink, SinkFull, put_decimal};
use crate::time::Time;

use super::name::{write_help, write_label_name, write_label_value, write_name_part};

/// Which text format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Prometheus text format 0.0.4.
    #[default]
    Text,
    /// OpenMetrics text 1.0.0.
    OpenMetrics,
}

impl Format {
    /// Return the `Content-Type` of this format.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// Choose the format an `Accept` header asks for: OpenMetrics if it names it, else text.
    pub fn from_accept(accept: &[u8]) -> Format {
        let wants = accept
            .split(|&b| b == b',')
            .filter_map(|item| {
                let mut params = item.split(|&b| b == b';');
                let media = trim(params.next()?);
                let q = params
                    .filter_map(|p| trim(p).strip_prefix(b"q="))
                    .find_map(|q| core::str::from_utf8(q).ok()?.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((media, q))
            })
            .filter(|&(_, q)| q > 0.0);
        let (mut om, mut text) = (None::<f32>, None::<f32>);
        for (media, q) in wants {
            if media.eq_ignore_ascii_case(b"application/openmetrics-text") {
                om = Some(om.map_or(q, |o| o.max(q)));
            } else if media.eq_ignore_ascii_case(b"text/plain") || media == b"*/*" {
                text = Some(text.map_or(q, |t| t.max(q)));
            }
        }
        match (om, text) {
            (Some(o), Some(t)) if o >= t => Format::OpenMetrics,
            (Some(_), None) => Format::OpenMetrics,
            _ => Format::Text,
        }
    }
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &s[start..end]
}

/// The type of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A value that goes up and down.
    Gauge,
    /// A count that only goes up; its samples end in `_total`.
    Counter,
    /// A value of no known type.
    Untyped,
}

impl Kind {
    const fn name(self, format: Format) -> &'static [u8] {
        match (self, format) {
            (Kind::Gauge, _) => b"gauge",
            (Kind::Counter, _) => b"counter",
            (Kind::Untyped, Format::Text) => b"untyped",
            (Kind::Untyped, Format::OpenMetrics) => b"unknown",
        }
    }
}

/// A sample's value, integers kept exact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A float; NaN, +Inf and -Inf are written as Prometheus spells them.
    Float(f64),
    /// An unsigned integer, such as a COUNTER.
    Unsigned(u64),
    /// A signed integer, such as a DERIVE.
    Signed(i64),
}

/// Writes one exposition: families, each followed by its samples.
#[derive(Debug)]
pub struct Exposition<S> {
    out: S,
    format: Format,
}

impl<S: Sink> Exposition<S> {
    /// Write an exposition in `format` into `out`.
    pub fn new(out: S, format: Format) -> Exposition<S> {
        Exposition { out, format }
    }

    /// Return the sink.
    pub fn into_inner(self) -> S {
        self.out
    }

    /// Start the family `name` (a valid metric name without `_total`): its `HELP`, `TYPE` and, in OpenMetrics, `UNIT` lines.
    ///
    /// `help` and `unit` are left out when empty. In the text format a
    /// counter family is named with its `_total`, as its samples are.
    pub fn family(
        &mut self,
        name: &[u8],
        kind: Kind,
        help: &[u8],
        unit: &[u8],
    ) -> Result<(), SinkFull> {
        let total = kind == Kind::Counter && self.format == Format::Text;
        let line = |out: &mut S, what: &[u8]| -> Result<(), SinkFull> {
            out.put(what)?;
            out.put(name)?;
            if total {
                out.put(b"_total")?;
            }
            out.put(b" ")
        };
        if !help.is_empty() {
            line(&mut self.out, b"# HELP ")?;
            write_help(&mut self.out, help)?;
            self.out.put(b"\n")?;
        }
        line(&mut self.out, b"# TYPE ")?;
        self.out.put(kind.name(self.format))?;
        self.out.put(b"\n")?;
        if self.format == Format::OpenMetrics && !unit.is_empty() {
            line(&mut self.out, b"# UNIT ")?;
            write_name_part(&mut self.out, unit, false)?;
            self.out.put(b"\n")?;
        }
        Ok(())
    }

    /// Write one sample of family `name`: its labels (names made valid, values escaped), value and optional timestamp.
    pub fn sample(
        &mut self,
        name: &[u8],
        kind: Kind,
        labels: &[(&[u8], &[u8])],
        value: Number,
        time: Option<Time>,
    ) -> Result<(), SinkFull> {
        write_sample_prefix(&mut self.out, name, kind, labels)?;
        self.value(value, time)
    }

    /// Write one sample whose name and labels were written before with [`write_sample_prefix`].
    pub fn sample_with_prefix(
        &mut self,
        prefix: &[u8],
        value: Number,
        time: Option<Time>,
    ) -> Result<(), SinkFull> {
        self.out.put(prefix)?;
        self.value(value, time)
    }

    /// Write a sample's value, timestamp and newline.
    fn value(&mut self, value: Number, time: Option<Time>) -> Result<(), SinkFull> {
        let out = &mut self.out;
        write_number(out, value)?;
        if let Some(t) = time {
            let (secs, millis) = t.secs_millis();
            match self.format {
                Format::Text => out.put_fmt(format_args!(" {secs}{millis:03}"))?,
                Format::OpenMetrics => out.put_fmt(format_args!(" {secs}.{millis:03}"))?,
            }
        }
        out.put(b"\n")
    }

    /// End the exposition (`# EOF` in OpenMetrics).
    pub fn finish(&mut self) -> Result<(), SinkFull> {
        if self.format == Format::OpenMetrics {
            self.out.put(b"# EOF\n")?;
        }
        Ok(())
    }
}

/// Write what starts a sample line, the same in both formats: its name (with `_total` for a counter), labels and a space.
pub fn write_sample_prefix<S: Sink + ?Sized>(
    out: &mut S,
    name: &[u8],
    kind: Kind,
    labels: &[(&[u8], &[u8])],
) -> Result<(), SinkFull> {
    out.put(name)?;
    if kind == Kind::Counter {
        out.put(b"_total")?;
    }
    if !labels.is_empty() {
        out.put(b"{")?;
        for (i, (label, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.put(b",")?;
            }
            write_label_name(out, label)?;
            out.put(b"=\"")?;
            write_label_value(out, value)?;
            out.put(b"\"")?;
        }
        out.put(b"}")?;
    }
    out.put(b" ")
}

/// Write a number as Prometheus reads it: integers exact, floats shortest, specials by name.
fn write_number<S: Sink + ?Sized>(out: &mut S, n: Number) -> Result<(), SinkFull> {
    match n {
        Number::Unsigned(u) => put_decimal(out, false, u, b""),
        Number::Signed(i) => put_decimal(out, i < 0, i.unsigned_abs(), b""),
        Number::Float(f) if f.is_nan() => out.put(b"NaN"),
        Number::Float(f) if f.is_infinite() => out.put(if f > 0.0 { b"+Inf" } else { b"-Inf" }),
        // Whole numbers below 2^53 are written as the integers they are, without float formatting.
        Number::Float(f) if is_whole(f) => {
            if f == 0.0 && f.is_sign_negative() {
                return out.put(b"-0");
            }
            put_decimal(out, f < 0.0, magnitude(f) as u64, b"")
        }
        // Plain digits where they stay short, else shortest exponent form.
        Number::Float(f) if (1e-4..1e16).contains(&magnitude(f)) => {
            out.put_fmt(format_args!("{f}"))
        }
        Number::Float(f) => out.put_fmt(format_args!("{f:e}")),
    }
}

/// Return `|f|` (core has no `f64::abs` on every supported compiler).
fn magnitude(f: f64) -> f64 {
    if f < 0.0 { -f } else { f }
}

/// Return whether `f` is a whole number below 2^53 in magnitude, which an integer writes exactly.
fn is_whole(f: f64) -> bool {
    let m = magnitude(f);
    m < 9_007_199_254_740_992.0 && (m as u64) as f64 == m
}
