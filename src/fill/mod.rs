//! The filler's decisions: questionnaire rows + matcher → items → cell edits.
//!
//! For each question row this decides `auto` (confident), `review` (a candidate, but not
//! sure), `unanswered` (nothing fits) or `kept` (the customer's row already had an answer),
//! and then plans which cells to write: the short answer into a Yes/No column, the full answer
//! and its citation into the comment column, or added `Response`/`Source` columns where the
//! questionnaire has none. Everything here is plain data; reading and writing files is done by
//! the caller, so the same items feed the workbook writer, the review workbook, the JSON
//! report and `vouch eval`. The per-question decisions, the stage that scales with the
//! questionnaire, are in `decide`; this module holds the items and plans the edits.

use crate::knowledge::{Citation, Entry, ShortAnswer};
use crate::matcher::{Candidate, Features, Matcher};
use crate::sheet::patch::{CellEdit, SheetEdits};
use crate::sheet::{col_letter, Grid, SheetQuestions};

pub mod compound;
mod decide;

#[cfg(test)]
use decide::id_prefix;
pub use decide::{decide, decide_all, decide_all_with, row_query, Step};

/// The default confidence at or above which an answer is drafted without review, chosen from
/// measurements on two labelled sets, the bench and `samples/gold.csv` (`vouch eval` prints
/// the reliability table behind it). At 0.65 both sets' auto answers were 98-99% right. At
/// 0.60 the samples gained a wrong answer and no right one. At 0.50 both sets gained wrong
/// answers. At 0.70 or 0.80 right answers were lost and no wrong ones.
pub const DEFAULT_AUTO_THRESHOLD: f32 = 0.65;
/// The default auto threshold when matching by meaning, where confidence is a fitted
/// probability (`src/matcher/calibration.toml`): an answer drafted without review should be
/// right at least four times in five at the margin. Chosen on the sets the confidence was
/// fitted on, each measured under a fit of the others: at 0.8 the bench's and the samples'
/// auto answers were 99-100% right; at 0.65 both gained wrong answers (2 each).
pub const DEFAULT_AUTO_THRESHOLD_SEMANTIC: f32 = 0.8;
/// Below this, the best candidate is not even worth proposing.
pub const DEFAULT_REVIEW_THRESHOLD: f32 = 0.25;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Auto,
    Review,
    Unanswered,
    Kept,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Auto => "auto",
            Status::Review => "review",
            Status::Unanswered => "unanswered",
            Status::Kept => "kept",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub auto: f32,
    pub review: f32,
}

impl Thresholds {
    /// The default thresholds of a matching mode (by meaning, or by words only).
    pub fn for_mode(by_meaning: bool) -> Thresholds {
        Thresholds {
            auto: if by_meaning {
                DEFAULT_AUTO_THRESHOLD_SEMANTIC
            } else {
                DEFAULT_AUTO_THRESHOLD
            },
            review: DEFAULT_REVIEW_THRESHOLD,
        }
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            auto: DEFAULT_AUTO_THRESHOLD,
            review: DEFAULT_REVIEW_THRESHOLD,
        }
    }
}

/// A library entry proposed for a question, with everything a writer needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub id: String,
    pub confidence: f32,
    /// The reranking score behind the confidence (for explanation and calibration).
    pub score: f32,
    /// The measurements behind the score.
    pub features: Features,
    /// Shared with every other proposal of the same entry (a questionnaire of 200,000 rows
    /// proposes the same few hundred answers again and again).
    pub answer: std::sync::Arc<str>,
    pub short_answer: Option<ShortAnswer>,
    pub citations: std::sync::Arc<[Citation]>,
    /// The entry is a draft: never written without review.
    pub draft: bool,
    /// Who decided it in review (`vouch review apply`), when a person did.
    pub reviewed_by: Option<String>,
}

