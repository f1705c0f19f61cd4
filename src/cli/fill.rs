//! `vouch fill`: questionnaires in, drafted answers with citations out.
//!
//! For each questionnaire: read it, find its questions, match them, decide, and write (1) the
//! customer's workbook with the `auto` answers filled in (`NAME.filled.xlsx`, or `.csv` for a
//! CSV, never the input itself), (2) a review workbook listing what a person must look at
//! (`NAME.review.xlsx`), and (3) with `--report`, the JSON report. Everything is computed before
//! anything is written, and every file is written atomically. Many questionnaires (or folders
//! of them, expanded by `inputs.rs`) are read, matched and staged across cores, in input
//! order, and shown as one table (`fill_batch.rs`).

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::atomic::Outputs;
use crate::cli::fill_batch::{Outcome, Progress, Row, RunInfo};
use crate::cli::{ExitStatus, LayoutArgs, LibraryArg};
use crate::error::{Error, Location, Result};
use crate::fill::{self, CitationMode, Item, Thresholds};
use crate::index::{self, Freshness};
use crate::matcher::Matcher;
use crate::sheet::patch;
use crate::sheet::{
    col_letter, layout, read, write, InputKind, LayoutOverrides, Questionnaire, Workbook,
};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch fill samples/vendor-quick.csv\n  vouch fill q.xlsx --report q.json --threshold 0.9\n  vouch fill inbox/ --keep-going --json\n  vouch fill q.xlsx --sheet 'Security' --question-col C --answer-col D"
)]
pub struct Args {
    /// Questionnaires to fill (.xlsx, .xlsm, .xls, .ods, .csv), or folders of them (every
    /// questionnaire in the folder, in name order; earlier outputs, lock and hidden files
    /// skipped)
    #[arg(required = true, value_name = "QUESTIONNAIRE|DIR")]
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
    /// Confidence (0..1) at or above which answers are drafted without review (default:
    /// `[fill] threshold` in vouch.toml, else the matching mode's)
    #[arg(long, value_name = "0..1")]
    pub threshold: Option<f32>,
    /// Replace answers the questionnaire already has (default: `[fill] overwrite`)
    #[arg(long)]
    pub overwrite: bool,
    #[command(flatten)]
    pub layout: LayoutArgs,
    /// Where citations go: the comment column (else an added Source column), always an added
    /// Source column, an Excel note on the answer cell (.xlsx/.xlsm), or nowhere [default:
    /// `[fill] citations` in vouch.toml, else comment]
    #[arg(long, value_enum, value_name = "WHERE")]
    pub citations: Option<CitationMode>,
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
    #[command(flatten)]
    pub model: crate::cli::model::MatchModelArg,
    /// With a folder: also fill the questionnaires in its subfolders (not hidden ones)
    #[arg(long)]
    pub recursive: bool,
    /// Fill the questionnaires that can be read even when others cannot; those are listed
    /// with their errors, and the exit code is 2
    #[arg(long)]
    pub keep_going: bool,
    /// Print the summary (a row per questionnaire, and totals) as one JSON document on stdout
    /// instead of the table; the per-question detail is --report's
    #[arg(long)]
    pub json: bool,
}

/// Where one questionnaire's outputs go, decided before anything is read or written.
#[derive(Debug, Clone)]
struct Paths {
    input: PathBuf,
    /// The filled questionnaire and how it is written.
    out: PathBuf,
    out_kind: OutKind,
    /// `--xlsx`: the filled CSV also as a rebuilt workbook.
    xlsx_copy: Option<PathBuf>,
    review: PathBuf,
}

/// How the filled questionnaire is written: the format follows the output's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutKind {
    /// The customer's own .xlsx/.xlsm package, patched in place.
    Patched,
    /// The same CSV with the answer columns filled.
    Csv,
    /// A new .xlsx with the values (from .csv, .xls or .ods).
    Rebuilt,
}

/// A questionnaire that could not be filled, and why (boxed: errors are the rare case).
type Failure = Box<(PathBuf, Error)>;

/// A questionnaire read and laid out, or why it could not be (`--keep-going`).
type ReadIn = std::result::Result<(Paths, Workbook, Questionnaire), Failure>;

