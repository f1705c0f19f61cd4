//! Spreadsheet Q&A export → library folder.
//!
//! Most teams arrive with a spreadsheet of past answers. `import` reads one (CSV or a workbook
//! with the columns `id, question, alternate_questions, answer, short_answer, sources, tags,
//! owner, reviewed`) plus a `sources.csv` registry, and writes the TOML library format: one
//! file per domain (the first tag), `sources.toml`, and the default `synonyms.toml`. The new
//! library is written into a temporary folder beside the target, loaded and validated there,
//! and only then renamed into place, so a failed import leaves nothing half-written.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::load::{DEFAULT_SYNONYMS, SOURCES_FILE, SYNONYMS_FILE};
use super::{id_problem, load_library, Citation, Library, ShortAnswer};
use crate::error::{Error, Location, Result};

/// One row of a spreadsheet export, with the line (CSV) or row (workbook) it came from.
#[derive(Debug, Clone)]
struct Record {
    line: usize,
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
    pub files: Vec<PathBuf>,
}

/// Import `file` (and the sources registry `sources`, default `sources.csv` beside it) into the
/// library folder `into`. An existing non-empty `into` is replaced only with `force`.
pub fn import(
    file: &Path,
    sources: Option<&Path>,
    into: &Path,
    force: bool,
) -> Result<(Library, ImportSummary)> {
    let sources_path = match sources {
        Some(p) => p.to_path_buf(),
        None => {
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
            beside
        }
    };
    let rows = read_records(file)?;
    let source_rows = read_records(&sources_path)?;
    require_columns(file, &rows, &["id", "question", "answer", "sources"])?;
    require_columns(
        &sources_path,
        &source_rows,
        &["doc_id", "title", "date", "kind"],
    )?;

    // The folder an import replaces must not hold what it imports (`--into lib --force` on
    // `lib/answers.csv` would delete the export it reads).
    for input in [file, sources_path.as_path()] {
        if inside(input, into) {
            return Err(Error::Usage(format!(
                "{} is inside {}, which the import replaces; import into another folder",
                input.display(),
                into.display()
            )));
        }
    }

    let sources_toml = render_sources(&sources_path, &source_rows)?;
    let by_file = render_entries(file, &rows)?;

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
        (PathBuf::from(SYNONYMS_FILE), DEFAULT_SYNONYMS.to_string()),
    ];
    // Entries live under topics/, apart from the registry files at the top: no tag can name
    // a topic file that takes the place of sources.toml or synonyms.toml.
    for (name, text) in by_file {
        files.push((Path::new(TOPICS_DIR).join(format!("{name}.toml")), text));
    }
    let written: Vec<PathBuf> = files.iter().map(|(p, _)| into.join(p)).collect();
    let library = crate::atomic::replace_dir(into, |tmp| {
        std::fs::create_dir_all(tmp.join(TOPICS_DIR))
            .map_err(|e| crate::atomic::write_error(into, &e))?;
        for (rel, text) in &files {
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

fn require_columns(path: &Path, rows: &[Record], cols: &[&str]) -> Result<()> {
    let Some(first) = rows.first() else {
        return Err(Error::input(
            Location::file(path),
            "no data rows below the header",
        ));
    };
    for c in cols {
        if !first.fields.contains_key(*c) {
            return Err(Error::input(
                Location::file(path).line(1),
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
    let Some((max_row, max_col)) = grid.extent() else {
        return Err(Error::input(Location::file(path), "no data"));
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
            out.push(Record {
                line: r as usize + 1,
                fields,
            });
        }
    }
    Ok(out)
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn render_sources(path: &Path, rows: &[Record]) -> Result<String> {
    let mut out = String::from("# Source documents that answers cite (imported).\n");
    for r in rows {
        let loc = Location::file(path).line(r.line);
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

fn render_entries(path: &Path, rows: &[Record]) -> Result<BTreeMap<String, String>> {
    let mut by_file: BTreeMap<String, String> = BTreeMap::new();
    for r in rows {
        let loc = Location::file(path).line(r.line);
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
        let text = by_file
            .entry(domain.clone())
            .or_insert_with(|| format!("# Domain: {domain} (imported from {})\n", file_name(path)));
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
