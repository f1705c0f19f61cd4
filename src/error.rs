//! Typed errors with locations.
//!
//! Every error a user can cause (a bad questionnaire, a bad library, a bad flag) names the
//! file and, where it can, the sheet, row or line, so that the one-line message printed by
//! `main` is enough to fix the input. Internal failures (index corruption, I/O on our own
//! temp files) are kept apart so that the CLI can map them to a different exit code.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in an input a problem was found. Rows and lines are 1-based, as people count them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub sheet: Option<String>,
    pub row: Option<u32>,
    pub line: Option<usize>,
}

impl Location {
    pub fn file(path: &Path) -> Self {
        Location {
            path: path.to_path_buf(),
            ..Default::default()
        }
    }
    pub fn sheet(mut self, sheet: &str) -> Self {
        self.sheet = Some(sheet.to_string());
        self
    }
    pub fn row(mut self, row: u32) -> Self {
        self.row = Some(row);
        self
    }
    pub fn line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(sheet) = &self.sheet {
            write!(f, ": sheet '{sheet}'")?;
        }
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A questionnaire or other input file that cannot be used as it is.
    #[error("{loc}: {msg}")]
    Input { loc: Location, msg: String },
    /// An answer library that fails validation.
    #[error("{loc}: {msg}")]
    Library { loc: Location, msg: String },
    /// Flags that do not fit together or name things that do not exist.
    #[error("{0}")]
    Usage(String),
    /// A failure that is not the user's input: our own files, the index, a bug.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn input(loc: Location, msg: impl Into<String>) -> Self {
        Error::Input {
            loc,
            msg: msg.into(),
        }
    }
    pub fn library(loc: Location, msg: impl Into<String>) -> Self {
        Error::Library {
            loc,
            msg: msg.into(),
        }
    }
    pub fn internal(msg: impl Into<String>) -> Self {
        Error::Internal(msg.into())
    }
    /// True when the user can fix this by changing an input or a flag (exit code 2).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Error::Internal(_))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
