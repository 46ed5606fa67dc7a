//! Strict YAML configuration: the main file, module files and their jobs.
//!
//! A job's keys belong to three groups: the settings every job has
//! ([`CommonConfig`]), its source's settings and its module's own settings.
//! Each group is a derived struct with `deny_unknown_fields`; a job map is
//! read by a hand-written visitor that routes every key to its group by the
//! groups' field lists, so a misspelt key is reported at its line and column
//! with a suggestion, and a value of the wrong type at the value.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess,
    SeqAccess, Visitor,
};
use serde::{Deserialize, Serialize};
use serde_yaml::{Mapping, Value};

use super::module::{Module, SourceConfig};
use crate::config::{ConfigError, unknown_key, yaml_error};
use crate::source::Source;

/// Settings every job has; absent ones come from the module file, then from the module.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommonConfig {
    /// The job's name; jobs sharing a name are alternatives tried in order.
    pub name: Option<String>,
    /// Seconds between collections (at least the plugin's).
    pub update_every: Option<u32>,
    /// Priority of the job's first chart (charts with their own keep it).
    pub priority: Option<u32>,
    /// Seconds between checks of a job whose check failed; 0 drops it.
    pub autodetection_retry: Option<u32>,
    /// Back off after repeated failures (python.d's penalty rule).
    pub penalty: Option<bool>,
    /// Runs without data after which a chart is made obsolete; 0 never.
    pub chart_cleanup: Option<u32>,
}

/// A job's settings with every default applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The module the job belongs to.
    pub module: &'static str,
    /// The job's name.
    pub name: String,
    /// Seconds between collections.
    pub update_every: u32,
    /// Priority of the job's first chart.
    pub priority: u32,
    /// Seconds between checks of a failed job; 0 drops it.
    pub autodetection_retry: u32,
    /// Whether failures back off.
    pub penalty: bool,
    /// Runs without data after which a chart is made obsolete; 0 never.
    pub chart_cleanup: u32,
}

impl Settings {
    /// The type of the job's charts: the module, or `module_name`.
    pub fn full_name(&self) -> String {
        if self.name == self.module {
            self.module.to_owned()
        } else {
            format!("{}_{}", self.module, self.name)
        }
    }
}

/// Default priority of a job's first chart, as python.d.
pub const DEFAULT_PRIORITY: u32 = 60000;
/// Default runs without data before a chart is made obsolete, as python.d.
pub const DEFAULT_CHART_CLEANUP: u32 = 10;

/// One job's complete configuration.
pub struct JobConfig<M: Module> {
    /// Settings every job has.
    pub settings: Settings,
    /// The source's settings.
    pub source: SourceConfig<M>,
    /// The module's own settings.
    pub module: M::Config,
}

impl<M: Module> Clone for JobConfig<M> {
    fn clone(&self) -> Self {
        JobConfig {
            settings: self.settings.clone(),
            source: self.source.clone(),
            module: self.module.clone(),
        }
    }
}

impl<M: Module> fmt::Debug for JobConfig<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobConfig")
            .field("settings", &self.settings)
            .field("source", &self.source)
            .field("module", &self.module)
            .finish()
    }
}

/// Return the field names of a derived struct, by asking its `Deserialize` impl.
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields recorded"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// Which group a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Common,
    Source,
    Module,
    Jobs,
}

/// The keys a map accepts, by group.
struct Keys {
    groups: [(Part, &'static [&'static str]); 3],
    jobs: bool,
}

impl Keys {
    fn of<M: Module>(jobs: bool) -> Keys {
        Keys {
            groups: [
                (Part::Common, field_names::<CommonConfig>()),
                (Part::Source, field_names::<SourceConfig<M>>()),
                (Part::Module, field_names::<M::Config>()),
            ],
            jobs,
        }
    }

    fn route(&self, key: &str) -> Option<Part> {
        if self.jobs && key == "jobs" {
            return Some(Part::Jobs);
        }
        self.groups
            .iter()
            .find(|(_, names)| names.contains(&key))
            .map(|&(part, _)| part)
    }

    fn all(&self) -> impl Iterator<Item = &'static str> + Clone + '_ {
        let jobs: &'static [&'static str] = if self.jobs { &["jobs"] } else { &[] };
        self.groups
            .iter()
            .flat_map(|(_, names)| names.iter().copied())
            .chain(jobs.iter().copied())
    }
}

/// Reads a key and routes it, or refuses it where it stands.
struct KeySeed<'a>(&'a Keys);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = (String, Part);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = (String, Part);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a setting name")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        match self.0.route(key) {
            Some(part) => Ok((key.to_owned(), part)),
            None => Err(E::custom(unknown_key(key, self.0.all()))),
        }
    }
}

/// A deserializer of a one-entry map `{key: <the value at hand>}`.
struct OneKey<'k, D> {
    key: &'k str,
    value: D,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for OneKey<'_, D> {
    type Error = D::Error;
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        v.visit_map(OneKeyMap {
            key: Some(self.key),
            value: Some(self.value),
        })
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct OneKeyMap<'k, D> {
    key: Option<&'k str>,
    value: Option<D>,
}

