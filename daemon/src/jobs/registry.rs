//! The [`Registry`] of modules, and the configured jobs it loads.

use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use collie_core::chart::Chart;

use super::config::{JobConfig, Settings, default_job, parse_module_file};
use super::module::{Job, JobInfo, Module};
use crate::config::{Config, ConfigDirs, ConfigError, MAIN_FILE, MODULE_DIR, load_main_file};
use crate::source::{BoxError, Source};

struct Instance<M: Module> {
    config: Arc<JobConfig<M>>,
    info: JobInfo,
    module: Option<M>,
    source: Option<M::Source>,
}

impl<M: Module> Job for Instance<M> {
    fn open(&mut self) -> Result<(), BoxError> {
        self.module = Some(M::new(&self.config.module, &self.info)?);
        self.source = Some(M::Source::open(&self.config.source)?);
        Ok(())
    }

    fn collect(&mut self) -> Result<(), BoxError> {
        let (Some(module), Some(source)) = (&mut self.module, &mut self.source) else {
            return Err("the job is not open".into());
        };
        module.collect(source.fetch()?)
    }

    fn charts(&self, f: &mut dyn FnMut(&[Chart<'_>])) {
        match &self.module {
            Some(module) => module.charts(f),
            None => f(&[]),
        }
    }

    fn value(&self, chart: usize, dim: usize) -> Option<i64> {
        self.module.as_ref()?.value(chart, dim)
    }
}

/// A configured job, ready to be started any number of times.
#[derive(Clone)]
pub struct JobSpec {
    /// The job's settings.
    pub settings: Settings,
    /// Where its data comes from, in words.
    pub source: String,
    /// The file it was configured in, if any.
    pub file: Option<PathBuf>,
    make: Arc<dyn Fn() -> Box<dyn Job> + Send + Sync>,
}

impl fmt::Debug for JobSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobSpec")
            .field("settings", &self.settings)
            .field("source", &self.source)
            .field("file", &self.file)
            .finish()
    }
}

impl JobSpec {
    /// Make a spec from a module's job configuration.
    pub fn new<M: Module>(config: JobConfig<M>, file: Option<PathBuf>) -> JobSpec {
        let settings = config.settings.clone();
        let info = JobInfo {
            module: M::NAME,
            name: settings.name.clone(),
            full_name: settings.full_name(),
            update_every: settings.update_every,
        };
        let source = M::Source::describe(&config.source);
        let config = Arc::new(config);
        JobSpec {
            settings,
            source,
            file,
            make: Arc::new(move || {
                Box::new(Instance::<M> {
                    config: Arc::clone(&config),
                    info: info.clone(),
                    module: None,
                    source: None,
                })
            }),
        }
    }

    /// Create a fresh, unopened job.
    pub fn instantiate(&self) -> Box<dyn Job> {
        (self.make)()
    }

    /// Return `module[name]`, as logs show a job.
    pub fn label(&self) -> String {
        format!("{}[{}]", self.settings.module, self.settings.name)
    }
}

/// A registered module, type-erased.
trait Entry: Send + Sync {
    fn name(&self) -> &'static str;
    fn load(&self, file: &Path, text: &str) -> Result<Vec<JobSpec>, ConfigError>;
    fn default_jobs(&self) -> Result<Vec<JobSpec>, String>;
}

struct Typed<M>(PhantomData<fn() -> M>);

impl<M: Module> Entry for Typed<M> {
    fn name(&self) -> &'static str {
        M::NAME
    }

    fn load(&self, file: &Path, text: &str) -> Result<Vec<JobSpec>, ConfigError> {
        Ok(parse_module_file::<M>(file, text)?
            .into_iter()
            .map(|c| JobSpec::new(c, Some(file.to_owned())))
            .collect())
    }

    fn default_jobs(&self) -> Result<Vec<JobSpec>, String> {
        if !M::DEFAULT_JOB {
            return Ok(Vec::new());
        }
        Ok(vec![JobSpec::new(default_job::<M>()?, None)])
    }
}

