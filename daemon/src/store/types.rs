//! The data sets values are checked against: `types.db` files over the built-in table.

use std::path::{Path, PathBuf};

use collie_core::dataset::types_db::{TypesDb, load_into};
use collie_core::dataset::{BUILTIN, DataSet, DataSets, DataSource, Sorted};

/// A `types.db` file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TypesDbError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line of the file is malformed.
    #[error("{}:{line}:{column}: {message}", file.display())]
    Parse {
        /// The file.
        file: PathBuf,
        /// The line, counted from 1.
        line: usize,
        /// The column, counted from 1.
        column: usize,
        /// What is wrong with it.
        message: String,
    },
}

/// The text of checked `types.db` files and the buffers their data sets are read into.
///
/// [`Types::load`] borrows it for as long as the data sets are used.
#[derive(Debug, Default)]
pub struct TypesText {
    text: String,
    files: usize,
}

impl TypesText {
    /// Read and check `files`; every error names its file and line.
    pub fn read(files: &[PathBuf]) -> Result<TypesText, TypesDbError> {
        let mut text = String::new();
        for file in files {
            let one = std::fs::read_to_string(file).map_err(|source| TypesDbError::Read {
                file: file.clone(),
                source,
            })?;
            check(file, &one)?;
            text.push_str(&one);
            text.push('\n');
        }
        Ok(TypesText {
            text,
            files: files.len(),
        })
    }

    /// Return how many data sets the files define (a name defined twice counts twice).
    pub fn definitions(&self) -> usize {
        TypesDb::new(&self.text).filter_map(Result::ok).count()
    }

    /// Return how many files were read.
    pub fn files(&self) -> usize {
        self.files
    }
}

fn check(file: &Path, text: &str) -> Result<(), TypesDbError> {
    for def in TypesDb::new(text) {
        if let Err(e) = def {
            let full = e.to_string();
            let message = full.split_once(": ").map_or(full.as_str(), |(_, m)| m);
            return Err(TypesDbError::Parse {
                file: file.to_path_buf(),
                line: e.line,
                column: e.column,
                message: message.to_owned(),
            });
        }
    }
    Ok(())
}

/// The buffers [`Types::load`] reads data sets into; keep them for as long as the [`Types`].
#[derive(Debug, Default)]
pub struct TypesBuffers<'a> {
    sets: Vec<DataSet<'a>>,
    sources: Vec<DataSource<'a>>,
}

/// The data sets values are checked against: the loaded files over [`BUILTIN`].
#[derive(Debug, Default)]
pub struct Types<'a> {
    loaded: Option<Sorted<'a>>,
    /// Whether a loaded set redefines a built-in one differently; usually not.
    overrides_builtin: bool,
}

impl<'a> Types<'a> {
    /// The built-in data sets alone.
    pub const BUILTIN: Types<'static> = Types {
        loaded: None,
        overrides_builtin: false,
    };

    /// Return the built-in data sets alone.
    pub fn builtin() -> Types<'static> {
        Types::BUILTIN
    }

    /// Read the data sets of `text` into `buffers`, over the built-in ones.
    pub fn load(text: &'a TypesText, buffers: &'a mut TypesBuffers<'a>) -> Types<'a> {
        if text.text.is_empty() {
            return Types::default();
        }
        let defs = TypesDb::new(&text.text).filter_map(Result::ok);
        let (sets, sources) = defs.fold((0, 0), |(s, d), def| (s + 1, d + def.len()));
        buffers.sets.resize(sets, DataSet::EMPTY);
        buffers.sources.resize(sources, DataSource::EMPTY);
        // The text was checked when read, and the buffers fit every definition.
        let Ok(sorted) = load_into(&text.text, &mut buffers.sets, &mut buffers.sources) else {
            return Types::default();
        };
        let overrides_builtin = sorted.as_slice().iter().any(|set| {
            BUILTIN
                .find(set.name.as_bytes())
                .is_some_and(|builtin| !builtin.same_as(set))
        });
        Types {
            loaded: Some(sorted),
            overrides_builtin,
        }
    }

    /// Return how many data sets were loaded from files.
    pub fn loaded(&self) -> usize {
        self.loaded.as_ref().map_or(0, |s| s.as_slice().len())
    }
}

impl DataSets for Types<'_> {
    fn get(&self, name: &[u8]) -> Option<&DataSet<'_>> {
        // The built-in table answers in a few nanoseconds; the loaded files
        // need a binary search and matter only where they differ from it.
        if !self.overrides_builtin
            && let Some(set) = BUILTIN.find(name)
        {
            return Some(set);
        }
        self.loaded
            .as_ref()
            .and_then(|sets| sets.find(name))
            .or_else(|| BUILTIN.find(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_override_the_builtin_sets() {
        let dir = std::env::temp_dir().join(format!("collied-types-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("types.db");
        std::fs::write(
            &file,
            "gauge value:GAUGE:0:10\nmine a:DERIVE:0:U, b:GAUGE:U:U\n",
        )
        .unwrap();
        let text = TypesText::read(std::slice::from_ref(&file)).unwrap();
        let mut buffers = TypesBuffers::default();
        let types = Types::load(&text, &mut buffers);
        assert_eq!(types.loaded(), 2);
        assert_eq!(types.get(b"gauge").unwrap().sources[0].max, 10.0);
        assert_eq!(types.get(b"mine").unwrap().sources.len(), 2);
        assert_eq!(types.get(b"if_octets").unwrap().sources.len(), 2);
        std::fs::write(&file, "bad value:NOPE:0:1\n").unwrap();
        let e = TypesText::read(std::slice::from_ref(&file)).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("types.db:1:5: data source 1 has an unknown type"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
