//! `vouch completions SHELL` and `vouch man`: shell completion scripts and man pages, both
//! generated from the clap definitions, so they always describe the flags this binary has.
//!
//! Packagers run them at install time (`vouch completions bash > /etc/bash_completion.d/vouch`,
//! `vouch man --out share/man/man1`); the pages are written atomically, all or none.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{out, outln, Cli, ExitStatus};
use crate::error::{Error, Location, Result};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch completions bash > ~/.local/share/bash-completion/completions/vouch\n  vouch completions zsh > ~/.zfunc/_vouch\n  vouch completions fish > ~/.config/fish/completions/vouch.fish"
)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch man | man -l -\n  vouch man --out ~/.local/share/man/man1\n  vouch man --out target/man && man -l target/man/vouch-fill.1"
)]
pub struct ManArgs {
    /// Write vouch.1 and one page per command (vouch-fill.1, vouch-library-lint.1, ...)
    /// into this folder (created if missing) instead of printing vouch.1
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn completions(a: CompletionsArgs) -> Result<ExitStatus> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "vouch", &mut buf);
    out(&String::from_utf8_lossy(&buf));
    Ok(ExitStatus::Success)
}

/// Every page: (file name, roff text), the top page first, then each command depth-first.
pub fn pages() -> Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, "vouch", &mut pages)?;
    Ok(pages)
}

fn collect(cmd: &clap::Command, name: &str, pages: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let page = cmd
        .clone()
        .name(name.to_string())
        .bin_name(name.replace('-', " "));
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut buf)
        .map_err(|e| Error::internal(format!("cannot render the man page of {name}: {e}")))?;
    pages.push((format!("{name}.1"), buf));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        collect(sub, &format!("{name}-{}", sub.get_name()), pages)?;
    }
    Ok(())
}

pub fn man(a: ManArgs) -> Result<ExitStatus> {
    let pages = pages()?;
    let Some(dir) = a.out else {
        if let Some((_, top)) = pages.first() {
            out(&String::from_utf8_lossy(top));
        }
        return Ok(ExitStatus::Success);
    };
    write_pages(&dir, &pages)?;
    outln!("wrote {} man pages to {}", pages.len(), dir.display());
    Ok(ExitStatus::Success)
}

/// Every page under a temporary name first, renamed into place only when all are written.
fn write_pages(dir: &Path, pages: &[(String, Vec<u8>)]) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::input(
            Location::file(dir),
            "--out names a file, not a folder",
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| crate::atomic::write_error(dir, &e))?;
    let mut outputs = crate::atomic::Outputs::new();
    for (name, text) in pages {
        let target = dir.join(name);
        outputs.stage(&target, |tmp| {
            std::fs::write(tmp, text).map_err(|e| crate::atomic::write_error(&target, &e))
        })?;
    }
    outputs.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_page_per_command_named_after_its_path() {
        let pages = pages().unwrap();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        for want in [
            "vouch.1",
            "vouch-fill.1",
            "vouch-library-lint.1",
            "vouch-review-apply.1",
        ] {
            assert!(names.contains(&want), "{want} missing from {names:?}");
        }
        assert!(!names.iter().any(|n| n.ends_with("-help.1")), "{names:?}");
        let fill = &pages.iter().find(|(n, _)| n == "vouch-fill.1").unwrap().1;
        let fill = String::from_utf8_lossy(fill);
        assert!(
            fill.starts_with(".ie") || fill.contains(".TH vouch-fill"),
            "{fill}"
        );
        assert!(fill.contains("threshold"));
    }
}
