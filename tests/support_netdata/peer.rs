//! A private, real Netdata for end-to-end tests, and the peer-skipping rule.
//!
//! [`Netdata::start`] runs `netdata -D` on a free loopback port with a
//! configuration in a fresh temporary directory that enables exactly one
//! external plugin from a private plugins directory; dropping it stops
//! Netdata (SIGTERM, then SIGKILL) and removes the directory unless the
//! test failed. Tests read values back over HTTP with [`get_json`].
//!
//! Real-peer tests skip with a clear line when a peer is not installed,
//! unless `COLLIE_REQUIRE_PEERS` is set (as in CI): then a missing peer is
//! a failure ([`require_peer`]).

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Whether missing peers must fail the tests (`COLLIE_REQUIRE_PEERS` set and not `0`).
pub fn peers_required() -> bool {
    std::env::var_os("COLLIE_REQUIRE_PEERS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Return `found`, or print a "skipped" line (and return `None`) when the peer may be missing; panic when it is required.
pub fn require_peer<T>(found: Option<T>, what: &str) -> Option<T> {
    if found.is_none() {
        assert!(
            !peers_required(),
            "{what} is not installed but COLLIE_REQUIRE_PEERS is set"
        );
        println!("skipped: {what} is not installed (set COLLIE_REQUIRE_PEERS=1 to require it)");
    }
    found
}

/// Find a program on `PATH` or in the sbin directories.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([
            "/usr/sbin".into(),
            "/usr/local/sbin".into(),
            "/usr/bin".into(),
        ])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Find the `netdata` binary (Debian's `netdata` package).
pub fn find_netdata() -> Option<PathBuf> {
    find_program("netdata")
}

/// A fresh directory below the system temporary directory.
pub fn temp_dir(prefix: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
    fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// Return a loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port()
}

/// GET `path` over HTTP/1.0 and return the body of a 200 answer.
pub fn get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    (head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200")).then_some(())?;
    Some(body.to_string())
}

/// GET `path` and parse the body as JSON.
pub fn get_json(port: u16, path: &str) -> Option<Value> {
    serde_json::from_str(&get(port, path)?).ok()
}

/// The plugin a [`Netdata`] runs.
pub struct Plugin<'a> {
    /// The plugin's name: the file is `<name>.plugin`, the section `[plugin:<name>]`.
    pub name: &'a str,
    /// The shell script installed as the plugin (after `#!/bin/sh`), or empty to use [`Plugin::link`] (neither: the test's setup installs it).
    pub script: String,
    /// An executable to install as a symbolic link `<name>.plugin` instead of a script.
    pub link: Option<PathBuf>,
    /// `command options` of the plugin section.
    pub options: &'a str,
}

/// A private Netdata process, stopped when dropped, whatever happened.
pub struct Netdata {
    child: Child,
    /// Its working directory (configuration, logs, plugins).
    pub dir: PathBuf,
    /// Its web API port on 127.0.0.1.
    pub port: u16,
    /// Keep the directory after the test for inspection.
    pub keep_dir: bool,
}

impl Netdata {
    /// Start `netdata` with `plugin` as its only plugin; `prefix` names the temporary directory.
    pub fn start(netdata: &Path, prefix: &str, plugin: &Plugin<'_>) -> Netdata {
        Netdata::start_with(netdata, prefix, plugin, |_| {})
    }

    /// Like [`start`](Self::start), calling `setup` with the directory (its `etc` is Netdata's user configuration directory) before Netdata starts.
    pub fn start_with(
        netdata: &Path,
        prefix: &str,
        plugin: &Plugin<'_>,
        setup: impl FnOnce(&Path),
    ) -> Netdata {
        let dir = temp_dir(prefix);
        let port = free_port();
        let conf = write_config(&dir, port, plugin.name, plugin.options);
        match &plugin.link {
            Some(target) => std::os::unix::fs::symlink(
                target,
                dir.join(format!("plugins/{}.plugin", plugin.name)),
            )
            .expect("link the plugin"),
            // Neither: `setup` installs the plugin itself.
            None if plugin.script.is_empty() => {}
            None => install_plugin(&dir, plugin.name, &plugin.script),
        }
        setup(&dir);
        let child = Command::new(netdata)
            .arg("-D")
            .arg("-c")
            .arg(&conf)
            .arg("-P")
            .arg(dir.join("netdata.pid"))
            .env("DO_NOT_TRACK", "1")
            .stdin(Stdio::null())
            .stdout(fs::File::create(dir.join("stdout.log")).unwrap())
            .stderr(fs::File::create(dir.join("stderr.log")).unwrap())
            .spawn()
            .expect("start netdata");
        Netdata {
            child,
            dir,
            port,
            keep_dir: false,
        }
    }

