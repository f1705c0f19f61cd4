//! Spreadsheet Q&A export → library folder.
//!
//! Most teams arrive with a spreadsheet of past answers. `import` reads one (CSV or a workbook
//! with the columns `id, question, alternate_questions, answer, short_answer, sources, tags,
//! owner, reviewed`) plus a `sources.csv` registry, and writes the TOML library format: one
//! file per domain (the first tag), `sources.toml`, and the default `synonyms.toml`. The new
//! library is written into a temporary folder beside the target, loaded and validated there,
//! and only then renamed into place, so a failed import leaves nothing half-written.
//!
//! A workbook written by `vouch library export` (an `.xlsx` with a `Sources` sheet) is read
//! back whole: entries from its `Entries` sheet into the topic files its `file` column names,
//! the registry from `Sources`, `facts.toml` from `Facts` and `synonyms.toml` from `Synonyms`,
//! so that export followed by import gives back the same library. Errors in such a workbook
//! name the sheet and row.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::export::{ENTRIES_SHEET, FACTS_SHEET, SOURCES_SHEET, SYNONYMS_SHEET};
use super::facts::FACTS_FILE;
use super::load::{parse_thesaurus, DEFAULT_SYNONYMS, SOURCES_FILE, SYNONYMS_FILE};
use super::{id_problem, is_iso_date, load_library, Citation, Library, ShortAnswer};
use crate::error::{Error, Location, Result};
use crate::sheet::Grid;

/// One row of a spreadsheet export, with where it came from: the line (CSV, or a plain
/// workbook, as before) or the sheet and row (a library export).
#[derive(Debug, Clone)]
struct Record {
    loc: Location,
    fields: BTreeMap<String, String>,
}

impl Record {
    fn get(&self, key: &str) -> &str {
        self.fields.get(key).map(|s| s.trim()).unwrap_or("")
    }
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub entries: usize,
    pub sources: usize,
    pub facts: usize,
    pub files: Vec<PathBuf>,
}

/// The sheets of a workbook written by `vouch library export`, as records.
struct ExportSheets {
    /// The name of the entries sheet (`Entries`, or the first other sheet with data).
    entries_sheet: String,
    entries: Vec<Record>,
    sources: Vec<Record>,
    facts: Option<Vec<Record>>,
    synonyms: Option<Vec<Record>>,
}

/// The sheets of `file` when it is a library export (an .xlsx/.xlsm with a `Sources` sheet),
/// else None.
fn export_sheets(file: &Path) -> Result<Option<ExportSheets>> {
    use crate::sheet::InputKind;
    if !matches!(
        crate::sheet::read::kind_of(file),
        Some(InputKind::Xlsx | InputKind::Xlsm)
    ) {
        return Ok(None);
    }
    let wb = crate::sheet::read::read_workbook(file)?;
    let named = |name: &str| wb.sheets.iter().find(|g| g.name == name);
    let Some(sources) = named(SOURCES_SHEET) else {
        return Ok(None);
    };
    let entries = match named(ENTRIES_SHEET) {
        Some(g) => g,
        None => wb
            .sheets
            .iter()
            .find(|g| {
                !g.cells.is_empty()
                    && ![SOURCES_SHEET, FACTS_SHEET, SYNONYMS_SHEET].contains(&g.name.as_str())
            })
            .ok_or_else(|| {
                Error::input(
                    Location::file(file),
                    format!(
                        "the workbook has a {SOURCES_SHEET} sheet but no {ENTRIES_SHEET} sheet"
                    ),
                )
            })?,
    };
    Ok(Some(ExportSheets {
        entries_sheet: entries.name.clone(),
        entries: sheet_records(file, entries),
        sources: sheet_records(file, sources),
        facts: named(FACTS_SHEET).map(|g| sheet_records(file, g)),
        synonyms: named(SYNONYMS_SHEET).map(|g| sheet_records(file, g)),
    }))
}

