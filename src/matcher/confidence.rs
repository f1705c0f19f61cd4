//! Confidence: how likely the first candidate is the right answer.
//!
//! A number in 0..1 that should mean what it says: of the answers given 0.9, nine in ten
//! right. Matching by meaning, it is a logistic model over a dozen signals of the ranking
//! (the lead in score, in meaning and in words; whether words and meaning agree on the
//! winner; how much of the question the answer text states; named things missing or
//! clashing), fitted by `vouch calibrate` on the project's labelled sets and read from
//! `calibration.toml`, which records the figures the fit gave on sets it did not see.
//! Matching by words only, it is the hand-set logit below, tuned on the bench. Either way two
//! candidates that tie are never sure: which one is right is a person's call.

use std::sync::OnceLock;

use super::Candidate;

/// The signals the fitted confidence reads, in `calibration.toml`'s names and this order.
pub const SIGNALS: [&str; 14] = [
    "lexical",
    "lexical_margin",
    "margin",
    "semantic",
    "semantic_margin",
    "lexical_agrees",
    "semantic_agrees",
    "answer_cov",
    "named_extra",
    "strong_miss",
    "clash",
    "unknown_named",
    "answer_semantic",
    "answer_semantic_margin",
];

/// The ranking's signals (see [`SIGNALS`]); None without candidates. `candidates[0]` is the
/// winner; the others are its rivals in any order.
pub fn signals(candidates: &[Candidate]) -> Option<[f32; SIGNALS.len()]> {
    let first = candidates.first()?;
    let lexical = |c: &Candidate| {
        c.score - super::meaning_score(c.features.semantic, c.features.answer_semantic)
    };
    let rivals = &candidates[1..];
    let best = |f: &dyn Fn(&Candidate) -> f32| {
        rivals
            .iter()
            .map(f)
            .fold(None, |m: Option<f32>, v| Some(m.map_or(v, |m| m.max(v))))
    };
    let lex = lexical(first);
    let lex_rival = best(&lexical).unwrap_or(0.0);
    let score_rival = best(&|c: &Candidate| c.score).unwrap_or(0.0);
    let sem_rival = best(&|c: &Candidate| c.features.semantic).unwrap_or(0.0);
    let answer_rival = best(&|c: &Candidate| c.features.answer_semantic).unwrap_or(0.0);
    let f = &first.features;
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    Some([
        lex,
        lex - lex_rival,
        first.score - score_rival,
        f.semantic,
        f.semantic - sem_rival,
        flag(lex >= lex_rival),
        flag(f.semantic >= sem_rival),
        f.answer_cov,
        f.named_extra,
        f.strong_miss,
        f.clash,
        f.unknown_named,
        f.answer_semantic,
        f.answer_semantic - answer_rival,
    ])
}

/// A fitted logistic model: intercept and one weight per signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub intercept: f64,
    pub weights: [f64; SIGNALS.len()],
}

impl Model {
    /// P(the first candidate is right) for `x`.
    pub fn probability(&self, x: &[f32; SIGNALS.len()]) -> f32 {
        let z = self.intercept
            + self
                .weights
                .iter()
                .zip(x)
                .map(|(w, v)| w * f64::from(*v))
                .sum::<f64>();
        (1.0 / (1.0 + (-z).exp())) as f32
    }
}

/// The fitted coefficients shipped with this build.
pub const CALIBRATION: &str = include_str!("calibration.toml");

/// Read a calibration file's model for matching by meaning.
pub fn parse_calibration(text: &str) -> Result<Model, String> {
    let doc: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let sem = doc
        .get("semantic")
        .and_then(|v| v.as_table())
        .ok_or("no [semantic] table")?;
    let num = |v: &toml::Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
    let intercept = sem.get("intercept").and_then(num).ok_or("no intercept")?;
    let w = sem
        .get("weights")
        .and_then(|v| v.as_table())
        .ok_or("no [semantic.weights] table")?;
    let mut weights = [0.0f64; SIGNALS.len()];
    for (k, name) in SIGNALS.iter().enumerate() {
        weights[k] = w
            .get(*name)
            .and_then(num)
            .ok_or_else(|| format!("no weight for signal '{name}'"))?;
    }
    Ok(Model { intercept, weights })
}

/// The shipped model (None only if `calibration.toml` were broken, which a unit test rules
/// out: then nothing is sure and everything goes to review).
fn shipped() -> Option<&'static Model> {
    static MODEL: OnceLock<Option<Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| parse_calibration(CALIBRATION).ok())
        .as_ref()
}

/// The rules no fit overrides, for they say the winner answers another question whatever
/// else agrees: the question names a sibling of what the entry is about (SOC 1 asked, an entry
/// about SOC 2; Type II asked, an entry about Type I), or names an acronym the library never
/// uses (HITRUST, TISAX). Such a winner is capped below any auto threshold.
pub fn cap(p: f32, x: &[f32; SIGNALS.len()]) -> f32 {
    let clash = x[10] > 0.0;
    let unknown = x[11] > 0.0;
    if clash || unknown {
        p.min(TIE_CAP)
    } else {
        p
    }
}

