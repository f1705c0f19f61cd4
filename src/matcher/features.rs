//! Features: how one candidate entry fits the question, measured several ways.
//!
//! BM25 finds entries that share words with a question; it cannot tell "SOC 1" asked from
//! "SOC 2" offered, a question answered by an entry's phrasing from one answered only by its
//! answer text, or a frequency bar ("at least monthly") met from one missed. Each of those is
//! measured here as a share in [0, 1] that a reviewer would recognise, kept as [`Features`]
//! so that `vouch explain` and calibration can show why a candidate ranks where it does.
//! What is the same for every candidate of a question is worked out once, as [`Asked`].
//! Measuring only: how the features weigh against each other is `score`'s business.

use super::prepare::{is_anchor, Prepared, TermSet};
use super::Matcher;
use crate::text::HashMap;

/// The measurements behind a candidate's score, kept for calibration and explanation.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Features {
    /// F1 of question-coverage and phrasing-coverage for the best phrasing.
    pub phrasing: f32,
    /// Share of the question's weight explained by the best phrasing.
    pub question_cov: f32,
    /// Share of the question's weight found anywhere in the entry's phrasings and tags.
    pub entry_cov: f32,
    /// Share of the question's weight found in the answer text.
    pub answer_cov: f32,
    /// Share of the context's weight found in the entry (0 when there is no context).
    pub context_cov: f32,
    /// Share of the question's named things (synonym concepts, identifiers with digits) that
    /// the entry never mentions: "SOC 1" asked, only "SOC 2" offered.
    pub anchor_miss: f32,
    /// Share of the entry's defining terms that neither the question nor its context has.
    pub core_miss: f32,
    /// Share of the question's topic words (named things and the library's topic-tag words)
    /// that the entry's phrasings and tags lack.
    pub topic_miss: f32,
    /// Share of the entry's named things (synonym concepts, identifiers in its topic tags or
    /// in most of its phrasings) that neither the question nor its context mentions: an entry
    /// about "SOC 1" offered for a question that never says which report.
    pub named_extra: f32,
    /// Share of the question's tagged named things (named things some entry is tagged with:
    /// SOC 1, ISO 27701, MFA) that the entry lacks.
    pub strong_miss: f32,
    /// Share of what the question sets aside ("other than X", "not just X") that the entry is
    /// about.
    pub excluded_hit: f32,
    /// 1 when the entry lacks one of the question's contrast words (words that tell sibling
    /// entries apart, see `contrasts`) while it is tagged with a sibling the question never
    /// names: "SOC 1" asked, an entry about "SOC 2" offered. Otherwise the share of the
    /// question's tagged named things the entry lacks, when it is about another tagged thing.
    pub conflict: f32,
    /// 1 when the conflict is a clash of contrast words (not only a missing tagged thing).
    pub clash: f32,
    /// 1 when a phrasing of the entry asks for the same kind of answer as the question
    /// ("Where can we check ...?" and "Where can we see ...?").
    pub kind: f32,
    /// 1 when the question sets a frequency bar ("at least monthly") and the entry states only
    /// lower frequencies ("quarterly").
    pub bar_unmet: f32,
    /// 1 when the entry states frequencies both above and below that bar ("backups daily,
    /// restores tested annually"): which one applies is not known.
    pub bar_mixed: f32,
    /// 1 when the question names an acronym the library never uses ("HITRUST"): the
    /// question may be about something the library cannot answer.
    pub unknown_named: f32,
    /// 1 when the question is worded exactly as one of the entry's phrasings.
    pub exact: f32,
    /// 1 when the row's question id (letters and digits, `A&A-01.1`) is the entry's id (a
    /// team's library of last year's CAIQ answers, keyed by CAIQ ids).
    pub same_id: f32,
    /// Cosine of the question's vector and the entry's closest phrasing's (0 when matching by
    /// words only).
    pub semantic: f32,
    /// Cosine of the question's vector and the entry's answer text's (0 when matching by
    /// words only).
    pub answer_semantic: f32,
}