/// Import `file` (and the sources registry `sources`, default `sources.csv` beside it) into the
/// library folder `into`. An existing non-empty `into` is replaced only with `force`.
pub fn import(
    file: &Path,
    sources: Option<&Path>,
    into: &Path,
    force: bool,
) -> Result<(Library, ImportSummary)> {
    let export = export_sheets(file)?;
    // A library export carries its own registry; an explicit --sources still wins.
    let sources_path = match (sources, &export) {
        (Some(p), _) => Some(p.to_path_buf()),
        (None, Some(_)) => None,
        (None, None) => {
            let beside = file.parent().unwrap_or(Path::new(".")).join("sources.csv");
            if !beside.is_file() {
                return Err(Error::input(
                    Location::file(file),
                    format!(
                        "no sources registry: expected {} beside the export, or pass --sources FILE",
                        beside.display()
                    ),
                ));
            }
            Some(beside)
        }
    };
    let entries_sheet = export.as_ref().map(|x| x.entries_sheet.clone());
    let from_export = export.is_some();
    let (rows, facts_rows, synonym_rows, sheet_sources) = match export {
        Some(x) => (x.entries, x.facts, x.synonyms, Some(x.sources)),
        None => (read_records(file)?, None, None, None),
    };
    let source_rows = match &sources_path {
        Some(p) => read_records(p)?,
        None => sheet_sources.unwrap_or_default(),
    };
    let registry = sources_path.clone().unwrap_or_else(|| file.to_path_buf());
    require_columns(
        file,
        entries_sheet.as_deref(),
        &rows,
        &["id", "question", "answer", "sources"],
    )?;
    let sources_sheet = sources_path.is_none().then_some(SOURCES_SHEET);
    require_columns(
        &registry,
        sources_sheet,
        &source_rows,
        &["doc_id", "title", "date", "kind"],
    )?;
    if let Some(rows) = &facts_rows {
        require_columns(file, Some(FACTS_SHEET), rows, &["name", "value"])?;
    }
    if let Some(rows) = &synonym_rows {
        require_columns(file, Some(SYNONYMS_SHEET), rows, &["terms"])?;
    }

    // The folder an import replaces must not hold what it imports (`--into lib --force` on
    // `lib/answers.csv` would delete the export it reads).
    for input in std::iter::once(file).chain(sources_path.as_deref()) {
        if inside(input, into) {
            return Err(Error::Usage(format!(
                "{} is inside {}, which the import replaces; import into another folder",
                input.display(),
                into.display()
            )));
        }
    }

    let sources_toml = render_sources(&source_rows)?;
    // Only a library export says which topic file each entry lives in.
    let by_file = render_entries(file, &rows, from_export)?;
    let facts_toml = facts_rows.as_deref().map(render_facts).transpose()?;
    let synonyms_toml = match synonym_rows.as_deref() {
        Some(rows) => render_synonyms(file, rows)?,
        None => DEFAULT_SYNONYMS.to_string(),
    };

    if into.exists() {
        let non_empty = std::fs::read_dir(into)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true);
        if non_empty && !force {
            return Err(Error::Usage(format!(
                "{} already exists and is not empty; pass --force to replace it",
                into.display()
            )));
        }
    }

    let mut files: Vec<(PathBuf, String)> = vec![
        (PathBuf::from(SOURCES_FILE), sources_toml),
        (PathBuf::from(SYNONYMS_FILE), synonyms_toml),
    ];
    if let Some(text) = facts_toml {
        files.push((PathBuf::from(FACTS_FILE), text));
    }
    // Entries live under topics/ (or where an export's `file` column says, never in place of
    // the registry files): no tag can name a file that takes the place of sources.toml,
    // synonyms.toml or facts.toml.
    files.extend(by_file);
    let written: Vec<PathBuf> = files.iter().map(|(p, _)| into.join(p)).collect();
    let library = crate::atomic::replace_dir(into, |tmp| {
        for (rel, text) in &files {
            if let Some(parent) = rel.parent() {
                std::fs::create_dir_all(tmp.join(parent))
                    .map_err(|e| crate::atomic::write_error(&into.join(rel), &e))?;
            }
            std::fs::write(tmp.join(rel), text)
                .map_err(|e| crate::atomic::write_error(&into.join(rel), &e))?;
        }
        // Validate where it stands before it takes the target's place; errors name the
        // library's own files, not the temporary folder.
        load_library(tmp).map_err(|e| {
            let text = e
                .to_string()
                .replace(&tmp.display().to_string(), &into.display().to_string());
            Error::input(
                Location::file(file),
                format!("the imported library would be invalid: {text}"),
            )
        })
    })?;
    let library = Library {
        root: into.to_path_buf(),
        ..library
    };
    let summary = ImportSummary {
        entries: library.entries.len(),
        sources: library.sources.len(),
        facts: library.facts.values.len(),
        files: written,
    };
    Ok((library, summary))
}