impl Proposal {
    fn from_entry(m: &Matcher<'_>, e: &Entry, confidence: f32, c: &Candidate) -> Proposal {
        let (answer, citations) = m
            .shared_answer(c.entry)
            .unwrap_or_else(|| (e.answer.as_str().into(), e.citations.as_slice().into()));
        Proposal {
            id: e.id.clone(),
            confidence,
            score: c.score,
            features: c.features,
            answer,
            short_answer: e.short_answer,
            citations,
            draft: e.is_draft(),
            reviewed_by: None,
        }
    }
}

/// One question's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub sheet: String,
    /// 1-based row as a spreadsheet program shows it.
    pub row: u32,
    pub question: String,
    pub qid: Option<String>,
    /// The context that was used for matching (section, control title, id prefix).
    pub context: Vec<String>,
    pub status: Status,
    /// The chosen entry (auto) or the proposal (review); None when unanswered or kept.
    pub proposal: Option<Proposal>,
    /// Further entries a compound question needs (each part cited).
    pub parts: Vec<Proposal>,
    /// The next-best candidates, best first (up to 3 in all with the proposal).
    pub alternatives: Vec<Proposal>,
    /// The customer's existing answer, for kept rows.
    pub existing: Option<String>,
    /// Why a matched answer was not written (e.g. the answer column's dropdown has no value
    /// that fits), for the reviewer.
    pub note: Option<String>,
}

/// How citations are shown in the customer's workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CitationMode {
    /// In the comment column when there is one, otherwise in an added `Source` column.
    Comment,
    /// Always in an added `Source` column; the comment column gets the explanation only.
    Column,
    /// In an Excel note on the answer cell (.xlsx/.xlsm); the comment column gets the
    /// explanation only.
    Note,
    /// Answers only: nothing about sources or confidence in the workbook.
    None,
}

/// The citation line written beside an answer.
pub fn citation_text(p: &Proposal, parts: &[Proposal]) -> String {
    let mut cites: Vec<String> = Vec::new();
    for c in p
        .citations
        .iter()
        .chain(parts.iter().flat_map(|q| q.citations.iter()))
    {
        let s = format!("{} §{}", c.doc, c.section);
        if !cites.contains(&s) {
            cites.push(s);
        }
    }
    let mut ids: Vec<String> = Some(p.id.clone())
        .into_iter()
        .filter(|i| !i.is_empty())
        .collect();
    ids.extend(parts.iter().map(|q| q.id.clone()));
    let how = match &p.reviewed_by {
        Some(who) => format!("reviewed by {who}"),
        None => format!("confidence {:.2}", p.confidence),
    };
    let sources = if cites.is_empty() {
        "the reviewer".to_string()
    } else {
        cites.join("; ")
    };
    if ids.is_empty() {
        format!("Source: {sources} [vouch: {how}]")
    } else {
        format!("Source: {sources} [vouch: {}; {how}]", ids.join(" + "))
    }
}

/// The full answer text for a proposal and the parts of a compound question.
pub fn full_answer(p: &Proposal, parts: &[Proposal]) -> String {
    let mut s = p.answer.to_string();
    for q in parts {
        s.push('\n');
        s.push_str(&q.answer);
    }
    s
}

/// The value for a Yes/No answer column: the short answer when every part agrees on one.
/// An entry without a short answer whose answer opens with "Yes." / "No," / "Not
/// applicable." says it anyway.
pub fn short_value(p: &Proposal, parts: &[Proposal]) -> Option<ShortAnswer> {
    let of = |q: &Proposal| q.short_answer.or_else(|| opening_short(&q.answer));
    let s = of(p)?;
    parts.iter().all(|q| of(q) == Some(s)).then_some(s)
}

/// The short answer an answer text opens with, if it opens with one.
pub fn opening_short(answer: &str) -> Option<ShortAnswer> {
    let a = answer.trim_start();
    let starts = |w: &str| {
        a.get(..w.len()).is_some_and(|h| h.eq_ignore_ascii_case(w))
            && a[w.len()..].starts_with(['.', ',', ';', ':', ' ', '-', '\u{2014}'])
    };
    if starts("not applicable") || starts("n/a") {
        Some(ShortAnswer::NotApplicable)
    } else if starts("yes") {
        Some(ShortAnswer::Yes)
    } else if starts("no") {
        Some(ShortAnswer::No)
    } else if starts("partially") {
        Some(ShortAnswer::Partial)
    } else {
        None
    }
}

