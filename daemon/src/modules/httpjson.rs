//! `httpjson`: GET a JSON document and chart configured numeric fields.
//!
//! Each dimension's `key` is a dotted path into the document (`a.b.0.c`:
//! object keys and array indices) or a JSON pointer (`/a/b/0/c`). Numbers
//! are charted, `true`/`false` as 1/0, numeric strings parsed; anything
//! else, or a missing key, is a gap.

use collie_core::chart::{Chart, ChartState, Collector};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::charts::{ChartSpec, Table, validate};
use crate::jobs::{JobInfo, Module};
use crate::source::{BoxError, Url};

/// Job keys of the httpjson module (besides the url source's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpJsonConfig {
    /// The charts to draw and where their values are in the document.
    pub charts: Vec<ChartSpec>,
}

/// The httpjson collector: configured charts filled from a JSON document.
#[derive(Debug)]
pub struct HttpJson {
    table: Table,
}

/// Find `key` in `doc`: a JSON pointer if it starts with `/`, else a dotted path.
pub fn lookup<'v>(doc: &'v Value, key: &str) -> Option<&'v Value> {
    if key.starts_with('/') {
        return doc.pointer(key);
    }
    key.split('.').try_fold(doc, |v, part| match v {
        Value::Object(m) => m.get(part),
        Value::Array(a) => a.get(part.parse::<usize>().ok()?),
        _ => None,
    })
}

/// Return a JSON value as a number, if it is one.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

// The charts come from configuration, so `CHARTS` is empty and
// `Module::charts` gives the built ones.
impl Collector for HttpJson {
    const CHARTS: &'static [Chart<'static>] = &[];
    type State = [ChartState; 0];
    const INITIAL_STATE: Self::State = [];
    fn value(&self, chart: usize, dim: usize) -> Option<i64> {
        self.table.value(chart, dim)
    }
}

impl Module for HttpJson {
    const NAME: &'static str = "httpjson";
    const DEFAULT_JOB: bool = false;
    type Source = Url;
    type Config = HttpJsonConfig;

    fn validate(config: &HttpJsonConfig) -> Result<(), String> {
        validate(&config.charts)
    }

    fn new(config: &HttpJsonConfig, _: &JobInfo) -> Result<Self, BoxError> {
        Ok(HttpJson {
            table: Table::new(&config.charts),
        })
    }

    fn collect(&mut self, body: String) -> Result<(), BoxError> {
        let doc: Value =
            serde_json::from_str(&body).map_err(|e| format!("the response is not JSON: {e}"))?;
        self.table.fill(|key| lookup(&doc, key).and_then(number));
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
    fn finds_paths_and_pointers() {
        let doc: Value =
            serde_json::json!({"a": {"b": [1, {"c": 2.5}]}, "ok": true, "s": " 7 ", "x.y": 3});
        assert_eq!(lookup(&doc, "a.b.0").and_then(number), Some(1.0));
        assert_eq!(lookup(&doc, "a.b.1.c").and_then(number), Some(2.5));
        assert_eq!(lookup(&doc, "/a/b/1/c").and_then(number), Some(2.5));
        assert_eq!(lookup(&doc, "/x.y").and_then(number), Some(3.0));
        assert_eq!(lookup(&doc, "ok").and_then(number), Some(1.0));
        assert_eq!(lookup(&doc, "s").and_then(number), Some(7.0));
        assert_eq!(lookup(&doc, "a.b").and_then(number), None);
        assert_eq!(lookup(&doc, "a.z"), None);
    }
}
