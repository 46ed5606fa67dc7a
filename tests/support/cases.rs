//! Parser for the conformance corpus (`tests/conformance/cases/*.txt`).
//!
//! The format is described in `tests/conformance/FORMAT.md`. In short:
//!
//! ```text
//! # comment
//! == session name          a fresh collectd (empty cache) and one connection
//! > request line           sent exactly, then "\n" (unless it ends with `\nonl`)
//! < reply line             collectd 5.12's reply, one line each (recorded, never hand-edited)
//! = reply line             collie's reply where collie deliberately differs
//! # difference: <tag>      precedes a request whose collie reply differs
//! ```
//!
//! Request lines may contain `\xNN` escapes for raw bytes; everything else is literal.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// Tags allowed after `# difference:`; each names one deliberate deviation from collectd 5.12.
pub const DIFFERENCE_TAGS: &[&str] = &[
    "unknown-putval-option",
    "long-line",
    "type-not-defined-stray-1",
    "getval-unknown-type-blank-line",
    "value-count-mismatch",
    "trailing-garbage",
    "whitespace-only-line",
    "one-status-line",
    "value-too-old",
    "empty-quoted-field",
    "nul-byte",
];

/// Marker at the end of a request line: send it without a newline, then half-close.
pub const NO_NEWLINE_MARKER: &str = "\\nonl";

/// One request of a session and the replies expected for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The bytes to send, without the terminating newline.
    pub line: Vec<u8>,
    /// Whether `"\n"` follows the line. `false` means: send the line, then half-close.
    pub newline: bool,
    /// collectd 5.12's reply lines (without `\n`); empty when collectd sent nothing.
    pub collectd: Vec<Vec<u8>>,
    /// collie's reply lines where collie deliberately differs (`Some(vec![])`: no reply).
    pub collie: Option<Vec<Vec<u8>>>,
    /// The `# difference:` tag, present exactly when `collie` is.
    pub difference: Option<String>,
    /// File name and 1-based line number of the `>` line.
    pub source: (String, usize),
}

impl Request {
    /// The reply lines collie must produce: the override if there is one, else collectd's.
    pub fn expected_collie(&self) -> &[Vec<u8>] {
        self.collie.as_deref().unwrap_or(&self.collectd)
    }

    /// The request as written in a case file (escaped, with the no-newline marker).
    pub fn display_line(&self) -> String {
        encode_request(&self.line, self.newline)
    }
}

/// A sequence of requests sent on one connection to a server with an empty cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The text after `== `.
    pub name: String,
    /// The requests in order.
    pub requests: Vec<Request>,
    /// File name and 1-based line number of the `==` line.
    pub source: (String, usize),
}

/// One parsed case file, keeping its text so that replies can be re-recorded in place.
#[derive(Clone, Debug)]
pub struct CaseFile {
    /// Full path of the file.
    pub path: PathBuf,
    /// The file's text as read.
    pub text: String,
    /// The sessions of the file in order.
    pub sessions: Vec<Session>,
}

/// A syntax error in a case file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// File name.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// The directory holding the case files.
pub fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/cases")
}

/// Parses every `*.txt` file in [`cases_dir`], sorted by file name. Panics on any error.
pub fn load_files() -> Vec<CaseFile> {
    let dir = cases_dir();
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no case files in {}", dir.display());
    paths
        .into_iter()
        .map(|path| load_file(&path).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// All sessions of all case files, in file-name order. Panics on any error.
pub fn load_all() -> Vec<Session> {
    load_files().into_iter().flat_map(|f| f.sessions).collect()
}

/// Reads and parses one case file.
pub fn load_file(path: &Path) -> Result<CaseFile, ParseError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = fs::read_to_string(path).map_err(|e| ParseError {
        file: name.clone(),
        line: 0,
        message: format!("cannot read file: {e}"),
    })?;
    let sessions = parse(&name, &text)?;
    Ok(CaseFile {
        path: path.to_path_buf(),
        text,
        sessions,
    })
}

/// Where the parser is inside the current request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not directly after a request (or its reply lines).
    Outside,
    /// After a `>` line or `<` lines: `<` and `=` lines are allowed.
    CollectdReplies,
    /// After `=` lines: only more `=` lines are allowed.
    CollieReplies,
}