/// The modules a daemon knows, by name.
#[derive(Default)]
pub struct Registry {
    entries: Vec<Box<dyn Entry>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// What loading the configuration gave.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The main file: the daemon's settings and which modules run.
    pub main: Config,
    /// Every job of every enabled module, in module then file order.
    pub jobs: Vec<JobSpec>,
    /// Things worth telling the user that are not errors.
    pub notes: Vec<String>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Register module `M`; a module of the same name registered before is replaced.
    pub fn register<M: Module>(&mut self) -> &mut Registry {
        self.entries.retain(|e| e.name() != M::NAME);
        self.entries.push(Box::new(Typed::<M>(PhantomData)));
        self
    }

    /// Return the registry with module `M` registered.
    pub fn with<M: Module>(mut self) -> Registry {
        self.register::<M>();
        self
    }

    /// Return the registered module names, in registration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.entries.iter().map(|e| e.name()).collect()
    }

    fn entry(&self, name: &str) -> Option<&dyn Entry> {
        self.entries.iter().find(|e| e.name() == name).map(|e| &**e)
    }

    /// Read the jobs of module `module` from a module file's text.
    pub fn parse_module(
        &self,
        module: &str,
        file: &Path,
        text: &str,
    ) -> Result<Vec<JobSpec>, ConfigError> {
        let entry = self.entry(module).ok_or_else(|| ConfigError {
            file: file.to_owned(),
            at: None,
            message: format!("unknown module `{module}`"),
        })?;
        entry.load(file, text)
    }

    /// Read a module's file from `dirs` (user's first), or give its default job.
    pub fn load_module(
        &self,
        module: &str,
        dirs: &ConfigDirs,
        notes: &mut Vec<String>,
    ) -> Result<Vec<JobSpec>, ConfigError> {
        let relative = Path::new(MODULE_DIR).join(format!("{module}.yaml"));
        let Some(entry) = self.entry(module) else {
            return Err(ConfigError {
                file: relative,
                at: None,
                message: format!("unknown module `{module}`"),
            });
        };
        match dirs.find(&relative) {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
                    file: path.clone(),
                    at: None,
                    message: e.to_string(),
                })?;
                entry.load(&path, &text)
            }
            None => match entry.default_jobs() {
                Ok(jobs) if jobs.is_empty() => {
                    notes.push(format!(
                        "{module}: no {} found, so no jobs",
                        relative.display()
                    ));
                    Ok(jobs)
                }
                Ok(jobs) => Ok(jobs),
                Err(e) => {
                    notes.push(format!(
                        "{module}: no {} found and the defaults do not make a job: {e}",
                        relative.display()
                    ));
                    Ok(Vec::new())
                }
            },
        }
    }

    /// Load the main file and the files of every enabled module; gather every error.
    pub fn load(&self, dirs: &ConfigDirs) -> Result<Loaded, Vec<ConfigError>> {
        let (main, note, error) = match dirs.find(Path::new(MAIN_FILE)) {
            Some(path) => match load_main_file(&path, &self.names()) {
                Ok(main) => (main, None, None),
                // Still read the module files, to report their mistakes too.
                Err(e) => (Config::default(), None, Some(e)),
            },
            None => (
                Config::default(),
                Some(format!("no {MAIN_FILE} found: every module runs")),
                None,
            ),
        };
        let loaded = self.load_jobs(main, dirs);
        match (loaded, error) {
            (Ok(mut loaded), None) => {
                loaded.notes.splice(0..0, note);
                Ok(loaded)
            }
            (Ok(_), Some(e)) => Err(e),
            (Err(mut errors), e) => {
                errors.splice(0..0, e.into_iter().flatten());
                Err(errors)
            }
        }
    }

    /// Load the files of every module `main` enables, from `dirs`; gather every error.
    pub fn load_jobs(&self, main: Config, dirs: &ConfigDirs) -> Result<Loaded, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let mut loaded = Loaded {
            main,
            ..Loaded::default()
        };
        for name in self.names() {
            if !loaded.main.enabled(name) {
                continue;
            }
            match self.load_module(name, dirs, &mut loaded.notes) {
                Ok(jobs) => loaded.jobs.extend(jobs),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(loaded)
        } else {
            Err(errors)
        }
    }
}