/// Plan the cell edits for one sheet: answers of `auto` items, with citations. An answer
/// column with a dropdown only receives a value its list allows; when none fits the short
/// answer, the item goes back to `review` with a note saying why.
/// Where an answer can be typed for a row, or why it cannot. Questionnaire authors unlock
/// exactly the cells the vendor fills; a formula cell shows a value computed elsewhere.
enum Target {
    /// The row's own answer cell.
    Here,
    /// The cell on another sheet that the answer cell's formula shows ('START HERE'!C5).
    Source(String, u32, u32),
    /// Not writable: the reason, for the reviewer.
    Blocked(String),
}

fn answer_target(grid: &Grid, all: &[Grid], row: u32, col: u32) -> Target {
    let at = format!("{}{}", col_letter(col), row + 1);
    if grid.formulas.contains(&(row, col)) {
        let Some(src) = grid.sources.get(&(row, col)) else {
            return Target::Blocked(format!(
                "answer cell {at} holds a formula; Vouch never overwrites one: type the answer where the formula takes it from"
            ));
        };
        let there = format!("'{}'!{}{}", src.sheet, col_letter(src.col), src.row + 1);
        let writable = all.iter().find(|g| g.name == src.sheet).is_some_and(|g| {
            !g.formulas.contains(&(src.row, src.col)) && !g.locked(src.row, src.col)
        });
        return if writable {
            Target::Source(src.sheet.clone(), src.row, src.col)
        } else {
            Target::Blocked(format!(
                "answer cell {at} shows {there}, which cannot be written; type the answer there"
            ))
        };
    }
    if grid.locked(row, col) {
        return Target::Blocked(format!(
            "answer cell {at} is locked on a protected sheet; the questionnaire's author did not open it for answers"
        ));
    }
    Target::Here
}

/// Answer cells already planned in this workbook: (sheet, row, col) → (value, the row that
/// wrote it). A START HERE field and a sheet that shows it may both answer one cell.
pub type Claimed = std::collections::BTreeMap<(String, u32, u32), (String, String)>;

