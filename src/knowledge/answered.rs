//! Learning from a questionnaire a team already answered by hand.
//!
//! Most teams start with a folder of past questionnaires, answered in Excel, and a library
//! that knows only part of what those answers say. `vouch library import-answered` reads such
//! a questionnaire exactly as `fill` reads one (same reader, same layout detection, same
//! matcher and auto threshold) and sorts every answered row into one of four outcomes:
//!
//! - **alternate**: the question matches an entry confidently and the hand answer agrees with
//!   it (see [`agreement`]), so the question becomes an alternate phrasing of that entry;
//! - **conflict**: a confident match whose answer disagrees (the library says Yes, the team
//!   wrote No; other numbers): listed for a person, nothing written;
//! - **draft**: no confident match, so the hand answer becomes a `draft` entry, which fill
//!   never writes without review until its owner confirms it;
//! - **known**: the library already holds exactly this (re-importing the same file lands here).
//!
//! Rows without any answer are skipped and counted. Planning is a pure function of the rows,
//! their decisions and the library; applying stages every change in a private copy of the
//! library, loads that copy with the library's own loader, and only then replaces the changed
//! files (each atomically). A change that would break the library fails the import with
//! nothing written. This module never writes the questionnaire.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::learn::{self, same_question, Draft, HistoryLine};
use super::{Entry, Library, ShortAnswer};
use crate::error::{Error, Location, Result};
use crate::fill::{self, Item, Status};
use crate::matcher::Matcher;
use crate::sheet::{QuestionRow, Questionnaire};

/// Share of the smaller side's content words the other side must hold for two answers
/// without a common Yes/No to agree (see [`agreement`]).
pub const MIN_SHARED_WORDS: f32 = 0.5;

/// What happens to one answered row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Alternate,
    Draft,
    Conflict,
    Known,
    Skipped,
}

/// One row of the questionnaire and what the import does with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowOutcome {
    pub sheet: String,
    /// 1-based, as a spreadsheet program shows it.
    pub row: u32,
    pub question: String,
    /// The team's answer: the answer cell, joined with the comment cell when both hold text.
    pub answer: String,
    pub outcome: Outcome,
    /// The entry the row matched (alternate, conflict, known) or the draft's id.
    pub entry: Option<String>,
    /// The matcher's confidence in `entry`, when it was matched.
    pub confidence: Option<f32>,
    /// The library's answer the team's was compared with.
    pub library_answer: Option<String>,
    /// Why: how the answers agree or differ, or why nothing is written.
    pub why: String,
}

/// Counts by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub rows: usize,
    pub alternates: usize,
    pub drafts: usize,
    pub conflicts: usize,
    pub known: usize,
    pub skipped: usize,
}

pub fn summarize(rows: &[RowOutcome]) -> Summary {
    let mut s = Summary {
        rows: rows.len(),
        ..Summary::default()
    };
    for r in rows {
        match r.outcome {
            Outcome::Alternate => s.alternates += 1,
            Outcome::Draft => s.drafts += 1,
            Outcome::Conflict => s.conflicts += 1,
            Outcome::Known => s.known += 1,
            Outcome::Skipped => s.skipped += 1,
        }
    }
    s
}

/// Whether a team's answer agrees with a library answer, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub agrees: bool,
    pub why: String,
}

