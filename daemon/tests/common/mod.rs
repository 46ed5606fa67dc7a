//! Running the built `collied` in a private directory for tests.
//!
//! [`Collied::start`] writes a configuration (the socket inside a fresh
//! temporary directory, plus whatever YAML the test adds), starts the
//! binary with stdout and stderr in files (or stdout on a pipe) and waits
//! for the socket. Dropping it kills the daemon and removes the directory.
#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The binary under test.
pub const COLLIED: &str = env!("CARGO_BIN_EXE_collied");

/// How long a daemon may take to create its socket.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A fresh, empty directory below the system temporary directory.
pub fn temp_dir(prefix: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// A running collied; killed and cleaned up on drop.
pub struct Collied {
    /// The process.
    pub child: Child,
    /// Its private directory.
    pub dir: PathBuf,
    /// Its socket.
    pub socket: PathBuf,
}

/// How to start a [`Collied`].
pub struct Options<'a> {
    /// YAML appended to the generated `socket:` line (which it may not repeat).
    pub yaml: &'a str,
    /// Extra command-line arguments after `--config <file>`.
    pub args: &'a [&'a str],
    /// Give stdout a pipe (see [`Collied::take_stdout`]) instead of a file.
    pub pipe_stdout: bool,
    /// Wait for the socket to appear.
    pub wait: bool,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            yaml: "netdata:\n  enabled: false\n",
            args: &[],
            pipe_stdout: false,
            wait: true,
        }
    }
}

impl Collied {
    /// Start collied with `yaml` (after the socket line) and no Netdata output unless the YAML says so.
    pub fn start(yaml: &str) -> Collied {
        Collied::start_with(Options {
            yaml,
            ..Options::default()
        })
    }

    /// Start collied as `options` say.
    pub fn start_with(options: Options<'_>) -> Collied {
        let dir = temp_dir("collied-test");
        let socket = dir.join("collied.sock");
        Collied::start_in(dir, socket, options)
    }

    /// Start collied in `dir` with its socket at `socket`.
    pub fn start_in(dir: PathBuf, socket: PathBuf, options: Options<'_>) -> Collied {
        let config = dir.join("collied.yaml");
        fs::write(
            &config,
            format!("socket: {}\n{}", socket.display(), options.yaml),
        )
        .unwrap();
        let stdout = if options.pipe_stdout {
            Stdio::piped()
        } else {
            Stdio::from(fs::File::create(dir.join("stdout")).unwrap())
        };
        let child = Command::new(COLLIED)
            .arg("--config")
            .arg(&config)
            .args(options.args)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(fs::File::create(dir.join("stderr")).unwrap())
            .spawn()
            .expect("start collied");
        let mut collied = Collied { child, dir, socket };
        if options.wait {
            collied.wait_for_socket();
        }
        collied
    }

    /// Wait until the socket accepts connections; panic with the log if it does not.
    pub fn wait_for_socket(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if UnixStream::connect(&self.socket).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("collied exited with {status}:\n{}", self.stderr());
            }
            sleep(Duration::from_millis(10));
        }
        panic!(
            "collied made no socket within {START_TIMEOUT:?}:\n{}",
            self.stderr()
        );
    }

    /// Open a connection with a 10 s read timeout, so a missing reply fails the test instead of hanging it.
    pub fn connect(&self) -> UnixStream {
        let s = UnixStream::connect(&self.socket).expect("connect to collied");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }

    /// Send `request` and read `lines` reply lines.
    pub fn ask(conn: &mut UnixStream, request: &str, lines: usize) -> Vec<String> {
        conn.write_all(request.as_bytes()).unwrap();
        let mut reader = BufReader::new(conn);
        (0..lines)
            .map(|_| {
                let mut line = String::new();
                reader.read_line(&mut line).expect("a reply line");
                line.trim_end_matches('\n').to_string()
            })
            .collect()
    }

    /// Return what collied wrote to stderr so far.
    pub fn stderr(&self) -> String {
        fs::read_to_string(self.dir.join("stderr")).unwrap_or_default()
    }

    /// Return what collied wrote to stdout so far (when it goes to a file).
    pub fn stdout(&self) -> String {
        fs::read_to_string(self.dir.join("stdout")).unwrap_or_default()
    }

    /// Take the read end of stdout (when piped).
    pub fn take_stdout(&mut self) -> ChildStdout {
        self.child.stdout.take().expect("stdout is piped")
    }

    /// Send `signal` to collied.
    pub fn signal(&self, signal: Signal) {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        kill(pid, signal).expect("signal collied");
    }

    /// Wait up to `timeout` for collied to exit; panic if it does not.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "collied still runs after {timeout:?}:\n{}",
                self.stderr()
            );
            sleep(Duration::from_millis(20));
        }
    }

    /// Return the socket path.
    pub fn socket(&self) -> &Path {
        &self.socket
    }
}

