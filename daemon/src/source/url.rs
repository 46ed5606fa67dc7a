//! HTTP(S) GET with basic auth, headers, a proxy and TLS options (python.d's `UrlService`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};

use super::{BoxError, Source, seconds};

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
        let mut req = self.agent.get(&c.url);
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
        let mut resp = req.call().map_err(|e| format!("GET {}: {e}", c.url))?;
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
