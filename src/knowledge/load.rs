//! Library files → validated `Library`.
//!
//! A library is a folder of TOML files: `sources.toml` (the documents answers cite),
//! `synonyms.toml` (optional; the built-in domain thesaurus is used when it is absent) and any
//! number of topic files holding `[[entry]]` tables. Loading checks everything a reviewer
//! would otherwise trip over later (duplicate ids, unknown cited documents, empty answers, bad
//! dates, unknown short answers, unknown keys) and reports every problem with `file:line`.
//! It never half-succeeds: one invalid entry fails the whole load.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::facts::{Facts, FACTS_FILE};
use super::{
    id_problem, is_iso_date, Citation, Entry, Library, ShortAnswer, Source, SynonymGroup,
    SOURCE_KINDS,
};
use crate::error::{Error, Location, Result};

pub const SOURCES_FILE: &str = "sources.toml";
pub const SYNONYMS_FILE: &str = "synonyms.toml";

/// The domain thesaurus shipped with Vouch, used when a library has no `synonyms.toml`
/// and written into libraries created by `vouch library import`.
pub const DEFAULT_SYNONYMS: &str = include_str!("../../knowledge/synonyms.toml");

/// At most this many problems are listed before loading gives up.
const MAX_PROBLEMS: usize = 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourcesFile {
    #[serde(default)]
    source: Vec<Spanned<Source>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymsFile {
    #[serde(default)]
    group: Vec<Spanned<SynonymGroup>>,
    #[serde(default)]
    filler: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicFile {
    #[serde(default)]
    entry: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    question: String,
    #[serde(default)]
    alternates: Vec<String>,
    answer: String,
    #[serde(default)]
    short_answer: Option<String>,
    #[serde(default)]
    citations: Vec<Citation>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    reviewed: Option<toml::Value>,
}

/// The library files under `root`: every `*.toml` file, sorted, skipping dot-folders
/// (such as the index cache) so that the order, and so the content hash, is stable.
pub fn library_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    collect_toml(root, &mut out)?;
    out.sort();
    Ok(out)
}

fn collect_toml(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let rd = std::fs::read_dir(dir).map_err(|e| {
        Error::library(
            Location::file(dir),
            format!("cannot read library folder: {e}"),
        )
    })?;
    for item in rd {
        let item = item
            .map_err(|e| Error::library(Location::file(dir), format!("cannot list folder: {e}")))?;
        let path = item.path();
        let name = item.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let ft = item
            .file_type()
            .map_err(|e| Error::library(Location::file(&path), e.to_string()))?;
        if ft.is_dir() {
            collect_toml(&path, out)?;
        } else if path.extension().and_then(|e| e.to_str()) == Some("toml") {
            // A pipe or device named `x.toml` (or a symlink to one) would block whoever reads
            // it (the loader, the index fingerprint): refuse it here, by name.
            let meta = std::fs::metadata(&path).map_err(|e| {
                Error::library(
                    Location::file(&path),
                    format!("cannot read: {}", crate::sheet::input::io_reason(&e)),
                )
            })?;
            if let Some(why) = crate::sheet::input::not_regular(&meta) {
                return Err(Error::library(
                    Location::file(&path),
                    format!("cannot read: {why}"),
                ));
            }
            out.push(path);
        }
    }
    Ok(())
}

/// Load and validate the library in `root`. An answer that uses a fact missing from
/// `facts.toml` is an error here: it would reach a questionnaire as `{soc2.period_end}`.
pub fn load_library(root: &Path) -> Result<Library> {
    let (library, soft) = load_library_lenient(root)?;
    match soft.into_iter().next() {
        Some(first) => Err(first),
        None => Ok(library),
    }
}

/// Load the library in `root` as [`load_library`] does, except that answers using unknown
/// facts are kept (with the placeholder left in the text) and reported beside the library,
/// so that `library lint` can list them all.
pub fn load_library_lenient(root: &Path) -> Result<(Library, Vec<Error>)> {
    crate::atomic::recover_dir(root);
    if !root.is_dir() {
        return Err(Error::library(
            Location::file(root),
            "library folder not found (use --library DIR, or `vouch library import` to create one)",
        ));
    }
    let files = library_files(root)?;
    let mut problems: Vec<Error> = Vec::new();

    let sources_path = root.join(SOURCES_FILE);
    let mut sources: BTreeMap<String, Source> = BTreeMap::new();
    if sources_path.is_file() {
        let text = read_text(&sources_path)?;
        let parsed: SourcesFile = parse_toml(&sources_path, &text)?;
        let lines = Lines::new(&text);
        for s in parsed.source {
            let line = lines.line(s.span().start);
            let loc = Location::file(&sources_path).line(line);
            let s = s.into_inner();
            if let Some(why) = id_problem(&s.id) {
                problems.push(Error::library(
                    loc.clone(),
                    format!("source id '{}' {why}", s.id),
                ));
            }
            if !is_iso_date(&s.date) {
                problems.push(Error::library(
                    loc.clone(),
                    format!("source '{}': date '{}' is not YYYY-MM-DD", s.id, s.date),
                ));
            }
            if !SOURCE_KINDS.contains(&s.kind.as_str()) {
                problems.push(Error::library(
                    loc.clone(),
                    format!(
                        "source '{}': kind '{}' is not one of {}",
                        s.id,
                        s.kind,
                        SOURCE_KINDS.join(", ")
                    ),
                ));
            }
            for (what, date) in [
                ("period_end", &s.period_end),
                ("valid_until", &s.valid_until),
            ] {
                if let Some(d) = date.as_deref().filter(|d| !is_iso_date(d)) {
                    problems.push(Error::library(
                        loc.clone(),
                        format!("source '{}': {what} '{d}' is not YYYY-MM-DD", s.id),
                    ));
                }
            }
            if s.title.trim().is_empty() {
                problems.push(Error::library(
                    loc.clone(),
                    format!("source '{}' has an empty title", s.id),
                ));
            }
            if sources.contains_key(&s.id) {
                problems.push(Error::library(
                    loc,
                    format!("duplicate source id '{}'", s.id),
                ));
            } else {
                sources.insert(s.id.clone(), s);
            }
        }
    } else {
        return Err(Error::library(
            Location::file(&sources_path),
            "missing: every library needs a registry of the documents its answers cite",
        ));
    }

    let facts_path = root.join(FACTS_FILE);
    let facts = if facts_path.is_file() {
        Facts::parse(&facts_path, &read_text(&facts_path)?)?
    } else {
        Facts::default()
    };
    let mut soft: Vec<Error> = Vec::new();

    let synonyms_path = root.join(SYNONYMS_FILE);
    let (synonyms, filler) = if synonyms_path.is_file() {
        let text = read_text(&synonyms_path)?;
        parse_thesaurus(&synonyms_path, &text)?
    } else {
        parse_thesaurus(Path::new("<built-in synonyms.toml>"), DEFAULT_SYNONYMS)?
    };

    let mut entries: Vec<Entry> = Vec::new();
    let mut seen: HashMap<String, (PathBuf, usize)> = HashMap::new();
    for path in &files {
        if path == &sources_path || path == &synonyms_path || path == &facts_path {
            continue;
        }
        let text = read_text(path)?;
        let parsed: TopicFile = parse_toml(path, &text)?;
        let rel = path.strip_prefix(root).unwrap_or(path).to_path_buf();
        let lines = Lines::new(&text);
        for raw in parsed.entry {
            let line = lines.line(raw.span().start);
            let loc = Location::file(path).line(line);
            match validate_entry(raw.into_inner(), &sources, &loc) {
                Ok(mut e) => {
                    if let Some((p, l)) = seen.get(&e.id) {
                        problems.push(Error::library(
                            loc,
                            format!(
                                "duplicate entry id '{}' (first defined at {}:{l})",
                                e.id,
                                p.display()
                            ),
                        ));
                        continue;
                    }
                    seen.insert(e.id.clone(), (path.clone(), line));
                    e.file = rel.clone();
                    e.line = line;
                    if super::facts::is_template(&e.answer) {
                        let (text, unknown) = super::facts::substitute(&e.answer, &facts);
                        for name in unknown {
                            let base = name.split_once(':').map_or(name.as_str(), |(b, _)| b);
                            let why = if facts.get(base).is_some() {
                                format!("but the fact '{base}' is not a date")
                            } else {
                                format!("which is not in {FACTS_FILE}")
                            };
                            soft.push(Error::library(
                                loc.clone(),
                                format!("entry '{}' uses the fact {{{name}}}, {why}", e.id),
                            ));
                        }
                        e.template = Some(std::mem::replace(&mut e.answer, text));
                    }
                    entries.push(e);
                }
                Err(mut errs) => problems.append(&mut errs),
            }
            if problems.len() >= MAX_PROBLEMS {
                break;
            }
        }
    }

    if let Some(first) = problems.into_iter().next() {
        // One line per error is the contract; the first problem is the one to fix first.
        return Err(first);
    }
    if entries.is_empty() {
        return Err(Error::library(
            Location::file(root),
            "the library has no entries (add [[entry]] tables to a .toml file)",
        ));
    }
    Ok((
        Library {
            root: root.to_path_buf(),
            entries,
            sources,
            synonyms,
            filler,
            facts,
        },
        soft,
    ))
}

/// Parse a synonyms file's groups.
pub fn parse_synonyms(path: &Path, text: &str) -> Result<Vec<SynonymGroup>> {
    parse_thesaurus(path, text).map(|(groups, _)| groups)
}

/// Parse a synonyms file: its groups (each needs at least two non-empty terms) and its
/// `filler` word list.
pub fn parse_thesaurus(path: &Path, text: &str) -> Result<(Vec<SynonymGroup>, Vec<String>)> {
    let parsed: SynonymsFile = parse_toml(path, text)?;
    let filler: Vec<String> = parsed
        .filler
        .iter()
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    for g in parsed.group {
        let line = line_of(text, g.span().start);
        let g = g.into_inner();
        let plain = g.plain;
        let terms: Vec<String> = g
            .terms
            .iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        if terms.len() < 2 {
            return Err(Error::library(
                Location::file(path).line(line),
                "a synonym group needs at least two terms",
            ));
        }
        out.push(SynonymGroup { terms, plain });
    }
    Ok((out, filler))
}

fn validate_entry(
    raw: RawEntry,
    sources: &BTreeMap<String, Source>,
    loc: &Location,
) -> std::result::Result<Entry, Vec<Error>> {
    let mut errs = Vec::new();
    let mut bad = |msg: String| errs.push(Error::library(loc.clone(), msg));
    let id = raw.id.trim().to_string();
    if let Some(why) = id_problem(&id) {
        bad(format!("entry id '{id}' {why}"));
    }
    if raw.question.trim().is_empty() {
        bad(format!("entry '{id}' has an empty question"));
    }
    if raw.answer.trim().is_empty() {
        bad(format!("entry '{id}' has an empty answer"));
    }
    let short_answer = match raw.short_answer.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => match ShortAnswer::parse(s) {
            Some(v) => Some(v),
            None => {
                bad(format!(
                    "entry '{id}': short_answer '{s}' is not one of Yes, No, N/A, Partial"
                ));
                None
            }
        },
    };
    // A draft (a reviewer's own answer, learnt by `vouch review apply`) may wait for its
    // owner to cite a source; it is never drafted without review until then.
    if raw.citations.is_empty() && !raw.tags.iter().any(|t| t == super::DRAFT_TAG) {
        bad(format!(
            "entry '{id}' has no citation (every answer must say where it comes from)"
        ));
    }
    for c in &raw.citations {
        if !sources.contains_key(&c.doc) {
            bad(format!(
                "entry '{id}' cites unknown document '{}' (not in sources.toml)",
                c.doc
            ));
        }
        if let Some(why) = id_problem(&c.section) {
            bad(format!(
                "entry '{id}': citation section '{}' {why}",
                c.section
            ));
        }
    }
    let reviewed = raw.reviewed.as_ref().map(|v| match v {
        toml::Value::String(s) => s.trim().to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        other => other.to_string(),
    });
    if let Some(r) = reviewed.as_deref().filter(|r| !is_iso_date(r)) {
        bad(format!(
            "entry '{id}': reviewed date '{r}' is not a valid YYYY-MM-DD date"
        ));
    }
    let alternates: Vec<String> = raw
        .alternates
        .iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Entry {
        id,
        question: raw.question.trim().to_string(),
        alternates,
        answer: raw.answer.trim().to_string(),
        template: None,
        short_answer,
        citations: raw.citations,
        tags: raw
            .tags
            .iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        owner: raw.owner.trim().to_string(),
        reviewed,
        file: PathBuf::new(),
        line: 0,
    })
}

