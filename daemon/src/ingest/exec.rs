//! The Exec plugin: long-running programs that print PUTVAL/PUTNOTIF lines, as collectd runs them.
//!
//! Each configured program runs without a shell (its argv as configured,
//! `argv[0]` the program's file name), stdin on `/dev/null`, with the
//! environment of collied plus `COLLECTD_HOSTNAME` and `COLLECTD_INTERVAL`
//! (`%.3f` seconds). Its stdout goes through a [`Session`] that answers only
//! PUTVAL and PUTNOTIF (any case); other lines, `#` comments included, and
//! every error reply are logged with the program's name, and nothing is
//! written back to it. Its stderr is copied to the log, line by line.
//!
//! A program that exits is started again after a delay that doubles from
//! [`FIRST_DELAY`] to [`MAX_DELAY`], and is reset once a run lasted
//! [`STABLE_RUN`]. Each program leads a process group of its own. Programs never run as root: when collied runs as root
//! each one switches to its configured user and group (supplementary
//! groups dropped), and a user with uid 0 is refused at start. When collied
//! is not root, programs run as collied's own user. On shutdown
//! [`Exec::terminate`] sends SIGTERM to every running program.

use std::io::{ErrorKind, Read};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::{Pid, User, getuid};

use crate::config::ExecConfig;
use crate::ingest::session::Session;
use crate::privilege::{IdError, ids};
use crate::store::Store;

/// Delay before the first restart of a program that exited.
pub const FIRST_DELAY: Duration = Duration::from_secs(1);

/// Longest delay between restarts.
pub const MAX_DELAY: Duration = Duration::from_secs(60);

/// A run at least this long resets the restart delay to [`FIRST_DELAY`].
pub const STABLE_RUN: Duration = Duration::from_secs(60);

/// Bytes read from a program's stdout at once.
const READ_BUFFER: usize = 16 * 1024;

/// Longest stderr line logged; the rest of a longer line is dropped.
const STDERR_LINE: usize = 1024;

/// The running Exec programs: their process ids, for [`Exec::terminate`].
#[derive(Debug, Default)]
pub struct Exec {
    running: Mutex<Vec<u32>>,
    stopping: AtomicBool,
}

/// One program ready to run: what to start and as whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The name used in logs: the command as configured.
    pub name: String,
    /// The program to run.
    pub command: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// User and group ids to switch to; `None` keeps collied's (when it is not root).
    pub ids: Option<(u32, u32)>,
}

/// Why an Exec program cannot run as configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    /// The program's user or group is wrong; `index` is its place in `exec:`.
    #[error("exec[{index}] ({command}): {problem}")]
    Program {
        /// The program's place in the configuration.
        index: usize,
        /// The program.
        command: String,
        /// What is wrong.
        problem: IdError,
    },
}

/// Resolve the users and groups of `configs`; refuse uid 0 and unknown users when running as root.
pub fn prepare(configs: &[ExecConfig]) -> Result<Vec<Program>, ExecError> {
    let root = getuid().is_root();
    configs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let ids = if root {
                Some(
                    ids(&c.user, c.group.as_deref()).map_err(|problem| ExecError::Program {
                        index: i,
                        command: c.command.clone(),
                        problem,
                    })?,
                )
            } else {
                let me = User::from_uid(getuid()).ok().flatten().map(|u| u.name);
                if me.as_deref() != Some(c.user.as_str()) {
                    warning!(
                        "exec[{i}] ({}): collied is not root, so it runs as {} instead of {}",
                        c.command,
                        me.as_deref().unwrap_or("this user"),
                        c.user
                    );
                }
                None
            };
            Ok(Program {
                name: c.command.clone(),
                command: c.command.clone(),
                args: c.args.clone(),
                ids,
            })
        })
        .collect()
}

