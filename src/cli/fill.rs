//! `vouch fill`: questionnaires in, drafted answers with citations out.
//!
//! For each questionnaire: read it, find its questions, match them, decide, and write (1) the
//! customer's workbook with the `auto` answers filled in (`NAME.filled.xlsx`, or `.csv` for a
//! CSV, never the input itself), (2) a review workbook listing what a person must look at
//! (`NAME.review.xlsx`), and (3) with `--report`, the JSON report. Everything is computed before
//! anything is written, and every file is written atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::{ExitStatus, LibraryArg};
use crate::error::{Error, Location, Result};
use crate::fill::{self, CitationMode, Item, Thresholds};
use crate::index::{self, Freshness};
use crate::matcher::Matcher;
use crate::sheet::patch::{self, SheetEdits};
use crate::sheet::{
    col_letter, layout, read, write, InputKind, LayoutOverrides, Questionnaire, Workbook,
};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch fill samples/vendor-quick.csv\n  vouch fill q.xlsx --report q.json --threshold 0.9\n  vouch fill q.xlsx --sheet 'Security' --question-col C --answer-col D"
)]
pub struct Args {
    /// Questionnaires to fill (.xlsx, .xlsm, .xls, .ods, .csv)
    #[arg(required = true, value_name = "QUESTIONNAIRE")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub library: LibraryArg,
    /// Where to write the filled questionnaire (default: NAME.filled.EXT beside the input)
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Where to write the review workbook (default: NAME.review.xlsx beside the output)
    #[arg(long, value_name = "PATH")]
    pub review: Option<PathBuf>,
    /// Write a JSON report of every question's outcome
    #[arg(long, value_name = "PATH.json")]
    pub report: Option<PathBuf>,
    /// Confidence (0..1) at or above which answers are drafted without review
    #[arg(long, value_name = "0..1")]
    pub threshold: Option<f32>,
    /// Replace answers the questionnaire already has
    #[arg(long)]
    pub overwrite: bool,
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
    /// Where citations go: the comment column (else an added Source column), always an added
    /// Source column, an Excel note on the answer cell (.xlsx/.xlsm), or nowhere
    #[arg(long, value_enum, default_value = "comment", value_name = "WHERE")]
    pub citations: CitationMode,
    /// Also write the filled CSV as an .xlsx (NAME.filled.xlsx); CSV input only
    #[arg(long)]
    pub xlsx: bool,
    /// Write answers only: no sources or confidence in the customer's workbook (same as
    /// --citations none)
    #[arg(long)]
    pub clean: bool,
    /// Exit with code 1 when any question needs review (for CI)
    #[arg(long)]
    pub fail_on_review: bool,
}

/// Everything decided for one questionnaire, before anything is written.
struct Planned {
    input: PathBuf,
    wb: Workbook,
    items: Vec<Item>,
    edits: Vec<SheetEdits>,
    out: PathBuf,
    review: PathBuf,
    notes: Vec<String>,
}

