//! What a library holds and where it is thin: the numbers behind `vouch library stats`.
//!
//! A compliance manager asks three questions of an answer library: how big is it and who owns
//! it (entries by topic and owner, drafts waiting for their owner), which SOC 2 criteria and
//! ISO 27001 Annex A controls have no answer at all (from the entries' framework tags), and
//! which answers questionnaires really use (from the fill history). This file computes those
//! as plain, serialisable data; the CLI prints it as a table or JSON, `stats_html` as a page.
//! It reads nothing but the library and its history and writes nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::frameworks::{Framework, FRAMEWORKS};
use super::history::{self, History};
use super::{Library, DRAFT_TAG};
use crate::error::Result;

/// How many entries `most_used` lists.
pub const MOST_USED: usize = 10;

/// How many never-used ids the table shows (JSON and HTML list them all).
const NEVER_SHOWN: usize = 30;

/// Everything `library stats` reports. Field names and order are the `--json` contract.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// The library folder's name.
    pub library: String,
    /// The day the stats were made, `YYYY-MM-DD` (UTC).
    pub date: String,
    pub entries: usize,
    pub sources: usize,
    pub facts: usize,
    /// Entries per domain (first tag), most first.
    pub by_topic: Vec<Count>,
    /// Entries per owner, most first.
    pub by_owner: Vec<Count>,
    /// Ids of draft entries (tag `draft`), waiting for their owner.
    pub drafts: Vec<String>,
    pub coverage: Vec<Coverage>,
    /// None when the library has no fill history yet.
    pub usage: Option<Usage>,
}

/// A name and how many entries it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub name: String,
    pub entries: usize,
}

