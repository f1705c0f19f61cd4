//! The command line: clap definitions, dispatch, and exit codes.
//!
//! One file per subcommand, each with a `run` that unpacks its flags into plain options and
//! calls the library. Exit codes are a type: 0 success, 1 completed with items needing
//! review (only with `--fail-on-review`), 2 bad input or usage, 3 internal error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::Error;

pub mod calibrate;
pub mod eval;
pub mod explain;
pub mod fill;
pub mod fill_batch;
pub mod index;
pub mod inputs;
pub mod inspect;
pub mod library;
pub mod library_add;
pub mod library_answered;
pub mod library_lint;
pub mod model;
pub mod review;
pub mod review_apply;

/// The library folder used when `--library` is not given.
pub const DEFAULT_LIBRARY: &str = "knowledge";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    NeedsReview,
    /// A check (`library lint`) completed and found errors.
    Findings,
    BadInput,
    Internal,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(match s {
            ExitStatus::Success => 0,
            ExitStatus::NeedsReview | ExitStatus::Findings => 1,
            ExitStatus::BadInput => 2,
            ExitStatus::Internal => 3,
        })
    }
}

impl ExitStatus {
    pub fn of_error(e: &Error) -> ExitStatus {
        if e.is_user_error() {
            ExitStatus::BadInput
        } else {
            ExitStatus::Internal
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "vouch",
    version,
    about = "Fill security questionnaires from your answer library, with citations",
    long_about = "Vouch matches every question of a security questionnaire (CAIQ, SIG, HECVAT, VSA or a \
home-made spreadsheet) against a reusable answer library and writes drafted answers back into the \
customer's own workbook, each with the source it comes from and how sure Vouch is.",
    after_help = "Examples:\n  vouch fill samples/vendor-quick.csv\n  vouch fill q.xlsx --library knowledge --report q.json\n  vouch library import answers.csv --into lib\n  vouch eval --library lib --gold ../shared/bench/gold.csv --baseline"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fill questionnaires with drafted, cited answers
    Fill(fill::Args),
    /// Build (or rebuild) the search index of a library
    Index(index::Args),
    /// Measure matching against questionnaires with known answers
    Eval(eval::Args),
    /// Fit the confidence of matching by meaning on labelled sets (from `vouch eval --signals`)
    Calibrate(calibrate::Args),
    /// Show how a question is matched: its terms and the top candidates' features
    Explain(explain::Args),
    /// Show what `fill` will read in a questionnaire: per sheet, the header row, the question,
    /// answer, comment, id and context columns, the questions found, and the sheets skipped
    Inspect(inspect::Args),
    /// Maintain answer libraries (import, check, lint, export, stats, import-answered, add)
    #[command(subcommand)]
    Library(library::Command),
    /// Install and inspect the sentence encoder of the semantic stage (fetch, status)
    #[command(subcommand)]
    Model(model::Command),
    /// Decide the rows a fill left for review, in a local page in the browser (every decision
    /// saved as it is made, a later run resumes), then apply them
    Review(review::Args),
}

/// The flags that correct layout detection, shared by `fill` and `inspect`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LayoutArgs {
    /// Only this sheet (by name)
    #[arg(long)]
    pub sheet: Option<String>,
    /// The header row (1-based), when the guess is wrong
    #[arg(long, value_name = "N")]
    pub header_row: Option<u32>,
    /// The question column, as a letter (C) or header text
    #[arg(long, value_name = "COL")]
    pub question_col: Option<String>,
    /// The answer column, as a letter or header text
    #[arg(long, value_name = "COL")]
    pub answer_col: Option<String>,
    /// The comment/notes column, as a letter or header text
    #[arg(long, value_name = "COL")]
    pub comment_col: Option<String>,
    /// A layout saved by `vouch inspect --save-layout` for this questionnaire family: where
    /// questions and answers are on each sheet, and which sheets to skip
    #[arg(long, value_name = "LAYOUT.toml")]
    pub layout: Option<PathBuf>,
}

impl LayoutArgs {
    /// The flags as detection overrides; a saved layout's sheets come from its file.
    pub fn overrides(&self) -> crate::Result<crate::sheet::LayoutOverrides> {
        let mut ov = crate::sheet::LayoutOverrides {
            sheet: self.sheet.clone(),
            header_row: self.header_row,
            question_col: self.question_col.clone(),
            answer_col: self.answer_col.clone(),
            comment_col: self.comment_col.clone(),
            ..Default::default()
        };
        if let Some(p) = &self.layout {
            crate::sheet::layout_file::SavedLayout::load(p)?.apply(&mut ov);
        }
        Ok(ov)
    }
}

/// The `--library` flag shared by every command that reads a library.
#[derive(Debug, clap::Args)]
pub struct LibraryArg {
    /// Answer library folder
    #[arg(long, value_name = "DIR", default_value = DEFAULT_LIBRARY)]
    pub library: PathBuf,
}

/// Print to standard output. A closed pipe (`vouch explain ... | head`) ends the program
/// quietly with success, as ripgrep does, instead of a panic in `println!`.
pub fn out(text: &str) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_all(text.as_bytes()).and_then(|_| o.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

/// `println!` through [`out`].
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::out(&format!("{}\n", format_args!($($arg)*))) };
}
pub(crate) use outln;

/// Parse arguments, run, and map the outcome to an exit status; errors are printed here.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Fill(a) => fill::run(a),
        Command::Index(a) => index::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Calibrate(a) => calibrate::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Library(c) => library::run(c),
        Command::Model(c) => model::run(c),
        Command::Review(a) => review::run(a),
    };
    match result {
        Ok(status) => status.into(),
        Err(e) => {
            eprintln!("vouch: error: {e}");
            ExitStatus::of_error(&e).into()
        }
    }
}
