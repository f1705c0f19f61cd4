//! `vouch review apply`: the reviewer's decisions written into the filled questionnaire.
//!
//! Decisions come from two places, the sidecar the review page appends to and the review
//! workbook's `Decision` column typed in Excel; the later decision for a row wins (an Excel
//! decision dates from when the workbook was saved). They are written into the filled file
//! the review belongs to, in place and atomically, exactly as `fill` writes: the original
//! questionnaire is read again with the fill's layout flags, so the same cells, dropdowns,
//! locked cells and added columns are found, and only the decided rows are touched. The
//! filled file must be the one the review was made for (its hash is recorded in the review
//! workbook, and after each apply beside it); a file changed since is refused, never
//! overwritten. Then the library learns (see `knowledge::learn`) and the report, if the fill
//! wrote one, records who decided what and when.

use std::path::{Path, PathBuf};

use super::decisions::{self, Action, Decision};
use super::read::{read_review, Review, ReviewRow};
use super::{file_hash, Meta};
use crate::error::{Error, Location, Result};
use crate::fill::{self, CitationMode, Item, Proposal, Status};
use crate::knowledge::{learn, Library, ShortAnswer};
use crate::sheet::{layout, patch, read, write, QuestionRow};

/// What `apply` is told beyond the review workbook.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The library to take entries from and teach (default: the fill's).
    pub library: Option<PathBuf>,
    /// Who decides in the Excel column (default: the login name).
    pub reviewer: Option<String>,
    /// Do not add alternates, drafts or history to the library.
    pub no_learn: bool,
}

/// What was applied.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    pub filled: PathBuf,
    /// Rows answered from a library entry, with N/A, and with the reviewer's own text.
    pub from_entries: usize,
    pub not_applicable: usize,
    pub own_answers: usize,
    pub skipped: usize,
    /// Decided rows that could not be written (a locked cell, a dropdown without the value),
    /// with why.
    pub not_written: Vec<(String, u32, String)>,
    pub alternates_added: usize,
    pub drafts_added: Vec<String>,
}

/// The record, beside the review workbook, of the filled file's hash after the last apply:
/// applying again (more decisions later) is allowed on exactly that file.
fn state_path(review: &Path) -> PathBuf {
    let stem = review
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    review.with_file_name(format!("{stem}.applied.json"))
}

fn read_state(review: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(state_path(review)).ok()?;
    serde_json::from_str(&text).ok()
}

fn applied_hash(review: &Path) -> Option<String> {
    read_state(review)?
        .get("filled_hash")?
        .as_str()
        .map(str::to_string)
}

/// A decision's key in the record of what was applied: the library learns each once.
fn key(d: &Decision) -> String {
    format!("{}\u{1f}{}\u{1f}{}", d.sheet, d.row, d.when)
}

