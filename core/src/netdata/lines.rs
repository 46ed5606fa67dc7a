//! Single plugins.d commands, checked before they are written.

use crate::chart::{
    Chart, ChartOptions, Dimension, Label, LabelSource, MAX_TEXT_LEN, check_id, check_label,
    check_text, check_type,
};
use crate::sink::{DECIMAL_ROOM, Sink, SinkFull, put_int, write_decimal};

use super::{Error, Field, Problem};

/// Return the quote character that can enclose `text`, or why none can.
pub fn quote_char(text: &str) -> Result<u8, Problem> {
    if text.len() > MAX_TEXT_LEN {
        return Err(Problem::TooLong);
    }
    let (mut single, mut double) = (false, false);
    for b in text.bytes() {
        match b {
            b'\'' => single = true,
            b'"' => double = true,
            0..=0x1f | 0x7f => return Err(Problem::BadChar),
            _ => {}
        }
    }
    // Netdata's tokenizer lets a backslash hide the next character, so a
    // trailing one would swallow the closing quote.
    if text.ends_with('\\') {
        return Err(Problem::BadChar);
    }
    match (single, double) {
        (false, _) => Ok(b'\''),
        (true, false) => Ok(b'"'),
        (true, true) => Err(Problem::BothQuotes),
    }
}

/// Write ` 'text'` (a space, then the quoted text); the text must have passed [`quote_char`].
pub(super) fn put_quoted<S: Sink + ?Sized>(
    out: &mut S,
    text: &str,
    field: Field,
) -> Result<(), Error> {
    let q = quote_char(text).map_err(|p| Error::Invalid(field, p))?;
    out.put(&[b' ', q])?;
    out.put(text.as_bytes())?;
    out.put(&[q])?;
    Ok(())
}

/// Copy `src` (at most 32 bytes) to the start of `dst` in a few fixed-size moves.
///
/// Two overlapping moves of the largest power of two that fits cover any
/// length, without a call to `memcpy`; bytes of `dst` after `src.len()`
/// may be overwritten.
#[inline]
fn copy_short(dst: &mut [u8; 32], src: &[u8]) {
    let n = src.len();
    if n >= 16 {
        dst[..16].copy_from_slice(&src[..16]);
        dst[n - 16..n].copy_from_slice(&src[n - 16..]);
    } else if n >= 8 {
        dst[..8].copy_from_slice(&src[..8]);
        dst[n - 8..n].copy_from_slice(&src[n - 8..]);
    } else if n >= 4 {
        dst[..4].copy_from_slice(&src[..4]);
        dst[n - 4..n].copy_from_slice(&src[n - 4..]);
    } else if n >= 2 {
        dst[..2].copy_from_slice(&src[..2]);
        dst[n - 2..n].copy_from_slice(&src[n - 2..]);
    } else if n == 1 {
        dst[0] = src[0];
    }
}

/// Return the 32 bytes of `buf` from `at`.
#[inline]
fn window32(buf: &mut [u8], at: usize) -> &mut [u8; 32] {
    (&mut buf[at..at + 32])
        .try_into()
        .unwrap_or_else(|_| unreachable!())
}

/// Write `n` at `buf[at..]` and return how many digits it took.
#[inline]
fn digits_at(buf: &mut [u8], at: usize, n: u64) -> usize {
    let room: &mut [u8; DECIMAL_ROOM] = (&mut buf[at..at + DECIMAL_ROOM])
        .try_into()
        .unwrap_or_else(|_| unreachable!());
    write_decimal(room, n)
}

/// Longest dimension id that [`format_set`] handles.
const MAX_FAST_ID: usize = 32;

/// Bytes [`format_set`] may touch: `SET `, the id, ` = -`, the digits' room and the newline.
const SET_LINE_MAX: usize = 4 + MAX_FAST_ID + 4 + DECIMAL_ROOM + 1;

