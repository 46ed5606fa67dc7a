//! A strict checker of the plugins.d lines Netdata 1.37 accepts from a plugin.
//!
//! It splits words as Netdata's tokenizer does (space-like characters and
//! `=` separate words; a word starting with `'` or `"` runs to the same
//! quote) and refuses anything Netdata 1.37 would reject or mis-read, plus a
//! few things it merely tolerates (unterminated quotes, fractional SET
//! values, repeated SETs, unknown options), so a pass means "Netdata reads
//! exactly what was meant".
#![allow(dead_code)]

pub mod peer;

use std::collections::{HashMap, HashSet};

/// Netdata 1.37's longest line (PLUGINSD_LINE_MAX minus its margin).
pub const LINE_MAX: usize = 15360;
/// Netdata 1.37's most words per line; the rest are dropped.
pub const WORDS_MAX: usize = 20;

/// Split a line into words as Netdata's `quoted_strings_splitter` does.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let is_sep = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n' | '\x0b' | '\x0c' | '=');
    let chars: Vec<char> = line.chars().collect();
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if is_sep(chars[i]) {
            i += 1;
            continue;
        }
        let mut word = String::new();
        if chars[i] == '\'' || chars[i] == '"' {
            let q = chars[i];
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(format!("unterminated {q} quote")),
                    Some(&c) if c == q => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        // Netdata keeps the backslash and skips the next char.
                        word.push('\\');
                        if let Some(&n) = chars.get(i + 1) {
                            word.push(n);
                        }
                        i += 2;
                    }
                    Some(&c) => {
                        word.push(c);
                        i += 1;
                    }
                }
            }
            if let Some(&c) = chars.get(i)
                && !is_sep(c)
            {
                return Err(format!("text {c:?} glued to a closing quote"));
            }
        } else {
            while i < chars.len() && !is_sep(chars[i]) {
                if chars[i] == '\'' || chars[i] == '"' {
                    return Err("quote inside an unquoted word".into());
                }
                word.push(chars[i]);
                i += 1;
            }
        }
        words.push(word);
    }
    if words.len() > WORDS_MAX {
        return Err(format!("{} words, Netdata keeps {WORDS_MAX}", words.len()));
    }
    Ok(words)
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn int(s: &str, what: &str) -> Result<i64, String> {
    s.parse::<i64>()
        .map_err(|_| format!("{what} {s:?} is not an integer"))
}

/// One chart as the checker saw it defined.
#[derive(Debug, Default, Clone)]
pub struct SeenChart {
    /// Dimension ids, in the order declared.
    pub dims: Vec<String>,
    /// The chart's title.
    pub title: String,
    /// The chart's units.
    pub units: String,
    /// The chart's family.
    pub family: String,
    /// The chart's context.
    pub context: String,
    /// The chart's type keyword.
    pub chart_type: String,
    /// The chart's options word.
    pub options: String,
    /// Divisor of each dimension.
    pub divisors: HashMap<String, i64>,
}

/// One BEGIN…END block: chart `type.id`, microseconds, and `(dimension, value)` pairs.
pub type Update = (String, Option<u64>, Vec<(String, i64)>);

/// What a valid stream contained.
#[derive(Debug, Default)]
pub struct Report {
    /// Charts by `type.id`.
    pub charts: HashMap<String, SeenChart>,
    /// `(type.id, microseconds, [(dim, value)])` per committed BEGIN…END.
    pub updates: Vec<Update>,
    /// Whether DISABLE was sent.
    pub disabled: bool,
}

