//! Question → ranked library entries with a calibrated confidence.
//!
//! Two stages. Retrieval asks tantivy (BM25 over the analysed question, alternates, tags and
//! answer fields) for a generous candidate list. Reranking then scores each candidate with
//! features a reviewer would recognise: how much of the question the entry's best phrasing
//! explains and how much of that phrasing the question covers (IDF-weighted, so the rare
//! words that tell near neighbours apart outweigh boilerplate), how much the entry as a whole
//! and its answer text explain, and whether the row's context (section heading, control title,
//! question-id prefix) agrees. Confidence combines the winning score with its margin over the
//! runner-up. Plain data in, plain data out: no files, no printing.

use std::sync::Arc;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query as TQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use crate::index::SearchIndex;
use crate::text::{Analyzer, HashMap, HashSet};

pub mod confidence;
pub mod semantic;

/// Weight multiplier of the library's filler words ("established", "documented").
const FILLER_WEIGHT: f32 = 0.2;
/// Highest weight of an everyday English word ("least", "through"), however rare in the library.
const EVERYDAY_CAP: f32 = 2.5;
/// How many minimal pairs of entries must contrast two terms for them to be siblings.
const MIN_CONTRAST_PAIRS: u32 = 2;
/// How many candidates retrieval hands to the reranker.
const RETRIEVE: usize = 40;
/// A word used by more than this share of a questionnaire's questions is damped...
const BOILERPLATE_SHARE: f32 = 0.05;
/// ...if the questionnaire has at least this many questions.
const MIN_QUESTIONS_FOR_DAMPING: u32 = 20;

/// Longest question, in words, that is matched whole. A longer "question" is a paragraph (the
/// documented limit is 10,000 characters, some 1,500 words): only its first
/// `MAX_MATCHED_WORDS` words are analysed, which keeps the work per row bounded (compound and
/// clause detection look at every conjunction against the whole text), and the filler sends
/// such a row to review with a note. The longest question of the labelled sets has 114 words.
pub const MAX_MATCHED_WORDS: usize = 150;

/// The part of a question that is matched: all of it, or its first `MAX_MATCHED_WORDS`
/// words, with true when it was cut.
pub fn matched_text(text: &str) -> (&str, bool) {
    match crate::text::first_words(text, MAX_MATCHED_WORDS) {
        Some(head) => (head, true),
        None => (text, false),
    }
}

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

/// What is worked out once per question for every candidate's features.
struct Asked<'q> {
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
}

impl Asked<'_> {
    fn weight(&self, m: &Matcher<'_>, t: &str) -> f32 {
        match self.weights.get(t) {
            Some(w) => *w,
            None => m.weight(t),
        }
    }
}

/// Per-entry term sets, prepared once per index.
struct Prepared {
    phrasings: Vec<HashSet<String>>,
    /// Per phrasing, the words of its concepts that it does not have as terms ("access",
    /// "review" of "~access_review").
    phrasing_parts: Vec<HashSet<String>>,
    /// All phrasings' concept words.
    parts: HashSet<String>,
    phrasing_weights: Vec<f32>,
    /// `phrasings` and `phrasing_parts` as sorted term ids (see `Matcher::ids`), for the
    /// reranker's innermost loop.
    phrasing_ids: Vec<(Vec<u32>, Vec<u32>)>,
    union: HashSet<String>,
    answer: HashSet<String>,
    /// Terms most phrasings share: what the entry is defined by.
    core: Vec<String>,
    /// The entry's named things: its topic tags, and anchors most phrasings share.
    anchors: Vec<String>,
    /// Terms of the entry's topic tags.
    tag_terms: HashSet<String>,
    /// What kinds of answer its phrasings ask for ("where", "how often").
    kinds: HashSet<&'static str>,
}

/// The matcher over one open index.
#[derive(Clone)]
pub struct Matcher<'a> {
    si: &'a SearchIndex,
    prepared: Arc<Vec<Prepared>>,
    idf: Arc<HashMap<String, f32>>,
    unknown_idf: f32,
    /// Per-questionnaire damping of words that most of its questions share (boilerplate such
    /// as "established, documented, approved"): term → multiplier in (0, 1].
    boilerplate: Arc<HashMap<String, f32>>,
    /// Terms of the library's topic tags: the things entries are about.
    topics: Arc<HashSet<String>>,
    /// Named things (synonym concepts, identifiers) that some entry's topic tags name.
    tagged: Arc<HashSet<String>>,
    /// Term → the terms it is contrasted with: the library's minimal pairs of entries, whose
    /// topic tags are the same but for one ("soc1;audit-period" and "soc2;audit-period" make
    /// SOC 1 and SOC 2 siblings).
    contrasts: Arc<HashMap<String, HashSet<String>>>,
    /// The library's words (questions, alternates, answers, tags) by first letter, for
    /// reading misspelt question words as the library word they almost are.
    vocabulary: Arc<HashMap<char, Vec<String>>>,
    /// Terms of frequencies, most frequent first ("continuously" ... "annually").
    frequencies: Arc<Vec<String>>,
    /// Each entry's answer and citations, shared by every proposal of it.
    answers: Arc<Vec<SharedAnswer>>,
    /// A number for each term of the entries' phrasings and their concept words.
    ids: Arc<HashMap<String, u32>>,
    /// The terms each retrieval field holds, in `RETRIEVAL_FIELDS` order (None when the
    /// index could not be listed: then every clause is sent).
    field_terms: Arc<Option<Vec<HashSet<String>>>>,
    /// Each phrasing's words (see [`phrase_key`]) → the entries phrased exactly so.
    exact: Arc<HashMap<String, Vec<usize>>>,
    /// The semantic stage, when a model is installed.
    semantic: Option<semantic::Semantic>,
}

