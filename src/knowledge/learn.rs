//! Learning from a review: the library grows by what reviewers decide.
//!
//! Each review decision is evidence a library can keep. An entry a reviewer accepted (or
//! chose among the candidates) for an incoming question gains that question as a new
//! alternate phrasing, so the next questionnaire that asks it the same way is matched at
//! once. A reviewer's own answer becomes a `draft` entry in `drafts.toml`, which is matched
//! but never drafted without review until its owner confirms it and cites a source. The
//! files are edited with toml_edit, which keeps every comment and format it does not touch,
//! so the library diff holds only the new lines; every edit is written atomically. Every
//! decision is also appended to `review-history.jsonl`, so an auditor can see why an answer
//! was given: who decided, when, the question, the entry, and the answer before and after.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use toml_edit::{Array, DocumentMut, Item, Value};

use super::{Entry, DRAFT_TAG};
use crate::error::{Error, Location, Result};

/// The file draft entries are added to, in the library's folder.
pub const DRAFTS_FILE: &str = "drafts.toml";
/// The decision history, in the library's folder.
pub const HISTORY_FILE: &str = "review-history.jsonl";

/// Questions compared as a person would: case, spacing and end punctuation aside.
pub fn same_question(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .trim_end_matches(['?', '.', ':', ' '])
            .to_lowercase()
    };
    norm(a) == norm(b)
}

fn read(path: &Path) -> Result<DocumentMut> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::library(Location::file(path), format!("cannot read: {e}")))?;
    text.parse::<DocumentMut>()
        .map_err(|e| Error::library(Location::file(path), format!("not valid TOML: {e}")))
}

fn write(path: &Path, doc: &DocumentMut) -> Result<()> {
    crate::atomic::write_bytes(path, doc.to_string().as_bytes())
}

/// Add `question` as an alternate phrasing of `entry` (in the file of `library` it was loaded
/// from). Returns false, changing nothing, when the entry already has that phrasing.
pub fn add_alternate(library: &Path, entry: &Entry, question: &str) -> Result<bool> {
    let question = question.trim();
    if question.is_empty() || entry.phrasings().any(|p| same_question(p, question)) {
        return Ok(false);
    }
    let path = &library.join(&entry.file);
    let mut doc = read(path)?;
    let table = doc
        .get_mut("entry")
        .and_then(Item::as_array_of_tables_mut)
        .and_then(|a| {
            a.iter_mut()
                .find(|t| t.get("id").and_then(Item::as_str) == Some(entry.id.as_str()))
        })
        .ok_or_else(|| {
            Error::library(
                Location::file(path),
                format!("entry '{}' is no longer in this file", entry.id),
            )
        })?;
    match table.get_mut("alternates").and_then(Item::as_array_mut) {
        Some(alts) => push_like_the_others(alts, question),
        None => {
            let mut alts = Array::new();
            push_like_the_others(&mut alts, question);
            // After the question, where people look for it.
            table.insert("alternates", Item::Value(Value::Array(alts)));
            table.sort_values_by(|a, _, b, _| rank_key(a.get()).cmp(&rank_key(b.get())));
        }
    }
    write(path, &doc)?;
    Ok(true)
}

/// Keys in the order the library's files write them; others after, as they were.
fn rank_key(key: &str) -> usize {
    ["id", "question", "alternates", "answer"]
        .iter()
        .position(|k| *k == key)
        .unwrap_or(4)
}

/// Push `text` onto `alts`, one per line as the library writes them (`  "…",`), or inline
/// when the array is written inline.
fn push_like_the_others(alts: &mut Array, text: &str) {
    let multiline = alts.is_empty()
        || alts.iter().any(|v| {
            v.decor()
                .prefix()
                .and_then(|p| p.as_str())
                .is_some_and(|p| p.contains('\n'))
        });
    alts.push(text);
    if multiline {
        let n = alts.len();
        if let Some(v) = alts.get_mut(n - 1) {
            v.decor_mut().set_prefix("\n  ");
            v.decor_mut().set_suffix("");
        }
        alts.set_trailing_comma(true);
        alts.set_trailing("\n");
    }
}

/// A new draft entry for a reviewer's own answer.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    pub question: &'a str,
    pub answer: &'a str,
    pub who: &'a str,
    pub when: &'a str,
    /// The questionnaire it was written for.
    pub source: &'a str,
}