/// The folder of an imported library that holds the entry files.
pub const TOPICS_DIR: &str = "topics";

/// Is `path` (an existing file) inside the folder `dir`?
fn inside(path: &Path, dir: &Path) -> bool {
    match (path.canonicalize(), dir.canonicalize()) {
        (Ok(p), Ok(d)) => p.starts_with(d),
        _ => false,
    }
}

/// A file-name-safe form of a topic name: lower-case letters, digits and single dashes
/// (`A&A` → `a-a`), `general` when nothing is left.
pub fn file_slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        "general".into()
    } else {
        out
    }
}

/// Check that `rows` exist and their header has `cols`; `sheet` names the sheet of a library
/// export.
fn require_columns(path: &Path, sheet: Option<&str>, rows: &[Record], cols: &[&str]) -> Result<()> {
    let at = match sheet {
        Some(name) => Location::file(path).sheet(name),
        None => Location::file(path),
    };
    let Some(first) = rows.first() else {
        return Err(Error::input(at, "no data rows below the header"));
    };
    for c in cols {
        if !first.fields.contains_key(*c) {
            let at = match sheet {
                Some(_) => at.clone().row(1),
                None => at.clone().line(1),
            };
            return Err(Error::input(
                at,
                format!("missing column '{c}' in the header"),
            ));
        }
    }
    Ok(())
}

/// Read a header + records table from CSV or a workbook's first sheet. Header names are
/// lower-cased and trimmed.
fn read_records(path: &Path) -> Result<Vec<Record>> {
    let wb = crate::sheet::read::read_workbook(path)?;
    let Some(grid) = wb.sheets.iter().find(|g| !g.cells.is_empty()) else {
        return Err(Error::input(Location::file(path), "no data"));
    };
    Ok(grid_records(grid, |r| {
        Location::file(path).line(r as usize + 1)
    }))
}

/// The records of one sheet of a library export, located by sheet and row.
fn sheet_records(path: &Path, grid: &Grid) -> Vec<Record> {
    grid_records(grid, |r| Location::file(path).sheet(&grid.name).row(r + 1))
}

