//! The library's phrasing vectors: computed once per library and model, kept beside the index.
//!
//! Encoding is the slow part of the semantic stage (a few hundred phrasings a second on two
//! cores), and a library changes far less often than questionnaires arrive, so every entry's
//! question and alternates are encoded when the index is built and stored in
//! `.vouch-index/vectors.bin`; a fill encodes only its questions. The file names the model that
//! made it and carries a hash of the exact texts it encodes, in order, so a vector can never be
//! read against another model or another library: either mismatch and it is computed again.
//! The file is a cache like the rest of the index: written to a temporary name and renamed.

use std::path::Path;

use crate::error::{Error, Result};
use crate::knowledge::Entry;

use super::Embedder;

/// The file's first bytes, with its format version (2: answer vectors and text keys).
const MAGIC: &[u8; 10] = b"VOUCHVEC2\n";

/// Every phrasing's vector, with the entry it belongs to, and every entry's answer's vector.
#[derive(Debug, Clone, PartialEq)]
pub struct PhrasingVectors {
    /// The model that made them ([`Embedder::id`]).
    pub model: String,
    pub dim: usize,
    /// For each phrasing vector, the position of its entry in the list it was made from.
    pub owner: Vec<u32>,
    /// `owner.len() * dim` floats, one unit vector after another.
    pub data: Vec<f32>,
    /// `entries * dim` floats: each entry's answer text's unit vector, in entry order.
    pub answers: Vec<f32>,
    /// The key ([`text_key`]) of every text encoded: the phrasings, then the answers. A
    /// rebuild after an edit reuses the vectors of texts it already has.
    pub keys: Vec<u64>,
    /// The hash of the texts encoded (see [`texts_hash`]).
    pub texts: String,
}

/// The texts that are encoded for `entries`: each entry's question and alternates, in order,
/// with their owners.
pub fn phrasing_texts(entries: &[Entry]) -> (Vec<&str>, Vec<u32>) {
    let mut texts = Vec::new();
    let mut owner = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        for p in e.phrasings() {
            texts.push(p);
            owner.push(i as u32);
        }
    }
    (texts, owner)
}

/// Each entry's answer text, in entry order: encoded too, because a question worded unlike
/// every phrasing ("How much data could be lost in a disaster?") is often close in meaning to
/// the answer that states it ("... a recovery point objective of 1 hour ...").
pub fn answer_texts(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(|e| e.answer.as_str()).collect()
}

/// Every text encoded for `entries`: the phrasings, then the answers.
pub fn all_texts(entries: &[Entry]) -> Vec<&str> {
    let (mut texts, _) = phrasing_texts(entries);
    texts.extend(answer_texts(entries));
    texts
}

/// The key of one text's vector: FNV-1a of its bytes.
pub fn text_key(text: &str) -> u64 {
    crate::hash::fnv1a(crate::hash::OFFSET, text.as_bytes())
}

/// FNV-1a of the texts and their owners, then the answers: what a vectors file must have
/// been made from.
pub fn texts_hash(entries: &[Entry]) -> String {
    let (texts, owner) = phrasing_texts(entries);
    let mut h = crate::hash::Fnv::default();
    for (t, o) in texts.iter().zip(&owner) {
        h.raw(&o.to_le_bytes());
        h.field(t.as_bytes());
    }
    h.raw(b"answers");
    for a in answer_texts(entries) {
        h.field(a.as_bytes());
    }
    h.hex()
}

/// The header line's model, dimension, phrasing count, entry count and texts hash; None
/// unless all are there and the dimension is not 0.
fn parse_header(line: &[u8]) -> Option<(String, usize, usize, usize, String)> {
    let header: serde_json::Value = serde_json::from_slice(line).ok()?;
    let model = header.get("model")?.as_str()?.to_string();
    let texts = header.get("texts")?.as_str()?.to_string();
    let dim = usize::try_from(header.get("dim")?.as_u64()?).ok()?;
    let count = usize::try_from(header.get("count")?.as_u64()?).ok()?;
    let entries = usize::try_from(header.get("entries")?.as_u64()?).ok()?;
    (dim > 0).then_some((model, dim, count, entries, texts))
}

