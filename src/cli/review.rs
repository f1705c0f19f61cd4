//! `vouch review`: decide the rows a fill left for a person, in a local page in the browser.
//!
//! Unpacks the flags, starts the page's server (`crate::review::server`) and says where it
//! is; the page itself is the interface. The command must never leave the machine: the
//! server listens on 127.0.0.1 only, and the browser is opened with the platform's own
//! opener, or not at all (`--no-open`, or no browser found: the address is printed anyway).

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{outln, ExitStatus};
use crate::error::Result;
use crate::review::server::{self, Stop};

#[derive(Debug, clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Examples:\n  vouch review vendor-quick.review.xlsx\n  vouch review q.review.xlsx --reviewer \"Ana Ruiz\" --no-open\n  vouch review q.review.xlsx --library ../answers --idle-minutes 60\n  vouch review apply q.review.xlsx"
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Sub>,
    /// The review workbook written by `vouch fill` (NAME.review.xlsx)
    #[arg(value_name = "REVIEW.xlsx", required = true)]
    pub review: Option<PathBuf>,
    /// Print the page's address instead of opening a browser
    #[arg(long)]
    pub no_open: bool,
    /// Who decides, recorded with each decision [default: $VOUCH_REVIEWER, else the login name]
    #[arg(long, value_name = "NAME")]
    pub reviewer: Option<String>,
    /// The answer library to search [default: the one the fill used, as the review workbook
    /// records it]
    #[arg(long, value_name = "DIR")]
    pub library: Option<PathBuf>,
    /// Stop the page's server after this many minutes without a request
    #[arg(long, value_name = "N", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=10_080))]
    pub idle_minutes: u64,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Write the decisions (review page and Decision column) into the filled questionnaire,
    /// and teach the library
    Apply(crate::cli::review_apply::ApplyArgs),
}

pub fn run(a: Args) -> Result<ExitStatus> {
    if let Some(Sub::Apply(apply)) = a.command {
        return crate::cli::review_apply::run_apply(apply);
    }
    let Some(review) = a.review else {
        return Err(crate::error::Error::Usage(
            "name the review workbook: vouch review NAME.review.xlsx".into(),
        ));
    };
    let cfg = server::Config {
        review: review.clone(),
        library: a.library,
        reviewer: crate::review::decisions::reviewer(
            crate::cli::config()
                .reviewer(a.reviewer.as_deref())
                .value
                .as_deref(),
        ),
        idle: Duration::from_secs(a.idle_minutes * 60),
    };
    let open = !a.no_open;
    let out = server::serve(cfg, |url| {
        outln!("Review page for {}:", review.display());
        outln!("  {url}");
        outln!("Decisions are saved as you make them. Click Finish in the page to stop.");
        if open {
            open_browser(url);
        }
    })?;
    let p = out.progress;
    let why = match out.stop {
        Stop::Finished => "Finished".to_string(),
        Stop::Idle => format!("Stopped after {} idle minutes", a.idle_minutes),
    };
    outln!(
        "{why}: {} of {} decided{}; decisions in {}",
        p.decided,
        p.total,
        if p.skipped > 0 {
            format!(", {} skipped", p.skipped)
        } else {
            String::new()
        },
        out.sidecar.display()
    );
    Ok(ExitStatus::Success)
}

/// Open `url` with the platform's opener, in the background. A machine without a browser
/// (or without an opener) is no error: the address is already printed.
fn open_browser(url: &str) {
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        std::process::Command::new("explorer")
    } else {
        std::process::Command::new("xdg-open")
    };
    cmd.arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if let Ok(mut child) = cmd.spawn() {
        // Reap it whenever it ends, so it leaves no zombie behind.
        std::thread::spawn(move || child.wait());
    }
}
