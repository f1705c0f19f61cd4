//! `vouch eval --held-out`: a library measured on its own phrasings, each held out in turn.
//!
//! A gold file measures the questionnaires someone labelled; every library can also measure
//! itself. An alternate phrasing is a question whose answer is known: take it out of its
//! entry, index the library without it, and ask it. A whole entry is a question the library
//! cannot answer once it is gone: take it out, and ask its canonical question. Done in
//! `folds` rounds, so that every alternate and every entry is held out exactly once, this
//! gives the figures of a gold file (top-1, top-3, auto precision and coverage, rejection) on
//! questions no rule or weight was tuned on, for any library, without labelling.
//!
//! Rejection here is a lower bound: a removed entry may be answered, rightly, by a neighbour
//! that covers it ("Is Availability in scope?" by "All five criteria are in scope").

use crate::error::Result;
use crate::fill::{self, Thresholds};
use crate::knowledge::Library;
use crate::matcher::semantic::Semantic;
use crate::matcher::Matcher;
use crate::sheet::QuestionRow;

use super::{Gold, Judged};

/// The judged file name of held-out questions.
pub const HELD_OUT: &str = "held-out";

/// One question asked of a variant of the library, with its expected answer (None: the
/// entry that answered it was removed).
struct Ask {
    question: String,
    gold: Option<String>,
}

/// Judge every alternate phrasing and every canonical question of `library`, held out in
/// `folds` rounds.
pub fn held_out(
    library: &Library,
    semantic: Option<&Semantic>,
    folds: usize,
    t: Thresholds,
    with_candidates: bool,
) -> Result<Vec<Judged>> {
    let folds = folds.max(2);
    let mut out = Vec::new();
    for fold in 0..folds {
        // Alternates: every `folds`-th phrasing of the library, counted across entries.
        let mut variant = library.clone();
        let mut asks = Vec::new();
        let mut n = 0usize;
        for e in &mut variant.entries {
            let mut kept = Vec::with_capacity(e.alternates.len());
            for alt in e.alternates.drain(..) {
                if n % folds == fold {
                    asks.push(Ask {
                        question: alt,
                        gold: Some(e.id.clone()),
                    });
                } else {
                    kept.push(alt);
                }
                n += 1;
            }
            e.alternates = kept;
        }
        judge_variant(
            &variant,
            semantic,
            &asks,
            "alternate",
            t,
            with_candidates,
            &mut out,
        )?;
        // Entries: every `folds`-th entry removed, its question asked.
        let mut variant = library.clone();
        let mut asks = Vec::new();
        let mut i = 0usize;
        variant.entries.retain(|e| {
            let removed = i % folds == fold;
            i += 1;
            if removed {
                asks.push(Ask {
                    question: e.question.clone(),
                    gold: None,
                });
            }
            !removed
        });
        judge_variant(
            &variant,
            semantic,
            &asks,
            "removed entry",
            t,
            with_candidates,
            &mut out,
        )?;
    }
    Ok(out)
}

/// Index `variant` in memory and judge `asks` against it, as one questionnaire.
fn judge_variant(
    variant: &Library,
    semantic: Option<&Semantic>,
    asks: &[Ask],
    difficulty: &str,
    t: Thresholds,
    with_candidates: bool,
    out: &mut Vec<Judged>,
) -> Result<()> {
    if asks.is_empty() || variant.entries.is_empty() {
        return Ok(());
    }
    let si = crate::index::in_memory(variant)?;
    // The variant's phrasing vectors come from the texts already encoded: every phrasing of
    // a variant is one of the library's.
    let semantic = match semantic {
        Some(s) => Some(s.with_vectors(s.vectors_for(&si.entries)?)),
        None => None,
    };
    let m = Matcher::new(&si).with_semantic(semantic);
    let m = m.for_questionnaire(asks.iter().map(|a| a.question.as_str()));
    for (k, a) in asks.iter().enumerate() {
        let row = QuestionRow {
            sheet: difficulty.to_string(),
            row: out.len() as u32 + k as u32,
            question: a.question.clone(),
            qid: None,
            section: None,
            context: Vec::new(),
            existing_answer: None,
            existing_comment: None,
        };
        let item = fill::decide(&row, &m, &si.entries, t, true);
        let ranking = with_candidates.then(|| m.rank(&fill::row_query(&row)));
        let g = Gold {
            file: HELD_OUT.into(),
            sheet: row.sheet.clone(),
            row: item.row,
            answer_ids: a.gold.iter().cloned().collect(),
            difficulty: difficulty.to_string(),
        };
        out.push(Judged::new(
            HELD_OUT.to_string(),
            &g,
            Some(&item),
            ranking.as_ref(),
            &si,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{Entry, ShortAnswer};

    fn entry(id: &str, question: &str, alternates: &[&str], answer: &str) -> Entry {
        Entry {
            id: id.into(),
            question: question.into(),
            alternates: alternates.iter().map(|s| s.to_string()).collect(),
            answer: answer.into(),
            template: None,
            short_answer: Some(ShortAnswer::Yes),
            citations: Vec::new(),
            tags: vec!["security".into()],
            owner: String::new(),
            reviewed: None,
            file: "lib.toml".into(),
            line: 1,
        }
    }

    #[test]
    fn every_alternate_and_every_entry_is_asked_once_without_itself() {
        let (synonyms, filler) = crate::knowledge::load::parse_thesaurus(
            std::path::Path::new("built-in"),
            crate::knowledge::load::DEFAULT_SYNONYMS,
        )
        .unwrap();
        let lib = Library {
            root: "lib".into(),
            entries: vec![
                entry(
                    "enc-rest",
                    "Is customer data encrypted at rest?",
                    &[
                        "Do you encrypt stored data?",
                        "Are databases encrypted on disk?",
                    ],
                    "Yes. AES-256 on every volume.",
                ),
                entry(
                    "pentest",
                    "Do you run annual penetration tests?",
                    &["Is a third party pentest performed every year?"],
                    "Yes. An external firm tests annually.",
                ),
                entry(
                    "mfa",
                    "Is MFA enforced for employees?",
                    &[],
                    "Yes. Hardware keys for all staff.",
                ),
            ],
            sources: Default::default(),
            synonyms,
            filler,
            facts: Default::default(),
        };
        let t = Thresholds {
            auto: fill::DEFAULT_AUTO_THRESHOLD,
            review: fill::DEFAULT_REVIEW_THRESHOLD,
        };
        let items = held_out(&lib, None, 2, t, false).unwrap();
        let alts: Vec<&Judged> = items.iter().filter(|j| !j.gold.is_empty()).collect();
        let removed: Vec<&Judged> = items.iter().filter(|j| j.gold.is_empty()).collect();
        assert_eq!(alts.len(), 3);
        assert_eq!(removed.len(), 3);
        let mut asked: Vec<&str> = items.iter().map(|j| j.question.as_str()).collect();
        asked.sort();
        asked.dedup();
        assert_eq!(asked.len(), 6, "{asked:?}");
        // A removed entry is never offered for its own question.
        for j in &removed {
            let own = lib
                .entries
                .iter()
                .find(|e| e.question == j.question)
                .unwrap();
            assert!(!j.ranked.contains(&own.id), "{j:?}");
        }
        // The held-out alternates still find their entries.
        for j in &alts {
            assert_eq!(j.ranked.first(), j.gold.first(), "{j:?}");
        }
    }
}
