//! What `vouch fill` shows for a batch: one table, its JSON twin, and a progress bar.
//!
//! Filling a folder of questionnaires should end with one screen, not one summary per file:
//! a row per questionnaire (questions, auto, review, unanswered, kept, where the filled copy
//! went), a total, the files that failed under `--keep-going` with their one-line errors, and
//! the notes worth reading. `--json` prints the same rows and totals as one JSON document on
//! stdout for scripts (the per-question detail stays in `--report`). While a long run works,
//! a progress bar on stderr says how far it has got: only on a terminal and only after a
//! second, so that quick runs, pipes and tests see nothing of it. Kept apart from `fill.rs`,
//! which decides what is filled; this only presents it.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::fill::Summary;

/// How one questionnaire of a batch ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    Filled {
        summary: Summary,
        /// The filled copy and the review workbook, as paths to show.
        output: String,
        review: String,
        /// Notes on this questionnaire (sheets skipped, cells not written, ...).
        notes: Vec<String>,
    },
    /// Not filled (`--keep-going`): the one-line error.
    Failed(String),
}

/// One questionnaire of a batch, in the order given.
#[derive(Debug, Clone)]
pub struct Row {
    pub input: String,
    pub outcome: Outcome,
}

/// What is true of the whole run: how questions were matched, and the report written.
#[derive(Debug, Clone)]
pub struct RunInfo<'a> {
    pub matching: &'a str,
    pub auto_threshold: f32,
    pub report: Option<&'a Path>,
}

/// The sum of the filled questionnaires' counts.
pub fn total(rows: &[Row]) -> Summary {
    let mut t = Summary::default();
    for r in rows {
        if let Outcome::Filled { summary: s, .. } = &r.outcome {
            t.questions += s.questions;
            t.auto += s.auto;
            t.review += s.review;
            t.unanswered += s.unanswered;
            t.kept += s.kept;
        }
    }
    t
}

