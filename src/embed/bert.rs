//! A hand-written BERT encoder forward pass, for speed; candle's `BertModel` stays the reference.
//!
//! candle ran all-MiniLM-L6-v2 at about a third of what two cores can do: its matrix products
//! are fast, but each op allocates a fresh tensor, exact GELU goes through a scalar `erf`, and
//! its spinning thread pool splits every small op over the cores (one to two threads scaled
//! 1.3x). Its thread count is read from `RAYON_NUM_THREADS` at each op, so a library cannot run
//! one single-threaded forward per core. This file does the same arithmetic as candle's
//! `BertModel` (weights read through candle's safetensors loader, so the parameter names, shapes
//! and errors are candle's) with: matrix products through faer on one core each (the caller runs
//! batches in parallel), Q, K and V as one product, bias+GELU and bias+residual+LayerNorm fused
//! into one pass, attention over each text's real tokens only (padding was masked out anyway, so
//! it is not computed at all), and an exact GELU whose `erf` is a rational approximation
//! (Eigen's, error below 1e-6) the compiler can vectorise. The unit tests check it against
//! candle's `BertModel` on the tiny test model (`testing.rs`) to 1e-5.

use candle_core::{bail, Result};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{Config, HiddenAct};
use faer::{Accum, MatMut, MatRef, Par};
use tokenizers::Encoding;

/// A linear layer: `w` is (out, in) row-major, as stored.
struct Linear {
    w: Vec<f32>,
    b: Vec<f32>,
    n_in: usize,
    n_out: usize,
}

impl Linear {
    fn load(vb: &VarBuilder, n_in: usize, n_out: usize) -> Result<Linear> {
        Ok(Linear {
            w: flat(vb.get((n_out, n_in), "weight")?)?,
            b: flat(vb.get(n_out, "bias")?)?,
            n_in,
            n_out,
        })
    }

    /// Several linear layers over the same input as one (their outputs side by side).
    fn concat(parts: Vec<Linear>) -> Linear {
        let n_in = parts[0].n_in;
        let n_out = parts.iter().map(|p| p.n_out).sum();
        let mut w = Vec::with_capacity(n_in * n_out);
        let mut b = Vec::with_capacity(n_out);
        for p in parts {
            w.extend_from_slice(&p.w);
            b.extend_from_slice(&p.b);
        }
        Linear { w, b, n_in, n_out }
    }

    /// `out` (rows × n_out) = `x` (rows × n_in) · wᵀ, without the bias.
    fn apply(&self, x: &[f32], rows: usize, out: &mut [f32]) {
        let x = MatRef::from_row_major_slice(&x[..rows * self.n_in], rows, self.n_in);
        let w = MatRef::from_row_major_slice(&self.w, self.n_out, self.n_in);
        let out = MatMut::from_row_major_slice_mut(&mut out[..rows * self.n_out], rows, self.n_out);
        faer::linalg::matmul::matmul(out, Accum::Replace, x, w.transpose(), 1.0, Par::Seq);
    }
}

struct LayerNorm {
    w: Vec<f32>,
    b: Vec<f32>,
    eps: f32,
}

impl LayerNorm {
    /// Named as candle_nn names it: weight/bias, or the older gamma/beta.
    fn load(vb: &VarBuilder, size: usize, eps: f64) -> Result<LayerNorm> {
        let name = |names: [&'static str; 2]| {
            names
                .into_iter()
                .find(|n| vb.contains_tensor(n))
                .unwrap_or(names[0])
        };
        Ok(LayerNorm {
            w: flat(vb.get(size, name(["weight", "gamma"]))?)?,
            b: flat(vb.get(size, name(["bias", "beta"]))?)?,
            eps: eps as f32,
        })
    }

    /// Normalise one row in place.
    fn apply(&self, row: &mut [f32]) {
        let n = row.len() as f32;
        let mean = row.iter().sum::<f32>() / n;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
        let inv = 1.0 / (var + self.eps).sqrt();
        for ((v, w), b) in row.iter_mut().zip(&self.w).zip(&self.b) {
            *v = (*v - mean) * inv * w + b;
        }
    }
}

struct Layer {
    qkv: Linear,
    attn_out: Linear,
    attn_norm: LayerNorm,
    up: Linear,
    down: Linear,
    out_norm: LayerNorm,
}

