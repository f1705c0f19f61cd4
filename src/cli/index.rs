//! `vouch index`: build the search index of a library now (fill also does it when needed).

use crate::cli::outln;
use std::time::Instant;

use crate::cli::{ExitStatus, LibraryArg};
use crate::error::Result;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  vouch index\n  vouch index --library lib")]
pub struct Args {
    #[command(flatten)]
    pub library: LibraryArg,
    #[command(flatten)]
    pub model: crate::cli::model::MatchModelArg,
}

pub fn run(a: Args) -> Result<ExitStatus> {
    let start = Instant::now();
    let lib = crate::knowledge::load_library(&a.library.library)?;
    crate::index::build(&lib)?;
    outln!(
        "indexed {} entries ({} sources, {} synonym groups) from {} in {:.2}s",
        lib.entries.len(),
        lib.sources.len(),
        lib.synonyms.len(),
        a.library.library.display(),
        start.elapsed().as_secs_f64()
    );
    // With a model installed, the phrasing vectors are built now too, so that the first fill
    // only encodes its questions.
    let mut notice = |line: &str| outln!("{line}");
    let emb = crate::cli::model::load_for_matching(&a.model, &mut notice)?;
    let (si, _) = crate::index::open_or_build(&a.library.library)?;
    crate::cli::model::semantic_for(emb, &a.library.library, &si, &mut notice)?;
    Ok(ExitStatus::Success)
}
