//! Library folder → one workbook for subject-matter experts, and back.
//!
//! The people who know the answers (security, legal, privacy) review them in a spreadsheet,
//! not in TOML. `export` writes the whole library into one `.xlsx`: an `Entries` sheet with
//! the columns `library import` reads (the answer as written, with its `{fact}` placeholders,
//! plus the topic `file` it lives in), a `Sources` sheet (the registry), a `Facts` sheet when
//! the library has facts, and a `Synonyms` sheet when it has its own `synonyms.toml`.
//! `import` recognises such a workbook by its `Sources` sheet and rebuilds the same library
//! from it, so an expert's edits come back as a reviewable diff.
//!
//! The export is lossless or it is not written: a value the columns cannot carry (a tag with
//! `;`, an alternate with a line break, a cell over Excel's 32,767 characters) fails the
//! export naming the entry. Every cell is written as a string, so text starting with `=` never
//! becomes a formula, and the file is written atomically beside its target.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{DataValidation, Format, FormatAlign, Workbook, Worksheet};

use super::facts::Fact;
use super::load::SYNONYMS_FILE;
use super::{Entry, Library, ShortAnswer};
use crate::error::{Error, Result};

/// The sheet of entries, one row each.
pub const ENTRIES_SHEET: &str = "Entries";
/// The sheet of source documents; its presence marks a workbook as a library export.
pub const SOURCES_SHEET: &str = "Sources";
/// The sheet of company facts (`name`, `value`, `kind`).
pub const FACTS_SHEET: &str = "Facts";
/// The sheet of synonym groups and filler words (`kind`, `terms`).
pub const SYNONYMS_SHEET: &str = "Synonyms";

/// The `Entries` columns with their widths: the import columns, then the topic file.
pub const ENTRY_COLUMNS: [(&str, f64); 10] = [
    ("id", 24.0),
    ("question", 42.0),
    ("alternate_questions", 42.0),
    ("answer", 70.0),
    ("short_answer", 12.0),
    ("sources", 30.0),
    ("tags", 30.0),
    ("owner", 26.0),
    ("reviewed", 12.0),
    ("file", 24.0),
];

/// The `Sources` columns with their widths.
pub const SOURCE_COLUMNS: [(&str, f64); 7] = [
    ("doc_id", 26.0),
    ("title", 60.0),
    ("version", 12.0),
    ("date", 12.0),
    ("kind", 14.0),
    ("period_end", 12.0),
    ("valid_until", 12.0),
];

/// The `Facts` columns with their widths. `kind` (`date`, `number`, `text`) says how import
/// writes the value into `facts.toml`.
pub const FACT_COLUMNS: [(&str, f64); 3] = [("name", 32.0), ("value", 60.0), ("kind", 10.0)];

/// The `Synonyms` columns: `kind` is `group`, `plain` (a group of everyday words) or `filler`
/// (one filler word); `terms` lists a group's terms one per line, the first being its name.
pub const SYNONYM_COLUMNS: [(&str, f64); 2] = [("kind", 10.0), ("terms", 60.0)];

/// Excel's limit on the text of one cell.
const MAX_CELL_CHARS: usize = 32_767;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub entries: usize,
    pub sources: usize,
    pub facts: usize,
    /// Synonym groups written, when the library has its own `synonyms.toml`.
    pub synonym_groups: Option<usize>,
}