/// Does the team's answer agree with the library's?
///
/// 1. When both have a short answer (Yes, No, N/A, Partial), they agree exactly when the
///    short answers are the same: a team's `Yes` with details in the comment column agrees
///    with an entry whose short answer is Yes, whatever the details' words; `No` against
///    `Yes` is a conflict, and so is `Partial` against `Yes`. A short answer is the whole
///    answer cell (`Yes`, `Y`, `N/A`, `Partially`) or its opening word (`Yes, since 2024`); the
///    library's is the entry's `short_answer`, or its answer's opening ("No. ...").
/// 2. Otherwise (a "how long" or "which" question) the texts are compared. Every number the
///    team wrote (`14` days, TLS `1.2`, `72` hours) must appear in the library's answer: an
///    outdated figure is the commonest disagreement. Then their content words (analysed as
///    the matcher analyses them: stemmed, synonyms joined, stop words and Yes/No dropped) must
///    overlap: the words both hold, as a share of the smaller side's words, at least
///    [`MIN_SHARED_WORDS`]. A team answer with no content words to compare (a bare `Yes` to a
///    question the library answers without Yes or No) does not agree: a person decides.
pub fn agreement(
    theirs_short: Option<ShortAnswer>,
    theirs: &str,
    library_short: Option<ShortAnswer>,
    library: &str,
    terms: &dyn Fn(&str) -> Vec<String>,
) -> Agreement {
    let done = |agrees: bool, why: String| Agreement { agrees, why };
    if let (Some(t), Some(l)) = (theirs_short, library_short) {
        return if t == l {
            done(true, format!("both answer {t}"))
        } else {
            done(false, format!("the library answers {l}; they answered {t}"))
        };
    }
    let lib_numbers = numbers(library);
    let missing: Vec<String> = numbers(theirs)
        .into_iter()
        .filter(|n| !lib_numbers.contains(n))
        .collect();
    if !missing.is_empty() {
        return done(
            false,
            format!(
                "they wrote {}, which the library's answer does not say",
                missing.join(", ")
            ),
        );
    }
    let short_words: BTreeSet<String> = terms("yes no not applicable partial partially n/a")
        .into_iter()
        .collect();
    let words = |s: &str| -> BTreeSet<String> {
        terms(s)
            .into_iter()
            .filter(|t| !short_words.contains(t))
            .collect()
    };
    let (t, l) = (words(theirs), words(library));
    if t.is_empty() || l.is_empty() {
        return done(
            false,
            "their answer has nothing to compare with the library's".to_string(),
        );
    }
    let shared = t.intersection(&l).count();
    let share = shared as f32 / t.len().min(l.len()) as f32;
    let why = format!(
        "{shared} of {} content words shared ({:.0}%)",
        t.len().min(l.len()),
        share * 100.0
    );
    done(share >= MIN_SHARED_WORDS, why)
}

/// The numbers in a text, as written (`1.2`, `256`, `2026`): runs of digits, with a decimal
/// point only between digits.
pub fn numbers(text: &str) -> BTreeSet<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let mut s = String::new();
        while i < chars.len() {
            let c = chars[i];
            let point = (c == '.' || c == ',')
                && !s.is_empty()
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
            if c.is_ascii_digit() || point {
                // "10,000" and "10000" are one number; "1.2" keeps its point.
                if c != ',' {
                    s.push(c);
                }
                i += 1;
            } else {
                break;
            }
        }
        out.insert(s);
    }
    out
}

/// The short answer of a hand-written answer cell: the whole cell (`Yes`, `Y`, `N/A`, `Not
/// applicable`, `Partially`) or its opening word (`Yes, since 2024`).
pub fn hand_short(cell: &str) -> Option<ShortAnswer> {
    let whole = cell
        .trim()
        .trim_end_matches(['.', '!', ';', ':', ','])
        .to_ascii_lowercase();
    match whole.as_str() {
        "y" | "true" => return Some(ShortAnswer::Yes),
        "n" | "false" => return Some(ShortAnswer::No),
        "not applicable" => return Some(ShortAnswer::NotApplicable),
        "partially" | "partly" => return Some(ShortAnswer::Partial),
        _ => {}
    }
    ShortAnswer::parse(&whole).or_else(|| {
        fill::opening_short(cell).or_else(|| {
            let lower = cell.trim_start().to_ascii_lowercase();
            let rest = lower.strip_prefix("partial")?;
            rest.starts_with([' ', '.', ',', ';', ':', '-'])
                .then_some(ShortAnswer::Partial)
        })
    })
}

/// The team's answer for a row: the answer cell, joined with the comment cell when both hold
/// text ("Yes. AES-256 ..."); None when neither does.
pub fn hand_answer(r: &QuestionRow) -> Option<String> {
    let clean = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    match (clean(&r.existing_answer), clean(&r.existing_comment)) {
        (None, None) => None,
        (Some(a), None) => Some(a),
        (None, Some(c)) => Some(c),
        (Some(a), Some(c)) if same_question(&a, &c) => Some(a),
        (Some(a), Some(c)) => {
            let sep = if a.ends_with(['.', '!', '?', ':', ';']) {
                " "
            } else {
                ". "
            };
            Some(format!("{a}{sep}{c}"))
        }
    }
}

/// The short answer a library entry (with the parts of a compound question) gives.
fn library_short(p: &fill::Proposal, parts: &[fill::Proposal]) -> Option<ShortAnswer> {
    fill::short_value(p, parts)
}

/// The entry a row matched: its confidence, short answer and answer text (with the parts of
/// a compound question), and whether the question is compound.
struct Match<'e>(&'e Entry, Option<f32>, Option<ShortAnswer>, String, bool);