/// Format `SET id = v\n` into `line` and return its length; `id` is at most [`MAX_FAST_ID`] bytes.
#[inline]
fn format_set(line: &mut [u8; SET_LINE_MAX], id: &[u8], v: i64) -> usize {
    line[..4].copy_from_slice(b"SET ");
    copy_short(window32(line, 4), id);
    let mut len = 4 + id.len();
    // The `-` is overwritten by the first digit when `v` is not negative.
    line[len..len + 4].copy_from_slice(b" = -");
    len += 3 + usize::from(v < 0);
    len += digits_at(line, len, v.unsigned_abs());
    line[len] = b'\n';
    len + 1
}

/// Write `SET id = v` piece by piece, for ids of any length.
fn put_set_pieces<S: Sink + ?Sized>(out: &mut S, id: &[u8], v: i64) -> Result<(), SinkFull> {
    out.put(b"SET ")?;
    out.put(id)?;
    out.put(b" = ")?;
    put_int(out, v, b"\n")
}

/// Write `SET id = v`, in one `put` when the id is short.
#[inline]
pub(super) fn put_set<S: Sink + ?Sized>(out: &mut S, id: &[u8], v: i64) -> Result<(), SinkFull> {
    if id.len() > MAX_FAST_ID {
        return put_set_pieces(out, id, v);
    }
    let mut line = [0u8; SET_LINE_MAX];
    let len = format_set(&mut line, id, v);
    out.put(&line[..len])
}

/// Write `BEGIN type.id [micros]`.
pub(crate) fn put_begin_line<S: Sink + ?Sized>(
    out: &mut S,
    type_: &[u8],
    id: &[u8],
    micros: Option<u64>,
) -> Result<(), SinkFull> {
    out.put(b"BEGIN ")?;
    out.put(type_)?;
    out.put(b".")?;
    out.put(id)?;
    match micros {
        Some(us) => {
            out.put(b" ")?;
            put_int(out, i64::try_from(us).unwrap_or(i64::MAX), b"\n")
        }
        None => out.put(b"\n"),
    }
}

/// Bytes a [`Batch`] gathers before passing them on.
const BATCH_LEN: usize = 1024;

/// A small stack buffer in front of a sink, so a cycle's many short lines cost few `put`s.
pub(crate) struct Batch<'s, S: Sink + ?Sized> {
    out: &'s mut S,
    buf: [u8; BATCH_LEN],
    len: usize,
    /// Where the current chart's lines start in `buf`.
    mark: usize,
}

impl<'s, S: Sink + ?Sized> Batch<'s, S> {
    /// Create an empty batch in front of `out`.
    pub(crate) fn new(out: &'s mut S) -> Self {
        Batch {
            out,
            buf: [0; BATCH_LEN],
            len: 0,
            mark: 0,
        }
    }

    /// Pass on everything gathered so far.
    pub(crate) fn flush(&mut self) -> Result<(), SinkFull> {
        if self.len > 0 {
            self.out.put(&self.buf[..self.len])?;
        }
        self.len = 0;
        self.mark = 0;
        Ok(())
    }

    /// Remember that a chart's lines start here.
    pub(crate) fn mark(&mut self) {
        self.mark = self.len;
    }

    /// Drop what was gathered since [`Batch::mark`] and pass on the rest.
    pub(crate) fn rewind_and_flush(&mut self) -> Result<(), SinkFull> {
        self.len = self.mark;
        self.flush()
    }

