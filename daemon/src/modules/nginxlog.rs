//! `nginxlog`: responses by status class and bytes sent, from an nginx access log.
//!
//! Reads the `combined` log format (and `common`):
//! `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent …`.

use serde::{Deserialize, Serialize};

use crate::jobs::{JobInfo, Module, SourceConfig};
use crate::source::{BoxError, Log, LogConfig};

/// Job keys of the nginxlog module (none besides the log source's `path`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NginxLogConfig {}

/// Counters of the lines read so far.
#[derive(collie_macros::Collector, Debug, Default)]
#[collector(crate = collie_core, type = "nginxlog", priority = 60000)]
#[chart(
    id = "responses",
    title = "Responses By Status Code Class",
    units = "responses/s",
    family = "responses",
    context = "nginxlog.responses",
    chart_type = "stacked"
)]
#[chart(
    id = "bandwidth",
    title = "Bandwidth",
    units = "kilobits/s",
    family = "bandwidth",
    context = "nginxlog.bandwidth",
    chart_type = "area"
)]
#[chart(
    id = "lines",
    title = "Log Lines",
    units = "lines/s",
    family = "lines",
    context = "nginxlog.lines"
)]
pub struct NginxLog {
    #[dim(chart = "responses", id = "1xx", algorithm = "incremental")]
    informational: u64,
    #[dim(chart = "responses", id = "2xx", algorithm = "incremental")]
    successful: u64,
    #[dim(chart = "responses", id = "3xx", algorithm = "incremental")]
    redirects: u64,
    #[dim(chart = "responses", id = "4xx", algorithm = "incremental")]
    client_errors: u64,
    #[dim(chart = "responses", id = "5xx", algorithm = "incremental")]
    server_errors: u64,
    #[dim(
        chart = "bandwidth",
        id = "sent",
        algorithm = "incremental",
        multiplier = 8,
        divisor = 1000
    )]
    bytes_sent: u64,
    #[dim(chart = "lines", id = "parsed", algorithm = "incremental")]
    parsed: u64,
    #[dim(chart = "lines", id = "unmatched", algorithm = "incremental")]
    unmatched: u64,
}

/// Return the status and body size of a combined-format line.
pub fn parse_line(line: &str) -> Option<(u16, u64)> {
    // The request is the first quoted field; status and size follow it.
    // nginx writes `"` inside a field as `\x22`, but skip `\"` too.
    let open = line.find(" \"")? + 2;
    let bytes = line.as_bytes();
    let mut i = open;
    while *bytes.get(i)? != b'"' {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    let mut rest = line.get(i + 1..)?.split_ascii_whitespace();
    let status: u16 = rest.next()?.parse().ok()?;
    if !(100..600).contains(&status) {
        return None;
    }
    let bytes = match rest.next()? {
        "-" => 0,
        b => b.parse().ok()?,
    };
    Some((status, bytes))
}

impl Module for NginxLog {
    const NAME: &'static str = "nginxlog";
    type Source = Log;
    type Config = NginxLogConfig;

    fn source_defaults() -> SourceConfig<Self> {
        LogConfig {
            path: "/var/log/nginx/access.log".into(),
        }
    }

    fn new(_: &NginxLogConfig, _: &JobInfo) -> Result<Self, BoxError> {
        Ok(NginxLog::default())
    }

    fn collect(&mut self, lines: Vec<String>) -> Result<(), BoxError> {
        for line in &lines {
            match parse_line(line) {
                Some((status, bytes)) => {
                    *match status / 100 {
                        1 => &mut self.informational,
                        2 => &mut self.successful,
                        3 => &mut self.redirects,
                        4 => &mut self.client_errors,
                        _ => &mut self.server_errors,
                    } += 1;
                    self.bytes_sent += bytes;
                    self.parsed += 1;
                }
                None => self.unmatched += 1,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use collie_core::chart::Collector as _;

    #[test]
    fn charts_read_like_go_d_s_web_log() {
        let shown: Vec<(&str, &str, &str, &str)> = NginxLog::CHARTS
            .iter()
            .map(|c| (c.id, c.title, c.units, c.family))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "responses",
                    "Responses By Status Code Class",
                    "responses/s",
                    "responses"
                ),
                ("bandwidth", "Bandwidth", "kilobits/s", "bandwidth"),
                ("lines", "Log Lines", "lines/s", "lines"),
            ]
        );
    }

    #[test]
    fn parses_combined_lines() {
        let l = r#"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a?b=\"c\" HTTP/1.1" 404 2326 "-" "curl/8""#;
        assert_eq!(parse_line(l), Some((404, 2326)));
        let l = r#"::1 - bob [10/Oct/2000:13:55:36 -0700] "POST / HTTP/2.0" 204 - "-" "x""#;
        assert_eq!(parse_line(l), Some((204, 0)));
        assert_eq!(parse_line("garbage"), None);
        assert_eq!(parse_line(r#"a - - [x] "GET /" 999 1"#), None);
    }
}
