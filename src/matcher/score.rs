//! Scoring: the features of one candidate → one number to rank by.
//!
//! The features say, each on its own scale, how well an entry fits a question; ranking needs
//! them as one number. That weighing is kept apart from measuring so that a weight can be
//! tuned (against the labelled sets, with `vouch eval --candidates`) without touching how
//! any feature is measured, and so that every weight is found in one place. Also here: the
//! one reordering of the shortlist that looks at a single feature rather than the score.

use super::{Candidate, Features};

/// The reranking score: a weighted sum of the features.
pub fn score(f: &Features) -> f32 {
    0.55 * f.phrasing
        + 0.25 * f.entry_cov
        + 0.2 * f.answer_cov
        + 0.25 * f.context_cov
        + KIND_WEIGHT * f.kind
        + EXACT_WEIGHT * f.exact
        + SAME_ID_WEIGHT * f.same_id
        - 0.25 * f.anchor_miss
        - 0.15 * f.core_miss
        - 0.2 * f.topic_miss
        - 0.4 * f.excluded_hit
        - CONFLICT_PENALTY * f.conflict
        + meaning_score(f.semantic, f.answer_semantic)
}

/// The part of the score that is meaning: the cosines of the closest phrasing and of the
/// answer, weighed. The entries it ranks first are the ones retrieval by meaning adds to the
/// candidates.
pub fn meaning_score(phrasing: f32, answer: f32) -> f32 {
    SEMANTIC_WEIGHT * phrasing + ANSWER_SEMANTIC_WEIGHT * answer
}

/// [`meaning_score`] of every entry.
pub fn meaning(s: &super::semantic::Similarities) -> Vec<f32> {
    s.phrasing
        .iter()
        .zip(&s.answer)
        .map(|(p, a)| meaning_score(*p, *a))
        .collect()
}

/// Weight of the cosine in the score, beside the word features (whose best candidates score
/// about 1). Chosen among 0.5, 1, 2, 4 and 8 as the one that raised top-1 on the held-out
/// phrasings of both libraries and on the samples together (bench 0.969→0.962; VSAQ, never
/// tuned on, 0.592→0.648).
pub const SEMANTIC_WEIGHT: f32 = 1.0;

/// Weight of the cosine of the question and the entry's answer text. A question worded unlike
/// every phrasing is often close to the answer that states what it asks ("How much data
/// could be lost in a disaster?" and an answer giving the recovery point objective). Chosen
/// among 0, 0.25, 0.5, 0.75, 1 and 1.5 as the one that raised top-1 most on the held-out
/// phrasings of both libraries, the bench and the samples together (VSAQ, never tuned on,
/// only checked).
pub const ANSWER_SEMANTIC_WEIGHT: f32 = 1.0;

/// Score for a question worded exactly as one of the entry's phrasings: more than any sum
/// of word features can give another entry.
const EXACT_WEIGHT: f32 = 1.0;

/// Score for a question id the entry carries: enough to lead neighbours that differ in a
/// word or two ("... established?" and "... reviewed annually?" of one CAIQ control), not
/// enough to carry an entry whose words do not match.
const SAME_ID_WEIGHT: f32 = 0.3;

/// Score bonus for an entry phrased as the same kind of question.
const KIND_WEIGHT: f32 = 0.15;

/// Score penalty for an entry about a sibling of what the question names.
const CONFLICT_PENALTY: f32 = 0.5;

/// The shortlist (first three) offered to a reviewer holds the entry whose answer text
/// explains most of the question: when the phrasings mislead ("peer reviewed" read as code
/// review), the answer that states the asked facts is a second kind of evidence. It takes
/// second place; the winner and the confidence are unchanged.
pub(super) fn shortlist_best_answer(candidates: &mut [Candidate]) {
    let Some((best, _)) = candidates.iter().enumerate().max_by(|(i, x), (j, y)| {
        x.features
            .answer_cov
            .total_cmp(&y.features.answer_cov)
            .then(j.cmp(i))
    }) else {
        return;
    };
    if best >= 3 {
        candidates[1..=best].rotate_right(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_answer_text_joins_the_shortlist_second() {
        let cand = |entry: usize, answer_cov: f32| Candidate {
            entry,
            score: 1.0 - entry as f32 / 10.0,
            features: Features {
                answer_cov,
                ..Features::default()
            },
        };
        let order = |c: &[Candidate]| c.iter().map(|c| c.entry).collect::<Vec<_>>();
        let mut c = vec![
            cand(0, 0.1),
            cand(1, 0.0),
            cand(2, 0.2),
            cand(3, 0.1),
            cand(4, 0.5),
        ];
        shortlist_best_answer(&mut c);
        assert_eq!(order(&c), [0, 4, 1, 2, 3]);
        // Already on the shortlist (or the winner): nothing moves.
        let mut c = vec![cand(0, 0.6), cand(1, 0.0), cand(2, 0.2), cand(3, 0.5)];
        shortlist_best_answer(&mut c);
        assert_eq!(order(&c), [0, 1, 2, 3]);
        let mut c = vec![cand(0, 0.1), cand(1, 0.0), cand(2, 0.4), cand(3, 0.4)];
        shortlist_best_answer(&mut c);
        assert_eq!(order(&c), [0, 1, 2, 3]);
    }
}