/// Coverage of one framework by the entries' mapping tags.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// The tag prefix (`soc2`, `iso27001`).
    pub framework: String,
    pub name: String,
    pub total: usize,
    pub covered: usize,
    pub groups: Vec<GroupCoverage>,
    /// Criteria or controls no entry maps to, in the framework's order.
    pub uncovered: Vec<Control>,
    /// Mapping tags that name no criterion or control of the catalogue (a typo such as
    /// `soc2:CC6.9`), with the entries using them.
    pub unknown: Vec<UnknownMapping>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupCoverage {
    pub id: String,
    pub title: String,
    pub total: usize,
    pub covered: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Control {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownMapping {
    pub tag: String,
    pub entries: Vec<String>,
}

/// What the fill history says.
#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    /// Questionnaires filled.
    pub questionnaires: usize,
    /// Rows answered (auto or review) across them.
    pub rows: usize,
    /// The first and last fill recorded.
    pub first: String,
    pub last: String,
    /// The most used entries, most first (at most [`MOST_USED`]).
    pub most_used: Vec<Used>,
    /// Entries of the library no fill has used, by id.
    pub never_used: Vec<String>,
    /// History lines that could not be read.
    pub unreadable_lines: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Used {
    pub id: String,
    pub uses: usize,
    pub auto: usize,
    pub review: usize,
}

impl Coverage {
    pub fn percent(&self) -> f64 {
        percent(self.covered, self.total)
    }
}

impl GroupCoverage {
    pub fn percent(&self) -> f64 {
        percent(self.covered, self.total)
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// The stats of `library`, with its fill history when it has one, dated `date`.
pub fn compute(library: &Library, date: &str) -> Result<Stats> {
    let hist = history::read(&library.root)?;
    Ok(compute_with(library, hist.as_ref(), date))
}

/// [`compute`] with the history given (for tests and callers that already read it).
pub fn compute_with(library: &Library, hist: Option<&History>, date: &str) -> Stats {
    let name = library
        .root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| library.root.display().to_string());
    let by_topic = counts(
        library
            .entries
            .iter()
            .map(|e| e.domain().unwrap_or("(no tag)").to_string()),
    );
    let by_owner = counts(library.entries.iter().map(|e| {
        if e.owner.is_empty() {
            "(no owner)".to_string()
        } else {
            e.owner.clone()
        }
    }));
    let drafts = library
        .entries
        .iter()
        .filter(|e| e.tags.iter().any(|t| t == DRAFT_TAG))
        .map(|e| e.id.clone())
        .collect();
    let coverage = FRAMEWORKS.iter().map(|f| coverage(library, f)).collect();
    Stats {
        library: name,
        date: date.to_string(),
        entries: library.entries.len(),
        sources: library.sources.len(),
        facts: library.facts.values.len(),
        by_topic,
        by_owner,
        drafts,
        coverage,
        usage: hist.map(|h| usage(library, h)),
    }
}

/// Counts of names, most first, then by name.
fn counts(names: impl Iterator<Item = String>) -> Vec<Count> {
    let mut m: BTreeMap<String, usize> = BTreeMap::new();
    for n in names {
        *m.entry(n).or_default() += 1;
    }
    let mut v: Vec<Count> = m
        .into_iter()
        .map(|(name, entries)| Count { name, entries })
        .collect();
    v.sort_by(|a, b| b.entries.cmp(&a.entries).then_with(|| a.name.cmp(&b.name)));
    v
}

fn coverage(library: &Library, f: &Framework) -> Coverage {
    let mut covered: BTreeSet<&'static str> = BTreeSet::new();
    let mut unknown: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &library.entries {
        for t in &e.tags {
            let Some((prefix, id)) = t.split_once(':') else {
                continue;
            };
            if !prefix.trim().eq_ignore_ascii_case(f.tag) || f.outside_catalogue(id) {
                continue;
            }
            match f.canonical(id) {
                Some(c) => {
                    covered.insert(c);
                }
                None => {
                    let ids = unknown.entry(t.clone()).or_default();
                    if !ids.contains(&e.id) {
                        ids.push(e.id.clone());
                    }
                }
            }
        }
    }
    let groups = f
        .groups
        .iter()
        .map(|g| GroupCoverage {
            id: g.id.to_string(),
            title: g.title.to_string(),
            total: g.controls.len(),
            covered: g
                .controls
                .iter()
                .filter(|(c, _)| covered.contains(c))
                .count(),
        })
        .collect();
    let uncovered = f
        .controls()
        .filter(|(c, _)| !covered.contains(c))
        .map(|(c, t)| Control {
            id: c.to_string(),
            title: t.to_string(),
        })
        .collect();
    Coverage {
        framework: f.tag.to_string(),
        name: f.name.to_string(),
        total: f.controls().count(),
        covered: covered.len(),
        groups,
        uncovered,
        unknown: unknown
            .into_iter()
            .map(|(tag, entries)| UnknownMapping { tag, entries })
            .collect(),
    }
}

fn usage(library: &Library, h: &History) -> Usage {
    let counts = history::use_counts(h);
    let mut most: Vec<Used> = library
        .entries
        .iter()
        .filter_map(|e| {
            let (auto, review) = *counts.get(&e.id)?;
            Some(Used {
                id: e.id.clone(),
                uses: auto + review,
                auto,
                review,
            })
        })
        .collect();
    most.sort_by(|a, b| b.uses.cmp(&a.uses).then_with(|| a.id.cmp(&b.id)));
    most.truncate(MOST_USED);
    let mut never: Vec<String> = library
        .entries
        .iter()
        .filter(|e| !counts.contains_key(&e.id))
        .map(|e| e.id.clone())
        .collect();
    never.sort();
    let times: Vec<&str> = h.fills.iter().map(|f| f.time.as_str()).collect();
    Usage {
        questionnaires: h.fills.len(),
        rows: h.fills.iter().map(|f| f.rows.len()).sum(),
        first: times
            .iter()
            .min()
            .map(|s| s.to_string())
            .unwrap_or_default(),
        last: times
            .iter()
            .max()
            .map(|s| s.to_string())
            .unwrap_or_default(),
        most_used: most,
        never_used: never,
        unreadable_lines: h.unreadable,
    }
}

/// The stats as a plain-text report that fits 80 columns.
pub fn render_text(s: &Stats) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(o, "Library {} ({})", s.library, s.date);
    let _ = writeln!(
        o,
        "  {} entries, {} sources, {} facts, {} drafts",
        s.entries,
        s.sources,
        s.facts,
        s.drafts.len()
    );
    table(&mut o, "Entries by topic (first tag)", &s.by_topic);
    table(&mut o, "Entries by owner", &s.by_owner);
    if !s.drafts.is_empty() {
        let _ = writeln!(o, "\nDrafts waiting for their owner ({})", s.drafts.len());
        wrap_list(&mut o, &s.drafts);
    }
    for c in &s.coverage {
        let _ = writeln!(
            o,
            "\n{}: {} of {} covered ({:.0}%)",
            c.name,
            c.covered,
            c.total,
            c.percent()
        );
        for g in &c.groups {
            let _ = writeln!(
                o,
                "  {:<5} {:<30} {:>3}/{:<3} {}",
                g.id,
                clip(&g.title, 30),
                g.covered,
                g.total,
                bar(g.covered, g.total, 30)
            );
        }
        if c.uncovered.is_empty() {
            let _ = writeln!(o, "  every {} has an answer", item_of(c));
        } else {
            let _ = writeln!(o, "  No answer ({}):", c.uncovered.len());
            let ids: Vec<String> = c.uncovered.iter().map(|u| u.id.clone()).collect();
            wrap_list(&mut o, &ids);
        }
        for u in &c.unknown {
            let _ = writeln!(
                o,
                "  Unknown mapping {} (used by {})",
                clip(&u.tag, 30),
                clip(&u.entries.join(", "), 30)
            );
        }
    }
    match &s.usage {
        None => {
            let _ = writeln!(
                o,
                "\nUsage: no fill history yet\n  (each `vouch fill` adds a line to {} in the library)",
                history::HISTORY_FILE
            );
        }
        Some(u) => {
            let _ = writeln!(
                o,
                "\nUsage: {} questionnaires, {} answered rows ({} to {})",
                u.questionnaires,
                u.rows,
                u.first.get(..10).unwrap_or(&u.first),
                u.last.get(..10).unwrap_or(&u.last)
            );
            if u.unreadable_lines > 0 {
                let _ = writeln!(
                    o,
                    "  ({} history lines could not be read)",
                    u.unreadable_lines
                );
            }
            if !u.most_used.is_empty() {
                let _ = writeln!(o, "  Most used:");
                for m in &u.most_used {
                    let _ = writeln!(
                        o,
                        "    {:<44} {:>5}  ({} auto, {} review)",
                        clip(&m.id, 44),
                        m.uses,
                        m.auto,
                        m.review
                    );
                }
            }
            let _ = writeln!(o, "  Never used ({}):", u.never_used.len());
            let mut shown: Vec<String> = u.never_used.iter().take(NEVER_SHOWN).cloned().collect();
            if u.never_used.len() > NEVER_SHOWN {
                shown.push(format!(
                    "... and {} more (--json and --html list all)",
                    u.never_used.len() - NEVER_SHOWN
                ));
            }
            wrap_list(&mut o, &shown);
        }
    }
    o
}

fn item_of(c: &Coverage) -> &'static str {
    FRAMEWORKS
        .iter()
        .find(|f| f.tag == c.framework)
        .map(|f| f.item)
        .unwrap_or("item")
}

/// Counts with bars scaled to the largest, so rows compare with each other.
fn table(o: &mut String, title: &str, rows: &[Count]) {
    use std::fmt::Write as _;
    let _ = writeln!(o, "\n{title}");
    let max = rows.iter().map(|r| r.entries).max().unwrap_or(0);
    for r in rows {
        let _ = writeln!(
            o,
            "  {:<40} {:>5}  {}",
            clip(&r.name, 40),
            r.entries,
            bar(r.entries, max, 28)
        );
    }
}

/// A text bar of `width` cells for `part` of `whole`.
fn bar(part: usize, whole: usize, width: usize) -> String {
    let filled = if whole == 0 {
        0
    } else {
        (part * width).div_ceil(whole).min(width)
    };
    format!("{}{}", "#".repeat(filled), ".".repeat(width - filled))
}

/// At most `n` characters, with `…` when cut.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n - 1).collect();
        out.push('…');
        out
    }
}

