//! `vouch.toml`: a team's settings, so that every run uses the same policy without flags.
//!
//! The file is found in the current folder or the nearest parent (the way cargo finds
//! `Cargo.toml`), or given with the global `--config`. A flag beats an environment variable
//! (`VOUCH_MODEL`, `VOUCH_REVIEWER`), which beats the file, which beats the built-in default;
//! [`Config`]'s resolvers apply that order in one place and say where each value came from,
//! which `vouch config` prints. Paths in the file are relative to the file's folder. Unknown
//! keys are refused with the file and line, as the library loader does, so a misspelt setting
//! never silently falls back to the default.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};
use crate::fill::CitationMode;

/// The name of the file.
pub const CONFIG_FILE: &str = "vouch.toml";

/// The library folder used when neither `--library` nor the file names one.
pub const DEFAULT_LIBRARY: &str = "knowledge";

/// Settings of `vouch library lint`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintConfig {
    /// Review policy: an entry must have been reviewed within this many months.
    pub review_months: Option<u32>,
    /// A SOC report whose period ended more than this many months ago is past its use.
    pub report_months: Option<u32>,
}

/// `[fill]`: how `vouch fill` decides and writes.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FillConfig {
    /// Confidence (0..1) at or above which answers are drafted without review.
    #[serde(default, deserialize_with = "unit_interval")]
    pub threshold: Option<f32>,
    /// Where citations go: comment, column, note or none.
    pub citations: Option<CitationMode>,
    /// Replace answers the questionnaire already has.
    pub overwrite: Option<bool>,
}

/// `[model]`: the sentence encoder of matching by meaning.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// The model folder (relative to the config file's folder).
    pub path: Option<PathBuf>,
    /// Match by words only, even when a model is installed.
    pub lexical: Option<bool>,
}

/// `[review]`: who decides, and whether decisions teach the library.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewConfig {
    /// The name recorded with decisions (default: $VOUCH_REVIEWER, else the login name).
    pub reviewer: Option<String>,
    /// `review apply` adds alternates and drafts to the library (default true).
    pub learn: Option<bool>,
}

/// `[history]`: the fill history kept in `<library>/.vouch-history.jsonl`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryConfig {
    /// Record which entries each fill used (default true).
    pub record: Option<bool>,
}

/// Everything `vouch.toml` may set.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The answer library folder (relative to the config file's folder).
    pub library: Option<PathBuf>,
    #[serde(default)]
    pub fill: FillConfig,
    #[serde(default)]
    pub model: ModelConfig,
    #[serde(default)]
    pub review: ReviewConfig,
    #[serde(default)]
    pub history: HistoryConfig,
    #[serde(default)]
    pub lint: LintConfig,
    /// Where it was read from (None: no file, defaults only).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

fn unit_interval<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f32>, D::Error> {
    let t = f32::deserialize(d)?;
    if (0.0..=1.0).contains(&t) {
        Ok(Some(t))
    } else {
        Err(serde::de::Error::custom(format!(
            "threshold {t} is not between 0 and 1"
        )))
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// An environment variable (its name).
    Env(String),
    /// The config file (its path).
    File(PathBuf),
    /// Vouch's built-in default.
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag => write!(f, "flag"),
            Source::Env(v) => write!(f, "${v}"),
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Default => write!(f, "default"),
        }
    }
}

/// A setting's value and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolved<T> {
    pub value: T,
    pub source: Source,
}

impl Config {
    /// The config given with `--config` (which must exist), else the nearest `vouch.toml`
    /// from `start` upwards, else the defaults.
    pub fn find(given: Option<&Path>, start: &Path) -> Result<Config> {
        let path = match given {
            Some(p) => Some(p.to_path_buf()),
            None => start
                .ancestors()
                .map(|d| d.join(CONFIG_FILE))
                .find(|p| p.is_file()),
        };
        match path {
            Some(p) => Config::read(&p),
            None => Ok(Config::default()),
        }
    }