/// An entry's answer text and citations, allocated once.
type SharedAnswer = (Arc<str>, Arc<[crate::knowledge::Citation]>);

impl<'a> Matcher<'a> {
    pub fn new(si: &'a SearchIndex) -> Matcher<'a> {
        let a = &si.analyzer;
        let mut prepared: Vec<Prepared> = si
            .entries
            .iter()
            .map(|e| {
                let phrasings: Vec<HashSet<String>> = e
                    .phrasings()
                    .map(|p| a.terms(p).into_iter().collect())
                    .collect();
                let mut union: HashSet<String> = phrasings.iter().flatten().cloned().collect();
                // Topic tags. The domain tag ("bc-dr") is too broad to say what one entry is
                // about, and a framework mapping ("soc2:PI1.1") says which control the entry
                // serves, not that it is about SOC 2: only the control's name ("pi1") counts.
                union.extend(a.terms(&topic_tags(&e.tags).join(" ")));
                union.extend(control_terms(a, &e.tags));
                // Defining terms: in at least half of the phrasings.
                let need = phrasings.len().div_ceil(2).max(1);
                let mut core: Vec<String> = union
                    .iter()
                    .filter(|t| phrasings.iter().filter(|p| p.contains(*t)).count() >= need)
                    .cloned()
                    .collect();
                core.sort();
                let mut anchors: Vec<String> = dedup(a.terms(&topic_tags(&e.tags).join(" ")));
                for t in &core {
                    if is_anchor(t) && !anchors.contains(t) {
                        anchors.push(t.clone());
                    }
                }
                let phrasing_parts: Vec<HashSet<String>> = phrasings
                    .iter()
                    .map(|set| {
                        set.iter()
                            .flat_map(|t| a.components(t))
                            .filter(|c| !set.contains(c))
                            .collect()
                    })
                    .collect();
                let parts = phrasing_parts.iter().flatten().cloned().collect();
                Prepared {
                    phrasing_parts,
                    parts,
                    kinds: e
                        .phrasings()
                        .filter_map(crate::text::question_kind)
                        .collect(),
                    tag_terms: a
                        .terms(&topic_tags(&e.tags).join(" "))
                        .into_iter()
                        .collect(),
                    phrasings,
                    phrasing_weights: Vec::new(),
                    phrasing_ids: Vec::new(),
                    union,
                    answer: a.terms(&e.answer).into_iter().collect(),
                    core,
                    anchors,
                }
            })
            .collect();
        // Document frequency over what entries are *about* (phrasings and tags): an answer
        // that mentions SOC 1 in passing does not make "SOC 1" a common word. Words found only
        // in answers take their frequency among answers.
        let mut df: HashMap<String, u32> = HashMap::default();
        let mut df_answer: HashMap<String, u32> = HashMap::default();
        for p in &prepared {
            for t in &p.union {
                *df.entry(t.clone()).or_default() += 1;
            }
            for t in &p.answer {
                *df_answer.entry(t.clone()).or_default() += 1;
            }
        }
        let n = prepared.len().max(1) as f32;
        let idf_of = |d: f32| (1.0 + (n - d + 0.5) / (d + 0.5)).ln();
        let mut idf: HashMap<String, f32> =
            df.into_iter().map(|(t, d)| (t, idf_of(d as f32))).collect();
        for (t, d) in df_answer {
            idf.entry(t).or_insert_with(|| idf_of(d as f32));
        }
        for p in &mut prepared {
            p.phrasing_weights = p
                .phrasings
                .iter()
                .map(|s| {
                    // Summed in term order: a set's order changes from run to run, and so
                    // would the last bits of the sum and any tie it decides.
                    let mut terms: Vec<&String> = s.iter().collect();
                    terms.sort_unstable();
                    terms
                        .iter()
                        .map(|t| idf.get(*t).copied().unwrap_or(0.0))
                        .sum()
                })
                .collect();
        }
        let mut ids: HashMap<String, u32> = HashMap::default();
        for p in &prepared {
            for t in p.phrasings.iter().chain(&p.phrasing_parts).flatten() {
                let next = ids.len() as u32;
                ids.entry(t.clone()).or_insert(next);
            }
        }
        let sorted_ids = |set: &HashSet<String>| {
            let mut v: Vec<u32> = set.iter().filter_map(|t| ids.get(t).copied()).collect();
            v.sort_unstable();
            v
        };
        for p in &mut prepared {
            p.phrasing_ids = p
                .phrasings
                .iter()
                .zip(&p.phrasing_parts)
                .map(|(set, parts)| (sorted_ids(set), sorted_ids(parts)))
                .collect();
        }
        let topics: HashSet<String> = prepared
            .iter()
            .flat_map(|p| p.anchors.iter().cloned())
            .collect();
        let tagged: HashSet<String> = si
            .entries
            .iter()
            .flat_map(|e| a.terms(&topic_tags(&e.tags).join(" ")))
            .filter(|t| is_anchor(t))
            .collect();
        let mut words: HashSet<String> = HashSet::default();
        for e in &si.entries {
            for text in e.phrasings().chain([e.answer.as_str()]) {
                words.extend(crate::text::words(text));
            }
            for t in &e.tags {
                words.extend(crate::text::words(t));
            }
        }
        let mut vocabulary: HashMap<char, Vec<String>> = HashMap::default();
        for w in words {
            if w.len() >= MIN_TYPO_LEN - 1 && w.bytes().all(|b| b.is_ascii_lowercase()) {
                if let Some(c) = w.chars().next() {
                    vocabulary.entry(c).or_default().push(w);
                }
            }
        }
        for list in vocabulary.values_mut() {
            list.sort();
        }
        let frequencies = FREQUENCIES
            .iter()
            .filter_map(|w| a.terms(w).into_iter().next())
            .collect();
        let answers = si
            .entries
            .iter()
            .map(|e| (e.answer.as_str().into(), e.citations.as_slice().into()))
            .collect();
        let mut exact: HashMap<String, Vec<usize>> = HashMap::default();
        for (i, e) in si.entries.iter().enumerate() {
            for p in e.phrasings() {
                let v = exact.entry(phrase_key(p)).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
        Matcher {
            si,
            exact: Arc::new(exact),
            answers: Arc::new(answers),
            ids: Arc::new(ids),
            field_terms: Arc::new(field_terms(si)),
            frequencies: Arc::new(frequencies),
            vocabulary: Arc::new(vocabulary),
            contrasts: Arc::new(contrasts(si, &prepared)),
            tagged: Arc::new(tagged),
            topics: Arc::new(topics),
            prepared: Arc::new(prepared),
            idf: Arc::new(idf),
            unknown_idf: idf_of(0.0),
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
                if self.tagged.contains(&t) || t.bytes().any(|b| b.is_ascii_digit()) {
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
        self.answers.get(entry).cloned()
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.si.analyzer
    }

    fn weight(&self, t: &str) -> f32 {
        let mut w = self.idf.get(t).copied().unwrap_or(self.unknown_idf);
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
        let sims = sims.as_deref();
        // Words only the purpose clause uses ("... to reduce the risk of fraud") say why, not
        // what: they count a third.
        let purpose = purpose_clause(&asked);
        let mut r = if purpose.is_empty() {
            self.rank_with(&q_terms, &c_terms, &x_terms, sims)
        } else {
            let main = &asked[..asked.len() - purpose.len()];
            let main_terms = a.terms(main);
            let mut damp = (*self.boilerplate).clone();
            for t in a.terms(purpose) {
                if !main_terms.contains(&t) {
                    let m = damp.entry(t).or_insert(1.0);
                    *m *= PURPOSE_WEIGHT;
                }
            }
            let m = Matcher {
                boilerplate: Arc::new(damp),
                ..self.clone()
            };
            m.rank_with(&q_terms, &c_terms, &x_terms, sims)
        };
        // An entry phrased as the same kind of question ("where", "who", "how long") is the
        // likelier answer: the opening words are stop words to retrieval.
        if let Some(kind) = crate::text::question_kind(&asked) {
            for c in &mut r.candidates {
                if self
                    .prepared
                    .get(c.entry)
                    .is_some_and(|p| p.kinds.contains(kind))
                {
                    c.features.kind = 1.0;
                    c.score = score(&c.features);
                }
            }
            self.sort(&mut r.candidates);
        }
        // A question worded exactly as an entry's phrasing (a CAIQ answered before, asked
        // again) is that entry's, whatever the questionnaire's damping made of its words.
        if let Some(same) = self.exact.get(&phrase_key(text)) {
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
            self.prepared
                .get(c.entry)
                .is_some_and(|p| p.union.contains(heaviest))
        };
        if candidates.len() <= 3 || candidates.iter().take(3).any(has) {
            return;
        }
        if let Some(i) = candidates.iter().skip(3).position(has) {
            candidates[2..=i + 3].rotate_right(1);
        }
    }

    /// The text with misspelt words read as the library word they almost are: "penetraton"
    /// as "penetration", "vulnerabilites" as "vulnerabilities". Only words of at least
    /// `MIN_TYPO_LEN` letters that the library does not know in any form are read again, and
    /// only when one library word is within one edit and starts alike.
    pub fn correct_typos(&self, text: &str) -> String {
        let a = &self.si.analyzer;
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (s, e) in crate::text::spans(text, |c| c.is_ascii_alphabetic()) {
            out.push_str(&text[at..s]);
            let word = &text[s..e];
            match self.correct_word(word, a) {
                Some(c) => out.push_str(&c),
                None => out.push_str(word),
            }
            at = e;
        }
        out.push_str(&text[at..]);
        out
    }

    fn correct_word(&self, w: &str, a: &Analyzer) -> Option<String> {
        if w.len() < MIN_TYPO_LEN || w.bytes().all(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let lower = w.to_ascii_lowercase();
        let first = lower.chars().next()?;
        let vocabulary = self.vocabulary.get(&first)?;
        let terms = a.terms(&lower);
        if vocabulary.binary_search(&lower).is_ok() || terms.is_empty() {
            return None;
        }
        let known = terms
            .iter()
            .any(|t| t.starts_with(crate::text::CONCEPT_PREFIX) || self.idf.contains_key(t));
        if known || a.is_everyday_word(&lower) {
            return None;
        }
        // One edit: a second would read real words as others ("rectification" as
        // "recertification"), and without a dictionary a real word cannot be told from a typo.
        let max = 1;
        let mut best: Option<(usize, &String)> = None;
        let mut tie = false;
        for cand in vocabulary {
            if cand.len().abs_diff(lower.len()) > max {
                continue;
            }
            let Some(d) = edit_distance(&lower, cand, max) else {
                continue;
            };
            match best {
                Some((bd, b)) if d == bd && a.terms(b) != a.terms(cand) => tie = true,
                Some((bd, _)) if d >= bd => {}
                _ => {
                    best = Some((d, cand));
                    tie = false;
                }
            }
        }
        match best {
            Some((_, b)) if !tie => Some(b.clone()),
            _ => None,
        }
    }

    /// Acronyms in a question ("HITRUST", "TISAX", "FERPA") that the library never uses,
    /// neither alone nor inside a synonym phrase: the question is about something the library
    /// does not know, whatever else it shares with an entry.
    pub fn unknown_acronyms(&self, text: &str, q_terms: &[String]) -> Vec<String> {
        let a = &self.si.analyzer;
        let mut out = Vec::new();
        for w in crate::text::spans(text, char::is_alphanumeric)
            .into_iter()
            .map(|(s, e)| &text[s..e])
        {
            let letters = w.chars().filter(|c| c.is_ascii_alphabetic()).count();
            let acronym = letters >= 2
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && w.chars().next().is_some_and(|c| c.is_ascii_uppercase());
            if !acronym {
                continue;
            }
            for t in a.terms(w) {
                let unknown = q_terms.contains(&t)
                    && !t.starts_with(crate::text::CONCEPT_PREFIX)
                    && !self.idf.contains_key(&t)
                    && !a.is_filler(&t);
                if unknown && !out.contains(&t) {
                    out.push(t);
                }
            }
        }
        out
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
    pub fn similarities(&self, text: &str) -> Option<Vec<f32>> {
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
        sims: Option<&[f32]>,
    ) -> Ranking {
        // Numbers the library never uses are numbering ("1.2", "Q12", "IAM-07"), not meaning.
        let meaningful =
            |t: &&String| self.idf.contains_key(*t) || !t.bytes().all(|b| b.is_ascii_digit());
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
            for pos in semantic::nearest(sims, semantic::NEAREST) {
                if !pool.contains(&pos) {
                    pool.push(pos);
                }
            }
        }
        // The words of the question's concepts, for entries that write a concept in part.
        let comps: HashMap<&str, Vec<String>> = q_terms
            .iter()
            .map(|t| (t.as_str(), self.si.analyzer.components(t)))
            .filter(|(_, c)| c.len() > 1)
            .collect();
        let q_weights: Vec<f32> = q_terms.iter().map(|t| self.weight(t)).collect();
        let weights = q_terms
            .iter()
            .chain(&c_terms)
            .chain(x_terms)
            .map(|t| (t.as_str(), self.weight(t)))
            .collect();
        let q_ids = q_terms.iter().map(|t| self.ids.get(t).copied()).collect();
        let comp_ids = q_terms
            .iter()
            .map(|t| {
                comps
                    .get(t.as_str())
                    .map(|c| c.iter().map(|x| self.ids.get(x).copied()).collect())
            })
            .collect();
        let asked = Asked {
            q_ids,
            comp_ids,
            comps,
            at_least: self.at_least(q_terms),
            q_weights,
            weights,
        };
        let wq: f32 = asked.q_weights.iter().sum();
        let wc: f32 = c_terms.iter().map(|t| asked.weight(self, t)).sum();
        let mut candidates: Vec<Candidate> = pool
            .into_iter()
            .filter_map(|pos| {
                let p = self.prepared.get(pos)?;
                let mut features = self.features(p, q_terms, wq, &c_terms, wc, &asked);
                let wx: f32 = x_terms.iter().map(|t| asked.weight(self, t)).sum();
                if wx > 0.0 {
                    features.excluded_hit = x_terms
                        .iter()
                        .filter(|t| p.union.contains(*t))
                        .map(|t| asked.weight(self, t))
                        .sum::<f32>()
                        / wx;
                }
                features.semantic = sims.and_then(|s| s.get(pos)).copied().unwrap_or(0.0);
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

    /// The frequency a question sets as a bar ("at least monthly"), with its rank in
    /// `frequencies`.
    fn at_least<'q>(&self, q: &'q [String]) -> Option<(&'q str, usize)> {
        if !q.iter().any(|t| t == "least") {
            return None;
        }
        let mut found = q.iter().filter_map(|t| {
            self.frequencies
                .iter()
                .position(|f| f == t)
                .map(|r| (t.as_str(), r))
        });
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// The question terms an entry's phrasings and tags contain.
    pub fn covered<'q>(&self, entry: usize, q_terms: &'q [String]) -> Vec<&'q String> {
        self.terms_in(entry, q_terms, |p| &p.union)
    }

    /// The question terms an entry's answer text states.
    pub fn answered<'q>(&self, entry: usize, q_terms: &'q [String]) -> Vec<&'q String> {
        self.terms_in(entry, q_terms, |p| &p.answer)
    }

    fn terms_in<'q>(
        &self,
        entry: usize,
        q_terms: &'q [String],
        set: impl Fn(&Prepared) -> &HashSet<String>,
    ) -> Vec<&'q String> {
        match self.prepared.get(entry) {
            Some(p) => q_terms.iter().filter(|t| set(p).contains(*t)).collect(),
            None => Vec::new(),
        }
    }

    /// The IDF weight of a set of terms.
    pub fn weight_of<'t>(&self, terms: impl IntoIterator<Item = &'t String>) -> f32 {
        terms.into_iter().map(|t| self.weight(t)).sum()
    }

    fn features(
        &self,
        p: &Prepared,
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
                self.frequencies.iter().take(rank + 1).any(states),
                self.frequencies.iter().skip(rank + 1).any(states),
            )
        });
        // Only higher: the bar is met, the frequency is found.
        let met = at_least.and_then(|(t, _)| (above && !below).then_some(t));
        // Only lower: the answer says no to the question, whatever its Yes says.
        let bar_unmet = below && !above;
        let bar_mixed = below && above;
        // A question concept the entry writes in part ("contract termination" against "after
        // termination") is that part found.
        let found = |set: &HashSet<String>, t: &str| -> f32 {
            if set.contains(t) {
                return 1.0;
            }
            comps.get(t).map_or(0.0, |c| {
                PART_CREDIT * c.iter().filter(|x| set.contains(*x)).count() as f32 / c.len() as f32
            })
        };
        let mut best = (0.0f32, 0.0f32);
        // The same sums as `found` over the phrasing's terms, with term ids.
        let has = |ids: &[u32], id: &Option<u32>| id.is_some_and(|i| ids.binary_search(&i).is_ok());
        for ((set, parts), wp) in p.phrasing_ids.iter().zip(&p.phrasing_weights) {
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
        let anchors: Vec<String> = q.iter().filter(|t| self.is_named(t)).cloned().collect();
        let topics: Vec<String> = q
            .iter()
            .filter(|t| is_anchor(t) || self.topics.contains(*t))
            .cloned()
            .collect();
        let wt: f32 = topics.iter().map(|t| asked.weight(self, t)).sum();
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
        let core_w: f32 = p.core.iter().map(|t| asked.weight(self, t)).sum();
        let core_miss = if core_w > 0.0 {
            p.core
                .iter()
                .filter(|t| !in_q(t))
                .map(|t| asked.weight(self, t))
                .sum::<f32>()
                / core_w
        } else {
            0.0
        };
        let wa: f32 = anchors.iter().map(|t| asked.weight(self, t)).sum();
        let strong: Vec<String> = anchors
            .iter()
            .filter(|t| self.tagged.contains(*t))
            .cloned()
            .collect();
        let ws: f32 = strong.iter().map(|t| asked.weight(self, t)).sum();
        let named: Vec<String> = p
            .anchors
            .iter()
            .filter(|t| self.is_named(t))
            .cloned()
            .collect();
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
                        found(&p.union, t)
                    };
                    (1.0 - f) * asked.weight(self, t)
                })
                .sum::<f32>()
                / total
        };
        let strong_miss = missed(&strong, ws);
        // The question's contrast words, and those the entry answers with a sibling instead.
        let clashes = |t: &String| {
            !p.union.contains(t)
                && self
                    .contrasts
                    .get(t)
                    .is_some_and(|sib| sib.iter().any(|y| p.tag_terms.contains(y) && !in_q(y)))
        };
        // A clash counts fully whatever the weights of its words: "SOC 2" may be the
        // library's commonest name, yet an entry about SOC 1 offered for it is wrong.
        let conflict: f32 = if q.iter().any(clashes) { 1.0 } else { 0.0 };
        // Broadly: the question names a tagged thing the entry lacks while the entry is
        // about another tagged thing the question never names.
        let sibling = named
            .iter()
            .any(|t| self.tagged.contains(t) && !in_q(t) && !t.bytes().all(|b| b.is_ascii_digit()));
        let broad = if sibling { strong_miss } else { 0.0 };
        Features {
            bar_unmet: if bar_unmet { 1.0 } else { 0.0 },
            bar_mixed: if bar_mixed { 1.0 } else { 0.0 },
            kind: 0.0,
            unknown_named: 0.0,
            exact: 0.0,
            same_id: 0.0,
            semantic: 0.0,
            conflict: conflict.max(broad),
            clash: conflict,
            topic_miss: share(&topics, wt, &|t| !p.union.contains(t) && met != Some(t)),
            named_extra: share(&named, wn, &|t| !in_q(t)),
            strong_miss,
            excluded_hit: 0.0,
            // A named thing only the answer states ("annually", "AES-256") is half missed.
            anchor_miss: missed(&anchors, wa)
                - 0.5
                    * share(&anchors, wa, &|t| {
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
                * (wc / (CONTEXT_FULL_SHARE * self.unknown_idf)).min(1.0),
        }
    }

    /// Candidate positions from tantivy: BM25 over the analysed fields.
    fn retrieve(&self, q: &[String], ctx: &[String]) -> Vec<usize> {
        let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
        let fields = retrieval_fields(self.si);
        for (terms, factor) in [(q, 1.0f32), (ctx, 0.3)] {
            for t in terms {
                for (k, (field, boost)) in fields.into_iter().enumerate() {
                    // A term the field never holds matches nothing and adds nothing to any
                    // score: its clause would only cost a dictionary lookup.
                    let absent = self
                        .field_terms
                        .as_ref()
                        .as_ref()
                        .and_then(|f| f.get(k))
                        .is_some_and(|set| !set.contains(t));
                    if absent {
                        continue;
                    }
                    let tq = TermQuery::new(
                        Term::from_field_text(field, t),
                        IndexRecordOption::WithFreqs,
                    );
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(tq), boost * factor)),
                    ));
                }
            }
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.si.reader.searcher();
        let Ok(hits) = searcher.search(&query, &TopDocs::with_limit(RETRIEVE).order_by_score())
        else {
            return Vec::new();
        };
        hits.into_iter()
            .filter_map(|(_, addr)| {
                self.si
                    .positions
                    .get(addr.segment_ord as usize)?
                    .get(addr.doc_id as usize)
                    .map(|p| *p as usize)
            })
            .collect()
    }
}

