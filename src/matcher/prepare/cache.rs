//! The matcher's derived data, kept beside the index so that a fill need not derive it again.
//!
//! Deriving what ranking reads of a library (`super::derive`) analyses every phrasing: about
//! two seconds for 25,000 entries, on every run. It depends on the library alone, so it is
//! stored in the index folder (`derived.bin`, postcard, every term a number) under the
//! library's content hash and a format number, and read back in a tenth of that. A cache
//! that does not fit (another library version, another format, numbers out of range) is
//! ignored and derived again; writing it is best effort, for a folder that cannot be written
//! only costs the next run the time.

use super::{answers, Compact, Derived, Interner};
use crate::index::SearchIndex;
use crate::text::{HashMap, HashSet};

/// The cache file in the index folder.
const CACHE_FILE: &str = "derived.bin";
/// Bump when what is derived, or how, changes: an older cache is then derived again.
const CACHE_FORMAT: u32 = 1;

/// The derived data of `si` from its cache, when the cache is this library's and whole.
pub(super) fn load(si: &SearchIndex) -> Option<Derived> {
    si.read_cache(CACHE_FILE)
        .and_then(|bytes| postcard::from_bytes::<Stored>(&bytes).ok())
        .filter(|s| s.format == CACHE_FORMAT && !si.hash.is_empty() && s.hash == si.hash)
        .filter(|s| s.compact.len() == si.entries.len())
        .and_then(|s| Derived::from_stored(s, si))
}

/// Store `d` beside the index of `si` (nothing for an index held in memory).
pub(super) fn store(si: &SearchIndex, d: &Derived) {
    if si.dir.is_some() {
        if let Ok(bytes) = postcard::to_stdvec(&d.to_stored(&si.hash)) {
            si.write_cache(CACHE_FILE, &bytes);
        }
    }
}

/// [`Derived`] as cached: plain data, every term a number into `terms`.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    format: u32,
    /// The library hash of the index it was derived from.
    hash: String,
    terms: Vec<String>,
    /// Per term number, its IDF (NaN: none).
    idf: Vec<f32>,
    unknown_idf: f32,
    compact: Vec<Compact>,
    topics: Vec<u32>,
    tagged: Vec<u32>,
    contrasts: Vec<(u32, Vec<u32>)>,
    vocabulary: Vec<String>,
    frequencies: Vec<String>,
    exact: Vec<(String, Vec<u32>)>,
}

