//! `vouch library`: create and check answer libraries.

use crate::cli::outln;
use std::path::PathBuf;

use crate::cli::{ExitStatus, LibraryArg};
use crate::error::Result;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Turn a spreadsheet Q&A export (CSV or XLSX) into a library folder
    #[command(
        after_help = "Examples:\n  vouch library import library.csv --into lib\n  vouch library import answers.xlsx --sources docs.csv --into lib --force"
    )]
    Import(ImportArgs),
    /// Validate a library and print what it holds
    #[command(
        after_help = "Examples:\n  vouch library check\n  vouch library check --library lib"
    )]
    Check(LibraryArg),
    /// Find what makes a library answer wrongly later: stale reviews, expired reports and
    /// facts, answers reviewed before their sources, placeholders, duplicates, contradictions,
    /// entries the matcher confuses, conflicting synonym groups
    Lint(crate::cli::library_lint::Args),
    /// Learn from a questionnaire your team answered by hand: agreeing answers become
    /// alternate phrasings, new questions become drafts, disagreements are listed
    ImportAnswered(crate::cli::library_answered::Args),
    /// Add one entry (from flags, or asked for in a terminal); checked before it is written
    Add(crate::cli::library_add::Args),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The export: columns id, question, alternate_questions, answer, short_answer, sources, tags, owner, reviewed
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The library folder to create
    #[arg(long, value_name = "DIR")]
    pub into: PathBuf,
    /// Registry of cited documents (default: sources.csv beside FILE)
    #[arg(long, value_name = "FILE")]
    pub sources: Option<PathBuf>,
    /// Replace DIR if it already holds files
    #[arg(long)]
    pub force: bool,
}

pub fn run(c: Command) -> Result<ExitStatus> {
    match c {
        Command::Lint(a) => return crate::cli::library_lint::run(a),
        Command::Import(a) => {
            let (_, s) =
                crate::knowledge::import::import(&a.file, a.sources.as_deref(), &a.into, a.force)?;
            outln!(
                "imported {} entries and {} sources into {} ({} files)",
                s.entries,
                s.sources,
                a.into.display(),
                s.files.len()
            );
        }
        Command::ImportAnswered(a) => return crate::cli::library_answered::run(a),
        Command::Add(a) => return crate::cli::library_add::run(a),
        Command::Check(l) => {
            let lib = crate::knowledge::load_library(&l.library)?;
            let cited = lib
                .entries
                .iter()
                .filter(|e| !e.citations.is_empty())
                .count();
            outln!(
                "{}: {} entries ({} cited), {} sources, {} synonym groups: OK",
                l.library.display(),
                lib.entries.len(),
                cited,
                lib.sources.len(),
                lib.synonyms.len()
            );
        }
    }
    Ok(ExitStatus::Success)
}