/// The records below a grid's first row (its header), skipping empty rows; `at` locates the
/// 0-based row `r`.
fn grid_records(grid: &Grid, at: impl Fn(u32) -> Location) -> Vec<Record> {
    let Some((max_row, max_col)) = grid.extent() else {
        return Vec::new();
    };
    let header_row = grid.cells.keys().map(|k| k.0).min().unwrap_or(0);
    let mut header: Vec<(u32, String)> = Vec::new();
    for c in 0..=max_col {
        if let Some(h) = grid.get(header_row, c) {
            header.push((c, h.trim().to_ascii_lowercase()));
        }
    }
    let mut out = Vec::new();
    for r in header_row + 1..=max_row {
        let mut fields = BTreeMap::new();
        let mut any = false;
        for (c, name) in &header {
            let v = grid.get(r, *c).unwrap_or("").to_string();
            any |= !v.trim().is_empty();
            fields.insert(name.clone(), v);
        }
        if any {
            out.push(Record { loc: at(r), fields });
        }
    }
    out
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn render_sources(rows: &[Record]) -> Result<String> {
    let mut out = String::from("# Source documents that answers cite (imported).\n");
    for r in rows {
        let loc = r.loc.clone();
        let id = r.get("doc_id");
        if let Some(why) = id_problem(id) {
            return Err(Error::input(loc, format!("doc_id '{id}' {why}")));
        }
        let _ = write!(
            out,
            "\n[[source]]\nid = {}\ntitle = {}\nversion = {}\ndate = {}\nkind = {}\n",
            q(id),
            q(r.get("title")),
            q(r.get("version")),
            q(r.get("date")),
            q(r.get("kind")),
        );
        // Optional columns: a report's period end, a certificate's or letter's validity.
        for key in ["period_end", "valid_until"] {
            if !r.get(key).is_empty() {
                let _ = writeln!(out, "{key} = {}", q(r.get(key)));
            }
        }
    }
    Ok(out)
}

/// Parse `doc#section; doc#section`.
pub fn parse_citations(s: &str) -> std::result::Result<Vec<Citation>, String> {
    let mut out = Vec::new();
    for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((doc, section)) = part.split_once('#') else {
            return Err(format!("citation '{part}' is not doc_id#section"));
        };
        out.push(Citation {
            doc: doc.trim().to_string(),
            section: section.trim().to_string(),
        });
    }
    Ok(out)
}

/// The topic files of `rows`, by path relative to the library: `topics/<domain>.toml`, or,
/// for a library export (`from_export`), the file its `file` column names.
fn render_entries(
    path: &Path,
    rows: &[Record],
    from_export: bool,
) -> Result<BTreeMap<PathBuf, String>> {
    let mut by_file: BTreeMap<PathBuf, String> = BTreeMap::new();
    for r in rows {
        let loc = r.loc.clone();
        let id = r.get("id");
        if let Some(why) = id_problem(id) {
            return Err(Error::input(loc, format!("id '{id}' {why}")));
        }
        let citations = parse_citations(r.get("sources"))
            .map_err(|m| Error::input(loc.clone(), format!("entry '{id}': {m}")))?;
        let short = r.get("short_answer");
        if !short.is_empty() && ShortAnswer::parse(short).is_none() {
            return Err(Error::input(
                loc,
                format!("entry '{id}': short_answer '{short}' is not one of Yes, No, N/A, Partial"),
            ));
        }
        let tags: Vec<&str> = r
            .get("tags")
            .split(';')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        let domain = file_slug(tags.first().copied().unwrap_or(""));
        let alternates: Vec<&str> = r
            .get("alternate_questions")
            .lines()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .collect();
        let named = if from_export { r.get("file") } else { "" };
        let (rel, heading) = if named.is_empty() {
            (
                Path::new(TOPICS_DIR).join(format!("{domain}.toml")),
                format!("# Domain: {domain} (imported from {})\n", file_name(path)),
            )
        } else {
            let rel = topic_path(named).map_err(|why| {
                Error::input(loc.clone(), format!("entry '{id}': file '{named}' {why}"))
            })?;
            (rel, format!("# Imported from {}\n", file_name(path)))
        };
        let text = by_file.entry(rel).or_insert(heading);
        let _ = write!(
            text,
            "\n[[entry]]\nid = {}\nquestion = {}\n",
            q(id),
            q(r.get("question"))
        );
        if !alternates.is_empty() {
            text.push_str("alternates = [\n");
            for a in alternates {
                let _ = writeln!(text, "  {},", q(a));
            }
            text.push_str("]\n");
        }
        let _ = writeln!(text, "answer = {}", q(r.get("answer")));
        if let Some(s) = ShortAnswer::parse(short) {
            let _ = writeln!(text, "short_answer = {}", q(s.as_str()));
        }
        let cites: Vec<String> = citations
            .iter()
            .map(|c| format!("{{ doc = {}, section = {} }}", q(&c.doc), q(&c.section)))
            .collect();
        let _ = writeln!(text, "citations = [{}]", cites.join(", "));
        let tag_list: Vec<String> = tags.iter().map(|t| q(t)).collect();
        let _ = writeln!(text, "tags = [{}]", tag_list.join(", "));
        let _ = writeln!(text, "owner = {}", q(r.get("owner")));
        let reviewed = r.get("reviewed").trim();
        if !reviewed.is_empty() {
            let _ = writeln!(text, "reviewed = {}", q(reviewed));
        }
    }
    Ok(by_file)
}

