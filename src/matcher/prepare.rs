//! Preparing the library: what every question's ranking needs, derived once per index.
//!
//! Each entry's phrasings as term sets, the library's IDF weights, the siblings its tags
//! contrast (SOC 1 and SOC 2), its vocabulary for reading typos, the exact wording of every
//! phrasing: all of it depends on the library alone, and working it out per question would
//! repeat the same work thousands of times. [`prepare`] does it once, when a `Matcher` is
//! made, and returns plain data ([`Derived`]) that the later stages only read. Nothing here
//! knows any question.

use super::question::{phrase_key, FREQUENCIES, MIN_TYPO_LEN};
use super::{dedup, SharedAnswer};
use crate::index::SearchIndex;
use crate::text::{Analyzer, HashMap, HashSet};

mod cache;

/// How many minimal pairs of entries must contrast two terms for them to be siblings.
const MIN_CONTRAST_PAIRS: u32 = 2;

/// One entry's term sets with their words, while the library is being derived; each is
/// turned into term numbers ([`Compact`]) at once, so a large library is never held as
/// strings in full.
struct Analysed {
    phrasings: Vec<HashSet<String>>,
    phrasing_parts: Vec<HashSet<String>>,
    parts: HashSet<String>,
    union: HashSet<String>,
    answer: HashSet<String>,
    core: Vec<String>,
    anchors: Vec<String>,
    tag_terms: HashSet<String>,
    kinds: Vec<String>,
}

/// A set of an entry's terms as the reranker asks it: sorted term numbers, looked up by word.
#[derive(Clone, Copy)]
pub(super) struct TermSet<'a> {
    ids: &'a [u32],
    of: &'a HashMap<String, u32>,
}

impl TermSet<'_> {
    pub(super) fn contains(&self, t: &str) -> bool {
        self.of
            .get(t)
            .is_some_and(|i| self.ids.binary_search(i).is_ok())
    }
}

/// One entry's term sets, as the later stages read them: a view of the stored numbers, made
/// for nothing when an entry is a candidate.
pub(super) struct Prepared<'a> {
    /// Each phrasing's terms, as sorted term numbers (see `Derived::ids`), for the
    /// reranker's innermost loop.
    pub(super) phrasings: &'a [Vec<u32>],
    /// Per phrasing, the words of its concepts that it does not have as terms ("access",
    /// "review" of "~access_review"), as sorted term numbers.
    pub(super) phrasing_parts: &'a [Vec<u32>],
    pub(super) phrasing_weights: &'a [f32],
    /// All phrasings' concept words.
    pub(super) parts: TermSet<'a>,
    /// The terms of its phrasings and topic tags.
    pub(super) union: TermSet<'a>,
    pub(super) answer: TermSet<'a>,
    /// Terms of the entry's topic tags.
    pub(super) tag_terms: TermSet<'a>,
    /// What kinds of answer its phrasings ask for ("where", "how often").
    pub(super) kinds: &'a [String],
    core: &'a [u32],
    anchors: &'a [u32],
    terms: &'a [String],
}

impl<'a> Prepared<'a> {
    /// Terms most phrasings share: what the entry is defined by.
    pub(super) fn core(&self) -> impl Iterator<Item = &'a String> + '_ {
        self.core.iter().map(|&i| &self.terms[i as usize])
    }

    /// The entry's named things: its topic tags, and anchors most phrasings share.
    pub(super) fn anchors(&self) -> impl Iterator<Item = &'a String> + '_ {
        self.anchors.iter().map(|&i| &self.terms[i as usize])
    }
}