    /// Append `SET` for dimension `first` of `dims`, whose value is `v`, and for every later one `value` has a value for.
    #[inline]
    pub(crate) fn set_from(
        &mut self,
        dims: &[Dimension<'_>],
        first: usize,
        v: i64,
        mut value: impl FnMut(usize) -> Option<i64>,
    ) -> Result<(), SinkFull> {
        // The length lives in a register through the loop: the stores
        // into `buf` could otherwise clobber it, as far as LLVM knows.
        let mut len = self.len;
        let mut d = first;
        let mut v = v;
        loop {
            let id = dims[d].id.as_bytes();
            if id.len() > MAX_FAST_ID {
                self.len = len;
                put_set_pieces(self, id, v)?;
                len = self.len;
            } else {
                if BATCH_LEN - len < SET_LINE_MAX {
                    self.len = len;
                    self.flush()?;
                    len = 0;
                }
                let line: &mut [u8; SET_LINE_MAX] = (&mut self.buf[len..len + SET_LINE_MAX])
                    .try_into()
                    .map_err(|_| SinkFull)?;
                len += format_set(line, id, v);
            }
            // The next dimension with a value.
            loop {
                d += 1;
                if d >= dims.len() {
                    self.len = len;
                    return Ok(());
                }
                if let Some(next) = value(d) {
                    v = next;
                    break;
                }
            }
        }
    }
}

impl<S: Sink + ?Sized> Sink for Batch<'_, S> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<(), SinkFull> {
        if bytes.len() > BATCH_LEN - self.len {
            self.flush()?;
            if bytes.len() > BATCH_LEN {
                return self.out.put(bytes);
            }
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
        Ok(())
    }
}

/// Plugin-wide settings that CHART lines carry, and the commands that use them.
///
/// Every method checks what it writes and refuses, with an [`Error`], a
/// value Netdata would mis-parse; nothing is written for a refused line
/// except when the sink fills up midway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plugin<'t> {
    type_: &'t str,
    plugin: &'t str,
    module: &'t str,
    update_every: u32,
    priority: u32,
    labels: &'t [Label<'t>],
}

impl Default for Plugin<'_> {
    fn default() -> Self {
        Plugin::new()
    }
}

impl<'t> Plugin<'t> {
    /// Priority of the first chart that does not set its own.
    pub const DEFAULT_PRIORITY: u32 = 70000;

