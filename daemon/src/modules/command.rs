//! `command`: run a command and chart numbers from its `key value` lines.
//!
//! Each output line is split at its first space, tab, `=` or `:` into a
//! key and a number (`requests 12`, `load=0.5`, `queue: 3`); each
//! configured dimension's `key` picks one. Lines that are not such pairs
//! are ignored; a configured key missing from the output is a gap.

use std::collections::HashMap;

use collie_core::chart::{Chart, ChartState, Collector};
use serde::{Deserialize, Serialize};

use super::charts::{ChartSpec, Table, validate};
use crate::jobs::{JobInfo, Module};
use crate::source::{BoxError, Command};

/// Job keys of the command module (besides the command source's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommandModuleConfig {
    /// The charts to draw and the keys their values have in the output.
    pub charts: Vec<ChartSpec>,
}

/// The command collector: configured charts filled from a command's output.
#[derive(Debug)]
pub struct CommandModule {
    table: Table,
}

/// Split a `key value` line (space, tab, `=` or `:` between) into its key and number.
pub fn key_value(line: &str) -> Option<(&str, f64)> {
    let line = line.trim();
    let at = line.find([' ', '\t', '=', ':'])?;
    let (key, rest) = line.split_at(at);
    let value = rest.trim_start_matches([' ', '\t', '=', ':']).trim();
    Some((key, value.parse().ok()?))
}

impl Collector for CommandModule {
    const CHARTS: &'static [Chart<'static>] = &[];
    type State = [ChartState; 0];
    const INITIAL_STATE: Self::State = [];
    fn value(&self, chart: usize, dim: usize) -> Option<i64> {
        self.table.value(chart, dim)
    }
}

impl Module for CommandModule {
    const NAME: &'static str = "command";
    const DEFAULT_JOB: bool = false;
    type Source = Command;
    type Config = CommandModuleConfig;

    fn validate(config: &CommandModuleConfig) -> Result<(), String> {
        validate(&config.charts)
    }

    fn new(config: &CommandModuleConfig, _: &JobInfo) -> Result<Self, BoxError> {
        Ok(CommandModule {
            table: Table::new(&config.charts),
        })
    }

    fn collect(&mut self, lines: Vec<String>) -> Result<(), BoxError> {
        let pairs: HashMap<&str, f64> = lines.iter().filter_map(|l| key_value(l)).collect();
        self.table.fill(|key| pairs.get(key).copied());
        Ok(())
    }

    fn charts(&self, f: &mut dyn FnMut(&[Chart<'_>])) {
        self.table.charts(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_pairs() {
        assert_eq!(key_value("requests 12"), Some(("requests", 12.0)));
        assert_eq!(key_value("  load=0.5 "), Some(("load", 0.5)));
        assert_eq!(key_value("queue: 3"), Some(("queue", 3.0)));
        assert_eq!(key_value("a\t-4e2"), Some(("a", -400.0)));
        assert_eq!(key_value("title only"), None);
        assert_eq!(key_value("nothing"), None);
    }
}
