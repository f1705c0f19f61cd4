//! `vouch library lint`: what makes a library give wrong answers later, found now.
//!
//! A library rots quietly. A SOC 2 report's period ends and forty answers still cite it; an
//! answer was last confirmed before the policy it quotes was rewritten; two entries say
//! opposite things about one topic; a synonym group joins two words that mean different
//! things and the matcher starts confusing them. Lint looks for each of these, with the same
//! loader and, for overlaps, the same matcher that `fill` uses, so it reports what a fill would
//! get wrong rather than what a text diff sees.
//!
//! Rules live in two rooms: [`rules`] checks the library as data (dates, sources, facts, text,
//! synonyms); [`overlap`] asks the matcher which entries it cannot tell apart. Each finding is
//! an error (the library states something false or unsupported, and CI should stop) or a
//! warning (a person should look).

use serde::Serialize;

use crate::error::Result;
use crate::knowledge::Library;
use crate::matcher::semantic::Semantic;

pub mod dates;
pub mod overlap;
pub mod rules;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem, with what it is about and where to fix it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// A stable rule name (`stale-review`, `expired-source`...), for filtering and CI.
    pub rule: &'static str,
    /// The entry, source, fact or synonym group concerned.
    pub subject: String,
    /// `file:line` in the library, when known.
    pub location: String,
    pub message: String,
}

impl Finding {
    pub fn new(
        severity: Severity,
        rule: &'static str,
        subject: impl Into<String>,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            severity,
            rule,
            subject: subject.into(),
            location: location.into(),
            message: message.into(),
        }
    }
}

/// The policy lint holds a library to.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Today, `YYYY-MM-DD` (a flag in tests, the clock otherwise).
    pub today: String,
    /// An entry must have been reviewed within this many months.
    pub review_months: u32,
    /// A SOC report whose period ended more than this many months ago is past its use.
    pub report_months: u32,
}

impl Policy {
    pub const DEFAULT_REVIEW_MONTHS: u32 = 12;
    pub const DEFAULT_REPORT_MONTHS: u32 = 12;

    pub fn new(today: String) -> Policy {
        Policy {
            today,
            review_months: Policy::DEFAULT_REVIEW_MONTHS,
            report_months: Policy::DEFAULT_REPORT_MONTHS,
        }
    }
}

/// Every finding for `library`: the data rules, the load problems kept by the lenient loader
/// (`soft`, e.g. unknown facts), and, given `overlaps`, the matcher's confusions. Sorted by
/// severity, then location.
pub fn lint(
    library: &Library,
    soft: &[crate::error::Error],
    policy: &Policy,
    overlaps: Option<Option<&Semantic>>,
) -> Result<Vec<Finding>> {
    let mut out = rules::check(library, policy);
    for e in soft {
        out.push(rules::load_problem(e));
    }
    if let Some(semantic) = overlaps {
        out.extend(overlap::check(library, semantic)?);
    }
    // Locations as a user types them: inside the library folder.
    for f in &mut out {
        let file = f.location.split(':').next().unwrap_or_default();
        let relative = !file.is_empty()
            && !file.starts_with('<')
            && !std::path::Path::new(file).starts_with(&library.root);
        if relative {
            f.location = library.root.join(&f.location).display().to_string();
        }
    }
    out.sort_by(|a, b| {
        (
            a.severity,
            natural_location(&a.location),
            a.rule,
            &a.subject,
        )
            .cmp(&(
                b.severity,
                natural_location(&b.location),
                b.rule,
                &b.subject,
            ))
    });
    out.dedup();
    Ok(out)
}

/// `file:line` as (file, line) so that line 9 sorts before line 10.
fn natural_location(loc: &str) -> (&str, usize) {
    match loc.rsplit_once(':') {
        Some((f, l)) => (f, l.parse().unwrap_or(0)),
        None => (loc, 0),
    }
}

/// How many findings of each severity.
pub fn counts(findings: &[Finding]) -> (usize, usize) {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    (errors, findings.len() - errors)
}
