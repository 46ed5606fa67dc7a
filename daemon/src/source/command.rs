//! The output of a command run without a shell (python.d's `ExecutableService`).
//!
//! The command never runs as root: when collied is root it switches to the
//! job's `user` (default `nobody`) and `group`, as Exec programs do. It
//! leads a process group of its own; when it overruns its timeout, and
//! whenever it ends, whatever is left of the group is killed. Its output
//! is read in the collecting thread, so a helper that keeps the pipes open
//! costs no thread.

use std::io::{ErrorKind, Read};
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{BoxError, Source, seconds};

/// Characters refused in a command line: without a shell they would reach the program as text, which is never what is meant.
pub const SHELL_CHARS: [char; 5] = ['&', '|', ';', '>', '<'];

/// Directories searched after `PATH`, as Netdata does for its plugins.
const SBIN: [&str; 3] = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

/// A command line split into words; refuses shell metacharacters when parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    text: String,
    words: Vec<String>,
}

impl CommandLine {
    /// Split `text` into words with simple shell-like quoting; refuse `& | ; > <`.
    ///
    /// Outside quotes a backslash keeps the next character; `'…'` keeps
    /// everything literally; `"…"` honours `\"` and `\\`.
    pub fn parse(text: &str) -> Result<CommandLine, String> {
        if let Some(c) = text.chars().find(|c| SHELL_CHARS.contains(c)) {
            return Err(format!(
                "command `{text}` contains `{c}`: commands run without a shell, \
                 so `&`, `|`, `;`, `>` and `<` are refused (no shell is used: they \
                 would reach the program as text)"
            ));
        }
        let mut words = Vec::new();
        let mut word = String::new();
        let mut in_word = false;
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                '\'' => {
                    in_word = true;
                    loop {
                        match chars.next() {
                            Some('\'') => break,
                            Some(c) => word.push(c),
                            None => return Err(format!("command `{text}`: unterminated '")),
                        }
                    }
                }
                '"' => {
                    in_word = true;
                    loop {
                        match chars.next() {
                            Some('"') => break,
                            Some('\\') => match chars.next() {
                                Some(c @ ('"' | '\\')) => word.push(c),
                                Some(c) => {
                                    word.push('\\');
                                    word.push(c);
                                }
                                None => return Err(format!("command `{text}`: unterminated \"")),
                            },
                            Some(c) => word.push(c),
                            None => return Err(format!("command `{text}`: unterminated \"")),
                        }
                    }
                }
                '\\' => {
                    in_word = true;
                    match chars.next() {
                        Some(c) => word.push(c),
                        None => return Err(format!("command `{text}` ends with a backslash")),
                    }
                }
                c if c.is_whitespace() => {
                    if in_word {
                        words.push(std::mem::take(&mut word));
                        in_word = false;
                    }
                }
                c => {
                    in_word = true;
                    word.push(c);
                }
            }
        }
        if in_word {
            words.push(word);
        }
        Ok(CommandLine {
            text: text.to_owned(),
            words,
        })
    }

    /// Return the words: the program, then its arguments.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Return the command line as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Return whether the command line has no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

impl<'de> Deserialize<'de> for CommandLine {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Refuse inside the visitor, so the error is placed at the value.
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = CommandLine;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a command line")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<CommandLine, E> {
                CommandLine::parse(text).map_err(E::custom)
            }
        }
        d.deserialize_str(Text)
    }
}

impl Serialize for CommandLine {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// Job keys of a command source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommandConfig {
    /// The command line; no shell is involved.
    pub command: CommandLine,
    /// Seconds the command may run before it is killed.
    pub timeout: f64,
    /// The user the command runs as when collied is root; `nobody` unless set.
    pub user: Option<String>,
    /// The group it runs as; the user's own unless set.
    pub group: Option<String>,
}

impl Default for CommandConfig {
    fn default() -> Self {
        CommandConfig {
            command: CommandLine::default(),
            timeout: 2.0,
            user: None,
            group: None,
        }
    }
}

/// Most bytes of output read from one run, per stream.
const OUTPUT_LIMIT: usize = 16 << 20;

/// A resolved command, run once per collection.
#[derive(Debug)]
pub struct Command {
    program: PathBuf,
    args: Vec<String>,
    timeout: Duration,
    /// The uid and gid to switch to; `None` keeps collied's (when it is not root).
    ids: Option<(u32, u32)>,
}

/// Find `name` in `PATH`, then in the sbin directories; a name with a `/` is taken as is.
pub fn find_program(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |p: &Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        let p = PathBuf::from(name);
        return runnable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(SBIN.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| runnable(p))
}

impl Command {
    /// Return the resolved program.
    pub fn program(&self) -> &Path {
        &self.program
    }
}

