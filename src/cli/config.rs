//! `vouch config`: the settings in effect and where each comes from.
//!
//! With vouch.toml found by walking up from the current folder, an environment variable or
//! two, and defaults, an analyst needs one place that says which file is in effect and what
//! each setting resolved to; flags given on a command still beat what is shown here.

use serde::Serialize;

use crate::cli::{outln, ExitStatus};
use crate::config::{Resolved, Source};
use crate::error::{Error, Result};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch config\n  vouch config --json\n  vouch --config team/vouch.toml config"
)]
pub struct Args {
    /// Print one JSON object instead of the table
    #[arg(long)]
    pub json: bool,
}

/// One setting as shown: its key in vouch.toml, its value, and where it came from.
#[derive(Debug, Serialize)]
struct Row {
    key: &'static str,
    value: serde_json::Value,
    source: Source,
}

fn row<T: Serialize>(key: &'static str, r: Resolved<T>) -> Result<Row> {
    Ok(Row {
        key,
        value: serde_json::to_value(&r.value)
            .map_err(|e| Error::internal(format!("cannot show {key}: {e}")))?,
        source: r.source,
    })
}

pub fn run(a: Args) -> Result<ExitStatus> {
    let c = crate::cli::config();
    let citations = c.citations(None);
    let rows = vec![
        row("library", c.library(None))?,
        row("fill.threshold", c.threshold(None))?,
        row(
            "fill.citations",
            Resolved {
                value: crate::cli::fill::citation_name(citations.value),
                source: citations.source,
            },
        )?,
        row("fill.overwrite", c.overwrite(false))?,
        row("model.path", c.model_dir(None))?,
        row("model.lexical", c.lexical(false, false))?,
        row("review.reviewer", c.reviewer(None))?,
        row("review.learn", c.learn(false))?,
        row("history.record", c.record_history())?,
        row("lint.review_months", c.review_months(None))?,
        row("lint.report_months", c.report_months(None))?,
    ];
    if a.json {
        let v = serde_json::json!({ "file": c.path, "settings": rows });
        let text = serde_json::to_string_pretty(&v)
            .map_err(|e| Error::internal(format!("cannot write JSON: {e}")))?;
        outln!("{text}");
        return Ok(ExitStatus::Success);
    }
    match &c.path {
        Some(p) => outln!("config file: {}", p.display()),
        None => outln!(
            "config file: none (no {} here or in a parent folder)",
            crate::config::CONFIG_FILE
        ),
    }
    for r in &rows {
        let value = match &r.value {
            serde_json::Value::Null if r.key == "fill.threshold" => {
                "(the matching mode's default)".to_string()
            }
            serde_json::Value::Null => "(the login name)".to_string(),
            serde_json::Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        outln!("{:<20} {:<40} {}", r.key, value, r.source);
    }
    Ok(ExitStatus::Success)
}