/// Write `library` to the workbook `out` (atomically). `out` must end in `.xlsx` and lie
/// outside the library folder.
pub fn export(library: &Library, out: &Path) -> Result<ExportSummary> {
    let is_xlsx = out
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if !is_xlsx {
        return Err(Error::Usage(format!(
            "--out {} must name an .xlsx file",
            out.display()
        )));
    }
    if inside(out, &library.root) {
        return Err(Error::Usage(format!(
            "{} is inside the library folder {}; write the export elsewhere",
            out.display(),
            library.root.display()
        )));
    }
    let xe = |e: rust_xlsxwriter::XlsxError| {
        Error::internal(format!("cannot write {}: {e}", out.display()))
    };
    let styles = Styles::new();
    let mut book = Workbook::new();

    let rows = library
        .entries
        .iter()
        .map(entry_row)
        .collect::<Result<Vec<_>>>()?;
    let ws = book.add_worksheet();
    ws.set_name(ENTRIES_SHEET).map_err(xe)?;
    write_table(ws, &styles, &ENTRY_COLUMNS, &rows).map_err(xe)?;
    if !rows.is_empty() {
        // A dropdown for the short answer; other text is still accepted (blank for
        // how/what questions), so the expert is guided, not blocked.
        let dv = DataValidation::new()
            .allow_list_strings(&["Yes", "No", "N/A", "Partial"])
            .map_err(xe)?
            .show_error_message(false);
        ws.add_data_validation(1, 4, rows.len() as u32, 4, &dv)
            .map_err(xe)?;
    }

    let sources: Vec<Vec<String>> = library
        .sources
        .values()
        .map(|s| {
            vec![
                s.id.clone(),
                s.title.clone(),
                s.version.clone(),
                s.date.clone(),
                s.kind.clone(),
                s.period_end.clone().unwrap_or_default(),
                s.valid_until.clone().unwrap_or_default(),
            ]
        })
        .collect();
    check_cells(SOURCES_SHEET, &sources)?;
    let ws = book.add_worksheet();
    ws.set_name(SOURCES_SHEET).map_err(xe)?;
    write_table(ws, &styles, &SOURCE_COLUMNS, &sources).map_err(xe)?;

    if !library.facts.is_empty() {
        let facts: Vec<Vec<String>> = library
            .facts
            .values
            .iter()
            .map(|(name, f)| vec![name.clone(), f.text.clone(), fact_kind(f).to_string()])
            .collect();
        check_cells(FACTS_SHEET, &facts)?;
        let ws = book.add_worksheet();
        ws.set_name(FACTS_SHEET).map_err(xe)?;
        write_table(ws, &styles, &FACT_COLUMNS, &facts).map_err(xe)?;
    }

    let own_synonyms = library.root.join(SYNONYMS_FILE).is_file();
    if own_synonyms {
        let mut syn: Vec<Vec<String>> = Vec::new();
        for g in &library.synonyms {
            if let Some(t) = g.terms.iter().find(|t| t.contains('\n')) {
                return Err(Error::Usage(format!(
                    "synonym term '{}' holds a line break, which the {SYNONYMS_SHEET} sheet cannot carry",
                    t.replace('\n', " ")
                )));
            }
            let kind = if g.plain { "plain" } else { "group" };
            syn.push(vec![kind.to_string(), g.terms.join("\n")]);
        }
        for w in &library.filler {
            syn.push(vec!["filler".to_string(), w.clone()]);
        }
        check_cells(SYNONYMS_SHEET, &syn)?;
        let ws = book.add_worksheet();
        ws.set_name(SYNONYMS_SHEET).map_err(xe)?;
        write_table(ws, &styles, &SYNONYM_COLUMNS, &syn).map_err(xe)?;
    }

    let bytes = book.save_to_buffer().map_err(xe)?;
    crate::atomic::write_file(out, |w| {
        w.write_all(&bytes)
            .map_err(|e| crate::atomic::write_error(out, &e))
    })?;
    Ok(ExportSummary {
        entries: rows.len(),
        sources: sources.len(),
        facts: library.facts.values.len(),
        synonym_groups: own_synonyms.then_some(library.synonyms.len()),
    })
}

/// How `import` should write a fact back: `date` (a TOML date or date-time), `number` (an
/// integer or float that reads back as the same text) or `text`. Booleans and lists come back
/// as the text answers show (`yes`, `A, B and C`).
pub fn fact_kind(f: &Fact) -> &'static str {
    if f.date.is_some() || f.text.parse::<toml::value::Datetime>().is_ok() {
        "date"
    } else if is_number_text(&f.text) {
        "number"
    } else {
        "text"
    }
}

/// True when `text` is a TOML number whose value prints back as `text` exactly (`214`,
/// `99.9`; not `007` or `1e3`), so writing it unquoted changes nothing.
pub fn is_number_text(text: &str) -> bool {
    match toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|t| t.get("v").cloned())
    {
        Some(toml::Value::Integer(i)) => i.to_string() == text,
        Some(toml::Value::Float(f)) => f.is_finite() && f.to_string() == text,
        _ => false,
    }
}

