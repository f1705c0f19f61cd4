//! `vouch library add`: add one entry to a library from flags, or by answering prompts.
//!
//! The flags are the entry's fields. In a terminal, required fields left out are asked for one
//! by one; anywhere else (a script, CI) they are a usage error that names them, because a
//! prompt nobody can answer would hang. The checks and the write are
//! `knowledge::add`'s: nothing changes unless the library, with the entry, loads.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use crate::cli::{outln, ExitStatus, LibraryArg};
use crate::error::{Error, Result};
use crate::knowledge::add::{self, NewEntry};
use crate::knowledge::ShortAnswer;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch library add --id status-page-history --question \"Do you publish past incidents on your status page?\" \\\n      --answer \"Yes. The status page keeps 90 days of incident history.\" --short-answer Yes \\\n      --cite soc2-report-2026#A1.2 --tag bc-dr --tag status-page --owner sre@larkspur.example\n  vouch library add --library lib          (in a terminal: asks for each required field)\n\nThe entry is appended to the topic file that already holds entries of its domain (the first\n--tag), else to <domain>.toml; --file chooses another. Its id must be new, its citations must\nname documents in sources.toml, its short answer must agree with the answer's opening, and no\nentry may already use its question or alternates."
)]
pub struct Args {
    #[command(flatten)]
    pub library: LibraryArg,
    /// The entry's id, unique in the library
    #[arg(long)]
    pub id: Option<String>,
    /// The canonical question
    #[arg(long)]
    pub question: Option<String>,
    /// Another phrasing of the question (repeatable)
    #[arg(long = "alternate", value_name = "TEXT")]
    pub alternates: Vec<String>,
    /// The answer, as a questionnaire cell gets it
    #[arg(long)]
    pub answer: Option<String>,
    /// Yes, No, N/A or Partial, for a yes/no question
    #[arg(long, value_name = "YES|NO|N/A|PARTIAL")]
    pub short_answer: Option<String>,
    /// A source the answer comes from, as DOC#SECTION with DOC an id in sources.toml
    /// (repeatable)
    #[arg(long = "cite", value_name = "DOC#SECTION")]
    pub cites: Vec<String>,
    /// A tag (repeatable); the first is the entry's domain
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// The team mailbox that maintains the entry
    #[arg(long)]
    pub owner: Option<String>,
    /// The date a person confirmed the answer (default: today)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub reviewed: Option<String>,
    /// The topic file, relative to the library (default: the file of the domain's entries,
    /// else DOMAIN.toml)
    #[arg(long, value_name = "FILE.toml")]
    pub file: Option<PathBuf>,
    /// Print one JSON object (the entry's id and the file it went to) instead of the line
    #[arg(long)]
    pub json: bool,
}

/// A required field: its flag and the prompt that asks for it.
struct Field {
    flag: &'static str,
    prompt: &'static str,
}

const ID: Field = Field {
    flag: "--id",
    prompt: "id (unique, e.g. status-page-history)",
};
const QUESTION: Field = Field {
    flag: "--question",
    prompt: "question",
};
const ANSWER: Field = Field {
    flag: "--answer",
    prompt: "answer",
};
const CITE: Field = Field {
    flag: "--cite",
    prompt: "citation as DOC#SECTION (several: separate with spaces)",
};
const TAG: Field = Field {
    flag: "--tag",
    prompt: "tags, domain first (separate with spaces)",
};
const OWNER: Field = Field {
    flag: "--owner",
    prompt: "owner (team mailbox)",
};

pub fn run(a: Args) -> Result<ExitStatus> {
    let missing: Vec<&Field> = [
        (a.id.is_none(), &ID),
        (a.question.is_none(), &QUESTION),
        (a.answer.is_none(), &ANSWER),
        (a.cites.is_empty(), &CITE),
        (a.tags.is_empty(), &TAG),
        (a.owner.is_none(), &OWNER),
    ]
    .into_iter()
    .filter_map(|(m, f)| m.then_some(f))
    .collect();
    let interactive = std::io::stdin().is_terminal();
    if !missing.is_empty() && !interactive {
        return Err(Error::Usage(format!(
            "missing {} (give them as flags, or run in a terminal to be asked)",
            missing
                .iter()
                .map(|f| f.flag)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let value = |v: Option<String>, f: &Field| -> Result<String> {
        match v {
            Some(v) => Ok(v),
            None => ask(f),
        }
    };
    let id = value(a.id, &ID)?;
    let question = value(a.question, &QUESTION)?;
    let answer = value(a.answer, &ANSWER)?;
    let cites = if a.cites.is_empty() {
        ask_list(&CITE)?
    } else {
        a.cites
    };
    let tags = if a.tags.is_empty() {
        ask_list(&TAG)?
    } else {
        a.tags
    };
    let owner = value(a.owner, &OWNER)?;

    let short_answer = match a.short_answer.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(ShortAnswer::parse(s).ok_or_else(|| {
            Error::Usage(format!(
                "--short-answer {s}: not one of Yes, No, N/A, Partial"
            ))
        })?),
    };
    let citations = cites
        .iter()
        .map(|c| {
            add::parse_citation(c).ok_or_else(|| {
                Error::Usage(format!(
                    "--cite {c}: write it as DOC#SECTION (e.g. soc2-report-2026#CC6.1)"
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let reviewed = a
        .reviewed
        .unwrap_or_else(|| crate::review::decisions::now()[..10].to_string());
    let entry = NewEntry {
        id,
        question,
        alternates: a.alternates,
        answer,
        short_answer,
        citations,
        tags,
        owner,
        reviewed,
        file: a.file,
    };
    let file = add::add(&a.library.library, &entry)?;
    if a.json {
        crate::cli::library::print_json(&serde_json::json!({
            "added": entry.id,
            "file": a.library.library.join(file),
        }))?;
        return Ok(ExitStatus::Success);
    }
    outln!(
        "added entry '{}' to {}",
        entry.id,
        a.library.library.join(file).display()
    );
    Ok(ExitStatus::Success)
}

/// Ask for one required value on the terminal (the prompt on stderr, the value from stdin).
fn ask(f: &Field) -> Result<String> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{}: ", f.prompt);
    let _ = err.flush();
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", f.flag)))?;
    let line = line.trim().to_string();
    if n == 0 || line.is_empty() {
        return Err(Error::Usage(format!("no {} given; nothing added", f.flag)));
    }
    Ok(line)
}

/// Ask for a list given on one line, separated by spaces.
fn ask_list(f: &Field) -> Result<Vec<String>> {
    Ok(ask(f)?.split_whitespace().map(str::to_string).collect())
}
