//! The one chart state machine: lazy definitions, BEGIN intervals, idle runs and obsolescence.
//!
//! [`ChartState`] is what a plugin remembers about one chart, and the
//! [`Plugin`] methods here are the only code that moves it: a derived
//! [`Collector`]'s [`Writer`], a daemon's jobs and the charts a daemon
//! makes from the values it receives all update and retire their charts
//! through them.

use core::fmt;

use crate::chart::{Chart, Collector};
use crate::sink::Sink;

use super::lines::{Batch, put_begin_line};
use super::{Error, Plugin};

/// What a plugin remembers about one chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChartState {
    defined: bool,
    last_us: Option<u64>,
    idle: u32,
}

impl ChartState {
    /// The state of a chart that was never sent.
    pub const NEW: ChartState = ChartState {
        defined: false,
        last_us: None,
        idle: 0,
    };

    /// Return whether the chart's definition was sent and is still current.
    pub const fn is_defined(&self) -> bool {
        self.defined
    }

    /// Return the caller's clock, in µs, at the chart's last update.
    pub const fn last_update_us(&self) -> Option<u64> {
        self.last_us
    }

    /// Send the chart's definition again before its next data (it changed, or Netdata lost it).
    pub fn redefine(&mut self) {
        self.defined = false;
    }
}

impl Plugin<'_> {
    /// Write one update of `chart` (number `index`) if a dimension has a value; return whether one had.
    ///
    /// `value(d)` is the number to SET for dimension `d`, `None` for a gap.
    /// The definition (CHART, CLABELs, DIMENSIONs) is sent first when the
    /// state says it is not current; BEGIN carries the µs since the last
    /// update. A chart without any value writes nothing and counts an idle
    /// run (see [`retire_idle`](Self::retire_idle)).
    ///
    /// Lines are gathered in a 1 KiB stack buffer and the state changes only
    /// once the sink took them: on an error the sink holds nothing of this
    /// chart (unless the chart alone exceeds 1 KiB and the sink filled up
    /// midway), and the next call sends it in full.
    pub fn update<S: Sink + ?Sized>(
        &self,
        state: &mut ChartState,
        chart: &Chart<'_>,
        index: usize,
        value: impl FnMut(usize) -> Option<i64>,
        now_us: u64,
        out: &mut S,
    ) -> Result<bool, Error> {
        let mut batch = Batch::new(out);
        let updated = self.update_in(state, chart, index, value, now_us, &mut batch)?;
        batch.flush()?;
        Ok(updated)
    }

    /// Update one chart through `batch` and pass it on; change `state` only once the sink took it.
    pub(crate) fn update_in<S: Sink + ?Sized>(
        &self,
        state: &mut ChartState,
        chart: &Chart<'_>,
        index: usize,
        mut value: impl FnMut(usize) -> Option<i64>,
        now_us: u64,
        batch: &mut Batch<'_, S>,
    ) -> Result<bool, Error> {
        let dims = chart.dimensions;
        // Find the first value before writing anything: a chart without
        // values this time gets neither a definition nor a BEGIN.
        let Some((first, v)) = (0..dims.len()).find_map(|d| value(d).map(|v| (d, v))) else {
            if state.defined {
                state.idle = state.idle.saturating_add(1);
            }
            return Ok(false);
        };
        batch.mark();
        let written = (|| {
            if !state.defined {
                // Validates the chart, which is why the SETs below need no check.
                self.define(batch, chart, index, false)?;
            }
            let micros = state.last_us.map(|t| now_us.saturating_sub(t));
            put_begin_line(
                batch,
                self.type_of(chart).as_bytes(),
                chart.id.as_bytes(),
                micros,
            )?;
            batch.set_from(dims, first, v, &mut value)?;
            batch.put(b"END\n")?;
            Ok::<_, Error>(())
        })();
        match written {
            Ok(()) => batch.flush()?,
            Err(e) => {
                batch.rewind_and_flush()?;
                return Err(e);
            }
        }
        *state = ChartState {
            defined: true,
            last_us: Some(now_us),
            idle: 0,
        };
        Ok(true)
    }

    /// Mark `chart` obsolete in Netdata if it was ever sent; new data defines it again.
    ///
    /// The definition is sent once more with the `obsolete` option (also
    /// when it was due to be sent again); its dimensions keep their own flags.
    pub fn obsolete<S: Sink + ?Sized>(
        &self,
        state: &mut ChartState,
        chart: &Chart<'_>,
        index: usize,
        out: &mut S,
    ) -> Result<(), Error> {
        if !state.defined && state.last_us.is_none() {
            return Ok(());
        }
        self.define(out, chart, index, true)?;
        *state = ChartState::NEW;
        Ok(())
    }

    /// Mark `chart` obsolete once it went `cleanup` updates without a value (0 never does); return whether it did.
    pub fn retire_idle<S: Sink + ?Sized>(
        &self,
        state: &mut ChartState,
        chart: &Chart<'_>,
        index: usize,
        cleanup: u32,
        out: &mut S,
    ) -> Result<bool, Error> {
        if cleanup == 0 || !state.defined || state.idle < cleanup {
            return Ok(false);
        }
        self.obsolete(state, chart, index, out)?;
        Ok(true)
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
/// On an error the sink holds every chart before the failing one in full
/// and nothing of the failing one (see [`Plugin::update`]); the next call
/// sends it in full.
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
        for (i, (def, state)) in C::CHARTS.iter().zip(self.state.as_mut()).enumerate() {
            let value = |d| collector.value(i, d);
            if self
                .plugin
                .update_in(state, def, i, value, now_us, &mut batch)?
            {
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
        let (def, state) = chart_mut::<C>(&mut self.state, chart)?;
        let value = |d| collector.value(chart, d);
        self.plugin.update(state, def, chart, value, now_us, out)
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
            s.redefine();
        }
    }

    /// Mark chart number `chart` obsolete in Netdata; new data defines it again.
    ///
    /// Nothing is written for a chart that was never defined.
    pub fn obsolete<S: Sink + ?Sized>(&mut self, chart: usize, out: &mut S) -> Result<(), Error> {
        let (def, state) = chart_mut::<C>(&mut self.state, chart)?;
        self.plugin.obsolete(state, def, chart, out)
    }

    /// Mark every defined chart obsolete, as a job that stops should.
    pub fn obsolete_all<S: Sink + ?Sized>(&mut self, out: &mut S) -> Result<(), Error> {
        for i in 0..C::CHARTS.len() {
            self.obsolete(i, out)?;
        }
        Ok(())
    }
}

/// Return chart number `chart` of `C` with its state in `states`.
fn chart_mut<C: Collector>(
    states: &mut C::State,
    chart: usize,
) -> Result<(&'static Chart<'static>, &mut ChartState), Error> {
    let def = C::CHARTS.get(chart).ok_or(Error::NoSuchChart)?;
    let state = states.as_mut().get_mut(chart).ok_or(Error::NoSuchChart)?;
    Ok((def, state))
}
