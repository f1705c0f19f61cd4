//! Entries the matcher cannot tell apart, found by asking it.
//!
//! Two entries are duplicates, for a questionnaire, when a fill would answer one's question
//! with the other. Text similarity misses that (different words, same meaning) and
//! overstates it (same words, different subject), so lint asks the matcher itself, the way
//! `vouch eval --held-out` does: every alternate phrasing is held out of its entry and asked,
//! and every entry is removed in turn and its question asked. Then
//! - an alternate answered by another entry without review is a **confusion**;
//! - an alternate whose two best entries score within a hair of each other is a **tie**;
//! - an entry whose question, with the entry gone, another entry answers without review is a
//!   **near duplicate** of that entry;
//! - a confusion between two entries whose short answers are opposite (Yes and No) is a
//!   **contradiction**: a fill may write the wrong one of two opposite answers.

use std::collections::BTreeMap;

use super::{Finding, Severity};
use crate::error::Result;
use crate::fill::Thresholds;
use crate::knowledge::{Entry, Library, ShortAnswer};
use crate::matcher::semantic::Semantic;

/// Held-out rounds: each phrasing is asked once, of a library without it.
const FOLDS: usize = 5;

/// Two first scores closer than this share of the first are a tie.
const TIE_MARGIN: f32 = 0.02;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Contradiction,
    Confusion,
    NearDuplicate,
    Tie,
}

/// What is known about one ordered pair (asked entry, entry that took it).
#[derive(Default)]
struct Pair {
    kinds: Vec<Kind>,
    example: String,
    count: usize,
}

/// The matcher's confusions in `library` (words only, or by meaning with `semantic`).
pub fn check(library: &Library, semantic: Option<&Semantic>) -> Result<Vec<Finding>> {
    let t = Thresholds::for_mode(semantic.is_some());
    let r = crate::eval::evaluate_held_out(library, semantic, FOLDS, t, false)?;
    let by_id: BTreeMap<&str, &Entry> =
        library.entries.iter().map(|e| (e.id.as_str(), e)).collect();
    let by_question: BTreeMap<&str, &Entry> = library
        .entries
        .iter()
        .map(|e| (e.question.as_str(), e))
        .collect();
    let mut pairs: BTreeMap<(String, String), Pair> = BTreeMap::new();
    for j in &r.items {
        let auto = j.status == "auto";
        let Some(first) = j.ranked.first() else {
            continue;
        };
        match j.gold.first() {
            // An alternate of `gold`, held out: answered by another entry without review.
            Some(gold) if first != gold && auto => {
                record(&mut pairs, gold, first, Kind::Confusion, &j.question);
            }
            // The two best entries, one of them the right one, score within a hair.
            Some(gold) => {
                let close = match (j.scores.first(), j.scores.get(1)) {
                    (Some(&a), Some(&b)) => a > 0.0 && (a - b) / a < TIE_MARGIN,
                    _ => false,
                };
                let second = j.ranked.get(1);
                let other = if first == gold { second } else { Some(first) };
                let involves_gold = first == gold || second == Some(gold);
                if let (true, true, Some(other)) = (close, involves_gold, other) {
                    record(&mut pairs, gold, other, Kind::Tie, &j.question);
                }
            }
            // A removed entry's question, answered without review by another entry.
            None if auto => {
                if let Some(e) = by_question.get(j.question.as_str()) {
                    if &e.id != first {
                        record(&mut pairs, &e.id, first, Kind::NearDuplicate, &j.question);
                    }
                }
            }
            None => {}
        }
    }
    // One finding per unordered pair, the worst kind first.
    let mut merged: BTreeMap<(String, String), Pair> = BTreeMap::new();
    for ((a, b), p) in pairs {
        let key = if a <= b { (a, b) } else { (b, a) };
        let m = merged.entry(key).or_default();
        m.kinds.extend(p.kinds);
        m.count += p.count;
        if m.example.is_empty() {
            m.example = p.example;
        }
    }
    let mut out = Vec::new();
    for ((a, b), mut p) in merged {
        let (Some(ea), Some(eb)) = (by_id.get(a.as_str()), by_id.get(b.as_str())) else {
            continue;
        };
        // Opposite answers, one written for a phrasing of the other without review while
        // both are in the library.
        let drafted = p.kinds.contains(&Kind::Confusion);
        if drafted && opposite(ea.short_answer, eb.short_answer) {
            p.kinds.push(Kind::Contradiction);
        }
        p.kinds.sort();
        let worst = p.kinds[0];
        let (severity, rule, what) = match worst {
            Kind::Contradiction => (
                Severity::Error,
                "contradiction",
                format!(
                    "'{a}' ({}) and '{b}' ({}) give opposite answers, and a fill writes one for the other without review",
                    short(ea.short_answer),
                    short(eb.short_answer)
                ),
            ),
            Kind::Confusion => (
                Severity::Warning,
                "confusable",
                format!("a fill would answer a question of '{a}' or '{b}' with the other, without review"),
            ),
            Kind::NearDuplicate => (
                Severity::Warning,
                "near-duplicate",
                format!("'{a}' and '{b}' answer the same question: without one, the other is drafted for it"),
            ),
            Kind::Tie => (
                Severity::Warning,
                "tie",
                format!(
                    "questions cannot tell '{a}' from '{b}': their scores tie{}",
                    if opposite(ea.short_answer, eb.short_answer) {
                        ", and their answers are opposite"
                    } else {
                        ""
                    }
                ),
            ),
        };
        out.push(Finding::new(
            severity,
            rule,
            format!("{a} / {b}"),
            format!("{}:{}", ea.file.display(), ea.line),
            format!(
                "{what} ({} held-out {}, e.g. \"{}\"); sharpen their questions and alternates, or merge them",
                p.count,
                if p.count == 1 { "question" } else { "questions" },
                p.example
            ),
        ));
    }
    Ok(out)
}

fn record(
    pairs: &mut BTreeMap<(String, String), Pair>,
    asked: &str,
    took: &str,
    kind: Kind,
    question: &str,
) {
    let p = pairs
        .entry((asked.to_string(), took.to_string()))
        .or_default();
    p.kinds.push(kind);
    p.count += 1;
    if p.example.is_empty() {
        p.example = question.to_string();
    }
}

/// Yes against No: the two answers cannot both be right for one question.
fn opposite(a: Option<ShortAnswer>, b: Option<ShortAnswer>) -> bool {
    matches!(
        (a, b),
        (Some(ShortAnswer::Yes), Some(ShortAnswer::No))
            | (Some(ShortAnswer::No), Some(ShortAnswer::Yes))
    )
}

fn short(s: Option<ShortAnswer>) -> &'static str {
    s.map_or("no short answer", ShortAnswer::as_str)
}