/// Parses the text of one case file; `file` is used for error locations.
pub fn parse(file: &str, text: &str) -> Result<Vec<Session>, ParseError> {
    let err = |line: usize, message: String| ParseError {
        file: file.to_string(),
        line,
        message,
    };
    let mut sessions: Vec<Session> = Vec::new();
    let mut pending_tag: Option<(String, usize)> = None;
    let mut state = State::Outside;

    for (index, raw) in text.lines().enumerate() {
        let n = index + 1;
        if raw.ends_with('\r') {
            return Err(err(n, "carriage return in case file; use \\x0d".into()));
        }
        let (kind, rest) = split_kind(raw);
        match kind {
            "" => state = State::Outside,
            "#" => {
                state = State::Outside;
                if let Some(tag) = rest.trim_start().strip_prefix("difference:") {
                    let tag = tag.trim();
                    if !DIFFERENCE_TAGS.contains(&tag) {
                        return Err(err(n, format!("unknown difference tag `{tag}'")));
                    }
                    if pending_tag.is_some() {
                        return Err(err(n, "two difference tags for one request".into()));
                    }
                    pending_tag = Some((tag.to_string(), n));
                }
            }
            "==" => {
                if let Some((_, at)) = pending_tag {
                    return Err(err(at, "difference tag without a request".into()));
                }
                let name = rest.trim();
                if name.is_empty() {
                    return Err(err(n, "session without a name".into()));
                }
                sessions.push(Session {
                    name: name.to_string(),
                    requests: Vec::new(),
                    source: (file.to_string(), n),
                });
                state = State::Outside;
            }
            ">" => {
                let Some(session) = sessions.last_mut() else {
                    return Err(err(n, "request before the first `==' session".into()));
                };
                if session.requests.last().is_some_and(|last| !last.newline) {
                    return Err(err(
                        n,
                        "request after a half-closing `\\nonl' request".into(),
                    ));
                }
                let (line, newline) = decode_request(rest);
                let difference = pending_tag.take().map(|(tag, _)| tag);
                let collie = difference.as_ref().map(|_| Vec::new());
                session.requests.push(Request {
                    line,
                    newline,
                    collectd: Vec::new(),
                    collie,
                    difference,
                    source: (file.to_string(), n),
                });
                state = State::CollectdReplies;
            }
            "<" => {
                if state != State::CollectdReplies {
                    return Err(err(n, "`<' line not directly after a request".into()));
                }
                let request = last_request(&mut sessions);
                request.collectd.push(rest.as_bytes().to_vec());
            }
            "=" => {
                if state == State::Outside {
                    return Err(err(n, "`=' line not directly after a request".into()));
                }
                let request = last_request(&mut sessions);
                match request.collie.as_mut() {
                    Some(lines) => lines.push(rest.as_bytes().to_vec()),
                    None => {
                        return Err(err(
                            n,
                            "`=' line for a request without `# difference:' tag".into(),
                        ));
                    }
                }
                state = State::CollieReplies;
            }
            _ => return Err(err(n, format!("unrecognised line `{raw}'"))),
        }
    }
    if let Some((_, at)) = pending_tag {
        return Err(err(at, "difference tag without a request".into()));
    }
    for session in &sessions {
        if session.requests.is_empty() {
            return Err(err(session.source.1, "session without requests".into()));
        }
    }
    Ok(sessions)
}

fn last_request(sessions: &mut [Session]) -> &mut Request {
    sessions
        .last_mut()
        .and_then(|s| s.requests.last_mut())
        .expect("state machine guarantees a request")
}

/// Splits a case-file line into its kind (`""` blank, `#`, `==`, `>`, `<`, `=`, or
/// `"?"`) and the text after the kind and one separating space.
fn split_kind(raw: &str) -> (&str, &str) {
    if raw.trim().is_empty() {
        return ("", "");
    }
    if let Some(rest) = raw.strip_prefix('#') {
        return ("#", rest);
    }
    for kind in ["==", ">", "<", "="] {
        if let Some(rest) = raw.strip_prefix(kind) {
            if rest.is_empty() {
                return (kind, "");
            }
            if let Some(rest) = rest.strip_prefix(' ') {
                return (kind, rest);
            }
        }
    }
    ("?", raw)
}

