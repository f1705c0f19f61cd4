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

/// The file's first bytes, with its format version.
const MAGIC: &[u8; 10] = b"VOUCHVEC1\n";

/// Every phrasing's vector, with the entry it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct PhrasingVectors {
    /// The model that made them ([`Embedder::id`]).
    pub model: String,
    pub dim: usize,
    /// For each vector, the position of its entry in the list it was made from.
    pub owner: Vec<u32>,
    /// `owner.len() * dim` floats, one unit vector after another.
    pub data: Vec<f32>,
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

/// FNV-1a of the texts and their owners: what a vectors file must have been made from.
pub fn texts_hash(texts: &[&str], owner: &[u32]) -> String {
    let mut h = crate::hash::Fnv::default();
    for (t, o) in texts.iter().zip(owner) {
        h.raw(&o.to_le_bytes());
        h.field(t.as_bytes());
    }
    h.hex()
}

/// The header line's model, dimension, count and texts hash; None unless all are there and
/// the dimension is not 0.
fn parse_header(line: &[u8]) -> Option<(String, usize, usize, String)> {
    let header: serde_json::Value = serde_json::from_slice(line).ok()?;
    let model = header.get("model")?.as_str()?.to_string();
    let texts = header.get("texts")?.as_str()?.to_string();
    let dim = usize::try_from(header.get("dim")?.as_u64()?).ok()?;
    let count = usize::try_from(header.get("count")?.as_u64()?).ok()?;
    (dim > 0).then_some((model, dim, count, texts))
}

impl PhrasingVectors {
    /// Encode every phrasing of `entries`.
    pub fn compute(emb: &Embedder, entries: &[Entry]) -> Result<PhrasingVectors> {
        let (texts, _) = phrasing_texts(entries);
        let vectors = emb.encode(&texts)?;
        Ok(PhrasingVectors::assemble(emb, entries, &vectors))
    }

    /// The vectors of `entries` from `vectors`, one per phrasing in [`phrasing_texts`] order
    /// (already encoded by `emb`, e.g. from a cache of texts).
    pub fn assemble<V: AsRef<[f32]>>(
        emb: &Embedder,
        entries: &[Entry],
        vectors: &[V],
    ) -> PhrasingVectors {
        let (texts, owner) = phrasing_texts(entries);
        let mut data = Vec::with_capacity(vectors.len() * emb.dim());
        for v in vectors {
            data.extend_from_slice(v.as_ref());
        }
        PhrasingVectors {
            model: emb.id().to_string(),
            dim: emb.dim(),
            texts: texts_hash(&texts, &owner),
            owner,
            data,
        }
    }

    /// True when these vectors were made by `emb` from exactly the phrasings of `entries`.
    pub fn fits(&self, emb: &Embedder, entries: &[Entry]) -> bool {
        let (texts, owner) = phrasing_texts(entries);
        self.model == emb.id()
            && self.dim == emb.dim()
            && self.owner == owner
            && self.texts == texts_hash(&texts, &owner)
    }

    /// The vector at `i`.
    pub fn vector(&self, i: usize) -> &[f32] {
        self.data
            .get(i * self.dim..(i + 1) * self.dim)
            .unwrap_or(&[])
    }

    /// The file's bytes: magic, a JSON header line, owners (u32) and vectors (f32), little
    /// endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::json!({
            "model": self.model,
            "dim": self.dim,
            "count": self.owner.len(),
            "texts": self.texts,
        });
        let mut out = Vec::with_capacity(64 + self.owner.len() * 4 + self.data.len() * 4);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(header.to_string().as_bytes());
        out.push(b'\n');
        for o in &self.owner {
            out.extend_from_slice(&o.to_le_bytes());
        }
        for x in &self.data {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out
    }

    /// Read a vectors file's bytes; None when they are not one (a cache is then rebuilt,
    /// never trusted half-way).
    pub fn from_bytes(bytes: &[u8]) -> Option<PhrasingVectors> {
        let rest = bytes.strip_prefix(MAGIC.as_slice())?;
        let nl = rest.iter().position(|b| *b == b'\n')?;
        let (model, dim, count, texts) = parse_header(rest.get(..nl)?)?;
        let body = rest.get(nl + 1..)?;
        let owners_len = count.checked_mul(4)?;
        let data_len = count.checked_mul(dim)?.checked_mul(4)?;
        if body.len() != owners_len.checked_add(data_len)? {
            return None;
        }
        let (o, d) = body.split_at(owners_len);
        let owner = o
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let data = d
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Some(PhrasingVectors {
            model,
            dim,
            owner,
            data,
            texts,
        })
    }

    /// Read `path`; None when it is missing or not a vectors file. Streamed: a library of
    /// 25,000 entries has some 90 MB of vectors, which are not also held as bytes.
    pub fn load(path: &Path) -> Option<PhrasingVectors> {
        use std::io::{BufRead, Read};
        let file = std::fs::File::open(path).ok()?;
        let expected = file.metadata().ok()?.len();
        let mut r = std::io::BufReader::new(file);
        let mut magic = [0u8; MAGIC.len()];
        r.read_exact(&mut magic).ok()?;
        if &magic != MAGIC {
            return None;
        }
        let mut line = Vec::new();
        r.read_until(b'\n', &mut line).ok()?;
        let header = line.strip_suffix(b"\n")?;
        let (model, dim, count, texts) = parse_header(header)?;
        let body = (count as u64).checked_mul(4)?.checked_mul(1 + dim as u64)?;
        if expected != (MAGIC.len() + line.len()) as u64 + body {
            return None;
        }
        let mut word = [0u8; 4];
        let mut owner = Vec::with_capacity(count);
        for _ in 0..count {
            r.read_exact(&mut word).ok()?;
            owner.push(u32::from_le_bytes(word));
        }
        let mut data = Vec::with_capacity(count.checked_mul(dim)?);
        for _ in 0..count * dim {
            r.read_exact(&mut word).ok()?;
            data.push(f32::from_le_bytes(word));
        }
        Some(PhrasingVectors {
            model,
            dim,
            owner,
            data,
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
}