/// Largest library file Vouch reads.
pub const MAX_LIBRARY_FILE: u64 = 256 << 20;

/// A library file's text. Regular files only (also behind symlinks): a named pipe named
/// `x.toml` would block the read forever, so it is refused by name instead.
fn read_text(path: &Path) -> Result<String> {
    let bytes = crate::sheet::input::read_regular(path, MAX_LIBRARY_FILE, || Location::file(path))
        .map_err(|e| match e {
            Error::Input { loc, msg } => Error::library(loc, format!("cannot read: {msg}")),
            other => other,
        })?;
    String::from_utf8(bytes)
        .map_err(|_| Error::library(Location::file(path), "not valid UTF-8 text"))
}

fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
        let msg = e.message().trim().replace('\n', " ");
        Error::library(
            Location::file(path).line(line),
            format!("invalid TOML: {msg}"),
        )
    })
}

/// 1-based line number of a byte offset.
/// Line numbers of many offsets into one text: the newlines are found once, and each
/// offset's line is a binary search (a file of 500 entries would otherwise be scanned 500
/// times, which made loading a 25,000-entry library quadratic).
pub struct Lines(Vec<usize>);

impl Lines {
    pub fn new(text: &str) -> Lines {
        Lines(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    /// The 1-based line of byte `offset`, as [`line_of`] counts it.
    pub fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_agree_with_counting() {
        let text = "a\nbb\n\nccc\n";
        let lines = Lines::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(lines.line(offset), line_of(text, offset), "offset {offset}");
        }
    }

    fn lib(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<Library>) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let r = load_library(dir.path());
        (dir, r)
    }