/// The topic file an export's `file` column names, as a safe path inside the library: relative,
/// `/`-separated plain names ending in `.toml`, no hidden or `..` parts, and not one of the
/// registry files.
fn topic_path(named: &str) -> std::result::Result<PathBuf, &'static str> {
    let parts: Vec<&str> = named.split(['/', '\\']).collect();
    if !named.ends_with(".toml") {
        return Err("does not end in .toml");
    }
    if parts.iter().any(|p| {
        p.is_empty() || p.starts_with('.') || p.contains(':') || p.chars().any(char::is_control)
    }) {
        return Err("is not a plain relative path inside the library");
    }
    if parts.len() == 1 && [SOURCES_FILE, SYNONYMS_FILE, FACTS_FILE].contains(&parts[0]) {
        return Err("is a registry file, not a topic file");
    }
    Ok(parts.iter().collect())
}

/// `facts.toml` from a `Facts` sheet (`name`, `value`, optional `kind`): dates as TOML dates,
/// numbers as numbers, everything else as text. Without a `kind`, a `YYYY-MM-DD` value is a
/// date and a value that reads back as the same number is a number.
fn render_facts(rows: &[Record]) -> Result<String> {
    // Facts grouped by table (`soc2` for `soc2.period_end`), top-level ones first.
    let mut tables: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for r in rows {
        let loc = r.loc.clone();
        let name = r.get("name");
        if !super::facts::valid_name(name) {
            return Err(Error::input(
                loc,
                format!("fact name '{name}' may use only lower-case letters, digits, '_' and '-', with '.' between parts"),
            ));
        }
        let mut value = r.get("value").to_string();
        if value.is_empty() {
            return Err(Error::input(loc, format!("fact '{name}' has no value")));
        }
        let kind = match r.get("kind").to_ascii_lowercase().as_str() {
            "" if is_iso_date(&value) => "date".to_string(),
            "" if super::export::is_number_text(&value) => "number".to_string(),
            "" => "text".to_string(),
            k => k.to_string(),
        };
        let toml_value = match kind.as_str() {
            "date" => {
                // A date typed into Excel reads as `2026-08-31 00:00:00`.
                if let Some(day) = value.strip_suffix(" 00:00:00").filter(|d| is_iso_date(d)) {
                    value = day.to_string();
                }
                if value.parse::<toml::value::Datetime>().is_err() {
                    return Err(Error::input(
                        loc,
                        format!("fact '{name}': '{value}' is not a date (YYYY-MM-DD)"),
                    ));
                }
                value
            }
            "number" => {
                if !super::export::is_number_text(&value) {
                    return Err(Error::input(
                        loc,
                        format!("fact '{name}': '{value}' is not a number"),
                    ));
                }
                value
            }
            "text" => q(&value),
            other => {
                return Err(Error::input(
                    loc,
                    format!("fact '{name}': kind '{other}' is not one of date, number, text"),
                ))
            }
        };
        let (table, key) = match name.rsplit_once('.') {
            Some((t, k)) => (t.to_string(), k.to_string()),
            None => (String::new(), name.to_string()),
        };
        tables.entry(table).or_default().push((key, toml_value));
    }
    let mut out = String::from("# Company facts that answers use as {table.name} (imported).\n");
    for (table, facts) in &tables {
        if !table.is_empty() {
            let _ = write!(out, "\n[{table}]\n");
        }
        for (key, value) in facts {
            let _ = writeln!(out, "{key} = {value}");
        }
    }
    Ok(out)
}