/// What the later stages read of the library, derived once per index by [`prepare`].
pub(super) struct Derived {
    /// Per-entry term sets, in `SearchIndex::entries` order, as term numbers.
    compact: Vec<Compact>,
    /// The term of each term number.
    terms: Vec<String>,
    pub(super) idf: HashMap<String, f32>,
    /// The IDF of a term no entry has.
    pub(super) unknown_idf: f32,
    /// Terms of the library's topic tags: the things entries are about.
    pub(super) topics: HashSet<String>,
    /// Named things (synonym concepts, identifiers) that some entry's topic tags name.
    pub(super) tagged: HashSet<String>,
    /// Term → the terms it is contrasted with: the library's minimal pairs of entries, whose
    /// topic tags are the same but for one ("soc1;audit-period" and "soc2;audit-period" make
    /// SOC 1 and SOC 2 siblings).
    pub(super) contrasts: HashMap<String, HashSet<String>>,
    /// The library's words (questions, alternates, answers, tags) by first letter, for
    /// reading misspelt question words as the library word they almost are.
    pub(super) vocabulary: HashMap<char, Vec<String>>,
    /// Terms of frequencies, most frequent first ("continuously" ... "annually").
    pub(super) frequencies: Vec<String>,
    /// Each entry's answer and citations, shared by every proposal of it.
    pub(super) answers: Vec<SharedAnswer>,
    /// A number for each term of the entries' phrasings and their concept words.
    pub(super) ids: HashMap<String, u32>,
    /// Each phrasing's words (see [`phrase_key`]) → the entries phrased exactly so.
    pub(super) exact: HashMap<String, Vec<usize>>,
}

/// Everything about the library that ranking a question reads: per-entry term sets, IDF,
/// contrasts, vocabulary, exact phrasings. Read from the index folder's cache when it was
/// derived from this very library by this format; else derived now and cached there.
pub(super) fn prepare(si: &SearchIndex) -> Derived {
    if let Some(d) = cache::load(si) {
        return d;
    }
    let d = derive(si);
    cache::store(si, &d);
    d
}

/// One entry's term sets as term numbers (sets sorted; `core` and `anchors` in their order).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Compact {
    phrasings: Vec<Vec<u32>>,
    phrasing_parts: Vec<Vec<u32>>,
    phrasing_weights: Vec<f32>,
    parts: Vec<u32>,
    union: Vec<u32>,
    answer: Vec<u32>,
    core: Vec<u32>,
    anchors: Vec<u32>,
    tag_terms: Vec<u32>,
    kinds: Vec<String>,
}

/// Numbers for terms, given in order of first sight.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    terms: Vec<String>,
}

impl Interner {
    fn id(&mut self, t: &str) -> u32 {
        if let Some(&i) = self.ids.get(t) {
            return i;
        }
        let i = self.terms.len() as u32;
        self.ids.insert(t.to_string(), i);
        self.terms.push(t.to_string());
        i
    }
    fn set(&mut self, set: &HashSet<String>) -> Vec<u32> {
        let mut v: Vec<u32> = set.iter().map(|t| self.id(t)).collect();
        v.sort_unstable();
        v
    }
    fn seq(&mut self, seq: &[String]) -> Vec<u32> {
        seq.iter().map(|t| self.id(t)).collect()
    }
}

impl Analysed {
    /// The sets as term numbers; the phrasings' weights are filled in once IDF is known.
    fn compact(&self, i: &mut Interner) -> Compact {
        Compact {
            phrasings: self.phrasings.iter().map(|s| i.set(s)).collect(),
            phrasing_parts: self.phrasing_parts.iter().map(|s| i.set(s)).collect(),
            phrasing_weights: Vec::new(),
            parts: i.set(&self.parts),
            union: i.set(&self.union),
            answer: i.set(&self.answer),
            core: i.seq(&self.core),
            anchors: i.seq(&self.anchors),
            tag_terms: i.set(&self.tag_terms),
            kinds: self.kinds.clone(),
        }
    }
}

impl Derived {
    /// The term sets of the entry at `i`.
    pub(super) fn prepared(&self, i: usize) -> Option<Prepared<'_>> {
        let c = self.compact.get(i)?;
        let set = |ids| TermSet { ids, of: &self.ids };
        Some(Prepared {
            phrasings: &c.phrasings,
            phrasing_parts: &c.phrasing_parts,
            phrasing_weights: &c.phrasing_weights,
            parts: set(&c.parts),
            union: set(&c.union),
            answer: set(&c.answer),
            tag_terms: set(&c.tag_terms),
            kinds: &c.kinds,
            core: &c.core,
            anchors: &c.anchors,
            terms: &self.terms,
        })
    }
}

/// Each entry's answer and citations, shared by every proposal of it.
fn answers(si: &SearchIndex) -> Vec<SharedAnswer> {
    si.entries
        .iter()
        .map(|e| (e.answer.as_str().into(), e.citations.as_slice().into()))
        .collect()
}

