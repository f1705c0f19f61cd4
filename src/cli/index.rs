//! `vouch index`: build the search index of a library now (fill also does it when needed).

use crate::cli::outln;
use std::time::Instant;

use crate::cli::term;
use crate::cli::{ExitStatus, LibraryArg};
use crate::error::{Error, Result};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch index\n  vouch index --library knowledge --lexical\n  vouch -v index --json"
)]
pub struct Args {
    #[command(flatten)]
    pub library: LibraryArg,
    #[command(flatten)]
    pub model: crate::cli::model::MatchModelArg,
    /// Print one JSON object instead of the line
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> Result<ExitStatus> {
    let root = &a.library.library;
    let start = Instant::now();
    let lib = crate::knowledge::load_library(root)?;
    let stage = term::timed("load library", start);
    crate::index::build(&lib)?;
    let stage = term::timed("index", stage);
    let (entries, sources, groups) = (lib.entries.len(), lib.sources.len(), lib.synonyms.len());
    drop(lib);
    // What the matcher derives from the library is stored beside the index now, so that the
    // first fill starts as fast as the next.
    let (si, _) = crate::index::open_or_build(root)?;
    drop(crate::matcher::Matcher::new(&si));
    let stage = term::timed("derive the matcher's data", stage);
    let indexed = start.elapsed().as_secs_f64();
    // With a model installed, the phrasing vectors are built now too, so that the first fill
    // only encodes its questions.
    let mut notice = term::notice;
    let emb = crate::cli::model::load_for_matching(&a.model, &mut notice)?;
    let stage = term::timed("load model", stage);
    let model = emb.as_ref().map(|e| e.id().to_string());
    crate::cli::model::semantic_for(emb, root, &si, &mut notice)?;
    if model.is_some() {
        term::timed("encode phrasings", stage);
    }
    if a.json {
        let v = serde_json::json!({
            "library": root,
            "entries": entries,
            "sources": sources,
            "synonym_groups": groups,
            "model": model,
            "seconds": start.elapsed().as_secs_f64(),
        });
        let text = serde_json::to_string_pretty(&v)
            .map_err(|e| Error::internal(format!("cannot write JSON: {e}")))?;
        outln!("{text}");
    } else {
        outln!(
            "indexed {} entries ({} sources, {} synonym groups) from {} in {indexed:.2}s",
            entries,
            sources,
            groups,
            root.display(),
        );
    }
    Ok(ExitStatus::Success)
}