/// What every questionnaire of a run is filled with.
struct Ctx<'a> {
    a: &'a Args,
    m: &'a Matcher<'a>,
    entries: &'a [crate::knowledge::Entry],
    thresholds: Thresholds,
    mode: CitationMode,
    overrides: &'a LayoutOverrides,
}

/// One questionnaire matched and its outputs staged (not yet committed).
struct Filled {
    paths: Paths,
    items: Vec<Item>,
    /// Notes for its summary, without the run's matching line.
    notes: Vec<String>,
    outputs: Outputs,
    /// What was written where, for the summary.
    written: Vec<(String, String)>,
    to_review: usize,
}

pub fn run(mut a: Args) -> Result<ExitStatus> {
    let started = std::time::Instant::now();
    // vouch.toml: a flag beats the file, which beats the default (--library and --model are
    // resolved as they are parsed).
    let config = crate::cli::config();
    a.threshold = config.threshold(a.threshold).value;
    a.overwrite = config.overwrite(a.overwrite).value;
    let citations = config.citations(a.citations).value;
    let record_history = config.record_history().value;
    let stage = started;
    let inputs = crate::cli::inputs::expand(&a.inputs, a.recursive)?;
    if inputs.files.len() > 1 && (a.out.is_some() || a.review.is_some()) {
        return Err(Error::Usage(
            "--out and --review name one file; with several questionnaires, leave them out".into(),
        ));
    }
    // Without --threshold, the default of the matching mode, known once the model is loaded.
    let chosen = match a.threshold {
        Some(t) if !(0.0..=1.0).contains(&t) => {
            return Err(Error::Usage(format!(
                "--threshold {t} is not between 0 and 1"
            )))
        }
        Some(t) => Some(Thresholds {
            auto: t,
            review: fill::DEFAULT_REVIEW_THRESHOLD.min(t),
        }),
        None => None,
    };
    let overrides = a.layout.overrides()?;
    let mode = if a.clean {
        CitationMode::None
    } else {
        citations
    };

    // Plan every output path and refuse any collision before reading or writing anything.
    let paths = inputs
        .files
        .iter()
        .map(|input| plan_paths(input, &a))
        .collect::<Result<Vec<_>>>()?;
    check_paths(&paths, a.report.as_deref(), &a.library.library)?;
    for (dir, n) in &inputs.skipped {
        crate::cli::term::notice(&format!(
            "{}: skipped {n} {} (outputs of Vouch, Excel lock files or hidden files)",
            dir.display(),
            if *n == 1 { "file" } else { "files" }
        ));
    }

    // Read every questionnaire first, across cores, kept in input order: a bad one stops the
    // run before any work or output (with --keep-going, it is set aside and listed).
    let reading = Progress::new(started, paths.len(), "reading");
    let read_in: Vec<ReadIn> = paths
        .into_par_iter()
        .map(|p| {
            let r = read::read_workbook(&p.input)
                .and_then(|wb| layout::detect(&wb, &overrides).map(|q| (wb, q)));
            reading.inc();
            match r {
                Ok((wb, q)) => Ok((p, wb, q)),
                Err(e) => Err(Box::new((p.input, e))),
            }
        })
        .collect();
    reading.clear();
    if !a.keep_going {
        if let Some(i) = read_in.iter().position(|r| r.is_err()) {
            if let Some(Err(f)) = read_in.into_iter().nth(i) {
                return Err(f.1);
            }
            return Err(Error::internal("a failed read went missing"));
        }
    }

    let stage = crate::cli::term::timed("read questionnaires", stage);
    let mut notice = crate::cli::term::notice;
    let emb = crate::cli::model::load_for_matching(&a.model, &mut notice)?;
    let stage = crate::cli::term::timed("load model", stage);
    let (si, fresh) = index::open_or_build(&a.library.library)?;
    let stage = crate::cli::term::timed("load library and index", stage);
    let semantic = crate::cli::model::semantic_for(emb, &a.library.library, &si, &mut notice)?;
    let thresholds = chosen.unwrap_or(Thresholds::for_mode(semantic.is_some()));
    let stage = crate::cli::term::timed("load the library's vectors", stage);
    let m = Matcher::new(&si).with_semantic(semantic);
    let stage = crate::cli::term::timed("prepare the matcher", stage);
    match fresh {
        Freshness::Rebuilt => notice(&format!(
            "indexed {} entries from {}",
            si.entries.len(),
            a.library.library.display()
        )),
        Freshness::InMemory => notice(&format!(
            "{} cannot be written: its {} entries were indexed for this run only (run `vouch index` where it is writable to keep the index)",
            a.library.library.display(),
            si.entries.len(),
        )),
        Freshness::UpToDate => {}
    }
    let matching = crate::eval::mode_name(m.semantic());

    // Match each questionnaire and stage its outputs, the questionnaires across cores (and the
    // questions of each across cores inside `decide_all`). Every step is a pure function of
    // its questionnaire, and the results stay in input order, so the outputs are the same
    // whatever the number of threads.
    let ready = read_in.iter().filter(|r| r.is_ok()).count();
    let filling = Progress::new(started, ready, "filling");
    // One questionnaire: the bar counts its questions; several: the questionnaires.
    let per_question = ready == 1;
    let step = |s: fill::Step| match s {
        fill::Step::Distinct(n) if per_question => filling.set_len(n),
        fill::Step::Matched if per_question => filling.inc(),
        _ => {}
    };
    let ctx = Ctx {
        a: &a,
        m: &m,
        entries: &si.entries,
        thresholds,
        mode,
        overrides: &overrides,
    };
    let results: Vec<std::result::Result<Filled, Failure>> = read_in
        .into_par_iter()
        .map(|r| {
            let (paths, wb, q) = r?;
            let input = paths.input.clone();
            let done = fill_one(paths, wb, q, &ctx, &step).map_err(|e| Box::new((input, e)));
            if !per_question {
                filling.inc();
            }
            done
        })
        .collect();
    filling.clear();

    let mut results = results;
    if !a.keep_going {
        if let Some(i) = results.iter().position(|r| r.is_err()) {
            if let Some(Err(f)) = results.into_iter().nth(i) {
                return Err(f.1);
            }
            return Err(Error::internal("a failed fill went missing"));
        }
    }

    let stage = crate::cli::term::timed("match", stage);
    // Rename into place only when every output is complete: per questionnaire in input order
    // its filled copy then its review workbook, the report last. Any error before that leaves
    // no new file behind.
    let mut outputs = Outputs::new();
    for f in results.iter_mut().flatten() {
        outputs.append(std::mem::take(&mut f.outputs));
    }
    let filled: Vec<&Filled> = results.iter().flatten().collect();
    let failed: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|f| one_line(&f.0, &f.1))
        .collect();
    let one_input = results.len() == 1;
    let report_written = a.report.is_some() && !filled.is_empty();
    if let (Some(path), true) = (&a.report, report_written) {
        let reports: Vec<_> = filled
            .iter()
            .map(|f| crate::report::report(&f.paths.input, Some(&f.paths.out), matching, &f.items))
            .collect();
        // Streamed into the file: a 200,000-row report is not held as one string.
        outputs.stage(path, |tmp| {
            crate::atomic::write_file(tmp, |w| {
                match (one_input, reports.as_slice()) {
                    (true, [one]) => serde_json::to_writer_pretty(&mut *w, one),
                    (_, all) => serde_json::to_writer_pretty(&mut *w, all),
                }
                .map_err(|e| {
                    Error::internal(format!("cannot write report {}: {e}", path.display()))
                })
            })
        })?;
    }
    outputs.commit()?;
    crate::cli::term::timed("write", stage);
    if record_history {
        crate::knowledge::history::record_fills(
            &a.library.library,
            filled
                .iter()
                .map(|f| (f.paths.input.as_path(), f.items.as_slice())),
        );
    }

    let any_review = filled.iter().any(|f| f.to_review > 0);
    let run_info = RunInfo {
        matching,
        auto_threshold: thresholds.auto,
        report: a.report.as_deref().filter(|_| report_written),
    };
    if a.json || !one_input {
        let rows: Vec<Row> = results
            .iter()
            .map(|r| match r {
                Ok(f) => Row {
                    input: f.paths.input.display().to_string(),
                    outcome: Outcome::Filled {
                        summary: fill::summarize(&f.items),
                        output: f.paths.out.display().to_string(),
                        review: f.paths.review.display().to_string(),
                        notes: f.notes.clone(),
                    },
                },
                Err(f) => Row {
                    input: f.0.display().to_string(),
                    outcome: Outcome::Failed(one_line(&f.0, &f.1)),
                },
            })
            .collect();
        if a.json {
            crate::cli::out(&crate::cli::fill_batch::json(&rows, &run_info));
        } else {
            crate::cli::out(&crate::cli::fill_batch::table(&rows, &run_info));
        }
    } else if let Some(f) = filled.first() {
        let mut notes = vec![format!(
            "matched by {matching}; auto at confidence {:.2} or more",
            thresholds.auto
        )];
        notes.extend(f.notes.iter().cloned());
        if f.to_review == 0 {
            notes.push("nothing needs review".into());
        }
        crate::cli::out(&crate::report::summary_text(
            &f.paths.input,
            &fill::summarize(&f.items),
            &f.written,
            &notes,
        ));
    }
    if !failed.is_empty() {
        for e in &failed {
            crate::cli::term::error(e);
        }
        eprintln!(
            "vouch: {} of {} questionnaires not filled",
            failed.len(),
            results.len()
        );
        return Ok(ExitStatus::BadInput);
    }
    Ok(if a.fail_on_review && any_review {
        ExitStatus::NeedsReview
    } else {
        ExitStatus::Success
    })
}

