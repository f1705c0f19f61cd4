//! `vouch review apply`: write a review's decisions into the filled questionnaire, and let the
//! library learn from them.
//!
//! The decisions are the review page's (the sidecar file) and the review workbook's
//! `Decision` column; see `crate::review::apply` for how they are merged and written.

use std::path::PathBuf;

use crate::cli::{outln, ExitStatus};
use crate::error::Result;
use crate::review::apply::{apply, Options};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch review apply q.review.xlsx\n  vouch review apply q.review.xlsx --reviewer 'Ana Ruiz' --library ./knowledge\n  vouch review apply samples/security-assessment.review.xlsx --no-learn --json\n\nIn the review workbook's Decision column type: accept, a candidate's number (2, 3), n/a,\nskip, or the answer to write instead."
)]
pub struct ApplyArgs {
    /// The review workbook written by `vouch fill` (NAME.review.xlsx)
    #[arg(value_name = "REVIEW.xlsx")]
    pub review: PathBuf,
    /// The answer library to take entries from and to teach (default: the one the fill used)
    #[arg(long, value_name = "DIR")]
    pub library: Option<PathBuf>,
    /// Who made the decisions typed in the workbook (default: $VOUCH_REVIEWER, else the
    /// login name)
    #[arg(long, value_name = "NAME")]
    pub reviewer: Option<String>,
    /// Write the decisions only: add no alternates, drafts or history to the library
    #[arg(long)]
    pub no_learn: bool,
    /// Print one JSON object (what was applied, what the library learnt) instead of the lines
    #[arg(long)]
    pub json: bool,
}

pub fn run_apply(a: ApplyArgs) -> Result<ExitStatus> {
    // --reviewer, else $VOUCH_REVIEWER, else vouch.toml; --no-learn, else `[review] learn`.
    let config = crate::cli::config();
    let learn = config.learn(a.no_learn).value;
    let done = apply(
        &a.review,
        &Options {
            library: a.library,
            reviewer: config.reviewer(a.reviewer.as_deref()).value,
            no_learn: !learn,
        },
    )?;
    let written =
        done.from_entries + done.not_applicable + done.own_answers - done.not_written.len();
    if a.json {
        let not_written: Vec<_> = done
            .not_written
            .iter()
            .map(|(sheet, row, why)| serde_json::json!({"sheet": sheet, "row": row, "why": why}))
            .collect();
        crate::cli::library::print_json(&serde_json::json!({
            "filled": done.filled,
            "applied": written,
            "from_entries": done.from_entries,
            "not_applicable": done.not_applicable,
            "own_answers": done.own_answers,
            "skipped": done.skipped,
            "not_written": not_written,
            "learnt": learn.then(|| serde_json::json!({
                "alternates_added": done.alternates_added,
                "drafts_added": done.drafts_added,
            })),
        }))?;
        return Ok(ExitStatus::Success);
    }
    outln!(
        "applied {written} decisions to {} ({} from library entries, {} N/A, {} own answers); {} skipped",
        done.filled.display(),
        done.from_entries,
        done.not_applicable,
        done.own_answers,
        done.skipped
    );
    for (sheet, row, why) in &done.not_written {
        outln!("  not written: sheet '{sheet}' row {row}: {why}");
    }
    if learn {
        outln!(
            "library: {} new alternate phrasings, {} draft entries{}",
            done.alternates_added,
            done.drafts_added.len(),
            if done.drafts_added.is_empty() {
                String::new()
            } else {
                format!(" ({})", done.drafts_added.join(", "))
            }
        );
    }
    Ok(ExitStatus::Success)
}
