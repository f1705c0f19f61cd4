//! Which entries fills actually use: the library's fill history.
//!
//! A library grows by accretion; nobody knows which of its answers questionnaires ask for
//! every week and which were never used. `vouch fill` appends one JSON line per filled
//! questionnaire to `<library>/.vouch-history.jsonl` (when, which questionnaire, and per row
//! the entry chosen and whether it went out `auto` or to `review`), and `library stats` counts
//! them. The history is a by-product, never a reason to fail: a library on a read-only disk
//! fills as before, with a one-line warning. It records file names and entry ids only, no
//! question or answer text, and lies outside what the loader and the index read (a dot-file,
//! not `.toml`).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};
use crate::fill::{Item, Status};

/// The history file inside a library folder.
pub const HISTORY_FILE: &str = ".vouch-history.jsonl";

/// One filled questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    /// UTC `YYYY-MM-DDTHH:MM:SSZ`.
    pub time: String,
    /// The questionnaire's file name (no folder: where it was is nobody's business here).
    pub questionnaire: String,
    pub rows: Vec<Use>,
}

/// One row of a questionnaire that an entry answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Use {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sheet: String,
    pub row: u32,
    pub entry: String,
    /// `auto` or `review`.
    pub status: String,
    /// Further entries a compound question used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<String>,
}

/// The history line for one filled questionnaire: every row whose proposal went out (`auto`)
/// or to a reviewer (`review`).
pub fn fill_record(questionnaire: &Path, items: &[Item], time: String) -> Fill {
    let rows = items
        .iter()
        .filter(|i| matches!(i.status, Status::Auto | Status::Review))
        .filter_map(|i| {
            let p = i.proposal.as_ref()?;
            Some(Use {
                sheet: i.sheet.clone(),
                row: i.row,
                entry: p.id.clone(),
                status: i.status.as_str().to_string(),
                parts: i.parts.iter().map(|p| p.id.clone()).collect(),
            })
        })
        .collect();
    Fill {
        time,
        questionnaire: questionnaire
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        rows,
    }
}

/// Append `fills` to the library's history. The file is rewritten whole through `atomic`, so
/// a killed run leaves the previous history, never half a line.
pub fn append(library: &Path, fills: &[Fill]) -> Result<()> {
    if fills.is_empty() {
        return Ok(());
    }
    let path = library.join(HISTORY_FILE);
    let mut text = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(Error::input(
                Location::file(&path),
                format!("cannot read: {e}"),
            ))
        }
    };
    if !text.is_empty() && !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    for f in fills {
        let line = serde_json::to_string(f)
            .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
        text.extend_from_slice(line.as_bytes());
        text.push(b'\n');
    }
    crate::atomic::write_bytes(&path, &text)
}

/// What `vouch fill` calls once its outputs are written: record every filled questionnaire,
/// or say in one line on stderr why the history could not be written. Never fails the fill.
pub fn record_fills<'a>(library: &Path, filled: impl IntoIterator<Item = (&'a Path, &'a [Item])>) {
    let time = crate::review::decisions::now();
    let fills: Vec<Fill> = filled
        .into_iter()
        .map(|(q, items)| fill_record(q, items, time.clone()))
        .collect();
    if let Err(e) = append(library, &fills) {
        let _ = writeln!(
            std::io::stderr(),
            "vouch: warning: fill history not recorded: {e}"
        );
    }
}

/// A library's fill history as read: the fills, and how many lines could not be read (a
/// hand-edited or truncated file is counted, not fatal).
#[derive(Debug, Clone, Default)]
pub struct History {
    pub fills: Vec<Fill>,
    pub unreadable: usize,
}

/// Read the library's history; None when there is none yet.
pub fn read(library: &Path) -> Result<Option<History>> {
    let path = library.join(HISTORY_FILE);
    let text = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::input(
                Location::file(&path),
                format!("cannot read: {e}"),
            ))
        }
    };
    let mut h = History::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Fill>(line) {
            Ok(f) => h.fills.push(f),
            Err(_) => h.unreadable += 1,
        }
    }
    Ok(Some(h))
}

/// How often each entry id was used: (auto, review), parts counted with their row's status.
pub fn use_counts(h: &History) -> BTreeMap<String, (usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for f in &h.fills {
        for u in &f.rows {
            for id in std::iter::once(&u.entry).chain(&u.parts) {
                let c = out.entry(id.clone()).or_default();
                if u.status == "auto" {
                    c.0 += 1;
                } else {
                    c.1 += 1;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(q: &str, rows: &[(&str, &str)]) -> Fill {
        Fill {
            time: "2026-12-01T10:00:00Z".into(),
            questionnaire: q.into(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, (e, s))| Use {
                    sheet: String::new(),
                    row: i as u32 + 2,
                    entry: e.to_string(),
                    status: s.to_string(),
                    parts: vec![],
                })
                .collect(),
        }
    }

    #[test]
    fn appends_reads_back_and_counts() {
        let d = tempfile::tempdir().unwrap();
        assert!(read(d.path()).unwrap().is_none());
        append(
            d.path(),
            &[fill("a.xlsx", &[("mfa", "auto"), ("sso", "review")])],
        )
        .unwrap();
        append(d.path(), &[fill("b.csv", &[("mfa", "auto")])]).unwrap();
        // A damaged line is counted and skipped.
        let p = d.path().join(HISTORY_FILE);
        let mut text = std::fs::read_to_string(&p).unwrap();
        text.push_str("{not json\n");
        std::fs::write(&p, text).unwrap();
        let h = read(d.path()).unwrap().unwrap();
        assert_eq!(h.fills.len(), 2);
        assert_eq!(h.unreadable, 1);
        let c = use_counts(&h);
        assert_eq!(c["mfa"], (2, 0));
        assert_eq!(c["sso"], (0, 1));
    }

    #[test]
    fn an_unwritable_library_is_an_error_not_a_panic() {
        let d = tempfile::tempdir().unwrap();
        let missing = d.path().join("nope");
        assert!(append(&missing, &[fill("a.csv", &[])]).is_err());
        // The call fill makes only warns (on stderr) and returns.
        let item = Item {
            sheet: "S".into(),
            row: 2,
            question: "Q?".into(),
            qid: None,
            context: vec![],
            status: Status::Unanswered,
            proposal: None,
            parts: vec![],
            alternatives: vec![],
            existing: None,
            note: None,
        };
        let items = [item];
        record_fills(&missing, [(Path::new("q.csv"), &items[..])]);
        assert!(!missing.exists());
    }
}
