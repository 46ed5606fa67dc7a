//! Helpers shared by the jobs and source tests: scratch directories and tiny peers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A directory removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "collied-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Write `text` to `name` (creating directories) and return its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A request an HTTP server saw: the request line and the headers, lower-cased names.
#[derive(Debug, Clone)]
pub struct Seen {
    pub line: String,
    pub headers: Vec<(String, String)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A tiny HTTP/1.1 server on 127.0.0.1 answering every request with `respond(path)`.
///
/// A 3xx status sends the body as the `Location` header instead.
pub struct Http {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Http {
    pub fn start(respond: impl Fn(&str) -> (u16, String) + Send + Sync + 'static) -> Http {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let respond = Arc::new(respond);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let log = Arc::clone(&log);
                let respond = Arc::clone(&respond);
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut stream = stream;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let mut headers = Vec::new();
                        loop {
                            let mut h = String::new();
                            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                                return;
                            }
                            let h = h.trim_end();
                            if h.is_empty() {
                                break;
                            }
                            if let Some((n, v)) = h.split_once(':') {
                                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
                            }
                        }
                        let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                        log.lock().unwrap().push(Seen {
                            line: line.trim_end().to_owned(),
                            headers,
                        });
                        let (status, body) = respond(&path);
                        let reply = if (300..400).contains(&status) {
                            format!(
                                "HTTP/1.1 {status} X\r\nLocation: {body}\r\nContent-Length: 0\r\n\r\n"
                            )
                        } else {
                            format!(
                                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                                body.len()
                            )
                        };
                        if stream.write_all(reply.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Http { port, seen }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// Read until `\n` from a stream, byte by byte (for line-based peers).
pub fn read_line(s: &mut impl Read) -> Option<String> {
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match s.read(&mut b) {
            Ok(0) | Err(_) => {
                return if out.is_empty() {
                    None
                } else {
                    Some(String::from_utf8_lossy(&out).into())
                };
            }
            Ok(_) if b[0] == b'\n' => return Some(String::from_utf8_lossy(&out).into()),
            Ok(_) => out.push(b[0]),
        }
    }
}

/// Whether tests must fail, not skip, when a peer program is missing.
pub fn peers_required() -> bool {
    std::env::var("COLLIE_REQUIRE_PEERS").is_ok_and(|v| v == "1")
}

/// Return a program's path if installed.
pub fn installed(name: &str) -> Option<PathBuf> {
    collied::source::find_program(name)
}

/// Poll `f` every 20 ms until it returns `Some` or `limit` passes.
pub fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = std::time::Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if std::time::Instant::now() > end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}
