//! `vouch eval`: matching quality against gold labels, with the naive baseline and the
//! reliability table; `--json` for machines.

use crate::cli::outln;
use std::path::PathBuf;

use crate::cli::{ExitStatus, LibraryArg};
use crate::error::{Error, Result};
use crate::fill::{self, Thresholds};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch eval --library lib --gold ../shared/bench/gold.csv\n  vouch eval --library lib --gold gold.csv --baseline --json\n  vouch eval --library lib --held-out"
)]
pub struct Args {
    #[command(flatten)]
    pub library: LibraryArg,
    /// Gold file: file,sheet,row,answer_ids,difficulty
    #[arg(long, value_name = "GOLD.csv", required_unless_present = "held_out")]
    pub gold: Option<PathBuf>,
    /// No gold file: ask the library its own alternate phrasings, each held out of the index
    /// (answerable), and its entries' questions with the entry removed (unanswerable)
    #[arg(long, conflicts_with_all = ["gold", "baseline", "candidates"])]
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
}

pub fn run(a: Args) -> Result<ExitStatus> {
    let t = Thresholds {
        auto: a.threshold.unwrap_or(fill::DEFAULT_AUTO_THRESHOLD),
        review: fill::DEFAULT_REVIEW_THRESHOLD,
    };
    if a.folds.is_some() && !a.held_out {
        return Err(Error::Usage("--folds needs --held-out".into()));
    }
    let r = match &a.gold {
        Some(gold) => {
            let gold = crate::eval::read_gold(gold)?;
            let (si, _) = crate::index::open_or_build(&a.library.library)?;
            crate::eval::evaluate(&si, &gold, t, a.baseline, a.candidates)?
        }
        None => {
            let library = crate::knowledge::load_library(&a.library.library)?;
            crate::eval::evaluate_held_out(&library, usize::from(a.folds.unwrap_or(5)), t)?
        }
    };
    if a.json {
        let s = serde_json::to_string_pretty(&r)
            .map_err(|e| Error::internal(format!("cannot encode result: {e}")))?;
        outln!("{s}");
    } else {
        crate::cli::out(&crate::eval::render(&r));
    }
    Ok(ExitStatus::Success)
}