/// The fields retrieval searches, with their boosts.
fn retrieval_fields(si: &SearchIndex) -> [(tantivy::schema::Field, f32); 5] {
    let f = &si.fields;
    [
        (f.question, 1.0f32),
        (f.alternates, 1.0),
        (f.tags, 0.5),
        (f.answer, 0.3),
        (f.parts, 0.5),
    ]
}

/// The terms each retrieval field holds, over all segments; None if a dictionary cannot be
/// read (retrieval then sends every clause, as before).
fn field_terms(si: &SearchIndex) -> Option<Vec<HashSet<String>>> {
    let searcher = si.reader.searcher();
    let mut out = Vec::new();
    for (field, _) in retrieval_fields(si) {
        let mut set = HashSet::default();
        for seg in searcher.segment_readers() {
            let inv = seg.inverted_index(field).ok()?;
            let mut stream = inv.terms().stream().ok()?;
            while stream.advance() {
                set.insert(String::from_utf8_lossy(stream.key()).into_owned());
            }
        }
        out.push(set);
    }
    Some(out)
}

/// The shortlist (first three) offered to a reviewer holds the entry whose answer text
/// explains most of the question: when the phrasings mislead ("peer reviewed" read as code
/// review), the answer that states the asked facts is a second kind of evidence. It takes
/// second place; the winner and the confidence are unchanged.
fn shortlist_best_answer(candidates: &mut [Candidate]) {
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
        + SEMANTIC_WEIGHT * f.semantic
}

