//! Company facts that answers share, written once.
//!
//! A library rots fastest where forty answers repeat one fact: the SOC 2 period, the auditor,
//! the ISO certificate's expiry. `facts.toml` holds each such fact once, in tables
//! (`[soc2] period_end = 2026-08-31`), and an answer writes `{soc2.period_end}` where the fact
//! belongs. The loader substitutes the facts into every answer, so the index, the matcher, the
//! filled questionnaire, the report and `explain` all see the real text, while the entry keeps
//! its template for lint and export. Renewing a report is then one edit in one file.
//!
//! A placeholder is `{` + a dotted name of lower-case letters, digits, `_` and `-` + `}`;
//! any other brace is plain text, and `{{` / `}}` write a literal brace. A date fact reads as
//! written (`2026-08-31`), or as an answer's prose wants it: `{soc2.period_end:long}` is
//! "August 31, 2026", `:month` is "August 2026", `:year` is "2026".

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Location, Result};

/// The facts file of a library, beside `sources.toml`.
pub const FACTS_FILE: &str = "facts.toml";

/// One fact: its text as answers show it, and where it is defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub text: String,
    /// Set when the value is a TOML date (`2026-08-31`): lint checks these for expiry.
    pub date: Option<String>,
    pub line: usize,
}

/// Every fact of a library by its dotted name (`soc2.period_end`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub values: BTreeMap<String, Fact>,
}

impl Facts {
    pub fn get(&self, name: &str) -> Option<&Fact> {
        self.values.get(name)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Parse `facts.toml`: nested tables flatten to dotted names; strings, numbers, booleans
    /// and dates are facts, and an array of strings reads as a comma-separated list.
    pub fn parse(path: &Path, text: &str) -> Result<Facts> {
        let doc: toml::Spanned<toml::Table> = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| super::load::line_of(text, s.start))
                .unwrap_or(1);
            Error::library(
                Location::file(path).line(line),
                format!("invalid TOML: {}", e.message().trim().replace('\n', " ")),
            )
        })?;
        let mut facts = Facts::default();
        flatten(path, text, "", doc.get_ref(), &mut facts)?;
        Ok(facts)
    }
}

/// The line of `key = ` for a dotted fact name, for messages (tables lose spans once parsed).
fn line_of_key(text: &str, table: &str, key: &str) -> usize {
    let mut in_table = table.is_empty();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            in_table = h.trim() == table;
            continue;
        }
        if in_table {
            if let Some((k, _)) = t.split_once('=') {
                if k.trim().trim_matches('"') == key {
                    return i + 1;
                }
            }
        }
    }
    1
}

fn flatten(
    path: &Path,
    text: &str,
    prefix: &str,
    table: &toml::Table,
    out: &mut Facts,
) -> Result<()> {
    for (key, value) in table {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let line = line_of_key(text, prefix, key);
        if !valid_name(&name) {
            return Err(Error::library(
                Location::file(path).line(line),
                format!("fact name '{name}' may use only lower-case letters, digits, '_' and '-'"),
            ));
        }
        let bad = |what: &str| {
            Error::library(
                Location::file(path).line(line),
                format!("fact '{name}' is {what}; a fact is text, a number, a date, true/false or a list of text"),
            )
        };
        let (text_value, date) = match value {
            toml::Value::Table(t) => {
                flatten(path, text, &name, t, out)?;
                continue;
            }
            toml::Value::String(s) => (s.trim().to_string(), None),
            toml::Value::Integer(i) => (i.to_string(), None),
            toml::Value::Float(f) => (f.to_string(), None),
            toml::Value::Boolean(b) => ((if *b { "yes" } else { "no" }).to_string(), None),
            toml::Value::Datetime(d) => {
                let s = d.to_string();
                let date = super::is_iso_date(&s).then(|| s.clone());
                (s, date)
            }
            toml::Value::Array(items) => {
                let mut parts = Vec::new();
                for item in items {
                    match item {
                        toml::Value::String(s) => parts.push(s.trim().to_string()),
                        _ => return Err(bad("a list holding something other than text")),
                    }
                }
                (join_list(&parts), None)
            }
        };
        if text_value.is_empty() {
            return Err(bad("empty"));
        }
        out.values.insert(
            name,
            Fact {
                text: text_value,
                date,
                line,
            },
        );
    }
    Ok(())
}