impl Drop for Collied {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("collied stderr:\n{}", self.stderr());
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Read from `r` until `until` returns true for what was read, or `timeout` passes; return what was read.
pub fn read_until(r: &mut impl Read, timeout: Duration, until: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + timeout;
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
        if until(&String::from_utf8_lossy(&all)) {
            break;
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

/// Send `text` from a second thread while reading the replies here, until `lines` reply lines came or `timeout` passed.
///
/// For floods larger than the socket buffers: collied drops a client that
/// does not read its replies, so writing all first would be cut off.
pub fn pipelined(s: &mut UnixStream, text: String, lines: usize, timeout: Duration) -> String {
    let mut writer = s.try_clone().unwrap();
    let sent = std::thread::spawn(move || writer.write_all(text.as_bytes()));
    let replies = read_until(s, timeout, |t| t.matches('\n').count() >= lines);
    sent.join().unwrap().unwrap();
    replies
}

/// Write `socket: <socket>` and `yaml` into `dir/c.yaml` and return the file, for collieds started by hand.
pub fn config_file(dir: &Path, socket: &Path, yaml: &str) -> PathBuf {
    let config = dir.join("c.yaml");
    fs::write(&config, format!("socket: {}\n{yaml}", socket.display())).unwrap();
    config
}

/// Wait up to 10 s until something accepts connections at `socket`.
pub fn wait_for(socket: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while UnixStream::connect(socket).is_err() {
        assert!(Instant::now() < deadline, "collied did not start");
        sleep(Duration::from_millis(20));
    }
}

/// A process started by a test, killed and reaped when dropped, so a failing test leaves nothing running.
pub struct Reaped(pub Child);

impl std::ops::Deref for Reaped {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Return a loopback TCP port nobody listens on right now.
pub fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a loopback TCP port")
        .port()
}

/// Return a loopback UDP port nobody is bound to right now.
pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("bind a loopback UDP port")
        .port()
}

/// Return the current time in whole seconds.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Call `f` every 100 ms until it returns something or `timeout` passes.
pub fn poll<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(found) = f() {
            return Some(found);
        }
        if Instant::now() >= deadline {
            return None;
        }
        sleep(Duration::from_millis(100));
    }
}

/// Send one command to a collectd-protocol socket; return the status line and the lines it announces.
pub fn request(socket: &Path, command: &str) -> Vec<String> {
    let mut s = UnixStream::connect(socket)
        .unwrap_or_else(|e| panic!("connect to {}: {e}", socket.display()));
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(format!("{command}\n").as_bytes()).unwrap();
    let mut reader = BufReader::new(s);
    let mut line = || {
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("{command}: no reply from {}: {e}", socket.display()));
        line.trim_end_matches('\n').to_string()
    };
    let status = line();
    let n = status
        .split_whitespace()
        .next()
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or_else(|| panic!("{command}: odd status line {status:?}"));
    let mut reply = vec![status];
    for _ in 0..n.max(0) {
        reply.push(line());
    }
    reply
}

/// Send `command` and panic unless the status is a success.
pub fn ok(socket: &Path, command: &str) {
    let reply = request(socket, command);
    assert!(reply[0].starts_with("0 "), "{command}: {reply:?}");
}

/// A private collectd's configuration in `dir`: one second, one write thread, a log file, `plugins` (loaded first, so their sockets are bound by the time the unixsock socket accepts), then unixsock at `<dir>/collectd.sock`.
pub fn collectd_conf(dir: &Path, plugins: &str) -> String {
    format!(
        "Hostname \"collectd-peer\"\n\
         FQDNLookup false\n\
         BaseDir \"{dir}\"\n\
         PIDFile \"{dir}/collectd.pid\"\n\
         Interval 1\n\
         WriteThreads 1\n\
         AutoLoadPlugin false\n\
         LoadPlugin logfile\n\
         <Plugin logfile>\n  LogLevel info\n  File \"{dir}/collectd.log\"\n  \
         Timestamp true\n  PrintSeverity true\n</Plugin>\n\
         {plugins}\n\
         LoadPlugin unixsock\n\
         <Plugin unixsock>\n  SocketFile \"{dir}/collectd.sock\"\n</Plugin>\n",
        dir = dir.display(),
    )
}