/// The keys of the decisions applied before.
fn applied_before(review: &Path) -> Vec<String> {
    read_state(review)
        .and_then(|v| v.get("applied_decisions").cloned())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// The decisions for `review`: the Excel column's (dated when the workbook was saved) and
/// the sidecar's, the latest per row.
pub fn gather(review_path: &Path, review: &Review, who: &str) -> Result<Vec<Decision>> {
    let saved = std::fs::metadata(review_path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| decisions::timestamp(d.as_secs()))
        .unwrap_or_else(decisions::now);
    let mut all: Vec<Decision> = review
        .rows
        .iter()
        .filter_map(|r| {
            r.decision.clone().map(|action| Decision {
                sheet: r.sheet.clone(),
                row: r.row,
                action,
                who: who.to_string(),
                when: saved.clone(),
                via: "excel".into(),
            })
        })
        .collect();
    all.extend(decisions::load(&decisions::sidecar_path(review_path))?);
    Ok(decisions::latest(all))
}

/// Apply the decisions of the review workbook at `review_path`.
pub fn apply(review_path: &Path, opts: &Options) -> Result<Applied> {
    let review = read_review(review_path)?;
    let meta = &review.meta;
    let who = decisions::reviewer(opts.reviewer.as_deref());
    let decided = gather(review_path, &review, &who)?;

    // The files the review belongs to, unchanged since.
    if file_hash(&meta.input)? != meta.input_hash {
        return Err(Error::input(
            Location::file(&meta.input),
            "the questionnaire changed since it was filled; run `vouch fill` again",
        ));
    }
    let now_hash = file_hash(&meta.filled)?;
    if now_hash != meta.filled_hash && applied_hash(review_path).as_deref() != Some(&now_hash) {
        return Err(Error::input(
            Location::file(&meta.filled),
            format!(
                "changed since {} was made (edited by hand?); the decisions were not applied, \
                 so nothing in it is lost; fill again, or copy the answers over by hand",
                review_path.display()
            ),
        ));
    }
    let library_root = opts.library.clone().unwrap_or_else(|| meta.library.clone());
    let library = crate::knowledge::load_library(&library_root)?;

    // The decided rows as items to write, found again in the questionnaire.
    let wb = read::read_workbook(&meta.input)?;
    let q = layout::detect(&wb, &meta.layout)?;
    let mut out = Applied {
        filled: meta.filled.clone(),
        ..Applied::default()
    };
    let mut items: Vec<Item> = Vec::new();
    let mut used: Vec<(&Decision, &ReviewRow)> = Vec::new();
    for d in &decided {
        let at = Location::file(review_path).sheet(&d.sheet).row(d.row);
        let Some(rr) = review
            .rows
            .iter()
            .find(|r| r.sheet == d.sheet && r.row == d.row)
        else {
            return Err(Error::input(at, "decided, but not a row of this review"));
        };
        if d.action == Action::Skip {
            out.skipped += 1;
            continue;
        }
        let qrow = q
            .sheets
            .iter()
            .flat_map(|s| &s.rows)
            .find(|r| r.sheet == d.sheet && r.row + 1 == d.row)
            .ok_or_else(|| {
                Error::input(
                    Location::file(&meta.input).sheet(&d.sheet).row(d.row),
                    "no question found here any more",
                )
            })?;
        let proposal = proposal_for(d, rr, &library, &library_root, &who, &at)?;
        match &d.action {
            Action::NotApplicable => out.not_applicable += 1,
            Action::Text { .. } => out.own_answers += 1,
            _ => out.from_entries += 1,
        }
        items.push(item_for(qrow, rr, proposal));
        used.push((d, rr));
    }

    // Plan the edits as `fill` does, on the questionnaire as received.
    let mode = <CitationMode as clap::ValueEnum>::from_str(&meta.citations, true)
        .unwrap_or(CitationMode::Comment);
    let filled_ext = meta
        .filled
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let csv = filled_ext == "csv";
    let patched = matches!(
        wb.kind,
        crate::sheet::InputKind::Xlsx | crate::sheet::InputKind::Xlsm
    );
    let (edits, _) = fill::plan_workbook(&q, &wb, &mut items, mode, patched);
    for i in items.iter().filter(|i| i.status != Status::Auto) {
        out.not_written.push((
            i.sheet.clone(),
            i.row,
            i.note.clone().unwrap_or_else(|| "not written".into()),
        ));
    }

    // Write the filled file (and the report) in place, atomically.
    let mut outputs = crate::atomic::Outputs::new();
    let filled = &meta.filled;
    if csv {
        let fwb = read::read_workbook(filled)?;
        let grid = fwb
            .sheets
            .first()
            .ok_or_else(|| Error::input(Location::file(filled), "no data"))?;
        outputs.stage(filled, |tmp| write::write_csv(grid, edits.first(), tmp))?;
    } else {
        outputs.stage(filled, |tmp| {
            patch::patch_xlsx(filled, tmp, &edits, patch::PatchLimits::default()).map(|_| ())
        })?;
    }
    let new_hash = match outputs.staged(filled) {
        Some(tmp) => file_hash(tmp)?,
        None => String::new(),
    };
    let written: Vec<&Item> = items.iter().filter(|i| i.status == Status::Auto).collect();
    if let Some(report) = meta.report.as_ref().filter(|r| r.is_file()) {
        let updated = update_report(report, &written, &used)?;
        outputs.stage(report, |tmp| {
            crate::atomic::write_bytes(tmp, updated.as_bytes())
        })?;
    }
    let before = applied_before(review_path);
    let mut keys = before.clone();
    keys.extend(
        used.iter()
            .map(|(d, _)| key(d))
            .filter(|k| !before.contains(k)),
    );
    let state = serde_json::json!({
        "filled": filled,
        "filled_hash": new_hash,
        "applied": decisions::now(),
        "applied_decisions": keys,
    });
    outputs.stage(&state_path(review_path), |tmp| {
        crate::atomic::write_bytes(tmp, state.to_string().as_bytes())
    })?;
    outputs.commit()?;

    if !opts.no_learn {
        // Each decision teaches once, however often the review is applied.
        let fresh: Vec<(&Decision, &ReviewRow)> = used
            .iter()
            .copied()
            .filter(|(d, _)| !before.contains(&key(d)))
            .collect();
        learn_from(
            &library,
            &library_root,
            meta,
            &written,
            &fresh,
            &who,
            &mut out,
        )?;
    }
    Ok(out)
}

/// The proposal a decision writes.
fn proposal_for(
    d: &Decision,
    rr: &ReviewRow,
    library: &Library,
    root: &Path,
    who: &str,
    at: &Location,
) -> Result<Proposal> {
    let reviewed = |answer: &str, short: Option<ShortAnswer>| Proposal {
        id: String::new(),
        confidence: 1.0,
        score: 0.0,
        features: Default::default(),
        answer: answer.into(),
        short_answer: short,
        citations: Vec::new().into(),
        draft: false,
        reviewed_by: Some(who.to_string()),
    };
    let id = match &d.action {
        Action::Accept => candidate(rr, 1, at)?,
        Action::Candidate { n } => candidate(rr, usize::from(*n), at)?,
        Action::Entry { id } => id.clone(),
        Action::NotApplicable => {
            return Ok(reviewed("N/A", Some(ShortAnswer::NotApplicable)));
        }
        Action::Text { text } => return Ok(reviewed(text, None)),
        Action::Skip => return Err(Error::internal("a skipped row has no answer")),
    };
    let e = library.entry(&id).ok_or_else(|| {
        Error::input(
            at.clone(),
            format!("entry '{id}' is not in the library {}", root.display()),
        )
    })?;
    Ok(Proposal {
        id: e.id.clone(),
        answer: e.answer.as_str().into(),
        short_answer: e.short_answer,
        citations: e.citations.as_slice().into(),
        draft: e.is_draft(),
        ..reviewed("", None)
    })
}

/// The entry id of candidate `n` (1 = the proposal) on a review row.
fn candidate(rr: &ReviewRow, n: usize, at: &Location) -> Result<String> {
    rr.offered
        .iter()
        .find(|o| usize::from(o.n) == n)
        .map(|o| o.entry.clone())
        .ok_or_else(|| {
            let what = if n == 1 {
                "no proposal to accept on this row (pick a candidate's number)".to_string()
            } else {
                format!("there is no candidate {n} on this row")
            };
            Error::input(at.clone(), what)
        })
}

/// The item `fill` would have written for a decided row.
fn item_for(r: &QuestionRow, rr: &ReviewRow, proposal: Proposal) -> Item {
    Item {
        sheet: r.sheet.clone(),
        row: r.row + 1,
        question: r.question.clone(),
        qid: r.qid.clone(),
        context: Vec::new(),
        status: Status::Auto,
        proposal: Some(proposal),
        parts: Vec::new(),
        alternatives: Vec::new(),
        existing: r.existing_answer.clone(),
        note: (!rr.note.is_empty()).then(|| rr.note.clone()),
    }
}

/// The report with each written row marked `reviewed`, with its decision.
fn update_report(
    path: &Path,
    written: &[&Item],
    used: &[(&Decision, &ReviewRow)],
) -> Result<String> {
    let bad = |msg: String| Error::input(Location::file(path), msg);
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let mut report: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("not a Vouch report: {e}")))?;
    let items = report
        .get_mut("items")
        .and_then(|i| i.as_array_mut())
        .ok_or_else(|| bad("not a Vouch report: no items".into()))?;
    for i in written {
        let Some((d, _)) = used
            .iter()
            .find(|(d, _)| d.sheet == i.sheet && d.row == i.row)
        else {
            continue;
        };
        let Some(p) = &i.proposal else { continue };
        for it in items.iter_mut().filter(|it| {
            it["sheet"].as_str() == Some(i.sheet.as_str())
                && it["row"].as_u64() == Some(u64::from(i.row))
        }) {
            it["status"] = "reviewed".into();
            it["answer_id"] = if p.id.is_empty() {
                serde_json::Value::Null
            } else {
                p.id.clone().into()
            };
            it["answer"] = p.answer.to_string().into();
            it["short_answer"] = p.short_answer.map(|s| s.as_str()).into();
            it["citations"] = serde_json::to_value(&*p.citations).unwrap_or_default();
            it["decision"] = serde_json::json!({
                "who": d.who,
                "when": d.when,
                "via": d.via,
                "what": d.action.describe(),
            });
        }
    }
    serde_json::to_string_pretty(&report).map_err(|e| Error::internal(format!("report: {e}")))
}