    const SOURCES: &str = r#"
[[source]]
id = "policy"
title = "Security Policy"
date = "2026-01-01"
kind = "policy"
"#;

    fn entry(id: &str, extra: &str) -> String {
        format!(
            r#"
[[entry]]
id = "{id}"
question = "Do you encrypt data?"
answer = "Yes. Always."
short_answer = "Yes"
citations = [{{ doc = "policy", section = "3.1" }}]
tags = ["cryptography"]
owner = "security@example.com"
reviewed = "2026-01-02"
{extra}
"#
        )
    }

    #[test]
    fn loads_a_valid_library() {
        let (_d, r) = lib(&[("sources.toml", SOURCES), ("a.toml", &entry("enc", ""))]);
        let l = r.unwrap();
        assert_eq!(l.entries.len(), 1);
        assert_eq!(l.entries[0].line, 2);
        assert!(!l.synonyms.is_empty(), "built-in synonyms are used");
    }

    #[test]
    fn duplicate_ids_name_both_places() {
        let two = format!("{}{}", entry("enc", ""), entry("enc", ""));
        let (_d, r) = lib(&[("sources.toml", SOURCES), ("a.toml", &two)]);
        let msg = r.unwrap_err().to_string();
        assert!(msg.contains("a.toml:13"), "{msg}");
        assert!(msg.contains("duplicate entry id 'enc'"), "{msg}");
    }