/// Weight of the cosine in the score, beside the word features (whose best candidates score
/// about 1). Chosen among 0.5, 1, 2, 4 and 8 as the one that raised top-1 on the held-out
/// phrasings of both libraries, the samples and VSAQ together (0.969→0.962 on the bench).
pub const SEMANTIC_WEIGHT: f32 = 1.0;

/// Score for a question worded exactly as one of the entry's phrasings: more than any sum
/// of word features can give another entry.
const EXACT_WEIGHT: f32 = 1.0;

/// Score for a question id the entry carries: enough to lead neighbours that differ in a
/// word or two ("... established?" and "... reviewed annually?" of one CAIQ control), not
/// enough to carry an entry whose words do not match.
const SAME_ID_WEIGHT: f32 = 0.3;

/// A phrasing's words, lower-cased, in order: the key of an exact match ("Are policies
/// established, documented?" and "are policies established documented" are one).
pub fn phrase_key(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Frequencies, most frequent first: "at least monthly" is met by any up to "monthly".
const FREQUENCIES: &[&str] = &[
    "continuously",
    "hourly",
    "daily",
    "weekly",
    "monthly",
    "quarterly",
    "semi-annually",
    "annually",
];

/// Credit for a question concept of which an entry has some of the words, per share of them.
const PART_CREDIT: f32 = 0.5;

/// Score bonus for an entry phrased as the same kind of question.
const KIND_WEIGHT: f32 = 0.15;

/// Score penalty for an entry about a sibling of what the question names.
const CONFLICT_PENALTY: f32 = 0.5;

/// Weight of a row's context at which its agreement with an entry counts fully, as a share of
/// the weight of a word the library never uses (so that it scales with the library's size).
const CONTEXT_FULL_SHARE: f32 = 0.6;

/// Shortest question word that may be read as a misspelling of a library word: shorter words
/// have too many real neighbours ("format", "formal").
const MIN_TYPO_LEN: usize = 8;

/// Optimal-string-alignment distance (insertions, deletions, substitutions and swaps of
/// neighbours), or None when it exceeds `max`.
fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > max {
        return None;
    }
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[m] <= max).then_some(prev[m])
}

