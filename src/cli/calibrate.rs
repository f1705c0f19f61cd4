//! `vouch calibrate`: fit the confidence of matching by meaning on labelled sets, and say how
//! well the fit holds on the sets it did not see.
//!
//! Input: the signal files `vouch eval --signals` writes, one per labelled set (the bench
//! gold, the held-out phrasings of a library, the samples' gold). Each set counts alike,
//! whatever its size, so the many easy held-out phrasings do not drown a real questionnaire.
//! Output: for each set, the figures of a model fitted on the *other* sets (leave one set
//! out), the reliability table of those out-of-set predictions, and with `--out`, the model
//! fitted on all of them, as the `calibration.toml` Vouch is built with. Keep the VSAQ set
//! out of the input: it is the check that the fit generalises, never part of it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::cli::{outln, ExitStatus};
use crate::error::{Error, Location, Result};
use crate::eval::fit::{self, Row};
use crate::matcher::confidence::SIGNALS;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch eval --gold samples/gold.csv --signals samples.jsonl --set samples\n  vouch eval --held-out --signals held.jsonl\n  vouch calibrate samples.jsonl held.jsonl --out calibration.toml"
)]
pub struct Args {
    /// Signal files written by `vouch eval --signals`
    #[arg(required = true, value_name = "SIGNALS.jsonl")]
    pub inputs: Vec<PathBuf>,
    /// Write the model fitted on every set here (TOML, the format of calibration.toml)
    #[arg(long, value_name = "OUT.toml")]
    pub out: Option<PathBuf>,
    /// L2 penalty on the weights (per unit of the mean log loss)
    #[arg(long, default_value_t = 0.0001, value_name = "X")]
    pub l2: f64,
    /// The auto threshold the figures are given at (default: the fill default)
    #[arg(long, value_name = "0..1")]
    pub threshold: Option<f32>,
}

/// One labelled question from a signals file.
struct Labelled {
    set: String,
    x: Vec<f64>,
    right: bool,
    answerable: bool,
}

fn read(path: &PathBuf) -> Result<Vec<Labelled>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input(Location::file(path), format!("cannot read: {e}")))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |msg: &str| Error::input(Location::file(path).line(n + 1), msg.to_string());
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(&format!("not JSON: {e}")))?;
        if v.get("mode").and_then(|m| m.as_str()) != Some("semantic") {
            return Err(bad(
                "not a signal of matching by meaning (run `vouch eval --signals` with a model)",
            ));
        }
        let x: Vec<f64> = v
            .get("signals")
            .and_then(|s| s.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
            .unwrap_or_default();
        if x.len() != SIGNALS.len() {
            return Err(bad(&format!(
                "expected {} signals, found {}",
                SIGNALS.len(),
                x.len()
            )));
        }
        let flag = |k: &str| v.get(k).and_then(|b| b.as_bool());
        let (Some(right), Some(answerable)) = (flag("right"), flag("answerable")) else {
            return Err(bad("needs 'right' and 'answerable'"));
        };
        let set = v
            .get("set")
            .and_then(|s| s.as_str())
            .unwrap_or("?")
            .to_string();
        out.push(Labelled {
            set,
            x,
            right,
            answerable,
        });
    }
    Ok(out)
}

/// A prediction with the hard caps confidence applies (see `confidence::cap`).
fn capped(p: f64, x: &[f64]) -> f64 {
    let mut s = [0.0f32; SIGNALS.len()];
    for (a, b) in s.iter_mut().zip(x) {
        *a = *b as f32;
    }
    f64::from(crate::matcher::confidence::cap(p as f32, &s))
}

/// Rows weighted so that every set counts alike.
fn rows<'a>(items: impl Iterator<Item = &'a Labelled>, sizes: &BTreeMap<&str, usize>) -> Vec<Row> {
    items
        .map(|l| Row {
            x: l.x.clone(),
            y: l.right,
            weight: 1.0 / sizes.get(l.set.as_str()).copied().unwrap_or(1).max(1) as f64,
        })
        .collect()
}

/// Figures of predictions `p` on `items` at threshold `t`.
#[derive(Debug, Clone, Copy, Default)]
struct Figures {
    auto: usize,
    wrong: usize,
    answerable: usize,
    none: usize,
    none_rejected: usize,
}

impl Figures {
    fn of(items: &[&Labelled], p: &[f64], t: f64) -> Figures {
        let mut f = Figures::default();
        for (l, p) in items.iter().zip(p) {
            let auto = *p >= t;
            f.answerable += usize::from(l.answerable);
            f.none += usize::from(!l.answerable);
            if auto {
                f.auto += 1;
                f.wrong += usize::from(!l.right);
            } else if !l.answerable {
                f.none_rejected += 1;
            }
        }
        f
    }