/// An error as one line that names the questionnaire it is about.
fn one_line(input: &Path, e: &Error) -> String {
    let text = e.to_string();
    let name = input.display().to_string();
    if text.contains(&name) {
        text
    } else {
        format!("{name}: {text}")
    }
}

/// Match one questionnaire, plan its edits and stage its outputs (filled copy, `--xlsx` copy,
/// review workbook); nothing is renamed into place here.
fn fill_one(
    paths: Paths,
    wb: Workbook,
    q: Questionnaire,
    ctx: &Ctx,
    step: &(dyn Fn(fill::Step) + Sync),
) -> Result<Filled> {
    let a = ctx.a;
    let mode = ctx.mode;
    let mut items =
        fill::decide_all_with(&q, ctx.m, ctx.entries, ctx.thresholds, a.overwrite, step);
    let (edits, sheet_mode) = fill::plan_workbook(
        &q,
        &wb,
        &mut items,
        mode,
        paths.out_kind == OutKind::Patched,
    );
    let mut notes = Vec::new();
    for (sheet, why) in &q.skipped {
        notes.push(format!("sheet '{sheet}' skipped: {why}"));
    }
    notes.extend(q.notes.iter().cloned());
    if sheet_mode != mode {
        notes
            .push("cell notes need an .xlsx/.xlsm input; citations went to a Source column".into());
    }
    if matches!(wb.kind, InputKind::Xls | InputKind::Ods) {
        notes.push(format!(
            "{} cannot be edited in place; the answers are in a rebuilt .xlsx (values only, original formatting not kept)",
            paths.input.display()
        ));
    }

    let mut outputs = Outputs::new();
    match paths.out_kind {
        OutKind::Patched => {
            let mut s = None;
            outputs.stage(&paths.out, |tmp| {
                s = Some(patch::patch_xlsx(
                    &paths.input,
                    tmp,
                    &edits,
                    patch::PatchLimits::default(),
                )?);
                Ok(())
            })?;
            if let Some(s) = s {
                // An answer the patcher could not write is not drafted: the summary, the
                // report and the workbook agree.
                for (sheet, row, _, why) in &s.skipped {
                    for i in items.iter_mut().filter(|i| {
                        i.status == fill::Status::Auto && &i.sheet == sheet && i.row == row + 1
                    }) {
                        i.status = fill::Status::Review;
                        i.note = Some(format!("not written: {why}"));
                    }
                }
                for (sheet, row, col, why) in &s.skipped {
                    notes.push(format!(
                        "sheet '{sheet}' cell {}{} not written: {why}",
                        col_letter(*col),
                        row + 1
                    ));
                }
                if s.notes > 0 {
                    notes.push(format!("{} citations added as cell notes", s.notes));
                }
                if s.signature_invalidated {
                    notes.push("the workbook was digitally signed; the filled copy's signature is no longer valid".into());
                }
            }
        }
        OutKind::Csv => {
            let grid = wb
                .sheets
                .first()
                .ok_or_else(|| Error::input(Location::file(&paths.input), "no data"))?;
            outputs.stage(&paths.out, |tmp| write::write_csv(grid, edits.first(), tmp))?;
        }
        OutKind::Rebuilt => {
            outputs.stage(&paths.out, |tmp| {
                write::write_rebuilt_xlsx(&wb, &edits, tmp)
            })?;
        }
    }
    let mut written = vec![("filled".to_string(), paths.out.display().to_string())];
    if let Some(x) = &paths.xlsx_copy {
        outputs.stage(x, |tmp| write::write_rebuilt_xlsx(&wb, &edits, tmp))?;
        written.push(("xlsx".to_string(), x.display().to_string()));
    }
    // The review workbook is always written, so that every output of a run is from that run
    // (a stale review beside a new filled file would mislead).
    let to_review = crate::review::needs_review(&items).len();
    let filled_hash = match outputs.staged(&paths.out) {
        Some(tmp) => crate::review::file_hash(tmp)?,
        None => String::new(),
    };
    let meta = crate::review::Meta {
        input: absolute(&paths.input),
        input_hash: crate::review::file_hash(&paths.input)?,
        filled: absolute(&paths.out),
        filled_hash,
        report: a.report.as_deref().map(absolute),
        library: absolute(&a.library.library),
        layout: ctx.overrides.clone(),
        citations: citation_name(mode),
    };
    outputs.stage(&paths.review, |tmp| {
        crate::review::write_review(&items, Some(&meta), tmp)
    })?;
    written.push(("review".to_string(), paths.review.display().to_string()));
    if let Some(r) = &a.report {
        written.push(("report".to_string(), r.display().to_string()));
    }
    Ok(Filled {
        paths,
        items,
        notes,
        outputs,
        written,
        to_review,
    })
}