/// A BERT encoder (embeddings and layers, no pooler) held as plain vectors.
pub(crate) struct Bert {
    word: Vec<f32>,
    position: Vec<f32>,
    token_type: Vec<f32>,
    emb_norm: LayerNorm,
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
    intermediate: usize,
    act: HiddenAct,
    vocab: usize,
    positions: usize,
    types: usize,
}

fn flat(t: candle_core::Tensor) -> Result<Vec<f32>> {
    t.flatten_all()?.to_vec1::<f32>()
}

impl Bert {
    /// Load the weights candle's `BertModel::load` would (same names, same prefixes tried).
    pub(crate) fn load(vb: VarBuilder, config: &Config) -> Result<Bert> {
        let h = config.hidden_size;
        let heads = config.num_attention_heads;
        if heads == 0 || !h.is_multiple_of(heads) {
            bail!("hidden_size {h} is not a multiple of num_attention_heads {heads}");
        }
        let probe = "embeddings.word_embeddings.weight";
        let vb = if vb.contains_tensor(probe) {
            vb
        } else if vb.pp("bert").contains_tensor(probe) {
            vb.pp("bert")
        } else if let Some(t) = config
            .model_type
            .as_deref()
            .filter(|t| vb.pp(t).contains_tensor(probe))
        {
            vb.pp(t)
        } else {
            vb
        };
        let emb = vb.pp("embeddings");
        let eps = config.layer_norm_eps;
        let i = config.intermediate_size;
        // The largest table first, while little else is held (it is briefly held twice).
        let word = flat(emb.get((config.vocab_size, h), "word_embeddings.weight")?)?;
        let layers = (0..config.num_hidden_layers)
            .map(|n| {
                let vb = vb.pp(format!("encoder.layer.{n}"));
                let att = vb.pp("attention");
                let qkv = ["query", "key", "value"]
                    .iter()
                    .map(|name| Linear::load(&att.pp("self").pp(name), h, h))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Layer {
                    qkv: Linear::concat(qkv),
                    attn_out: Linear::load(&att.pp("output").pp("dense"), h, h)?,
                    attn_norm: LayerNorm::load(&att.pp("output").pp("LayerNorm"), h, eps)?,
                    up: Linear::load(&vb.pp("intermediate").pp("dense"), h, i)?,
                    down: Linear::load(&vb.pp("output").pp("dense"), i, h)?,
                    out_norm: LayerNorm::load(&vb.pp("output").pp("LayerNorm"), h, eps)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Bert {
            word,
            position: flat(emb.get(
                (config.max_position_embeddings, h),
                "position_embeddings.weight",
            )?)?,
            token_type: flat(
                emb.get((config.type_vocab_size, h), "token_type_embeddings.weight")?,
            )?,
            emb_norm: LayerNorm::load(&emb.pp("LayerNorm"), h, eps)?,
            layers,
            hidden: h,
            heads,
            intermediate: i,
            act: config.hidden_act,
            vocab: config.vocab_size,
            positions: config.max_position_embeddings,
            types: config.type_vocab_size,
        })
    }

    /// The last hidden states of the texts' real tokens (attention mask 1), packed one text
    /// after another: (sum of the texts' real tokens) × hidden, row-major. Also returns each
    /// text's number of real tokens. A token keeps its position in the padded sequence, so
    /// this equals candle's `BertModel::forward` at those positions.
    fn hidden_states(&self, texts: &[Encoding]) -> Result<(Vec<f32>, Vec<usize>)> {
        let h = self.hidden;
        let mut lens = Vec::with_capacity(texts.len());
        let mut x = Vec::new();
        for e in texts {
            let mut len = 0;
            let tokens = e.get_ids().iter().zip(e.get_type_ids());
            for (pos, ((&id, &ty), &m)) in tokens.zip(e.get_attention_mask()).enumerate() {
                if m == 0 {
                    continue;
                }
                let (id, ty) = (id as usize, ty as usize);
                if id >= self.vocab || ty >= self.types || pos >= self.positions {
                    bail!("token {id} (type {ty}) at {pos} is outside the model's tables");
                }
                let start = x.len();
                x.extend_from_slice(&self.word[id * h..(id + 1) * h]);
                let row = &mut x[start..];
                for (v, t) in row.iter_mut().zip(&self.token_type[ty * h..(ty + 1) * h]) {
                    *v += t;
                }
                for (v, p) in row.iter_mut().zip(&self.position[pos * h..(pos + 1) * h]) {
                    *v += p;
                }
                self.emb_norm.apply(row);
                len += 1;
            }
            lens.push(len);
        }
        let rows: usize = lens.iter().sum();
        let longest = lens.iter().copied().max().unwrap_or(0);
        let mut qkv = vec![0f32; rows * 3 * h];
        let mut ctx = vec![0f32; rows * h];
        let mut tmp = vec![0f32; rows * h];
        let mut inter = vec![0f32; rows * self.intermediate];
        let mut scores = vec![0f32; longest * longest];
        for layer in &self.layers {
            layer.qkv.apply(&x, rows, &mut qkv);
            add_bias(&mut qkv, &layer.qkv.b);
            self.attention(&qkv, &lens, &mut scores, &mut ctx);
            layer.attn_out.apply(&ctx, rows, &mut tmp);
            add_norm(&mut x, &tmp, &layer.attn_out.b, &layer.attn_norm);
            layer.up.apply(&x, rows, &mut inter);
            self.activate(&mut inter, &layer.up.b);
            layer.down.apply(&inter, rows, &mut tmp);
            add_norm(&mut x, &tmp, &layer.down.b, &layer.out_norm);
        }
        Ok((x, lens))
    }

    /// Multi-head self-attention of each text over its own tokens: `qkv` holds each token's
    /// query, key and value side by side; `ctx` gets each token's heads side by side.
    fn attention(&self, qkv: &[f32], lens: &[usize], scores: &mut [f32], ctx: &mut [f32]) {
        let h = self.hidden;
        let d = h / self.heads;
        let scale = 1.0 / (d as f32).sqrt();
        let mut head_out = vec![0f32; lens.iter().copied().max().unwrap_or(0) * d];
        let mut start = 0;
        for &len in lens {
            if len == 0 {
                continue;
            }
            let rows = &qkv[start * 3 * h..(start + len) * 3 * h];
            let out = &mut ctx[start * h..(start + len) * h];
            let scores = &mut scores[..len * len];
            for head in 0..self.heads {
                let part = |which: usize| {
                    let from = which * h + head * d;
                    MatRef::from_row_major_slice_with_stride(&rows[from..], len, d, 3 * h)
                };
                let (q, k, v) = (part(0), part(1), part(2));
                let mut s = MatMut::from_row_major_slice_mut(&mut scores[..], len, len);
                faer::linalg::matmul::matmul(
                    s.as_mut(),
                    Accum::Replace,
                    q,
                    k.transpose(),
                    scale,
                    Par::Seq,
                );
                for row in scores.chunks_exact_mut(len) {
                    softmax(row);
                }
                let p = MatRef::from_row_major_slice(&scores[..], len, len);
                // Into a contiguous buffer, then copied: faer 0.24.4 corrupts memory when the
                // destination is row-major with a row stride wider than its columns.
                let o = MatMut::from_row_major_slice_mut(&mut head_out[..len * d], len, d);
                faer::linalg::matmul::matmul(o, Accum::Replace, p, v, 1.0, Par::Seq);
                for (dst, src) in out.chunks_exact_mut(h).zip(head_out.chunks_exact(d)) {
                    dst[head * d..(head + 1) * d].copy_from_slice(src);
                }
            }
            start += len;
        }
    }

    /// Add the bias and apply the hidden activation, in place, row by row.
    fn activate(&self, x: &mut [f32], bias: &[f32]) {
        for row in x.chunks_exact_mut(bias.len()) {
            match self.act {
                HiddenAct::Gelu => row
                    .iter_mut()
                    .zip(bias)
                    .for_each(|(v, b)| *v = gelu(*v + b)),
                HiddenAct::GeluApproximate => row
                    .iter_mut()
                    .zip(bias)
                    .for_each(|(v, b)| *v = gelu_tanh(*v + b)),
                HiddenAct::Relu => row
                    .iter_mut()
                    .zip(bias)
                    .for_each(|(v, b)| *v = (*v + b).max(0.0)),
            }
        }
    }

    /// Mean of each text's last hidden states over its real tokens, L2-normalised (a text
    /// without tokens gives zeros).
    pub(crate) fn embed(&self, texts: &[Encoding]) -> Result<Vec<Vec<f32>>> {
        let h = self.hidden;
        let (x, lens) = self.hidden_states(texts)?;
        let mut rows = x.chunks_exact(h);
        Ok(lens
            .iter()
            .map(|&len| {
                let mut sum = vec![0f32; h];
                for row in rows.by_ref().take(len) {
                    sum.iter_mut().zip(row).for_each(|(s, v)| *s += v);
                }
                let count = (len as f32).max(1e-9);
                sum.iter_mut().for_each(|s| *s /= count);
                let norm = sum.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                sum.iter_mut().for_each(|s| *s /= norm);
                sum
            })
            .collect())
    }
}

fn add_bias(x: &mut [f32], bias: &[f32]) {
    for row in x.chunks_exact_mut(bias.len()) {
        row.iter_mut().zip(bias).for_each(|(v, b)| *v += b);
    }
}

/// `x` = LayerNorm(`x` + `y` + `bias`), row by row (the residual connection).
fn add_norm(x: &mut [f32], y: &[f32], bias: &[f32], norm: &LayerNorm) {
    let h = bias.len();
    for (row, add) in x.chunks_exact_mut(h).zip(y.chunks_exact(h)) {
        for ((v, a), b) in row.iter_mut().zip(add).zip(bias) {
            *v += a + b;
        }
        norm.apply(row);
    }
}

fn softmax(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = exp(*v - max);
        sum += *v;
    }
    let inv = 1.0 / sum;
    row.iter_mut().for_each(|v| *v *= inv);
}

/// e^x for x <= 0 (softmax), without branches so a loop over it vectorises: x = n ln 2 + r,
/// |r| <= ln 2 / 2, e^r by Cephes' `expf` polynomial, 2^n put in the exponent bits. Below -87
/// it gives a tiny normal number instead of 0.
fn exp(x: f32) -> f32 {
    let x = x.max(-87.0);
    let n = (x * std::f32::consts::LOG2_E).round();
    // ln 2 split in two so n ln 2 is subtracted without losing bits.
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let e = p * r * r + r + 1.0;
    e * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

/// erf by Eigen's rational approximation on [-4, 4] (beyond it erf is ±1 in f32): an odd
/// polynomial over an even one; absolute error under 1e-6 (tested against candle's erf).
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10f32;
    p = p * x2 + 2.770_681_4e-8;
    p = p * x2 - 2.101_024e-6;
    p = p * x2 - 5.692_506_4e-5;
    p = p * x2 - 7.349_906_3e-4;
    p = p * x2 - 2.954_6e-3;
    p = p * x2 - 1.609_603_3e-2;
    let mut q = -1.456_607_2e-5f32;
    q = q * x2 - 2.133_740_6e-4;
    q = q * x2 - 1.682_827e-3;
    q = q * x2 - 7.373_329e-3;
    q = q * x2 - 1.426_474e-2;
    x * p / q
}

/// Exact GELU, x Φ(x) = x (1 + erf(x / √2)) / 2, as candle's `gelu_erf`.
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// The tanh approximation of GELU, as candle's `gelu`.
fn gelu_tanh(x: f32) -> f32 {
    const SQRT_2_OVER_PI: f32 = 0.797_884_6;
    0.5 * x * (1.0 + (SQRT_2_OVER_PI * x * (1.0 + 0.044_715 * x * x)).tanh())
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device, Tensor};
    use candle_transformers::models::bert::BertModel;