/// One entry as the `Entries` row, or why the columns cannot carry it without loss.
fn entry_row(e: &Entry) -> Result<Vec<String>> {
    let refuse = |what: String| {
        Err(Error::Usage(format!(
            "entry '{}' cannot be exported without loss: {what}",
            e.id
        )))
    };
    if let Some(a) = e.alternates.iter().find(|a| a.contains('\n')) {
        return refuse(format!(
            "alternate '{}' holds a line break (the column lists one per line)",
            a.replace('\n', " ")
        ));
    }
    for c in &e.citations {
        if c.doc.contains('#') || c.doc.contains(';') || c.section.contains(';') {
            return refuse(format!(
                "citation '{c}' holds '#' in its document id or ';' (the column reads doc#section; doc#section)"
            ));
        }
    }
    if let Some(t) = e.tags.iter().find(|t| t.contains(';')) {
        return refuse(format!(
            "tag '{t}' holds ';' (the column separates tags by ';')"
        ));
    }
    let row = vec![
        e.id.clone(),
        e.question.clone(),
        e.alternates.join("\n"),
        e.written_answer().to_string(),
        e.short_answer.map(ShortAnswer::as_str).unwrap_or("").into(),
        e.citations
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join("; "),
        e.tags.join("; "),
        e.owner.clone(),
        e.reviewed.clone().unwrap_or_default(),
        e.file.to_string_lossy().replace('\\', "/"),
    ];
    for (value, (col, _)) in row.iter().zip(ENTRY_COLUMNS) {
        if value.chars().count() > MAX_CELL_CHARS {
            return refuse(format!(
                "its {col} is longer than Excel's {MAX_CELL_CHARS} characters per cell"
            ));
        }
    }
    Ok(row)
}

fn check_cells(sheet: &str, rows: &[Vec<String>]) -> Result<()> {
    for (i, row) in rows.iter().enumerate() {
        if let Some(v) = row.iter().find(|v| v.chars().count() > MAX_CELL_CHARS) {
            let head: String = v.chars().take(40).collect();
            return Err(Error::Usage(format!(
                "sheet '{sheet}' row {}: '{head}...' is longer than Excel's {MAX_CELL_CHARS} characters per cell",
                i + 2
            )));
        }
    }
    Ok(())
}

struct Styles {
    head: Format,
    text: Format,
}