/// Where `input`'s outputs go: `--out`/`--review` when given, else beside the input. The
/// filled file's format follows its extension.
fn plan_paths(input: &Path, a: &Args) -> Result<Paths> {
    let kind = read::kind_of(input).ok_or_else(|| {
        Error::input(
            Location::file(input),
            "unsupported file type; Vouch reads .xlsx, .xlsm, .xls, .ods and .csv",
        )
    })?;
    let out = match &a.out {
        Some(p) => p.clone(),
        None => default_output(input, kind),
    };
    let out_kind = out_kind(kind, &out)?;
    let xlsx_copy = if a.xlsx {
        if out_kind != OutKind::Csv {
            return Err(Error::Usage(format!(
                "--xlsx is for a CSV written as CSV; {} is already a workbook",
                out.display()
            )));
        }
        Some(out.with_extension("xlsx"))
    } else {
        None
    };
    let review = match &a.review {
        Some(p) => {
            if lower_ext(p).as_deref() != Some("xlsx") {
                return Err(Error::Usage(format!(
                    "--review {}: the review workbook is an .xlsx; name it NAME.xlsx",
                    p.display()
                )));
            }
            p.clone()
        }
        None => sibling(&out, input, "review.xlsx"),
    };
    Ok(Paths {
        input: input.to_path_buf(),
        out,
        out_kind,
        xlsx_copy,
        review,
    })
}

