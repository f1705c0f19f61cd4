//! The review workbook: what a reviewer works through before the questionnaire goes out.
//!
//! One row per `review` or `unanswered` item (and, for transparency, compound answers), with
//! where it is (sheet, row), the question and its context, the proposal with its confidence
//! and citation, the next candidates with their answers, and an empty `Decision` column with
//! a dropdown for the reviewer. Created with rust_xlsxwriter; every text is written as a
//! string, so nothing a customer wrote can become a formula. Never part of the file that is
//! sent to the customer.
//!
//! A hidden `Vouch` sheet records which filled file the review belongs to (with a hash of
//! it), the original questionnaire, the library and the layout flags, so that `vouch review
//! apply` can write the decisions into exactly that file, and refuse when it has changed.

pub mod apply;
pub mod decisions;
pub mod page;
pub mod read;
pub mod server;

use std::io::Write;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{DataValidation, Format, FormatAlign, Workbook};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fill::{citation_text, full_answer, Item, Proposal, Status};

/// The name of the hidden sheet holding the [`Meta`].
pub const META_SHEET: &str = "Vouch";

/// What the review belongs to: written by `fill` into the hidden sheet, read by `apply`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    /// The questionnaire as received (never modified).
    pub input: PathBuf,
    pub input_hash: String,
    /// The filled questionnaire the decisions go into, and its hash when the review was made
    /// (or last applied).
    pub filled: PathBuf,
    pub filled_hash: String,
    /// The JSON report of the fill, if one was written.
    pub report: Option<PathBuf>,
    /// The answer library the fill used.
    pub library: PathBuf,
    /// The layout flags of the fill, so the same cells are found again.
    pub layout: crate::sheet::LayoutOverrides,
    /// Where citations go (`comment`, `column`, `note`, `none`).
    pub citations: String,
}

/// FNV-1a of a file's bytes, as 16 hex digits: enough to see that a file changed.
pub fn file_hash(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::input(
            crate::error::Location::file(path),
            format!("cannot read: {e}"),
        )
    })?;
    let mut h = crate::hash::Fnv::default();
    h.raw(&bytes);
    Ok(h.hex())
}

/// The values the `Decision` dropdown offers. Any other text typed there is the reviewer's
/// own answer (see `decisions::Action::from_cell`), so the dropdown does not refuse it.
pub const DECISIONS: &[&str] = &["Accept", "2", "3", "N/A", "Skip"];

const HEADERS: &[(&str, f64)] = &[
    ("Sheet", 16.0),
    ("Row", 6.0),
    ("Question ID", 11.0),
    ("Question", 50.0),
    ("Context", 24.0),
    ("Status", 11.0),
    ("Confidence", 11.0),
    ("Proposed entry", 24.0),
    ("Proposed answer", 60.0),
    ("Short answer", 9.0),
    ("Citation", 40.0),
    ("Candidate 2", 24.0),
    ("Confidence 2", 11.0),
    ("Answer 2", 40.0),
    ("Candidate 3", 24.0),
    ("Confidence 3", 11.0),
    ("Answer 3", 40.0),
    ("Decision", 18.0),
    ("Reviewer notes", 30.0),
    ("Vouch note", 40.0),
];

/// Items a reviewer must look at.
pub fn needs_review(items: &[Item]) -> Vec<&Item> {
    items
        .iter()
        .filter(|i| matches!(i.status, Status::Review | Status::Unanswered))
        .collect()
}

/// Write the review workbook for `items` to `out` (atomically), with `meta` in its hidden
/// sheet.
pub fn write_review(items: &[Item], meta: Option<&Meta>, out: &Path) -> Result<()> {
    let xe = |e: rust_xlsxwriter::XlsxError| {
        Error::internal(format!("cannot write {}: {e}", out.display()))
    };
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("Review").map_err(xe)?;
    let head = Format::new()
        .set_bold()
        .set_background_color("#D9E1F2")
        .set_text_wrap();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let pct = Format::new()
        .set_num_format("0.00")
        .set_align(FormatAlign::Top);
    for (c, (h, w)) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)
            .map_err(xe)?;
        ws.set_column_width(c as u16, *w).map_err(xe)?;
    }
    let whole = pct.clone().set_num_format("0");
    let rows = needs_review(items);
    for (i, item) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        let mut text = |c: u16, v: &str| -> Result<()> {
            // Excel's limit per cell: the first 32,767 characters.
            let v = match v.char_indices().nth(32_767) {
                Some((end, _)) => &v[..end],
                None => v,
            };
            ws.write_string_with_format(r, c, v, &wrap)
                .map(|_| ())
                .map_err(xe)
        };
        text(0, &item.sheet)?;
        text(2, item.qid.as_deref().unwrap_or(""))?;
        text(3, &item.question)?;
        text(4, &item.context.join(" / "))?;
        text(5, item.status.as_str())?;
        if let Some(n) = &item.note {
            text(19, n)?;
        }
        if let Some(p) = &item.proposal {
            text(7, &p.id)?;
            text(8, &full_answer(p, &item.parts))?;
            text(9, p.short_answer.map(|s| s.as_str()).unwrap_or(""))?;
            text(10, &citation_text(p, &item.parts))?;
        }
        let alts: Vec<&Proposal> = item.alternatives.iter().take(2).collect();
        for (k, a) in alts.iter().enumerate() {
            let c = 11 + 3 * k as u16;
            text(c, &a.id)?;
            text(c + 2, &a.answer)?;
        }
        ws.write_number_with_format(r, 1, f64::from(item.row), &whole)
            .map_err(xe)?;
        if let Some(p) = &item.proposal {
            ws.write_number_with_format(r, 6, f64::from(p.confidence), &pct)
                .map_err(xe)?;
        }
        for (k, a) in alts.iter().enumerate() {
            ws.write_number_with_format(r, 12 + 3 * k as u16, f64::from(a.confidence), &pct)
                .map_err(xe)?;
        }
    }
    let last = rows.len().max(1) as u32;
    let dv = DataValidation::new()
        .allow_list_strings(DECISIONS)
        .map_err(xe)?
        .show_error_message(false)
        .set_input_title("Decision")
        .map_err(xe)?
        .set_input_message(
            "Accept the proposal, a candidate's number (2, 3), N/A, Skip, or type the answer to write instead. Then: vouch review apply",
        )
        .map_err(xe)?;
    ws.add_data_validation(1, 17, last, 17, &dv).map_err(xe)?;
    ws.set_freeze_panes(1, 0).map_err(xe)?;
    ws.autofilter(0, 0, last, (HEADERS.len() - 1) as u16)
        .map_err(xe)?;
    if let Some(meta) = meta {
        let json = serde_json::to_string(meta)
            .map_err(|e| Error::internal(format!("cannot write {}: {e}", out.display())))?;
        let ws = book.add_worksheet();
        ws.set_name(META_SHEET).map_err(xe)?;
        ws.write_string(
            0,
            0,
            "Written by vouch fill for `vouch review apply`; do not edit.",
        )
        .map_err(xe)?;
        ws.write_string(1, 0, &json).map_err(xe)?;
        ws.set_hidden(true);
    }
    let bytes = book.save_to_buffer().map_err(xe)?;
    crate::atomic::write_file(out, |w| {
        w.write_all(&bytes)
            .map_err(|e| Error::internal(format!("cannot write {}: {e}", out.display())))
    })
}