    #[test]
    fn unknown_document_is_refused() {
        let e = entry("enc", "").replace("doc = \"policy\"", "doc = \"nope\"");
        let (_d, r) = lib(&[("sources.toml", SOURCES), ("a.toml", &e)]);
        let msg = r.unwrap_err().to_string();
        assert!(msg.contains("unknown document 'nope'"), "{msg}");
    }

    #[test]
    fn bad_short_answer_date_and_empty_answer() {
        for (from, to, want) in [
            (
                "short_answer = \"Yes\"",
                "short_answer = \"Maybe\"",
                "short_answer 'Maybe'",
            ),
            ("2026-01-02", "2026-02-30", "reviewed date"),
            (
                "answer = \"Yes. Always.\"",
                "answer = \"  \"",
                "empty answer",
            ),
        ] {
            let e = entry("enc", "").replace(from, to);
            let (_d, r) = lib(&[("sources.toml", SOURCES), ("a.toml", &e)]);
            let msg = r.unwrap_err().to_string();
            assert!(msg.contains(want), "{msg}");
            assert!(msg.contains("a.toml:2"), "{msg}");
        }
    }

    #[test]
    fn broken_toml_and_unknown_keys_name_the_line() {
        let (_d, r) = lib(&[("sources.toml", SOURCES), ("a.toml", "[[entry]]\nid = \n")]);
        let msg = r.unwrap_err().to_string();
        assert!(msg.contains("a.toml:2"), "{msg}");
        let e = entry("enc", "colour = \"blue\"");
        let (_d, r) = lib(&[("sources.toml", SOURCES), ("a.toml", &e)]);
        assert!(r.unwrap_err().to_string().contains("colour"));
    }

    #[test]
    fn answers_use_facts_and_unknown_facts_are_refused() {
        let facts = "[soc2]\nperiod_end = 2026-08-31\n";
        let e = entry("enc", "").replace("Yes. Always.", "Yes. Through {soc2.period_end}.");
        let (_d, r) = lib(&[
            ("sources.toml", SOURCES),
            ("facts.toml", facts),
            ("a.toml", &e),
        ]);
        let l = r.unwrap();
        assert_eq!(l.entries[0].answer, "Yes. Through 2026-08-31.");
        assert_eq!(
            l.entries[0].written_answer(),
            "Yes. Through {soc2.period_end}."
        );
        let e = e.replace("soc2.period_end", "soc2.period_ends");
        let (d, r) = lib(&[
            ("sources.toml", SOURCES),
            ("facts.toml", facts),
            ("a.toml", &e),
        ]);
        let msg = r.unwrap_err().to_string();
        assert!(
            msg.contains("a.toml:2") && msg.contains("{soc2.period_ends}"),
            "{msg}"
        );
        let (l, soft) = load_library_lenient(d.path()).unwrap();
        assert_eq!(soft.len(), 1);
        assert_eq!(l.entries[0].answer, "Yes. Through {soc2.period_ends}.");
    }

    #[test]
    fn missing_sources_is_an_error() {
        let (_d, r) = lib(&[("a.toml", &entry("enc", ""))]);
        assert!(r.unwrap_err().to_string().contains("sources.toml"));
    }

    #[test]
    fn line_numbers() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
