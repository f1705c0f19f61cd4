//! A reviewer's decisions, and the sidecar file that keeps them the moment they are made.
//!
//! A review is a person's work of an hour or more, so no decision may be lost to a closed
//! browser, a killed server or a crash: each one is appended as a JSON line to
//! `NAME.review.decisions.jsonl` beside the review workbook and flushed to disk before it is
//! confirmed. The file is only ever appended to; a torn last line (a crash mid-write) is
//! ignored when it is read, and the latest decision for a row wins. Excel is the other way
//! to decide: the review workbook's `Decision` column, whose words ("accept", "2", "n/a",
//! "skip", or a replacement answer) read as the same [`Action`]s.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};

/// What a reviewer decided for one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// The proposal (candidate 1) is right.
    Accept,
    /// Candidate `n` (1-based as the review shows them: 1 is the proposal) is right.
    Candidate { n: u8 },
    /// Another library entry, found by searching, is right.
    Entry { id: String },
    /// The question does not apply.
    NotApplicable,
    /// Leave it for later: nothing is written.
    Skip,
    /// The reviewer's own answer text.
    Text { text: String },
}

impl Action {
    /// Read the review workbook's `Decision` cell: `accept`, a candidate's number (`2`,
    /// `candidate 2`, `Accept candidate 2`), `n/a`, `skip`, `reject`, or any other text as the
    /// replacement answer. Blank: no decision.
    pub fn from_cell(cell: &str) -> Option<Action> {
        let t = cell.trim();
        if t.is_empty() {
            return None;
        }
        let l = t.to_lowercase();
        let l = l.trim_end_matches('.');
        let number = l
            .strip_prefix("accept candidate")
            .or_else(|| l.strip_prefix("candidate"))
            .or_else(|| l.strip_prefix('#'))
            .unwrap_or(l)
            .trim();
        if let Ok(n) = number.parse::<u8>() {
            if (1..=9).contains(&n) {
                return Some(if n == 1 {
                    Action::Accept
                } else {
                    Action::Candidate { n }
                });
            }
        }
        Some(match l {
            "accept" | "accepted" | "ok" | "yes, accept" => Action::Accept,
            "n/a" | "na" | "not applicable" => Action::NotApplicable,
            "skip" | "reject" | "rejected" | "later" => Action::Skip,
            // "Edit" from the dropdown with no text: nothing decided yet.
            "edit" => return None,
            _ => Action::Text {
                text: t.to_string(),
            },
        })
    }

    /// A short description for people: "accepted", "candidate 2", "N/A", ...
    pub fn describe(&self) -> String {
        match self {
            Action::Accept => "accepted".into(),
            Action::Candidate { n } => format!("candidate {n}"),
            Action::Entry { id } => format!("entry {id}"),
            Action::NotApplicable => "N/A".into(),
            Action::Skip => "skipped".into(),
            Action::Text { .. } => "own answer".into(),
        }
    }
}

/// One decision, as kept in the sidecar and the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The questionnaire's sheet and 1-based row the decision is for.
    pub sheet: String,
    pub row: u32,
    #[serde(flatten)]
    pub action: Action,
    /// Who decided (the reviewer's name, else the login name).
    pub who: String,
    /// When, as UTC `YYYY-MM-DDTHH:MM:SSZ`.
    pub when: String,
    /// Where: `browser` or `excel`.
    pub via: String,
}

/// The sidecar of a review workbook: `NAME.review.xlsx` → `NAME.review.decisions.jsonl`.
pub fn sidecar_path(review: &Path) -> PathBuf {
    let stem = review
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    review.with_file_name(format!("{stem}.decisions.jsonl"))
}

/// Append `d` to the sidecar at `path` and flush it to disk before returning.
pub fn append(path: &Path, d: &Decision) -> Result<()> {
    let line = serde_json::to_string(d)
        .map_err(|e| Error::internal(format!("cannot encode a decision: {e}")))?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| crate::atomic::write_error(path, &e))?;
    f.write_all(format!("{line}\n").as_bytes())
        .and_then(|_| f.sync_data())
        .map_err(|e| crate::atomic::write_error(path, &e))
}