/// Teach the library what the reviewer decided, and keep the history.
fn learn_from(
    library: &Library,
    root: &Path,
    meta: &Meta,
    written: &[&Item],
    used: &[(&Decision, &ReviewRow)],
    who: &str,
    out: &mut Applied,
) -> Result<()> {
    let source = meta
        .input
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut lines = Vec::new();
    let mut entries = library.entries.clone();
    for i in written {
        let Some((d, rr)) = used
            .iter()
            .find(|(d, _)| d.sheet == i.sheet && d.row == i.row)
        else {
            continue;
        };
        let Some(p) = &i.proposal else { continue };
        let entry = match &d.action {
            Action::Text { text } => {
                let (id, added) = learn::add_draft(
                    root,
                    &learn::Draft {
                        question: &rr.question,
                        answer: text,
                        who: &d.who,
                        when: &d.when,
                        source: &source,
                    },
                    &entries,
                )?;
                if added {
                    out.drafts_added.push(id.clone());
                    // Later rows see this draft (the same own answer twice is one draft).
                    entries = crate::knowledge::load_library(root)?.entries;
                }
                Some(id)
            }
            Action::NotApplicable => None,
            _ => {
                if let Some(e) = entries.iter().find(|e| e.id == p.id) {
                    if learn::add_alternate(root, e, &rr.question)? {
                        out.alternates_added += 1;
                        entries = crate::knowledge::load_library(root)?.entries;
                    }
                }
                Some(p.id.clone())
            }
        };
        lines.push(learn::HistoryLine {
            when: &d.when,
            who: if d.who.is_empty() { who } else { &d.who },
            questionnaire: &source,
            sheet: &i.sheet,
            row: i.row,
            question: &rr.question,
            decision: d.action.describe(),
            entry,
            before: rr
                .offered
                .iter()
                .find(|o| o.n == 1)
                .map(|o| o.answer.as_str()),
            after: &p.answer,
        });
    }
    learn::record(root, &lines)
}