/// Decodes the text of a `>` line into the bytes to send and the newline flag.
///
/// `\xNN` (two hex digits, either case) is a raw byte; every other character is literal.
/// A trailing `\nonl` means "no newline".
pub fn decode_request(text: &str) -> (Vec<u8>, bool) {
    let (text, newline) = match text.strip_suffix(NO_NEWLINE_MARKER) {
        Some(rest) => (rest, false),
        None => (text, true),
    };
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'x') {
            let hex = bytes.get(i + 2..i + 4).and_then(|h| {
                let h = std::str::from_utf8(h).ok()?;
                u8::from_str_radix(h, 16).ok()
            });
            if let Some(byte) = hex {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    (out, newline)
}

/// Encodes request bytes as `>` line text: the inverse of [`decode_request`].
///
/// Control bytes, non-UTF-8 bytes, backslashes that would start an escape or the marker,
/// and trailing whitespace are escaped as `\xNN`.
pub fn encode_request(line: &[u8], newline: bool) -> String {
    let mut out = String::new();
    let mut rest = line;
    while !rest.is_empty() {
        let (valid, invalid) = match std::str::from_utf8(rest) {
            Ok(s) => (s, &[][..]),
            Err(e) => {
                let (ok, bad) = rest.split_at(e.valid_up_to());
                let bad_len = e.error_len().unwrap_or(bad.len());
                (
                    std::str::from_utf8(ok).expect("valid prefix"),
                    &bad[..bad_len],
                )
            }
        };
        let consumed = valid.len() + invalid.len();
        for (pos, c) in valid.char_indices() {
            let after = &valid[pos + 1..];
            let escape = c.is_control()
                || (c == '\\' && (after.starts_with('x') || after.starts_with("nonl")));
            if escape {
                out.push_str(&format!("\\x{:02x}", c as u32));
            } else {
                out.push(c);
            }
        }
        for byte in invalid {
            out.push_str(&format!("\\x{byte:02x}"));
        }
        rest = &rest[consumed..];
    }
    let trimmed = out.trim_end_matches(' ').len();
    let trailing = out.len() - trimmed;
    out.truncate(trimmed);
    for _ in 0..trailing {
        out.push_str("\\x20");
    }
    if !newline {
        out.push_str(NO_NEWLINE_MARKER);
    }
    out
}

/// Formats a reply line for an error message: lossy UTF-8 with visible control bytes.
pub fn show(line: &[u8]) -> String {
    String::from_utf8_lossy(line).escape_debug().to_string()
}

/// Renders one recorded reply line as a `<` line, or explains why it cannot be written.
fn reply_line(line: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(line).map_err(|_| "reply is not UTF-8".to_string())?;
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err("reply contains control characters".into());
    }
    if text.ends_with(' ') || text.ends_with('\t') {
        return Err("reply ends with whitespace".into());
    }
    Ok(if text.is_empty() {
        "<".to_string()
    } else {
        format!("< {text}")
    })
}

/// Rewrites the `<` lines of a case file with freshly recorded replies, keeping every other
/// line. `replies[s][r]` are the reply lines for request `r` of session `s` of `file`.
pub fn rewrite_collectd_replies(
    file: &CaseFile,
    replies: &[Vec<Vec<Vec<u8>>>],
) -> Result<String, String> {
    assert_eq!(
        file.sessions.len(),
        replies.len(),
        "one reply set per session"
    );
    let mut by_line = std::collections::HashMap::new();
    for (session, session_replies) in file.sessions.iter().zip(replies) {
        assert_eq!(session.requests.len(), session_replies.len());
        for (request, lines) in session.requests.iter().zip(session_replies) {
            by_line.insert(request.source.1, (request, lines));
        }
    }
    let mut out = String::with_capacity(file.text.len());
    let mut skipping = false;
    for (index, raw) in file.text.lines().enumerate() {
        let n = index + 1;
        if skipping && split_kind(raw).0 == "<" {
            continue;
        }
        skipping = false;
        out.push_str(raw);
        out.push('\n');
        if let Some((request, lines)) = by_line.get(&n) {
            for line in lines.iter() {
                let rendered = reply_line(line).map_err(|e| {
                    format!(
                        "{}:{}: cannot record reply `{}': {e}",
                        request.source.0,
                        n,
                        show(line)
                    )
                })?;
                out.push_str(&rendered);
                out.push('\n');
            }
            skipping = true;
        }
    }
    Ok(out)
}

fn render(lines: &[Vec<u8>]) -> String {
    if lines.is_empty() {
        return "    (no reply)\n".to_string();
    }
    lines.iter().map(|l| format!("    {}\n", show(l))).collect()
}

/// Compares the replies a server gave to one session with the expected ones and describes
/// every mismatch (empty string: all equal). `expected` picks the lines to compare with,
/// e.g. `|r| &r.collectd` or [`Request::expected_collie`]; `server` names the live side.
pub fn mismatches<'a>(
    session: &'a Session,
    replies: &[Vec<Vec<u8>>],
    expected: impl Fn(&'a Request) -> &'a [Vec<u8>],
    server: &str,
) -> String {
    let mut out = String::new();
    for (request, got) in session.requests.iter().zip(replies) {
        let want = expected(request);
        if want != got.as_slice() {
            out.push_str(&format!(
                "{}:{}: session `{}', request `{}'{}\n  expected:\n{}  {server}:\n{}",
                request.source.0,
                request.source.1,
                session.name,
                request.display_line(),
                request
                    .difference
                    .as_ref()
                    .map(|t| format!(" (difference: {t})"))
                    .unwrap_or_default(),
                render(want),
                render(got),
            ));
        }
    }
    out
}