/// Ids separated by commas, wrapped at 80 columns with a 4-space indent.
fn wrap_list(o: &mut String, items: &[String]) {
    let mut line = String::from("   ");
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() {
            format!(" {item},")
        } else {
            format!(" {item}")
        };
        if line.chars().count() + piece.chars().count() > 80 && !line.trim().is_empty() {
            o.push_str(&line);
            o.push('\n');
            line = String::from("   ");
        }
        line.push_str(&piece);
    }
    if !line.trim().is_empty() {
        o.push_str(&line);
        o.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::history::{Fill, Use};
    use crate::knowledge::{Citation, Entry};
    use std::path::PathBuf;

    fn entry(id: &str, tags: &[&str], owner: &str) -> Entry {
        Entry {
            id: id.into(),
            question: format!("{id}?"),
            alternates: vec![],
            answer: "Yes.".into(),
            template: None,
            short_answer: None,
            citations: vec![Citation {
                doc: "d".into(),
                section: "1".into(),
            }],
            tags: tags.iter().map(|t| t.to_string()).collect(),
            owner: owner.into(),
            reviewed: None,
            file: PathBuf::from("a.toml"),
            line: 1,
        }
    }

    fn library() -> Library {
        Library {
            root: PathBuf::from("/nonexistent/lib"),
            entries: vec![
                entry(
                    "mfa",
                    &["access-control", "soc2:CC6.1", "iso27001:A.8.5"],
                    "sec@",
                ),
                entry(
                    "sso",
                    &["access-control", "soc2:cc6.1", "soc2:CC6.9"],
                    "sec@",
                ),
                entry("dpa", &["privacy", "iso27001:5.3", "draft"], ""),
            ],
            sources: Default::default(),
            synonyms: vec![],
            filler: vec![],
            facts: Default::default(),
        }
    }

    #[test]
    fn counts_topics_owners_drafts_and_coverage() {
        let s = compute_with(&library(), None, "2026-12-05");
        assert_eq!(
            s.by_topic,
            vec![
                Count {
                    name: "access-control".into(),
                    entries: 2
                },
                Count {
                    name: "privacy".into(),
                    entries: 1
                }
            ]
        );
        assert_eq!(s.by_owner[1].name, "(no owner)");
        assert_eq!(s.drafts, vec!["dpa"]);
        let soc2 = &s.coverage[0];
        assert_eq!((soc2.covered, soc2.total), (1, 61));
        assert_eq!(soc2.uncovered.len(), 60);
        assert_eq!(soc2.uncovered[0].id, "CC1.1");
        assert_eq!(soc2.unknown[0].tag, "soc2:CC6.9");
        let cc6 = soc2.groups.iter().find(|g| g.id == "CC6").unwrap();
        assert_eq!((cc6.covered, cc6.total), (1, 8));
        let iso = &s.coverage[1];
        assert_eq!((iso.covered, iso.total), (1, 93));
        assert!(iso.unknown.is_empty(), "a clause is not an unknown control");
        assert!(s.usage.is_none());
        let text = render_text(&s);
        assert!(text.contains("no fill history yet"), "{text}");
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{line:?}");
        }
    }

    #[test]
    fn usage_from_history() {
        let h = History {
            fills: vec![Fill {
                time: "2026-12-01T10:00:00Z".into(),
                questionnaire: "q.xlsx".into(),
                rows: vec![
                    Use {
                        sheet: "S".into(),
                        row: 2,
                        entry: "mfa".into(),
                        status: "auto".into(),
                        parts: vec!["sso".into()],
                    },
                    Use {
                        sheet: "S".into(),
                        row: 3,
                        entry: "mfa".into(),
                        status: "review".into(),
                        parts: vec![],
                    },
                    Use {
                        sheet: "S".into(),
                        row: 4,
                        entry: "retired".into(),
                        status: "auto".into(),
                        parts: vec![],
                    },
                ],
            }],
            unreadable: 0,
        };
        let s = compute_with(&library(), Some(&h), "2026-12-05");
        let u = s.usage.unwrap();
        assert_eq!((u.questionnaires, u.rows), (1, 3));
        assert_eq!(
            u.most_used[0],
            Used {
                id: "mfa".into(),
                uses: 2,
                auto: 1,
                review: 1
            }
        );
        assert_eq!(
            u.most_used.len(),
            2,
            "ids no longer in the library are left out"
        );
        assert_eq!(u.never_used, vec!["dpa"]);
    }

    #[test]
    fn long_lists_wrap_at_80_columns() {
        let mut o = String::new();
        let ids: Vec<String> = (0..50).map(|i| format!("entry-number-{i}")).collect();
        wrap_list(&mut o, &ids);
        assert!(o.lines().count() > 5);
        assert!(o.lines().all(|l| l.chars().count() <= 80));
        assert_eq!(bar(1, 3, 9), "###......");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
