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

/// How many minimal pairs of entries must contrast two terms for them to be siblings.
const MIN_CONTRAST_PAIRS: u32 = 2;

/// Per-entry term sets, prepared once per index.
pub(super) struct Prepared {
    pub(super) phrasings: Vec<HashSet<String>>,
    /// Per phrasing, the words of its concepts that it does not have as terms ("access",
    /// "review" of "~access_review").
    pub(super) phrasing_parts: Vec<HashSet<String>>,
    /// All phrasings' concept words.
    pub(super) parts: HashSet<String>,
    pub(super) phrasing_weights: Vec<f32>,
    /// `phrasings` and `phrasing_parts` as sorted term ids (see `Derived::ids`), for the
    /// reranker's innermost loop.
    pub(super) phrasing_ids: Vec<(Vec<u32>, Vec<u32>)>,
    pub(super) union: HashSet<String>,
    pub(super) answer: HashSet<String>,
    /// Terms most phrasings share: what the entry is defined by.
    pub(super) core: Vec<String>,
    /// The entry's named things: its topic tags, and anchors most phrasings share.
    pub(super) anchors: Vec<String>,
    /// Terms of the entry's topic tags.
    pub(super) tag_terms: HashSet<String>,
    /// What kinds of answer its phrasings ask for ("where", "how often").
    pub(super) kinds: HashSet<&'static str>,
}

/// What the later stages read of the library, derived once per index by [`prepare`].
pub(super) struct Derived {
    /// Per-entry term sets, in `SearchIndex::entries` order.
    pub(super) prepared: Vec<Prepared>,
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
/// contrasts, vocabulary, exact phrasings.
pub(super) fn prepare(si: &SearchIndex) -> Derived {
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
    Derived {
        exact,
        answers,
        ids,
        frequencies,
        vocabulary,
        contrasts: contrasts(si, &prepared),
        tagged,
        topics,
        prepared,
        idf,
        unknown_idf: idf_of(0.0),
    }
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
pub(super) fn is_anchor(t: &str) -> bool {
    t.starts_with(crate::text::CONCEPT_PREFIX) || t.bytes().any(|b| b.is_ascii_digit())
}
