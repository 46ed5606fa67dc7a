//! The output of a command run without a shell (python.d's `ExecutableService`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{BoxError, Source, seconds};

/// Characters refused in a command line: they would need a shell.
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
                 so `&`, `|`, `;`, `>` and `<` are refused"
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
}

impl Default for CommandConfig {
    fn default() -> Self {
        CommandConfig {
            command: CommandLine::default(),
            timeout: 2.0,
        }
    }
}

/// A resolved command, run once per collection.
#[derive(Debug)]
pub struct Command {
    program: PathBuf,
    args: Vec<String>,
    timeout: Duration,
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

/// Kill and reap a child that overran its time.
fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
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
        Ok(Command {
            program,
            args: args.to_vec(),
            timeout: seconds(config.timeout, "timeout")?,
        })
    }

    fn fetch(&mut self) -> Result<Vec<String>, BoxError> {
        let mut child = std::process::Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{}: {e}", self.program.display()))?;
        // Readers on threads, so a chatty child never blocks on a full pipe
        // and a stuck one can be left behind after the kill.
        let (tx, rx) = mpsc::channel();
        for (is_out, pipe) in [
            (
                true,
                child
                    .stdout
                    .take()
                    .map(|p| Box::new(p) as Box<dyn Read + Send>),
            ),
            (
                false,
                child
                    .stderr
                    .take()
                    .map(|p| Box::new(p) as Box<dyn Read + Send>),
            ),
        ] {
            let tx = tx.clone();
            if let Some(mut pipe) = pipe {
                std::thread::spawn(move || {
                    let mut buf = Vec::new();
                    let _ = pipe.by_ref().take(16 << 20).read_to_end(&mut buf);
                    let _ = tx.send((is_out, buf));
                });
            }
        }
        drop(tx);
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait()? {
                Some(status) => break status,
                None if Instant::now() >= deadline => {
                    kill(&mut child);
                    return Err(format!(
                        "`{}` did not finish within {:.1} s and was killed",
                        self.program.display(),
                        self.timeout.as_secs_f64()
                    )
                    .into());
                }
                None => std::thread::sleep(Duration::from_millis(5)),
            }
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        // The pipes close when the child exits, unless it left a grandchild
        // holding them: give that a short grace.
        let grace = Instant::now() + Duration::from_millis(500);
        for _ in 0..2 {
            match rx.recv_timeout(grace.saturating_duration_since(Instant::now())) {
                Ok((true, b)) => out = b,
                Ok((false, b)) => err = b,
                Err(_) => break,
            }
        }
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
        }
    }
}