    #[test]
    fn erf_and_gelu_match_candle() {
        let xs: Vec<f32> = (-20_000..=20_000).map(|i| i as f32 * 5e-4).collect();
        let t = Tensor::new(&xs[..], &Device::Cpu).unwrap();
        let want = t.gelu_erf().unwrap().to_vec1::<f32>().unwrap();
        for (x, w) in xs.iter().zip(&want) {
            let e = candle_core::cpu::erf::erf_f64(*x as f64) as f32;
            assert!((erf(*x) - e).abs() < 1e-6, "erf({x}): {} vs {e}", erf(*x));
            assert!((gelu(*x) - w).abs() < 1e-6 * x.abs().max(1.0), "gelu({x})");
        }
        let want = t.gelu().unwrap().to_vec1::<f32>().unwrap();
        for (x, w) in xs.iter().zip(&want) {
            assert!((gelu_tanh(*x) - w).abs() < 1e-6 * x.abs().max(1.0), "{x}");
        }
    }

    #[test]
    fn exp_is_close() {
        for i in 0..=87_000 {
            let x = -(i as f32) * 1e-3;
            let want = (x as f64).exp();
            let got = exp(x) as f64;
            assert!(
                (got - want).abs() <= 3e-7 * want + 1e-38,
                "exp({x}): {got} vs {want}"
            );
        }
        assert_eq!(exp(-1e30), exp(-87.0));
        assert!(exp(-1e30) < 1e-37);
    }