/// True when the candidates were scored by meaning too: a real cosine is never exactly 0.
fn by_meaning(candidates: &[Candidate]) -> bool {
    candidates.iter().any(|c| c.features.semantic != 0.0)
}

/// Logit penalty for the share of the entry's named things the question lacks.
const NAMED_EXTRA_PENALTY: f32 = 1.5;

/// Logit penalty for the share of the question's tagged named things the entry lacks ("SOC 1"
/// asked, an entry about SOC 2 offered).
const STRONG_MISS_PENALTY: f32 = 3.0;

/// Logit penalty when the entry names a sibling of what the question names and not that
/// thing itself ("SOC 2" asked, an entry about SOC 1): a wrong answer however well the other
/// words agree.
const CLASH_PENALTY: f32 = 4.0;

/// Logit penalty when the runner-up explains the question as fully as the winner.
const UNDECIDED_PENALTY: f32 = 2.0;

/// Logit penalty when the question names an acronym the library never uses: such a question
/// is never answered without a person, however well the rest of it matches.
const UNKNOWN_NAMED_PENALTY: f32 = 8.0;

/// Logit penalty when a close runner-up matches the question's phrasing better.
const OUTPHRASED_PENALTY: f32 = 2.0;
/// A score margin below which the runner-up is close.
const CLOSE_MARGIN: f32 = 0.15;

/// Logit penalty for an entry that is about something else (see `about_else`).
const ABOUT_ELSE_PENALTY: f32 = 6.0;

/// The question touches a side remark of the entry: none of the entry's defining terms are
/// asked, and its best phrasing is three-quarters about other things ("IAM policies ...
/// established?" against "Would you notice if someone changed a firewall rule or IAM policy
/// outside the normal process?").
fn about_else(f: &super::Features) -> bool {
    let (f1, cq) = (f.phrasing, f.question_cov);
    // The phrasing's own coverage, from the F1 and the question's coverage.
    let cp = if 2.0 * cq > f1 {
        f1 * cq / (2.0 * cq - f1)
    } else {
        1.0
    };
    f.core_miss >= 0.9 && cp < 0.25
}

/// Confidence that `candidates[0]` is right.
pub fn confidence(candidates: &[Candidate]) -> f32 {
    let Some(first) = candidates.first() else {
        return 0.0;
    };
    let runner_up = candidates.get(1);
    let p = if by_meaning(candidates) {
        match (shipped(), signals(candidates)) {
            (Some(m), Some(x)) => cap(m.probability(&x), &x),
            _ => 0.0,
        }
    } else {
        lexical_confidence(candidates)
    };
    // Two entries that tie cannot be told apart by anything the question says: which one is
    // right is a person's call, never an automatic answer.
    if runner_up.is_some_and(|s| s.score >= first.score - TIE) {
        p.min(TIE_CAP)
    } else {
        p
    }
}

/// The hand-set confidence of matching by words only.
fn lexical_confidence(candidates: &[Candidate]) -> f32 {
    let Some(first) = candidates.first() else {
        return 0.0;
    };
    let runner_up = candidates.get(1);
    let second = runner_up.map(|c| c.score).unwrap_or(0.0);
    // The runner-up explains every part of the question the winner does, and both are about
    // named things the question never mentions ("Do you have a Type II report?": SOC 1 or
    // SOC 2?): the question cannot tell them apart.
    let undecided = runner_up.is_some_and(|s| {
        s.features.question_cov >= first.features.question_cov - 0.01
            && s.features.entry_cov >= first.features.entry_cov - 0.01
            && first.features.named_extra > 0.0
            && s.features.named_extra > 0.0
    });
    let margin = (first.score - second).max(0.0);
    // A close rival phrases the question better: the winner leads only on what its answer
    // happens to mention, which is weaker evidence than a matching question.
    let outphrased = margin < CLOSE_MARGIN
        && candidates
            .iter()
            .skip(1)
            .take(2)
            .any(|c| c.features.phrasing > first.features.phrasing);
    // An entry about a named thing the question never mentions (SOC 1, Type II, ISO 27701)
    // may be the right family but the wrong member: less sure.
    let z = 8.0 * (first.score - 0.45) + 12.0 * (margin - 0.05)
        - NAMED_EXTRA_PENALTY * first.features.named_extra
        - STRONG_MISS_PENALTY * first.features.strong_miss
        - CLASH_PENALTY * first.features.clash
        - if undecided { UNDECIDED_PENALTY } else { 0.0 }
        - if outphrased { OUTPHRASED_PENALTY } else { 0.0 }
        - UNKNOWN_NAMED_PENALTY * first.features.unknown_named
        - if about_else(&first.features) {
            ABOUT_ELSE_PENALTY
        } else {
            0.0
        };
    1.0 / (1.0 + (-z).exp())
}

