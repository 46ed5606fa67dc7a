//! The url source against a real HTTP server on 127.0.0.1.

mod jobs_support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use collied::source::{Source, Url, UrlConfig};
use jobs_support::Http;

fn config(url: String) -> UrlConfig {
    UrlConfig {
        url,
        ..UrlConfig::default()
    }
}

#[test]
fn gets_the_body_with_basic_auth_and_headers() {
    let http = Http::start(|path| match path {
        "/stats" => (200, r#"{"up": 1}"#.to_owned()),
        _ => (404, "no".to_owned()),
    });
    let mut c = config(http.url("/stats"));
    c.user = Some("netdata".into());
    c.pass = Some("s3cret".into());
    c.headers = BTreeMap::from([("X-Token".to_owned(), "abc".to_owned())]);
    Url::validate(&c).unwrap();
    let mut url = Url::open(&c).unwrap();
    assert_eq!(url.fetch().unwrap(), r#"{"up": 1}"#);
    assert_eq!(url.fetch().unwrap(), r#"{"up": 1}"#);
    let seen = http.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].line, "GET /stats HTTP/1.1");
    // base64("netdata:s3cret")
    assert_eq!(
        seen[0].header("authorization"),
        Some("Basic bmV0ZGF0YTpzM2NyZXQ=")
    );
    assert_eq!(seen[0].header("x-token"), Some("abc"));
}

#[test]
fn a_status_other_than_200_is_an_error() {
    let http = Http::start(|_| (404, "missing".to_owned()));
    let mut url = Url::open(&config(http.url("/nope"))).unwrap();
    let e = url.fetch().unwrap_err().to_string();
    assert!(e.ends_with("/nope: HTTP status 404 Not Found"), "{e}");
}

#[test]
fn a_silent_server_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut c = config(format!("http://127.0.0.1:{port}/"));
    c.timeout = 0.3;
    let mut url = Url::open(&c).unwrap();
    let t = Instant::now();
    assert!(url.fetch().is_err());
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    drop(listener);
}

#[test]
fn settings_are_checked_at_load() {
    assert_eq!(
        Url::validate(&UrlConfig::default()).unwrap_err(),
        "`url` is required"
    );
    let e = Url::validate(&config("ftp://x/".into())).unwrap_err();
    assert_eq!(e, "url `ftp://x/` must start with http:// or https://");
    let mut c = config("http://x/".into());
    c.tls_cert_file = Some("/c.pem".into());
    assert_eq!(
        Url::validate(&c).unwrap_err(),
        "`tls_cert_file` and `tls_key_file` go together"
    );
    let mut c = config("http://x/".into());
    c.timeout = 0.0;
    assert!(
        Url::validate(&c)
            .unwrap_err()
            .starts_with("timeout must be")
    );
}

#[test]
fn a_missing_ca_file_fails_the_open() {
    let mut c = config("https://127.0.0.1:1/".into());
    c.tls_ca_file = Some("/nonexistent/ca.pem".into());
    let e = Url::open(&c).unwrap_err().to_string();
    assert!(e.starts_with("/nonexistent/ca.pem: "), "{e}");
}

#[test]
fn redirects_carry_credentials_and_headers_only_to_the_configured_origin() {
    let other = Http::start(|_| (200, r#"{"elsewhere": 1}"#.to_owned()));
    let away = other.url("/stats");
    let http = Http::start(move |path| match path {
        "/old" => (302, "/stats".to_owned()),
        "/stats" => (200, r#"{"up": 1}"#.to_owned()),
        "/away" => (307, away.clone()),
        _ => (404, "no".to_owned()),
    });
    let secret = |url: String| {
        let mut c = config(url);
        c.user = Some("netdata".into());
        c.pass = Some("s3cret".into());
        c.headers = BTreeMap::from([("X-Secret".to_owned(), "abc".to_owned())]);
        c
    };
    // Within the origin, a redirect keeps them.
    let mut url = Url::open(&secret(http.url("/old"))).unwrap();
    assert_eq!(url.fetch().unwrap(), r#"{"up": 1}"#);
    let seen = http.seen.lock().unwrap().clone();
    assert_eq!(seen[1].line, "GET /stats HTTP/1.1");
    assert_eq!(seen[1].header("x-secret"), Some("abc"));
    assert!(seen[1].header("authorization").is_some());
    // To another origin (another port here), it sends neither.
    let mut url = Url::open(&secret(http.url("/away"))).unwrap();
    assert_eq!(url.fetch().unwrap(), r#"{"elsewhere": 1}"#);
    let there = other.seen.lock().unwrap().clone();
    assert_eq!(there.len(), 1);
    assert_eq!(there[0].header("x-secret"), None);
    assert_eq!(there[0].header("authorization"), None);
}
