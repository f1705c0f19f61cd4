//! Adding one entry to a library, as a person would by hand, without the mistakes.
//!
//! `vouch library add` takes an entry's fields, checks them against the library (a new
//! unique id, citations to registered documents, a short answer that agrees with the answer's
//! opening, phrasings that no entry already uses), and appends the entry as one `[[entry]]`
//! table at the end of its topic file, leaving every other byte of that file as it was. The
//! changed file is loaded with the rest of the library in a private copy first; only when
//! that loads is the real file replaced, atomically. On any failure nothing changes.

use std::path::{Path, PathBuf};

use toml_edit::{Array, InlineTable, Value};

use super::load::{SOURCES_FILE, SYNONYMS_FILE};
use super::{id_problem, is_iso_date, Citation, Library, ShortAnswer};
use crate::error::{Error, Location, Result};

/// A new entry as given on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEntry {
    pub id: String,
    pub question: String,
    pub alternates: Vec<String>,
    pub answer: String,
    pub short_answer: Option<ShortAnswer>,
    pub citations: Vec<Citation>,
    /// The first tag is the domain.
    pub tags: Vec<String>,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub reviewed: String,
    /// The topic file, relative to the library (None: chosen by domain, see [`topic_file`]).
    pub file: Option<PathBuf>,
}

/// Parse `doc#section` (the section may itself hold `#`: only the first splits).
pub fn parse_citation(s: &str) -> Option<Citation> {
    let (doc, section) = s.split_once('#')?;
    let (doc, section) = (doc.trim(), section.trim());
    (!doc.is_empty() && !section.is_empty()).then(|| Citation {
        doc: doc.to_string(),
        section: section.to_string(),
    })
}

