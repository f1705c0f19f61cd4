//! The answer library as plain data.
//!
//! An `Entry` is one reusable answer: the question it answers (with alternate phrasings), the
//! answer text, a short answer, and the citations that say where the answer comes from. A
//! `Library` is every entry plus the registry of cited source documents and the synonym
//! groups used by matching. `load` builds a `Library` from TOML files and refuses anything
//! invalid; `import` turns a spreadsheet export into those TOML files. Nothing here matches,
//! indexes or prints.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub mod add;
pub mod answered;
pub mod export;
pub mod facts;
pub mod frameworks;
pub mod history;
pub mod import;
pub mod learn;
pub mod load;
pub mod stats;
pub mod stats_html;

pub use load::load_library;

/// The tag of a draft entry: a reviewer's own answer that its owner has yet to confirm (and
/// cite). A draft is matched like any entry but never drafted without review.
pub const DRAFT_TAG: &str = "draft";

/// Name of the folder, inside a library, that holds the derived search index.
pub const INDEX_DIR: &str = ".vouch-index";

/// The short answer of an entry, as a questionnaire's Yes/No column wants it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShortAnswer {
    Yes,
    No,
    #[serde(rename = "N/A")]
    NotApplicable,
    Partial,
}

impl ShortAnswer {
    pub fn parse(s: &str) -> Option<ShortAnswer> {
        match s.trim().to_ascii_lowercase().as_str() {
            "yes" => Some(ShortAnswer::Yes),
            "no" => Some(ShortAnswer::No),
            "n/a" | "na" => Some(ShortAnswer::NotApplicable),
            "partial" => Some(ShortAnswer::Partial),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ShortAnswer::Yes => "Yes",
            ShortAnswer::No => "No",
            ShortAnswer::NotApplicable => "N/A",
            ShortAnswer::Partial => "Partial",
        }
    }
}

impl fmt::Display for ShortAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an answer comes from: a registered source document and a section of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    pub doc: String,
    pub section: String,
}

impl fmt::Display for Citation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.doc, self.section)
    }
}

/// A source document that answers cite (a report, policy, certificate...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub version: String,
    pub date: String,
    pub kind: String,
    /// The last day a report covers (a SOC report's period end), when it has one. Lint warns
    /// when a report's period ended too long ago, or a bridge letter does not reach today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_end: Option<String>,
    /// The day a certificate or letter stops being valid, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

/// The kinds of source document a library may register. `questionnaire` is a past answered
/// questionnaire (a team's CAIQ or HECVAT answers cite it by question id); `other` is for what
/// fits none of these.
pub const SOURCE_KINDS: &[&str] = &[
    "report",
    "policy",
    "procedure",
    "certificate",
    "contract",
    "webpage",
    "questionnaire",
    "other",
];

/// One reusable answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub question: String,
    pub alternates: Vec<String>,
    /// The answer as a questionnaire gets it, with the library's facts substituted.
    pub answer: String,
    /// The answer as written in the library when it uses facts (`{soc2.period_end}`), else
    /// None. Lint and export read this; everything that shows or matches answers reads `answer`.
    pub template: Option<String>,
    pub short_answer: Option<ShortAnswer>,
    pub citations: Vec<Citation>,
    /// The first tag is the entry's domain; framework mappings look like `soc2:CC6.1`.
    pub tags: Vec<String>,
    pub owner: String,
    /// Last review date, `YYYY-MM-DD`; absent in imports that did not record one.
    pub reviewed: Option<String>,
    /// File (relative to the library root) and 1-based line where the entry starts.
    pub file: PathBuf,
    pub line: usize,
}

impl Entry {
    /// The answer as written in the library: the template when it uses facts.
    pub fn written_answer(&self) -> &str {
        self.template.as_deref().unwrap_or(&self.answer)
    }

    /// True for a draft (see [`DRAFT_TAG`]).
    pub fn is_draft(&self) -> bool {
        self.tags.iter().any(|t| t == DRAFT_TAG)
    }

    /// The canonical question followed by the alternates.
    pub fn phrasings(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.question.as_str()).chain(self.alternates.iter().map(|s| s.as_str()))
    }
    pub fn domain(&self) -> Option<&str> {
        self.tags.first().map(|s| s.as_str())
    }
}

/// Phrasings that mean the same thing to a questionnaire; the first is the group's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynonymGroup {
    pub terms: Vec<String>,
    /// Plain words ("client" for "customer"), not a named thing such as SOC 2 or MFA: the
    /// group reads as its first term, and does not mark what a question or entry is about.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub plain: bool,
}

/// A whole answer library, validated.
#[derive(Debug, Clone)]
pub struct Library {
    pub root: PathBuf,
    pub entries: Vec<Entry>,
    pub sources: BTreeMap<String, Source>,
    pub synonyms: Vec<SynonymGroup>,
    /// Questionnaire filler words ("established", "documented", "processes") that say little
    /// about what a question asks: matched at a low weight.
    pub filler: Vec<String>,
    /// Company facts the answers use (`facts.toml`), already substituted into the answers.
    pub facts: facts::Facts,
}

impl Library {
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }
}

/// The control id a framework mapping tag names (`soc2:CC6.1` → `CC6.1`), or None for a topic
/// or domain tag. A mapping says which control an entry serves, not what the entry is about.
pub fn control_id(tag: &str) -> Option<&str> {
    tag.split_once(':').map(|(_, id)| id)
}

/// The longest id, document id or citation section a library may use.
pub const MAX_ID_CHARS: usize = 200;

/// Why `s` cannot be an entry id, a document id or a citation section, or None when it can.
/// A team's own ids are taken as they are (`A&A-01.1`, `GNRL-01`, `SOC 2 §4.2`): any text of
/// at most 200 characters without line breaks or other control characters, and without
/// leading or trailing spaces, since people neither see nor type those.
pub fn id_problem(s: &str) -> Option<&'static str> {
    if s.is_empty() {
        Some("is empty")
    } else if s.chars().count() > MAX_ID_CHARS {
        Some("is longer than 200 characters")
    } else if s.chars().any(char::is_control) {
        Some("holds a line break or control character")
    } else if s.trim() != s {
        Some("starts or ends with a space")
    } else {
        None
    }
}

/// True for a real calendar date written `YYYY-MM-DD`.
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> { s.get(r)?.parse().ok() };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    if !s
        .bytes()
        .enumerate()
        .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2200).contains(&y) && d >= 1 && d <= days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_ids_are_taken_as_they_are() {
        for team_id in ["A&A-01.1", "GNRL-01", "SOC 2 §4.2", "encryption-at-rest"] {
            assert_eq!(id_problem(team_id), None, "{team_id}");
        }
        assert!(id_problem("").is_some());
        assert!(id_problem("a\nb").is_some());
        assert!(id_problem(" a").is_some());
        assert!(id_problem(&"x".repeat(201)).is_some());
    }

    #[test]
    fn dates() {
        assert!(is_iso_date("2026-02-28"));
        assert!(is_iso_date("2024-02-29"));
        assert!(!is_iso_date("2026-02-29"));
        assert!(!is_iso_date("2026-13-01"));
        assert!(!is_iso_date("2026-1-01"));
        assert!(!is_iso_date("26-01-01xx"));
    }

    #[test]
    fn short_answers() {
        assert_eq!(ShortAnswer::parse("n/a"), Some(ShortAnswer::NotApplicable));
        assert_eq!(ShortAnswer::parse("YES"), Some(ShortAnswer::Yes));
        assert_eq!(ShortAnswer::parse("maybe"), None);
    }
}
