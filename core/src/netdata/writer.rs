//! The stateful writer that turns a [`Collector`] into update cycles.

use core::fmt;

use crate::chart::{Chart, Collector};
use crate::sink::Sink;

use super::lines::Batch;
use super::{Error, Plugin};

/// What a [`Writer`] remembers about one chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChartState {
    defined: bool,
    last_us: Option<u64>,
}

impl ChartState {
    /// The state of a chart that was never sent.
    pub const NEW: ChartState = ChartState {
        defined: false,
        last_us: None,
    };

    /// Return whether the chart's definition was sent and is still current.
    pub const fn is_defined(&self) -> bool {
        self.defined
    }

    /// Return the caller's clock, in µs, at the chart's last update.
    pub const fn last_update_us(&self) -> Option<u64> {
        self.last_us
    }
}

/// Writes a collector's charts as plugins.d lines, defining each chart lazily.
///
/// A chart's CHART/CLABEL/DIMENSION lines are sent right before its first
/// BEGIN, as python.d does, and again after [`Writer::redefine`] or
/// [`Writer::obsolete`]. A chart none of whose dimensions has a value is
/// skipped (no BEGIN, and no definition if it was never sent). SET lines
/// are only ever written for the chart's declared dimensions.
///
/// The writer has no clock: each update takes the caller's monotonic time in
/// microseconds and BEGIN carries the time since that chart's last update.
///
/// Lines are gathered in a 1 KiB stack buffer and passed to the sink one
/// chart at a time, and a chart counts as sent only once the sink took it.
/// On an error the sink holds every chart before the failing one in full
/// and nothing of the failing one (unless that chart alone exceeds 1 KiB and
/// the sink filled up mid-chart); the next call sends it in full.
pub struct Writer<'t, C: Collector> {
    plugin: Plugin<'t>,
    state: C::State,
}

impl<C: Collector> fmt::Debug for Writer<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Writer")
            .field("plugin", &self.plugin)
            .field("state", &self.state.as_ref())
            .finish()
    }
}

impl<C: Collector> Default for Writer<'_, C> {
    fn default() -> Self {
        Writer::new(Plugin::new())
    }
}

impl<'t, C: Collector> Writer<'t, C> {
    /// Create a writer that has sent nothing yet.
    pub const fn new(plugin: Plugin<'t>) -> Self {
        Writer {
            plugin,
            state: C::INITIAL_STATE,
        }
    }

    /// Return the plugin-wide settings.
    pub const fn plugin(&self) -> &Plugin<'t> {
        &self.plugin
    }

    /// Check every chart as it would be sent, to fail at start-up rather than mid-stream.
    pub fn check(&self) -> Result<(), Error> {
        for chart in C::CHARTS {
            crate::chart::check_type(self.plugin.type_of(chart))?;
            chart.validate()?;
        }
        Ok(())
    }

    /// Return the state of chart number `chart`.
    pub fn state(&self, chart: usize) -> Option<&ChartState> {
        self.state.as_ref().get(chart)
    }

    /// Write one update cycle of every chart; return how many charts had a value.
    pub fn update<S: Sink + ?Sized>(
        &mut self,
        collector: &C,
        now_us: u64,
        out: &mut S,
    ) -> Result<usize, Error> {
        let mut batch = Batch::new(out);
        let mut updated = 0;
        for i in 0..C::CHARTS.len() {
            if self.update_in(collector, i, now_us, &mut batch)? {
                updated += 1;
            }
        }
        batch.flush()?;
        Ok(updated)
    }

    /// Write one update of chart number `chart`; return whether it had a value.
    ///
    /// Useful with a small fixed buffer: drain the sink between charts.
    pub fn update_chart<S: Sink + ?Sized>(
        &mut self,
        collector: &C,
        chart: usize,
        now_us: u64,
        out: &mut S,
    ) -> Result<bool, Error> {
        let mut batch = Batch::new(out);
        let updated = self.update_in(collector, chart, now_us, &mut batch)?;
        batch.flush()?;
        Ok(updated)
    }

    /// Update one chart through `batch` and pass it on; record it as sent only once the sink took it.
    fn update_in<S: Sink + ?Sized>(
        &mut self,
        collector: &C,
        chart: usize,
        now_us: u64,
        batch: &mut Batch<'_, S>,
    ) -> Result<bool, Error> {
        batch.mark();
        match self.write_chart(collector, chart, now_us, batch) {
            Ok(None) => Ok(false),
            Ok(Some(state)) => {
                batch.flush()?;
                self.state.as_mut()[chart] = state;
                Ok(true)
            }
            Err(e) => {
                batch.rewind_and_flush()?;
                Err(e)
            }
        }
    }

    fn write_chart<S: Sink + ?Sized>(
        &mut self,
        collector: &C,
        chart: usize,
        now_us: u64,
        out: &mut Batch<'_, S>,
    ) -> Result<Option<ChartState>, Error> {
        let def: &'static Chart = C::CHARTS.get(chart).ok_or(Error::NoSuchChart)?;
        let state = *self.state.as_ref().get(chart).ok_or(Error::NoSuchChart)?;
        let dims = def.dimensions;
        // Find the first value before writing anything: a chart without
        // values this cycle gets neither a definition nor a BEGIN.
        let mut d = 0;
        let first = loop {
            if d == dims.len() {
                return Ok(None);
            }
            if let Some(v) = collector.value(chart, d) {
                break v;
            }
            d += 1;
        };
        if !state.defined {
            // Validates the chart, which is why the SETs below need no check.
            self.plugin.define(out, def, chart, false)?;
        }
        let micros = state.last_us.map(|t| now_us.saturating_sub(t));
        self.plugin.put_begin(out, def, micros)?;
        out.set(dims[d].id.as_bytes(), first)?;
        for (d, dim) in dims.iter().enumerate().skip(d + 1) {
            if let Some(v) = collector.value(chart, d) {
                out.set(dim.id.as_bytes(), v)?;
            }
        }
        out.put(b"END\n")?;
        Ok(Some(ChartState {
            defined: true,
            last_us: Some(now_us),
        }))
    }

    /// Write every chart's definition now instead of before its first data.
    pub fn define_all<S: Sink + ?Sized>(&mut self, out: &mut S) -> Result<(), Error> {
        for (i, chart) in C::CHARTS.iter().enumerate() {
            self.plugin.define(out, chart, i, false)?;
            self.state.as_mut()[i].defined = true;
        }
        Ok(())
    }

    /// Send every chart's definition again before its next data (after Netdata lost it).
    pub fn redefine(&mut self) {
        for s in self.state.as_mut() {
            s.defined = false;
        }
    }

    /// Mark chart number `chart` obsolete in Netdata; new data defines it again.
    ///
    /// Nothing is written for a chart that was never defined.
    pub fn obsolete<S: Sink + ?Sized>(&mut self, chart: usize, out: &mut S) -> Result<(), Error> {
        let def = C::CHARTS.get(chart).ok_or(Error::NoSuchChart)?;
        if !self.state.as_ref()[chart].defined {
            return Ok(());
        }
        self.plugin.define(out, def, chart, true)?;
        self.state.as_mut()[chart] = ChartState::NEW;
        Ok(())
    }

    /// Mark every defined chart obsolete, as a job that stops should.
    pub fn obsolete_all<S: Sink + ?Sized>(&mut self, out: &mut S) -> Result<(), Error> {
        for i in 0..C::CHARTS.len() {
            self.obsolete(i, out)?;
        }
        Ok(())
    }
}