    /// Panic if Netdata has exited.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "netdata exited early with {status}\nerror.log:\n{}",
                self.log()
            );
        }
    }

    /// Return Netdata's error log, where plugins' stderr goes too.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("log/error.log")).unwrap_or_default()
    }

    /// Poll `f` every half second until it returns `Some` or `deadline` passes.
    pub fn poll<T>(&mut self, deadline: Instant, mut f: impl FnMut(u16) -> Option<T>) -> Option<T> {
        while Instant::now() < deadline {
            self.assert_running();
            if let Some(v) = f(self.port) {
                return Some(v);
            }
            sleep(Duration::from_millis(500));
        }
        None
    }

    /// Return the log lines about plugin `name` that tell of trouble.
    pub fn complaints(&self, name: &str) -> Vec<String> {
        let plugin = format!("{name}.plugin");
        let tag = format!("PLUGINSD[{name}]");
        self.log()
            .lines()
            .filter(|l| l.contains(&tag) || l.contains(&plugin))
            .filter(|l| {
                let l = l.to_ascii_lowercase();
                ["disabl", "error", "exited", "cannot", "does not exist"]
                    .iter()
                    .any(|w| l.contains(w))
            })
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Netdata {
    fn drop(&mut self) {
        // SIGTERM lets Netdata stop its plugin; SIGKILL if it lingers.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.keep_dir || std::thread::panicking() {
            eprintln!("netdata: files kept in {}", self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Write a `netdata.conf` for a private instance in `dir` that runs only plugin `name`.
pub fn write_config(dir: &Path, port: u16, name: &str, options: &str) -> PathBuf {
    for sub in ["etc", "lib", "cache", "log", "plugins", "lock", "home"] {
        fs::create_dir_all(dir.join(sub)).unwrap();
    }
    fs::write(dir.join("etc/.opt-out-from-anonymous-statistics"), "").unwrap();
    let b = dir.display();
    let conf = format!(
        "[global]
    run as user = root
    hostname = e2e
[db]
    mode = ram
    retention = 600
    update every = 1
[directories]
    config = {b}/etc
    stock config = /usr/lib/netdata/conf.d
    log = {b}/log
    plugins = \"{b}/plugins\"
    web = /usr/share/netdata/web
    cache = {b}/cache
    lib = {b}/lib
    home = {b}/home
    lock = {b}/lock
    health config = {b}/etc/health.d
[logs]
    error = {b}/log/error.log
    access = none
    debug = none
[web]
    bind to = 127.0.0.1:{port}
[health]
    enabled = no
[ml]
    enabled = no
[registry]
    enabled = no
[statsd]
    enabled = no
[plugins]
    enable running new plugins = no
    check for new plugins every = 5
    proc = no
    diskspace = no
    cgroups = no
    tc = no
    idlejitter = no
    timex = no
    checks = no
    netdata monitoring = no
    apps = no
    python.d = no
    charts.d = no
    go.d = no
    ebpf = no
    statsd = no
    {name} = yes
[plugin:{name}]
    update every = 1
    command options = {options}
"
    );
    let path = dir.join("netdata.conf");
    fs::write(&path, conf).unwrap();
    path
}

/// Install `script` as the executable `<name>.plugin` in the private plugins directory.
pub fn install_plugin(dir: &Path, name: &str, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    let plugin = dir.join(format!("plugins/{name}.plugin"));
    fs::write(&plugin, format!("#!/bin/sh\n{script}")).unwrap();
    fs::set_permissions(&plugin, fs::Permissions::from_mode(0o755)).unwrap();
}
