//! `vouch library lint`: the library's problems as a table or JSON, with an exit code for CI.
//!
//! Exit 0 when there are no errors (warnings are printed but pass), 1 when lint found
//! errors, 2 when the library cannot be read at all. A team runs it in CI on its library
//! repository; `--today` pins the date so a CI run is reproducible.

use serde::Serialize;

use crate::cli::term::{paint, Stream, Tone};
use crate::cli::{outln, ExitStatus};
use crate::error::{Error, Result};
use crate::lint::{Finding, Policy, Severity};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch library lint\n  vouch library lint --library lib --json\n  vouch library lint --today 2026-12-01 --review-months 6 --lexical\n\nThe review policy can live in vouch.toml (this folder or a parent):\n  [lint]\n  review_months = 12\n  report_months = 12\n\nExit status: 0 no errors (warnings allowed), 1 errors found, 2 the library cannot be read."
)]
pub struct Args {
    #[command(flatten)]
    pub library: crate::cli::LibraryArg,
    /// Print the findings as JSON
    #[arg(long)]
    pub json: bool,
    /// The date to check against, YYYY-MM-DD (default: today)
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
    /// Review policy: an entry must have been reviewed within this many months (default:
    /// `[lint] review_months` in vouch.toml, else 12)
    #[arg(long, value_name = "N")]
    pub review_months: Option<u32>,
    /// A report whose period ended more than this many months ago is past its use (default:
    /// `[lint] report_months` in vouch.toml, else 12)
    #[arg(long, value_name = "N")]
    pub report_months: Option<u32>,
    /// Skip the matcher's checks (confusable entries, ties, near duplicates, contradictions)
    #[arg(long)]
    pub no_matching: bool,
    /// Only errors, no warnings
    #[arg(long)]
    pub errors_only: bool,
    #[command(flatten)]
    pub model: crate::cli::model::MatchModelArg,
}

#[derive(Serialize)]
struct Report<'a> {
    library: String,
    today: &'a str,
    mode: &'a str,
    entries: usize,
    sources: usize,
    facts: usize,
    errors: usize,
    warnings: usize,
    findings: &'a [Finding],
}

pub fn run(a: Args) -> Result<ExitStatus> {
    let today = match &a.today {
        Some(t) if crate::knowledge::is_iso_date(t) => t.clone(),
        Some(t) => {
            return Err(Error::Usage(format!(
                "--today '{t}' is not a YYYY-MM-DD date"
            )))
        }
        None => crate::lint::dates::today(),
    };
    // A flag beats vouch.toml (the global --config, else the nearest), which beats the default.
    let config = crate::cli::config();
    let policy = Policy {
        today,
        review_months: config.review_months(a.review_months).value,
        report_months: config.report_months(a.report_months).value,
    };
    let root = &a.library.library;
    let (library, soft) = crate::knowledge::load::load_library_lenient(root)?;
    let mut notice = crate::cli::term::notice;
    let semantic = if a.no_matching {
        None
    } else {
        // As `eval --held-out` does: every variant's phrasings are the library's, encoded once.
        let emb = crate::cli::model::load_for_matching(&a.model, &mut notice)?;
        Some(emb.map(|e| {
            let none = crate::embed::store::PhrasingVectors::assemble(&e, &[], &[] as &[Vec<f32>]);
            crate::matcher::semantic::Semantic::new(std::sync::Arc::new(e), none)
        }))
    };
    let mode = match &semantic {
        None => "data rules only",
        Some(None) => "data rules; matching by words only",
        Some(Some(_)) => "data rules; matching by meaning and words",
    };
    let mut findings = crate::lint::lint(
        &library,
        &soft,
        &policy,
        semantic.as_ref().map(|s| s.as_ref()),
    )?;
    if a.errors_only {
        findings.retain(|f| f.severity == Severity::Error);
    }
    let (errors, warnings) = crate::lint::counts(&findings);
    if a.json {
        let r = Report {
            library: root.display().to_string(),
            today: &policy.today,
            mode,
            entries: library.entries.len(),
            sources: library.sources.len(),
            facts: library.facts.values.len(),
            errors,
            warnings,
            findings: &findings,
        };
        let text = serde_json::to_string_pretty(&r)
            .map_err(|e| Error::internal(format!("cannot write JSON: {e}")))?;
        outln!("{text}");
    } else {
        print_table(&findings);
        outln!(
            "{}: {errors} {}, {warnings} {} in {} entries, {} sources, {} facts ({mode}; as of {})",
            root.display(),
            plural(errors, "error", "errors"),
            plural(warnings, "warning", "warnings"),
            library.entries.len(),
            library.sources.len(),
            library.facts.values.len(),
            policy.today
        );
    }
    Ok(if errors > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// One block per finding: `location  severity[rule]` then the message, indented, so long
/// messages stay readable in 80 columns.
fn print_table(findings: &[Finding]) {
    for f in findings {
        let loc = if f.location.is_empty() {
            f.subject.as_str()
        } else {
            f.location.as_str()
        };
        let tone = match f.severity {
            Severity::Error => Tone::Bad,
            Severity::Warning => Tone::Warn,
        };
        outln!(
            "{loc}  {}[{}]",
            paint(f.severity.as_str(), tone, Stream::Out),
            f.rule
        );
        outln!("    {}", f.message);
    }
    if !findings.is_empty() {
        outln!("");
    }
}
