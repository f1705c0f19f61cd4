//! `vouch library import-answered`: grow the library from a questionnaire answered by hand.
//!
//! The file is read and its layout detected exactly as `fill` does (the same flags correct
//! it), every row is matched as `fill` would match it, and `knowledge::answered` sorts the
//! answered rows into alternates, drafts, conflicts and rows the library already knows. This
//! file only unpacks flags, sets up the matcher and prints; it never writes the
//! questionnaire, and with `--dry-run` it writes nothing at all.

use std::path::PathBuf;

use crate::cli::{outln, ExitStatus, LayoutArgs, LibraryArg};
use crate::error::{Error, Location, Result};
use crate::fill::Thresholds;
use crate::knowledge::answered::{self, Outcome, Provenance, RowOutcome, Summary};
use crate::matcher::Matcher;
use crate::sheet::{layout, read};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch library import-answered samples/answered-last-year.xlsx --dry-run\n  vouch library import-answered last-year.xlsx --library knowledge\n  vouch library import-answered old.csv --question-col B --answer-col C --comment-col D --json\n\nA row whose question matches an entry confidently (as `fill` would answer it) and whose answer\nagrees becomes an alternate phrasing of that entry; one whose answer disagrees is listed as a\nconflict and nothing is written for it; a row without a confident match becomes a draft entry\nin drafts.toml. Answers agree when both give the same Yes/No/N/A/Partial; otherwise every\nnumber the team wrote must be in the entry's answer and half of the words must be shared."
)]
pub struct Args {
    /// The answered questionnaire (.xlsx, .xlsm, .xls, .ods, .csv)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub library: LibraryArg,
    #[command(flatten)]
    pub layout: LayoutArgs,
    /// Print what would change; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print every row's outcome as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub model: crate::cli::model::MatchModelArg,
}

pub fn run(a: Args) -> Result<ExitStatus> {
    let overrides = a.layout.overrides()?;
    let wb = read::read_workbook(&a.file)?;
    let q = layout::detect(&wb, &overrides)?;
    if q.sheets
        .iter()
        .all(|s| s.layout.answer_col.is_none() && s.layout.comment_col.is_none())
    {
        return Err(Error::input(
            Location::file(&a.file),
            "no answer column found, so there are no answers to import (name it with --answer-col)",
        ));
    }
    let root = &a.library.library;
    let library = crate::knowledge::load_library(root)?;
    let mut notice = crate::cli::term::notice;
    let emb = crate::cli::model::load_for_matching(&a.model, &mut notice)?;
    let (si, _) = crate::index::open_or_build(root)?;
    let semantic = crate::cli::model::semantic_for(emb, root, &si, &mut notice)?;
    let thresholds = Thresholds::for_mode(semantic.is_some());
    let m = Matcher::new(&si).with_semantic(semantic);
    // Decided as fill decides, with overwrite so that the answered rows are matched too.
    let items = crate::fill::decide_all(&q, &m, &si.entries, thresholds, true);
    let mut rows = answered::plan(&q, &items, &m, &si.entries);
    let who = Provenance {
        who: crate::review::decisions::reviewer(
            crate::cli::config().reviewer(None).value.as_deref(),
        ),
        when: crate::review::decisions::now(),
        questionnaire: a
            .file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    answered::apply(root, &library, &mut rows, &who, a.dry_run)?;
    let s = answered::summarize(&rows);
    if a.json {
        let report = serde_json::json!({
            "file": a.file,
            "library": root,
            "dry_run": a.dry_run,
            "matched_by": crate::eval::mode_name(m.semantic()),
            "auto_threshold": thresholds.auto,
            "summary": s,
            "rows": rows,
        });
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| Error::internal(format!("cannot write JSON: {e}")))?;
        outln!("{text}");
        return Ok(ExitStatus::Success);
    }
    outln!(
        "{}",
        summary_line(&a.file.display().to_string(), &s, a.dry_run)
    );
    outln!(
        "  matched by {}; confident at {:.2} or more",
        crate::eval::mode_name(m.semantic()),
        thresholds.auto
    );
    let conflicts: Vec<&RowOutcome> = rows
        .iter()
        .filter(|r| r.outcome == Outcome::Conflict)
        .collect();
    if !conflicts.is_empty() {
        outln!("conflicts (nothing written; a person decides):");
        outln!("{}", conflict_table(&conflicts));
    }
    let drafts: Vec<&str> = rows
        .iter()
        .filter(|r| r.outcome == Outcome::Draft)
        .filter_map(|r| r.entry.as_deref())
        .collect();
    if !drafts.is_empty() {
        outln!(
            "drafts {} in {}: {}",
            if a.dry_run { "would be added" } else { "added" },
            crate::knowledge::learn::DRAFTS_FILE,
            drafts.join(", ")
        );
    }
    if a.dry_run {
        outln!("dry run: nothing written");
    }
    Ok(ExitStatus::Success)
}

/// `FILE: N alternates added, N drafts, N conflicts, N already known, N skipped`.
fn summary_line(file: &str, s: &Summary, dry_run: bool) -> String {
    format!(
        "{file}: {} rows: {} alternates {}, {} drafts, {} conflicts, {} already known, {} skipped (no answer)",
        s.rows,
        s.alternates,
        if dry_run { "would be added" } else { "added" },
        s.drafts,
        s.conflicts,
        s.known,
        s.skipped
    )
}

/// The conflicts, one block each: where, the entry and why, then the question and both
/// answers (shortened to a line).
fn conflict_table(rows: &[&RowOutcome]) -> String {
    let short = |s: &str| -> String {
        let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if one.chars().count() <= 90 {
            one
        } else {
            format!("{}…", one.chars().take(89).collect::<String>())
        }
    };
    let mut out = Vec::new();
    for r in rows {
        let at = if r.sheet.is_empty() {
            format!("row {}", r.row)
        } else {
            format!("sheet '{}' row {}", r.sheet, r.row)
        };
        out.push(format!(
            "  {at}  {}: {}\n    question: {}\n    library:  {}\n    theirs:   {}",
            r.entry.as_deref().unwrap_or(""),
            r.why,
            short(&r.question),
            short(r.library_answer.as_deref().unwrap_or("")),
            short(&r.answer)
        ));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_every_count() {
        let s = Summary {
            rows: 9,
            alternates: 3,
            drafts: 2,
            conflicts: 1,
            known: 2,
            skipped: 1,
        };
        assert_eq!(
            summary_line("q.xlsx", &s, false),
            "q.xlsx: 9 rows: 3 alternates added, 2 drafts, 1 conflicts, 2 already known, 1 skipped (no answer)"
        );
        assert!(summary_line("q.xlsx", &s, true).contains("would be added"));
    }
}