/// The file's length after the header line: owners (u32), keys (u64), vectors (f32).
fn body_len(count: usize, entries: usize, dim: usize) -> Option<u64> {
    let (count, entries, dim) = (count as u64, entries as u64, dim as u64);
    let vectors = count.checked_add(entries)?;
    count
        .checked_mul(4)?
        .checked_add(vectors.checked_mul(8)?)?
        .checked_add(vectors.checked_mul(dim)?.checked_mul(4)?)
}

impl PhrasingVectors {
    /// Encode every phrasing and answer of `entries`.
    pub fn compute(emb: &Embedder, entries: &[Entry]) -> Result<PhrasingVectors> {
        PhrasingVectors::compute_reusing(emb, entries, None).map(|(v, _)| v)
    }

    /// Encode every phrasing and answer of `entries`, taking from `old` (vectors of an
    /// earlier version of the library) those of texts it already encoded with this model:
    /// after an edit only the changed texts are encoded. Also returns how many distinct
    /// texts were encoded.
    pub fn compute_reusing(
        emb: &Embedder,
        entries: &[Entry],
        old: Option<&PhrasingVectors>,
    ) -> Result<(PhrasingVectors, usize)> {
        let texts = all_texts(entries);
        let mut known: std::collections::HashMap<u64, &[f32]> = Default::default();
        if let Some(old) = old.filter(|o| o.model == emb.id() && o.dim == emb.dim()) {
            for (i, k) in old.keys.iter().enumerate() {
                let v = old.text_vector(i);
                if v.len() == old.dim {
                    known.insert(*k, v);
                }
            }
        }
        let mut missing: Vec<&str> = texts
            .iter()
            .copied()
            .filter(|t| !known.contains_key(&text_key(t)))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        let fresh = emb.encode(&missing)?;
        let fresh: std::collections::HashMap<u64, &[f32]> = missing
            .iter()
            .zip(&fresh)
            .map(|(t, v)| (text_key(t), v.as_slice()))
            .collect();
        let vectors: Vec<&[f32]> = texts
            .iter()
            .map(|t| {
                let k = text_key(t);
                fresh
                    .get(&k)
                    .or_else(|| known.get(&k))
                    .copied()
                    .unwrap_or(&[])
            })
            .collect();
        Ok((
            PhrasingVectors::assemble(emb, entries, &vectors),
            missing.len(),
        ))
    }

    /// The vectors of `entries` from `vectors`, one per text in [`all_texts`] order (already
    /// encoded by `emb`, e.g. from a cache of texts).
    pub fn assemble<V: AsRef<[f32]>>(
        emb: &Embedder,
        entries: &[Entry],
        vectors: &[V],
    ) -> PhrasingVectors {
        let texts = all_texts(entries);
        let (phrasings, owner) = phrasing_texts(entries);
        let dim = emb.dim();
        let mut data = Vec::with_capacity(phrasings.len() * dim);
        let mut answers = Vec::with_capacity(entries.len() * dim);
        for (i, v) in vectors.iter().enumerate() {
            let v = v.as_ref();
            // A vector of another length (none should be) counts as orthogonal to all.
            let v = if v.len() == dim { v } else { &[] };
            let out = if i < phrasings.len() {
                &mut data
            } else {
                &mut answers
            };
            out.extend_from_slice(v);
            out.resize(out.len() + dim - v.len(), 0.0);
        }
        PhrasingVectors {
            model: emb.id().to_string(),
            dim,
            texts: texts_hash(entries),
            keys: texts.iter().map(|t| text_key(t)).collect(),
            owner,
            data,
            answers,
        }
    }

    /// True when these vectors were made by `emb` from exactly the phrasings and answers of
    /// `entries`.
    pub fn fits(&self, emb: &Embedder, entries: &[Entry]) -> bool {
        let (_, owner) = phrasing_texts(entries);
        self.model == emb.id()
            && self.dim == emb.dim()
            && self.owner == owner
            && self.answers.len() == entries.len() * self.dim
            && self.texts == texts_hash(entries)
    }

    /// The phrasing vector at `i`.
    pub fn vector(&self, i: usize) -> &[f32] {
        self.data
            .get(i * self.dim..(i + 1) * self.dim)
            .unwrap_or(&[])
    }

