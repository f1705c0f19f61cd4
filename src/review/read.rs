//! Reading a review workbook back: its rows, the reviewer's `Decision` cells, and the hidden
//! record of what it belongs to.
//!
//! The review workbook is the file a reviewer edits in Excel (or LibreOffice), so it is read
//! with calamine, a reader independent of the writer that made it, by header names rather
//! than positions: a reviewer who hides, moves or adds a column still gets their decisions
//! read. A workbook without the hidden record (made by an older Vouch, or copied into a new
//! file) is refused with a clear error, since the decisions would have no file to go into.

use std::path::Path;

use calamine::{Data, Reader};

use super::decisions::Action;
use super::{Meta, META_SHEET};
use crate::error::{Error, Location, Result};

/// One candidate answer offered on a review row.
#[derive(Debug, Clone, PartialEq)]
pub struct Offered {
    /// Its number on the review row: 1 is the proposal, 2 and 3 the next candidates (an
    /// unanswered row has no proposal, only candidates 2 and 3).
    pub n: u8,
    pub entry: String,
    pub confidence: Option<f64>,
    pub answer: String,
}

/// One row of the review sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    /// The row of the review sheet itself (1-based), for error messages.
    pub at: u32,
    /// Where the question is in the questionnaire.
    pub sheet: String,
    pub row: u32,
    pub qid: String,
    pub question: String,
    pub context: String,
    pub status: String,
    pub citation: String,
    /// Candidate 1 (the proposal), 2 and 3, those present, in that order.
    pub offered: Vec<Offered>,
    /// What the `Decision` cell says, if anything.
    pub decision: Option<Action>,
    pub reviewer_notes: String,
    pub note: String,
}

/// A review workbook read back.
#[derive(Debug, Clone)]
pub struct Review {
    pub meta: Meta,
    pub rows: Vec<ReviewRow>,
}

fn text(d: Option<&Data>) -> String {
    match d {
        None | Some(Data::Empty) => String::new(),
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Some(other) => other.to_string(),
    }
}

fn number(d: Option<&Data>) -> Option<f64> {
    match d {
        Some(Data::Float(f)) => Some(*f),
        Some(Data::Int(i)) => Some(*i as f64),
        Some(Data::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Read the review workbook at `path`.
pub fn read_review(path: &Path) -> Result<Review> {
    let bad = |msg: String| Error::input(Location::file(path), msg);
    let mut book = calamine::open_workbook_auto(path)
        .map_err(|e| bad(format!("not a review workbook: {e}")))?;
    let meta = book
        .worksheet_range(META_SHEET)
        .ok()
        .and_then(|r| r.get_value((1, 0)).map(|d| text(Some(d))))
        .and_then(|json| serde_json::from_str::<Meta>(&json).ok())
        .ok_or_else(|| {
            bad("no record of the filled file it belongs to (its hidden 'Vouch' sheet is missing or damaged); run `vouch fill` again to make a new review workbook".into())
        })?;
    let range = book
        .worksheet_range("Review")
        .map_err(|e| bad(format!("no 'Review' sheet: {e}")))?;
    let start = range.start().unwrap_or((0, 0));
    let mut rows_iter = range.rows();
    let header: Vec<String> = rows_iter
        .next()
        .map(|r| {
            r.iter()
                .map(|c| text(Some(c)).trim().to_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let col = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &str| {
        col(name).ok_or_else(|| {
            Error::input(
                Location::file(path).sheet("Review"),
                format!("no '{name}' column"),
            )
        })
    };
    let (c_sheet, c_row, c_question) = (need("sheet")?, need("row")?, need("question")?);
    let c_decision = need("decision")?;
    let cell = |r: &[Data], c: Option<usize>| text(c.and_then(|c| r.get(c)));
    let mut rows = Vec::new();
    for (i, r) in rows_iter.enumerate() {
        let at = start.0 + i as u32 + 2;
        let sheet = cell(r, Some(c_sheet));
        let question = cell(r, Some(c_question));
        if sheet.is_empty() && question.is_empty() {
            continue;
        }
        let row = number(r.get(c_row))
            .filter(|n| *n >= 1.0 && n.fract() == 0.0 && *n <= f64::from(u32::MAX))
            .map(|n| n as u32)
            .ok_or_else(|| {
                Error::input(
                    Location::file(path).sheet("Review").row(at),
                    "the Row cell is not a row number",
                )
            })?;
        let mut offered = Vec::new();
        for (n, (e, c, a)) in [
            ("proposed entry", "confidence", "proposed answer"),
            ("candidate 2", "confidence 2", "answer 2"),
            ("candidate 3", "confidence 3", "answer 3"),
        ]
        .into_iter()
        .enumerate()
        {
            let entry = cell(r, col(e));
            if entry.is_empty() {
                continue;
            }
            offered.push(Offered {
                n: n as u8 + 1,
                entry,
                confidence: number(col(c).and_then(|c| r.get(c))),
                answer: cell(r, col(a)),
            });
        }
        rows.push(ReviewRow {
            at,
            sheet,
            row,
            qid: cell(r, col("question id")),
            question,
            context: cell(r, col("context")),
            status: cell(r, col("status")),
            citation: cell(r, col("citation")),
            offered,
            decision: Action::from_cell(&cell(r, Some(c_decision))),
            reviewer_notes: cell(r, col("reviewer notes")),
            note: cell(r, col("vouch note")),
        });
    }
    Ok(Review { meta, rows })
}
