//! Question → ranked library entries with a calibrated confidence.
//!
//! Two stages. Retrieval asks tantivy (BM25 over the analysed question, alternates, tags and
//! answer fields) for a generous candidate list and, with a model installed, adds the entries
//! nearest the question in meaning (`semantic`). Reranking then scores each candidate with
//! features a reviewer would recognise: how much of the question the entry's best phrasing
//! explains and how much of that phrasing the question covers (IDF-weighted, so the rare
//! words that tell near neighbours apart outweigh boilerplate), how much the entry as a whole
//! and its answer text explain, and whether the row's context (section heading, control title,
//! question-id prefix) agrees, plus the cosine of its closest phrasing. Confidence combines the winning score with its margin over the
//! runner-up. Plain data in, plain data out: no files, no printing.
//!
//! One file per stage, data flowing one way between them as plain structs: `question` reads
//! the question (typos, "the vendor", set-aside clauses); `prepare` derives what
//! the library says once per index; `retrieve` asks tantivy for candidates and `semantic`
//! the sentence encoder; `features`
//! measures each candidate against the question; `score` weighs the measurements into one
//! number; `confidence` calibrates the winner. This file holds the public types and
//! [`Matcher::rank`], which runs the stages in order.

use std::sync::Arc;

use crate::index::SearchIndex;
use crate::text::{Analyzer, HashMap, HashSet};

pub mod confidence;
mod features;
mod prepare;
mod question;
mod retrieve;
mod score;
pub mod semantic;

pub use features::Features;
pub use question::{
    matched_text, phrase_key, respondent_as_you, split_exclusions, MAX_MATCHED_WORDS,
};
pub use score::{meaning, meaning_score, score, ANSWER_SEMANTIC_WEIGHT, SEMANTIC_WEIGHT};

use features::Asked;
use prepare::{is_anchor, Derived, Prepared};
use score::shortlist_best_answer;

/// Weight multiplier of the library's filler words ("established", "documented").
const FILLER_WEIGHT: f32 = 0.2;
/// Highest weight of an everyday English word ("least", "through"), however rare in the library.
const EVERYDAY_CAP: f32 = 2.5;

/// A word used by more than this share of a questionnaire's questions is damped...
const BOILERPLATE_SHARE: f32 = 0.05;
/// ...if the questionnaire has at least this many questions.
const MIN_QUESTIONS_FOR_DAMPING: u32 = 20;

/// A question with what surrounds it on the sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Query {
    pub text: String,
    /// Section heading, control title, domain, question-id prefix: words that say what the
    /// question is about when its own words do not.
    pub context: Vec<String>,
    /// The row's question id (`A&A-01.1`), when the questionnaire numbers its questions.
    pub qid: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Position in `SearchIndex::entries`.
    pub entry: usize,
    pub score: f32,
    pub features: Features,
}

/// Ranked candidates (best first) and the confidence that the first is right.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    pub candidates: Vec<Candidate>,
    pub confidence: f32,
}

impl Ranking {
    pub fn top(&self) -> Option<&Candidate> {
        self.candidates.first()
    }
}

/// The matcher over one open index.
#[derive(Clone)]
pub struct Matcher<'a> {
    si: &'a SearchIndex,
    /// What the library says, derived once (see [`prepare`](prepare::prepare)).
    lib: Arc<Derived>,
    /// Per-questionnaire damping of words that most of its questions share (boilerplate such
    /// as "established, documented, approved"): term → multiplier in (0, 1].
    boilerplate: Arc<HashMap<String, f32>>,
    /// The terms each retrieval field holds, in `RETRIEVAL_FIELDS` order (None when the
    /// index could not be listed: then every clause is sent).
    field_terms: Arc<Option<Vec<HashSet<String>>>>,
    /// The semantic stage, when a model is installed.
    semantic: Option<semantic::Semantic>,
}

/// An entry's answer text and citations, allocated once.
type SharedAnswer = (Arc<str>, Arc<[crate::knowledge::Citation]>);