/// Check a whole stream; return what it held or the first offending line.
pub fn validate(stream: &str) -> Result<Report, String> {
    let mut report = Report::default();
    // The chart DIMENSION/CLABEL lines apply to.
    let mut current: Option<String> = None;
    // An open BEGIN: chart, µs, values.
    let mut open: Option<Update> = None;
    let mut dims_in_block: HashSet<String> = HashSet::new();
    if !stream.is_empty() && !stream.ends_with('\n') {
        return Err("stream does not end with a newline".into());
    }
    for (n, line) in stream.lines().enumerate() {
        let fail = |msg: String| format!("line {}: {msg}: {line:?}", n + 1);
        if line.len() > LINE_MAX {
            return Err(fail(format!("longer than {LINE_MAX} bytes")));
        }
        if line.contains('\r') {
            return Err(fail("carriage return".into()));
        }
        let words = split_words(line).map_err(&fail)?;
        let Some(keyword) = words.first() else {
            continue; // keep-alive
        };
        let args = &words[1..];
        let inside = open.is_some();
        match keyword.as_str() {
            "CHART" => {
                if inside {
                    return Err(fail("CHART inside BEGIN…END".into()));
                }
                if args.is_empty() || args.len() > 12 {
                    return Err(fail(format!("CHART with {} arguments", args.len())));
                }
                let Some((t, id)) = args[0].split_once('.') else {
                    return Err(fail("CHART id without a dot".into()));
                };
                if !is_id(t) || id.is_empty() {
                    return Err(fail("bad CHART type.id".into()));
                }
                let get = |i: usize| args.get(i).cloned().unwrap_or_default();
                let chart_type = get(6);
                if !["", "line", "area", "stacked"].contains(&chart_type.as_str()) {
                    return Err(fail(format!("chart type {chart_type:?}")));
                }
                for i in [7, 8] {
                    if let Some(v) = args.get(i)
                        && !v.is_empty()
                    {
                        int(v, "priority/update_every").map_err(&fail)?;
                    }
                }
                let options = get(9);
                for w in options.split_whitespace() {
                    if !["obsolete", "detail", "hidden", "store_first"].contains(&w) {
                        return Err(fail(format!("chart option {w:?}")));
                    }
                }
                if args.len() < 10 {
                    // 1.37 and 2.x disagree on what a missing options word
                    // means for an obsolete chart; demand an explicit one.
                    return Err(fail("CHART without an explicit options word".into()));
                }
                let entry = report.charts.entry(args[0].clone()).or_default();
                entry.title = get(2);
                entry.units = get(3);
                entry.family = get(4);
                entry.context = get(5);
                entry.chart_type = chart_type;
                entry.options = options;
                current = Some(args[0].clone());
                dims_in_block.clear();
            }
            "DIMENSION" => {
                if inside {
                    return Err(fail("DIMENSION inside BEGIN…END".into()));
                }
                let Some(chart) = &current else {
                    return Err(fail("DIMENSION before any CHART".into()));
                };
                if args.is_empty() || args.len() > 6 {
                    return Err(fail(format!("DIMENSION with {} arguments", args.len())));
                }
                let id = &args[0];
                if !is_id(id) {
                    return Err(fail(format!("dimension id {id:?}")));
                }
                if !dims_in_block.insert(id.clone()) {
                    return Err(fail(format!("dimension {id:?} declared twice")));
                }
                if let Some(a) = args.get(2)
                    && ![
                        "absolute",
                        "incremental",
                        "percentage-of-absolute-row",
                        "percentage-of-incremental-row",
                    ]
                    .contains(&a.as_str())
                {
                    return Err(fail(format!("algorithm {a:?}")));
                }
                let mut divisor = 1;
                for (i, what) in [(3, "multiplier"), (4, "divisor")] {
                    if let Some(v) = args.get(i) {
                        let v = int(v, what).map_err(&fail)?;
                        if v == 0 {
                            return Err(fail(format!("{what} 0")));
                        }
                        if i == 4 {
                            divisor = v;
                        }
                    }
                }
                if let Some(opts) = args.get(5) {
                    for w in opts.split_whitespace() {
                        if !["hidden", "obsolete", "noreset", "nooverflow"].contains(&w) {
                            return Err(fail(format!("dimension option {w:?}")));
                        }
                    }
                }
                let c = report.charts.get_mut(chart).expect("current chart exists");
                if !c.dims.contains(id) {
                    c.dims.push(id.clone());
                }
                c.divisors.insert(id.clone(), divisor);
            }
            "CLABEL" => {
                if current.is_none() || inside {
                    return Err(fail("CLABEL outside a chart definition".into()));
                }
                if args.len() != 3 {
                    return Err(fail("CLABEL needs name, value and source".into()));
                }
                if args[0].is_empty() || args[1].is_empty() {
                    return Err(fail("empty CLABEL name or value".into()));
                }
                if !["1", "2", "4", "8"].contains(&args[2].as_str()) {
                    return Err(fail(format!("label source {:?}", args[2])));
                }
            }
            "CLABEL_COMMIT" => {
                if current.is_none() || inside || !args.is_empty() {
                    return Err(fail("misplaced CLABEL_COMMIT".into()));
                }
            }
            "BEGIN" => {
                if inside {
                    return Err(fail("BEGIN inside BEGIN…END".into()));
                }
                if args.is_empty() || args.len() > 2 {
                    return Err(fail("BEGIN needs a chart and at most microseconds".into()));
                }
                let Some(chart) = report.charts.get(&args[0]) else {
                    return Err(fail("BEGIN for an undefined chart".into()));
                };
                if chart.dims.is_empty() {
                    return Err(fail("BEGIN for a chart without dimensions".into()));
                }
                let micros = match args.get(1) {
                    Some(v) => Some(
                        v.parse::<u64>()
                            .map_err(|_| fail(format!("microseconds {v:?}")))?,
                    ),
                    None => None,
                };
                open = Some((args[0].clone(), micros, Vec::new()));
            }
            "SET" => {
                let Some((chart, _, values)) = &mut open else {
                    return Err(fail("SET outside BEGIN…END".into()));
                };
                if args.len() != 2 {
                    return Err(fail("SET needs an id and a value".into()));
                }
                if !report.charts[chart.as_str()].dims.contains(&args[0]) {
                    return Err(fail(format!(
                        "SET for {:?}, not a dimension of {chart}",
                        args[0]
                    )));
                }
                if values.iter().any(|(d, _)| *d == args[0]) {
                    return Err(fail("dimension SET twice".into()));
                }
                let v = int(&args[1], "value").map_err(&fail)?;
                values.push((args[0].clone(), v));
            }
            "END" => {
                if !args.is_empty() {
                    return Err(fail("END with arguments".into()));
                }
                let Some(block) = open.take() else {
                    return Err(fail("END outside BEGIN".into()));
                };
                report.updates.push(block);
            }
            "FLUSH" => {
                if !args.is_empty() {
                    return Err(fail("FLUSH with arguments".into()));
                }
                open = None;
            }
            "VARIABLE" => {
                let rest = match args.first().map(String::as_str) {
                    Some("GLOBAL" | "HOST") => &args[1..],
                    Some("LOCAL" | "CHART") => {
                        if current.is_none() && !inside {
                            return Err(fail("chart VARIABLE without a chart".into()));
                        }
                        &args[1..]
                    }
                    _ => args,
                };
                if rest.len() != 2 || rest[0].is_empty() {
                    return Err(fail("VARIABLE needs a name and a value".into()));
                }
                let v: f64 = rest[1]
                    .parse()
                    .map_err(|_| fail(format!("variable value {:?}", rest[1])))?;
                if !v.is_finite() {
                    return Err(fail("variable value is not finite".into()));
                }
            }
            "DISABLE" => {
                if !args.is_empty() || inside {
                    return Err(fail("misplaced DISABLE".into()));
                }
                report.disabled = true;
            }
            other => return Err(fail(format!("keyword {other:?} unknown to Netdata 1.37"))),
        }
    }
    if open.is_some() {
        return Err("stream ends inside BEGIN…END".into());
    }
    Ok(report)
}