/// A phrasing compared as the library's rule compares them: case and punctuation aside.
fn phrasing_key(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why an answer's opening does not agree with `short`, or None when it does (the rule of
/// `knowledge/README.md`: Yes opens "Yes." or "Yes,"; No "No." or "Not ..."; Partial
/// "Partially." or "Only ..."; N/A "Not applicable.").
pub fn short_answer_problem(short: ShortAnswer, answer: &str) -> Option<String> {
    let a = answer.trim_start();
    let opens = |p: &str| a.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    let ok = match short {
        ShortAnswer::Yes => opens("yes.") || opens("yes,"),
        ShortAnswer::No => {
            (opens("no.") || opens("no,") || opens("not ")) && !opens("not applicable")
        }
        ShortAnswer::Partial => opens("partially.") || opens("partially,") || opens("only "),
        ShortAnswer::NotApplicable => opens("not applicable.") || opens("not applicable,"),
    };
    let want = match short {
        ShortAnswer::Yes => "\"Yes.\" or \"Yes,\"",
        ShortAnswer::No => "\"No.\", \"No,\" or \"Not ...\"",
        ShortAnswer::Partial => "\"Partially.\" or \"Only ...\"",
        ShortAnswer::NotApplicable => "\"Not applicable.\"",
    };
    (!ok).then(|| format!("short answer {short} needs an answer that opens with {want}"))
}

/// Check `e` against the rules of a library entry and against `library`: the first problem,
/// as one line.
pub fn check(e: &NewEntry, library: &Library) -> std::result::Result<(), String> {
    if let Some(why) = id_problem(&e.id) {
        return Err(format!("id '{}' {why}", e.id));
    }
    if let Some(other) = library.entry(&e.id) {
        return Err(format!(
            "id '{}' is already used by the entry at {}:{}",
            e.id,
            other.file.display(),
            other.line
        ));
    }
    for (what, v) in [
        ("question", &e.question),
        ("answer", &e.answer),
        ("owner", &e.owner),
    ] {
        if v.trim().is_empty() {
            return Err(format!("the {what} is empty"));
        }
    }
    if e.question.contains('\n') || e.alternates.iter().any(|a| a.contains('\n')) {
        return Err("a question or alternate holds a line break".into());
    }
    if e.citations.is_empty() {
        return Err(
            "no citation: every answer must say where it comes from (--cite doc#section)".into(),
        );
    }
    for c in &e.citations {
        if !library.sources.contains_key(&c.doc) {
            return Err(format!(
                "--cite {c}: unknown document '{}' (not in {SOURCES_FILE}; known: {})",
                c.doc,
                library
                    .sources
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(why) = id_problem(&c.section) {
            return Err(format!("--cite {c}: the section {why}"));
        }
    }
    match e.tags.first() {
        None => return Err("no tag: the first tag is the entry's domain (--tag DOMAIN)".into()),
        Some(_) if e.tags.iter().any(|t| t.trim().is_empty() || t.trim() != t) => {
            return Err("a tag is empty or has spaces around it".into())
        }
        Some(_) => {}
    }
    if !is_iso_date(&e.reviewed) {
        return Err(format!(
            "reviewed date '{}' is not a valid YYYY-MM-DD date",
            e.reviewed
        ));
    }
    if let Some(s) = e.short_answer {
        if let Some(why) = short_answer_problem(s, &e.answer) {
            return Err(why);
        }
    }
    let mut mine: Vec<(String, &str)> = Vec::new();
    for p in std::iter::once(&e.question).chain(&e.alternates) {
        let k = phrasing_key(p);
        if k.is_empty() {
            return Err(format!("the phrasing '{p}' has no words"));
        }
        if mine.iter().any(|(m, _)| *m == k) {
            return Err(format!("the phrasing '{p}' is given twice"));
        }
        if let Some(other) = library
            .entries
            .iter()
            .find(|x| x.phrasings().any(|q| phrasing_key(q) == k))
        {
            return Err(format!(
                "the phrasing '{p}' is already used by entry '{}' ({}:{})",
                other.id,
                other.file.display(),
                other.line
            ));
        }
        mine.push((k, p));
    }
    if let Some(f) = &e.file {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let escapes = f.is_absolute()
            || f.components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)));
        if escapes || !name.ends_with(".toml") || name.starts_with('.') {
            return Err(format!(
                "--file {}: name a .toml topic file inside the library",
                f.display()
            ));
        }
        if [SOURCES_FILE, SYNONYMS_FILE, super::facts::FACTS_FILE].contains(&name)
            && f.components().count() == 1
        {
            return Err(format!(
                "--file {}: that file is not a topic file",
                f.display()
            ));
        }
    }
    Ok(())
}

/// The topic file the entry goes to: `--file`, else the file that holds most entries of its
/// domain (the first such file on a tie), else `<domain>.toml`.
pub fn topic_file(e: &NewEntry, library: &Library) -> PathBuf {
    if let Some(f) = &e.file {
        return f.clone();
    }
    let domain = e.tags.first().map(String::as_str).unwrap_or("entries");
    let mut counts: Vec<(&Path, usize)> = Vec::new();
    for x in library
        .entries
        .iter()
        .filter(|x| x.domain() == Some(domain) && !x.is_draft())
    {
        match counts.iter_mut().find(|(p, _)| *p == x.file.as_path()) {
            Some((_, n)) => *n += 1,
            None => counts.push((x.file.as_path(), 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    match counts.iter().find(|(_, n)| *n == best && best > 0) {
        Some((p, _)) => p.to_path_buf(),
        None => {
            let safe: String = domain
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            PathBuf::from(format!("{safe}.toml"))
        }
    }
}

/// The entry as the library's files write it: one `[[entry]]` table, alternates one per line.
pub fn entry_text(e: &NewEntry) -> String {
    let s = |v: &str| Value::from(v).to_string();
    let mut out = String::from("[[entry]]\n");
    out.push_str(&format!("id = {}\n", s(&e.id)));
    out.push_str(&format!("question = {}\n", s(e.question.trim())));
    if !e.alternates.is_empty() {
        out.push_str("alternates = [\n");
        for a in &e.alternates {
            out.push_str(&format!("  {},\n", s(a.trim())));
        }
        out.push_str("]\n");
    }
    out.push_str(&format!("answer = {}\n", s(e.answer.trim())));
    if let Some(sa) = e.short_answer {
        out.push_str(&format!("short_answer = {}\n", s(sa.as_str())));
    }
    let cites: Vec<String> = e
        .citations
        .iter()
        .map(|c| {
            let mut t = InlineTable::new();
            t.insert("doc", c.doc.as_str().into());
            t.insert("section", c.section.as_str().into());
            t.fmt();
            Value::InlineTable(t).to_string()
        })
        .collect();
    out.push_str(&format!("citations = [{}]\n", cites.join(", ")));
    let mut tags = Array::new();
    for t in &e.tags {
        tags.push(t.as_str());
    }
    tags.fmt();
    out.push_str(&format!("tags = {}\n", Value::Array(tags)));
    out.push_str(&format!("owner = {}\n", s(e.owner.trim())));
    out.push_str(&format!("reviewed = {}\n", s(&e.reviewed)));
    out
}

/// Add `e` to the library in `root`; returns the topic file it went to (relative to `root`).
/// Nothing changes unless the whole library, with the entry, loads.
pub fn add(root: &Path, e: &NewEntry) -> Result<PathBuf> {
    let library = super::load_library(root)?;
    check(e, &library).map_err(|why| Error::Usage(format!("entry '{}' not added: {why}", e.id)))?;
    let rel = topic_file(e, &library);
    let path = root.join(&rel);
    let mut text = if path.is_file() {
        std::fs::read_to_string(&path)
            .map_err(|err| Error::library(Location::file(&path), format!("cannot read: {err}")))?
    } else {
        format!(
            "# {}. Domain: {}.\n",
            e.tags.first().map(String::as_str).unwrap_or("Entries"),
            e.tags.first().map(String::as_str).unwrap_or("")
        )
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&entry_text(e));
    text.parse::<toml_edit::DocumentMut>()
        .map_err(|err| Error::library(Location::file(&path), format!("not valid TOML: {err}")))?;

    // Load the library with the new file in a private copy; only then replace the real one.
    let stage = tempfile::Builder::new()
        .prefix("vouch-add-")
        .tempdir()
        .map_err(|err| Error::internal(format!("cannot make a staging folder: {err}")))?;
    for p in super::load::library_files(root)? {
        let r = p.strip_prefix(root).unwrap_or(&p);
        let dest = stage.path().join(r);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|err| Error::internal(format!("cannot stage: {err}")))?;
        }
        std::fs::copy(&p, &dest)
            .map_err(|err| Error::library(Location::file(&p), format!("cannot read: {err}")))?;
    }
    let staged = stage.path().join(&rel);
    if let Some(dir) = staged.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|err| Error::internal(format!("cannot stage: {err}")))?;
    }
    std::fs::write(&staged, &text)
        .map_err(|err| Error::internal(format!("cannot stage: {err}")))?;
    let loaded = super::load_library(stage.path()).map_err(|err| {
        Error::Usage(format!(
            "entry '{}' not added: the library would not load: {err}",
            e.id
        ))
    })?;
    if loaded.entry(&e.id).is_none() {
        return Err(Error::internal(format!(
            "entry '{}' was written but not read back",
            e.id
        )));
    }
    if let Some(dir) = path.parent() {
        if !dir.is_dir() {
            std::fs::create_dir_all(dir).map_err(|err| crate::atomic::write_error(&path, &err))?;
        }
    }
    crate::atomic::write_bytes(&path, text.as_bytes())?;
    Ok(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCES: &str = "[[source]]\nid = \"policy\"\ntitle = \"Policy\"\nversion = \"1\"\ndate = \"2026-01-01\"\nkind = \"policy\"\n";
    const CRYPTO: &str = "# Crypto. Domain: cryptography.\n\n[[entry]]\nid = \"enc\" # kept\nquestion = \"Do you encrypt data at rest?\"\nanswer = \"Yes. AES-256.\"\nshort_answer = \"Yes\"\ncitations = [{ doc = \"policy\", section = \"1\" }]\ntags = [\"cryptography\"]\nowner = \"security@x\"\n";

    fn lib() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("sources.toml"), SOURCES).unwrap();
        std::fs::write(d.path().join("crypto.toml"), CRYPTO).unwrap();
        d
    }

    fn new_entry() -> NewEntry {
        NewEntry {
            id: "tls".into(),
            question: "Which TLS versions do you accept?".into(),
            alternates: vec!["Is TLS 1.0 \"disabled\"?".into()],
            answer: "TLS 1.2 and 1.3 only.".into(),
            short_answer: None,
            citations: vec![parse_citation("policy#2.1").unwrap()],
            tags: vec!["cryptography".into(), "tls".into()],
            owner: "security@x".into(),
            reviewed: "2026-11-01".into(),
            file: None,
        }
    }

    #[test]
    fn an_entry_is_appended_to_its_domain_file_and_nothing_else_changes() {
        let d = lib();
        let rel = add(d.path(), &new_entry()).unwrap();
        assert_eq!(rel, PathBuf::from("crypto.toml"));
        let text = std::fs::read_to_string(d.path().join("crypto.toml")).unwrap();
        assert!(text.starts_with(CRYPTO), "{text}");
        assert_eq!(
            &text[CRYPTO.len()..],
            "\n[[entry]]\nid = \"tls\"\nquestion = \"Which TLS versions do you accept?\"\nalternates = [\n  'Is TLS 1.0 \"disabled\"?',\n]\nanswer = \"TLS 1.2 and 1.3 only.\"\ncitations = [{ doc = \"policy\", section = \"2.1\" }]\ntags = [\"cryptography\", \"tls\"]\nowner = \"security@x\"\nreviewed = \"2026-11-01\"\n"
        );
        let l = crate::knowledge::load_library(d.path()).unwrap();
        assert_eq!(
            l.entry("tls").unwrap().alternates,
            ["Is TLS 1.0 \"disabled\"?"]
        );
        // A new domain gets its own file.
        let mut e = new_entry();
        e.id = "hr".into();
        e.question = "Do you train staff?".into();
        e.alternates.clear();
        e.tags = vec!["hr-security".into()];
        assert_eq!(
            add(d.path(), &e).unwrap(),
            PathBuf::from("hr-security.toml")
        );
    }

    #[test]
    fn what_breaks_a_rule_is_refused_and_nothing_changes() {
        let d = lib();
        let before = std::fs::read(d.path().join("crypto.toml")).unwrap();
        let cases: Vec<(NewEntry, &str)> = vec![
            (
                NewEntry {
                    id: "enc".into(),
                    ..new_entry()
                },
                "already used",
            ),
            (
                NewEntry {
                    citations: vec![parse_citation("nope#1").unwrap()],
                    ..new_entry()
                },
                "unknown document 'nope'",
            ),
            (
                NewEntry {
                    short_answer: Some(ShortAnswer::Yes),
                    ..new_entry()
                },
                "opens with",
            ),
            (
                NewEntry {
                    alternates: vec!["do you ENCRYPT data at rest".into()],
                    ..new_entry()
                },
                "already used by entry 'enc'",
            ),
            (
                NewEntry {
                    reviewed: "2026-13-01".into(),
                    ..new_entry()
                },
                "reviewed",
            ),
            (
                NewEntry {
                    file: Some("../elsewhere.toml".into()),
                    ..new_entry()
                },
                "inside the library",
            ),
        ];
        for (e, want) in cases {
            let err = add(d.path(), &e).unwrap_err().to_string();
            assert!(err.contains(want), "{want}: {err}");
            assert!(!err.contains('\n'));
        }
        assert_eq!(std::fs::read(d.path().join("crypto.toml")).unwrap(), before);
    }

    #[test]
    fn short_answers_agree_with_the_opening() {
        assert!(short_answer_problem(ShortAnswer::Yes, "Yes. We do.").is_none());
        assert!(short_answer_problem(ShortAnswer::No, "Not at this time.").is_none());
        assert!(short_answer_problem(ShortAnswer::No, "Not applicable.").is_some());
        assert!(short_answer_problem(ShortAnswer::Partial, "Only for admins.").is_none());
        assert!(
            short_answer_problem(ShortAnswer::NotApplicable, "Not applicable. No app.").is_none()
        );
        assert!(short_answer_problem(ShortAnswer::Yes, "Yesterday.").is_some());
    }

    #[test]
    fn citations_parse_at_the_first_hash() {
        assert_eq!(
            parse_citation("soc2#CC6.1"),
            Some(Citation {
                doc: "soc2".into(),
                section: "CC6.1".into()
            })
        );
        assert_eq!(parse_citation("doc#A#1").unwrap().section, "A#1");
        assert_eq!(parse_citation("doc"), None);
        assert_eq!(parse_citation("#1"), None);
    }
}