/// Derive everything from the library's entries.
fn derive(si: &SearchIndex) -> Derived {
    use rayon::prelude::*;
    // Each entry is analysed on its own, across cores, a block at a time; every term then
    // gets a number (in entry order, so the numbers do not depend on the threads) and the
    // words are dropped, so a large library is never held as strings in full.
    let mut interner = Interner::default();
    let mut compact: Vec<Compact> = Vec::with_capacity(si.entries.len());
    for block in si.entries.chunks(1024) {
        let analysed: Vec<Analysed> = block.par_iter().map(|e| analyse(&si.analyzer, e)).collect();
        compact.extend(analysed.iter().map(|x| x.compact(&mut interner)));
    }
    // Document frequency over what entries are *about* (phrasings and tags): an answer
    // that mentions SOC 1 in passing does not make "SOC 1" a common word. Words found only
    // in answers take their frequency among answers.
    let mut df = vec![0u32; interner.terms.len()];
    let mut df_answer = vec![0u32; interner.terms.len()];
    for c in &compact {
        for &t in &c.union {
            df[t as usize] += 1;
        }
        for &t in &c.answer {
            df_answer[t as usize] += 1;
        }
    }
    let n = compact.len().max(1) as f32;
    let idf_of = |d: f32| (1.0 + (n - d + 0.5) / (d + 0.5)).ln();
    let mut idf: HashMap<String, f32> = HashMap::default();
    for (i, t) in interner.terms.iter().enumerate() {
        let d = if df[i] > 0 { df[i] } else { df_answer[i] };
        if d > 0 {
            idf.insert(t.clone(), idf_of(d as f32));
        }
    }
    for c in &mut compact {
        c.phrasing_weights = c
            .phrasings
            .iter()
            .map(|ids| {
                // Summed in the terms' alphabetical order, so that the last bits of the sum,
                // and any tie they decide, never depend on how the set was built.
                let mut terms: Vec<&String> =
                    ids.iter().map(|&i| &interner.terms[i as usize]).collect();
                terms.sort_unstable();
                terms
                    .iter()
                    .map(|t| idf.get(*t).copied().unwrap_or(0.0))
                    .sum()
            })
            .collect();
    }
    let a = &si.analyzer;
    let topics: HashSet<String> = compact
        .iter()
        .flat_map(|c| {
            c.anchors
                .iter()
                .map(|&i| interner.terms[i as usize].clone())
        })
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
    let answers = answers(si);
    let mut exact: HashMap<String, Vec<usize>> = HashMap::default();
    for (i, e) in si.entries.iter().enumerate() {
        for p in e.phrasings() {
            let v = exact.entry(phrase_key(p)).or_default();
            if !v.contains(&i) {
                v.push(i);
            }
        }
    }
    let contrasts = contrasts(si, &compact, &interner.terms);
    Derived {
        exact,
        answers,
        ids: interner.ids,
        terms: interner.terms,
        frequencies,
        vocabulary,
        contrasts,
        tagged,
        topics,
        compact,
        idf,
        unknown_idf: idf_of(0.0),
    }
}

/// One entry's term sets, with their words.
fn analyse(a: &Analyzer, e: &crate::knowledge::Entry) -> Analysed {
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
    Analysed {
        phrasing_parts,
        parts,
        kinds: {
            let mut k: Vec<String> = e
                .phrasings()
                .filter_map(crate::text::question_kind)
                .map(String::from)
                .collect();
            k.sort();
            k.dedup();
            k
        },
        tag_terms: a
            .terms(&topic_tags(&e.tags).join(" "))
            .into_iter()
            .collect(),
        phrasings,
        union,
        answer: a.terms(&e.answer).into_iter().collect(),
        core,
        anchors,
    }
}

/// Contrast pairs mined from the library's tags: two entries whose topic tags are the same
/// but for one make the terms of those two tags siblings. Built in one pass by keying each
/// entry on its tags minus one; entries with a single topic tag say nothing.
fn contrasts(
    si: &SearchIndex,
    compact: &[Compact],
    terms: &[String],
) -> HashMap<String, HashSet<String>> {
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
    for c in compact {
        for ph in &c.phrasings {
            let mut terms: Vec<&str> = ph.iter().map(|&i| terms[i as usize].as_str()).collect();
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
pub(super) fn is_anchor(t: &str) -> bool {
    t.starts_with(crate::text::CONCEPT_PREFIX) || t.bytes().any(|b| b.is_ascii_digit())
}