    fn line(&self) -> String {
        let ratio = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
        format!(
            "auto {:>4}  wrong {:>3}  precision {:.3}  coverage {:.3}  NONE rejection {:.3}",
            self.auto,
            self.wrong,
            ratio(self.auto - self.wrong, self.auto),
            ratio(self.auto - self.wrong, self.answerable),
            ratio(self.none_rejected, self.none),
        )
    }
}

pub fn run(a: Args) -> Result<ExitStatus> {
    let t = f64::from(a.threshold.unwrap_or(crate::fill::DEFAULT_AUTO_THRESHOLD));
    let mut all = Vec::new();
    for p in &a.inputs {
        all.extend(read(p)?);
    }
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for l in &all {
        *sizes.entry(l.set.as_str()).or_default() += 1;
    }
    if sizes.len() < 2 {
        return Err(Error::Usage(
            "calibrate needs at least two labelled sets, to measure each on a fit of the others"
                .into(),
        ));
    }
    outln!("leave one set out (fitted on the others, measured on it) at threshold {t:.2}:");
    let mut figures = BTreeMap::new();
    let mut held: Vec<(f64, bool)> = Vec::new();
    for set in sizes.keys() {
        let train = rows(all.iter().filter(|l| l.set != *set), &sizes);
        let w = fit::fit(&train, a.l2);
        let test: Vec<&Labelled> = all.iter().filter(|l| l.set == *set).collect();
        let p: Vec<f64> = test
            .iter()
            .map(|l| capped(fit::predict(&w, &l.x), &l.x))
            .collect();
        held.extend(p.iter().zip(&test).map(|(p, l)| (*p, l.right)));
        let f = Figures::of(&test, &p, t);
        outln!("  {set:<28} {:>5} questions  {}", test.len(), f.line());
        figures.insert(set.to_string(), f.line());
    }
    outln!("reliability of those predictions (confidence -> observed share right):");
    for b in 0..10 {
        let (lo, hi) = (b as f64 / 10.0, (b + 1) as f64 / 10.0);
        let inb: Vec<&(f64, bool)> = held
            .iter()
            .filter(|(p, _)| *p >= lo && (*p < hi || b == 9))
            .collect();
        if inb.is_empty() {
            continue;
        }
        let right = inb.iter().filter(|(_, r)| *r).count();
        outln!(
            "  {lo:.1}-{hi:.1}  {:>5} questions  {:.3} right",
            inb.len(),
            right as f64 / inb.len() as f64
        );
    }
    let w = fit::fit(&rows(all.iter(), &sizes), a.l2);
    outln!("fitted on all {} questions:", all.len());
    outln!("  intercept {:+.3}", w[0]);
    for (name, v) in SIGNALS.iter().zip(&w[1..]) {
        outln!("  {name:<16} {v:+.3}");
    }
    if let Some(out) = &a.out {
        crate::atomic::write_bytes(out, toml_text(&w, &sizes, &figures, t, a.l2).as_bytes())?;
        outln!("wrote {}", out.display());
    }
    Ok(ExitStatus::Success)
}

/// The calibration file: the model, the sets it was fitted on, and each set's figures under
/// the model fitted without it.
fn toml_text(
    w: &[f64],
    sizes: &BTreeMap<&str, usize>,
    figures: &BTreeMap<String, String>,
    t: f64,
    l2: f64,
) -> String {
    let mut s = String::from(
        "# Confidence of matching by meaning: a logistic model over the ranking's signals.\n\
         # Written by `vouch calibrate` (see scripts/calibrate); do not edit by hand.\n\n",
    );
    s.push_str("[semantic]\n");
    s.push_str(&format!("intercept = {:.6}\n", w[0]));
    s.push_str(&format!("l2 = {l2}\n\n[semantic.weights]\n"));
    for (name, v) in SIGNALS.iter().zip(&w[1..]) {
        s.push_str(&format!("{name} = {v:.6}\n"));
    }
    s.push_str(
        "\n# Questions per labelled set the model was fitted on (each set weighted alike).\n",
    );
    s.push_str("[semantic.fitted_on]\n");
    for (k, n) in sizes {
        s.push_str(&format!("{:?} = {n}\n", k));
    }
    s.push_str(&format!(
        "\n# Each set measured with a model fitted on the others, at auto threshold {t:.2}.\n"
    ));
    s.push_str("[semantic.left_out]\n");
    for (k, v) in figures {
        s.push_str(&format!("{:?} = {:?}\n", k, v));
    }
    s
}