/// Sort every row of `q` into its outcome. `items` are `fill::decide_all`'s decisions for
/// `q`'s rows, in row order, decided with overwrite (so that answered rows are matched);
/// `entries` are the library's. Pure: nothing is read or written.
pub fn plan(
    q: &Questionnaire,
    items: &[Item],
    m: &Matcher<'_>,
    entries: &[Entry],
) -> Vec<RowOutcome> {
    let terms = |s: &str| m.terms(s);
    let rows: Vec<&QuestionRow> = q.sheets.iter().flat_map(|s| s.rows.iter()).collect();
    // What this run adds, so that a row repeated in the file is added once.
    let mut alternates: Vec<(String, String)> = Vec::new();
    let mut drafts: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for (r, item) in rows.iter().zip(items) {
        let mut o = RowOutcome {
            sheet: r.sheet.clone(),
            row: r.row + 1,
            question: r.question.clone(),
            answer: String::new(),
            outcome: Outcome::Skipped,
            entry: None,
            confidence: None,
            library_answer: None,
            why: String::new(),
        };
        let Some(answer) = hand_answer(r) else {
            o.why = "no answer".into();
            out.push(o);
            continue;
        };
        o.answer = answer.clone();
        let theirs_short = r
            .existing_answer
            .as_deref()
            .and_then(hand_short)
            .or_else(|| hand_short(&answer));
        // The library's own wording is a match whatever the confidence; else fill's auto.
        let worded = entries
            .iter()
            .find(|e| !e.is_draft() && e.phrasings().any(|p| same_question(p, &r.question)));
        let matched: Option<Match<'_>> = match (worded, &item.proposal) {
            (Some(e), _) => Some(Match(
                e,
                item.proposal
                    .as_ref()
                    .filter(|p| p.id == e.id)
                    .map(|p| p.confidence),
                e.short_answer.or_else(|| fill::opening_short(&e.answer)),
                e.answer.clone(),
                false,
            )),
            (None, Some(p)) if item.status == Status::Auto => {
                entries.iter().find(|e| e.id == p.id).map(|e| {
                    Match(
                        e,
                        Some(p.confidence),
                        library_short(p, &item.parts),
                        fill::full_answer(p, &item.parts),
                        !item.parts.is_empty(),
                    )
                })
            }
            _ => None,
        };
        match matched {
            Some(Match(e, confidence, short, library_answer, compound)) => {
                let a = agreement(theirs_short, &answer, short, &library_answer, &terms);
                o.entry = Some(e.id.clone());
                o.confidence = confidence;
                o.library_answer = Some(library_answer);
                o.why = a.why;
                let key = (e.id.clone(), r.question.clone());
                o.outcome = if !a.agrees {
                    Outcome::Conflict
                } else if compound {
                    let ids: Vec<&str> = std::iter::once(e.id.as_str())
                        .chain(item.parts.iter().map(|p| p.id.as_str()))
                        .collect();
                    o.why = format!("{}; answered by {} together", o.why, ids.join(" + "));
                    Outcome::Known
                } else if worded.is_some() {
                    o.why = format!("{}; already worded so in the library", o.why);
                    Outcome::Known
                } else if alternates
                    .iter()
                    .any(|(id, q)| *id == key.0 && same_question(q, &key.1))
                {
                    o.why = format!("{}; an earlier row adds this wording", o.why);
                    Outcome::Known
                } else {
                    alternates.push(key);
                    Outcome::Alternate
                };
            }
            None => {
                let known = entries.iter().find(|e| {
                    e.is_draft() && same_question(&e.question, &r.question) && e.answer == answer
                });
                if let Some(d) = known {
                    o.outcome = Outcome::Known;
                    o.entry = Some(d.id.clone());
                    o.why = "already a draft with this answer".into();
                } else if drafts
                    .iter()
                    .any(|(q, a)| same_question(q, &r.question) && *a == answer)
                {
                    o.outcome = Outcome::Known;
                    o.why = "an earlier row drafts the same answer".into();
                } else {
                    drafts.push((r.question.clone(), answer.clone()));
                    o.outcome = Outcome::Draft;
                    o.confidence = item.proposal.as_ref().map(|p| p.confidence);
                    o.why = match &item.proposal {
                        Some(p) if p.draft => format!("the closest entry, '{}', is a draft", p.id),
                        Some(p) => format!(
                            "no confident match (closest '{}' at {:.2})",
                            p.id, p.confidence
                        ),
                        None => "no library entry matches".into(),
                    };
                }
            }
        }
        out.push(o);
    }
    out
}