pub fn run(a: Args) -> Result<ExitStatus> {
    if a.inputs.len() > 1 && (a.out.is_some() || a.review.is_some()) {
        return Err(Error::Usage(
            "--out and --review name one file; with several questionnaires, leave them out".into(),
        ));
    }
    let thresholds = match a.threshold {
        Some(t) if !(0.0..=1.0).contains(&t) => {
            return Err(Error::Usage(format!(
                "--threshold {t} is not between 0 and 1"
            )))
        }
        Some(t) => Thresholds {
            auto: t,
            review: fill::DEFAULT_REVIEW_THRESHOLD.min(t),
        },
        None => Thresholds::default(),
    };
    let overrides = LayoutOverrides {
        sheet: a.sheet.clone(),
        header_row: a.header_row,
        question_col: a.question_col.clone(),
        answer_col: a.answer_col.clone(),
        comment_col: a.comment_col.clone(),
    };
    let mode = if a.clean {
        CitationMode::None
    } else {
        a.citations
    };

    // Read every questionnaire first: a bad one stops the run before any work or output.
    let mut read_in: Vec<(PathBuf, Workbook, Questionnaire)> = Vec::new();
    for input in &a.inputs {
        let wb = read::read_workbook(input)?;
        let q = layout::detect(&wb, &overrides)?;
        read_in.push((input.clone(), wb, q));
    }

    let (si, fresh) = index::open_or_build(&a.library.library)?;
    let m = Matcher::new(&si);
    let mut stderr = std::io::stderr();
    if fresh == Freshness::Rebuilt {
        let _ = writeln!(
            stderr,
            "indexed {} entries from {}",
            si.entries.len(),
            a.library.library.display()
        );
    }

    let mut planned = Vec::new();
    for (input, wb, q) in read_in {
        let mut items = fill::decide_all(&q, &m, &si.entries, thresholds, a.overwrite);
        let mut edits = Vec::new();
        // Notes exist only in a workbook Vouch patches; elsewhere citations get a column.
        let patched = matches!(wb.kind, InputKind::Xlsx | InputKind::Xlsm);
        let sheet_mode = if mode == CitationMode::Note && !patched {
            CitationMode::Column
        } else {
            mode
        };
        for sq in &q.sheets {
            if let Some(grid) = wb.sheets.iter().find(|g| g.name == sq.sheet) {
                let e = fill::plan_sheet(sq, grid, &mut items, sheet_mode);
                if !e.edits.is_empty() {
                    edits.push(e);
                }
            }
        }
        let out = match &a.out {
            Some(p) => p.clone(),
            None => default_output(&input, wb.kind),
        };
        check_not_input(&input, &out)?;
        let review = match &a.review {
            Some(p) => p.clone(),
            None => sibling(&out, &input, "review.xlsx"),
        };
        check_not_input(&input, &review)?;
        let mut notes = Vec::new();
        for (sheet, why) in &q.skipped {
            notes.push(format!("sheet '{sheet}' skipped: {why}"));
        }
        notes.extend(q.notes.iter().cloned());
        if sheet_mode != mode {
            notes.push(
                "cell notes need an .xlsx/.xlsm input; citations went to a Source column".into(),
            );
        }
        if matches!(wb.kind, InputKind::Xls | InputKind::Ods) {
            notes.push(format!(
                "{} cannot be edited in place; the answers are in a rebuilt .xlsx (values only, original formatting not kept)",
                input.display()
            ));
        }
        planned.push(Planned {
            input,
            wb,
            items,
            edits,
            out,
            review,
            notes,
        });
    }

    let mut any_review = false;
    let mut reports = Vec::new();
    for p in &mut planned {
        match p.wb.kind {
            InputKind::Xlsx | InputKind::Xlsm => {
                let s =
                    patch::patch_xlsx(&p.input, &p.out, &p.edits, patch::PatchLimits::default())?;
                for (sheet, row, col, why) in &s.skipped {
                    p.notes.push(format!(
                        "sheet '{sheet}' cell {}{} not written: {why}",
                        col_letter(*col),
                        row + 1
                    ));
                }
                if s.notes > 0 {
                    p.notes
                        .push(format!("{} citations added as cell notes", s.notes));
                }
                if s.signature_invalidated {
                    p.notes.push("the workbook was digitally signed; the filled copy's signature is no longer valid".into());
                }
            }
            InputKind::Csv => {
                let grid =
                    p.wb.sheets
                        .first()
                        .ok_or_else(|| Error::input(Location::file(&p.input), "no data"))?;
                write::write_csv(grid, p.edits.first(), &p.out)?;
                if a.xlsx {
                    let x = p.out.with_extension("xlsx");
                    check_not_input(&p.input, &x)?;
                    write::write_rebuilt_xlsx(&p.wb, &p.edits, &x)?;
                    p.notes.push(format!("also written as {}", x.display()));
                }
            }
            InputKind::Xls | InputKind::Ods => write::write_rebuilt_xlsx(&p.wb, &p.edits, &p.out)?,
        }
        let to_review = crate::review::needs_review(&p.items).len();
        any_review |= to_review > 0;
        let mut outputs = vec![("filled".to_string(), p.out.display().to_string())];
        if to_review > 0 {
            crate::review::write_review(&p.items, &p.review)?;
            outputs.push(("review".to_string(), p.review.display().to_string()));
        } else {
            p.notes.push("nothing needs review".into());
        }
        let summary = fill::summarize(&p.items);
        if let Some(r) = &a.report {
            outputs.push(("report".to_string(), r.display().to_string()));
        }
        crate::cli::out(&crate::report::summary_text(
            &p.input, &summary, &outputs, &p.notes,
        ));
        reports.push(crate::report::report(&p.input, Some(&p.out), &p.items));
    }
    if let Some(path) = &a.report {
        let json = match reports.as_slice() {
            [one] => serde_json::to_string_pretty(one),
            all => serde_json::to_string_pretty(all),
        }
        .map_err(|e| Error::internal(format!("cannot encode report: {e}")))?;
        crate::atomic::write_bytes(path, json.as_bytes())?;
    }
    Ok(if a.fail_on_review && any_review {
        ExitStatus::NeedsReview
    } else {
        ExitStatus::Success
    })
}

/// `NAME.filled.EXT` beside the input; `.xls`/`.ods` become `.xlsx`.
pub fn default_output(input: &Path, kind: InputKind) -> PathBuf {
    let ext = match kind {
        InputKind::Csv => "filled.csv",
        InputKind::Xlsm => "filled.xlsm",
        _ => "filled.xlsx",
    };
    sibling(input, input, ext)
}

/// `DIR(of beside)/STEM(of input).SUFFIX`.
fn sibling(beside: &Path, input: &Path, suffix: &str) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "questionnaire".into());
    beside
        .parent()
        .unwrap_or(Path::new("."))
        .join(format!("{stem}.{suffix}"))
}

fn check_not_input(input: &Path, out: &Path) -> Result<()> {
    let same = match (input.canonicalize(), out.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(Error::Usage(format!(
            "{} is the input; Vouch never writes over a questionnaire (choose another --out/--review)",
            out.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_sit_beside_the_input() {
        assert_eq!(
            default_output(Path::new("a/q.xls"), InputKind::Xls),
            PathBuf::from("a/q.filled.xlsx")
        );
        assert_eq!(
            sibling(
                Path::new("a/q.filled.xlsx"),
                Path::new("a/q.xlsx"),
                "review.xlsx"
            ),
            PathBuf::from("a/q.review.xlsx")
        );
    }
}