impl<'a> Matcher<'a> {
    pub fn new(si: &'a SearchIndex) -> Matcher<'a> {
        Matcher {
            si,
            lib: Arc::new(prepare::prepare(si)),
            field_terms: Arc::new(retrieve::field_terms(si)),
            boilerplate: Arc::new(HashMap::default()),
            semantic: None,
        }
    }

    /// This matcher with the semantic stage (or without it, for None).
    pub fn with_semantic(self, semantic: Option<semantic::Semantic>) -> Matcher<'a> {
        Matcher { semantic, ..self }
    }

    /// The semantic stage, when matching by meaning.
    pub fn semantic(&self) -> Option<&semantic::Semantic> {
        self.semantic.as_ref()
    }

    /// This matcher, tuned to one questionnaire: words that a large share of its questions
    /// use say little about any one of them, whatever the library thinks of them.
    pub fn for_questionnaire<'q>(
        &self,
        questions: impl IntoIterator<Item = &'q str>,
    ) -> Matcher<'a> {
        // Keys from the questionnaire: the standard keyed hasher.
        let mut df: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        let mut n = 0u32;
        let mut texts: Vec<&str> = Vec::new();
        for q in questions {
            n += 1;
            texts.push(matched_text(q).0);
            for t in self.terms(matched_text(q).0) {
                *df.entry(t).or_default() += 1;
            }
        }
        let mut damp = HashMap::default();
        if n >= MIN_QUESTIONS_FOR_DAMPING {
            for (t, d) in df {
                // Named things entries are tagged with (SOC 2, MFA) and identifiers with
                // digits are what a themed questionnaire is about, not boilerplate: never
                // damped. Other concepts ("annually", "documented") can be boilerplate.
                if self.lib.tagged.contains(&t) || t.bytes().any(|b| b.is_ascii_digit()) {
                    continue;
                }
                let share = d as f32 / n as f32;
                if share > BOILERPLATE_SHARE {
                    let m = ((1.0 / share).ln() / (1.0 / BOILERPLATE_SHARE).ln()).clamp(0.25, 1.0);
                    damp.insert(t, m);
                }
            }
        }
        // The questions' vectors, encoded in batches now rather than one by one while ranking.
        // A failure here only means each question is encoded when it is ranked.
        if let Some(s) = &self.semantic {
            let _ = s.prepare(texts);
        }
        Matcher {
            boilerplate: Arc::new(damp),
            ..self.clone()
        }
    }

    /// The shared answer text and citations of the entry at `entry`.
    pub fn shared_answer(&self, entry: usize) -> Option<SharedAnswer> {
        self.lib.answers.get(entry).cloned()
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.si.analyzer
    }

    fn weight(&self, t: &str) -> f32 {
        let mut w = self.lib.idf.get(t).copied().unwrap_or(self.lib.unknown_idf);
        if self.si.analyzer.is_everyday(t) {
            w = w.min(EVERYDAY_CAP);
        }
        let filler = if self.si.analyzer.is_filler(t) {
            FILLER_WEIGHT
        } else {
            1.0
        };
        w * filler * self.boilerplate.get(t).copied().unwrap_or(1.0)
    }

    /// Rank library entries for a question.
    pub fn rank(&self, q: &Query) -> Ranking {
        let a = &self.si.analyzer;
        let text = matched_text(&q.text).0;
        let (asked, set_aside) = split_exclusions(&respondent_as_you(&self.correct_typos(text)));
        let q_terms: Vec<String> = dedup(a.terms(&asked));
        let c_terms: Vec<String> = dedup(a.terms(&q.context.join(" ")));
        let x_terms: Vec<String> = dedup(a.terms(&set_aside))
            .into_iter()
            .filter(|t| !q_terms.contains(t))
            .collect();
        let sims = self.similarities(text);
        let sims = sims.as_ref();
        let mut r = self.rank_with(&q_terms, &c_terms, &x_terms, sims);
        // An entry phrased as the same kind of question ("where", "who", "how long") is the
        // likelier answer: the opening words are stop words to retrieval.
        if let Some(kind) = crate::text::question_kind(&asked) {
            for c in &mut r.candidates {
                if self
                    .lib
                    .prepared(c.entry)
                    .is_some_and(|p| p.kinds.iter().any(|k| k == kind))
                {
                    c.features.kind = 1.0;
                    c.score = score(&c.features);
                }
            }
            self.sort(&mut r.candidates);
        }
        // A question worded exactly as an entry's phrasing (a CAIQ answered before, asked
        // again) is that entry's, whatever the questionnaire's damping made of its words.
        if let Some(same) = self.lib.exact.get(&phrase_key(text)) {
            for c in &mut r.candidates {
                if same.contains(&c.entry) {
                    c.features.exact = 1.0;
                    c.score = score(&c.features);
                }
            }
            self.sort(&mut r.candidates);
        }
        // The row's question id is the entry's own: the same question of another version of
        // the questionnaire. Strong evidence, for a candidate the words
        // already found.
        // Bare numbers ("3.1") number many questionnaires alike and name nothing.
        let named_id = |x: &&str| {
            x.chars().any(|c| c.is_alphabetic()) && x.chars().any(|c| c.is_ascii_digit())
        };
        if let Some(qid) = q.qid.as_deref().map(str::trim).filter(named_id) {
            let mut any = false;
            for c in &mut r.candidates {
                let Some(e) = self.si.entries.get(c.entry) else {
                    continue;
                };
                if e.id.eq_ignore_ascii_case(qid) {
                    c.features.same_id = 1.0;
                    c.score = score(&c.features);
                    any = true;
                }
            }
            if any {
                self.sort(&mut r.candidates);
            }
        }
        let unknown = self.unknown_acronyms(&asked, &q_terms);
        if !unknown.is_empty() {
            for c in &mut r.candidates {
                c.features.unknown_named = 1.0;
            }
        }
        r.confidence = confidence::confidence(&r.candidates);
        shortlist_best_answer(&mut r.candidates);
        self.shortlist_heaviest(&mut r.candidates, &q_terms);
        r
    }

    /// Best score first; ties by entry id, so that the order does not depend on where the
    /// index happened to store each entry.
    fn sort(&self, candidates: &mut [Candidate]) {
        let id = |c: &Candidate| self.si.entries.get(c.entry).map(|e| e.id.as_str());
        candidates.sort_by(|x, y| y.score.total_cmp(&x.score).then_with(|| id(x).cmp(&id(y))));
    }

    /// The shortlist (first three) offered to a reviewer should hold an entry about the
    /// question's heaviest named thing: when none of the first three has it, the best-ranked
    /// entry that does takes third place. The winner and the confidence are unchanged.
    fn shortlist_heaviest(&self, candidates: &mut [Candidate], q_terms: &[String]) {
        let Some(heaviest) = q_terms
            .iter()
            .filter(|t| self.is_named(t))
            .max_by(|a, b| self.weight(a).total_cmp(&self.weight(b)))
        else {
            return;
        };
        let has = |c: &Candidate| {
            self.lib
                .prepared(c.entry)
                .is_some_and(|p| p.union.contains(heaviest))
        };
        if candidates.len() <= 3 || candidates.iter().take(3).any(has) {
            return;
        }
        if let Some(i) = candidates.iter().skip(3).position(has) {
            candidates[2..=i + 3].rotate_right(1);
        }
    }

    /// A named thing (see `is_anchor`) that is not filler: filler concepts ("organisation")
    /// are wrapping, never what a question or an entry names.
    fn is_named(&self, t: &str) -> bool {
        is_anchor(t) && !self.si.analyzer.is_filler(t)
    }

    /// The analysed, de-duplicated terms of a text.
    pub fn terms(&self, text: &str) -> Vec<String> {
        dedup(self.si.analyzer.terms(text))
    }

    /// Rank for already analysed question and context terms.
    pub fn rank_terms(&self, q_terms: &[String], c_terms: &[String]) -> Ranking {
        self.rank_excluding(q_terms, c_terms, &[])
    }

    /// Rank for analysed question and context terms, penalising entries about `x_terms`,
    /// what the question sets aside ("other than X", "not just X").
    pub fn rank_excluding(
        &self,
        q_terms: &[String],
        c_terms: &[String],
        x_terms: &[String],
    ) -> Ranking {
        self.rank_with(q_terms, c_terms, x_terms, None)
    }

    /// Each entry's cosine to `text` (see [`semantic::Semantic::similarities`]), when
    /// matching by meaning.
    pub fn similarities(&self, text: &str) -> Option<semantic::Similarities> {
        let s = self.semantic.as_ref()?;
        let v = s.vector(text)?;
        Some(s.similarities(&v, self.si.entries.len()))
    }

    /// [`Matcher::rank_excluding`] with each entry's cosine to the question, whose nearest
    /// entries join tantivy's candidates.
    fn rank_with(
        &self,
        q_terms: &[String],
        c_terms: &[String],
        x_terms: &[String],
        sims: Option<&semantic::Similarities>,
    ) -> Ranking {
        // Numbers the library never uses are numbering ("1.2", "Q12", "IAM-07"), not meaning.
        let meaningful =
            |t: &&String| self.lib.idf.contains_key(*t) || !t.bytes().all(|b| b.is_ascii_digit());
        let q_terms: Vec<String> = q_terms.iter().filter(meaningful).cloned().collect();
        let q_terms = q_terms.as_slice();
        let q_set: HashSet<&str> = q_terms.iter().map(|s| s.as_str()).collect();
        // In a row's context (section "4. Disaster Recovery", id "BCR-08") a bare number is
        // always numbering.
        let c_terms: Vec<String> = c_terms
            .iter()
            .filter(|t| !t.bytes().all(|b| b.is_ascii_digit()))
            .filter(|t| !q_set.contains(t.as_str()))
            .cloned()
            .collect();
        if q_terms.is_empty() {
            return Ranking {
                candidates: Vec::new(),
                confidence: 0.0,
            };
        }
        let mut pool = self.retrieve(q_terms, &c_terms);
        if let Some(sims) = sims {
            for pos in semantic::nearest(&meaning(sims), semantic::NEAREST) {
                if !pool.contains(&pos) {
                    pool.push(pos);
                }
            }
        }
        let asked = Asked::new(self, q_terms, &c_terms, x_terms);
        let wq: f32 = asked.question_weight();
        let wc: f32 = c_terms.iter().map(|t| asked.weight(self, t)).sum();
        let mut candidates: Vec<Candidate> = pool
            .into_iter()
            .filter_map(|pos| {
                let p = self.lib.prepared(pos)?;
                let mut features = self.features(&p, q_terms, wq, &c_terms, wc, &asked);
                features.excluded_hit = self.excluded_hit(&p, x_terms, &asked);
                if let Some(s) = sims {
                    features.semantic = s.phrasing.get(pos).copied().unwrap_or(0.0);
                    features.answer_semantic = s.answer.get(pos).copied().unwrap_or(0.0);
                }
                Some(Candidate {
                    entry: pos,
                    score: score(&features),
                    features,
                })
            })
            .collect();
        self.sort(&mut candidates);
        let confidence = confidence::confidence(&candidates);
        Ranking {
            candidates,
            confidence,
        }
    }

    /// The question terms an entry's phrasings and tags contain.
    pub fn covered<'q>(&self, entry: usize, q_terms: &'q [String]) -> Vec<&'q String> {
        self.terms_in(entry, q_terms, |p| p.union)
    }

    /// The question terms an entry's answer text states.
    pub fn answered<'q>(&self, entry: usize, q_terms: &'q [String]) -> Vec<&'q String> {
        self.terms_in(entry, q_terms, |p| p.answer)
    }

    fn terms_in<'q, 's>(
        &'s self,
        entry: usize,
        q_terms: &'q [String],
        set: impl Fn(&Prepared<'s>) -> prepare::TermSet<'s>,
    ) -> Vec<&'q String> {
        match self.lib.prepared(entry) {
            Some(p) => q_terms.iter().filter(|t| set(&p).contains(t)).collect(),
            None => Vec::new(),
        }
    }

    /// The IDF weight of a set of terms.
    pub fn weight_of<'t>(&self, terms: impl IntoIterator<Item = &'t String>) -> f32 {
        terms.into_iter().map(|t| self.weight(t)).sum()
    }
}

fn dedup(v: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::default();
    v.into_iter().filter(|t| seen.insert(t.clone())).collect()
}
