//! Retrieval by meaning: the question's vector against every phrasing's vector.
//!
//! Words miss paraphrases ("Is customer data encrypted when stored?" shares no content word
//! with "Do you encrypt data at rest?"), and a sentence encoder finds them. This stage holds
//! the library's phrasing vectors (computed at index time, see `crate::embed::store`) and the
//! questionnaire's question vectors (encoded in batches before matching starts, so the
//! per-question work is a scan of dot products), and gives each entry the cosine of its
//! closest phrasing. The matcher takes the nearest entries as candidates beside tantivy's and
//! the cosine as one feature among the lexical ones, which still carry what an encoder blurs:
//! SOC 1 against SOC 2, detection against prevention, a question id.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::embed::store::PhrasingVectors;
use crate::embed::Embedder;
use crate::error::Result;

/// How many entries the semantic stage adds to tantivy's candidates.
pub const NEAREST: usize = 20;

/// A library's phrasing vectors and the encoder that made them.
#[derive(Clone)]
pub struct Semantic {
    embedder: Arc<Embedder>,
    vectors: Arc<PhrasingVectors>,
    /// Question text → its vector, filled by [`Semantic::prepare`] (and by single encodes of
    /// texts it was not given, such as the parts of a compound question).
    questions: Arc<RwLock<HashMap<String, Arc<[f32]>>>>,
}

impl std::fmt::Debug for Semantic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Semantic")
            .field("model", &self.vectors.model)
            .field("phrasings", &self.vectors.owner.len())
            .finish()
    }
}

impl Semantic {
    /// `vectors` must have been made by `embedder` (see [`PhrasingVectors::fits`]).
    pub fn new(embedder: Arc<Embedder>, vectors: PhrasingVectors) -> Semantic {
        Semantic {
            embedder,
            vectors: Arc::new(vectors),
            questions: Arc::default(),
        }
    }

    /// The same encoder and question cache over other phrasing vectors (a variant of the
    /// library, as `vouch eval --held-out` makes).
    pub fn with_vectors(&self, vectors: PhrasingVectors) -> Semantic {
        Semantic {
            vectors: Arc::new(vectors),
            ..self.clone()
        }
    }

    /// The phrasing vectors of `entries`, encoded through the cache of texts: a variant of a
    /// library whose phrasings were all encoded before costs no encoding.
    pub fn vectors_for(&self, entries: &[crate::knowledge::Entry]) -> Result<PhrasingVectors> {
        let texts = crate::embed::store::all_texts(entries);
        self.prepare(texts.iter().copied())?;
        let known = self.questions.read().unwrap_or_else(|e| e.into_inner());
        let mut vectors = Vec::with_capacity(texts.len());
        for t in &texts {
            let v = known
                .get(*t)
                .cloned()
                .ok_or_else(|| crate::error::Error::internal("a prepared text has no vector"))?;
            vectors.push(v);
        }
        Ok(PhrasingVectors::assemble(&self.embedder, entries, &vectors))
    }

    /// The model's id.
    pub fn model(&self) -> &str {
        &self.vectors.model
    }