/// `p` made absolute against the current folder (as given when that fails).
pub fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The name `--citations` gives `mode`.
pub fn citation_name(mode: CitationMode) -> String {
    use clap::ValueEnum;
    mode.to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

fn lower_ext(p: &Path) -> Option<String> {
    p.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
}

/// The filled file is written in the format its name says, or refused: a CSV into a file
/// named `.xlsx` would not open in Excel.
fn out_kind(kind: InputKind, out: &Path) -> Result<OutKind> {
    let ext = lower_ext(out).unwrap_or_default();
    let refuse = |want: &str| {
        Err(Error::Usage(format!(
            "--out {}: a filled {} is written as {want}; name the output accordingly",
            out.display(),
            match kind {
                InputKind::Csv => ".csv",
                InputKind::Xlsx => ".xlsx",
                InputKind::Xlsm => ".xlsm",
                InputKind::Xls => ".xls",
                InputKind::Ods => ".ods",
            }
        )))
    };
    match (kind, ext.as_str()) {
        (InputKind::Csv, "csv") => Ok(OutKind::Csv),
        (InputKind::Csv, "xlsx") => Ok(OutKind::Rebuilt),
        (InputKind::Csv, _) => refuse(".csv or .xlsx"),
        (InputKind::Xlsx, "xlsx") | (InputKind::Xlsm, "xlsm") => Ok(OutKind::Patched),
        (InputKind::Xlsx, _) => refuse(".xlsx (the customer's own workbook, patched)"),
        (InputKind::Xlsm, _) => refuse(".xlsm (a workbook with macros stays one)"),
        (InputKind::Xls | InputKind::Ods, "xlsx") => Ok(OutKind::Rebuilt),
        (InputKind::Xls | InputKind::Ods, _) => refuse(".xlsx (rebuilt, values only)"),
    }
}

/// A path as the file system names it: absolute, with `..` and symlinks of the parts that
/// exist resolved, so that `q.xlsx`, `./q.xlsx` and `dir/../q.xlsx` compare equal.
fn identity(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("."))
            .join(p)
    };
    match (abs.parent(), abs.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .map(|d| d.join(name))
            .unwrap_or_else(|_| abs.clone()),
        _ => abs,
    }
}