/// Every decision in the sidecar at `path`, in the order made (none when there is no file).
/// A torn last line is skipped; any other bad line is an error naming it.
pub fn load(path: &Path) -> Result<Vec<Decision>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::input(
                Location::file(path),
                format!("cannot read: {e}"),
            ))
        }
    };
    let lines: Vec<&str> = text.lines().collect();
    let complete = text.ends_with('\n');
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Decision>(line) {
            Ok(d) => out.push(d),
            // Written but cut short by a crash: never confirmed, so not a decision.
            Err(_) if i + 1 == lines.len() && !complete => {}
            Err(e) => {
                return Err(Error::input(
                    Location::file(path).line(i + 1),
                    format!("not a decision: {e}"),
                ))
            }
        }
    }
    Ok(out)
}

/// The latest decision of each (sheet, row), in first-decided order.
pub fn latest(decisions: impl IntoIterator<Item = Decision>) -> Vec<Decision> {
    let mut out: Vec<Decision> = Vec::new();
    for d in decisions {
        match out
            .iter_mut()
            .find(|o| o.sheet == d.sheet && o.row == d.row)
        {
            Some(o) if d.when >= o.when => *o = d,
            Some(_) => {}
            None => out.push(d),
        }
    }
    out
}

/// The reviewer's name: `--reviewer`, else `$VOUCH_REVIEWER`, else the login name.
pub fn reviewer(flag: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(|| std::env::var("VOUCH_REVIEWER").ok())
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "reviewer".into())
}

/// Now, as UTC `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    timestamp(secs)
}

/// `secs` since 1970 as UTC `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian calendar).
pub fn timestamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_words_read_as_actions() {
        assert_eq!(Action::from_cell(" Accept "), Some(Action::Accept));
        assert_eq!(Action::from_cell("1"), Some(Action::Accept));
        assert_eq!(
            Action::from_cell("Accept candidate 2"),
            Some(Action::Candidate { n: 2 })
        );
        assert_eq!(Action::from_cell("3"), Some(Action::Candidate { n: 3 }));
        assert_eq!(Action::from_cell("N/A"), Some(Action::NotApplicable));
        assert_eq!(Action::from_cell("skip"), Some(Action::Skip));
        assert_eq!(Action::from_cell("Reject"), Some(Action::Skip));
        assert_eq!(Action::from_cell(""), None);
        assert_eq!(Action::from_cell("Edit"), None);
        assert_eq!(
            Action::from_cell("No, we do not process card data."),
            Some(Action::Text {
                text: "No, we do not process card data.".into()
            })
        );
        // A number that is not a candidate is an answer ("12" months).
        assert_eq!(
            Action::from_cell("12"),
            Some(Action::Text { text: "12".into() })
        );
    }

    #[test]
    fn timestamps_are_utc_civil_dates() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(timestamp(1_796_469_045), "2026-12-05T11:10:45Z");
    }

    #[test]
    fn sidecar_appends_keeps_the_latest_and_skips_a_torn_line() {
        let d = tempfile::tempdir().unwrap();
        let review = d.path().join("q.review.xlsx");
        let p = sidecar_path(&review);
        assert_eq!(p.file_name().unwrap(), "q.review.decisions.jsonl");
        let mk = |row, action, when: &str| Decision {
            sheet: "S".into(),
            row,
            action,
            who: "ana".into(),
            when: when.into(),
            via: "browser".into(),
        };
        append(&p, &mk(3, Action::Accept, "2026-12-05T10:00:00Z")).unwrap();
        append(&p, &mk(4, Action::Skip, "2026-12-05T10:00:01Z")).unwrap();
        append(
            &p,
            &mk(
                3,
                Action::Text {
                    text: "No.\n\"quoted\"".into(),
                },
                "2026-12-05T10:00:02Z",
            ),
        )
        .unwrap();
        let all = load(&p).unwrap();
        assert_eq!(all.len(), 3);
        let l = latest(all.clone());
        assert_eq!(l.len(), 2);
        assert_eq!(
            l[0].action,
            Action::Text {
                text: "No.\n\"quoted\"".into()
            }
        );
        // A crash mid-write leaves a torn line: it was never confirmed, so it is skipped.
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"sheet\":\"S\",\"row\":9,\"act").unwrap();
        assert_eq!(load(&p).unwrap(), all);
        // A bad line in the middle is an error naming the line.
        std::fs::write(&p, "garbage\n{}\n").unwrap();
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
        assert!(load(&d.path().join("none.jsonl")).unwrap().is_empty());
    }
}
