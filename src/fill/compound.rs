//! Compound questions: "Do you encrypt data at rest and in transit?"
//!
//! A question that joins two asks must not be answered half. Detection needs no parser: the
//! question has a conjunction, a second candidate explains a substantial part of the question
//! that the first does not, and the conjunction separates the two (what only the first
//! explains on one side, what only the second explains on the other). A conjunction inside
//! one ask ("physical and logical access", "roles and responsibilities") joins its details and
//! is no compound. The other ask is then matched on its own; if that finds a confident answer,
//! both entries are cited, otherwise the row is sent to review.

use crate::knowledge::Entry;
use crate::matcher::{Candidate, Matcher, Query, Ranking};

use super::{Proposal, Thresholds};

/// Share of the question's weight a second entry must add to count as another part...
const MIN_EXTRA_SHARE: f32 = 0.2;
/// ...or share of what the first entry leaves out.
const MIN_REST_SHARE: f32 = 0.5;

/// Share of a part's own weight that may lie on the wrong side of the conjunction (a word
/// the question repeats, a filler word one entry happens to use).
const STRAY_SHARE: f32 = 0.4;

/// Share of a clause's weight that the first entry must leave unexplained for the clause to
/// count as a question of its own.
const UNEXPLAINED_SHARE: f32 = 0.5;

/// How many candidates after the first may be the other part.
const PART_CANDIDATES: usize = 5;

/// Words that open a clause after "and": a second question ("and can you share it?", "and
/// how long are they kept?"), not a second item of the first.
/// Besides the auxiliary verbs (`text::AUXILIARIES`).
const CLAUSE_OPENERS: &[&str] = &[
    "were", "how", "what", "when", "where", "which", "who", "whom", "whose", "why", "whether",
    "if", "you", "we", "they", "it", "please", "describe", "provide", "explain", "list", "specify",
    "indicate", "confirm",
];
/// Object pronouns that close a verb ("and keep them ...", "and test it").
const OBJECT_PRONOUNS: &[&str] = &["them", "it", "us", "these", "those", "this", "that"];

/// What detection found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Entries that answer the other parts.
    pub extra: Vec<Proposal>,
    /// True when every part found a confident answer.
    pub complete: bool,
    /// The text of an ask that no entry answers ("and for how long do you keep them?").
    pub unanswered: Option<String>,
    /// Confidence in the first entry for its own part of the question (the question without
    /// what only the other parts' entries explain), when the first entry still wins it.
    pub first_confidence: Option<f32>,
}

/// True when the text joins clauses or items: "and", "as well as", "&", "plus", "along with".
pub fn has_conjunction(text: &str) -> bool {
    !splits(text).is_empty()
}

/// One place where a question may join two asks.
#[derive(Debug, Clone, PartialEq)]
struct Split<'t> {
    before: &'t str,
    after: &'t str,
    /// The conjunction opens a clause: a comma before it, a question word, pronoun or verb
    /// with an object pronoun after it.
    clause: bool,
}

/// A split with the analysed terms of its two sides, worked out once per question.
struct Cut<'t> {
    split: Split<'t>,
    before: Vec<String>,
    after: Vec<String>,
}

/// The text before and after each conjunction.
fn splits(text: &str) -> Vec<Split<'_>> {
    let spans = crate::text::spans(text, char::is_alphanumeric);
    let word = |i: usize| spans.get(i).and_then(|&(s, e)| text.get(s..e));
    let is = |i: usize, w: &str| word(i).is_some_and(|x| x.eq_ignore_ascii_case(w));
    let is_any = |i: usize, ws: &[&str]| ws.iter().any(|w| is(i, w));
    let opens = |i: usize| is_any(i, CLAUSE_OPENERS) || is_any(i, crate::text::AUXILIARIES);
    let mut out = Vec::new();
    for (i, &(s, _)) in spans.iter().enumerate() {
        // The index of the conjunction's last word.
        let last = if is(i, "and") || is(i, "plus") {
            i
        } else if is(i, "as") && is(i + 1, "well") && is(i + 2, "as") {
            i + 2
        } else if is(i, "along") && is(i + 1, "with") {
            i + 1
        } else {
            continue;
        };
        let Some(before) = text.get(..s) else {
            continue;
        };
        let Some(after) = spans.get(last).and_then(|x| text.get(x.1..)) else {
            continue;
        };
        let next = last + 1;
        let clause = before.trim_end().ends_with([',', ';'])
            || opens(next)
            || (is(next, "also") && opens(next + 1))
            || is_any(next + 1, OBJECT_PRONOUNS);
        out.push(Split {
            before,
            after,
            clause,
        });
    }
    for (i, _) in text.match_indices('&') {
        if let (Some(before), Some(after)) = (text.get(..i), text.get(i + 1..)) {
            out.push(Split {
                before,
                after,
                clause: false,
            });
        }
    }
    out
}

