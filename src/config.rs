//! `vouch.toml`: a team's settings, so that every run uses the same policy without flags.
//!
//! The file is found in the current folder or the nearest parent (the way cargo finds
//! `Cargo.toml`), or given with `--config`. A flag beats the file, and the file beats the
//! built-in default. Unknown keys are refused with the file and line, as the library loader
//! does, so a misspelt setting never silently falls back to the default.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Location, Result};

/// The name of the file.
pub const CONFIG_FILE: &str = "vouch.toml";

/// Settings of `vouch library lint`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintConfig {
    /// Review policy: an entry must have been reviewed within this many months.
    pub review_months: Option<u32>,
    /// A SOC report whose period ended more than this many months ago is past its use.
    pub report_months: Option<u32>,
}

/// Everything `vouch.toml` may set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub lint: LintConfig,
    /// Where it was read from (None: no file, defaults only).
    #[serde(skip)]
    pub path: Option<PathBuf>,
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

    /// Read and check one config file.
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
        c.path = Some(path.to_path_buf());
        Ok(c)
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
}