/// Who imports, when, and from which file, for the drafts' comments and the history.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub who: String,
    /// UTC `YYYY-MM-DDTHH:MM:SSZ`.
    pub when: String,
    /// The questionnaire's file name.
    pub questionnaire: String,
}

/// Carry out `rows` (from [`plan`]) on the library `library` loaded from `root`: alternates
/// and drafts are staged in a private copy of the library, which must load; then the changed
/// files replace the library's, each atomically, and the history records each change. With
/// `dry_run` the staged copy is checked and thrown away. Fills in the ids of new drafts.
pub fn apply(
    root: &Path,
    library: &Library,
    rows: &mut [RowOutcome],
    who: &Provenance,
    dry_run: bool,
) -> Result<()> {
    if !rows
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Alternate | Outcome::Draft))
    {
        return Ok(());
    }
    let stage = tempfile::Builder::new()
        .prefix("vouch-import-")
        .tempdir()
        .map_err(|e| Error::internal(format!("cannot make a staging folder: {e}")))?;
    let copied = copy_library(root, stage.path())?;
    let mut entries = library.entries.clone();
    for r in rows.iter_mut() {
        match r.outcome {
            Outcome::Alternate => {
                let Some(e) = r
                    .entry
                    .as_deref()
                    .and_then(|id| library.entries.iter().find(|e| e.id == id))
                else {
                    continue;
                };
                learn::add_alternate(stage.path(), e, &r.question)?;
            }
            Outcome::Draft => {
                let answer = escape_braces(&r.answer);
                let draft = Draft {
                    question: &r.question,
                    answer: &answer,
                    who: &who.who,
                    when: &who.when,
                    source: &who.questionnaire,
                };
                let (id, _) = learn::add_draft(stage.path(), &draft, &entries)?;
                r.entry = Some(id.clone());
                entries.push(Entry {
                    id,
                    question: r.question.clone(),
                    alternates: Vec::new(),
                    answer: r.answer.clone(),
                    template: None,
                    short_answer: None,
                    citations: Vec::new(),
                    tags: vec![super::DRAFT_TAG.to_string()],
                    owner: String::new(),
                    reviewed: None,
                    file: PathBuf::from(learn::DRAFTS_FILE),
                    line: 0,
                });
            }
            _ => {}
        }
    }
    // The changed library must load as it is, or nothing is written.
    super::load_library(stage.path()).map_err(|e| {
        Error::library(
            Location::file(root),
            format!("the import would break the library, so nothing was written: {e}"),
        )
    })?;
    if dry_run {
        return Ok(());
    }
    let mut changed: Vec<PathBuf> = super::load::library_files(stage.path())?
        .into_iter()
        .filter_map(|p| p.strip_prefix(stage.path()).ok().map(Path::to_path_buf))
        .collect();
    changed.retain(|rel| {
        let new = std::fs::read(stage.path().join(rel)).ok();
        let old = copied
            .contains(rel)
            .then(|| std::fs::read(root.join(rel)).ok())
            .flatten();
        new.is_some() && new != old
    });
    for rel in &changed {
        let bytes = std::fs::read(stage.path().join(rel))
            .map_err(|e| Error::internal(format!("cannot read staged {}: {e}", rel.display())))?;
        crate::atomic::write_bytes(&root.join(rel), &bytes)?;
    }
    let lines: Vec<HistoryLine<'_>> = rows
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Alternate | Outcome::Draft))
        .map(|r| HistoryLine {
            when: &who.when,
            who: &who.who,
            questionnaire: &who.questionnaire,
            sheet: &r.sheet,
            row: r.row,
            question: &r.question,
            decision: match r.outcome {
                Outcome::Alternate => "import-answered: alternate".into(),
                _ => "import-answered: draft".into(),
            },
            entry: r.entry.clone(),
            before: r.library_answer.as_deref(),
            after: &r.answer,
        })
        .collect();
    learn::record(root, &lines)
}

/// A hand answer as library text: braces doubled where it would otherwise read as a fact
/// placeholder, so that the loaded answer is the team's text exactly.
fn escape_braces(text: &str) -> String {
    if super::facts::is_template(text) {
        text.replace('{', "{{").replace('}', "}}")
    } else {
        text.to_string()
    }
}

