//! Lint rules on the library as data: dates, sources, facts, text and synonyms.
//!
//! Each rule is a plain function over the loaded `Library` that a reader can check against
//! its name: no matching, no guessing beyond what the files say. Dates come from the entry's
//! `reviewed`, a source's `date`, `period_end` and `valid_until` (or the period its title
//! states, "2024-10-01 to 2025-09-30"), and the facts file.

use std::collections::{BTreeMap, HashMap};

use super::dates::{add_months, period_end_in};
use super::{Finding, Policy, Severity};
use crate::knowledge::facts::{placeholders, FACTS_FILE};
use crate::knowledge::load::{SOURCES_FILE, SYNONYMS_FILE};
use crate::knowledge::{Entry, Library, ShortAnswer, Source};

/// Terms that a questionnaire treats as different things though they sound alike
/// (`../shared/domain`): a synonym group must never join both sides of a pair.
pub const NEIGHBOURS: &[(&str, &str)] = &[
    ("intrusion detection", "intrusion prevention"),
    ("ids", "ips"),
    ("saml", "sso"),
    ("saml", "single sign-on"),
    ("aes-256", "encryption at rest"),
    ("edr", "antivirus"),
    ("siem", "log retention"),
    ("rto", "rpo"),
    ("recovery time objective", "recovery point objective"),
    ("carve-out", "inclusive"),
    ("carve-out method", "inclusive method"),
    ("carve-out", "subservice organization"),
    ("carve-out", "subservice organisation"),
    ("inclusive", "subservice organization"),
    ("inclusive", "subservice organisation"),
    ("type i", "type ii"),
    ("type 1", "type 2"),
    ("soc 1", "soc 2"),
    ("soc 2", "soc 3"),
    ("soc 1", "soc 3"),
    ("privacy shield", "data privacy framework"),
    ("privacy shield", "dpf"),
    ("qualified opinion", "modified opinion"),
    ("isae 3402", "isae 3000"),
    ("vulnerability scan", "penetration test"),
    ("authentication", "authorization"),
    ("encryption at rest", "encryption in transit"),
    ("iso 27001", "iso 27701"),
    ("business continuity", "disaster recovery"),
];

/// Words that mark an answer or question nobody finished writing.
const PLACEHOLDERS: &[&str] = &[
    "tbd",
    "tba",
    "tbc",
    "todo",
    "fixme",
    "xxx",
    "lorem ipsum",
    "placeholder",
    "[insert",
    "<insert",
    "insert answer",
    "answer here",
    "to be completed",
    "to be confirmed",
    "to be determined",
    "???",
];

/// Every data finding for `library` under `policy`.
pub fn check(library: &Library, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    let texts = Texts::read(library);
    sources(library, policy, &texts, &mut out);
    for e in &library.entries {
        entry(library, e, policy, &mut out);
    }
    duplicates(library, &mut out);
    facts(library, policy, &mut out);
    synonyms(library, &texts, &mut out);
    out
}

/// A problem the lenient loader kept (an answer using an unknown fact) as a finding.
pub fn load_problem(e: &crate::error::Error) -> Finding {
    let text = e.to_string();
    // "file:line: message" → location and message.
    let (location, message) = match text.split_once(": ") {
        Some((loc, msg)) if loc.contains(':') || loc.ends_with(".toml") => (loc, msg),
        _ => ("", text.as_str()),
    };
    let subject = message.split('\'').nth(1).unwrap_or_default().to_string();
    Finding::new(Severity::Error, "unknown-fact", subject, location, message)
}

/// The registry files' text, to point findings at the right line.
struct Texts {
    sources: String,
    synonyms: String,
}

impl Texts {
    fn read(library: &Library) -> Texts {
        let read =
            |name: &str| std::fs::read_to_string(library.root.join(name)).unwrap_or_default();
        Texts {
            sources: read(SOURCES_FILE),
            synonyms: read(SYNONYMS_FILE),
        }
    }

    /// `sources.toml:N` for the source with `id`.
    fn source_location(&self, id: &str) -> String {
        let needle = format!("id = {}", toml_string(id));
        let line = self
            .sources
            .lines()
            .position(|l| l.trim() == needle)
            .map_or(0, |i| i + 1);
        if line == 0 {
            SOURCES_FILE.to_string()
        } else {
            format!("{SOURCES_FILE}:{line}")
        }
    }