    /// The answer vector of the entry at `entry`.
    pub fn answer(&self, entry: usize) -> &[f32] {
        self.answers
            .get(entry * self.dim..(entry + 1) * self.dim)
            .unwrap_or(&[])
    }

    /// The vector of the `i`th text in [`all_texts`] order.
    fn text_vector(&self, i: usize) -> &[f32] {
        match i.checked_sub(self.owner.len()) {
            None => self.vector(i),
            Some(a) => self.answer(a),
        }
    }

    /// The number of entries the answers are for.
    pub fn entries(&self) -> usize {
        self.answers.len() / self.dim.max(1)
    }

    /// The file's bytes: magic, a JSON header line, owners (u32), keys (u64), phrasing
    /// vectors and answer vectors (f32), little endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::json!({
            "model": self.model,
            "dim": self.dim,
            "count": self.owner.len(),
            "entries": self.entries(),
            "texts": self.texts,
        });
        let floats = self.data.len() + self.answers.len();
        let mut out =
            Vec::with_capacity(64 + self.owner.len() * 4 + self.keys.len() * 8 + floats * 4);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(header.to_string().as_bytes());
        out.push(b'\n');
        for o in &self.owner {
            out.extend_from_slice(&o.to_le_bytes());
        }
        for k in &self.keys {
            out.extend_from_slice(&k.to_le_bytes());
        }
        for x in self.data.iter().chain(&self.answers) {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out
    }

    /// Read a vectors file's bytes; None when they are not one (a cache is then rebuilt,
    /// never trusted half-way).
    pub fn from_bytes(bytes: &[u8]) -> Option<PhrasingVectors> {
        PhrasingVectors::read(&mut std::io::Cursor::new(bytes), bytes.len() as u64)
    }

    /// Read `path`; None when it is missing or not a vectors file. Streamed: a library of
    /// 25,000 entries has some 90 MB of vectors, which are not also held as bytes.
    pub fn load(path: &Path) -> Option<PhrasingVectors> {
        let file = std::fs::File::open(path).ok()?;
        let expected = file.metadata().ok()?.len();
        PhrasingVectors::read(&mut std::io::BufReader::new(file), expected)
    }

    /// Read a vectors file of `expected` bytes from `r`.
    fn read(r: &mut impl std::io::BufRead, expected: u64) -> Option<PhrasingVectors> {
        let mut magic = [0u8; MAGIC.len()];
        r.read_exact(&mut magic).ok()?;
        if &magic != MAGIC {
            return None;
        }
        let mut line = Vec::new();
        r.read_until(b'\n', &mut line).ok()?;
        let header = line.strip_suffix(b"\n")?;
        let (model, dim, count, entries, texts) = parse_header(header)?;
        if expected
            != ((MAGIC.len() + line.len()) as u64).checked_add(body_len(count, entries, dim)?)?
        {
            return None;
        }
        let mut word = [0u8; 4];
        let mut long = [0u8; 8];
        let mut owner = Vec::with_capacity(count);
        for _ in 0..count {
            r.read_exact(&mut word).ok()?;
            owner.push(u32::from_le_bytes(word));
        }
        let mut keys = Vec::with_capacity(count + entries);
        for _ in 0..count + entries {
            r.read_exact(&mut long).ok()?;
            keys.push(u64::from_le_bytes(long));
        }
        let mut floats = |n: usize| -> Option<Vec<f32>> {
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                r.read_exact(&mut word).ok()?;
                v.push(f32::from_le_bytes(word));
            }
            Some(v)
        };
        let data = floats(count.checked_mul(dim)?)?;
        let answers = floats(entries.checked_mul(dim)?)?;
        Some(PhrasingVectors {
            model,
            dim,
            owner,
            data,
            answers,
            keys,
            texts,
        })
    }

    /// Write `path` atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::atomic::write_bytes(path, &self.to_bytes())
            .map_err(|e| Error::internal(format!("cannot write vectors {}: {e}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, q: &str, alts: &[&str]) -> Entry {
        Entry {
            id: id.into(),
            question: q.into(),
            alternates: alts.iter().map(|s| s.to_string()).collect(),
            answer: "Yes.".into(),
            template: None,
            short_answer: None,
            citations: Vec::new(),
            tags: Vec::new(),
            owner: String::new(),
            reviewed: None,
            file: "a.toml".into(),
            line: 1,
        }
    }

    #[test]
    fn round_trips_and_refuses_other_texts_and_truncation() {
        let d = tempfile::tempdir().unwrap();
        super::super::testing::write_tiny_model(d.path()).unwrap();
        let emb = Embedder::load(d.path()).unwrap();
        let entries = vec![
            entry(
                "a",
                "do you encrypt data at rest",
                &["is customer data encrypted"],
            ),
            entry("b", "what is your password policy", &[]),
        ];
        let v = PhrasingVectors::compute(&emb, &entries).unwrap();
        assert_eq!(v.owner, vec![0, 0, 1]);
        assert_eq!(v.data.len(), 3 * emb.dim());
        assert_eq!(v.answers.len(), 2 * emb.dim());
        assert_eq!(v.keys.len(), 5);
        assert!(v.fits(&emb, &entries));
        let bytes = v.to_bytes();
        assert_eq!(PhrasingVectors::from_bytes(&bytes).unwrap(), v);
        // Any cut is refused, never half read.
        for cut in [0, 5, MAGIC.len() + 3, bytes.len() - 1] {
            assert!(
                PhrasingVectors::from_bytes(&bytes[..cut]).is_none(),
                "{cut}"
            );
        }
        // Another phrasing, or the same phrasings in other entries, does not fit.
        let mut other = entries.clone();
        other[1].question = "what is your backup policy".into();
        assert!(!v.fits(&emb, &other));
        let swapped = vec![entries[1].clone(), entries[0].clone()];
        assert!(!v.fits(&emb, &swapped));
        // Another answer does not fit either: answers are encoded too.
        let mut answered = entries.clone();
        answered[0].answer = "No.".into();
        assert!(!v.fits(&emb, &answered));
        let p = d.path().join("vectors.bin");
        v.save(&p).unwrap();
        assert_eq!(PhrasingVectors::load(&p).unwrap(), v);
        // A cut or lengthened file is refused when streamed too.
        std::fs::write(&p, &bytes[..bytes.len() - 3]).unwrap();
        assert!(PhrasingVectors::load(&p).is_none());
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[0, 0, 0, 0]);
        std::fs::write(&p, &longer).unwrap();
        assert!(PhrasingVectors::load(&p).is_none());
    }

    #[test]
    fn a_rebuild_encodes_only_changed_texts() {
        let d = tempfile::tempdir().unwrap();
        super::super::testing::write_tiny_model(d.path()).unwrap();
        let emb = Embedder::load(d.path()).unwrap();
        let entries = vec![
            entry(
                "a",
                "do you encrypt data at rest",
                &["is customer data encrypted"],
            ),
            entry("b", "what is your password policy", &[]),
        ];
        let old = PhrasingVectors::compute(&emb, &entries).unwrap();
        let mut edited = entries.clone();
        edited[1].question = "what is your backup policy".into();
        edited.push(entry("c", "do you encrypt data at rest", &[]));
        let fresh = PhrasingVectors::compute(&emb, &edited).unwrap();
        // Poison the old vectors of the texts that stay: a reuse shows as the poisoned value.
        let mut poisoned = old.clone();
        for x in poisoned.data.iter_mut().chain(poisoned.answers.iter_mut()) {
            *x = 0.5;
        }
        let (reused, encoded) =
            PhrasingVectors::compute_reusing(&emb, &edited, Some(&poisoned)).unwrap();
        assert_eq!(encoded, 1);
        assert!(reused.fits(&emb, &edited));
        assert_eq!(reused.vector(0), &[0.5; 32][..]);
        assert_eq!(reused.vector(1), &[0.5; 32][..]);
        // The new question is encoded; the repeated one reused.
        let near = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5);
        assert!(near(reused.vector(2), fresh.vector(2)));
        assert_eq!(reused.vector(3), &[0.5; 32][..]);
        assert_eq!(reused.answer(2), &[0.5; 32][..]);
        // Vectors of another model are never reused.
        poisoned.model = "another".into();
        let (other, encoded) =
            PhrasingVectors::compute_reusing(&emb, &edited, Some(&poisoned)).unwrap();
        assert_eq!(other, fresh);
        assert_eq!(encoded, 4);
    }
}
