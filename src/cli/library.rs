//! `vouch library`: create, check, export and measure answer libraries.
//!
//! Each subcommand unpacks its flags and calls one function of `crate::knowledge`; this file
//! only prints what came back.

use crate::cli::outln;
use std::path::PathBuf;

use crate::cli::{ExitStatus, LibraryArg};
use crate::error::Result;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Turn a spreadsheet Q&A export (CSV or XLSX) into a library folder
    #[command(
        after_help = "Examples:\n  vouch library export --out library.xlsx      # the shipped library as one workbook\n  vouch library import library.xlsx --into lib\n  vouch library import library.xlsx --into lib --force --json"
    )]
    Import(ImportArgs),
    /// Validate a library and print what it holds
    #[command(
        after_help = "Examples:\n  vouch library check\n  vouch library check --library knowledge --json"
    )]
    Check(CheckArgs),
    /// Find what makes a library answer wrongly later: stale reviews, expired reports and
    /// facts, answers reviewed before their sources, placeholders, duplicates, contradictions,
    /// entries the matcher confuses, conflicting synonym groups
    Lint(crate::cli::library_lint::Args),
    /// Learn from a questionnaire your team answered by hand: agreeing answers become
    /// alternate phrasings, new questions become drafts, disagreements are listed
    ImportAnswered(crate::cli::library_answered::Args),
    /// Add one entry (from flags, or asked for in a terminal); checked before it is written
    Add(crate::cli::library_add::Args),
    /// Write the library to one .xlsx for subject-matter experts (Entries, Sources, Facts,
    /// Synonyms sheets); `library import` reads it back into the same library
    #[command(
        after_help = "Examples:\n  vouch library export --out library.xlsx\n  vouch library export --library lib --out review/lib-2026-11.xlsx\n  vouch library import library.xlsx --into lib --force   # after the experts' edits"
    )]
    Export(ExportArgs),
    /// Count entries by topic and owner, show which SOC 2 criteria and ISO 27001 Annex A
    /// controls have no answer, and which entries fills use most and never
    #[command(
        after_help = "Examples:\n  vouch library stats\n  vouch library stats --library lib --json > stats.json\n  vouch library stats --html library-report.html"
    )]
    Stats(StatsArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub library: LibraryArg,
    /// Print one JSON object instead of the line
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub library: LibraryArg,
    /// Print one JSON object instead of the table
    #[arg(long)]
    pub json: bool,
    /// Also write a self-contained HTML report (charts and lists, no network needed to open it)
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub library: LibraryArg,
    /// The workbook to write (.xlsx, outside the library folder)
    #[arg(long, value_name = "FILE.xlsx")]
    pub out: PathBuf,
    /// Print one JSON object (what was exported, and where) instead of the line
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The export: columns id, question, alternate_questions, answer, short_answer, sources, tags, owner, reviewed
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The library folder to create
    #[arg(long, value_name = "DIR")]
    pub into: PathBuf,
    /// Registry of cited documents (default: the Sources sheet of a `library export` workbook,
    /// else sources.csv beside FILE)
    #[arg(long, value_name = "FILE")]
    pub sources: Option<PathBuf>,
    /// Replace DIR if it already holds files
    #[arg(long)]
    pub force: bool,
    /// Print one JSON object (what was imported, the files written) instead of the line
    #[arg(long)]
    pub json: bool,
}

/// `value` as pretty JSON on standard output.
pub fn print_json(value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| crate::error::Error::internal(format!("cannot write JSON: {e}")))?;
    outln!("{text}");
    Ok(())
}

pub fn run(c: Command) -> Result<ExitStatus> {
    match c {
        Command::Lint(a) => return crate::cli::library_lint::run(a),
        Command::Import(a) => {
            let (_, s) =
                crate::knowledge::import::import(&a.file, a.sources.as_deref(), &a.into, a.force)?;
            if a.json {
                print_json(&serde_json::json!({
                    "from": a.file,
                    "into": a.into,
                    "entries": s.entries,
                    "sources": s.sources,
                    "facts": s.facts,
                    "files": s.files,
                }))?;
                return Ok(ExitStatus::Success);
            }
            let facts = match s.facts {
                0 => String::new(),
                n => format!(", {n} facts"),
            };
            outln!(
                "imported {} entries and {} sources{facts} into {} ({} files)",
                s.entries,
                s.sources,
                a.into.display(),
                s.files.len()
            );
        }
        Command::ImportAnswered(a) => return crate::cli::library_answered::run(a),
        Command::Add(a) => return crate::cli::library_add::run(a),
        Command::Check(a) => {
            let l = a.library;
            let lib = crate::knowledge::load_library(&l.library)?;
            let cited = lib
                .entries
                .iter()
                .filter(|e| !e.citations.is_empty())
                .count();
            if a.json {
                print_json(&serde_json::json!({
                    "library": l.library,
                    "entries": lib.entries.len(),
                    "cited": cited,
                    "sources": lib.sources.len(),
                    "facts": lib.facts.values.len(),
                    "synonym_groups": lib.synonyms.len(),
                    "ok": true,
                }))?;
                return Ok(ExitStatus::Success);
            }
            outln!(
                "{}: {} entries ({} cited), {} sources, {} synonym groups: OK",
                l.library.display(),
                lib.entries.len(),
                cited,
                lib.sources.len(),
                lib.synonyms.len()
            );
        }
        Command::Stats(a) => {
            // Stats describe a library even while an answer uses an unknown fact (lint's
            // business); any other problem stops here as it does everywhere.
            let (lib, _) = crate::knowledge::load::load_library_lenient(&a.library.library)?;
            let today = crate::review::decisions::now();
            let s = crate::knowledge::stats::compute(&lib, today.get(..10).unwrap_or(&today))?;
            if let Some(path) = &a.html {
                if crate::knowledge::export::inside(path, &a.library.library) {
                    return Err(crate::error::Error::Usage(format!(
                        "{} is inside the library folder {}; write the report elsewhere",
                        path.display(),
                        a.library.library.display()
                    )));
                }
                let page = crate::knowledge::stats_html::render(&s);
                crate::atomic::write_bytes(path, page.as_bytes())?;
            }
            if a.json {
                let text = serde_json::to_string_pretty(&s)
                    .map_err(|e| crate::error::Error::internal(e.to_string()))?;
                outln!("{text}");
            } else {
                crate::cli::out(&crate::knowledge::stats::render_text(&s));
                if let Some(path) = &a.html {
                    outln!("\nReport written to {}", path.display());
                }
            }
        }
        Command::Export(a) => {
            let lib = crate::knowledge::load_library(&a.library.library)?;
            let s = crate::knowledge::export::export(&lib, &a.out)?;
            if a.json {
                print_json(&serde_json::json!({
                    "library": a.library.library,
                    "out": a.out,
                    "entries": s.entries,
                    "sources": s.sources,
                    "facts": s.facts,
                    "synonym_groups": s.synonym_groups,
                }))?;
                return Ok(ExitStatus::Success);
            }
            let mut parts = vec![
                format!("{} entries", s.entries),
                format!("{} sources", s.sources),
            ];
            if s.facts > 0 {
                parts.push(format!("{} facts", s.facts));
            }
            if let Some(n) = s.synonym_groups {
                parts.push(format!("{n} synonym groups"));
            }
            outln!(
                "exported {} from {} to {}",
                parts.join(", "),
                a.library.library.display(),
                a.out.display()
            );
        }
    }
    Ok(ExitStatus::Success)
}