/// Plan the cells to write on one sheet for its `auto` items. The first `SheetEdits` is this
/// sheet's; answers whose cell is a formula showing another sheet's cell (HECVAT's
/// `START HERE` pattern) are written there, in further `SheetEdits` of that sheet. An item
/// whose answer cannot be written where the vendor is meant to type (a locked cell, a formula
/// without a plain source) goes to review with a note naming the cell, so that the summary,
/// the report and the workbook agree.
pub fn plan_sheet(
    sq: &SheetQuestions,
    grid: &Grid,
    all: &[Grid],
    claimed: &mut Claimed,
    items: &mut [Item],
    mode: CitationMode,
) -> Vec<SheetEdits> {
    let mut elsewhere: Vec<SheetEdits> = Vec::new();
    let mut edits = Vec::new();
    let mut notes = Vec::new();
    let l = &sq.layout;
    let next_col = grid.extent().map(|(_, c)| c + 1).unwrap_or(0);
    let mut added = next_col;
    let answer_col = l.answer_col.unwrap_or_else(|| {
        let c = added;
        added += 1;
        c
    });
    let source_col = match (mode, l.comment_col) {
        (CitationMode::None | CitationMode::Note, _) | (CitationMode::Comment, Some(_)) => None,
        (CitationMode::Comment, None) | (CitationMode::Column, _) => Some(added),
    };
    // Added columns on a protected sheet would be locked cells: none are added there.
    let protected = grid.protection.is_some();
    let source_col = source_col.filter(|_| !protected);
    let mut header_done = false;
    for item in items
        .iter_mut()
        .filter(|i| i.sheet == sq.sheet && i.status == Status::Auto)
    {
        let Some(p) = &item.proposal else { continue };
        let row = item.row - 1;
        if l.answer_col.is_none() && protected {
            item.status = Status::Review;
            item.note = Some(
                "the sheet is protected and has no open answer column; type the answer where the sheet allows".into(),
            );
            continue;
        }
        let target = match l.answer_col {
            Some(c) => answer_target(grid, all, row, c),
            None => Target::Here,
        };
        if let Target::Blocked(why) = &target {
            item.status = Status::Review;
            item.note = Some(why.clone());
            continue;
        }
        let full = full_answer(p, &item.parts);
        let cite = citation_text(p, &item.parts);
        let short = short_value(p, &item.parts);
        // The answer cell's value: from the dropdown when there is one.
        let dropdown = l.answer_col.and_then(|c| grid.allowed_at(row, c));
        let answer_value: Option<String> = match (dropdown, l.comment_col, short) {
            (Some(allowed), _, short) => {
                match short.and_then(|s| crate::sheet::validation::choose(s, allowed)) {
                    Some(v) => Some(v.to_string()),
                    None => {
                        item.status = Status::Review;
                        item.note = Some(format!(
                            "the answer column only takes {}; no value fits {}",
                            allowed.join(" / "),
                            short.map_or("an answer without Yes/No", |s| s.as_str())
                        ));
                        continue;
                    }
                }
            }
            (None, Some(_), Some(s)) => Some(s.as_str().to_string()),
            (None, _, _) => None,
        };
        if !header_done {
            header_done = true;
            if let Some(h) = l.header_row {
                if l.answer_col.is_none() {
                    edits.push(edit(h, answer_col, "Response"));
                }
                if let Some(c) = source_col {
                    edits.push(edit(h, c, "Source"));
                }
            }
        }
        // The answer cell, the comment cell (explanation, and the citation in `comment`
        // mode) and the added Source column (the citation, and the explanation when the
        // answer cell only holds Yes/No and there is no comment column).
        let cite_in_comment = mode == CitationMode::Comment && l.comment_col.is_some();
        let (answer_text, explanation) = match answer_value {
            Some(v) => (v, Some(full)),
            None => (full, None),
        };
        // One cell, one answer: a second row that would write a different answer into a
        // cell already answered (a field and the sheet that shows it) goes to review.
        let key = match &target {
            Target::Source(sheet, r, c) => (sheet.clone(), *r, *c),
            _ => (sq.sheet.clone(), row, answer_col),
        };
        match claimed.get(&key) {
            Some((v, by)) if *v != answer_text => {
                item.status = Status::Review;
                item.note = Some(format!(
                    "'{}'!{}{} already holds the answer drafted for {by}, which differs from this one",
                    key.0,
                    col_letter(key.2),
                    key.1 + 1
                ));
                continue;
            }
            Some(_) => {}
            None => {
                let by = format!("'{}' row {}", sq.sheet, item.row);
                claimed.insert(key, (answer_text.clone(), by));
            }
        }
        match &target {
            Target::Source(sheet, r, c) => {
                item.note = Some(format!(
                    "written at '{sheet}'!{}{}, which this row's answer cell shows",
                    col_letter(*c),
                    r + 1
                ));
                elsewhere.push(SheetEdits {
                    sheet: sheet.clone(),
                    edits: vec![edit(*r, *c, &answer_text)],
                    notes: Vec::new(),
                });
            }
            _ => edits.push(edit(row, answer_col, &answer_text)),
        }
        // A comment cell the vendor may not type in (locked, a formula) stays as it is.
        let comment_col = l
            .comment_col
            .filter(|&c| !grid.locked(row, c) && !grid.formulas.contains(&(row, c)));
        let mut comment = explanation.clone().filter(|_| comment_col.is_some());
        if cite_in_comment {
            comment = Some(match comment {
                Some(c) => format!("{c}\n{cite}"),
                None => cite.clone(),
            });
        }
        if let (Some(cc), Some(text)) = (comment_col, comment) {
            edits.push(edit(row, cc, &text));
        }
        if let Some(sc) = source_col {
            let text = match explanation.filter(|_| l.comment_col.is_none()) {
                Some(e) => format!("{e}\n{cite}"),
                None => cite,
            };
            edits.push(edit(row, sc, &text));
        } else if mode == CitationMode::Note {
            let text = match explanation.filter(|_| l.comment_col.is_none()) {
                Some(e) => format!("{e}\n{cite}"),
                None => cite,
            };
            notes.push(edit(row, answer_col, &text));
        }
    }
    let mut out = vec![SheetEdits {
        notes,
        sheet: sq.sheet.clone(),
        edits,
    }];
    out.extend(elsewhere);
    out
}

