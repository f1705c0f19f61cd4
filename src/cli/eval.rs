//! `vouch eval`: matching quality against gold labels, with the naive baseline and the
//! reliability table; `--json` for machines.

use crate::cli::outln;
use std::path::PathBuf;

use crate::cli::{ExitStatus, LibraryArg};
use crate::error::{Error, Result};
use crate::fill::{self, Thresholds};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch eval --gold samples/gold.csv\n  vouch eval --library knowledge --gold samples/gold.csv --baseline --json\n  vouch eval --held-out --lexical"
)]
pub struct Args {
    #[command(flatten)]
    pub library: LibraryArg,
    /// Gold file: file,sheet,row,answer_ids,difficulty
    #[arg(long, value_name = "GOLD.csv", required_unless_present = "held_out")]
    pub gold: Option<PathBuf>,
    /// No gold file: ask the library its own alternate phrasings, each held out of the index
    /// (answerable), and its entries' questions with the entry removed (unanswerable)
    #[arg(long, conflicts_with_all = ["gold", "baseline"])]
    pub held_out: bool,
    /// With --held-out: in how many rounds (each holds out every N-th phrasing and entry;
    /// default 5)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(2..=100))]
    pub folds: Option<u16>,
    /// Auto threshold to evaluate (default: the fill default)
    #[arg(long, value_name = "0..1")]
    pub threshold: Option<f32>,
    /// Also print plain BM25 over the question text
    #[arg(long)]
    pub baseline: bool,
    /// Print the result as JSON (with every judged question)
    #[arg(long)]
    pub json: bool,
    /// With --json: every candidate of every question with its features (for tuning)
    #[arg(long)]
    pub candidates: bool,
    /// Write each question's confidence signals and whether its first choice was right, one
    /// JSON line each, for `vouch calibrate`
    #[arg(long, value_name = "OUT.jsonl")]
    pub signals: Option<PathBuf>,
    /// With --signals: the name of this labelled set in that file (default: the gold file's
    /// or library's name)
    #[arg(long, value_name = "NAME", requires = "signals")]
    pub set: Option<String>,
    #[command(flatten)]
    pub model: crate::cli::model::MatchModelArg,
}

pub fn run(a: Args) -> Result<ExitStatus> {
    // The given threshold, else the default of the matching mode.
    let t = |by_meaning: bool| Thresholds {
        auto: a.threshold.unwrap_or(Thresholds::for_mode(by_meaning).auto),
        review: fill::DEFAULT_REVIEW_THRESHOLD,
    };
    if a.folds.is_some() && !a.held_out {
        return Err(Error::Usage("--folds needs --held-out".into()));
    }
    let mut notice = crate::cli::term::notice;
    let detail = a.candidates || a.signals.is_some();
    let mut r = match &a.gold {
        Some(gold) => {
            let gold = crate::eval::read_gold(gold)?;
            let emb = crate::cli::model::load_for_matching(&a.model, &mut notice)?;
            let (si, _) = crate::index::open_or_build(&a.library.library)?;
            let semantic =
                crate::cli::model::semantic_for(emb, &a.library.library, &si, &mut notice)?;
            crate::eval::evaluate(
                &si,
                semantic.as_ref(),
                &gold,
                t(semantic.is_some()),
                a.baseline,
                detail,
            )?
        }
        None => {
            let library = crate::knowledge::load_library(&a.library.library)?;
            // Every variant's phrasings are the library's: encoded once, through the cache.
            let semantic = crate::cli::model::load_for_matching(&a.model, &mut notice)?.map(|e| {
                let none =
                    crate::embed::store::PhrasingVectors::assemble(&e, &[], &[] as &[Vec<f32>]);
                crate::matcher::semantic::Semantic::new(std::sync::Arc::new(e), none)
            });
            let folds = usize::from(a.folds.unwrap_or(5));
            let t = t(semantic.is_some());
            crate::eval::evaluate_held_out(&library, semantic.as_ref(), folds, t, detail)?
        }
    };
    if let Some(path) = &a.signals {
        let set = a.set.clone().unwrap_or_else(|| {
            let named = a.gold.as_deref().unwrap_or(&a.library.library);
            let name = named.file_stem().map(|s| s.to_string_lossy().into_owned());
            let held = if a.held_out { "held-out " } else { "" };
            format!("{held}{}", name.unwrap_or_default())
        });
        let mode = if r
            .items
            .iter()
            .any(|j| j.features.is_some_and(|f| f.semantic != 0.0))
        {
            "semantic"
        } else {
            "lexical"
        };
        let mut text = String::new();
        for j in &r.items {
            let Some(x) = &j.signals else { continue };
            let line = serde_json::json!({
                "set": set,
                "mode": mode,
                "signals": x,
                "right": j.right(),
                "answerable": j.answerable(),
            });
            text.push_str(&line.to_string());
            text.push('\n');
        }
        crate::atomic::write_bytes(path, text.as_bytes())?;
    }
    if !a.candidates {
        for j in &mut r.items {
            j.candidates.clear();
            j.signals = None;
        }
    }
    if a.json {
        let s = serde_json::to_string_pretty(&r)
            .map_err(|e| Error::internal(format!("cannot encode result: {e}")))?;
        outln!("{s}");
    } else {
        crate::cli::out(&crate::eval::render(&r));
    }
    Ok(ExitStatus::Success)
}