    /// Encode, in batches, the texts not encoded yet.
    pub fn prepare<'t>(&self, texts: impl IntoIterator<Item = &'t str>) -> Result<()> {
        let mut missing: Vec<&str> = {
            let known = self.questions.read().unwrap_or_else(|e| e.into_inner());
            texts
                .into_iter()
                .filter(|t| !known.contains_key(*t))
                .collect()
        };
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        let vectors = self.embedder.encode(&missing)?;
        let mut known = self.questions.write().unwrap_or_else(|e| e.into_inner());
        for (t, v) in missing.into_iter().zip(vectors) {
            known.insert(t.to_string(), v.into());
        }
        Ok(())
    }

    /// The vector of `text`: prepared, or encoded now (alone, which gives the same vector
    /// within rounding).
    pub fn vector(&self, text: &str) -> Option<Arc<[f32]>> {
        if let Some(v) = self
            .questions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(text)
        {
            return Some(v.clone());
        }
        self.prepare([text]).ok()?;
        self.questions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(text)
            .cloned()
    }

    /// For each of the `entries` entries, the cosine of its closest phrasing to `q` and of
    /// its answer (unit vectors: the dot product). An entry without vectors gets 0.
    pub fn similarities(&self, q: &[f32], entries: usize) -> Similarities {
        let v = &self.vectors;
        let mut best = vec![0.0f32; entries];
        let mut answer = vec![0.0f32; entries];
        if q.len() != v.dim {
            return Similarities {
                phrasing: best,
                answer,
            };
        }
        for (i, owner) in v.owner.iter().enumerate() {
            let d = dot(q, v.vector(i));
            if let Some(b) = best.get_mut(*owner as usize) {
                if d > *b {
                    *b = d;
                }
            }
        }
        for (e, a) in answer.iter_mut().enumerate() {
            let av = v.answer(e);
            if av.len() == q.len() {
                *a = dot(q, av);
            }
        }
        Similarities {
            phrasing: best,
            answer,
        }
    }
}

/// One question's closeness in meaning to every entry, by position.
#[derive(Debug, Clone, PartialEq)]
pub struct Similarities {
    /// The cosine of the entry's closest phrasing.
    pub phrasing: Vec<f32>,
    /// The cosine of the entry's answer text.
    pub answer: Vec<f32>,
}

/// The positions of the `k` largest values, largest first (ties by position).
pub fn nearest(sims: &[f32], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sims.len()).collect();
    let cmp = |a: &usize, b: &usize| sims[*b].total_cmp(&sims[*a]).then(a.cmp(b));
    if order.len() > k {
        order.select_nth_unstable_by(k, cmp);
        order.truncate(k);
    }
    order.sort_by(cmp);
    order
}

/// The dot product, in eight lanes so that the compiler vectorises it.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_takes_the_largest_in_order() {
        assert_eq!(nearest(&[0.1, 0.9, 0.5, 0.9], 2), vec![1, 3]);
        assert_eq!(nearest(&[0.1, 0.9, 0.5], 10), vec![1, 2, 0]);
        assert!(nearest(&[], 3).is_empty());
    }

    #[test]
    fn dot_matches_the_plain_sum() {
        let a: Vec<f32> = (0..21).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..21).map(|i| 1.0 - i as f32 * 0.1).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-3);
    }

    #[test]
    fn similarities_take_each_entrys_closest_phrasing() {
        let d = tempfile::tempdir().unwrap();
        crate::embed::testing::write_tiny_model(d.path()).unwrap();
        let emb = Arc::new(Embedder::load(d.path()).unwrap());
        let mut e = crate::knowledge::Entry {
            id: "a".into(),
            question: "do you encrypt data at rest".into(),
            alternates: vec!["what is your password policy".into()],
            answer: "Yes.".into(),
            template: None,
            short_answer: None,
            citations: Vec::new(),
            tags: Vec::new(),
            owner: String::new(),
            reviewed: None,
            file: "a.toml".into(),
            line: 1,
        };
        let mut other = e.clone();
        other.id = "b".into();
        other.question = "backup logs".into();
        other.alternates.clear();
        e.alternates.push("audit".into());
        let entries = vec![e, other];
        let v = PhrasingVectors::compute(&emb, &entries).unwrap();
        let s = Semantic::new(emb, v);
        s.prepare(["what is your password policy"]).unwrap();
        let q = s.vector("what is your password policy").unwrap();
        let sims = s.similarities(&q, 2);
        // The alternate is the question itself.
        assert!((sims.phrasing[0] - 1.0).abs() < 1e-4, "{sims:?}");
        assert!(sims.phrasing[1] < sims.phrasing[0]);
        // Both answers are "Yes.": the same cosine, below the phrasing's.
        assert_eq!(sims.answer[0], sims.answer[1]);
        assert!(sims.answer[0] < sims.phrasing[0]);
        // A text never prepared is encoded on demand.
        assert!(s.vector("backup logs").is_some());
    }
}