/// The cells to write for every `Auto` item of a questionnaire, sheet by sheet (see
/// [`plan_sheet`]), merged into one `SheetEdits` per sheet; and the citation mode used:
/// notes exist only in a workbook Vouch patches (`patched`), elsewhere citations get a column.
pub fn plan_workbook(
    q: &crate::sheet::Questionnaire,
    wb: &crate::sheet::Workbook,
    items: &mut [Item],
    mode: CitationMode,
    patched: bool,
) -> (Vec<SheetEdits>, CitationMode) {
    let sheet_mode = if mode == CitationMode::Note && !patched {
        CitationMode::Column
    } else {
        mode
    };
    let mut claimed = Claimed::new();
    let mut edits = Vec::new();
    for sq in &q.sheets {
        if let Some(grid) = wb.sheets.iter().find(|g| g.name == sq.sheet) {
            edits.extend(plan_sheet(
                sq,
                grid,
                &wb.sheets,
                &mut claimed,
                items,
                sheet_mode,
            ));
        }
    }
    (merge_edits(edits), sheet_mode)
}

/// One `SheetEdits` per sheet, in first-seen order; where two edits name one cell (a START
/// HERE field answered on its own row and through a sheet that shows it) the first stands.
pub fn merge_edits(all: Vec<SheetEdits>) -> Vec<SheetEdits> {
    let mut out: Vec<SheetEdits> = Vec::new();
    for e in all {
        let i = match out.iter().position(|o| o.sheet == e.sheet) {
            Some(i) => i,
            None => {
                out.push(SheetEdits {
                    sheet: e.sheet.clone(),
                    edits: Vec::new(),
                    notes: Vec::new(),
                });
                out.len() - 1
            }
        };
        let o = &mut out[i];
        for c in e.edits {
            if !o.edits.iter().any(|x| x.row == c.row && x.col == c.col) {
                o.edits.push(c);
            }
        }
        for n in e.notes {
            if !o.notes.iter().any(|x| x.row == n.row && x.col == n.col) {
                o.notes.push(n);
            }
        }
    }
    out.retain(|e| !e.edits.is_empty() || !e.notes.is_empty());
    out
}

fn edit(row: u32, col: u32, value: &str) -> CellEdit {
    CellEdit {
        row,
        col,
        value: value.to_string(),
    }
}

/// Counts by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub questions: usize,
    pub auto: usize,
    pub review: usize,
    pub unanswered: usize,
    pub kept: usize,
}