impl<'de, D: Deserializer<'de>> MapAccess<'de> for OneKeyMap<'_, D> {
    type Error = D::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, D::Error> {
        match self.key.take() {
            Some(key) => seed
                .deserialize(IntoDeserializer::<D::Error>::into_deserializer(key))
                .map(Some),
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, D::Error> {
        match self.value.take() {
            Some(d) => seed.deserialize(d),
            None => Err(de::Error::custom("value asked for twice")),
        }
    }
}

/// Reads one key's value straight from the YAML into its group's struct (so
/// mistakes are placed), then keeps it as a YAML value for merging.
struct FieldSeed<'k, T> {
    key: &'k str,
    group: PhantomData<fn() -> T>,
}

impl<'de, T: Serialize + DeserializeOwned> DeserializeSeed<'de> for FieldSeed<'_, T> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        let partial = T::deserialize(OneKey {
            key: self.key,
            value: d,
        })?;
        let mut map = match serde_yaml::to_value(&partial).map_err(de::Error::custom)? {
            Value::Mapping(m) => m,
            _ => return Err(de::Error::custom("settings are not a map")),
        };
        Ok(map.remove(self.key).unwrap_or(Value::Null))
    }
}

/// Key-value entries of a map, by group.
#[derive(Debug, Clone, Default)]
struct Parts {
    common: Mapping,
    source: Mapping,
    module: Mapping,
    /// Whether the map had a `jobs` key (module files only).
    has_jobs: bool,
}

/// Read the entries of a job map or a module file's defaults.
fn read_parts<'de, M: Module, A: MapAccess<'de>>(
    mut map: A,
    keys: &Keys,
) -> Result<Parts, A::Error> {
    let mut parts = Parts::default();
    while let Some((key, part)) = map.next_key_seed(KeySeed(keys))? {
        let (target, value) = match part {
            Part::Common => (
                &mut parts.common,
                map.next_value_seed(FieldSeed::<CommonConfig> {
                    key: &key,
                    group: PhantomData,
                })?,
            ),
            Part::Source => (
                &mut parts.source,
                map.next_value_seed(FieldSeed::<SourceConfig<M>> {
                    key: &key,
                    group: PhantomData,
                })?,
            ),
            Part::Module => (
                &mut parts.module,
                map.next_value_seed(FieldSeed::<M::Config> {
                    key: &key,
                    group: PhantomData,
                })?,
            ),
            Part::Jobs => {
                map.next_value::<IgnoredAny>()?;
                parts.has_jobs = true;
                continue;
            }
        };
        if target.insert(Value::String(key.clone()), value).is_some() {
            return Err(de::Error::custom(format!("key `{key}` is given twice")));
        }
    }
    Ok(parts)
}

/// Deserialize `T` from its defaults overlaid by each map of `layers` in turn.
fn layered<T: Serialize + DeserializeOwned>(base: &T, layers: [&Mapping; 2]) -> Result<T, String> {
    let mut merged = match serde_yaml::to_value(base).map_err(|e| e.to_string())? {
        Value::Mapping(m) => m,
        _ => Mapping::new(),
    };
    for layer in layers {
        for (k, v) in layer {
            merged.insert(k.clone(), v.clone());
        }
    }
    serde_yaml::from_value(Value::Mapping(merged)).map_err(|e| e.to_string())
}

/// Build a job from the module file's defaults and the job's own keys.
fn assemble<M: Module>(defaults: &Parts, job: &Parts) -> Result<JobConfig<M>, String> {
    let common: CommonConfig = layered(&CommonConfig::default(), [&defaults.common, &job.common])?;
    let name = common.name.clone().unwrap_or_else(|| M::NAME.to_owned());
    let fail = |msg: String| format!("job `{name}`: {msg}");
    let module: M::Config =
        layered(&M::Config::default(), [&defaults.module, &job.module]).map_err(fail)?;
    M::validate(&module).map_err(fail)?;
    let mut source: SourceConfig<M> =
        layered(&M::source_defaults(), [&defaults.source, &job.source]).map_err(fail)?;
    M::finish_source(&mut source, &module);
    M::Source::validate(&source).map_err(fail)?;
    let settings = resolve::<M>(common).map_err(fail)?;
    Ok(JobConfig {
        settings,
        source,
        module,
    })
}

/// Apply the defaults to a job's common settings and check them.
fn resolve<M: Module>(c: CommonConfig) -> Result<Settings, String> {
    let raw = c.name.unwrap_or_else(|| M::NAME.to_owned());
    let name: String = raw
        .trim()
        .chars()
        .map(|ch| if ch.is_whitespace() { '_' } else { ch })
        .collect();
    if name.is_empty() {
        return Err("`name` is empty".to_owned());
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(format!(
            "name `{raw}` may only hold letters, digits, `_`, `-` and spaces"
        ));
    }
    let update_every = c.update_every.unwrap_or(M::UPDATE_EVERY);
    if update_every == 0 {
        return Err("`update_every` must be at least 1".to_owned());
    }
    Ok(Settings {
        module: M::NAME,
        name,
        update_every,
        priority: c.priority.unwrap_or(DEFAULT_PRIORITY),
        autodetection_retry: c.autodetection_retry.unwrap_or(0),
        penalty: c.penalty.unwrap_or(true),
        chart_cleanup: c.chart_cleanup.unwrap_or(DEFAULT_CHART_CLEANUP),
    })
}