/// "A", "A and B", "A, B and C": how an answer lists things.
fn join_list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// True for a fact name: dotted parts of lower-case letters, digits, `_` and `-`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|seg| {
            !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        })
}

/// A piece of an answer template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Fact(&'a str),
}

/// Split a template into text and fact names. `{{` and `}}` are literal braces; a brace that
/// does not open a valid placeholder is text.
fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let bytes = template.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if (b == b'{' || b == b'}') && bytes.get(i + 1) == Some(&b) {
            out.push(Piece::Text(&template[start..=i]));
            i += 2;
            start = i;
            continue;
        }
        if b == b'{' {
            if let Some(len) = template[i + 1..].find('}') {
                let name = &template[i + 1..i + 1 + len];
                let plain =
                    name.split_once(':').map_or(
                        name,
                        |(n, f)| {
                            if FORMATS.contains(&f) {
                                n
                            } else {
                                ""
                            }
                        },
                    );
                if valid_name(plain) {
                    out.push(Piece::Text(&template[start..i]));
                    out.push(Piece::Fact(name));
                    i += len + 2;
                    start = i;
                    continue;
                }
            }
        }
        i += 1;
    }
    out.push(Piece::Text(&template[start..]));
    out.retain(|p| *p != Piece::Text(""));
    out
}

/// The ways a date fact can be written: `{name:long}` and so on.
const FORMATS: &[&str] = &["long", "month", "year", "iso"];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// An ISO date as prose: `long` "August 31, 2026", `month` "August 2026", `year` "2026".
pub fn format_date(iso: &str, format: &str) -> String {
    let (y, m, d) = (&iso[0..4], &iso[5..7], &iso[8..10]);
    let month = MONTHS[m.parse::<usize>().unwrap_or(1).clamp(1, 12) - 1];
    let day = d.trim_start_matches('0');
    match format {
        "long" => format!("{month} {day}, {y}"),
        "month" => format!("{month} {y}"),
        "year" => y.to_string(),
        _ => iso.to_string(),
    }
}

/// A fact's text in a placeholder's format (`soc2.period_end:long`); None when the format
/// needs a date and the fact is not one.
fn render(fact: &Fact, format: Option<&str>) -> Option<String> {
    match (format, fact.date.as_deref()) {
        (None, _) => Some(fact.text.clone()),
        (Some(f), Some(date)) => Some(format_date(date, f)),
        (Some(_), None) => None,
    }
}

/// A placeholder's text (`soc2.period_end:long`), or None when it names no fact (or asks a
/// date format of a fact that is not a date).
fn rendered(placeholder: &str, facts: &Facts) -> Option<String> {
    let (name, format) = match placeholder.split_once(':') {
        Some((n, f)) => (n, Some(f)),
        None => (placeholder, None),
    };
    facts.get(name).and_then(|f| render(f, format))
}