/// What is worked out once per question for every candidate's features.
pub(super) struct Asked<'q> {
    /// The words of the question's concepts, for entries that write a concept in part.
    comps: HashMap<&'q str, Vec<String>>,
    /// A frequency the question sets as a bar ("at least monthly"), with its rank.
    at_least: Option<(&'q str, usize)>,
    /// The weight of each question term, in order.
    q_weights: Vec<f32>,
    /// Each question term's id (None: no phrasing has it), in order.
    q_ids: Vec<Option<u32>>,
    /// The ids of each question concept's words, when it has several.
    comp_ids: Vec<Option<Vec<Option<u32>>>>,
    /// The weights of the question's and context's terms, looked up once per question
    /// rather than once per candidate and phrasing.
    weights: HashMap<&'q str, f32>,
    /// The question's named things (SOC 2, MFA, ids), and their weight.
    anchors: (Vec<String>, f32),
    /// Its named things and the library's topic words, and their weight.
    topics: (Vec<String>, f32),
    /// Its named things that some entry's topic tags name, and their weight.
    strong: (Vec<String>, f32),
}

impl<'q> Asked<'q> {
    /// Looks up, once per question, what every candidate's features need.
    pub(super) fn new(
        m: &Matcher<'_>,
        q_terms: &'q [String],
        c_terms: &'q [String],
        x_terms: &'q [String],
    ) -> Asked<'q> {
        // The words of the question's concepts, for entries that write a concept in part.
        let comps: HashMap<&str, Vec<String>> = q_terms
            .iter()
            .map(|t| (t.as_str(), m.si.analyzer.components(t)))
            .filter(|(_, c)| c.len() > 1)
            .collect();
        let q_weights: Vec<f32> = q_terms.iter().map(|t| m.weight(t)).collect();
        let weights = q_terms
            .iter()
            .chain(c_terms)
            .chain(x_terms)
            .map(|t| (t.as_str(), m.weight(t)))
            .collect();
        let q_ids = q_terms.iter().map(|t| m.lib.ids.get(t).copied()).collect();
        let comp_ids = q_terms
            .iter()
            .map(|t| {
                comps
                    .get(t.as_str())
                    .map(|c| c.iter().map(|x| m.lib.ids.get(x).copied()).collect())
            })
            .collect();
        let mut asked = Asked {
            q_ids,
            comp_ids,
            comps,
            at_least: m.at_least(q_terms),
            q_weights,
            weights,
            anchors: Default::default(),
            topics: Default::default(),
            strong: Default::default(),
        };
        let weighed = |a: &Asked<'_>, terms: Vec<String>| {
            let w = terms.iter().map(|t| a.weight(m, t)).sum();
            (terms, w)
        };
        let anchors: Vec<String> = q_terms.iter().filter(|t| m.is_named(t)).cloned().collect();
        let topics = q_terms
            .iter()
            .filter(|t| is_anchor(t) || m.lib.topics.contains(*t))
            .cloned()
            .collect();
        let strong = anchors
            .iter()
            .filter(|t| m.lib.tagged.contains(*t))
            .cloned()
            .collect();
        asked.topics = weighed(&asked, topics);
        asked.strong = weighed(&asked, strong);
        asked.anchors = weighed(&asked, anchors);
        asked
    }

    /// The question's total weight.
    pub(super) fn question_weight(&self) -> f32 {
        self.q_weights.iter().sum()
    }

    pub(super) fn weight(&self, m: &Matcher<'_>, t: &str) -> f32 {
        match self.weights.get(t) {
            Some(w) => *w,
            None => m.weight(t),
        }
    }
}

/// Credit for a question concept of which an entry has some of the words, per share of them.
const PART_CREDIT: f32 = 0.5;

/// Weight of a row's context at which its agreement with an entry counts fully, as a share of
/// the weight of a word the library never uses (so that it scales with the library's size).
const CONTEXT_FULL_SHARE: f32 = 0.6;