    /// `synonyms.toml:N` for the `index`-th group (the built-in thesaurus when the library
    /// has none of its own).
    fn group_location(&self, index: usize) -> String {
        if self.synonyms.is_empty() {
            return format!("<built-in {SYNONYMS_FILE}>");
        }
        let line = self
            .synonyms
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim() == "[[group]]")
            .nth(index)
            .map_or(0, |(i, _)| i + 1);
        format!("{SYNONYMS_FILE}:{line}")
    }
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn entry_location(e: &Entry) -> String {
    format!("{}:{}", e.file.display(), e.line)
}

/// A source is a bridge letter when its id or title says so.
fn is_bridge(s: &Source) -> bool {
    let t = format!("{} {}", s.id, s.title).to_ascii_lowercase();
    t.contains("bridge") || t.contains("gap letter")
}

/// The last day a source covers: its `period_end`, else a period its title states.
fn period_end(s: &Source) -> Option<&str> {
    s.period_end.as_deref().or_else(|| period_end_in(&s.title))
}

fn sources(library: &Library, policy: &Policy, texts: &Texts, out: &mut Vec<Finding>) {
    let mut citing: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in &library.entries {
        for c in &e.citations {
            let ids = citing.entry(c.doc.as_str()).or_default();
            if !ids.contains(&e.id.as_str()) {
                ids.push(&e.id);
            }
        }
    }
    let who = |ids: &[&str]| -> String {
        let shown: Vec<&str> = ids.iter().take(4).copied().collect();
        let more = ids.len().saturating_sub(shown.len());
        format!(
            "{} {} {}{}",
            ids.len(),
            if ids.len() == 1 {
                "entry cites it:"
            } else {
                "entries cite it:"
            },
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    };
    for s in library.sources.values() {
        let loc = texts.source_location(&s.id);
        let Some(ids) = citing.get(s.id.as_str()) else {
            out.push(Finding::new(
                Severity::Warning,
                "uncited-source",
                &s.id,
                loc,
                format!("source '{}' is cited by no entry", s.id),
            ));
            continue;
        };
        if let Some(until) = s.valid_until.as_deref() {
            if until < policy.today.as_str() {
                out.push(Finding::new(
                    Severity::Error,
                    "expired-source",
                    &s.id,
                    &loc,
                    format!("'{}' was valid until {until}; {}", s.id, who(ids)),
                ));
            }
        }
        let Some(end) = period_end(s) else { continue };
        if is_bridge(s) {
            if end < policy.today.as_str() {
                out.push(Finding::new(
                    Severity::Warning,
                    "bridge-letter-gap",
                    &s.id,
                    &loc,
                    format!(
                        "bridge letter '{}' runs to {end} and does not reach today ({}); {}",
                        s.id,
                        policy.today,
                        who(ids)
                    ),
                ));
            }
        } else if s.kind == "report" {
            let limit = add_months(end, policy.report_months as i32).unwrap_or_default();
            if limit.as_str() < policy.today.as_str() {
                out.push(Finding::new(
                    Severity::Error,
                    "expired-source",
                    &s.id,
                    &loc,
                    format!(
                        "report '{}' covers a period that ended {end}, more than {} months before {}; {}",
                        s.id,
                        policy.report_months,
                        policy.today,
                        who(ids)
                    ),
                ));
            }
        }
    }
}

fn entry(library: &Library, e: &Entry, policy: &Policy, out: &mut Vec<Finding>) {
    let loc = entry_location(e);
    let mut push = |sev, rule, msg: String| out.push(Finding::new(sev, rule, &e.id, &loc, msg));
    match e.reviewed.as_deref() {
        None if !e.is_draft() => push(
            Severity::Warning,
            "never-reviewed",
            format!("entry '{}' has no reviewed date", e.id),
        ),
        None => {}
        Some(r) => {
            let cutoff =
                add_months(&policy.today, -(policy.review_months as i32)).unwrap_or_default();
            if r < cutoff.as_str() {
                push(
                    Severity::Error,
                    "stale-review",
                    format!(
                        "entry '{}' was last reviewed {r}, more than {} months before {}",
                        e.id, policy.review_months, policy.today
                    ),
                );
            }
            let mut newer: Vec<(&str, &str)> = e
                .citations
                .iter()
                .filter_map(|c| library.sources.get(&c.doc))
                .filter(|s| s.date.as_str() > r)
                .map(|s| (s.id.as_str(), s.date.as_str()))
                .collect();
            newer.dedup();
            if !newer.is_empty() {
                let list: Vec<String> = newer.iter().map(|(id, d)| format!("{id} ({d})")).collect();
                push(
                    Severity::Error,
                    "reviewed-before-source",
                    format!(
                        "entry '{}' was reviewed {r}, before the source it cites changed: {}",
                        e.id,
                        list.join(", ")
                    ),
                );
            }
        }
    }
    for (what, text) in [
        ("answer", e.written_answer()),
        ("question", e.question.as_str()),
    ] {
        if let Some(marker) = placeholder_in(text) {
            push(
                Severity::Error,
                "placeholder-text",
                format!(
                    "entry '{}': the {what} holds placeholder text ('{marker}')",
                    e.id
                ),
            );
        }
    }
    if is_bare(&e.answer) {
        push(
            Severity::Warning,
            "bare-answer",
            format!(
                "entry '{}': the answer '{}' says nothing a reviewer can check; add the detail and where it comes from",
                e.id,
                e.answer.trim()
            ),
        );
    }
    if let (Some(short), Some(opening)) = (e.short_answer, crate::fill::opening_short(&e.answer)) {
        if short != opening {
            push(
                Severity::Error,
                "short-answer-mismatch",
                format!(
                    "entry '{}': short answer {short} but the answer opens with {opening}",
                    e.id
                ),
            );
        }
    }
}

/// The placeholder marker in `text`, matched as whole words, if any.
fn placeholder_in(text: &str) -> Option<&'static str> {
    let lower = format!(" {} ", text.to_lowercase());
    PLACEHOLDERS.iter().copied().find(|p| {
        let mut from = 0;
        while let Some(i) = lower[from..].find(p) {
            let start = from + i;
            let end = start + p.len();
            let before = lower[..start].chars().next_back().unwrap_or(' ');
            let after = lower[end..].chars().next().unwrap_or(' ');
            let word = |c: char| c.is_alphanumeric();
            if (!word(before) || !p.starts_with(|c: char| c.is_alphanumeric()))
                && (!word(after) || !p.ends_with(|c: char| c.is_alphanumeric()))
            {
                return true;
            }
            from = end;
        }
        false
    })
}