    /// The tiny test model through candle's `BertModel` and through this file: the same hidden
    /// states at every real token, for texts of several lengths padded together.
    #[test]
    fn matches_candle_bert() {
        let d = tempfile::tempdir().unwrap();
        crate::embed::testing::write_tiny_model(d.path()).unwrap();
        let config: Config =
            serde_json::from_slice(&std::fs::read(d.path().join(crate::embed::CONFIG)).unwrap())
                .unwrap();
        let weights = std::fs::read(d.path().join(crate::embed::WEIGHTS)).unwrap();
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu).unwrap();
        let reference = BertModel::load(vb.clone(), &config).unwrap();
        let ours = Bert::load(vb, &config).unwrap();

        let mut tokenizer =
            tokenizers::Tokenizer::from_file(d.path().join(crate::embed::TOKENIZER)).unwrap();
        tokenizer.with_padding(Some(tokenizers::PaddingParams::default()));
        let texts = crate::embed::testing::sentences(12);
        let mut texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        texts.push("");
        texts.push("unknownword xyz");
        let encodings = tokenizer.encode_batch(texts, true).unwrap();
        let (rows, len) = (encodings.len(), encodings[0].get_ids().len());
        let cat = |f: fn(&Encoding) -> &[u32]| -> Tensor {
            let v: Vec<u32> = encodings.iter().flat_map(|e| f(e).to_vec()).collect();
            Tensor::from_vec(v, (rows, len), &Device::Cpu).unwrap()
        };
        let mask = cat(Encoding::get_attention_mask);
        let want = reference
            .forward(
                &cat(Encoding::get_ids),
                &cat(Encoding::get_type_ids),
                Some(&mask),
            )
            .unwrap()
            .to_vec3::<f32>()
            .unwrap();