/// The conjunction with `left` on one side and `right` on the other (up to `STRAY_SHARE` of
/// each): the analysed terms of `right`'s side, and whether the conjunction opens a clause.
fn other_side(
    m: &Matcher<'_>,
    cuts: &[Cut<'_>],
    left: &[&String],
    right: &[&String],
) -> Option<(Vec<String>, bool)> {
    if left.is_empty() || right.is_empty() {
        return None;
    }
    cuts.iter().find_map(|c| {
        let (tb, ta) = (&c.before, &c.after);
        // A term on both sides ("least privilege and need-to-know" both read as one concept)
        // is on neither.
        let within = |terms: &[&String], side: &[String], other: &[String]| {
            let stray = terms
                .iter()
                .copied()
                .filter(|t| !side.contains(t) || other.contains(t));
            m.weight_of(stray) <= STRAY_SHARE * m.weight_of(terms.iter().copied())
        };
        if within(left, tb, ta) && within(right, ta, tb) {
            Some((ta.clone(), c.split.clause))
        } else if within(left, ta, tb) && within(right, tb, ta) {
            Some((tb.clone(), c.split.clause))
        } else {
            None
        }
    })
}

/// Each side of each clause conjunction, with the share of its weight that `entry` neither
/// phrases nor answers; None for a bare follow-up whose kind the answer gives ("..., and how
/// often?" answered "weekly"), which the entry explains.
fn unexplained_sides<'t>(
    m: &Matcher<'_>,
    cuts: &[Cut<'t>],
    entry: usize,
    answer: &str,
) -> Vec<Option<(&'t str, f32)>> {
    let asks_kind = m.terms("how often how long how many how much when");
    let mut out = Vec::new();
    for c in cuts.iter().filter(|c| c.split.clause) {
        for (side, terms) in [(c.split.after, &c.after), (c.split.before, &c.before)] {
            let covered = m.covered(entry, terms);
            let answered = m.answered(entry, terms);
            let unexplained: Vec<&String> = terms
                .iter()
                .filter(|t| !covered.contains(t) && !answered.contains(t))
                .collect();
            let bare = !unexplained.is_empty() && unexplained.iter().all(|t| asks_kind.contains(t));
            if bare && gives_what_is_asked(side, answer) {
                out.push(None);
                continue;
            }
            let share = m.weight_of(unexplained) / m.weight_of(terms.iter()).max(f32::MIN_POSITIVE);
            out.push(Some((side, share)));
        }
    }
    out
}

/// Words that state how often.
const FREQUENCY_WORDS: &[&str] = &[
    "hourly",
    "daily",
    "weekly",
    "fortnightly",
    "monthly",
    "quarterly",
    "annually",
    "yearly",
    "biannually",
    "continuously",
    "continuous",
    "every",
    "each",
    "once",
    "twice",
    "nightly",
    "real",
    "semi",
];
/// Units that state how long.
const DURATION_UNITS: &[&str] = &[
    "second",
    "seconds",
    "minute",
    "minutes",
    "hour",
    "hours",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "indefinitely",
];

/// True when `answer` gives the kind of thing a "how often / how long / how many" follow-up
/// asks for: a frequency, a duration, a number.
fn gives_what_is_asked(ask: &str, answer: &str) -> bool {
    let ask = crate::text::words(ask);
    let has = |w: &str| ask.iter().any(|x| x == w);
    let answer = crate::text::words(answer);
    let numbers = answer
        .iter()
        .any(|w| w.chars().any(|c| c.is_ascii_digit()) || crate::text::number_word(w));
    if has("often") || has("frequently") || has("frequency") {
        answer.iter().any(|w| FREQUENCY_WORDS.contains(&w.as_str()))
    } else if has("long") {
        answer.iter().any(|w| DURATION_UNITS.contains(&w.as_str())) && numbers
    } else if has("many") || has("much") || has("when") {
        numbers
    } else {
        false
    }
}

/// Terms of `terms` that `entry` covers and `other` does not.
fn only<'q>(m: &Matcher<'_>, terms: &'q [String], entry: usize, other: usize) -> Vec<&'q String> {
    let theirs = m.covered(other, terms);
    m.covered(entry, terms)
        .into_iter()
        .filter(|t| !theirs.contains(t))
        .collect()
}

/// Find the other parts of a compound question, if it is one.
pub fn detect(
    query: &Query,
    ranking: &Ranking,
    m: &Matcher<'_>,
    entries: &[Entry],
    t: Thresholds,
) -> Option<Outcome> {
    if !has_conjunction(&query.text) {
        return None;
    }
    let first = ranking.top()?;
    let q_terms = m.terms(&query.text);
    let total = m.weight_of(&q_terms);
    if total <= 0.0 {
        return None;
    }
    let covered_first = m.covered(first.entry, &q_terms);
    let rest: Vec<String> = q_terms
        .iter()
        .filter(|t| !covered_first.contains(t))
        .cloned()
        .collect();
    let w_rest = m.weight_of(&rest);
    if w_rest / total < MIN_EXTRA_SHARE {
        return None;
    }
    let answer = entries.get(first.entry).map_or("", |e| e.answer.as_str());
    let cuts: Vec<Cut<'_>> = splits(&query.text)
        .into_iter()
        .map(|split| Cut {
            before: m.terms(split.before),
            after: m.terms(split.after),
            split,
        })
        .collect();
    let sides = unexplained_sides(m, &cuts, first.entry, answer);
    // A bare follow-up the first entry's answer gives is no second question.
    if sides.iter().any(Option::is_none) {
        return None;
    }
    // The candidate that explains most of what the first leaves out, on the other side of a
    // conjunction.
    // In score order: the shortlist shown to a reviewer may have been reordered.
    let mut by_score: Vec<&Candidate> = ranking.candidates.iter().skip(1).collect();
    by_score.sort_by(|x, y| y.score.total_cmp(&x.score));
    let mut other: Option<(f32, Vec<String>, bool, usize)> = None;
    for c in by_score.into_iter().take(PART_CANDIDATES) {
        let extra = m.weight_of(m.covered(c.entry, &rest));
        if extra < (MIN_EXTRA_SHARE * total).min(MIN_REST_SHARE * w_rest) || other.is_some() {
            continue;
        }
        let mine = only(m, &q_terms, first.entry, c.entry);
        let theirs = only(m, &q_terms, c.entry, first.entry);
        if let Some((side, clause)) = other_side(m, &cuts, &mine, &theirs) {
            other = Some((extra, side, clause, c.entry));
        }
    }
    let Some((_, side, clause, second)) = other else {
        // No entry explains the rest, but a clause of it that the first entry neither phrases
        // nor answers is a question of its own: never answer half.
        let ask = sides.into_iter().flatten().find_map(|(side, share)| {
            (share >= UNEXPLAINED_SHARE).then(|| side.trim().to_string())
        })?;
        return Some(Outcome {
            extra: Vec::new(),
            complete: false,
            unanswered: Some(ask),
            first_confidence: None,
        });
    };
    // Match the other ask on its own: what the first leaves out, its side of the conjunction
    // and the words both entries use (the object the parts share: "backups").
    let mut part_terms = rest;
    let shared = q_terms
        .iter()
        .filter(|t| covered_first.contains(t) && m.covered(second, &q_terms).contains(t));
    for t in side.iter().chain(shared) {
        if !part_terms.contains(t) {
            part_terms.push(t.clone());
        }
    }
    let c_terms = m.terms(&query.context.join(" "));
    let part = m.rank_terms(&part_terms, &c_terms);
    let best = part.top()?;
    // Items of one ask ("reviewed and recertified") whose second item finds no believable
    // entry of its own are details of the first, not a second question.
    if best.entry == first.entry || (!clause && part.confidence < t.review) {
        return None;
    }
    let e = entries.get(best.entry)?;
    // The first entry's own part: the question without what only the other part explains.
    let theirs = only(m, &q_terms, best.entry, first.entry);
    let own: Vec<String> = q_terms
        .iter()
        .filter(|t| !theirs.contains(t))
        .cloned()
        .collect();
    let own_ranking = m.rank_terms(&own, &c_terms);
    let first_confidence = own_ranking
        .top()
        .filter(|c| c.entry == first.entry)
        .map(|_| own_ranking.confidence);
    Some(Outcome {
        extra: vec![Proposal::from_entry(m, e, part.confidence, best)],
        complete: part.confidence >= t.auto,
        unanswered: None,
        first_confidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conjunctions() {
        assert!(has_conjunction("Encrypted at rest and in transit?"));
        assert!(has_conjunction("Backups & restores"));
        assert!(has_conjunction("Logs as well as alerts"));
        assert!(!has_conjunction("Do you use a random password?"));
        assert!(!has_conjunction("Is the brand name registered?"));
    }

    #[test]
    fn follow_ups_are_given_by_kind() {
        assert!(gives_what_is_asked("how often?", "Scans run weekly."));
        assert!(!gives_what_is_asked("how often?", "Yes, we scan."));
        assert!(gives_what_is_asked("for how long?", "Kept for 35 days."));
        assert!(!gives_what_is_asked("for how long?", "Kept in a vault."));
        assert!(gives_what_is_asked(
            "how much cover?",
            "Limits of $5 million."
        ));
        assert!(!gives_what_is_asked(
            "who approves it?",
            "The CISO, weekly."
        ));
    }

    #[test]
    fn clauses_are_told_from_items() {
        let clause = |q: &str| splits(q).iter().map(|s| s.clause).collect::<Vec<_>>();
        assert_eq!(
            clause("Are backups taken, and how long are they kept?"),
            [true]
        );
        assert_eq!(clause("Do you have a report and can you share it?"), [true]);
        assert_eq!(
            clause("Do you encrypt backups and keep them apart?"),
            [true]
        );
        assert_eq!(clause("Is data encrypted at rest and in transit?"), [false]);
        assert_eq!(clause("Are roles and responsibilities defined?"), [false]);
        let s = splits("Logs as well as alerts");
        assert_eq!((s[0].before, s[0].after), ("Logs ", " alerts"));
    }
}