/// An answer that is only a short answer ("Yes.", "N/A").
fn is_bare(answer: &str) -> bool {
    let t: String = answer
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '/')
        .collect::<String>()
        .to_lowercase();
    ShortAnswer::parse(&t).is_some() || t == "notapplicable" || t.is_empty()
}

/// The comparable form of a phrasing or answer: lower-case words, no punctuation.
fn norm(s: &str) -> String {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn duplicates(library: &Library, out: &mut Vec<Finding>) {
    let mut phrasing: HashMap<String, &Entry> = HashMap::new();
    let mut answers: HashMap<String, &Entry> = HashMap::new();
    for e in &library.entries {
        let mut own: Vec<String> = Vec::new();
        for p in e.phrasings() {
            let n = norm(p);
            if n.is_empty() {
                continue;
            }
            if own.contains(&n) {
                out.push(Finding::new(
                    Severity::Error,
                    "duplicate-phrasing",
                    &e.id,
                    entry_location(e),
                    format!("entry '{}' lists the phrasing '{p}' twice", e.id),
                ));
                continue;
            }
            own.push(n.clone());
            match phrasing.get(&n) {
                Some(first) => out.push(Finding::new(
                    Severity::Error,
                    "duplicate-phrasing",
                    &e.id,
                    entry_location(e),
                    format!(
                        "the phrasing '{p}' belongs to both '{}' ({}) and '{}': a question worded so cannot tell them apart",
                        first.id,
                        entry_location(first),
                        e.id
                    ),
                )),
                None => {
                    phrasing.insert(n, e);
                }
            }
        }
        let a = norm(e.written_answer());
        if a.split(' ').count() >= 4 {
            match answers.get(&a) {
                Some(first) => out.push(Finding::new(
                    Severity::Warning,
                    "duplicate-answer",
                    &e.id,
                    entry_location(e),
                    format!(
                        "entries '{}' ({}) and '{}' give the same answer; merge them, or make each answer its own question",
                        first.id,
                        entry_location(first),
                        e.id
                    ),
                )),
                None => {
                    answers.insert(a, e);
                }
            }
        }
    }
}

/// The last segment of a fact name says what kind of date it is.
fn date_role(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

fn facts(library: &Library, policy: &Policy, out: &mut Vec<Finding>) {
    let used: Vec<&str> = library
        .entries
        .iter()
        .filter_map(|e| e.template.as_deref())
        .flat_map(placeholders)
        .collect();
    for (name, fact) in &library.facts.values {
        let loc = format!("{FACTS_FILE}:{}", fact.line);
        let users = used.iter().filter(|u| **u == name).count();
        let Some(date) = fact.date.as_deref() else {
            literal_uses(library, name, &fact.text, &loc, out);
            continue;
        };
        literal_uses(
            library,
            name,
            &crate::knowledge::facts::format_date(date, "long"),
            &loc,
            out,
        );
        let role = date_role(name);
        let table = name.rsplit_once('.').map_or("", |(t, _)| t);
        let expiring = ["expires", "expiry", "valid_until", "expiration", "until"]
            .iter()
            .any(|k| role == *k || role.ends_with(&format!("_{k}")));
        let period_end = role == "period_end" || role == "through" || role == "end";
        let bridge = table.contains("bridge");
        let report = table.starts_with("soc") || table.contains("report");
        if expiring && date < policy.today.as_str() {
            out.push(Finding::new(
                Severity::Error,
                "expired-fact",
                name,
                &loc,
                format!("fact {name} = {date} has passed ({} answers use it)", users),
            ));
        } else if period_end && bridge && date < policy.today.as_str() {
            out.push(Finding::new(
                Severity::Warning,
                "expired-fact",
                name,
                &loc,
                format!(
                    "fact {name} = {date}: the bridge letter does not reach today ({}); {users} answers use it",
                    policy.today
                ),
            ));
        } else if period_end && report && !bridge {
            let limit = add_months(date, policy.report_months as i32).unwrap_or_default();
            if limit.as_str() < policy.today.as_str() {
                out.push(Finding::new(
                    Severity::Error,
                    "expired-fact",
                    name,
                    &loc,
                    format!(
                        "fact {name} = {date}: the report's period ended more than {} months before {}; {users} answers use it",
                        policy.report_months, policy.today
                    ),
                ));
            }
        }
        literal_uses(library, name, &fact.text, &loc, out);
    }
}

/// Answers that spell out a fact's value instead of using it: they will go stale when the fact
/// is renewed. Only values distinctive enough to mean the fact (dates, names, ids).
fn literal_uses(library: &Library, name: &str, value: &str, loc: &str, out: &mut Vec<Finding>) {
    let distinctive = value.chars().count() >= 8 && value.chars().any(|c| c.is_alphanumeric());
    if !distinctive {
        return;
    }
    let ids: Vec<&str> = library
        .entries
        .iter()
        .filter(|e| e.written_answer().contains(value))
        .map(|e| e.id.as_str())
        .collect();
    if ids.is_empty() {
        return;
    }
    let shown: Vec<&str> = ids.iter().take(5).copied().collect();
    out.push(Finding::new(
        Severity::Warning,
        "literal-fact",
        name,
        loc,
        format!(
            "{} {} '{value}' instead of {{{name}}}: {}{}",
            ids.len(),
            if ids.len() == 1 {
                "answer writes"
            } else {
                "answers write"
            },
            shown.join(", "),
            if ids.len() > shown.len() { ", ..." } else { "" }
        ),
    ));
}

fn synonyms(library: &Library, texts: &Texts, out: &mut Vec<Finding>) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, g) in library.synonyms.iter().enumerate() {
        let terms: Vec<String> = g.terms.iter().map(|t| norm(t)).collect();
        let loc = texts.group_location(i);
        for (t, raw) in terms.iter().zip(&g.terms) {
            match seen.get(t) {
                Some(&j) if j != i => out.push(Finding::new(
                    Severity::Error,
                    "synonym-overlap",
                    &g.terms[0],
                    &loc,
                    format!(
                        "'{raw}' is in two synonym groups ('{}' at {} and '{}'): the groups conflict; merge them or drop the term from one",
                        library.synonyms[j].terms[0],
                        texts.group_location(j),
                        g.terms[0]
                    ),
                )),
                Some(_) => {}
                None => {
                    seen.insert(t.clone(), i);
                }
            }
        }
        for (a, b) in NEIGHBOURS {
            let (a, b) = (norm(a), norm(b));
            if terms.contains(&a) && terms.contains(&b) {
                out.push(Finding::new(
                    Severity::Error,
                    "synonym-neighbours",
                    &g.terms[0],
                    &loc,
                    format!(
                        "the synonym group '{}' joins '{a}' and '{b}', which mean different things: a question about one is not answered by the other",
                        g.terms[0]
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_whole_words() {
        assert_eq!(placeholder_in("TBD"), Some("tbd"));
        assert_eq!(
            placeholder_in("Yes. [Insert retention period]"),
            Some("[insert")
        );
        assert_eq!(placeholder_in("We use TODO lists"), Some("todo"));
        assert_eq!(placeholder_in("Tbdx is a vendor"), None);
        assert_eq!(placeholder_in("Yes. Backups are kept 35 days."), None);
    }

    #[test]
    fn bare_answers() {
        assert!(is_bare("Yes."));
        assert!(is_bare(" N/A "));
        assert!(is_bare("Not applicable."));
        assert!(!is_bare("Yes. AES-256 with KMS."));
    }
}