    /// Read and check one config file; its paths are made relative to its folder.
    pub fn read(path: &Path) -> Result<Config> {
        let bytes = crate::sheet::input::read_regular(path, 1 << 20, || Location::file(path))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::input(Location::file(path), "not valid UTF-8 text"))?;
        let mut c: Config = toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map(|s| crate::knowledge::load::line_of(&text, s.start))
                .unwrap_or(1);
            Error::input(
                Location::file(path).line(line),
                format!("invalid config: {}", e.message().trim().replace('\n', " ")),
            )
        })?;
        let folder = path.parent().unwrap_or(Path::new(""));
        for p in [&mut c.library, &mut c.model.path].into_iter().flatten() {
            if p.is_relative() {
                *p = folder.join(&*p);
            }
        }
        c.path = Some(path.to_path_buf());
        Ok(c)
    }

    /// The flag's value when given, else the file's when it sets one, else `default`.
    fn pick<T>(&self, flag: Option<T>, file: Option<T>, default: T) -> Resolved<T> {
        match (flag, file, &self.path) {
            (Some(value), _, _) => Resolved {
                value,
                source: Source::Flag,
            },
            (None, Some(value), Some(p)) => Resolved {
                value,
                source: Source::File(p.clone()),
            },
            _ => Resolved {
                value: default,
                source: Source::Default,
            },
        }
    }

    /// The answer library: `--library`, else `library` in the file, else `knowledge`.
    pub fn library(&self, flag: Option<&Path>) -> Resolved<PathBuf> {
        self.pick(
            flag.map(Path::to_path_buf),
            self.library.clone(),
            PathBuf::from(DEFAULT_LIBRARY),
        )
    }

    /// `fill --threshold`, else `[fill] threshold`; None: the matching mode's own default.
    pub fn threshold(&self, flag: Option<f32>) -> Resolved<Option<f32>> {
        self.pick(flag.map(Some), self.fill.threshold.map(Some), None)
    }

    /// `fill --citations`, else `[fill] citations`, else the comment column.
    pub fn citations(&self, flag: Option<CitationMode>) -> Resolved<CitationMode> {
        self.pick(flag, self.fill.citations, CitationMode::Comment)
    }

    /// `fill --overwrite`, else `[fill] overwrite`, else false.
    pub fn overwrite(&self, flag: bool) -> Resolved<bool> {
        self.pick(flag.then_some(true), self.fill.overwrite, false)
    }

    /// The model folder: `--model`, else `$VOUCH_MODEL`, else `[model] path`, else the
    /// per-user data folder.
    pub fn model_dir(&self, flag: Option<&Path>) -> Resolved<PathBuf> {
        if flag.is_none() {
            if let Some(v) = std::env::var_os("VOUCH_MODEL").filter(|v| !v.is_empty()) {
                return Resolved {
                    value: PathBuf::from(v),
                    source: Source::Env("VOUCH_MODEL".into()),
                };
            }
        }
        self.pick(
            flag.map(Path::to_path_buf),
            self.model.path.clone(),
            crate::embed::default_model_dir(),
        )
    }

    /// Words only: `--lexical` (or `--model`, which means a model), else `[model] lexical`,
    /// else false.
    pub fn lexical(&self, lexical_flag: bool, model_flag: bool) -> Resolved<bool> {
        let flag = match (lexical_flag, model_flag) {
            (true, _) => Some(true),
            (false, true) => Some(false),
            (false, false) => None,
        };
        self.pick(flag, self.model.lexical, false)
    }

    /// The reviewer's name: `--reviewer`, else `$VOUCH_REVIEWER`, else `[review] reviewer`;
    /// None leaves it to the login name.
    pub fn reviewer(&self, flag: Option<&str>) -> Resolved<Option<String>> {
        if flag.is_none() {
            if let Some(v) = std::env::var("VOUCH_REVIEWER")
                .ok()
                .filter(|v| !v.trim().is_empty())
            {
                return Resolved {
                    value: Some(v),
                    source: Source::Env("VOUCH_REVIEWER".into()),
                };
            }
        }
        self.pick(
            flag.map(|f| Some(f.to_string())),
            self.review.reviewer.clone().map(Some),
            None,
        )
    }

    /// Whether `review apply` teaches the library: not with `--no-learn`, else `[review]
    /// learn`, else yes.
    pub fn learn(&self, no_learn_flag: bool) -> Resolved<bool> {
        self.pick(no_learn_flag.then_some(false), self.review.learn, true)
    }

    /// Whether fills are recorded in the library's history: `[history] record`, else yes.
    pub fn record_history(&self) -> Resolved<bool> {
        self.pick(None, self.history.record, true)
    }

    /// `library lint --review-months`, else `[lint] review_months`, else 12.
    pub fn review_months(&self, flag: Option<u32>) -> Resolved<u32> {
        self.pick(
            flag,
            self.lint.review_months,
            crate::lint::Policy::DEFAULT_REVIEW_MONTHS,
        )
    }

    /// `library lint --report-months`, else `[lint] report_months`, else 12.
    pub fn report_months(&self, flag: Option<u32>) -> Resolved<u32> {
        self.pick(
            flag,
            self.lint.report_months,
            crate::lint::Policy::DEFAULT_REPORT_MONTHS,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_in_a_parent_folder_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(
            Config::find(None, &deep).unwrap().lint,
            LintConfig::default()
        );
        std::fs::write(dir.path().join(CONFIG_FILE), "[lint]\nreview_months = 6\n").unwrap();
        let c = Config::find(None, &deep).unwrap();
        assert_eq!(c.lint.review_months, Some(6));
        assert_eq!(
            c.path.as_deref(),
            Some(dir.path().join(CONFIG_FILE).as_path())
        );
        std::fs::write(dir.path().join(CONFIG_FILE), "[lint]\nreview_month = 6\n").unwrap();
        let e = Config::find(None, &deep).unwrap_err().to_string();
        assert!(
            e.contains("vouch.toml:2") && e.contains("review_month"),
            "{e}"
        );
        let missing = dir.path().join("nope.toml");
        assert!(Config::find(Some(&missing), &deep).is_err());
    }

    fn write(dir: &Path, text: &str) -> Config {
        let p = dir.join(CONFIG_FILE);
        std::fs::write(&p, text).unwrap();
        Config::read(&p).unwrap()
    }

    #[test]
    fn every_section_is_read_and_paths_are_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let c = write(
            dir.path(),
            "library = \"answers\"\n[fill]\nthreshold = 0.9\ncitations = \"note\"\noverwrite = true\n\
             [model]\npath = \"models/minilm\"\nlexical = true\n[review]\nreviewer = \"Ana\"\nlearn = false\n\
             [history]\nrecord = false\n[lint]\nreview_months = 6\nreport_months = 18\n",
        );
        let file = Source::File(dir.path().join(CONFIG_FILE));
        assert_eq!(c.library(None).value, dir.path().join("answers"));
        assert_eq!(c.library(None).source, file);
        assert_eq!(c.threshold(None).value, Some(0.9));
        assert_eq!(c.citations(None).value, CitationMode::Note);
        assert!(c.overwrite(false).value);
        assert_eq!(c.model.path, Some(dir.path().join("models/minilm")));
        assert!(c.lexical(false, false).value);
        assert!(!c.learn(false).value);
        assert!(!c.record_history().value);
        assert_eq!(c.review_months(None).value, 6);
        assert_eq!(c.report_months(None).value, 18);
        assert_eq!(c.review.reviewer.as_deref(), Some("Ana"));
    }

    #[test]
    fn a_flag_beats_the_file_which_beats_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let c = write(
            dir.path(),
            "library = \"/srv/answers\"\n[fill]\nthreshold = 0.9\n",
        );
        let r = c.library(Some(Path::new("lib")));
        assert_eq!((r.value, r.source), (PathBuf::from("lib"), Source::Flag));
        assert_eq!(c.library(None).value, PathBuf::from("/srv/answers"));
        assert_eq!(c.threshold(Some(0.5)).value, Some(0.5));
        assert_eq!(c.threshold(None).value, Some(0.9));
        // --model means a model, whatever the file says about words only.
        let c = write(dir.path(), "[model]\nlexical = true\n");
        assert!(!c.lexical(false, true).value);
        assert_eq!(c.lexical(false, true).source, Source::Flag);
        let none = Config::default();
        let r = none.library(None);
        assert_eq!(
            (r.value, r.source),
            (PathBuf::from("knowledge"), Source::Default)
        );
        assert_eq!(none.threshold(None).value, None);
        assert_eq!(none.citations(None).value, CitationMode::Comment);
        assert!(none.learn(false).value && !none.learn(true).value);
        assert!(none.record_history().value);
        assert_eq!(none.review_months(None).source, Source::Default);
    }

    #[test]
    fn bad_values_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(CONFIG_FILE);
        for (text, line, word) in [
            ("[fill]\n\nthreshold = 1.5\n", 3, "between 0 and 1"),
            ("[fill]\ncitations = \"footnote\"\n", 2, "footnote"),
            ("library = \"k\"\n[model]\nlexicel = true\n", 3, "lexicel"),
            ("[histroy]\nrecord = false\n", 1, "histroy"),
        ] {
            std::fs::write(&p, text).unwrap();
            let e = Config::read(&p).unwrap_err().to_string();
            assert!(
                e.contains(&format!("vouch.toml:{line}")) && e.contains(word),
                "{text:?}: {e}"
            );
        }
    }
}