impl Derived {
    fn to_stored(&self, hash: &str) -> Stored {
        let mut i = Interner::default();
        for t in &self.terms {
            i.id(t);
        }
        let set = |i: &mut Interner, s: &HashSet<String>| i.set(s);
        let topics = set(&mut i, &self.topics);
        let tagged = set(&mut i, &self.tagged);
        let mut contrasts: Vec<(u32, Vec<u32>)> = self
            .contrasts
            .iter()
            .map(|(t, with)| (i.id(t), i.set(with)))
            .collect();
        contrasts.sort_unstable();
        for t in self.idf.keys() {
            i.id(t);
        }
        let mut idf = vec![f32::NAN; i.terms.len()];
        for (t, w) in &self.idf {
            idf[i.ids[t] as usize] = *w;
        }
        let mut vocabulary: Vec<String> = self.vocabulary.values().flatten().cloned().collect();
        vocabulary.sort();
        let mut exact: Vec<(String, Vec<u32>)> = self
            .exact
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().map(|&e| e as u32).collect()))
            .collect();
        exact.sort();
        Stored {
            format: CACHE_FORMAT,
            hash: hash.to_string(),
            terms: i.terms,
            idf,
            unknown_idf: self.unknown_idf,
            compact: self.compact.clone(),
            topics,
            tagged,
            contrasts,
            vocabulary,
            frequencies: self.frequencies.clone(),
            exact,
        }
    }

    /// The derived data back from its cached form (None when it does not hold together).
    fn from_stored(s: Stored, si: &SearchIndex) -> Option<Derived> {
        let n = s.terms.len();
        if s.idf.len() != n {
            return None;
        }
        let ok = |v: &[u32]| v.iter().all(|&t| (t as usize) < n);
        let fits = s.compact.iter().all(|c| {
            c.phrasings.iter().chain(&c.phrasing_parts).all(|v| ok(v))
                && [
                    &c.parts,
                    &c.union,
                    &c.answer,
                    &c.core,
                    &c.anchors,
                    &c.tag_terms,
                ]
                .iter()
                .all(|v| ok(v))
                && c.phrasing_weights.len() == c.phrasings.len()
                && c.phrasing_parts.len() == c.phrasings.len()
        }) && ok(&s.topics)
            && ok(&s.tagged)
            && s.contrasts.iter().all(|(t, w)| ok(&[*t]) && ok(w))
            && s.exact
                .iter()
                .all(|(_, v)| v.iter().all(|&e| (e as usize) < si.entries.len()));
        if !fits {
            return None;
        }
        let terms = s.terms;
        let term = |i: &u32| terms[*i as usize].clone();
        let ids: HashMap<String, u32> = terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let idf: HashMap<String, f32> = terms
            .iter()
            .zip(&s.idf)
            .filter(|(_, w)| !w.is_nan())
            .map(|(t, w)| (t.clone(), *w))
            .collect();
        let mut vocabulary: HashMap<char, Vec<String>> = HashMap::default();
        for w in s.vocabulary {
            if let Some(c) = w.chars().next() {
                vocabulary.entry(c).or_default().push(w);
            }
        }
        Some(Derived {
            compact: s.compact,
            idf,
            unknown_idf: s.unknown_idf,
            topics: s.topics.iter().map(term).collect(),
            tagged: s.tagged.iter().map(term).collect(),
            contrasts: s
                .contrasts
                .iter()
                .map(|(t, with)| (term(t), with.iter().map(term).collect()))
                .collect(),
            vocabulary,
            frequencies: s.frequencies,
            answers: answers(si),
            ids,
            exact: s
                .exact
                .into_iter()
                .map(|(k, v)| (k, v.into_iter().map(|e| e as usize).collect()))
                .collect(),
            terms,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::matcher::{Matcher, Query};

    /// The shipped library in a temporary folder, indexed.
    fn shipped() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
        for f in std::fs::read_dir(from).unwrap().flatten() {
            if f.path().is_file() {
                std::fs::copy(f.path(), d.path().join(f.file_name())).unwrap();
            }
        }
        d
    }

    fn ranks(m: &Matcher<'_>, questions: &[&str]) -> Vec<(Vec<usize>, Vec<u32>, u32)> {
        questions
            .iter()
            .map(|q| {
                let r = m.rank(&Query {
                    text: q.to_string(),
                    ..Default::default()
                });
                (
                    r.candidates.iter().map(|c| c.entry).collect(),
                    r.candidates.iter().map(|c| c.score.to_bits()).collect(),
                    r.confidence.to_bits(),
                )
            })
            .collect()
    }

    #[test]
    fn the_cache_ranks_exactly_as_deriving_and_a_bad_one_is_derived_again() {
        let d = shipped();
        let (si, _) = crate::index::open_or_build(d.path()).unwrap();
        let qs = [
            "Do you have a SOC 2 Type II report?",
            "Is customer data encrypted at rest?",
            "How often are penetration tests performed?",
            "Do you enforce MFA for administrators?",
            "Which subprocessors do you use?",
        ];
        let cache = si.dir.clone().unwrap().join(super::CACHE_FILE);
        assert!(!cache.exists());
        let derived = ranks(&Matcher::new(&si), &qs);
        assert!(cache.is_file(), "deriving stores the cache");
        assert!(super::load(&si).is_some(), "the stored cache is read back");
        assert_eq!(ranks(&Matcher::new(&si), &qs), derived);
        // A cache of another library version, or damaged, is not used.
        let mut other = crate::index::open_or_build(d.path()).unwrap().0;
        other.hash = "another library".into();
        assert!(super::load(&other).is_none());
        let bytes = std::fs::read(&cache).unwrap();
        std::fs::write(&cache, &bytes[..bytes.len() / 2]).unwrap();
        assert!(super::load(&si).is_none());
        assert_eq!(ranks(&Matcher::new(&si), &qs), derived);
    }
}
