//! Compound questions: "Do you encrypt data at rest and in transit?"
//!
//! A question that joins two asks must not be answered half. Detection needs no grammar: the
//! question has a conjunction, and a second candidate explains a substantial part of the
//! question that the first candidate does not. The rest of the question is then matched on
//! its own; if that part finds a confident answer, both entries are cited, otherwise the row
//! is sent to review.

use crate::knowledge::Entry;
use crate::matcher::{Matcher, Query, Ranking};

use super::{Proposal, Thresholds};

/// Share of the question's weight a second entry must add to count as another part.
const MIN_EXTRA_SHARE: f32 = 0.2;

/// What detection found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Entries that answer the other parts.
    pub extra: Vec<Proposal>,
    /// True when every part found a confident answer.
    pub complete: bool,
}

/// True when the text joins clauses or items: "and", "as well as", "&", "plus", "along with".
pub fn has_conjunction(text: &str) -> bool {
    let w = crate::text::words(text);
    w.iter().any(|x| x == "and" || x == "plus")
        || text.contains('&')
        || text.to_lowercase().contains("as well as")
        || text.to_lowercase().contains("along with")
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
    if m.weight_of(&rest) / total < MIN_EXTRA_SHARE {
        return None;
    }
    // Does another candidate explain a substantial share of what the first leaves out?
    let second = ranking.candidates.iter().skip(1).take(5).find(|c| {
        let extra = m.covered(c.entry, &rest);
        m.weight_of(extra) / total >= MIN_EXTRA_SHARE
    })?;
    // Match the rest on its own, with the words the parts share (the verb, the object).
    let shared: Vec<String> = covered_first
        .iter()
        .filter(|t| m.covered(second.entry, &q_terms).contains(t))
        .map(|t| (*t).clone())
        .collect();
    let mut part_terms = rest.clone();
    part_terms.extend(shared);
    let c_terms = m.terms(&query.context.join(" "));
    let part = m.rank_terms(&part_terms, &c_terms);
    let best = part.top()?;
    if best.entry == first.entry {
        return None;
    }
    let e = entries.get(best.entry)?;
    Some(Outcome {
        extra: vec![Proposal::from_entry(e, part.confidence, best)],
        complete: part.confidence >= t.auto,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conjunctions() {
        assert!(has_conjunction("Encrypted at rest and in transit?"));
        assert!(has_conjunction("Backups & restores"));
        assert!(!has_conjunction("Do you use a random password?"));
    }
}