impl Styles {
    fn new() -> Styles {
        Styles {
            head: Format::new()
                .set_bold()
                .set_background_color("#D9E1F2")
                .set_align(FormatAlign::Top),
            text: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

/// A header row and `rows` of text below it: every cell a string (never a formula, whatever it
/// starts with), wrapped and top-aligned; the header frozen and filtered.
fn write_table(
    ws: &mut Worksheet,
    styles: &Styles,
    columns: &[(&str, f64)],
    rows: &[Vec<String>],
) -> std::result::Result<(), rust_xlsxwriter::XlsxError> {
    for (c, (name, width)) in columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &styles.head)?;
        ws.set_column_width(c as u16, *width)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if !value.is_empty() {
                ws.write_string_with_format(r as u32 + 1, c as u16, value, &styles.text)?;
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, rows.len().max(1) as u32, (columns.len() - 1) as u16)?;
    Ok(())
}

/// Is `path` (which need not exist yet) inside the folder `dir`?
pub fn inside(path: &Path, dir: &Path) -> bool {
    let Ok(dir) = dir.canonicalize() else {
        return false;
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    match (parent.canonicalize(), path.file_name()) {
        (Ok(p), Some(name)) => p.join(name).starts_with(dir),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::load_library;

    fn small_library(dir: &Path) -> PathBuf {
        let lib = dir.join("lib");
        std::fs::create_dir_all(lib.join("more")).unwrap();
        std::fs::write(
            lib.join("sources.toml"),
            "[[source]]\nid = \"pol\"\ntitle = \"Policy\"\ndate = \"2026-01-01\"\nkind = \"policy\"\n\n\
             [[source]]\nid = \"soc2\"\ntitle = \"SOC 2\"\nversion = \"2026\"\ndate = \"2026-02-01\"\nkind = \"report\"\nperiod_end = \"2025-12-31\"\n",
        )
        .unwrap();
        std::fs::write(
            lib.join("facts.toml"),
            "name = \"Acme\"\n[soc2]\nperiod_end = 2025-12-31\nstaff = 214\nratio = 99.9\nzip = \"007\"\nok = true\nteams = [\"a\", \"b\"]\n",
        )
        .unwrap();
        std::fs::write(
            lib.join("synonyms.toml"),
            "filler = [\"documented\"]\n[[group]]\nterms = [\"mfa\", \"2fa\"]\n[[group]]\nterms = [\"client\", \"customer\"]\nplain = true\n",
        )
        .unwrap();
        std::fs::write(
            lib.join("a.toml"),
            "[[entry]]\nid = \"enc\"\nquestion = \"Do you encrypt?\"\nalternates = [\"AES?\", \"Is data encrypted?\"]\n\
             answer = \"Yes. {name} encrypts through {soc2.period_end}.\"\nshort_answer = \"Yes\"\n\
             citations = [{ doc = \"pol\", section = \"3.1\" }, { doc = \"soc2\", section = \"CC6.1 #2\" }]\n\
             tags = [\"cryptography\", \"soc2:CC6.1\"]\nowner = \"sec@x.example\"\nreviewed = 2026-03-01\n",
        )
        .unwrap();
        std::fs::write(
            lib.join("more/b.toml"),
            "[[entry]]\nid = \"=evil\"\nquestion = \"+Is this a formula?\"\nanswer = \"=cmd|'/c calc'!A1\"\n\
             tags = [\"draft\"]\n",
        )
        .unwrap();
        lib
    }

    #[test]
    fn round_trips_through_import() {
        let d = tempfile::tempdir().unwrap();
        let lib = load_library(&small_library(d.path())).unwrap();
        let out = d.path().join("lib.xlsx");
        let s = export(&lib, &out).unwrap();
        assert_eq!(
            s,
            ExportSummary {
                entries: 2,
                sources: 2,
                facts: 7,
                synonym_groups: Some(2)
            }
        );
        let (back, _) =
            crate::knowledge::import::import(&out, None, &d.path().join("back"), false).unwrap();
        for (a, b) in lib.entries.iter().zip(&back.entries) {
            assert_eq!(
                Entry {
                    line: 0,
                    ..a.clone()
                },
                Entry {
                    line: 0,
                    ..b.clone()
                }
            );
        }
        assert_eq!(lib.entries.len(), back.entries.len());
        assert_eq!(lib.sources, back.sources);
        assert_eq!(lib.synonyms, back.synonyms);
        assert_eq!(lib.filler, back.filler);
        let texts = |l: &Library| -> Vec<(String, String, Option<String>)> {
            l.facts
                .values
                .iter()
                .map(|(k, f)| (k.clone(), f.text.clone(), f.date.clone()))
                .collect()
        };
        assert_eq!(texts(&lib), texts(&back));
    }

    #[test]
    fn fact_kinds() {
        let f = |text: &str, date: Option<&str>| Fact {
            text: text.into(),
            date: date.map(Into::into),
            line: 1,
        };
        assert_eq!(fact_kind(&f("2026-08-31", Some("2026-08-31"))), "date");
        assert_eq!(fact_kind(&f("214", None)), "number");
        assert_eq!(fact_kind(&f("99.9", None)), "number");
        assert_eq!(fact_kind(&f("007", None)), "text");
        assert_eq!(fact_kind(&f("1e3", None)), "text");
        assert_eq!(fact_kind(&f("yes", None)), "text");
    }

    #[test]
    fn refuses_what_the_columns_cannot_carry_and_paths_inside_the_library() {
        let d = tempfile::tempdir().unwrap();
        let mut lib = load_library(&small_library(d.path())).unwrap();
        let inside_lib = lib.root.join("x.xlsx");
        let e = export(&lib, &inside_lib).unwrap_err().to_string();
        assert!(e.contains("inside the library folder"), "{e}");
        let e = export(&lib, &d.path().join("x.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains(".xlsx"), "{e}");
        lib.entries[0].tags.push("a;b".into());
        let e = export(&lib, &d.path().join("x.xlsx"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("entry 'enc'") && e.contains("'a;b'"), "{e}");
        assert!(!d.path().join("x.xlsx").exists());
    }
}
