//! `vouch eval`: how well matching does on questionnaires with known answers.
//!
//! Reads a gold file (`file,sheet,row,answer_ids,difficulty`; `answer_ids` separated by `|`,
//! `NONE` for questions the library cannot answer), fills every questionnaire it names with
//! the real pipeline (layout detection, context, matching, decisions) and computes top-1
//! accuracy, top-3 recall, precision and coverage of `auto`, rejection of unanswerable
//! questions, accuracy by difficulty, and a reliability table (confidence bucket → observed
//! accuracy) that the `auto` threshold is chosen from. A naive baseline (BM25 over the
//! canonical question text only) is computed on the same questions for comparison.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Location, Result};
use crate::fill::{self, Item, Thresholds};
use crate::index::SearchIndex;
use crate::matcher::semantic::Semantic;
use crate::matcher::Matcher;
use crate::sheet::{layout, read, LayoutOverrides};

pub mod baseline;
pub mod fit;
mod heldout;

/// One gold row.
#[derive(Debug, Clone)]
pub struct Gold {
    pub file: PathBuf,
    pub sheet: String,
    pub row: u32,
    /// Empty for `NONE`.
    pub answer_ids: Vec<String>,
    pub difficulty: String,
}

/// Read a gold CSV; `file` paths are resolved against the gold file's folder.
pub fn read_gold(path: &Path) -> Result<Vec<Gold>> {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut rd = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| Error::input(Location::file(path), format!("cannot read gold file: {e}")))?;
    let headers = rd
        .headers()
        .map_err(|e| Error::input(Location::file(path).line(1), e.to_string()))?
        .clone();
    let col = |name: &str| -> Result<usize> {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                Error::input(
                    Location::file(path).line(1),
                    format!("gold file has no '{name}' column"),
                )
            })
    };
    let (cf, cs, cr, ca) = (col("file")?, col("sheet")?, col("row")?, col("answer_ids")?);
    let cd = col("difficulty").ok();
    let mut out = Vec::new();
    for rec in rd.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            Error::input(Location::file(path).line(line), e.to_string())
        })?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let get = |i: usize| rec.get(i).unwrap_or("").trim().to_string();
        let row: u32 = get(cr).parse().map_err(|_| {
            Error::input(
                Location::file(path).line(line),
                format!("row '{}' is not a number", get(cr)),
            )
        })?;
        let ids = get(ca);
        out.push(Gold {
            file: base.join(get(cf)),
            sheet: get(cs),
            row,
            answer_ids: if ids.eq_ignore_ascii_case("none") {
                Vec::new()
            } else {
                ids.split('|').map(|s| s.trim().to_string()).collect()
            },
            difficulty: cd.map(get).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// A gold question with what the engine did.
#[derive(Debug, Clone, Serialize)]
pub struct Judged {
    pub file: String,
    pub sheet: String,
    pub row: u32,
    pub difficulty: String,
    pub gold: Vec<String>,
    pub question: String,
    /// The row context used for matching (section heading, control title, id prefix).
    pub context: Vec<String>,
    pub status: String,
    pub confidence: f32,
    /// Ranked entry ids (first three).
    pub ranked: Vec<String>,
    /// Their reranking scores.
    pub scores: Vec<f32>,
    /// The first candidate's features.
    pub features: Option<crate::matcher::Features>,
    /// Every candidate with its features (only with `--candidates`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<(String, crate::matcher::Features)>,
    /// Extra entries cited for a compound question.
    pub parts: Vec<String>,
    /// The ranking's confidence signals (see `matcher::confidence::SIGNALS`; only with
    /// `--candidates` or `--signals`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signals: Option<Vec<f32>>,
}

impl Judged {
    /// What the engine did with a gold question (`item` is None when the row was not found).
    fn new(
        file: String,
        g: &Gold,
        item: Option<&Item>,
        ranking: Option<&crate::matcher::Ranking>,
        si: &SearchIndex,
    ) -> Judged {
        let candidates: Vec<(String, crate::matcher::Features)> = ranking
            .map(|r| {
                r.candidates
                    .iter()
                    .filter_map(|c| Some((si.entries.get(c.entry)?.id.clone(), c.features)))
                    .collect()
            })
            .unwrap_or_default();
        let signals = ranking
            .and_then(|r| crate::matcher::confidence::signals(&r.candidates))
            .map(|x| x.to_vec());
        let first = item.and_then(|i| i.proposal.as_ref().or(i.alternatives.first()));
        let (ranked, scores): (Vec<String>, Vec<f32>) = item
            .map(|i| {
                i.proposal
                    .iter()
                    .chain(i.alternatives.iter())
                    .map(|p| (p.id.clone(), p.score))
                    .unzip()
            })
            .unwrap_or_default();
        Judged {
            file,
            sheet: g.sheet.clone(),
            row: g.row,
            difficulty: g.difficulty.clone(),
            gold: g.answer_ids.clone(),
            question: item.map(|i| i.question.clone()).unwrap_or_default(),
            context: item.map(|i| i.context.clone()).unwrap_or_default(),
            status: item.map_or("missing", |i| i.status.as_str()).to_string(),
            confidence: first.map_or(0.0, |p| p.confidence),
            ranked,
            scores,
            features: first.map(|p| p.features),
            candidates,
            parts: item
                .map(|i| i.parts.iter().map(|p| p.id.clone()).collect())
                .unwrap_or_default(),
            signals,
        }
    }

    /// True when the first choice is right (never for a question the library cannot
    /// answer): the label confidence is fitted to.
    pub fn right(&self) -> bool {
        self.answerable() && self.top1()
    }

    pub fn answerable(&self) -> bool {
        !self.gold.is_empty()
    }
    fn top1(&self) -> bool {
        self.ranked.first().is_some_and(|r| self.gold.contains(r))
    }
    fn top3(&self) -> bool {
        self.ranked.iter().take(3).any(|r| self.gold.contains(r))
    }
    fn auto(&self) -> bool {
        self.status == "auto"
    }
    /// An auto answer is right when its entry and every part it cites are gold: a compound
    /// answered with a wrong second part is wrong.
    fn auto_right(&self) -> bool {
        self.answerable() && self.top1() && self.parts.iter().all(|p| self.gold.contains(p))
    }
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Metrics {
    pub questions: usize,
    pub answerable: usize,
    pub top1: f64,
    pub top3: f64,
    pub auto_precision: f64,
    pub auto_coverage: f64,
    pub none_rejection: f64,
    pub auto: usize,
    pub auto_wrong: usize,
    pub top1_by_difficulty: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    pub from: f32,
    pub to: f32,
    pub count: usize,
    pub accuracy: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    pub top1: f64,
    pub top3: f64,
    /// At the threshold where auto marks 80% of answerable questions.
    pub auto_precision_at_80: f64,
    pub none_rejection_at_80: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalResult {
    /// "meaning and words" (with a model) or "words only".
    pub mode: &'static str,
    pub threshold: f32,
    pub metrics: Metrics,
    pub reliability: Vec<Bucket>,
    pub baseline: Option<Baseline>,
    pub items: Vec<Judged>,
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        n as f64 / d as f64
    }
}

/// Fill every questionnaire named in `gold` and judge the outcome.
pub fn judge(
    si: &SearchIndex,
    semantic: Option<&Semantic>,
    gold: &[Gold],
    t: Thresholds,
    with_candidates: bool,
) -> Result<Vec<Judged>> {
    let m = Matcher::new(si).with_semantic(semantic.cloned());
    let mut by_file: BTreeMap<&Path, Vec<&Gold>> = BTreeMap::new();
    for g in gold {
        by_file.entry(g.file.as_path()).or_default().push(g);
    }
    let mut out = Vec::new();
    for (file, rows) in by_file {
        let wb = read::read_workbook(file)?;
        let q = layout::detect(&wb, &LayoutOverrides::default())?;
        // Gold judges the engine's choice, so existing answers are never "kept" here.
        let items: Vec<Item> = fill::decide_all(&q, &m, &si.entries, t, true);
        let qm = m.for_questionnaire(
            q.sheets
                .iter()
                .flat_map(|s| s.rows.iter())
                .map(|r| r.question.as_str()),
        );
        let rows_by_pos: HashMap<(String, u32), &crate::sheet::QuestionRow> = q
            .sheets
            .iter()
            .flat_map(|s| s.rows.iter())
            .map(|r| ((r.sheet.clone(), r.row + 1), r))
            .collect();
        let mut found: HashMap<(String, u32), &Item> = HashMap::new();
        for i in &items {
            let sheet = if wb.kind == crate::sheet::InputKind::Csv {
                String::new()
            } else {
                i.sheet.clone()
            };
            found.insert((sheet, i.row), i);
        }
        for g in rows {
            let item = found.get(&(g.sheet.clone(), g.row));
            let ranking = rows_by_pos
                .get(&(g.sheet.clone(), g.row))
                .filter(|_| with_candidates)
                .map(|r| qm.rank(&fill::row_query(r)));
            out.push(Judged::new(
                file.file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                g,
                item.copied(),
                ranking.as_ref(),
                si,
            ));
        }
    }
    Ok(out)
}

/// Metrics over judged items.
pub fn metrics(items: &[Judged]) -> Metrics {
    let ans: Vec<&Judged> = items.iter().filter(|j| j.answerable()).collect();
    let none: Vec<&Judged> = items.iter().filter(|j| !j.answerable()).collect();
    let autos: Vec<&Judged> = items.iter().filter(|j| j.auto()).collect();
    let auto_right = autos.iter().filter(|j| j.auto_right()).count();
    let mut by_diff: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for j in &ans {
        let e = by_diff.entry(j.difficulty.clone()).or_default();
        e.1 += 1;
        if j.top1() {
            e.0 += 1;
        }
    }
    Metrics {
        questions: items.len(),
        answerable: ans.len(),
        top1: ratio(ans.iter().filter(|j| j.top1()).count(), ans.len()),
        top3: ratio(ans.iter().filter(|j| j.top3()).count(), ans.len()),
        auto_precision: ratio(auto_right, autos.len()),
        auto_coverage: ratio(auto_right, ans.len()),
        none_rejection: ratio(none.iter().filter(|j| !j.auto()).count(), none.len()),
        auto: autos.len(),
        auto_wrong: autos.len() - auto_right,
        top1_by_difficulty: by_diff
            .into_iter()
            .map(|(k, (n, d))| (k, ratio(n, d)))
            .collect(),
    }
}

/// Confidence buckets of width 0.1 → share of items whose first choice is right.
pub fn reliability(items: &[Judged]) -> Vec<Bucket> {
    (0..10)
        .map(|b| {
            let from = b as f32 / 10.0;
            let to = from + 0.1;
            let inb: Vec<&Judged> = items
                .iter()
                .filter(|j| {
                    j.confidence >= from && (j.confidence < to || (b == 9 && j.confidence <= 1.0))
                })
                .collect();
            let right = inb.iter().filter(|j| j.answerable() && j.top1()).count();
            Bucket {
                from,
                to,
                count: inb.len(),
                accuracy: ratio(right, inb.len()),
            }
        })
        .collect()
}

/// Run the whole evaluation.
pub fn evaluate(
    si: &SearchIndex,
    semantic: Option<&Semantic>,
    gold: &[Gold],
    t: Thresholds,
    baseline: bool,
    with_candidates: bool,
) -> Result<EvalResult> {
    let items = judge(si, semantic, gold, t, with_candidates)?;
    let baseline = if baseline {
        Some(baseline::baseline(&si.entries, &items)?)
    } else {
        None
    };
    Ok(EvalResult {
        mode: mode_name(semantic),
        threshold: t.auto,
        metrics: metrics(&items),
        reliability: reliability(&items),
        baseline,
        items,
    })
}

/// Evaluate a library on its own phrasings, held out in `folds` rounds (see `heldout`).
pub fn evaluate_held_out(
    library: &crate::knowledge::Library,
    semantic: Option<&Semantic>,
    folds: usize,
    t: Thresholds,
    with_candidates: bool,
) -> Result<EvalResult> {
    let items = heldout::held_out(library, semantic, folds, t, with_candidates)?;
    Ok(EvalResult {
        mode: mode_name(semantic),
        threshold: t.auto,
        metrics: metrics(&items),
        reliability: reliability(&items),
        baseline: None,
        items,
    })
}

/// The human-readable evaluation report.
/// The name of a matching mode, as reports print it.
pub fn mode_name(semantic: Option<&Semantic>) -> &'static str {
    if semantic.is_some() {
        "meaning and words"
    } else {
        "words only"
    }
}

pub fn render(r: &EvalResult) -> String {
    let m = &r.metrics;
    let mut s = String::new();
    s.push_str(&format!(
        "questions {} (answerable {}, unanswerable {}), matching by {}, auto threshold {:.2}\n",
        m.questions,
        m.answerable,
        m.questions - m.answerable,
        r.mode,
        r.threshold
    ));
    s.push_str(&format!("  top-1 accuracy      {:.3}\n", m.top1));
    s.push_str(&format!("  top-3 recall        {:.3}\n", m.top3));
    s.push_str(&format!(
        "  auto precision      {:.3}  ({} auto, {} wrong)\n",
        m.auto_precision, m.auto, m.auto_wrong
    ));
    s.push_str(&format!("  auto coverage       {:.3}\n", m.auto_coverage));
    s.push_str(&format!("  NONE rejection      {:.3}\n", m.none_rejection));
    let diffs: Vec<String> = m
        .top1_by_difficulty
        .iter()
        .map(|(k, v)| format!("{k} {v:.3}"))
        .collect();
    s.push_str(&format!("  top-1 by difficulty {}\n", diffs.join(", ")));
    s.push_str("reliability (confidence → observed top-1 accuracy):\n");
    for b in &r.reliability {
        if b.count > 0 {
            s.push_str(&format!(
                "  {:.1}-{:.1}  n={:<4} accuracy {:.3}\n",
                b.from, b.to, b.count, b.accuracy
            ));
        }
    }
    if let Some(b) = &r.baseline {
        s.push_str(&format!(
            "baseline (plain BM25, question text only): top-1 {:.3}, top-3 {:.3}, auto precision {:.3} and NONE rejection {:.3} at 80% auto\n",
            b.top1, b.top3, b.auto_precision_at_80, b.none_rejection_at_80
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(gold: &[&str], ranked: &[&str], parts: &[&str], status: &str) -> Judged {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Judged {
            file: "q.csv".into(),
            sheet: String::new(),
            row: 2,
            difficulty: "easy".into(),
            gold: s(gold),
            question: "q".into(),
            context: Vec::new(),
            status: status.into(),
            confidence: 0.9,
            ranked: s(ranked),
            scores: Vec::new(),
            features: None,
            candidates: Vec::new(),
            parts: s(parts),
            signals: None,
        }
    }

    #[test]
    fn an_auto_compound_with_a_wrong_part_is_wrong() {
        let items = [
            judged(&["a", "b"], &["a"], &["b"], "auto"),
            judged(&["a", "b"], &["a"], &["c"], "auto"),
        ];
        let m = metrics(&items);
        assert_eq!((m.auto, m.auto_wrong), (2, 1));
        assert!((m.top1 - 1.0).abs() < 1e-9);
    }
}
