//! The `prometheus` section: a `/metrics` endpoint for Prometheus to scrape.

use serde::{Deserialize, Serialize};

use super::network::address;
use super::{at_least_one, optional_positive_secs, positive_secs};

/// Where to serve `/metrics`, and what to put in it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrometheusConfig {
    /// `host:port` to serve `GET /metrics` on; none serves nothing.
    #[serde(deserialize_with = "optional_address")]
    pub listen: Option<String>,
    /// Seconds after which a value is left out; none means its interval × `timeout`.
    #[serde(deserialize_with = "optional_positive_secs")]
    pub staleness: Option<f64>,
    /// Give each sample its value's own time (Prometheus then does not mark it stale when it stops).
    pub timestamps: bool,
    /// Most scrapes served at once; more are answered 503.
    #[serde(deserialize_with = "at_least_one")]
    pub max_scrapes: usize,
    /// Seconds a scrape may take, reading the request and writing the whole answer.
    #[serde(deserialize_with = "positive_secs")]
    pub scrape_timeout: f64,
    /// Receivers to push every changed value to, as Prometheus's remote_write does.
    pub remote_write: Vec<RemoteWriteConfig>,
}

/// One remote_write receiver.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteWriteConfig {
    /// Where to POST, such as `http://127.0.0.1:9090/api/v1/write`.
    #[serde(deserialize_with = "http_url")]
    pub url: String,
    /// Seconds one request may take.
    #[serde(default = "ten", deserialize_with = "positive_secs")]
    pub timeout: f64,
    /// Most samples in one request.
    #[serde(default = "per_send", deserialize_with = "at_least_one")]
    pub max_samples_per_send: usize,
    /// Most samples waiting to be sent; the oldest are dropped past it.
    #[serde(default = "queue", deserialize_with = "at_least_one")]
    pub queue_capacity: usize,
}

fn ten() -> f64 {
    10.0
}

fn per_send() -> usize {
    2000
}

fn queue() -> usize {
    200_000
}

/// An `http://` or `https://` URL.
struct HttpUrl;

impl serde::de::Visitor<'_> for HttpUrl {
    type Value = String;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an http:// or https:// URL")
    }
    fn visit_str<E: serde::de::Error>(self, url: &str) -> Result<String, E> {
        if url.starts_with("http://") || url.starts_with("https://") {
            Ok(url.to_owned())
        } else {
            Err(E::custom(format!(
                "`{url}` is not an http:// or https:// URL"
            )))
        }
    }
}

fn http_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_str(HttpUrl)
}

impl Default for PrometheusConfig {
    fn default() -> Self {
        PrometheusConfig {
            listen: None,
            staleness: None,
            timestamps: false,
            max_scrapes: 4,
            scrape_timeout: 10.0,
            remote_write: Vec::new(),
        }
    }
}

fn optional_address<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    /// An address, or nothing for a key left empty.
    #[derive(Deserialize)]
    struct Listen(#[serde(deserialize_with = "address")] String);
    Ok(Option::<Listen>::deserialize(d)?.map(|l| l.0))
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn the_documented_shape_parses_and_mistakes_have_a_place() {
        let c = Config::parse(
            "prometheus:\n  listen: \"127.0.0.1:9103\"\n  staleness: 20\n  remote_write:\n    - url: \"http://127.0.0.1:9090/api/v1/write\"\n",
            "c.yaml",
        )
        .unwrap();
        assert_eq!(c.prometheus.remote_write[0].max_samples_per_send, 2000);
        let e = Config::parse(
            "prometheus:\n  remote_write:\n    - url: \"ftp://x\"\n",
            "c.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("c.yaml:3:12: "), "{e}");
        assert_eq!(c.prometheus.listen.as_deref(), Some("127.0.0.1:9103"));
        assert_eq!(c.prometheus.staleness, Some(20.0));
        assert_eq!(c.prometheus.max_scrapes, 4);
        assert!(Config::default().prometheus.listen.is_none());
        let e = Config::parse("prometheus:\n  listen: 9103\n", "c.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.yaml:2:11: "), "{e}");
        let e = Config::parse("prometheus:\n  stalenes: 3\n", "c.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean `staleness`"), "{e}");
    }
}
