//! A tiny BERT model folder, made on the spot, so tests exercise the real loading and encoding
//! code without a download.
//!
//! The real model (all-MiniLM-L6-v2, 90 MB) cannot ship with the crate, yet the code that reads
//! `config.json`, `tokenizer.json` and `model.safetensors` and runs the encoder must be tested on
//! every `cargo test`. This writes a folder of the same shape: a BERT config with hidden size
//! 32, 2 layers and 2 heads, seeded pseudo-random weights under the parameter names candle's
//! `BertModel` reads, and a WordPiece tokenizer over a few dozen words with BERT normalisation,
//! pre-tokenisation, `[CLS]`/`[SEP]` and padding. Unit tests and the integration tests in
//! `tests/embed.rs` both use it, so it is compiled into the library; it writes only the folder
//! it is given.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{PaddingParams, Tokenizer};

use crate::error::{Error, Result};

const HIDDEN: usize = 32;
const LAYERS: usize = 2;
const HEADS: usize = 2;
const INTERMEDIATE: usize = 64;
const POSITIONS: usize = 64;

const SPECIAL: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
const WORDS: [&str; 40] = [
    "do",
    "you",
    "encrypt",
    "data",
    "at",
    "rest",
    "is",
    "customer",
    "encrypted",
    "when",
    "stored",
    "what",
    "your",
    "favourite",
    "colour",
    "access",
    "control",
    "password",
    "policy",
    "backup",
    "logs",
    "audit",
    "incident",
    "response",
    "vendor",
    "risk",
    "network",
    "firewall",
    "employees",
    "training",
    "have",
    "a",
    "the",
    "of",
    "and",
    "?",
    ".",
    "##s",
    "##ed",
    "##ing",
];

/// The words the tiny tokenizer knows (without the special tokens and suffixes).
pub fn words() -> Vec<&'static str> {
    WORDS
        .iter()
        .copied()
        .filter(|w| !w.starts_with("##"))
        .collect()
}

/// `n` deterministic sentences of 1 to 12 known words, of varied lengths, so batches need
/// padding.
pub fn sentences(n: usize) -> Vec<String> {
    let words = words();
    let mut rng = Rng(0x5eed);
    (0..n)
        .map(|i| {
            let len = 1 + (i * 7 + 3) % 12;
            (0..len)
                .map(|_| words[(rng.next() % words.len() as u64) as usize])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// splitmix64: seeded, so the same weights on every run and platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [-0.1, 0.1).
    fn weight(&mut self) -> f32 {
        ((self.next() >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.2
    }
}

fn err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::internal(format!("writing the tiny test model: {what}: {e}"))
}

type Add<'a> = dyn FnMut(String, &[usize], Option<f32>) -> Result<()> + 'a;

fn layer_norm(add: &mut Add<'_>, prefix: &str) -> Result<()> {
    add(format!("{prefix}.LayerNorm.weight"), &[HIDDEN], Some(1.0))?;
    add(format!("{prefix}.LayerNorm.bias"), &[HIDDEN], Some(0.0))
}

/// Write a tiny BERT sentence-transformers folder into `dir` (created if missing):
/// `config.json`, `tokenizer.json`, `model.safetensors` (and `vocab.txt`).
pub fn write_tiny_model(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| err("folder", e))?;
    let vocab: Vec<&str> = SPECIAL.iter().chain(WORDS.iter()).copied().collect();

    let config = serde_json::json!({
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": vocab.len(),
        "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "intermediate_size": INTERMEDIATE,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": POSITIONS,
        "type_vocab_size": 2,
        "initializer_range": 0.02,
        "layer_norm_eps": 1e-12,
        "pad_token_id": 0
    });
    std::fs::write(dir.join(super::CONFIG), config.to_string()).map_err(|e| err("config", e))?;

    let vocab_path = dir.join("vocab.txt");
    std::fs::write(&vocab_path, vocab.join("\n") + "\n").map_err(|e| err("vocab", e))?;
    let vocab_str = vocab_path
        .to_str()
        .ok_or_else(|| err("vocab", "path is not UTF-8"))?;
    let wordpiece = WordPiece::from_file(vocab_str)
        .unk_token("[UNK]".to_string())
        .build()
        .map_err(|e| err("wordpiece", e))?;
    let mut tokenizer = Tokenizer::new(wordpiece);
    tokenizer
        .with_normalizer(Some(BertNormalizer::default()))
        .map_err(|e| err("normalizer", e))?;
    tokenizer.with_pre_tokenizer(Some(BertPreTokenizer));
    let template = TemplateProcessing::builder()
        .try_single("[CLS] $A [SEP]")
        .map_err(|e| err("template", e))?
        .try_pair("[CLS] $A [SEP] $B:1 [SEP]:1")
        .map_err(|e| err("template", e))?
        .special_tokens(vec![("[CLS]", 2), ("[SEP]", 3)])
        .build()
        .map_err(|e| err("template", e))?;
    tokenizer.with_post_processor(Some(template));
    tokenizer.with_padding(Some(PaddingParams::default()));
    tokenizer
        .save(dir.join(super::TOKENIZER), false)
        .map_err(|e| err("tokenizer", e))?;

    let mut rng = Rng(13);
    let mut tensors: HashMap<String, Tensor> = HashMap::new();
    let mut add = |name: String, shape: &[usize], fill: Option<f32>| -> Result<()> {
        let n: usize = shape.iter().product();
        let data: Vec<f32> = match fill {
            Some(v) => vec![v; n],
            None => (0..n).map(|_| rng.weight()).collect(),
        };
        let t = Tensor::from_vec(data, shape, &Device::Cpu).map_err(|e| err(&name, e))?;
        tensors.insert(name, t);
        Ok(())
    };
    add(
        "embeddings.word_embeddings.weight".into(),
        &[vocab.len(), HIDDEN],
        None,
    )?;
    add(
        "embeddings.position_embeddings.weight".into(),
        &[POSITIONS, HIDDEN],
        None,
    )?;
    add(
        "embeddings.token_type_embeddings.weight".into(),
        &[2, HIDDEN],
        None,
    )?;
    layer_norm(&mut add, "embeddings")?;
    for l in 0..LAYERS {
        let p = format!("encoder.layer.{l}");
        for m in ["query", "key", "value"] {
            add(
                format!("{p}.attention.self.{m}.weight"),
                &[HIDDEN, HIDDEN],
                None,
            )?;
            add(format!("{p}.attention.self.{m}.bias"), &[HIDDEN], None)?;
        }
        add(
            format!("{p}.attention.output.dense.weight"),
            &[HIDDEN, HIDDEN],
            None,
        )?;
        add(format!("{p}.attention.output.dense.bias"), &[HIDDEN], None)?;
        layer_norm(&mut add, &format!("{p}.attention.output"))?;
        add(
            format!("{p}.intermediate.dense.weight"),
            &[INTERMEDIATE, HIDDEN],
            None,
        )?;
        add(
            format!("{p}.intermediate.dense.bias"),
            &[INTERMEDIATE],
            None,
        )?;
        add(
            format!("{p}.output.dense.weight"),
            &[HIDDEN, INTERMEDIATE],
            None,
        )?;
        add(format!("{p}.output.dense.bias"), &[HIDDEN], None)?;
        layer_norm(&mut add, &format!("{p}.output"))?;
    }
    candle_core::safetensors::save(&tensors, dir.join(super::WEIGHTS))
        .map_err(|e| err("weights", e))?;
    Ok(())
}
