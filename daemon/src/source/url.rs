//! HTTP(S) GET with basic auth, headers, a proxy and TLS options (python.d's `UrlService`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};

use super::{Absent, BoxError, Source, seconds};

/// Job keys of a URL source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UrlConfig {
    /// The `http://` or `https://` address to GET.
    pub url: String,
    /// User name for HTTP basic authentication.
    pub user: Option<String>,
    /// Password for HTTP basic authentication.
    pub pass: Option<String>,
    /// Extra request headers.
    pub headers: BTreeMap<String, String>,
    /// Seconds the whole request may take.
    pub timeout: f64,
    /// A proxy URL such as `http://user:pass@proxy:3128`; none by default (the environment is ignored).
    pub proxy: Option<String>,
    /// Verify the server's certificate (on by default).
    pub tls_verify: bool,
    /// PEM file of the certificate authorities to trust instead of the built-in roots.
    pub tls_ca_file: Option<PathBuf>,
    /// PEM file of a client certificate chain.
    pub tls_cert_file: Option<PathBuf>,
    /// PEM file of the client certificate's private key.
    pub tls_key_file: Option<PathBuf>,
}

impl Default for UrlConfig {
    fn default() -> Self {
        UrlConfig {
            url: String::new(),
            user: None,
            pass: None,
            headers: BTreeMap::new(),
            timeout: 1.0,
            proxy: None,
            tls_verify: true,
            tls_ca_file: None,
            tls_cert_file: None,
            tls_key_file: None,
        }
    }
}

/// A prepared HTTP client for one URL; connections are kept alive between collections.
pub struct Url {
    agent: ureq::Agent,
    config: UrlConfig,
}

impl std::fmt::Debug for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Url")
            .field("url", &self.config.url)
            .finish()
    }
}

impl Source for Url {
    type Config = UrlConfig;
    type Output = String;
    const KIND: &'static str = "url";

    fn validate(config: &UrlConfig) -> Result<(), String> {
        if config.url.is_empty() {
            return Err("`url` is required".to_owned());
        }
        let lower = config.url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(format!(
                "url `{}` must start with http:// or https://",
                config.url
            ));
        }
        if config.pass.is_some() && config.user.is_none() {
            return Err("`pass` is set but `user` is not".to_owned());
        }
        if config.tls_cert_file.is_some() != config.tls_key_file.is_some() {
            return Err("`tls_cert_file` and `tls_key_file` go together".to_owned());
        }
        seconds(config.timeout, "timeout")?;
        Ok(())
    }

    fn describe(config: &UrlConfig) -> String {
        format!("GET {}", config.url)
    }

    fn open(config: &UrlConfig) -> Result<Self, BoxError> {
        let mut tls = TlsConfig::builder().disable_verification(!config.tls_verify);
        if let Some(path) = &config.tls_ca_file {
            let certs: Vec<Certificate<'static>> = pem_items(path)?
                .into_iter()
                .filter_map(|item| match item {
                    PemItem::Certificate(c) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(format!("{}: no certificate in this file", path.display()).into());
            }
            tls = tls.root_certs(RootCerts::new_with_certs(&certs));
        }
        if let (Some(cert), Some(key)) = (&config.tls_cert_file, &config.tls_key_file) {
            let chain: Vec<Certificate<'static>> = pem_items(cert)?
                .into_iter()
                .filter_map(|item| match item {
                    PemItem::Certificate(c) => Some(c),
                    _ => None,
                })
                .collect();
            let key: PrivateKey<'static> = pem_items(key)?
                .into_iter()
                .find_map(|item| match item {
                    PemItem::PrivateKey(k) => Some(k),
                    _ => None,
                })
                .ok_or_else(|| format!("{}: no private key in this file", key.display()))?;
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
        }
        let proxy = match &config.proxy {
            Some(p) => Some(ureq::Proxy::new(p).map_err(|e| format!("proxy `{p}`: {e}"))?),
            None => None,
        };
        let timeout = seconds(config.timeout, "timeout")?;
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Redirects are followed in `fetch`, which decides what they may carry.
            .max_redirects(0)
            .proxy(proxy)
            .tls_config(tls.build())
            .timeout_global(Some(timeout))
            .user_agent(concat!("collied/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Ok(Url {
            agent,
            config: config.clone(),
        })
    }

    fn fetch(&mut self) -> Result<String, BoxError> {
        let c = &self.config;
        let origin = Origin::of(&c.url);
        let mut url = c.url.clone();
        let mut redirects = 0;
        let mut resp = loop {
            let mut req = self.agent.get(&url);
            // The configured credentials and headers go to the configured
            // origin only, never to where a redirect points elsewhere.
            if Origin::of(&url) == origin {
                if let Some(user) = &c.user {
                    let pair = format!("{user}:{}", c.pass.as_deref().unwrap_or(""));
                    req = req.header(
                        "Authorization",
                        format!("Basic {}", base64(pair.as_bytes())),
                    );
                }
                for (k, v) in &c.headers {
                    req = req.header(k, v);
                }
            }
            let resp = req.call().map_err(|e| -> BoxError {
                match e {
                    ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                        Absent::Server(url.clone()).into()
                    }
                    e => format!("GET {url}: {e}").into(),
                }
            })?;
            let location = match resp.status().as_u16() {
                301 | 302 | 303 | 307 | 308 => resp.headers().get("location"),
                _ => None,
            };
            let Some(location) = location.and_then(|l| l.to_str().ok()) else {
                break resp;
            };
            redirects += 1;
            if redirects > MAX_REDIRECTS {
                return Err(format!("GET {}: more than {MAX_REDIRECTS} redirects", c.url).into());
            }
            url = resolve(&url, location);
        };
        let status = resp.status();
        if status != 200 {
            return Err(format!("GET {}: HTTP status {status}", c.url).into());
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(16 << 20)
            .read_to_string()
            .map_err(|e| format!("GET {}: reading the body: {e}", c.url))?;
        Ok(body)
    }
}

