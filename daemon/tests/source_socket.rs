//! The socket source against real Unix and TCP peers.

mod jobs_support;

use std::io::Write;
use std::net::TcpListener;
use std::os::unix::net::UnixListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use collied::source::{Socket, SocketConfig, Source};
use jobs_support::{Scratch, read_line};

/// Responses are `<n> <request>;` where n counts requests on the connection.
fn complete(buf: &[u8]) -> bool {
    buf.ends_with(b";")
}

#[test]
fn unix_socket_keeps_the_connection() {
    let dir = Scratch::new("sock");
    let path = dir.path("peer.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { return };
            count.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut n = 0;
                while let Some(line) = read_line(&mut s) {
                    n += 1;
                    let _ = s.write_all(format!("{n} {line};").as_bytes());
                }
            });
        }
    });
    let config = SocketConfig {
        unix_socket: Some(path.clone()),
        request: "ping\n".into(),
        timeout: 2.0,
        complete: Some(complete),
        ..SocketConfig::default()
    };
    Socket::validate(&config).unwrap();
    let mut sock = Socket::open(&config).unwrap();
    for n in 1..=3 {
        assert_eq!(sock.fetch().unwrap(), format!("{n} ping;").into_bytes());
    }
    assert_eq!((sock.connects(), accepted.load(Ordering::SeqCst)), (1, 1));
}

#[test]
fn tcp_reconnects_after_the_peer_closes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { return };
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            // Answer one request per connection, then close.
            if read_line(&mut s).is_some() {
                let _ = s.write_all(format!("conn{n};").as_bytes());
            }
        }
    });
    let config = SocketConfig {
        host: "127.0.0.1".into(),
        port: Some(port),
        request: "x\n".into(),
        complete: Some(complete),
        ..SocketConfig::default()
    };
    let mut sock = Socket::open(&config).unwrap();
    assert_eq!(sock.fetch().unwrap(), b"conn1;");
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(sock.fetch().unwrap(), b"conn2;");
    assert_eq!(sock.connects(), 2);
}

#[test]
fn without_keep_alive_each_fetch_connects_and_eof_ends_the_reply() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { return };
            let _ = read_line(&mut s);
            let _ = s.write_all(b"a\nb\n");
        }
    });
    let config = SocketConfig {
        host: "127.0.0.1".into(),
        port: Some(port),
        request: "stats\n".into(),
        keep_alive: false,
        ..SocketConfig::default()
    };
    let mut sock = Socket::open(&config).unwrap();
    assert_eq!(sock.fetch().unwrap(), b"a\nb\n");
    assert_eq!(sock.fetch().unwrap(), b"a\nb\n");
    assert_eq!(sock.connects(), 2);
}

#[test]
fn an_incomplete_reply_times_out_and_a_missing_peer_fails() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            let Ok(mut s) = s else { return };
            let _ = s.write_all(b"half");
            held.push(s);
        }
    });
    let config = SocketConfig {
        host: "127.0.0.1".into(),
        port: Some(port),
        timeout: 0.2,
        complete: Some(complete),
        ..SocketConfig::default()
    };
    let mut sock = Socket::open(&config).unwrap();
    let t = Instant::now();
    let e = sock.fetch().unwrap_err().to_string();
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!(
        e,
        "timed out after 0.2 s waiting for a response (4 bytes so far)"
    );

    let dir = Scratch::new("sock-missing");
    let mut gone = Socket::open(&SocketConfig {
        unix_socket: Some(dir.path("none.sock")),
        ..SocketConfig::default()
    })
    .unwrap();
    let e = gone.fetch().unwrap_err().to_string();
    // Nobody there: news for the job's log, not a fault.
    assert_eq!(
        e,
        format!("no server at {}", dir.path("none.sock").display())
    );
    assert_eq!(
        Socket::validate(&SocketConfig::default()).unwrap_err(),
        "set `unix_socket`, or `host` and `port`"
    );
}