        let (got, lens) = ours.hidden_states(&encodings).unwrap();
        let h = config.hidden_size;
        let mut got = got.chunks_exact(h);
        let mut compared = 0;
        for ((e, want), &n) in encodings.iter().zip(&want).zip(&lens) {
            let real: Vec<&Vec<f32>> = e
                .get_attention_mask()
                .iter()
                .zip(want)
                .filter(|(&m, _)| m == 1)
                .map(|(_, w)| w)
                .collect();
            assert_eq!(real.len(), n);
            for w in real {
                let g = got.next().unwrap();
                for (a, b) in g.iter().zip(w) {
                    assert!((a - b).abs() < 1e-5, "{a} vs {b}");
                }
                compared += 1;
            }
        }
        assert!(got.next().is_none());
        assert!(compared > 3 * rows && lens.iter().any(|&n| n < len));

        // Pooled as candle's output was pooled before this file existed.
        let vecs = ours.embed(&encodings).unwrap();
        for (v, (e, w)) in vecs.iter().zip(encodings.iter().zip(&want)) {
            let mut mean = vec![0f32; h];
            let mut count = 0f32;
            for (&m, row) in e.get_attention_mask().iter().zip(w) {
                if m == 1 {
                    mean.iter_mut().zip(row).for_each(|(s, x)| *s += x);
                    count += 1.0;
                }
            }
            let norm = mean.iter().map(|x| x * x).sum::<f32>().sqrt() / count;
            for (a, b) in v.iter().zip(&mean) {
                assert!((a - b / count / norm).abs() < 1e-5);
            }
        }
    }
}