/// Add `draft` to `drafts.toml` in `library` as a new entry (the file is made when missing;
/// the entry is appended, so nothing else in the file changes) and return its id and true.
/// `existing` are the library's entries: the new id is none of theirs. When the library
/// already holds a draft with the same question and answer, nothing is added and its id is
/// returned with false.
pub fn add_draft(library: &Path, draft: &Draft<'_>, existing: &[Entry]) -> Result<(String, bool)> {
    if let Some(e) = existing.iter().find(|e| {
        e.is_draft() && same_question(&e.question, draft.question) && e.answer == draft.answer
    }) {
        return Ok((e.id.clone(), false));
    }
    let path = library.join(DRAFTS_FILE);
    let mut text = if path.is_file() {
        std::fs::read_to_string(&path)
            .map_err(|e| Error::library(Location::file(&path), format!("cannot read: {e}")))?
    } else {
        "# Answers reviewers wrote themselves (`vouch review apply`). Each is a draft: matched,\n\
         # but never drafted without review until its owner confirms it, cites a source and\n\
         # removes the \"draft\" tag.\n"
            .to_string()
    };
    let current = text
        .parse::<DocumentMut>()
        .map_err(|e| Error::library(Location::file(&path), format!("not valid TOML: {e}")))?;
    let id = new_id(draft.question, existing, &current);
    let mut t = toml_edit::Table::new();
    t.insert("id", toml_edit::value(id.clone()));
    t.insert("question", toml_edit::value(draft.question.trim()));
    t.insert("answer", toml_edit::value(draft.answer.trim()));
    if let Some(s) = short_answer(draft.answer) {
        t.insert("short_answer", toml_edit::value(s));
    }
    let mut tags = Array::new();
    tags.push(DRAFT_TAG);
    t.insert("tags", toml_edit::value(tags));
    t.insert("owner", toml_edit::value(""));
    let mut a = toml_edit::ArrayOfTables::new();
    a.push(t);
    let mut one = DocumentMut::new();
    one.insert("entry", Item::ArrayOfTables(a));
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "\n# Written by {} on {} for {}; owner to confirm.\n{one}",
        one_line(draft.who),
        &draft.when[..draft.when.len().min(10)],
        one_line(draft.source)
    ));
    crate::atomic::write_bytes(&path, text.as_bytes())?;
    Ok((id, true))
}

/// Text for a TOML comment: one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The short answer an own answer opens with ("Yes." / "No, ..."), if any.
fn short_answer(answer: &str) -> Option<&'static str> {
    let first = answer
        .split(|c: char| !c.is_alphanumeric() && c != '/')
        .find(|w| !w.is_empty())?;
    match first.to_ascii_lowercase().as_str() {
        "yes" => Some("Yes"),
        "no" => Some("No"),
        "n/a" => Some("N/A"),
        _ => None,
    }
}