/// The fact names a template uses, in order, each once (without a format).
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for p in pieces(template) {
        if let Piece::Fact(n) = p {
            let n = n.split_once(':').map_or(n, |(n, _)| n);
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// True when `text` holds a placeholder or an escaped brace, i.e. when it is a template
/// whose written form differs from its text.
pub fn is_template(text: &str) -> bool {
    text.contains("{{")
        || text.contains("}}")
        || pieces(text).iter().any(|p| matches!(p, Piece::Fact(_)))
}

/// The template with every known fact substituted, and the names that are not facts (left
/// in place as `{name}` so nobody mistakes the text for a finished answer).
pub fn substitute(template: &str, facts: &Facts) -> (String, Vec<String>) {
    let mut out = String::with_capacity(template.len() + 32);
    let mut unknown = Vec::new();
    for p in pieces(template) {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Fact(n) => match rendered(n, facts) {
                Some(text) => out.push_str(&text),
                None => {
                    out.push('{');
                    out.push_str(n);
                    out.push('}');
                    if !unknown.iter().any(|u| u == n) {
                        unknown.push(n.to_string());
                    }
                }
            },
        }
    }
    (out, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(text: &str) -> Facts {
        Facts::parse(Path::new("facts.toml"), text).unwrap()
    }

    const FACTS: &str = r#"
[company]
name = "Larkspur Cloud, Inc."
employees = 214

[soc2]
period_start = 2025-09-01
period_end = 2026-08-31
categories = ["Security", "Availability", "Confidentiality"]
"#;

    #[test]
    fn tables_flatten_to_dotted_names() {
        let f = facts(FACTS);
        assert_eq!(f.get("company.name").unwrap().text, "Larkspur Cloud, Inc.");
        assert_eq!(f.get("company.employees").unwrap().text, "214");
        let end = f.get("soc2.period_end").unwrap();
        assert_eq!(end.text, "2026-08-31");
        assert_eq!(end.date.as_deref(), Some("2026-08-31"));
        assert_eq!(end.line, 8);
        assert_eq!(
            f.get("soc2.categories").unwrap().text,
            "Security, Availability and Confidentiality"
        );
    }

    #[test]
    fn substitutes_known_facts_and_reports_unknown_ones() {
        let f = facts(FACTS);
        let (s, unknown) = substitute(
            "Yes. The period runs {soc2.period_start} to {soc2.period_end}; see {soc2.auditor}.",
            &f,
        );
        assert_eq!(
            s,
            "Yes. The period runs 2025-09-01 to 2026-08-31; see {soc2.auditor}."
        );
        assert_eq!(unknown, vec!["soc2.auditor".to_string()]);
    }

    #[test]
    fn dates_read_as_prose() {
        let f = facts(FACTS);
        assert_eq!(
            substitute(
                "{soc2.period_start:long} to {soc2.period_end:month} ({soc2.period_end:year})",
                &f
            )
            .0,
            "September 1, 2025 to August 2026 (2026)"
        );
        // A format on a fact that is not a date: unknown, so never written half-done.
        let (text, unknown) = substitute("{company.name:long}", &f);
        assert_eq!(text, "{company.name:long}");
        assert_eq!(unknown, vec!["company.name:long".to_string()]);
        assert_eq!(
            substitute("{soc2.period_end:shouty}", &f).1,
            Vec::<String>::new()
        );
    }

    #[test]
    fn braces_that_are_not_placeholders_stay_text() {
        let f = facts(FACTS);
        for plain in [
            "JSON like {\"a\": 1}",
            "a { b } c",
            "{Upper.Case}",
            "{}",
            "open { only",
        ] {
            assert_eq!(
                substitute(plain, &f),
                (plain.to_string(), vec![]),
                "{plain}"
            );
            assert!(!is_template(plain), "{plain}");
        }
        assert_eq!(
            substitute("{{company.name}} is {company.name}", &f).0,
            "{company.name} is Larkspur Cloud, Inc."
        );
        assert_eq!(placeholders("{a.b} {c} {a.b:long}"), vec!["a.b", "c"]);
    }

    #[test]
    fn bad_fact_files_name_the_line() {
        let e = Facts::parse(Path::new("facts.toml"), "[soc2]\nperiod_end = \n").unwrap_err();
        assert!(e.to_string().contains("facts.toml:2"), "{e}");
        let e = Facts::parse(Path::new("facts.toml"), "[soc2]\ny = [1]\n").unwrap_err();
        assert!(e.to_string().contains("facts.toml:2"), "{e}");
        let e = Facts::parse(Path::new("facts.toml"), "[soc2]\nName = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("lower-case"), "{e}");
    }
}