pub fn summarize(items: &[Item]) -> Summary {
    let mut s = Summary {
        questions: items.len(),
        ..Default::default()
    };
    for i in items {
        match i.status {
            Status::Auto => s.auto += 1,
            Status::Review => s.review += 1,
            Status::Unanswered => s.unanswered += 1,
            Status::Kept => s.kept += 1,
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::Query;
    use crate::sheet::{QuestionRow, Questionnaire};

    /// The shipped library, indexed in a temporary folder.
    fn shipped() -> (tempfile::TempDir, crate::index::SearchIndex) {
        let d = tempfile::tempdir().unwrap();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
        for f in std::fs::read_dir(&src).unwrap() {
            let p = f.unwrap().path();
            if p.extension().is_some_and(|e| e == "toml") {
                std::fs::copy(&p, d.path().join(p.file_name().unwrap())).unwrap();
            }
        }
        let (si, _) = crate::index::open_or_build(d.path()).unwrap();
        (d, si)
    }

    fn question_row(row: u32, q: &str, section: Option<&str>) -> QuestionRow {
        QuestionRow {
            sheet: "S".into(),
            row,
            question: q.into(),
            qid: None,
            section: section.map(String::from),
            context: Vec::new(),
            existing_answer: None,
            existing_comment: None,
        }
    }

    #[test]
    fn a_paragraph_is_matched_on_its_first_words_and_goes_to_review() {
        let (_d, si) = shipped();
        let m = Matcher::new(&si);
        let short = "Do you encrypt customer data at rest?";
        let one = decide(
            &question_row(1, short, None),
            &m,
            &si.entries,
            Thresholds::default(),
            false,
        );
        assert_eq!(
            one.status,
            Status::Auto,
            "the sentence alone is answered: {one:?}"
        );
        // 10,000 characters, some 1,600 words: the documented limit.
        let long = format!("{short} ").repeat(10_000 / (short.len() + 1));
        let item = decide(
            &question_row(1, &long, None),
            &m,
            &si.entries,
            Thresholds::default(),
            false,
        );
        assert_eq!(item.status, Status::Review, "{:?}", item.note);
        assert_eq!(
            item.proposal.as_ref().map(|p| &p.id),
            one.proposal.as_ref().map(|p| &p.id)
        );
        let note = item.note.unwrap();
        let words = crate::text::word_count(&long);
        assert!(words > 1_000);
        assert!(
            note.contains(&format!("paragraph of {words} words")) && note.contains("first 150"),
            "{note}"
        );
        assert_eq!(item.question, long, "the report shows the whole question");
        // Only the first words are read: the rest of the text changes nothing.
        let head = crate::text::first_words(&long, crate::matcher::MAX_MATCHED_WORDS).unwrap();
        let other = format!(
            "{head} and do you sign our DPA and run a bug bounty? {}",
            "Why? ".repeat(1000)
        );
        let q = |text: &str| Query {
            text: text.into(),
            context: Vec::new(),
            qid: None,
        };
        assert_eq!(m.rank(&q(&long)), m.rank(&q(head)));
        assert_eq!(m.rank(&q(&other)), m.rank(&q(head)));
    }

    #[test]
    fn repeated_questions_are_decided_once_and_alike() {
        let (_d, si) = shipped();
        let m = Matcher::new(&si);
        let asks = [
            "Do you encrypt customer data at rest?",
            "How often do you back up customer data?",
            "Do you encrypt customer data at rest?",
            "Do you run a bug bounty?",
            "How often do you back up customer data?",
        ];
        let mut rows: Vec<QuestionRow> = asks
            .iter()
            .enumerate()
            .map(|(i, q)| question_row(i as u32 + 1, q, None))
            .collect();
        // The same words under another section are another question.
        rows.push(question_row(9, asks[0], Some("Physical security")));
        rows[3].existing_answer = Some("Yes".into());
        let q = Questionnaire {
            sheets: vec![SheetQuestions {
                sheet: "S".into(),
                layout: crate::sheet::Layout {
                    header_row: Some(0),
                    question_col: 0,
                    id_col: None,
                    answer_col: Some(1),
                    comment_col: None,
                    context_cols: vec![],
                    headers: Default::default(),
                    guessed: false,
                },
                rows: rows.clone(),
            }],
            skipped: Vec::new(),
            notes: Vec::new(),
        };
        let t = Thresholds::default();
        let all = decide_all(&q, &m, &si.entries, t, false);
        let tuned = m.for_questionnaire(rows.iter().map(|r| r.question.as_str()));
        let one_by_one: Vec<Item> = rows
            .iter()
            .map(|r| decide(r, &tuned, &si.entries, t, false))
            .collect();
        assert_eq!(all, one_by_one);
        assert_eq!(all[3].status, Status::Kept);
        assert_eq!(all[0].proposal, all[2].proposal);
        assert_eq!(all[5].context, ["Physical security"]);
    }

    #[test]
    fn short_answers_from_the_opening_words() {
        assert_eq!(opening_short("Yes. We do."), Some(ShortAnswer::Yes));
        assert_eq!(opening_short("No, never."), Some(ShortAnswer::No));
        assert_eq!(
            opening_short("Not applicable: no app."),
            Some(ShortAnswer::NotApplicable)
        );
        assert_eq!(opening_short("Nothing is stored."), None);
        assert_eq!(opening_short("Yesterday we..."), None);
        assert_eq!(opening_short("Not all systems."), None);
    }

    #[test]
    fn id_prefixes() {
        assert_eq!(id_prefix("BCR-01.2").as_deref(), Some("BCR"));
        assert_eq!(id_prefix("A&A-02").as_deref(), Some("A&A"));
        assert_eq!(id_prefix("3.1"), None);
        assert_eq!(id_prefix("Q12"), None);
    }

    fn prop(id: &str, short: Option<ShortAnswer>) -> Proposal {
        Proposal {
            id: id.into(),
            confidence: 0.9,
            score: 0.9,
            features: Features::default(),
            answer: format!("Answer {id}.").into(),
            short_answer: short,
            citations: vec![Citation {
                doc: "pol".into(),
                section: "1".into(),
            }]
            .into(),
            draft: false,
            reviewed_by: None,
        }
    }

    #[test]
    fn citation_lists_every_part_once() {
        let p = prop("a", Some(ShortAnswer::Yes));
        let q = prop("b", Some(ShortAnswer::Yes));
        let c = citation_text(&p, std::slice::from_ref(&q));
        assert_eq!(c, "Source: pol §1 [vouch: a + b; confidence 0.90]");
        assert_eq!(short_value(&p, &[q]), Some(ShortAnswer::Yes));
        assert_eq!(
            short_value(&p, &[prop("c", Some(ShortAnswer::No))]),
            None,
            "parts that disagree give no single Yes/No"
        );
    }

    fn sheet(comment: bool, dropdown: Option<&[&str]>) -> (SheetQuestions, Grid, Vec<Item>) {
        let mut grid = Grid {
            name: "S".into(),
            ..Default::default()
        };
        for (c, h) in ["Question", "Answer", "Comments"].iter().enumerate() {
            if c < 2 || comment {
                grid.cells.insert((0, c as u32), h.to_string());
            }
        }
        grid.cells.insert((1, 0), "Do you encrypt data?".into());
        if let Some(list) = dropdown {
            grid.lists.push(crate::sheet::ListRule {
                ranges: vec![((1, 1), (9, 1))],
                allowed: list.iter().map(|s| s.to_string()).collect(),
            });
        }
        let layout = crate::sheet::Layout {
            header_row: Some(0),
            question_col: 0,
            id_col: None,
            answer_col: Some(1),
            comment_col: comment.then_some(2),
            context_cols: vec![],
            headers: Default::default(),
            guessed: false,
        };
        let sq = SheetQuestions {
            sheet: "S".into(),
            layout,
            rows: vec![],
        };
        let item = Item {
            sheet: "S".into(),
            row: 2,
            question: "Do you encrypt data?".into(),
            qid: None,
            context: vec![],
            status: Status::Auto,
            proposal: Some(prop("enc", Some(ShortAnswer::Yes))),
            parts: vec![],
            alternatives: vec![],
            existing: None,
            note: None,
        };
        (sq, grid, vec![item])
    }

    /// Plan one sheet on its own (no other sheets, nothing claimed yet).
    fn plan(
        sq: &SheetQuestions,
        g: &Grid,
        items: &mut [Item],
        mode: CitationMode,
    ) -> Vec<SheetEdits> {
        plan_sheet(sq, g, &[], &mut Claimed::new(), items, mode)
    }

    fn cells(e: &[SheetEdits]) -> Vec<(u32, u32, String)> {
        e[0].edits
            .iter()
            .map(|c| (c.row, c.col, c.value.clone()))
            .collect()
    }

    #[test]
    fn citations_go_where_the_mode_says() {
        let cite = "Source: pol §1 [vouch: enc; confidence 0.90]".to_string();
        let (sq, g, mut items) = sheet(true, None);
        let e = plan(&sq, &g, &mut items, CitationMode::Comment);
        assert_eq!(
            cells(&e),
            vec![(1, 1, "Yes".into()), (1, 2, format!("Answer enc.\n{cite}"))]
        );
        let e = plan(&sq, &g, &mut items, CitationMode::Column);
        assert_eq!(
            cells(&e),
            vec![
                (0, 3, "Source".into()),
                (1, 1, "Yes".into()),
                (1, 2, "Answer enc.".into()),
                (1, 3, cite.clone())
            ]
        );
        let e = plan(&sq, &g, &mut items, CitationMode::None);
        assert_eq!(
            cells(&e),
            vec![(1, 1, "Yes".into()), (1, 2, "Answer enc.".into())]
        );
        let (sq, g, mut items) = sheet(false, None);
        let e = plan(&sq, &g, &mut items, CitationMode::Comment);
        assert_eq!(
            cells(&e),
            vec![
                (0, 2, "Source".into()),
                (1, 1, "Answer enc.".into()),
                (1, 2, cite)
            ]
        );
    }

    #[test]
    fn dropdowns_take_only_allowed_values() {
        let (sq, g, mut items) = sheet(true, Some(&["YES", "NO", "NA"]));
        let e = plan(&sq, &g, &mut items, CitationMode::None);
        assert_eq!(cells(&e)[0], (1, 1, "YES".into()));
        let (sq, g, mut items) = sheet(true, Some(&["Compliant", "Non-compliant"]));
        items[0].proposal = Some(prop("enc", Some(ShortAnswer::Partial)));
        let e = plan(&sq, &g, &mut items, CitationMode::Comment);
        assert!(e[0].edits.is_empty());
        assert_eq!(items[0].status, Status::Review);
        assert!(items[0]
            .note
            .as_deref()
            .unwrap()
            .contains("Compliant / Non-compliant"));
    }

    #[test]
    fn locked_and_formula_answer_cells_go_to_review_naming_the_cell() {
        let (sq, mut g, mut items) = sheet(true, None);
        g.protection = Some(crate::sheet::protection::Protection {
            default_locked: true,
            ..Default::default()
        });
        let e = plan(&sq, &g, &mut items, CitationMode::Comment);
        assert!(e[0].edits.is_empty());
        assert_eq!(items[0].status, Status::Review);
        assert!(
            items[0].note.as_deref().unwrap().contains("B2 is locked"),
            "{:?}",
            items[0].note
        );

        let (sq, mut g, mut items) = sheet(true, None);
        g.formulas.insert((1, 1));
        plan(&sq, &g, &mut items, CitationMode::Comment);
        assert_eq!(items[0].status, Status::Review);
        assert!(items[0]
            .note
            .as_deref()
            .unwrap()
            .contains("B2 holds a formula"));
    }

    #[test]
    fn a_formula_showing_another_sheet_is_answered_there_once() {
        let (sq, mut g, mut items) = sheet(true, None);
        g.formulas.insert((1, 1));
        g.sources.insert(
            (1, 1),
            crate::sheet::protection::CellSource {
                sheet: "START HERE".into(),
                row: 4,
                col: 2,
            },
        );
        let start = Grid {
            name: "START HERE".into(),
            ..Default::default()
        };
        let all = vec![start, g.clone()];
        let mut claimed = Claimed::new();
        let e = plan_sheet(
            &sq,
            &g,
            &all,
            &mut claimed,
            &mut items,
            CitationMode::Comment,
        );
        assert_eq!(items[0].status, Status::Auto);
        assert_eq!(e[1].sheet, "START HERE");
        assert_eq!((e[1].edits[0].row, e[1].edits[0].col), (4, 2));
        assert!(
            e[0].edits.iter().all(|c| c.col != 1),
            "the formula cell is not written"
        );
        // A second row drafting a different answer for that cell goes to review.
        let (sq2, _, mut other) = sheet(true, None);
        other[0].proposal = Some(prop("other", Some(ShortAnswer::No)));
        plan_sheet(
            &sq2,
            &g,
            &all,
            &mut claimed,
            &mut other,
            CitationMode::Comment,
        );
        assert_eq!(other[0].status, Status::Review);
        assert!(other[0].note.as_deref().unwrap().contains("already holds"));
    }
}
