//! Questionnaire sheets as plain data.
//!
//! Reading (`read`) turns a customer's file into sparse grids of cell text; layout detection
//! (`layout`) finds the header row, the question column and the answer/comment columns and
//! turns rows into `QuestionRow`s with their context (section heading, question id, control
//! title). Writers (`write`, `patch`) put answers back. Nothing in here matches or decides.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub mod cellref;
pub mod input;
pub mod layout;
pub mod layout_file;
pub mod notes;
mod ods;
pub(crate) mod package;
pub mod patch;
pub mod protection;
pub mod read;
pub mod validation;
pub mod write;
mod xls;

/// The kind of questionnaire file, from its extension (and, for xlsx, its magic bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Csv,
    Xlsx,
    Xlsm,
    Xls,
    Ods,
}

/// An inclusive cell range as ((first row, first col), (last row, last col)), 0-based.
pub type CellRange = ((u32, u32), (u32, u32));

/// One sheet's cells as displayed text, sparse. Coordinates are 0-based (row, col).
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub name: String,
    /// Non-empty cells only; text is the value a person sees (numbers formatted plainly,
    /// formula cells as their cached result).
    pub cells: BTreeMap<(u32, u32), String>,
    /// Cells that hold a formula (never overwritten by a writer).
    pub formulas: BTreeSet<(u32, u32)>,
    /// Merged ranges as (first (row, col), last (row, col)), inclusive.
    pub merged: Vec<CellRange>,
    /// Hidden or very hidden sheet.
    pub hidden: bool,
    /// Dropdown (list validation) rules: which values a cell accepts.
    pub lists: Vec<ListRule>,
    /// How the sheet is protected, if it is: which cells the vendor may type in.
    pub protection: Option<protection::Protection>,
    /// Formula cells that are a plain reference to one cell of another sheet (an answer
    /// cell that shows what the vendor typed on a `START HERE` sheet).
    pub sources: BTreeMap<(u32, u32), protection::CellSource>,
}

/// A list validation: the cells it covers and the values it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRule {
    pub ranges: Vec<CellRange>,
    pub allowed: Vec<String>,
}

impl Grid {
    pub fn get(&self, row: u32, col: u32) -> Option<&str> {
        self.cells.get(&(row, col)).map(|s| s.as_str())
    }
    /// True when the cell is locked on a protected sheet: not the vendor's to type in.
    pub fn locked(&self, row: u32, col: u32) -> bool {
        self.protection.as_ref().is_some_and(|p| p.locked(row, col))
    }
    /// The values a dropdown allows in a cell, if one covers it.
    pub fn allowed_at(&self, row: u32, col: u32) -> Option<&[String]> {
        validation::allowed_at(&self.lists, row, col)
    }
    /// Last used row and column (0-based), or None for an empty grid.
    pub fn extent(&self) -> Option<(u32, u32)> {
        let max_row = self.cells.keys().map(|k| k.0).max()?;
        let max_col = self.cells.keys().map(|k| k.1).max()?;
        Some((max_row, max_col))
    }
}

/// A whole questionnaire file as read.
#[derive(Debug, Clone)]
pub struct Workbook {
    pub path: PathBuf,
    pub kind: InputKind,
    /// Sheets in workbook order; a CSV file has one sheet named "" (empty).
    pub sheets: Vec<Grid>,
}

/// Flags that override layout detection. Columns are given as letters (`C`) or as header
/// text (`Question`); rows are 1-based.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct LayoutOverrides {
    pub sheet: Option<String>,
    pub header_row: Option<u32>,
    pub question_col: Option<String>,
    pub answer_col: Option<String>,
    pub comment_col: Option<String>,
    /// Per sheet, from a saved layout (`--layout`): these flags for that sheet; a sheet named
    /// here is read even where its name or content would skip it.
    pub per_sheet: BTreeMap<String, LayoutOverrides>,
    /// Sheets a saved layout skips.
    pub skip: BTreeSet<String>,
}

/// Where things are on one sheet. Rows and columns 0-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// None when the questions start on the first row with no header above them.
    pub header_row: Option<u32>,
    pub question_col: u32,
    /// Column holding question ids such as `IAM-01.2` or `3.1`.
    pub id_col: Option<u32>,
    /// Where the drafted answer goes (None: a `Response` column will be added).
    pub answer_col: Option<u32>,
    /// Comment / notes / evidence column, where the explanation and citation go.
    pub comment_col: Option<u32>,
    /// Columns that describe the question's topic (domain, control title, category).
    pub context_cols: Vec<u32>,
    /// Header text per column, as found.
    pub headers: BTreeMap<u32, String>,
    /// No header named the question column: it was picked because its cells read like
    /// questions (the user is told, with the flags that override it).
    pub guessed: bool,
}

/// One question to answer, with everything around it that helps to understand it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionRow {
    pub sheet: String,
    /// 0-based row in the grid (add 1 for the row a person sees).
    pub row: u32,
    pub question: String,
    /// Question id from the id column, if any (`BCR-01.1`).
    pub qid: Option<String>,
    /// Most recent section-heading row above this row, if any.
    pub section: Option<String>,
    /// Text of context columns on this row (domain, control title...).
    pub context: Vec<String>,
    /// Existing value of the answer cell, if non-empty.
    pub existing_answer: Option<String>,
    /// Existing value of the comment cell, if non-empty.
    pub existing_comment: Option<String>,
}

/// One sheet with questions.
#[derive(Debug, Clone)]
pub struct SheetQuestions {
    pub sheet: String,
    pub layout: Layout,
    pub rows: Vec<QuestionRow>,
}

/// The questions found in a workbook, and the sheets skipped with the reason.
#[derive(Debug, Clone)]
pub struct Questionnaire {
    pub sheets: Vec<SheetQuestions>,
    pub skipped: Vec<(String, String)>,
    /// Guesses the user may want to check (e.g. no answer column: one will be added).
    pub notes: Vec<String>,
}

/// Column letters for a 0-based column (0 → A, 27 → AB).
pub fn col_letter(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

/// A 0-based column from letters (`A` → 0, `ab` → 27); None unless 1–3 ASCII letters within
/// Excel's 16,384 columns.
pub fn parse_col_letters(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let n = s.bytes().fold(0u32, |n, b| {
        n * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    (n <= 16_384).then(|| n - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_round_trip() {
        assert_eq!(col_letter(0), "A");
        assert_eq!(col_letter(25), "Z");
        assert_eq!(col_letter(26), "AA");
        assert_eq!(col_letter(16383), "XFD");
        for c in [0, 1, 25, 26, 27, 701, 702, 16383] {
            assert_eq!(parse_col_letters(&col_letter(c)), Some(c));
        }
        assert_eq!(parse_col_letters("ab"), Some(27));
        assert_eq!(parse_col_letters("XFE"), None);
        assert_eq!(parse_col_letters("Question"), None);
        assert_eq!(parse_col_letters("A1"), None);
    }
}