/// `draft-` and the question's first words, made unique among the library's ids and the
/// drafts file's.
fn new_id(question: &str, existing: &[Entry], doc: &DocumentMut) -> String {
    let words: Vec<String> = question
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(6)
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let base = if words.is_empty() {
        "draft".to_string()
    } else {
        format!("draft-{}", words.join("-"))
    };
    let in_doc = |id: &str| {
        doc.get("entry")
            .and_then(Item::as_array_of_tables)
            .is_some_and(|a| {
                a.iter()
                    .any(|t| t.get("id").and_then(Item::as_str) == Some(id))
            })
    };
    let taken = |id: &str| existing.iter().any(|e| e.id == id) || in_doc(id);
    let mut id = base.clone();
    let mut n = 2;
    while taken(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// One line of the decision history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryLine<'a> {
    pub when: &'a str,
    pub who: &'a str,
    pub questionnaire: &'a str,
    pub sheet: &'a str,
    pub row: u32,
    pub question: &'a str,
    /// What was decided ("accepted", "candidate 2", "own answer", "N/A").
    pub decision: String,
    /// The entry answered with (None for N/A).
    pub entry: Option<String>,
    /// The proposal before the decision, and the answer written after it.
    pub before: Option<&'a str>,
    pub after: &'a str,
}

/// Append `lines` to the library's decision history, flushed to disk.
pub fn record(library: &Path, lines: &[HistoryLine<'_>]) -> Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let path = library.join(HISTORY_FILE);
    let mut out = String::new();
    for l in lines {
        let json = serde_json::to_string(l)
            .map_err(|e| Error::internal(format!("cannot encode history: {e}")))?;
        out.push_str(&json);
        out.push('\n');
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| crate::atomic::write_error(&path, &e))?;
    f.write_all(out.as_bytes())
        .and_then(|_| f.sync_data())
        .map_err(|e| crate::atomic::write_error(&path, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"# Encryption. Domain: cryptography.

[[entry]]
id = "enc"
question = "Do you encrypt data at rest?"
alternates = [
  "Is stored data encrypted?",
]
answer = "Yes." # kept
citations = [{ doc = "policy", section = "1" }]

[[entry]]
id = "tls"
question = "Which TLS versions?"
answer = "1.2 and 1.3."
citations = [{ doc = "policy", section = "2" }]
"#;

    fn setup() -> (tempfile::TempDir, Vec<Entry>) {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("crypto.toml"), FILE).unwrap();
        std::fs::write(
            d.path().join("sources.toml"),
            "[[source]]\nid = \"policy\"\ntitle = \"Policy\"\nversion = \"1\"\ndate = \"2026-01-01\"\nkind = \"policy\"\n",
        )
        .unwrap();
        let lib = crate::knowledge::load_library(d.path()).unwrap();
        (d, lib.entries)
    }

    #[test]
    fn alternates_are_added_as_one_line_each_and_nothing_else_changes() {
        let (d, entries) = setup();
        let path = d.path().join("crypto.toml");
        let enc = entries.iter().find(|e| e.id == "enc").unwrap();
        assert!(add_alternate(d.path(), enc, "Is customer data encrypted when stored?").unwrap());
        let after = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            after,
            FILE.replace(
                "  \"Is stored data encrypted?\",\n",
                "  \"Is stored data encrypted?\",\n  \"Is customer data encrypted when stored?\",\n"
            )
        );
        // Already a phrasing (case and end punctuation aside): nothing changes.
        assert!(!add_alternate(d.path(), enc, "is stored data encrypted").unwrap());
        // An entry without alternates gets the array after its question.
        let tls = entries.iter().find(|e| e.id == "tls").unwrap();
        assert!(add_alternate(d.path(), tls, "Is TLS 1.0 disabled?").unwrap());
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(
            after.contains(
                "question = \"Which TLS versions?\"\nalternates = [\n  \"Is TLS 1.0 disabled?\",\n]\nanswer"
            ),
            "{after}"
        );
        let lib = crate::knowledge::load_library(d.path()).unwrap();
        let tls = lib.entries.iter().find(|e| e.id == "tls").unwrap();
        assert_eq!(tls.alternates, vec!["Is TLS 1.0 disabled?"]);
    }

    #[test]
    fn own_answers_become_drafts_that_load() {
        let (d, entries) = setup();
        let draft = Draft {
            question: "Do you process card data?",
            answer: "No. Card payments go through Stripe; we never see card numbers.",
            who: "ana",
            when: "2026-12-05T10:00:00Z",
            source: "vendor.xlsx",
        };
        let (id, added) = add_draft(d.path(), &draft, &entries).unwrap();
        assert!(added);
        assert_eq!(id, "draft-do-you-process-card-data");
        let lib = crate::knowledge::load_library(d.path()).unwrap();
        let e = lib.entries.iter().find(|e| e.id == id).unwrap();
        assert!(e.is_draft());
        assert_eq!(e.short_answer, Some(crate::knowledge::ShortAnswer::No));
        assert_eq!(e.answer, draft.answer);
        // The same draft again: nothing added. Another answer: a second id.
        assert_eq!(
            add_draft(d.path(), &draft, &lib.entries).unwrap(),
            (id.clone(), false)
        );
        let other = Draft {
            answer: "Yes, through Stripe.",
            ..draft
        };
        let (id2, _) = add_draft(d.path(), &other, &lib.entries).unwrap();
        assert_eq!(id2, "draft-do-you-process-card-data-2");
        let text = std::fs::read_to_string(d.path().join(DRAFTS_FILE)).unwrap();
        assert_eq!(text.matches("[[entry]]").count(), 2, "{text}");
        assert!(text.starts_with("# Answers reviewers wrote themselves"));
        assert!(text.contains("# Written by ana on 2026-12-05 for vendor.xlsx"));
    }
}