/// Read every PEM item of a file.
fn pem_items(path: &std::path::Path) -> Result<Vec<PemItem<'static>>, BoxError> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    ureq::tls::parse_pem(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()).into())
}

/// Encode bytes as standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("user:pa ss", "dXNlcjpwYSBzcw=="),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }
}

/// Most redirects followed for one collection.
const MAX_REDIRECTS: u32 = 10;

/// A URL's scheme, host and port: what decides whether a redirect stays with the configured server.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin(Option<(String, String, Option<u16>)>);

impl Origin {
    fn of(url: &str) -> Origin {
        let Ok(uri) = url.parse::<ureq::http::Uri>() else {
            return Origin(None);
        };
        let scheme = uri.scheme_str().unwrap_or("").to_ascii_lowercase();
        let port = uri.port_u16().or(match scheme.as_str() {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        });
        Origin(uri.host().map(|h| (scheme, h.to_ascii_lowercase(), port)))
    }
}

/// Return `location` (a redirect's target) as an absolute URL, relative to `base`.
fn resolve(base: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_owned();
    }
    let Ok(uri) = base.parse::<ureq::http::Uri>() else {
        return location.to_owned();
    };
    let root = format!(
        "{}://{}",
        uri.scheme_str().unwrap_or("http"),
        uri.authority().map_or("", |a| a.as_str())
    );
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{}://{rest}", uri.scheme_str().unwrap_or("http"));
    }
    if location.starts_with('/') {
        return format!("{root}{location}");
    }
    let dir = uri.path().rsplit_once('/').map_or("", |(d, _)| d);
    format!("{root}{dir}/{location}")
}

#[cfg(test)]
mod redirect_tests {
    use super::*;

    #[test]
    fn redirects_resolve_and_origins_compare() {
        assert_eq!(resolve("http://a:81/x/y?q", "/z"), "http://a:81/z");
        assert_eq!(resolve("http://a/x/y", "z"), "http://a/x/z");
        assert_eq!(resolve("http://a/x", "https://b/c"), "https://b/c");
        assert_eq!(resolve("https://a/x", "//b/c"), "https://b/c");
        assert_eq!(Origin::of("http://A:80/x"), Origin::of("http://a/y"));
        assert_ne!(
            Origin::of("http://127.0.0.1/"),
            Origin::of("http://127.0.0.2/")
        );
        assert_ne!(Origin::of("http://a/"), Origin::of("https://a/"));
        assert_ne!(Origin::of("http://a:8080/"), Origin::of("http://a/"));
    }
}
