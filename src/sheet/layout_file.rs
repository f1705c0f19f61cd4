//! Saved layouts: where the questions and answers are on each sheet of one questionnaire
//! family, kept in a small TOML file and reused.
//!
//! Teams receive the same HECVAT or CAIQ version again and again. When detection guesses a
//! sheet wrong once, the corrected layout (`vouch inspect ... --save-layout hecvat.toml`, with
//! the flags that correct it) is saved and given to the next fill (`vouch fill --layout
//! hecvat.toml`), so the correction is made once. The file names sheets, never cell
//! contents; a sheet it does not name is detected as usual.
//!
//! ```toml
//! [[sheet]]
//! name = "General"
//! header_row = 3        # 1-based, as people count
//! question_col = "B"
//! answer_col = "C"
//! comment_col = "D"
//!
//! [[sheet]]
//! name = "Institution Evaluation"
//! skip = true
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{col_letter, LayoutOverrides, Questionnaire};
use crate::error::{Error, Location, Result};

/// One sheet of a saved layout.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedSheet {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_row: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question_col: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_col: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_col: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip: bool,
}

/// A saved layout: its sheets in workbook order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedLayout {
    #[serde(default)]
    pub sheet: Vec<SavedSheet>,
}

impl SavedLayout {
    /// The layout Vouch used on `q` (what `inspect` showed), ready to save.
    pub fn of(q: &Questionnaire) -> SavedLayout {
        let mut sheet: Vec<SavedSheet> = q
            .sheets
            .iter()
            .map(|s| SavedSheet {
                name: s.sheet.clone(),
                header_row: s.layout.header_row.map(|r| r + 1),
                question_col: Some(col_letter(s.layout.question_col)),
                answer_col: s.layout.answer_col.map(col_letter),
                comment_col: s.layout.comment_col.map(col_letter),
                skip: false,
            })
            .collect();
        sheet.extend(q.skipped.iter().map(|(name, _)| SavedSheet {
            name: name.clone(),
            skip: true,
            ..Default::default()
        }));
        SavedLayout { sheet }
    }

    /// Read a saved layout; errors name the file and line.
    pub fn load(path: &Path) -> Result<SavedLayout> {
        let bytes = crate::sheet::input::read_regular(path, 1 << 20, || Location::file(path))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::input(Location::file(path), "not UTF-8 text"))?;
        let layout: SavedLayout = toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            let loc = match line {
                Some(l) => Location::file(path).line(l),
                None => Location::file(path),
            };
            Error::input(loc, e.message().to_string())
        })?;
        let mut seen = BTreeSet::new();
        for s in &layout.sheet {
            if !seen.insert(s.name.as_str()) {
                return Err(Error::input(
                    Location::file(path),
                    format!("sheet '{}' is named twice", s.name),
                ));
            }
            if s.header_row == Some(0) {
                return Err(Error::input(
                    Location::file(path),
                    format!("sheet '{}': header_row counts from 1", s.name),
                ));
            }
        }
        Ok(layout)
    }

    /// Write it (atomically), with a line saying what it is.
    pub fn save(&self, path: &Path) -> Result<()> {
        let body = toml::to_string(self)
            .map_err(|e| Error::internal(format!("cannot write the layout: {e}")))?;
        let text = format!(
            "# Vouch layout: where questions and answers are, per sheet. Use with `vouch fill --layout {}`.\n\n{body}",
            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
        );
        crate::atomic::write_bytes(path, text.as_bytes())
    }

    /// Apply to the flags: a sheet's own settings, and the sheets to skip.
    pub fn apply(&self, ov: &mut LayoutOverrides) {
        let mut per_sheet = BTreeMap::new();
        for s in &self.sheet {
            if s.skip {
                ov.skip.insert(s.name.clone());
                continue;
            }
            per_sheet.insert(
                s.name.clone(),
                LayoutOverrides {
                    sheet: None,
                    header_row: s.header_row,
                    question_col: s.question_col.clone(),
                    answer_col: s.answer_col.clone(),
                    comment_col: s.comment_col.clone(),
                    ..Default::default()
                },
            );
        }
        ov.per_sheet = per_sheet;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_unknown_keys() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("l.toml");
        let l = SavedLayout {
            sheet: vec![
                SavedSheet {
                    name: "General".into(),
                    header_row: Some(3),
                    question_col: Some("B".into()),
                    answer_col: Some("C".into()),
                    comment_col: None,
                    skip: false,
                },
                SavedSheet {
                    name: "Scoring".into(),
                    skip: true,
                    ..Default::default()
                },
            ],
        };
        l.save(&p).unwrap();
        assert_eq!(SavedLayout::load(&p).unwrap(), l);
        let mut ov = LayoutOverrides::default();
        l.apply(&mut ov);
        assert!(ov.skip.contains("Scoring"));
        assert_eq!(ov.per_sheet["General"].question_col.as_deref(), Some("B"));

        std::fs::write(&p, "[[sheet]]\nname = \"A\"\nquestion_column = \"B\"\n").unwrap();
        let e = SavedLayout::load(&p).unwrap_err().to_string();
        assert!(
            e.contains("l.toml:") && e.contains("question_column"),
            "{e}"
        );
    }
}
