//! The main file, `collie.yaml`, and the directories configuration is looked for in.

use std::path::{Path, PathBuf};

use std::fmt;

use serde::Deserializer;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::{Config, ConfigError, did_you_mean, yaml_error};

/// Largest configuration file read, in bytes.
pub const MAX_FILE: usize = 1 << 20;

/// Deepest nesting of flow collections (`[…]`, `{…}`) in a configuration file.
pub const MAX_DEPTH: usize = 64;

/// Refuse YAML too large or too deeply nested to parse in reasonable time, before parsing it.
///
/// The YAML parser takes super-linear time on deep flow nesting (80 KB of
/// `[` took 6 s), and no configuration needs either.
pub(crate) fn check_limits(file: &Path, text: &str) -> Result<(), ConfigError> {
    let error = |at, message: String| ConfigError {
        file: file.to_owned(),
        at,
        message,
    };
    if text.len() > MAX_FILE {
        return Err(error(
            None,
            format!(
                "is {} bytes; configuration files are at most {MAX_FILE}",
                text.len()
            ),
        ));
    }
    let mut depth = 0usize;
    for (l, line) in text.lines().enumerate() {
        let mut quote = None;
        let mut previous = ' ';
        for (c, ch) in line.chars().enumerate() {
            match (quote, ch) {
                (Some(q), _) if ch == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(ch),
                (None, '#') if previous.is_whitespace() => break,
                (None, '[' | '{') => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        let message = format!("nested more than {MAX_DEPTH} levels deep");
                        return Err(error(Some((l + 1, c + 1)), message));
                    }
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            previous = ch;
        }
    }
    Ok(())
}

/// Return whether a YAML text holds nothing but comments and blank lines.
pub(crate) fn is_blank(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with('#') || l == "---")
}

/// Looks only at the main file's `modules`, checking names against the registered ones.
///
/// The rest of the file is the daemon's [`Config`], read strictly before.
struct ModuleNames<'a>(&'a [&'static str]);

impl<'de> DeserializeSeed<'de> for ModuleNames<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ModuleNames<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of settings")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "modules" {
                map.next_value_seed(ModulesSeed(self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct ModulesSeed<'a>(&'a [&'static str]);

impl<'de> DeserializeSeed<'de> for ModulesSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ModulesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of module names to true or false")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(ModuleName(self.0))?.is_some() {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

struct ModuleName<'a>(&'a [&'static str]);

impl<'de> DeserializeSeed<'de> for ModuleName<'_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for ModuleName<'_> {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a module name")
    }
    fn visit_str<E: de::Error>(self, name: &str) -> Result<String, E> {
        if self.0.contains(&name) {
            return Ok(name.to_owned());
        }
        Err(E::custom(unknown_module(name, self.0)))
    }
}

/// Word an unknown module name: a suggestion if one is close, else the known ones, sorted.
fn unknown_module(name: &str, modules: &[&'static str]) -> String {
    let known = modules.iter().copied();
    match did_you_mean(name, known.clone()) {
        Some(best) => format!("unknown module `{name}`, did you mean `{best}`?"),
        None => {
            let mut list: Vec<&str> = known.collect();
            list.sort_unstable();
            format!(
                "unknown module `{name}`; known modules: {}",
                list.join(", ")
            )
        }
    }
}

/// Find every unknown top-level key and every unknown module name of a main file, with their places.
///
/// serde stops at the first mistake, and a person fixing a file wants them
/// all at once. This reads block-style keys line by line; what it cannot
/// see (flow-style maps, nested sections) is left to serde, which then
/// reports the first mistake there.
fn unknown_names(file: &Path, text: &str, modules: &[&'static str]) -> Vec<ConfigError> {
    let known = Config::keys();
    let mut errors = Vec::new();
    let mut in_modules = false;
    let mut module_indent = None;
    for (l, line) in text.lines().enumerate() {
        let trimmed = line.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("---") {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let key = plain_key(trimmed);
        let at = |message: String| ConfigError {
            file: file.to_owned(),
            at: Some((l + 1, indent + 1)),
            message,
        };
        if indent == 0 {
            in_modules = key == Some("modules");
            module_indent = None;
            if let Some(key) = key.filter(|&k| !known.iter().any(|known| known == k)) {
                errors.push(at(super::unknown_key(
                    key,
                    known.iter().map(String::as_str),
                )));
            }
        } else if in_modules
            && *module_indent.get_or_insert(indent) == indent
            && let Some(name) = key.filter(|k| !modules.contains(k))
        {
            errors.push(at(format!("modules: {}", unknown_module(name, modules))));
        }
    }
    errors
}

/// Return the key a block-mapping line starts with (`key:` then a space or the end), if it is a plain word.
fn plain_key(line: &str) -> Option<&str> {
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(line.len());
    let (key, rest) = line.split_at(end);
    let rest = rest.trim_start_matches(' ');
    let ok = !key.is_empty() && (rest == ":" || rest.starts_with(": ") || rest.starts_with(":\t"));
    ok.then_some(key)
}

/// Read the main file's text (the daemon's [`Config`]); `modules` are the registered module names.
///
/// Every unknown key and module name is reported at once; other mistakes one at a time.
pub fn parse_main_file(
    file: &Path,
    text: &str,
    modules: &[&'static str],
) -> Result<Config, Vec<ConfigError>> {
    check_limits(file, text).map_err(|e| vec![e])?;
    let unknown = unknown_names(file, text, modules);
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let config = Config::parse(text, &file.display().to_string()).map_err(|e| vec![e])?;
    if !config.modules.is_empty() {
        ModuleNames(modules)
            .deserialize(serde_yaml::Deserializer::from_str(text))
            .map_err(|e| vec![yaml_error(file, &e)])?;
    }
    Ok(config)
}

/// Read the main file at `path`; `modules` are the registered module names.
pub fn load_main_file(path: &Path, modules: &[&'static str]) -> Result<Config, Vec<ConfigError>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![ConfigError {
            file: path.to_owned(),
            at: None,
            message: format!("cannot read: {e}"),
        }]
    })?;
    parse_main_file(path, &text, modules)
}

/// Where configuration files are looked for: the user's directory first, then the stock one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigDirs {
    /// The user's directory, holding `collie.yaml` and `collie.d/`.
    pub user: Option<PathBuf>,
    /// The stock directory, used for files the user's lacks.
    pub stock: Option<PathBuf>,
}

/// Name of the main file.
pub const MAIN_FILE: &str = "collie.yaml";
/// Directory of the module files, next to the main file.
pub const MODULE_DIR: &str = "collie.d";

impl ConfigDirs {
    /// Directories from Netdata's environment (`NETDATA_USER_CONFIG_DIR`, `NETDATA_STOCK_CONFIG_DIR`).
    pub fn from_env() -> ConfigDirs {
        let dir = |name| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        ConfigDirs {
            user: dir("NETDATA_USER_CONFIG_DIR"),
            stock: dir("NETDATA_STOCK_CONFIG_DIR"),
        }
    }

    /// Only `dir`, with no stock directory.
    pub fn only(dir: impl Into<PathBuf>) -> ConfigDirs {
        ConfigDirs {
            user: Some(dir.into()),
            stock: None,
        }
    }

    /// Return the first existing file at `relative` under the user's, then the stock directory.
    pub fn find(&self, relative: &Path) -> Option<PathBuf> {
        [&self.user, &self.stock]
            .into_iter()
            .flatten()
            .map(|d| d.join(relative))
            .find(|p| p.is_file())
    }
}