/// True when `a` and `b` are one file: the same resolved path, or (hard links) the same
/// device and inode.
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    if identity(a) == identity(b) {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    false
}

/// Refuse, before anything is read or written, every output that is an input, another
/// output of this run, a file of the library, a folder, or in a folder that does not exist.
fn check_paths(paths: &[Paths], report: Option<&Path>, library: &Path) -> Result<()> {
    for (i, p) in paths.iter().enumerate() {
        if let Some(q) = paths[..i].iter().find(|q| same_file(&q.input, &p.input)) {
            return Err(Error::Usage(format!(
                "{} is given twice (also as {})",
                p.input.display(),
                q.input.display()
            )));
        }
    }
    let mut outs: Vec<(String, &Path)> = Vec::new();
    for p in paths {
        let of = p.input.display();
        outs.push((format!("the filled copy of {of}"), &p.out));
        if let Some(x) = &p.xlsx_copy {
            outs.push((format!("the .xlsx copy of {of}"), x));
        }
        outs.push((format!("the review workbook of {of}"), &p.review));
    }
    if let Some(r) = report {
        outs.push(("the report".to_string(), r));
    }
    let library = identity(library);
    for (i, (what, out)) in outs.iter().enumerate() {
        if let Some(p) = paths.iter().find(|p| same_file(&p.input, out)) {
            return Err(Error::Usage(format!(
                "{} would be {what}, but it is the questionnaire {}; Vouch never writes over an input (choose another --out, --review or --report)",
                out.display(),
                p.input.display()
            )));
        }
        if let Some((other, _)) = outs[..i].iter().find(|(_, o)| same_file(o, out)) {
            return Err(Error::Usage(format!(
                "{} would be both {other} and {what}; give them different names",
                out.display()
            )));
        }
        if identity(out).starts_with(&library) {
            return Err(Error::Usage(format!(
                "{} is inside the library folder {}; write outputs elsewhere",
                out.display(),
                library.display()
            )));
        }
        if out.is_dir() {
            return Err(Error::Usage(format!(
                "cannot write {}: it is a folder",
                out.display()
            )));
        }
        let dir = match out.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            return Err(Error::Usage(format!(
                "cannot write {}: folder {} does not exist",
                out.display(),
                dir.display()
            )));
        }
    }
    Ok(())
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