    /// Create settings that take each chart's own type, update every second.
    pub const fn new() -> Plugin<'t> {
        Plugin {
            type_: "",
            plugin: "",
            module: "",
            update_every: 1,
            priority: Plugin::DEFAULT_PRIORITY,
            labels: &[],
        }
    }

    /// Return settings that put every chart under `type_` (such as a job name).
    pub fn with_type(mut self, type_: &'t str) -> Result<Plugin<'t>, Error> {
        check_type(type_)?;
        self.type_ = type_;
        Ok(self)
    }

    /// Return settings that name the plugin and module in CHART lines (chart labels `_collect_plugin`/`_collect_module`).
    pub fn with_plugin(mut self, plugin: &'t str, module: &'t str) -> Result<Plugin<'t>, Error> {
        check_text(plugin, Field::Plugin)?;
        check_text(module, Field::Module)?;
        self.plugin = plugin;
        self.module = module;
        Ok(self)
    }

    /// Return settings with the plugin's update interval, as Netdata passed it (0 counts as 1).
    pub const fn with_update_every(mut self, seconds: u32) -> Plugin<'t> {
        self.update_every = if seconds == 0 { 1 } else { seconds };
        self
    }

    /// Return settings whose chart number `i` gets priority `base + i` unless it sets its own.
    pub const fn with_priority(mut self, base: u32) -> Plugin<'t> {
        self.priority = base;
        self
    }

    /// Return settings that add `labels` to every chart, after the chart's own (python.d's `_collect_job`).
    pub fn with_labels(mut self, labels: &'t [Label<'t>]) -> Result<Plugin<'t>, Error> {
        for label in labels {
            check_label(label)?;
        }
        self.labels = labels;
        Ok(self)
    }

    /// Return the plugin's update interval in seconds.
    pub const fn update_every(&self) -> u32 {
        self.update_every
    }

    /// Return the type a chart is sent under.
    pub fn type_of<'c>(&self, chart: &Chart<'c>) -> &'c str
    where
        't: 'c,
    {
        if self.type_.is_empty() {
            chart.type_
        } else {
            self.type_
        }
    }

    fn put_type_id<S: Sink + ?Sized>(&self, out: &mut S, chart: &Chart<'_>) -> Result<(), Error> {
        out.put(self.type_of(chart).as_bytes())?;
        out.put(b".")?;
        out.put(chart.id.as_bytes())?;
        Ok(())
    }

    /// Write a chart's whole definition: CHART, its labels, CLABEL_COMMIT and its DIMENSIONs.
    ///
    /// `index` is the chart's position, used for its default priority;
    /// `obsolete` adds the `obsolete` option whatever the chart says.
    pub fn define<S: Sink + ?Sized>(
        &self,
        out: &mut S,
        chart: &Chart<'_>,
        index: usize,
        obsolete: bool,
    ) -> Result<(), Error> {
        let type_ = self.type_of(chart);
        check_type(type_)?;
        chart.validate()?;
        out.put(b"CHART ")?;
        self.put_type_id(out, chart)?;
        put_quoted(out, chart.name, Field::ChartName)?;
        put_quoted(out, chart.title, Field::Title)?;
        put_quoted(out, chart.units, Field::Units)?;
        put_quoted(out, chart.family, Field::Family)?;
        put_quoted(out, chart.context, Field::Context)?;
        out.put(b" ")?;
        out.put(chart.chart_type.as_str().as_bytes())?;
        let priority = if chart.priority != 0 {
            chart.priority
        } else {
            let i = u32::try_from(index).unwrap_or(u32::MAX);
            self.priority.saturating_add(i)
        };
        out.put(b" ")?;
        put_int(out, priority.into(), b" ")?;
        let ue = if chart.update_every != 0 {
            chart.update_every
        } else {
            self.update_every
        };
        put_int(out, ue.into(), b"")?;
        let options = ChartOptions {
            obsolete: obsolete || chart.options.obsolete,
            ..chart.options
        };
        put_options(out, &options)?;
        if !self.plugin.is_empty() || !self.module.is_empty() {
            put_quoted(out, self.plugin, Field::Plugin)?;
            put_quoted(out, self.module, Field::Module)?;
        }
        out.put(b"\n")?;
        if !chart.labels.is_empty() || !self.labels.is_empty() {
            for label in chart.labels.iter().chain(self.labels) {
                clabel(out, label.name, label.value, label.source)?;
            }
            clabel_commit(out)?;
        }
        for dim in chart.dimensions {
            dimension(out, dim)?;
        }
        Ok(())
    }

    /// Write BEGIN for `chart` and return the open update; `micros` is the time since its previous update.
    ///
    /// Pass `None` (or `Some(0)`) on a chart's first update. The chart must
    /// have been defined earlier in the stream.
    pub fn begin<'c, 's, S: Sink + ?Sized>(
        &self,
        out: &'s mut S,
        chart: &'c Chart<'c>,
        micros: Option<u64>,
    ) -> Result<ChartUpdate<'c, 's, S>, Error> {
        check_type(self.type_of(chart))?;
        check_id(chart.id, Field::ChartId)?;
        put_begin_line(
            out,
            self.type_of(chart).as_bytes(),
            chart.id.as_bytes(),
            micros,
        )?;
        Ok(ChartUpdate { chart, out })
    }
}

pub(super) fn put_options<S: Sink + ?Sized>(
    out: &mut S,
    options: &ChartOptions,
) -> Result<(), Error> {
    if options.is_empty() {
        out.put(b" ''")?;
        return Ok(());
    }
    out.put(b" '")?;
    let mut first = true;
    for (on, word) in [
        (options.obsolete, "obsolete"),
        (options.detail, "detail"),
        (options.hidden, "hidden"),
        (options.store_first, "store_first"),
    ] {
        if on {
            if !first {
                out.put(b" ")?;
            }
            out.put(word.as_bytes())?;
            first = false;
        }
    }
    out.put(b"'")?;
    Ok(())
}

