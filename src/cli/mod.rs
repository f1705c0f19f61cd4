//! The command line: clap definitions, dispatch, and exit codes.
//!
//! One file per subcommand, each with a `run` that unpacks its flags into plain options and
//! calls the library. Exit codes are a type: 0 success, 1 completed with items needing
//! review (only with `--fail-on-review`), 2 bad input or usage, 3 internal error.

use std::path::PathBuf;
use std::process::ExitCode;

use std::sync::OnceLock;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::Config;
use crate::error::Error;

pub mod calibrate;
pub mod config;
pub mod docs;
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
pub mod term;

/// The library folder used when neither `--library` nor vouch.toml names one.
pub const DEFAULT_LIBRARY: &str = crate::config::DEFAULT_LIBRARY;

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
    after_help = "Examples:\n  vouch fill samples/vendor-quick.csv\n  vouch fill samples/security-assessment.xlsx --library knowledge --report q.json\n  vouch library lint\n  vouch eval --gold samples/gold.csv --baseline\n  vouch config"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Settings file (default: vouch.toml in this folder or the nearest parent)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print only results and errors: no notices on standard error
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more on standard error: how long each stage took
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// When to colour output (auto: on terminals, unless NO_COLOR is set)
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    pub color: term::ColorChoice,
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
    #[command(
        subcommand,
        after_help = "Examples:\n  vouch library check\n  vouch library lint --json\n  vouch library stats --library knowledge"
    )]
    Library(library::Command),
    /// Install and inspect the sentence encoder of the semantic stage (fetch, status)
    #[command(
        subcommand,
        after_help = "Examples:\n  vouch model status\n  vouch model fetch"
    )]
    Model(model::Command),
    /// Decide the rows a fill left for review, in a local page in the browser (every decision
    /// saved as it is made, a later run resumes), then apply them
    Review(review::Args),
    /// Show the settings in effect (flags aside) and where each comes from: vouch.toml,
    /// an environment variable or the default
    Config(config::Args),
    /// Print a shell's completion script for vouch
    Completions(docs::CompletionsArgs),
    /// Print vouch's man page, or write one page per command into a folder
    Man(docs::ManArgs),
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

/// The `--library` flag shared by every command that reads a library, resolved: the flag,
/// else `library` in vouch.toml, else `knowledge` ([`Config::library`]).
#[derive(Debug, Clone)]
pub struct LibraryArg {
    pub library: PathBuf,
}

impl clap::FromArgMatches for LibraryArg {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let flag = m.get_one::<PathBuf>("library");
        Ok(LibraryArg {
            library: config().library(flag.map(PathBuf::as_path)).value,
        })
    }
    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl clap::Args for LibraryArg {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.arg(
            clap::Arg::new("library")
                .long("library")
                .value_name("DIR")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Answer library folder (default: `library` in vouch.toml, else knowledge)"),
        )
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

static CONFIG: OnceLock<Config> = OnceLock::new();

/// The settings file in effect (`--config`, else the nearest vouch.toml), read once at
/// start; the defaults before that (unit tests).
pub fn config() -> &'static Config {
    CONFIG.get_or_init(Config::default)
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
///
/// The global flags are read first: the terminal settings and the config file must be known
/// before the commands' own flags are resolved against them.
pub fn main() -> ExitCode {
    let usage = |e: clap::Error| {
        let code = if e.use_stderr() { 2 } else { 0 };
        let _ = e.print();
        ExitCode::from(code)
    };
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return usage(e),
    };
    term::init(
        matches.get_flag("quiet"),
        matches.get_flag("verbose"),
        matches
            .get_one::<term::ColorChoice>("color")
            .copied()
            .unwrap_or_default(),
    );
    // Completions and man pages describe the program, not a team's settings: a broken
    // vouch.toml must not stop them.
    if !matches!(matches.subcommand_name(), Some("completions" | "man")) {
        let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let given = matches.get_one::<PathBuf>("config");
        match Config::find(given.map(PathBuf::as_path), &here) {
            Ok(c) => {
                let _ = CONFIG.set(c);
            }
            Err(e) => {
                term::error(&e);
                return ExitStatus::of_error(&e).into();
            }
        }
    }
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return usage(e),
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
        Command::Config(a) => config::run(a),
        Command::Completions(a) => docs::completions(a),
        Command::Man(a) => docs::man(a),
    };
    match result {
        Ok(status) => status.into(),
        Err(e) => {
            term::error(&e);
            ExitStatus::of_error(&e).into()
        }
    }
}
