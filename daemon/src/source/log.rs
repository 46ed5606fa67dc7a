//! New lines of a log file, following rotation and truncation (python.d's `LogService`).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Absent, BoxError, Source};

/// Job keys of a log source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// The log file to follow.
    pub path: PathBuf,
}

/// A follower of one log file that starts at its end.
#[derive(Debug)]
pub struct Log {
    path: PathBuf,
    file: File,
    /// Device and inode of the open file, to notice rotation.
    id: (u64, u64),
    /// Offset of the next byte to read.
    pos: u64,
    /// The start of a line whose newline has not been written yet.
    partial: Vec<u8>,
}

/// Longest unfinished line kept between collections.
const MAX_PARTIAL: usize = 1 << 20;

impl Log {
    /// Read what `self.file` has past `pos` into `lines`, restarting at 0 if the file shrank.
    fn drain(&mut self, lines: &mut Vec<String>) -> Result<(), BoxError> {
        let len = self.file.metadata()?.len();
        if len < self.pos {
            // Truncated (copytruncate rotation or `> file`): start over.
            self.pos = 0;
            self.partial.clear();
        }
        if len == self.pos {
            return Ok(());
        }
        self.file.seek(SeekFrom::Start(self.pos))?;
        let mut bytes = std::mem::take(&mut self.partial);
        let start = bytes.len();
        let read = (&mut self.file)
            .take(len - self.pos)
            .read_to_end(&mut bytes)?;
        self.pos += read as u64;
        let mut line_start = 0;
        for (i, &b) in bytes.iter().enumerate().skip(start) {
            if b == b'\n' {
                let line = &bytes[line_start..i];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                lines.push(String::from_utf8_lossy(line).into_owned());
                line_start = i + 1;
            }
        }
        bytes.drain(..line_start);
        if bytes.len() > MAX_PARTIAL {
            bytes.clear();
        }
        self.partial = bytes;
        Ok(())
    }
}

impl Source for Log {
    type Config = LogConfig;
    type Output = Vec<String>;
    const KIND: &'static str = "log";

    fn validate(config: &LogConfig) -> Result<(), String> {
        if config.path.as_os_str().is_empty() {
            return Err("`path` is required".to_owned());
        }
        Ok(())
    }

    fn describe(config: &LogConfig) -> String {
        format!("new lines of {}", config.path.display())
    }

    fn open(config: &LogConfig) -> Result<Self, BoxError> {
        let path = config.path.clone();
        let file = File::open(&path).map_err(|e| Absent::or_error(path.display(), e))?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(format!("{}: not a regular file", path.display()).into());
        }
        Ok(Log {
            id: (meta.dev(), meta.ino()),
            pos: meta.len(),
            path,
            file,
            partial: Vec::new(),
        })
    }

    fn fetch(&mut self) -> Result<Vec<String>, BoxError> {
        let mut lines = Vec::new();
        self.drain(&mut lines)?;
        // A different file at the path means rotation: the old one is
        // drained above, the new one is read from its start.
        if let Ok(meta) = std::fs::metadata(&self.path)
            && (meta.dev(), meta.ino()) != self.id
            && let Ok(file) = File::open(&self.path)
        {
            let meta = file.metadata()?;
            self.file = file;
            self.id = (meta.dev(), meta.ino());
            self.pos = 0;
            // A line cut by rotation is finished by nothing: drop it.
            self.partial.clear();
            self.drain(&mut lines)?;
        }
        Ok(lines)
    }
}