impl Exec {
    /// Run every program on its own thread in `scope`, restarting those that exit, feeding `store`.
    pub fn spawn_all<'scope, 't: 'scope>(
        &'scope self,
        scope: &'scope thread::Scope<'scope, '_>,
        programs: Vec<Program>,
        hostname: &str,
        interval: f64,
        store: &'scope Store<'t>,
    ) -> std::io::Result<()> {
        let interval = format!("{interval:.3}");
        for program in programs {
            let (host, interval) = (hostname.to_string(), interval.clone());
            thread::Builder::new()
                .name("exec".into())
                .spawn_scoped(scope, move || {
                    self.supervise(&program, &host, &interval, store)
                })?;
        }
        Ok(())
    }

    /// Send SIGTERM to every program running now and to everything it started, and start none again.
    ///
    /// Each program leads its own process group, so its children (a
    /// pipeline, a helper it forked) get the signal too and are not orphaned.
    pub fn terminate(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        for &pid in running.iter() {
            if let Ok(pid) = i32::try_from(pid) {
                // The group's id is the leader's pid; signal the whole group.
                let _ = nix::sys::signal::killpg(Pid::from_raw(pid), Signal::SIGTERM);
            }
        }
    }

    /// Start `program` again and again, with growing delays while it keeps failing, until stopped.
    fn supervise(&self, program: &Program, host: &str, interval: &str, store: &Store<'_>) {
        let mut delay = FIRST_DELAY;
        while !self.stopping.load(Ordering::SeqCst) {
            let started = Instant::now();
            match self.run_once(program, host, interval, store) {
                Ok(status) => info!("exec {}: {status}", program.name),
                Err(e) => error!("exec {}: cannot run: {e}", program.name),
            }
            if self.stopping.load(Ordering::SeqCst) {
                break;
            }
            if started.elapsed() >= STABLE_RUN {
                delay = FIRST_DELAY;
            }
            info!(
                "exec {}: starting again in {} s",
                program.name,
                delay.as_secs_f64()
            );
            thread::sleep(delay);
            delay = (delay * 2).min(MAX_DELAY);
        }
    }

    /// Start `program`, feed its output until it ends, reap it; return how it ended.
    fn run_once(
        &self,
        program: &Program,
        host: &str,
        interval: &str,
        store: &Store<'_>,
    ) -> std::io::Result<String> {
        let mut command = Command::new(&program.command);
        let arg0 = Path::new(&program.command)
            .file_name()
            .map_or_else(|| program.command.clone().into(), ToOwned::to_owned);
        command
            .arg0(arg0)
            .args(&program.args)
            .env("COLLECTD_HOSTNAME", host)
            .env("COLLECTD_INTERVAL", interval)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so stopping it stops what it started too.
            .process_group(0);
        if let Some((uid, gid)) = program.ids {
            // std drops the supplementary groups when it changes the uid.
            command.gid(gid).uid(uid);
        }
        let mut child = {
            // Registered under the lock, so `terminate` never misses a fresh child.
            let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            let child = command.spawn()?;
            running.push(child.id());
            child
        };
        let pid = child.id();
        let (stderr, stdout) = (child.stderr.take(), child.stdout.take());
        let status = thread::scope(|s| {
            let copier = stderr.map(|err| {
                thread::Builder::new()
                    .name("exec-stderr".into())
                    .spawn_scoped(s, || log_stderr(&program.name, err, store))
            });
            if let Some(out) = stdout {
                read_stdout(&program.name, out, store);
            }
            let status = self.reap(&mut child, pid);
            if let Some(Ok(handle)) = copier {
                let _ = handle.join();
            }
            status
        });
        Ok(match status? {
            s if s.success() => "exited with status 0".to_string(),
            s => format!("ended: {s}"),
        })
    }

    /// Wait for `child` to end, forgetting its pid before it can be reused.
    fn reap(&self, child: &mut Child, pid: u32) -> std::io::Result<std::process::ExitStatus> {
        if let Ok(raw) = i32::try_from(pid) {
            // Wait without reaping, so the pid stays ours until it is unregistered.
            let id = || Id::Pid(Pid::from_raw(raw));
            let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT;
            while waitid(id(), flags) == Err(nix::errno::Errno::EINTR) {}
        }
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|&p| p != pid);
        child.wait()
    }
}

/// Feed the program's stdout to the store until it closes, logging every error reply.
fn read_stdout(name: &str, mut out: impl Read, store: &Store<'_>) {
    let mut session = Session::put_only();
    let source = format!("exec {name}");
    let mut buf = vec![0u8; READ_BUFFER];
    loop {
        let n = match out.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                warning!("exec {name}: cannot read its output: {e}");
                break;
            }
        };
        session.feed_all(store, &source, &buf[..n], false);
    }
    session.feed_all(store, &source, &[], true);
}

/// Copy the program's stderr to the log, one line at a time, each at most [`STDERR_LINE`] bytes.
fn log_stderr(name: &str, mut err: impl Read, store: &Store<'_>) {
    let mut line = Vec::with_capacity(STDERR_LINE);
    let mut dropping = false;
    let mut buf = [0u8; 4096];
    let log = |line: &[u8]| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        store.log_limit().log("ERROR", || {
            format!("exec {name}: stderr: {}", String::from_utf8_lossy(line))
        });
    };
    loop {
        let n = match err.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        for &b in &buf[..n] {
            if b == b'\n' {
                if !dropping {
                    log(&line);
                }
                line.clear();
                dropping = false;
            } else if line.len() < STDERR_LINE {
                line.push(b);
            } else if !dropping {
                log(&line);
                dropping = true;
            }
        }
    }
    if !line.is_empty() && !dropping {
        log(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_and_unknown_users_are_refused_when_root() {
        assert_eq!(
            ids("no-such-user-here", None),
            Err(IdError::NoUser("no-such-user-here".into()))
        );
        // The config refuses "root" by name; uid 0 under another name is refused here.
        let root = ids("root", None).unwrap_err();
        assert_eq!(root, IdError::Root("root".into()));
        assert!(root.to_string().contains("uid 0"), "{root}");
        let nobody = ids("nobody", None).unwrap();
        assert_ne!(nobody.0, 0);
    }
}