/// An open BEGIN…END block of one chart: only its declared dimensions can be SET.
#[derive(Debug)]
#[must_use = "an update must be closed with end() or flush()"]
pub struct ChartUpdate<'c, 's, S: Sink + ?Sized> {
    chart: &'c Chart<'c>,
    out: &'s mut S,
}

impl<S: Sink + ?Sized> ChartUpdate<'_, '_, S> {
    /// Write `SET id = value` for a declared dimension; `None` writes nothing (a gap).
    pub fn set(&mut self, id: &str, value: Option<i64>) -> Result<(), Error> {
        let index = self
            .chart
            .dimension_index(id)
            .ok_or(Error::UndeclaredDimension)?;
        self.set_index(index, value)
    }

    /// Write SET for the chart's dimension number `index`; `None` writes nothing (a gap).
    #[inline]
    pub fn set_index(&mut self, index: usize, value: Option<i64>) -> Result<(), Error> {
        let dim = self
            .chart
            .dimensions
            .get(index)
            .ok_or(Error::UndeclaredDimension)?;
        if let Some(v) = value {
            // A hand-built chart may reach here without `define`: check
            // the id, it is cheap.
            check_id(dim.id, Field::DimensionId)?;
            put_set(self.out, dim.id.as_bytes(), v)?;
        }
        Ok(())
    }

    /// Write END, committing the values.
    pub fn end(self) -> Result<(), Error> {
        self.out.put(b"END\n")?;
        Ok(())
    }

    /// Write FLUSH, discarding the values.
    pub fn flush(self) -> Result<(), Error> {
        flush(self.out)
    }
}

/// Write a DIMENSION line; it applies to the last CHART written.
pub fn dimension<S: Sink + ?Sized>(out: &mut S, dim: &Dimension<'_>) -> Result<(), Error> {
    dim.validate()?;
    out.put(b"DIMENSION ")?;
    out.put(dim.id.as_bytes())?;
    put_quoted(out, dim.display_name(), Field::DimensionName)?;
    out.put(b" ")?;
    out.put(dim.algorithm.as_str().as_bytes())?;
    out.put(b" ")?;
    put_int(out, dim.multiplier, b" ")?;
    put_int(out, dim.divisor, b"")?;
    out.put(match (dim.hidden, dim.obsolete) {
        (false, false) => b" ''\n".as_slice(),
        (true, false) => b" 'hidden'\n",
        (false, true) => b" 'obsolete'\n",
        (true, true) => b" 'obsolete hidden'\n",
    })?;
    Ok(())
}

/// Write a CLABEL line for the last CHART written.
pub fn clabel<S: Sink + ?Sized>(
    out: &mut S,
    name: &str,
    value: &str,
    source: LabelSource,
) -> Result<(), Error> {
    check_label(&Label::new(name, value))?;
    out.put(b"CLABEL ")?;
    out.put(name.as_bytes())?;
    put_quoted(out, value, Field::LabelValue)?;
    out.put(b" ")?;
    put_int(out, source.code().into(), b"\n")?;
    Ok(())
}

/// Write CLABEL_COMMIT, applying the CLABELs written since the last CHART.
pub fn clabel_commit<S: Sink + ?Sized>(out: &mut S) -> Result<(), Error> {
    out.put(b"CLABEL_COMMIT\n")?;
    Ok(())
}

/// Where a VARIABLE is visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every chart of every host.
    Global,
    /// Every chart of this host.
    Host,
    /// The current chart, not exported to other charts.
    Local,
    /// The current chart.
    Chart,
}

impl Scope {
    /// Return the keyword Netdata expects.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Global => "GLOBAL",
            Scope::Host => "HOST",
            Scope::Local => "LOCAL",
            Scope::Chart => "CHART",
        }
    }
}