/// What questionnaires call the party that answers them.
const RESPONDENT: &[&str] = &[
    "vendor",
    "supplier",
    "service provider",
    "bidder",
    "respondent",
];

/// "Does the vendor hold ISO 27701?" asks "Do you hold ISO 27701?": the vendor (supplier,
/// bidder) that a question names as its subject is the one answering, not a third party, and
/// must not match entries about managing vendors. "The vendor's" becomes "your".
pub fn respondent_as_you(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    // Words with their byte offsets (letters, digits and apostrophes).
    let words: Vec<(usize, &str)> =
        crate::text::spans(&lower, |c| c.is_ascii_alphanumeric() || c == '\'')
            .into_iter()
            .map(|(s, e)| (s, &lower[s..e]))
            .collect();
    // Byte spans to replace, with their replacement.
    let mut spans: Vec<(usize, usize, &str)> = Vec::new();
    for (i, (_, w)) in words.iter().enumerate() {
        if !matches!(*w, "the" | "your") {
            continue;
        }
        for r in RESPONDENT {
            let parts: Vec<&str> = r.split(' ').collect();
            let n = parts.len();
            let Some(last) = words.get(i + n) else {
                continue;
            };
            let names = words.get(i + 1..=i + n).is_some_and(|ws| {
                ws.iter()
                    .zip(&parts)
                    .all(|((_, a), b)| a.trim_end_matches("'s") == *b)
            });
            if !names {
                continue;
            }
            let subject = i > 0
                && words
                    .get(i - 1)
                    .is_some_and(|(_, v)| crate::text::AUXILIARIES.contains(v));
            let possessive = last.1.ends_with("'s");
            if subject || possessive {
                let start = words[i].0;
                let end = last.0 + last.1.len();
                spans.push((start, end, if possessive { "your" } else { "you" }));
            }
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, with) in spans {
        if start < at || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(with);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// Weight multiplier of words only a question's purpose clause uses.
const PURPOSE_WEIGHT: f32 = 0.33;

/// Phrases that open a purpose clause: what follows says why a control exists, not which.
const PURPOSE: &[&str] = &[
    "in order to",
    "so as to",
    "so that",
    "to reduce",
    "to minimize",
    "to minimise",
    "to mitigate",
    "to lower",
    "to limit the risk",
    "to avoid",
];

/// The purpose clause at the end of a question ("... to reduce the risk of fraud or error"),
/// or "" when it has none. Only a clause after some asked words counts.
pub fn purpose_clause(text: &str) -> &str {
    let lower = text.to_ascii_lowercase();
    let start = PURPOSE
        .iter()
        .filter_map(|p| {
            lower.match_indices(p).map(|(i, _)| i).find(|&i| {
                i > 0
                    && !lower.as_bytes()[i - 1].is_ascii_alphanumeric()
                    && lower
                        .as_bytes()
                        .get(i + p.len())
                        .is_none_or(|b| !b.is_ascii_alphanumeric())
            })
        })
        .min();
    match start {
        // Asked words before the clause: at least three words.
        Some(i) if text[..i].split_whitespace().count() >= 3 && text.is_char_boundary(i) => {
            &text[i..]
        }
        _ => "",
    }
}

/// Phrases after which a question names what it is *not* asking about.
const SET_ASIDE: &[&str] = &[
    "other than",
    "not just",
    "not only",
    "except for",
    "except",
    "excluding",
    "besides",
    "apart from",
    "aside from",
    "in addition to",
];

/// Split a question into what it asks and what it sets aside: "Other than your workforce,
/// can customers use MFA?" asks about customers and MFA and sets "your workforce" aside. The
/// set-aside part runs to the next punctuation or conjunction, at most six words.
pub fn split_exclusions(text: &str) -> (String, String) {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut asked = String::new();
    let mut aside = String::new();
    let mut i = 0;
    'scan: while i < lower.len() {
        let at_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if at_word {
            for m in SET_ASIDE {
                let end = i + m.len();
                if lower[i..].starts_with(m)
                    && bytes.get(end).is_none_or(|b| !b.is_ascii_alphanumeric())
                {
                    // The set-aside phrase: up to punctuation, a conjunction or six words.
                    let rest = &text[end..];
                    let mut stop = rest.len();
                    for (k, ch) in rest.char_indices() {
                        if matches!(ch, ',' | '?' | '.' | ';' | ':' | '(' | ')' | '\n') {
                            stop = k;
                            break;
                        }
                    }
                    let words: Vec<&str> = rest[..stop].split_whitespace().collect();
                    let cut = words
                        .iter()
                        .position(|w| {
                            matches!(w.to_ascii_lowercase().as_str(), "and" | "or" | "but")
                        })
                        .unwrap_or(words.len())
                        .min(6);
                    aside.push_str(&words[..cut].join(" "));
                    aside.push(' ');
                    asked.push(' ');
                    asked.push_str(&words[cut..].join(" "));
                    asked.push(' ');
                    i = end + stop;
                    continue 'scan;
                }
            }
        }
        let ch_len = text[i..].chars().next().map_or(1, |c| c.len_utf8());
        asked.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    (asked, aside.trim().to_string())
}

/// Contrast pairs mined from the library's tags: two entries whose topic tags are the same
/// but for one make the terms of those two tags siblings. Built in one pass by keying each
/// entry on its tags minus one; entries with a single topic tag say nothing.
fn contrasts(si: &SearchIndex, prepared: &[Prepared]) -> HashMap<String, HashSet<String>> {
    let a = &si.analyzer;
    let mut by_rest: HashMap<Vec<&str>, HashSet<&str>> = HashMap::default();
    for e in &si.entries {
        let tags = topic_tags(&e.tags);
        if tags.len() < 2 {
            continue;
        }
        for (i, t) in tags.iter().enumerate() {
            let mut rest: Vec<&str> = tags
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, x)| *x)
                .collect();
            rest.sort_unstable();
            by_rest.entry(rest).or_default().insert(t);
        }
    }
    // Pairs of terms, with the number of minimal pairs that contrast them.
    let mut seen: HashMap<(String, String), u32> = HashMap::default();
    for alts in by_rest.values().filter(|v| v.len() > 1) {
        let analysed: Vec<HashSet<String>> = alts
            .iter()
            .map(|t| a.terms(t).into_iter().collect())
            .collect();
        for (i, x) in analysed.iter().enumerate() {
            for (j, y) in analysed.iter().enumerate() {
                if i == j {
                    continue;
                }
                for tx in x.difference(y) {
                    for ty in y.difference(x) {
                        *seen.entry((tx.clone(), ty.clone())).or_default() += 1;
                    }
                }
            }
        }
    }
    // Phrasings of two entries that differ in one named thing each ("Do you have a SOC 1
    // Type I report?" and "... a SOC 2 Type I report?") contrast those two as well.
    // Keyed by (a hash of) the rest of the phrasing; each key counts a pair once, however
    // many entries share the phrasing (a library of 25,000 entries repeats phrasings).
    let mut by_phrase: HashMap<u64, Vec<&str>> = HashMap::default();
    for p in prepared {
        for ph in &p.phrasings {
            let mut terms: Vec<&str> = ph.iter().map(|t| t.as_str()).collect();
            terms.sort_unstable();
            for (i, t) in terms.iter().enumerate().filter(|(_, t)| is_anchor(t)) {
                let mut h = std::hash::DefaultHasher::new();
                for (j, x) in terms.iter().enumerate() {
                    if j != i {
                        std::hash::Hash::hash(x, &mut h);
                    }
                }
                let alts = by_phrase.entry(std::hash::Hasher::finish(&h)).or_default();
                if !alts.contains(t) {
                    alts.push(t);
                }
            }
        }
    }
    for alts in by_phrase.values().filter(|v| v.len() > 1) {
        for x in alts {
            for y in alts.iter().filter(|y| *y != x) {
                *seen.entry((x.to_string(), y.to_string())).or_default() += 1;
            }
        }
    }
    // One minimal pair may be a general entry beside a narrower one ("tls" with and without
    // "cipher-suites"); a contrast the library repeats (SOC 1 / SOC 2 for the audit period,
    // the opinion, the exceptions...) is a real one.
    let mut out: HashMap<String, HashSet<String>> = HashMap::default();
    for ((x, y), n) in seen {
        if n >= MIN_CONTRAST_PAIRS {
            out.entry(x).or_default().insert(y);
        }
    }
    out
}

/// An entry's topic tags: every tag but the first (its domain) and framework mappings.
fn topic_tags(tags: &[String]) -> Vec<&str> {
    tags.iter()
        .skip(1)
        .filter(|t| crate::knowledge::control_id(t).is_none())
        .map(|t| t.as_str())
        .collect()
}

/// The terms of the control ids an entry's framework mappings name ("soc2:PI1.1" → "pi1"),
/// without bare numbers, which questions use for numbering.
fn control_terms(a: &Analyzer, tags: &[String]) -> Vec<String> {
    tags.iter()
        .filter_map(|t| crate::knowledge::control_id(t))
        .flat_map(|id| a.terms(id))
        .filter(|t| t.len() > 1 && !t.bytes().all(|b| b.is_ascii_digit()))
        .collect()
}

/// A named thing: a synonym concept (SOC 2, MFA, RTO) or an identifier with digits.
fn is_anchor(t: &str) -> bool {
    t.starts_with(crate::text::CONCEPT_PREFIX) || t.bytes().any(|b| b.is_ascii_digit())
}

fn dedup(v: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::default();
    v.into_iter().filter(|t| seen.insert(t.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purpose_clauses_are_found_after_the_asked_words() {
        assert_eq!(
            purpose_clause("How are incompatible duties separated to reduce the risk of fraud?"),
            "to reduce the risk of fraud?"
        );
        assert_eq!(
            purpose_clause("Is data encrypted in order to meet GDPR?"),
            "in order to meet GDPR?"
        );
        // No clause, a clause with nothing asked before it, a word that only starts alike.
        assert_eq!(purpose_clause("Is data encrypted at rest?"), "");
        assert_eq!(purpose_clause("To reduce risk, do you scan?"), "");
        assert_eq!(purpose_clause("Do you want us to reduced scope?"), "");
    }

    #[test]
    fn the_vendor_as_subject_is_you() {
        assert_eq!(
            respondent_as_you("Does the vendor act as a data processor?"),
            "Does you act as a data processor?"
        );
        assert_eq!(
            respondent_as_you("How does the service provider respond to requests?"),
            "How does you respond to requests?"
        );
        assert_eq!(
            respondent_as_you("Describe the vendor's incident process."),
            "Describe your incident process."
        );
        // A vendor that is not the subject is a third party.
        let q = "Do you assess the vendor risk of your suppliers?";
        assert_eq!(respondent_as_you(q), q);
        assert_eq!(
            respondent_as_you("Is the vendorlist current?"),
            "Is the vendorlist current?"
        );
        assert_eq!(
            respondent_as_you("Café — does the vendor’s team, and does the supplier sign?"),
            "Café — does you’s team, and does you sign?"
        );
    }

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

    #[test]
    fn edit_distance_counts_typos() {
        assert_eq!(edit_distance("penetraton", "penetration", 2), Some(1));
        assert_eq!(
            edit_distance("vulnerabilites", "vulnerabilities", 2),
            Some(1)
        );
        assert_eq!(edit_distance("recieve", "receive", 1), Some(1));
        assert_eq!(edit_distance("parking", "marking", 1), Some(1));
        assert_eq!(edit_distance("parking", "backup", 2), None);
    }

    #[test]
    fn set_aside_phrases_are_split_off() {
        let (asked, aside) = split_exclusions("Other than your workforce, can customers use MFA?");
        assert_eq!(aside, "your workforce");
        assert!(asked.contains("customers use MFA"), "{asked}");
    }
}