/// `synonyms.toml` from a `Synonyms` sheet (`kind` = group, plain or filler; `terms` one per
/// line). When the groups are exactly the built-in thesaurus, its file is written as shipped,
/// comments included.
fn render_synonyms(path: &Path, rows: &[Record]) -> Result<String> {
    let mut groups = Vec::new();
    let mut filler = Vec::new();
    for r in rows {
        let terms: Vec<String> = r
            .get("terms")
            .lines()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        match r.get("kind").to_ascii_lowercase().as_str() {
            "filler" => filler.extend(terms),
            kind @ ("group" | "plain" | "") => {
                if terms.len() < 2 {
                    return Err(Error::input(
                        r.loc.clone(),
                        "a synonym group needs at least two terms, one per line",
                    ));
                }
                groups.push(super::SynonymGroup {
                    terms,
                    plain: kind == "plain",
                });
            }
            other => {
                return Err(Error::input(
                    r.loc.clone(),
                    format!("kind '{other}' is not one of group, plain, filler"),
                ))
            }
        }
    }
    let shipped = parse_thesaurus(Path::new(SYNONYMS_FILE), DEFAULT_SYNONYMS)?;
    if shipped == (groups.clone(), filler.clone()) {
        return Ok(DEFAULT_SYNONYMS.to_string());
    }
    let mut out = format!("# Synonym groups (imported from {}).\n", file_name(path));
    if !filler.is_empty() {
        let words: Vec<String> = filler.iter().map(|w| q(w)).collect();
        let _ = writeln!(out, "filler = [{}]", words.join(", "));
    }
    for g in &groups {
        let terms: Vec<String> = g.terms.iter().map(|t| q(t)).collect();
        let _ = write!(out, "\n[[group]]\nterms = [{}]\n", terms.join(", "));
        if g.plain {
            out.push_str("plain = true\n");
        }
    }
    Ok(out)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_parse() {
        let c = parse_citations("soc2-report#section-1; trust-center#reports").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].doc, "trust-center");
        assert!(parse_citations("nohash").is_err());
    }

    #[test]
    fn imports_a_small_csv_and_refuses_to_clobber() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("library.csv");
        std::fs::write(
            &lib,
            "id,question,alternate_questions,answer,short_answer,sources,tags,owner,reviewed\n\
             enc,Do you encrypt?,\"Is data encrypted?\nAES?\",\"Yes, AES-256.\",Yes,pol#3.1,cryptography;aes,a@b.c,2026-01-01\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("sources.csv"),
            "doc_id,title,version,date,kind\npol,Policy,1,2026-01-01,policy\n",
        )
        .unwrap();
        let into = dir.path().join("lib");
        let (l, s) = import(&lib, None, &into, false).unwrap();
        assert_eq!(s.entries, 1);
        assert_eq!(l.entries[0].alternates, vec!["Is data encrypted?", "AES?"]);
        assert!(into.join("topics/cryptography.toml").is_file());
        let again = import(&lib, None, &into, false).unwrap_err();
        assert!(again.to_string().contains("--force"));
        import(&lib, None, &into, true).unwrap();
    }

    #[test]
    fn bad_citation_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("library.csv");
        std::fs::write(
            &lib,
            "id,question,answer,sources\nok,Q?,A,pol#1\nbad,Q2?,A2,unknown#1\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("sources.csv"),
            "doc_id,title,version,date,kind\npol,Policy,1,2026-01-01,policy\n",
        )
        .unwrap();
        let into = dir.path().join("lib");
        let err = import(&lib, None, &into, false).unwrap_err().to_string();
        assert!(err.contains("unknown document 'unknown'"), "{err}");
        assert!(!into.exists(), "nothing is left behind");
    }
}