/// Kill what is left of the process group `child` leads.
fn kill_group(child: &Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// Make a pipe's reads return at once when nothing is there.
fn set_nonblocking(fd: impl AsFd) {
    use nix::fcntl::{FcntlArg, OFlag, fcntl};
    if let Ok(flags) = fcntl(&fd, FcntlArg::F_GETFL) {
        let _ = fcntl(
            &fd,
            FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
        );
    }
}

/// A child's stdout and stderr, read without blocking until both close.
struct Pipes {
    out: Option<ChildStdout>,
    err: Option<ChildStderr>,
    out_buf: Vec<u8>,
    err_buf: Vec<u8>,
}

impl Pipes {
    fn open(&self) -> bool {
        self.out.is_some() || self.err.is_some()
    }

    /// Wait up to `wait` for output and read what is there; drop a pipe at its end.
    fn read(&mut self, wait: Duration) {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        let ms = u16::try_from(wait.as_millis().max(1)).unwrap_or(u16::MAX);
        {
            let mut fds: Vec<PollFd<'_>> = Vec::with_capacity(2);
            if let Some(o) = &self.out {
                fds.push(PollFd::new(o.as_fd(), PollFlags::POLLIN));
            }
            if let Some(e) = &self.err {
                fds.push(PollFd::new(e.as_fd(), PollFlags::POLLIN));
            }
            if fds.is_empty() {
                std::thread::sleep(wait);
                return;
            }
            let _ = poll(&mut fds, PollTimeout::from(ms));
        }
        drain(&mut self.out, &mut self.out_buf);
        drain(&mut self.err, &mut self.err_buf);
    }
}

/// Read what `pipe` holds into `buf` (up to [`OUTPUT_LIMIT`]); close it at its end or on an error.
fn drain(pipe: &mut Option<impl Read>, buf: &mut Vec<u8>) {
    let Some(p) = pipe else { return };
    let mut chunk = [0u8; 8192];
    loop {
        match p.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                let room = OUTPUT_LIMIT.saturating_sub(buf.len());
                buf.extend_from_slice(&chunk[..n.min(room)]);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    *pipe = None;
}

impl Source for Command {
    type Config = CommandConfig;
    type Output = Vec<String>;
    const KIND: &'static str = "command";

    fn validate(config: &CommandConfig) -> Result<(), String> {
        if config.command.is_empty() {
            return Err("`command` is required".to_owned());
        }
        seconds(config.timeout, "timeout")?;
        if config.user.as_deref() == Some("root") {
            return Err("commands never run as root; name an unprivileged `user`".to_owned());
        }
        Ok(())
    }

    fn describe(config: &CommandConfig) -> String {
        format!("output of `{}`", config.command.as_str())
    }

    fn open(config: &CommandConfig) -> Result<Self, BoxError> {
        let (name, args) = config
            .command
            .words()
            .split_first()
            .ok_or("`command` is empty")?;
        let program = find_program(name).ok_or_else(|| {
            format!(
                "`{name}` is not an executable file in PATH, /usr/local/sbin, /usr/sbin or /sbin"
            )
        })?;
        let user = config.user.as_deref().unwrap_or("nobody");
        let ids = crate::privilege::run_as(user, config.group.as_deref())
            .map_err(|e| format!("`{}`: {e}", config.command.as_str()))?;
        Ok(Command {
            program,
            args: args.to_vec(),
            timeout: seconds(config.timeout, "timeout")?,
            ids,
        })
    }

    fn fetch(&mut self) -> Result<Vec<String>, BoxError> {
        let mut command = std::process::Command::new(&self.program);
        command
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        if let Some((uid, gid)) = self.ids {
            // std drops the supplementary groups when it changes the uid.
            command.gid(gid).uid(uid);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("{}: {e}", self.program.display()))?;
        let mut pipes = Pipes {
            out: child.stdout.take(),
            err: child.stderr.take(),
            out_buf: Vec::new(),
            err_buf: Vec::new(),
        };
        for fd in [
            pipes.out.as_ref().map(AsFd::as_fd),
            pipes.err.as_ref().map(AsFd::as_fd),
        ]
        .into_iter()
        .flatten()
        {
            set_nonblocking(fd);
        }
        let deadline = Instant::now() + self.timeout;
        // The pipes close when the child exits, unless it left a helper
        // holding them: give that a short grace, then stop reading.
        let mut grace: Option<Instant> = None;
        let status = loop {
            if let Some(status) = child.try_wait()? {
                let until = *grace.get_or_insert(Instant::now() + Duration::from_millis(500));
                if !pipes.open() || Instant::now() >= until {
                    break status;
                }
            } else if Instant::now() >= deadline {
                kill_group(&child);
                let _ = child.wait();
                return Err(format!(
                    "`{}` did not finish within {:.1} s and was killed",
                    self.program.display(),
                    self.timeout.as_secs_f64()
                )
                .into());
            }
            pipes.read(Duration::from_millis(10));
        };
        // Whatever it left running in its group goes too.
        kill_group(&child);
        let (out, err) = (pipes.out_buf, pipes.err_buf);
        if !status.success() {
            let err = String::from_utf8_lossy(&err);
            let first = err.lines().next().unwrap_or("").trim();
            return Err(format!(
                "`{}` failed ({status}){}{first}",
                self.program.display(),
                if first.is_empty() { "" } else { ": " }
            )
            .into());
        }
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .map(str::to_owned)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        let c = CommandLine::parse(r#"printf  '%s %s\n' "a \"b\"" c\ d"#).unwrap();
        assert_eq!(c.words(), ["printf", r"%s %s\n", r#"a "b""#, "c d"]);
        assert_eq!(CommandLine::parse("").unwrap().words(), [] as [String; 0]);
        assert_eq!(CommandLine::parse("''").unwrap().words(), [""]);
        assert!(CommandLine::parse("echo 'x").is_err());
    }

    #[test]
    fn refuses_shell_metacharacters() {
        for cmd in ["ls | wc", "a && b", "a; b", "a > f", "a < f", "echo '|'"] {
            let e = CommandLine::parse(cmd).unwrap_err();
            assert!(e.contains("commands run without a shell"), "{e}");
            assert!(e.contains("no shell is used"), "{e}");
        }
    }
}