/// A job map in a module file's `jobs` list.
struct JobSeed<'a, M> {
    defaults: &'a Parts,
    keys: &'a Keys,
    module: PhantomData<fn() -> M>,
}

impl<'de, M: Module> DeserializeSeed<'de> for JobSeed<'_, M> {
    type Value = JobConfig<M>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, M: Module> Visitor<'de> for JobSeed<'_, M> {
    type Value = JobConfig<M>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a job: a map of settings")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let parts = read_parts::<M, A>(map, self.keys)?;
        assemble::<M>(self.defaults, &parts).map_err(de::Error::custom)
    }
}

/// The `jobs` list.
struct JobsSeed<'a, M>(JobSeed<'a, M>);

impl<'de, M: Module> DeserializeSeed<'de> for JobsSeed<'_, M> {
    type Value = Vec<JobConfig<M>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, M: Module> Visitor<'de> for JobsSeed<'_, M> {
    type Value = Vec<JobConfig<M>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of jobs")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut jobs = Vec::new();
        while let Some(job) = seq.next_element_seed(JobSeed {
            defaults: self.0.defaults,
            keys: self.0.keys,
            module: PhantomData,
        })? {
            jobs.push(job);
        }
        Ok(jobs)
    }
}

/// A module file, read in two passes: its defaults, then its jobs with the defaults applied.
enum FileSeed<'a, M> {
    Defaults(PhantomData<fn() -> M>),
    Jobs(&'a Parts),
}

/// What a pass over a module file gives.
// Returned once per pass and taken apart at once: size does not matter.
#[allow(clippy::large_enum_variant)]
enum FileOut<M: Module> {
    Defaults(Parts, Option<Box<JobConfig<M>>>),
    Jobs(Vec<JobConfig<M>>),
}

impl<'de, M: Module> DeserializeSeed<'de> for FileSeed<'_, M> {
    type Value = FileOut<M>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, M: Module> Visitor<'de> for FileSeed<'_, M> {
    type Value = FileOut<M>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of module defaults and `jobs`")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_map(de::value::MapDeserializer::<
            std::iter::Empty<(String, String)>,
            E,
        >::new(std::iter::empty()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let keys = Keys::of::<M>(true);
        match self {
            FileSeed::Defaults(_) => {
                let parts = read_parts::<M, A>(map, &keys)?;
                // Without `jobs`, the whole file is one job (python.d's rule).
                let single = if parts.has_jobs {
                    None
                } else {
                    Some(Box::new(
                        assemble::<M>(&Parts::default(), &parts).map_err(de::Error::custom)?,
                    ))
                };
                Ok(FileOut::Defaults(parts, single))
            }
            FileSeed::Jobs(defaults) => {
                let job_keys = Keys::of::<M>(false);
                let mut jobs = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "jobs" {
                        jobs = map.next_value_seed(JobsSeed(JobSeed {
                            defaults,
                            keys: &job_keys,
                            module: PhantomData,
                        }))?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(FileOut::Jobs(jobs))
            }
        }
    }
}

/// Read a module file's text into its jobs; `file` names it in errors.
pub fn parse_module_file<M: Module>(
    file: &Path,
    text: &str,
) -> Result<Vec<JobConfig<M>>, ConfigError> {
    let err = |e: serde_yaml::Error| yaml_error(file, &e);
    crate::config::check_limits(file, text)?;
    if crate::config::is_blank(text) {
        return Ok(vec![default_job::<M>().map_err(|message| ConfigError {
            file: file.to_owned(),
            at: None,
            message,
        })?]);
    }
    let seed = FileSeed::<M>::Defaults(PhantomData);
    let (defaults, single) = match seed.deserialize(serde_yaml::Deserializer::from_str(text)) {
        Ok(FileOut::Defaults(parts, single)) => (parts, single),
        Ok(FileOut::Jobs(_)) => unreachable!("the defaults pass gives defaults"),
        Err(e) => return Err(err(e)),
    };
    if let Some(job) = single {
        return Ok(vec![*job]);
    }
    match FileSeed::<M>::Jobs(&defaults).deserialize(serde_yaml::Deserializer::from_str(text)) {
        Ok(FileOut::Jobs(jobs)) => Ok(jobs),
        Ok(FileOut::Defaults(..)) => unreachable!("the jobs pass gives jobs"),
        Err(e) => Err(err(e)),
    }
}

/// The job a module runs when it has no configuration file.
pub fn default_job<M: Module>() -> Result<JobConfig<M>, String> {
    assemble::<M>(&Parts::default(), &Parts::default())
}
