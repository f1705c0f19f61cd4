//! `vouch inspect`: what `fill` will read in a questionnaire, before anything is matched or
//! written.
//!
//! Layout detection guesses (the header row, which column holds the questions, where answers
//! go, which sheets are the vendor's). A guess the user can see is a guess the user can
//! correct: per sheet this shows each column with why it was chosen and the flag that
//! changes it, how many questions were found with a few of them, and every skipped sheet with
//! the reason. `--save-layout` keeps the (corrected) layout for the next questionnaire of the
//! same family; `fill --layout` uses it.

use std::path::PathBuf;

use serde::Serialize;

use crate::cli::{outln, ExitStatus, LayoutArgs};
use crate::error::{Error, Result};
use crate::sheet::layout_file::SavedLayout;
use crate::sheet::{col_letter, layout, read, Grid, Questionnaire, SheetQuestions};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch inspect samples/hecvat-full.xlsx\n  vouch inspect samples/messy-homemade.xlsx --json\n  vouch inspect samples/hecvat-full.xlsx --save-layout hecvat.toml   # then: vouch fill next.xlsx --layout hecvat.toml"
)]
pub struct Args {
    /// The questionnaire (.xlsx, .xlsm, .xls, .ods, .csv)
    #[arg(value_name = "QUESTIONNAIRE")]
    pub input: PathBuf,
    #[command(flatten)]
    pub layout: LayoutArgs,
    /// Questions shown per sheet
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub examples: usize,
    /// Save the layout shown (with any correcting flags) for `fill --layout`
    #[arg(long, value_name = "LAYOUT.toml")]
    pub save_layout: Option<PathBuf>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct SheetView {
    sheet: String,
    header_row: Option<u32>,
    question_col: String,
    answer_col: Option<String>,
    /// Where answers go when no answer column exists (an added column), or why none.
    answer_note: Option<String>,
    comment_col: Option<String>,
    id_col: Option<String>,
    context_cols: Vec<String>,
    protected: bool,
    questions: usize,
    examples: Vec<Example>,
}

#[derive(Debug, Serialize)]
struct Example {
    row: u32,
    id: Option<String>,
    question: String,
    section: Option<String>,
}

#[derive(Debug, Serialize)]
struct Skipped {
    sheet: String,
    reason: String,
}

#[derive(Debug, Serialize)]
struct View {
    input: String,
    sheets: Vec<SheetView>,
    skipped: Vec<Skipped>,
    notes: Vec<String>,
}

fn letter(c: Option<u32>) -> Option<String> {
    c.map(col_letter)
}

fn view(sq: &SheetQuestions, grid: Option<&Grid>, examples: usize) -> SheetView {
    let l = &sq.layout;
    let protected = grid.is_some_and(|g| g.protection.is_some());
    SheetView {
        sheet: sq.sheet.clone(),
        header_row: l.header_row.map(|r| r + 1),
        question_col: col_letter(l.question_col),
        answer_col: letter(l.answer_col),
        answer_note: match (l.answer_col, protected) {
            (Some(_), _) => None,
            (None, true) => Some("none open on this protected sheet: answers go to review".into()),
            (None, false) => {
                Some("none: a 'Response' column is added right of the used range".into())
            }
        },
        comment_col: letter(l.comment_col),
        id_col: letter(l.id_col),
        context_cols: l.context_cols.iter().map(|c| col_letter(*c)).collect(),
        protected,
        questions: sq.rows.len(),
        examples: sq
            .rows
            .iter()
            .take(examples)
            .map(|r| Example {
                row: r.row + 1,
                id: r.qid.clone(),
                question: r.question.clone(),
                section: r.section.clone(),
            })
            .collect(),
    }
}

fn header_text(sq: &SheetQuestions, c: Option<u32>) -> String {
    c.and_then(|c| sq.layout.headers.get(&c))
        .map(|h| format!(" ('{h}')"))
        .unwrap_or_default()
}

fn print_text(v: &View, q: &Questionnaire) {
    outln!("{}", v.input);
    for (s, sq) in v.sheets.iter().zip(&q.sheets) {
        let l = &sq.layout;
        outln!(
            "sheet '{}': {} questions{}",
            s.sheet,
            s.questions,
            if s.protected {
                " (protected: answers go only into unlocked cells)"
            } else {
                ""
            }
        );
        outln!(
            "  header row   {:<8} --header-row",
            s.header_row.map_or("none".into(), |r| r.to_string())
        );
        let how = if l.guessed {
            " (no header names it: its cells read like questions)"
        } else {
            ""
        };
        outln!(
            "  questions    {:<8} --question-col{}{how}",
            s.question_col,
            header_text(sq, Some(l.question_col))
        );
        match (&s.answer_col, &s.answer_note) {
            (Some(a), _) => outln!(
                "  answers      {:<8} --answer-col{}",
                a,
                header_text(sq, l.answer_col)
            ),
            (None, Some(n)) => outln!("  answers      {:<8} --answer-col ({n})", "-"),
            (None, None) => {}
        }
        outln!(
            "  comments     {:<8} --comment-col{}",
            s.comment_col.as_deref().unwrap_or("-"),
            header_text(sq, l.comment_col)
        );
        outln!("  ids          {}", s.id_col.as_deref().unwrap_or("-"));
        if !s.context_cols.is_empty() {
            outln!("  context      {}", s.context_cols.join(", "));
        }
        for e in &s.examples {
            let id = e.id.as_deref().map(|i| format!("{i} ")).unwrap_or_default();
            let sec = e
                .section
                .as_deref()
                .map(|s| format!("  [{s}]"))
                .unwrap_or_default();
            outln!("    row {:<5} {id}{}{sec}", e.row, e.question);
        }
    }
    for s in &v.skipped {
        outln!("skipped sheet '{}': {}", s.sheet, s.reason);
    }
    for n in &v.notes {
        outln!("note: {n}");
    }
}

pub fn run(a: Args) -> Result<ExitStatus> {
    let ov = a.layout.overrides()?;
    let wb = read::read_workbook(&a.input)?;
    let q = layout::detect(&wb, &ov)?;
    let v = View {
        input: a.input.display().to_string(),
        sheets: q
            .sheets
            .iter()
            .map(|sq| {
                let grid = wb.sheets.iter().find(|g| g.name == sq.sheet);
                view(sq, grid, a.examples)
            })
            .collect(),
        skipped: q
            .skipped
            .iter()
            .map(|(s, r)| Skipped {
                sheet: s.clone(),
                reason: r.clone(),
            })
            .collect(),
        notes: q.notes.clone(),
    };
    if a.json {
        let text = serde_json::to_string_pretty(&v)
            .map_err(|e| Error::internal(format!("cannot encode: {e}")))?;
        outln!("{text}");
    } else {
        print_text(&v, &q);
    }
    if let Some(p) = &a.save_layout {
        if p.exists() && crate::cli::fill::same_file(p, &a.input) {
            return Err(Error::Usage(format!(
                "{} is the questionnaire; save the layout elsewhere",
                p.display()
            )));
        }
        SavedLayout::of(&q).save(p)?;
        crate::cli::term::notice(&format!(
            "layout saved to {} (use: vouch fill QUESTIONNAIRE --layout {})",
            p.display(),
            p.display()
        ));
    }
    Ok(ExitStatus::Success)
}