/// Write `VARIABLE scope name = value`; `Local` and `Chart` apply to the last CHART or open BEGIN.
pub fn variable<S: Sink + ?Sized>(
    out: &mut S,
    scope: Scope,
    name: &str,
    value: f64,
) -> Result<(), Error> {
    check_id(name, Field::VariableName)?;
    if !value.is_finite() {
        return Err(Error::Invalid(Field::VariableValue, Problem::NotFinite));
    }
    out.put(b"VARIABLE ")?;
    out.put(scope.as_str().as_bytes())?;
    out.put(b" ")?;
    out.put(name.as_bytes())?;
    // `{}` of a finite f64 never uses an exponent, which strtold reads as is.
    out.put_fmt(format_args!(" = {value}\n"))?;
    Ok(())
}

/// Write FLUSH: discard the values SET since BEGIN.
pub fn flush<S: Sink + ?Sized>(out: &mut S) -> Result<(), Error> {
    out.put(b"FLUSH\n")?;
    Ok(())
}

/// Write DISABLE: Netdata stops the plugin and never restarts it.
pub fn disable<S: Sink + ?Sized>(out: &mut S) -> Result<(), Error> {
    out.put(b"DISABLE\n")?;
    Ok(())
}

/// Write an empty line, which every Netdata version reads as a keep-alive.
pub fn keepalive<S: Sink + ?Sized>(out: &mut S) -> Result<(), Error> {
    out.put(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{Algorithm, ChartType, Label};

    fn text(buf: &[u8]) -> &str {
        core::str::from_utf8(buf).unwrap()
    }

    #[test]
    fn quoting_picks_a_quote_or_refuses() {
        assert_eq!(quote_char("Temperature"), Ok(b'\''));
        assert_eq!(quote_char("it's = warm"), Ok(b'"'));
        assert_eq!(quote_char("it's \"warm\""), Err(Problem::BothQuotes));
        assert_eq!(quote_char("two\nlines"), Err(Problem::BadChar));
        assert_eq!(quote_char("C:\\"), Err(Problem::BadChar));
        assert_eq!(quote_char(""), Ok(b'\''));
    }

    #[test]
    fn integers_format_like_printf() {
        let mut v: heapless::Vec<u8, 64> = heapless::Vec::new();
        for n in [0, 7, -7, i64::MAX, i64::MIN] {
            put_int(&mut v, n, b"|").unwrap();
        }
        put_int(&mut v, 42, b" long tail").unwrap();
        assert_eq!(
            text(&v),
            "0|7|-7|9223372036854775807|-9223372036854775808|42 long tail"
        );
    }

    #[test]
    fn full_definition_and_update() {
        const DIMS: &[Dimension<'_>] = &[
            Dimension::new("rx").name("received").divisor(8),
            Dimension::new("tx")
                .multiplier(-1)
                .algorithm(Algorithm::Incremental)
                .hidden(true),
        ];
        const LABELS: &[Label<'_>] = &[
            Label::new("iface", "eth0"),
            Label::new("city", "London Town"),
        ];
        const NET: Chart<'_> = Chart::new("", "net")
            .title("Traffic, it's \"live\"")
            .units("kbit/s")
            .dimensions(DIMS);
        let plugin = Plugin::new().with_type("job1").unwrap();
        let mut v: heapless::Vec<u8, 512> = heapless::Vec::new();
        assert_eq!(
            plugin.define(&mut v, &NET, 0, false),
            Err(Error::Invalid(Field::Title, Problem::BothQuotes))
        );
        v.clear();
        let net = NET
            .title("Traffic, it's live")
            .chart_type(ChartType::Area)
            .labels(LABELS)
            .priority(5)
            .options(ChartOptions {
                detail: true,
                ..ChartOptions::NONE
            });
        let plugin = plugin.with_plugin("net.plugin", "net").unwrap();
        plugin.define(&mut v, &net, 3, true).unwrap();
        let mut up = plugin.begin(&mut v, &net, Some(1_000_123)).unwrap();
        up.set("tx", Some(-5)).unwrap();
        up.set("rx", None).unwrap();
        assert_eq!(up.set("bogus", Some(1)), Err(Error::UndeclaredDimension));
        up.end().unwrap();
        variable(&mut v, Scope::Global, "limit", 7.5).unwrap();
        assert_eq!(
            variable(&mut v, Scope::Chart, "x", f64::NAN),
            Err(Error::Invalid(Field::VariableValue, Problem::NotFinite))
        );
        disable(&mut v).unwrap();
        assert_eq!(
            text(&v),
            "CHART job1.net '' \"Traffic, it's live\" 'kbit/s' '' '' area 5 1 'obsolete detail' 'net.plugin' 'net'\n\
             CLABEL iface 'eth0' 1\n\
             CLABEL city 'London Town' 1\n\
             CLABEL_COMMIT\n\
             DIMENSION rx 'received' absolute 1 8 ''\n\
             DIMENSION tx 'tx' incremental -1 1 'hidden'\n\
             BEGIN job1.net 1000123\n\
             SET tx = -5\n\
             END\n\
             VARIABLE GLOBAL limit = 7.5\n\
             DISABLE\n"
        );
    }

    #[test]
    fn set_lines_short_and_long_ids() {
        const LONG: &str = "a_rather_long_dimension_id_of_more_than_36_bytes";
        const DIMS: &[Dimension<'_>] = &[Dimension::new("x"), Dimension::new(LONG)];
        const C: Chart<'_> = Chart::new("t", "c").dimensions(DIMS);
        let mut v: heapless::Vec<u8, 256> = heapless::Vec::new();
        let mut up = Plugin::new().begin(&mut v, &C, Some(0)).unwrap();
        up.set_index(0, Some(i64::MIN)).unwrap();
        up.set_index(1, Some(-12)).unwrap();
        up.set_index(0, Some(0)).unwrap();
        up.flush().unwrap();
        assert_eq!(
            text(&v),
            "BEGIN t.c 0\nSET x = -9223372036854775808\n\
             SET a_rather_long_dimension_id_of_more_than_36_bytes = -12\nSET x = 0\nFLUSH\n"
        );
    }

    #[test]
    fn set_lines_of_every_id_length_match_the_piecewise_writer() {
        const IDS: &str = "abcdefghijklmnopqrstuvwxyz0123456789_-ABCDEFGHIJ";
        let values = [0, 7, -7, 99_999_999, -100_000_000, i64::MAX, i64::MIN];
        for n in 1..=IDS.len() {
            let dims: std::vec::Vec<Dimension<'_>> = (0..values.len())
                .map(|_| Dimension::new(&IDS[..n]))
                .collect();
            let mut fast = std::vec::Vec::new();
            let mut batch = Batch::new(&mut fast);
            batch
                .set_from(&dims, 0, values[0], |d| values.get(d).copied())
                .unwrap();
            batch.flush().unwrap();
            let mut slow = std::vec::Vec::new();
            for v in values {
                put_set_pieces(&mut slow, &IDS.as_bytes()[..n], v).unwrap();
            }
            assert_eq!(text(&fast), text(&slow), "id length {n}");
        }
    }

    #[test]
    fn a_chart_without_type_is_refused() {
        const C: Chart<'_> = Chart::new("", "c").dimensions(&[Dimension::new("d")]);
        let mut v: heapless::Vec<u8, 64> = heapless::Vec::new();
        assert_eq!(
            Plugin::new().define(&mut v, &C, 0, false),
            Err(Error::Invalid(Field::Type, Problem::Empty))
        );
        assert!(v.is_empty());
        assert_eq!(
            Plugin::new().with_type("has space").err(),
            Some(Error::Invalid(Field::Type, Problem::BadChar))
        );
    }
}