impl Matcher<'_> {
    pub(super) fn features(
        &self,
        p: &Prepared<'_>,
        q: &[String],
        wq: f32,
        ctx: &[String],
        wc: f32,
        asked: &Asked<'_>,
    ) -> Features {
        let (comps, at_least) = (&asked.comps, asked.at_least);
        // "At least monthly" is met by an entry that states a frequency as high or higher
        // ("weekly"): the frequency is a bar to clear, not the topic.
        // Against a bar ("at least monthly") the entry may state frequencies above it
        // ("weekly"), below it ("quarterly"), or both ("backups daily, restores tested
        // annually"), when it is not known which applies.
        let states = |f: &String| p.union.contains(f) || p.answer.contains(f);
        let (above, below) = at_least.map_or((false, false), |(_, rank)| {
            (
                self.lib.frequencies.iter().take(rank + 1).any(states),
                self.lib.frequencies.iter().skip(rank + 1).any(states),
            )
        });
        // Only higher: the bar is met, the frequency is found.
        let met = at_least.and_then(|(t, _)| (above && !below).then_some(t));
        // Only lower: the answer says no to the question, whatever its Yes says.
        let bar_unmet = below && !above;
        let bar_mixed = below && above;
        // A question concept the entry writes in part ("contract termination" against "after
        // termination") is that part found.
        let found = |set: TermSet<'_>, t: &str| -> f32 {
            if set.contains(t) {
                return 1.0;
            }
            comps.get(t).map_or(0.0, |c| {
                PART_CREDIT * c.iter().filter(|x| set.contains(x)).count() as f32 / c.len() as f32
            })
        };
        let mut best = (0.0f32, 0.0f32);
        // The same sums as `found` over the phrasing's terms, with term ids.
        let has = |ids: &[u32], id: &Option<u32>| id.is_some_and(|i| ids.binary_search(&i).is_ok());
        for ((set, parts), wp) in p
            .phrasings
            .iter()
            .zip(p.phrasing_parts)
            .zip(p.phrasing_weights)
        {
            let m: f32 = asked
                .q_ids
                .iter()
                .zip(&asked.q_weights)
                .zip(&asked.comp_ids)
                .map(|((id, w), comps)| {
                    let f = if has(parts, id) || has(set, id) {
                        1.0
                    } else {
                        comps.as_ref().map_or(0.0, |c| {
                            PART_CREDIT * c.iter().filter(|x| has(set, x)).count() as f32
                                / c.len() as f32
                        })
                    };
                    f * w
                })
                .sum();
            if m <= 0.0 {
                continue;
            }
            let cq = m / wq;
            let cp = (m / wp.max(1e-6)).min(1.0);
            let f1 = 2.0 * cq * cp / (cq + cp);
            if f1 > best.0 {
                best = (f1, cq);
            }
        }
        let share = |terms: &[String], total: f32, set: &dyn Fn(&str) -> bool| -> f32 {
            if total <= 0.0 {
                return 0.0;
            }
            terms
                .iter()
                .filter(|t| set(t))
                .map(|t| asked.weight(self, t))
                .sum::<f32>()
                / total
        };
        let (anchors, wa) = (&asked.anchors.0, asked.anchors.1);
        let (topics, wt) = (&asked.topics.0, asked.topics.1);
        let (strong, ws) = (&asked.strong.0, asked.strong.1);
        // An entry's concept the question writes apart ("a diagram of the network" for
        // "network diagram") is in the question.
        let in_q = |t: &str| {
            q.iter().any(|x| x == t)
                || ctx.iter().any(|x| x == t)
                || t.starts_with(crate::text::CONCEPT_PREFIX) && {
                    let c = self.si.analyzer.components(t);
                    c.len() > 1 && c.iter().all(|w| q.contains(w))
                }
        };
        let core_w: f32 = p.core().map(|t| asked.weight(self, t)).sum();
        let core_miss = if core_w > 0.0 {
            p.core()
                .filter(|t| !in_q(t))
                .map(|t| asked.weight(self, t))
                .sum::<f32>()
                / core_w
        } else {
            0.0
        };
        let named: Vec<String> = p.anchors().filter(|t| self.is_named(t)).cloned().collect();
        let wn: f32 = named.iter().map(|t| asked.weight(self, t)).sum();
        let missed = |terms: &[String], total: f32| -> f32 {
            if total <= 0.0 {
                return 0.0;
            }
            terms
                .iter()
                .map(|t| {
                    let f = if met == Some(t.as_str()) {
                        1.0
                    } else {
                        found(p.union, t)
                    };
                    (1.0 - f) * asked.weight(self, t)
                })
                .sum::<f32>()
                / total
        };
        let strong_miss = missed(strong, ws);
        // The question's contrast words, and those the entry answers with a sibling instead.
        let clashes = |t: &String| {
            !p.union.contains(t)
                && self
                    .lib
                    .contrasts
                    .get(t)
                    .is_some_and(|sib| sib.iter().any(|y| p.tag_terms.contains(y) && !in_q(y)))
        };
        // A clash counts fully whatever the weights of its words: "SOC 2" may be the
        // library's commonest name, yet an entry about SOC 1 offered for it is wrong.
        let conflict: f32 = if q.iter().any(clashes) { 1.0 } else { 0.0 };
        // Broadly: the question names a tagged thing the entry lacks while the entry is
        // about another tagged thing the question never names.
        let sibling = named.iter().any(|t| {
            self.lib.tagged.contains(t) && !in_q(t) && !t.bytes().all(|b| b.is_ascii_digit())
        });
        let broad = if sibling { strong_miss } else { 0.0 };
        Features {
            bar_unmet: if bar_unmet { 1.0 } else { 0.0 },
            bar_mixed: if bar_mixed { 1.0 } else { 0.0 },
            kind: 0.0,
            unknown_named: 0.0,
            exact: 0.0,
            same_id: 0.0,
            semantic: 0.0,
            answer_semantic: 0.0,
            conflict: conflict.max(broad),
            clash: conflict,
            topic_miss: share(topics, wt, &|t| !p.union.contains(t) && met != Some(t)),
            named_extra: share(&named, wn, &|t| !in_q(t)),
            strong_miss,
            excluded_hit: 0.0,
            // A named thing only the answer states ("annually", "AES-256") is half missed.
            anchor_miss: missed(anchors, wa)
                - 0.5
                    * share(anchors, wa, &|t| {
                        !p.union.contains(t) && p.answer.contains(t) && met != Some(t)
                    }),
            core_miss,
            phrasing: best.0,
            question_cov: best.1,
            entry_cov: share(q, wq, &|t| p.union.contains(t) || p.parts.contains(t)),
            answer_cov: share(q, wq, &|t| p.answer.contains(t)),
            // Context the entry is about counts fully; context its answer merely mentions
            // ("separately from the DR test") counts less.
            // A context of common words ("Security") says little: its credit grows with its
            // weight up to that of one distinctive word.
            context_cov: (0.6 * share(ctx, wc, &|t| p.union.contains(t))
                + 0.4 * share(ctx, wc, &|t| p.union.contains(t) || p.answer.contains(t)))
                * (wc / (CONTEXT_FULL_SHARE * self.lib.unknown_idf)).min(1.0),
        }
    }

    /// Share of what the question sets aside ("other than X", `x_terms`) that the entry is
    /// about: 0 when it sets nothing aside.
    pub(super) fn excluded_hit(
        &self,
        p: &Prepared<'_>,
        x_terms: &[String],
        asked: &Asked<'_>,
    ) -> f32 {
        let wx: f32 = x_terms.iter().map(|t| asked.weight(self, t)).sum();
        if wx > 0.0 {
            x_terms
                .iter()
                .filter(|t| p.union.contains(t))
                .map(|t| asked.weight(self, t))
                .sum::<f32>()
                / wx
        } else {
            0.0
        }
    }
}