/// Copy the library's files (what the loader reads) from `root` into `to`, keeping their
/// folders; returns their paths relative to `root`.
fn copy_library(root: &Path, to: &Path) -> Result<Vec<PathBuf>> {
    let mut rels = Vec::new();
    for p in super::load::library_files(root)? {
        let rel = p.strip_prefix(root).unwrap_or(&p).to_path_buf();
        let dest = to.join(&rel);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::internal(format!("cannot stage {}: {e}", dir.display())))?;
        }
        std::fs::copy(&p, &dest)
            .map_err(|e| Error::library(Location::file(&p), format!("cannot read: {e}")))?;
        rels.push(rel);
    }
    Ok(rels)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words as the tests compare them: lower-case, without stop words, crudely stemmed.
    fn words(s: &str) -> Vec<String> {
        const STOP: &[&str] = &[
            "the", "a", "and", "of", "to", "is", "are", "we", "our", "in",
        ];
        s.split(|c: char| !c.is_alphanumeric() && c != '/')
            .filter(|w| !w.is_empty())
            .map(|w| w.to_lowercase().trim_end_matches('s').to_string())
            .filter(|w| !STOP.contains(&w.as_str()))
            .collect()
    }

    fn agree(ts: Option<ShortAnswer>, t: &str, ls: Option<ShortAnswer>, l: &str) -> bool {
        agreement(ts, t, ls, l, &words).agrees
    }

    use ShortAnswer::*;

    #[test]
    fn short_answers_decide_when_both_have_one() {
        assert!(agree(
            Some(Yes),
            "Yes. Whatever the details say",
            Some(Yes),
            "Yes. Data is encrypted."
        ));
        let a = agreement(Some(No), "No", Some(Yes), "Yes. Since 2024.", &words);
        assert!(!a.agrees);
        assert_eq!(a.why, "the library answers Yes; they answered No");
        assert!(!agree(Some(Partial), "Partial", Some(Yes), "Yes."));
    }

    #[test]
    fn otherwise_numbers_must_match_and_words_overlap() {
        let lib = "Backups are kept for 30 days, then deleted.";
        assert!(agree(None, "30 days", None, lib));
        let a = agreement(None, "14 days", None, lib, &words);
        assert!(!a.agrees);
        assert!(a.why.contains("14"), "{}", a.why);
        assert!(agree(
            None,
            "Quarterly",
            None,
            "Quarterly. Owners review access."
        ));
        assert!(!agree(
            None,
            "Annually, by the CISO",
            None,
            "Quarterly. Owners review access."
        ));
        // A bare Yes against an answer without one: nothing to compare.
        assert!(!agree(Some(Yes), "Yes", None, "Keys rotate every 90 days."));
    }

    #[test]
    fn numbers_are_read_as_written() {
        let n: Vec<String> = numbers("TLS 1.2 or 1.3, AES-256, 10,000 users in 2026.")
            .into_iter()
            .collect();
        assert_eq!(n, ["1.2", "1.3", "10000", "2026", "256"]);
    }

    #[test]
    fn hand_short_answers() {
        assert_eq!(hand_short("Yes"), Some(Yes));
        assert_eq!(hand_short(" y "), Some(Yes));
        assert_eq!(hand_short("No."), Some(No));
        assert_eq!(hand_short("N/A"), Some(NotApplicable));
        assert_eq!(hand_short("Not applicable"), Some(NotApplicable));
        assert_eq!(hand_short("Partial"), Some(Partial));
        assert_eq!(hand_short("Partially, see notes"), Some(Partial));
        assert_eq!(hand_short("Yes, since 2024"), Some(Yes));
        assert_eq!(hand_short("Quarterly"), None);
        assert_eq!(hand_short("Nothing is stored"), None);
    }

    fn row(answer: Option<&str>, comment: Option<&str>) -> QuestionRow {
        QuestionRow {
            sheet: "S".into(),
            row: 1,
            question: "Q?".into(),
            qid: None,
            section: None,
            context: Vec::new(),
            existing_answer: answer.map(String::from),
            existing_comment: comment.map(String::from),
        }
    }

    #[test]
    fn the_answer_joins_the_answer_and_comment_cells() {
        assert_eq!(
            hand_answer(&row(Some("Yes"), Some("AES-256."))).as_deref(),
            Some("Yes. AES-256.")
        );
        assert_eq!(
            hand_answer(&row(Some("Yes."), Some("AES-256."))).as_deref(),
            Some("Yes. AES-256.")
        );
        assert_eq!(
            hand_answer(&row(None, Some("See policy"))).as_deref(),
            Some("See policy")
        );
        assert_eq!(hand_answer(&row(Some("  "), None)), None);
        assert_eq!(hand_answer(&row(None, None)), None);
    }

    #[test]
    fn braces_are_kept_as_written() {
        assert_eq!(escape_braces("No braces."), "No braces.");
        assert_eq!(escape_braces("Uses {soc2.period}"), "Uses {{soc2.period}}");
    }
}