/// Scores this close are a tie.
const TIE: f32 = 1e-6;
/// The most confidence a tie may have: below any sensible auto threshold.
pub const TIE_CAP: f32 = 0.3;

/// Confidence of the `i`-th candidate, judged against the best of the others.
pub fn candidate_confidence(candidates: &[Candidate], i: usize) -> f32 {
    let Some(c) = candidates.get(i) else {
        return 0.0;
    };
    let best_other = candidates
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .map(|(_, o)| o.score)
        .fold(0.0f32, f32::max);
    let pair = [
        c.clone(),
        Candidate {
            score: best_other,
            ..c.clone()
        },
    ];
    confidence(&pair)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::Features;

    fn cand(entry: usize, score: f32, phrasing: f32) -> Candidate {
        Candidate {
            entry,
            score,
            features: Features {
                phrasing,
                question_cov: phrasing,
                entry_cov: phrasing,
                ..Features::default()
            },
        }
    }

    #[test]
    fn a_winner_outphrased_by_a_close_rival_is_less_sure() {
        let clear = confidence(&[cand(0, 0.7, 0.7), cand(1, 0.62, 0.5)]);
        let outphrased = confidence(&[cand(0, 0.7, 0.5), cand(1, 0.62, 0.7)]);
        assert!(clear >= 0.7, "{clear}");
        // Below the default auto threshold (0.65): a person looks.
        assert!(
            outphrased < 0.65 && outphrased < clear - 0.2,
            "{outphrased}"
        );
        // A rival far behind does not count, however well it phrases.
        let far = confidence(&[cand(0, 0.7, 0.5), cand(1, 0.2, 0.7)]);
        assert!(far >= 0.7, "{far}");
    }

    #[test]
    fn an_entry_about_something_else_is_not_sure() {
        let mut side = cand(0, 0.5, 0.28);
        side.features.question_cov = 0.68;
        side.features.core_miss = 1.0;
        let lone = [side.clone(), cand(1, 0.0, 0.1)];
        assert!(confidence(&lone) < 0.5, "{}", confidence(&lone));
        // The same lead with the entry's defining words asked is sure.
        side.features.core_miss = 0.0;
        let asked = [side, cand(1, 0.0, 0.1)];
        assert!(confidence(&asked) > 0.9, "{}", confidence(&asked));
    }

    #[test]
    fn an_entry_about_a_sibling_is_never_sure() {
        // The only SOC entry left is about SOC 1 and the question asks about SOC 2: a wide
        // lead over unrelated entries does not make it right.
        let mut sibling = cand(0, 0.3, 0.8);
        let clear = confidence(&[sibling.clone(), cand(1, -0.2, 0.3)]);
        sibling.features.clash = 1.0;
        let clash = confidence(&[sibling, cand(1, -0.2, 0.3)]);
        assert!(
            clear > 0.9 && clash < crate::fill::DEFAULT_AUTO_THRESHOLD,
            "{clear} {clash}"
        );
    }

    #[test]
    fn the_shipped_calibration_parses_and_names_every_signal() {
        let m = parse_calibration(CALIBRATION).unwrap();
        assert!(m.weights.iter().all(|w| w.is_finite()));
        assert!(parse_calibration("[semantic]\nintercept = 1.0\n").is_err());
        let mut t = String::from("[semantic]\nintercept = 0\n[semantic.weights]\n");
        for s in &SIGNALS[1..] {
            t.push_str(&format!("{s} = 1\n"));
        }
        let e = parse_calibration(&t).unwrap_err();
        assert!(e.contains("lexical"), "{e}");
    }

    #[test]
    fn by_meaning_a_tie_is_never_sure_and_signals_read_the_lead() {
        let mut a = cand(0, 1.5, 0.9);
        a.features.semantic = 0.8;
        let mut b = cand(1, 1.5, 0.9);
        b.features.semantic = 0.8;
        assert!(confidence(&[a.clone(), b.clone()]) <= TIE_CAP);
        b.score = 0.9;
        b.features.semantic = 0.5;
        let x = signals(&[a.clone(), b]).unwrap();
        assert!((x[2] - 0.6).abs() < 1e-6, "{x:?}");
        assert!((x[4] - 0.3).abs() < 1e-6, "{x:?}");
        assert_eq!((x[5], x[6]), (1.0, 1.0));
        assert!(signals(&[]).is_none());
    }

    #[test]
    fn margin_and_score_raise_confidence() {
        let low = confidence(&[cand(0, 0.3, 0.3), cand(1, 0.28, 0.2)]);
        let high = confidence(&[cand(0, 0.8, 0.8), cand(1, 0.3, 0.2)]);
        assert!(low < 0.2 && high > 0.95, "{low} {high}");
        assert_eq!(confidence(&[]), 0.0);
    }
}