/// The terminal table of a batch: a row per questionnaire, a total row, then the errors of
/// the failed ones and the notes.
pub fn table(rows: &[Row], run: &RunInfo) -> String {
    const HEAD: [&str; 7] = [
        "questionnaire",
        "questions",
        "auto",
        "review",
        "unanswered",
        "kept",
        "filled copy",
    ];
    let nums =
        |s: &Summary| [s.questions, s.auto, s.review, s.unanswered, s.kept].map(|n| n.to_string());
    let mut cells: Vec<[String; 7]> = Vec::new();
    for r in rows {
        let [q, a, rv, u, k] = match &r.outcome {
            Outcome::Filled { summary, .. } => nums(summary),
            Outcome::Failed(_) => ["-", "-", "-", "-", "-"].map(String::from),
        };
        let out = match &r.outcome {
            Outcome::Filled { output, .. } => output.clone(),
            Outcome::Failed(_) => "FAILED (not filled)".into(),
        };
        cells.push([r.input.clone(), q, a, rv, u, k, out]);
    }
    let filled = rows
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Filled { .. }))
        .count();
    let [q, a, rv, u, k] = nums(&total(rows));
    let total_label = if filled == rows.len() {
        format!("total ({} questionnaires)", rows.len())
    } else {
        format!("total ({filled} of {} questionnaires)", rows.len())
    };
    cells.push([total_label, q, a, rv, u, k, String::new()]);

    let mut width = HEAD.map(str::len);
    for row in &cells {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |row: &[String; 7]| {
        let mut s = format!("{:<w$}", row[0], w = width[0]);
        for i in 1..6 {
            s.push_str(&format!("  {:>w$}", row[i], w = width[i]));
        }
        s.push_str(&format!("  {}", row[6]));
        format!("{}\n", s.trim_end())
    };
    let mut out = line(&HEAD.map(String::from));
    let (body, last) = cells.split_at(cells.len() - 1);
    for row in body {
        out.push_str(&line(row));
    }
    out.push_str(&format!(
        "{}\n",
        width
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  ")
    ));
    for row in last {
        out.push_str(&line(row));
    }
    for r in rows {
        if let Outcome::Failed(e) = &r.outcome {
            out.push_str(&format!("  error: {e}\n"));
        }
    }
    out.push_str(&format!(
        "  note: matched by {}; auto at confidence {:.2} or more\n",
        run.matching, run.auto_threshold
    ));
    for r in rows {
        if let Outcome::Filled { notes, .. } = &r.outcome {
            for n in notes {
                out.push_str(&format!("  note: {}: {n}\n", r.input));
            }
        }
    }
    if filled > 0 {
        out.push_str("  review   NAME.review.xlsx beside each filled copy\n");
    }
    if let Some(r) = run.report {
        out.push_str(&format!("  report   {}\n", r.display()));
    }
    out
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    matching: &'a str,
    auto_threshold: f32,
    files: Vec<JsonFile<'a>>,
    total: JsonTotal,
    report: Option<String>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    input: &'a str,
    /// "filled" or "failed".
    status: &'static str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    summary: Option<Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<&'a str>,
    /// The review workbook (`review` is the count of questions to review).
    #[serde(rename = "review_workbook", skip_serializing_if = "Option::is_none")]
    review: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonTotal {
    questionnaires: usize,
    filled: usize,
    failed: usize,
    #[serde(flatten)]
    summary: Summary,
}

/// `--json`: the table's rows and totals as one pretty-printed JSON document.
pub fn json(rows: &[Row], run: &RunInfo) -> String {
    let files: Vec<JsonFile> = rows
        .iter()
        .map(|r| match &r.outcome {
            Outcome::Filled {
                summary,
                output,
                review,
                notes,
            } => JsonFile {
                input: &r.input,
                status: "filled",
                summary: Some(*summary),
                output: Some(output),
                review: Some(review),
                notes: Some(notes),
                error: None,
            },
            Outcome::Failed(e) => JsonFile {
                input: &r.input,
                status: "failed",
                summary: None,
                output: None,
                review: None,
                notes: None,
                error: Some(e),
            },
        })
        .collect();
    let failed = files.iter().filter(|f| f.status == "failed").count();
    let doc = JsonDoc {
        matching: run.matching,
        auto_threshold: run.auto_threshold,
        total: JsonTotal {
            questionnaires: rows.len(),
            filled: rows.len() - failed,
            failed,
            summary: total(rows),
        },
        files,
        report: run.report.map(|p| p.display().to_string()),
    };
    // Plain strings and numbers: serialising cannot fail.
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// How long a run goes before its progress bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// A progress bar on stderr that stays hidden unless stderr is a terminal and the run has
/// gone on for more than a second. Counting is an atomic add; safe from any thread.
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    terminal: bool,
    shown: AtomicBool,
}

impl Progress {
    /// A bar of `len` steps named `what`, for a run that started at `started`.
    pub fn new(started: Instant, len: usize, what: &'static str) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len} {elapsed}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what);
        Progress {
            bar,
            started,
            terminal: std::io::stderr().is_terminal(),
            shown: AtomicBool::new(false),
        }
    }

    /// Change the number of steps (a single questionnaire counts its distinct questions).
    pub fn set_len(&self, len: usize) {
        self.bar.set_length(len as u64);
    }

    /// One step done.
    pub fn inc(&self) {
        self.bar.inc(1);
        if self.terminal
            && !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() >= SHOW_AFTER
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Remove the bar from the terminal (if it was drawn) before anything else is printed.
    pub fn clear(self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(input: &str, n: [usize; 5]) -> Row {
        Row {
            input: input.into(),
            outcome: Outcome::Filled {
                summary: Summary {
                    questions: n[0],
                    auto: n[1],
                    review: n[2],
                    unanswered: n[3],
                    kept: n[4],
                },
                output: format!("{input}.filled"),
                review: format!("{input}.review"),
                notes: vec!["a note".into()],
            },
        }
    }

    const RUN: RunInfo = RunInfo {
        matching: "words only",
        auto_threshold: 0.8,
        report: None,
    };

    #[test]
    fn the_table_has_a_row_per_questionnaire_and_a_total() {
        let rows = vec![
            filled("a.xlsx", [10, 6, 2, 1, 1]),
            Row {
                input: "bad.xlsx".into(),
                outcome: Outcome::Failed("bad.xlsx: not a workbook".into()),
            },
            filled("long-name.csv", [5, 5, 0, 0, 0]),
        ];
        let t = table(&rows, &RUN);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("questionnaire"), "{t}");
        assert!(lines[1].starts_with("a.xlsx ") && lines[1].ends_with("a.xlsx.filled"));
        assert!(lines[2].contains("FAILED"), "{t}");
        assert!(lines[4].starts_with("-----"), "{t}");
        assert!(lines[5].starts_with("total (2 of 3 questionnaires)"), "{t}");
        let nums: Vec<&str> = lines[5].split_whitespace().skip(5).collect();
        assert_eq!(nums, ["15", "11", "2", "1", "1"], "{t}");
        assert!(t.contains("  error: bad.xlsx: not a workbook\n"), "{t}");
        assert!(t.contains("  note: a.xlsx: a note\n"), "{t}");
        // Columns line up: every count ends where its header does.
        let end = lines[0].find("questions").unwrap() + "questions".len();
        for l in [lines[1], lines[5]] {
            assert!(l[..end].ends_with(|c: char| c.is_ascii_digit()), "{t}");
        }
    }

    #[test]
    fn the_json_has_the_same_rows_and_totals() {
        let rows = vec![
            filled("a.xlsx", [10, 6, 2, 1, 1]),
            Row {
                input: "bad.xlsx".into(),
                outcome: Outcome::Failed("bad".into()),
            },
        ];
        let v: serde_json::Value = serde_json::from_str(&json(&rows, &RUN)).unwrap();
        assert_eq!(v["files"][0]["questions"], 10);
        assert_eq!(v["files"][0]["review"], 2);
        assert_eq!(v["files"][0]["review_workbook"], "a.xlsx.review");
        assert_eq!(v["files"][0]["status"], "filled");
        assert_eq!(v["files"][1]["status"], "failed");
        assert_eq!(v["files"][1]["error"], "bad");
        assert!(v["files"][1].get("questions").is_none());
        assert_eq!(v["total"]["questionnaires"], 2);
        assert_eq!(v["total"]["failed"], 1);
        assert_eq!(v["total"]["auto"], 6);
        assert_eq!(v["auto_threshold"], 0.8);
    }
}
