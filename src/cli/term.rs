//! What the terminal gets besides results: notices, verbose timings, and colour.
//!
//! `-q`, `-v` and `--color` are global flags; this module holds what they decided, once, so
//! that the commands ask it (`notice`, `verbose`, `paint`) instead of each reading flags or
//! `NO_COLOR` itself. Results on standard output are never suppressed; only the notices on
//! standard error are. Colour is used only where the stream is a terminal and `NO_COLOR` is
//! unset or empty (`--color auto`), always (`--color always`), or never.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;
use std::time::Instant;

use anstyle::{AnsiColor, Style};

/// `--color`: when to colour output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour a stream only when it is a terminal and NO_COLOR is unset or empty
    #[default]
    Auto,
    /// Always colour, even into a file or a pipe
    Always,
    /// Never colour
    Never,
}

/// Which stream a painted text goes to (each may or may not be a terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

/// What a colour means: good news, something to look at, something missing or wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Warn,
    Bad,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    quiet: bool,
    verbose: bool,
    color_out: bool,
    color_err: bool,
}

const PLAIN: State = State {
    quiet: false,
    verbose: false,
    color_out: false,
    color_err: false,
};

static STATE: OnceLock<State> = OnceLock::new();

/// Decide once, from the global flags and the environment (`NO_COLOR`, whether each stream
/// is a terminal). Later calls keep the first decision.
pub fn init(quiet: bool, verbose: bool, color: ColorChoice) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (color_out, color_err) = match color {
        ColorChoice::Always => (true, true),
        ColorChoice::Never => (false, false),
        ColorChoice::Auto => (
            !no_color && std::io::stdout().is_terminal(),
            !no_color && std::io::stderr().is_terminal(),
        ),
    };
    let _ = STATE.set(State {
        quiet,
        verbose,
        color_out,
        color_err,
    });
}

fn state() -> State {
    STATE.get().copied().unwrap_or(PLAIN)
}

fn to_stderr(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// A notice for the person at the terminal (what was indexed, which mode matched): on
/// standard error, unless `-q`.
pub fn notice(line: &str) {
    if !state().quiet {
        to_stderr(line);
    }
}

/// More detail (stage timings): on standard error with `-v` only.
pub fn verbose(line: &str) {
    if state().verbose {
        to_stderr(line);
    }
}

/// With `-v`, "STAGE: N.NNs" since `start`; returns now, for the next stage.
pub fn timed(stage: &str, start: Instant) -> Instant {
    verbose(&format!("{stage}: {:.2}s", start.elapsed().as_secs_f64()));
    Instant::now()
}

/// True when `-v` was given (for work done only to report it).
pub fn is_verbose() -> bool {
    state().verbose
}

/// `text` in the colour of `tone` when `stream` is coloured, else unchanged.
pub fn paint(text: &str, tone: Tone, stream: Stream) -> String {
    let s = state();
    let on = match stream {
        Stream::Out => s.color_out,
        Stream::Err => s.color_err,
    };
    if !on {
        return text.to_string();
    }
    let color = match tone {
        Tone::Good => AnsiColor::Green,
        Tone::Warn => AnsiColor::Yellow,
        Tone::Bad => AnsiColor::Red,
    };
    let style = Style::new().fg_color(Some(color.into())).bold();
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// `vouch: error: MESSAGE` on standard error, `error:` in red where stderr is coloured.
pub fn error(msg: &dyn std::fmt::Display) {
    to_stderr(&format!(
        "vouch: {} {msg}",
        paint("error:", Tone::Bad, Stream::Err)
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_until_decided() {
        // Unit tests never call init: nothing is coloured, notices are shown, -v is off.
        assert_eq!(paint("3 auto", Tone::Good, Stream::Out), "3 auto");
        assert!(!is_verbose());
    }
}
