//! The review page's HTML, rendered on the server with maud.
//!
//! Every questionnaire and library text on the page came from someone else, so it goes
//! through maud's escaping, in text and in attributes alike; nothing here builds HTML by
//! string concatenation. Each action is a plain POST form, so the page works without script;
//! `app.js` only adds keyboard shortcuts, and is served from the same origin because the
//! page's Content-Security-Policy allows no inline script or style.

use std::path::Path;

use maud::{html, Markup, DOCTYPE};

use super::decisions::{Action, Decision};
use super::read::ReviewRow;
use super::server::Progress;
use crate::knowledge::Entry;

pub const CSS: &str = include_str!("assets/app.css");
pub const JS: &str = include_str!("assets/app.js");

/// A search made from one card.
pub struct Search {
    pub card: usize,
    pub q: String,
    /// Positions in the library's entries, best first.
    pub hits: Vec<usize>,
}

/// Everything the page shows.
pub struct View<'a> {
    pub token: &'a str,
    pub title: &'a str,
    pub sidecar: &'a Path,
    pub rows: &'a [ReviewRow],
    /// The latest decision of each row.
    pub current: &'a [Option<Decision>],
    pub progress: Progress,
    pub entries: &'a [Entry],
    pub search: Option<Search>,
}

impl View<'_> {
    fn url(&self, path: &str) -> String {
        format!("{path}?token={}", self.token)
    }
    fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }
}

/// "access-control-policy §3.2; soc2-report-2026 §CC6.1" out of the review's citation cell
/// ("Source: ... [vouch: id; confidence 0.62]").
fn sources(citation: &str) -> String {
    let s = citation.trim();
    let s = s.strip_prefix("Source:").unwrap_or(s);
    let s = s.split(" [vouch:").next().unwrap_or(s);
    s.trim().to_string()
}

fn entry_sources(e: &Entry) -> String {
    e.citations
        .iter()
        .map(|c| format!("{} §{}", c.doc, c.section))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A confidence as a percentage with its colour class.
fn confidence(c: Option<f64>) -> Markup {
    match c {
        Some(c) => {
            let class = if c >= 0.8 {
                "conf high"
            } else if c >= 0.5 {
                "conf mid"
            } else {
                "conf low"
            };
            html! { span class=(class) title="Confidence" { (format!("{:.0}%", c * 100.0)) } }
        }
        None => html! {},
    }
}

/// The document around `body`: the page's stylesheet and script when it has a `View`.
fn layout(title: &str, v: Option<&View>, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                @if let Some(v) = v {
                    link rel="stylesheet" href=(v.url("/app.css"));
                    script src=(v.url("/app.js")) defer {}
                }
            }
            body { (body) }
        }
    }
    .into_string()
}

/// A plain page with a message (errors, refusals): no stylesheet, since it may be shown to a
/// request without the token.
pub fn message(title: &str, text: &str, back: Option<&str>) -> String {
    layout(
        title,
        None,
        html! {
            h1 { (title) }
            p { (text) }
            @if let Some(b) = back { p { a href=(b) { "Back to the review" } } }
        },
    )
}

/// The page after Finish.
pub fn finished(p: Progress, sidecar: &Path) -> String {
    layout(
        "Review finished",
        None,
        html! {
            h1 { "Review finished" }
            p { (p.decided) " of " (p.total) " decided" @if p.skipped > 0 { ", " (p.skipped) " skipped" } "." }
            p { "Every decision is saved in " code { (sidecar.display()) } ". You can close this tab; run "
                code { "vouch review" } " again to continue." }
        },
    )
}

/// The review page: a sticky header with progress, then one card per row.
pub fn review(v: &View) -> String {
    let p = v.progress;
    let body = html! {
            header.top {
                div.bar {
                    div.brand {
                        span.logo { "Vouch" }
                        span.file title=(v.title) { (v.title) }
                    }
                    div.progress {
                        progress value=(p.decided) max=(p.total.max(1)) {}
                        span.count {
                            strong { (p.decided) " of " (p.total) } " decided"
                            @if p.skipped > 0 { span.skipped { " · " (p.skipped) " skipped" } }
                        }
                    }
                    form.finish method="post" action=(v.url("/finish")) {
                        button.btn.finish type="submit" title="Stop the review server; every decision is already saved" { "Finish" }
                    }
                }
                div.keys {
                    span { kbd { "A" } " accept" }
                    span { kbd { "2" } kbd { "3" } " candidate" }
                    span { kbd { "E" } " edit" }
                    span { kbd { "N" } " N/A" }
                    span { kbd { "S" } " skip" }
                    span { kbd { "/" } " search" }
                    span { kbd { "J" } kbd { "K" } " next / previous" }
                    span.saved { "Saved as you go to " code { (v.sidecar.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()) } }
                }
            }
            main {
                @if v.rows.is_empty() {
                    p.empty { "Nothing to review: every question was answered with confidence." }
                }
                @for (i, row) in v.rows.iter().enumerate() {
                    (card(v, i, row))
                }
            }
    };
    layout(&format!("Review · {}", v.title), Some(v), body)
}

fn decide_form(
    v: &View,
    i: usize,
    fields: &[(&str, &str)],
    label: Markup,
    class: &str,
    key: Option<&str>,
) -> Markup {
    html! {
        form.inline method="post" action=(v.url("/decide")) {
            input type="hidden" name="card" value=(i);
            @for (k, val) in fields { input type="hidden" name=(k) value=(val); }
            button type="submit" class=(class) data-key=[key] { (label) }
        }
    }
}

fn card(v: &View, i: usize, row: &ReviewRow) -> Markup {
    let decision = v.current.get(i).and_then(Option::as_ref);
    let state = match decision.map(|d| &d.action) {
        None => "open",
        Some(Action::Skip) => "skipped",
        Some(Action::NotApplicable) => "na",
        Some(_) => "done",
    };
    let searching = v.search.as_ref().filter(|s| s.card == i);
    let own = match decision.map(|d| &d.action) {
        Some(Action::Text { text }) => Some(text.as_str()),
        _ => None,
    };
    let prefill = own
        .or(row.offered.first().map(|o| o.answer.as_str()))
        .unwrap_or("");
    html! {
        article id=(format!("card-{i}")) class=(format!("card {state}")) data-card=(i) {
            div.meta {
                span.where {
                    @if !row.sheet.is_empty() { (row.sheet) span.sep { "·" } }
                    "Row " (row.row)
                    @if !row.qid.is_empty() { span.sep { "·" } "ID " span.qid { (row.qid) } }
                }
                span class=(format!("status {}", row.status)) { (row.status) }
                span.num { (i + 1) " / " (v.rows.len()) }
            }
            @if !row.context.is_empty() { p.context { (row.context) } }
            h2.question { (row.question) }
            @if let Some(d) = decision { (decided(v, row, d)) }
            @match row.offered.iter().find(|o| o.n == 1) {
                Some(o) => {
                    section.proposal {
                        div.label {
                            span.tag { "Proposed answer" }
                            code.entry { (o.entry) }
                            (confidence(o.confidence))
                        }
                        p.answer { (o.answer) }
                        @let src = sources(&row.citation);
                        @if !src.is_empty() { p.cite { span { "Source" } (src) } }
                        div.do {
                            (decide_form(v, i, &[("action", "accept")], html! { "Accept proposal " kbd { "A" } }, "btn primary", Some("a")))
                        }
                    }
                }
                None => {
                    section.proposal.none {
                        p { "No answer in the library matched well enough. Write one, search the library, or mark it N/A." }
                    }
                }
            }
            @if row.offered.iter().any(|o| o.n > 1) {
                div.alternatives {
                    @for o in row.offered.iter().filter(|o| o.n > 1) {
                        @let n = o.n.to_string();
                        section.candidate {
                            div.label {
                                span.tag { "Candidate " (n) }
                                code.entry { (o.entry) }
                                (confidence(o.confidence))
                            }
                            p.answer { (o.answer) }
                            @if let Some(e) = v.entry(&o.entry) {
                                @let src = entry_sources(e);
                                @if !src.is_empty() { p.cite { span { "Source" } (src) } }
                            }
                            div.do {
                                (decide_form(v, i, &[("action", "candidate"), ("n", n.as_str())], html! { "Use candidate " (n) " " kbd { (n) } }, "btn", Some(n.as_str())))
                            }
                        }
                    }
                }
            }
            div.actions {
                (decide_form(v, i, &[("action", "na")], html! { "Not applicable " kbd { "N" } }, "btn quiet", Some("n")))
                (decide_form(v, i, &[("action", "skip")], html! { "Skip for now " kbd { "S" } }, "btn quiet", Some("s")))
            }
            details.edit open[own.is_some()] {
                summary { "Write your own answer " kbd { "E" } }
                form method="post" action=(v.url("/decide")) {
                    input type="hidden" name="card" value=(i);
                    input type="hidden" name="action" value="text";
                    textarea name="text" rows="5" aria-label="Your answer" { (prefill) }
                    div.do { button.btn.primary type="submit" { "Save my answer" } span.hint { "Ctrl+Enter" } }
                }
            }
            details.search open[searching.is_some()] {
                summary { "Search the library " kbd { "/" } }
                form.searchbox method="get" action=(format!("/#card-{i}")) {
                    input type="hidden" name="token" value=(v.token);
                    input type="hidden" name="card" value=(i);
                    input type="search" name="q" value=(searching.map(|s| s.q.as_str()).unwrap_or("")) placeholder="Keywords or an entry id" aria-label="Search the library";
                    button.btn type="submit" { "Search" }
                }
                @if let Some(s) = searching {
                    @if s.hits.is_empty() { p.nohits { "No entry matches these words." } }
                    ol.hits {
                        @for e in s.hits.iter().filter_map(|p| v.entries.get(*p)) {
                            li {
                                div.label { code.entry { (e.id) } span.hq { (e.question) } }
                                p.answer { (e.answer) }
                                @let src = entry_sources(e);
                                @if !src.is_empty() { p.cite { span { "Source" } (src) } }
                                div.do { (decide_form(v, i, &[("action", "entry"), ("id", e.id.as_str())], html! { "Use this entry" }, "btn", None)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The banner of a decided card: what was decided, by whom, when.
fn decided(v: &View, row: &ReviewRow, d: &Decision) -> Markup {
    let offered = |n: usize| row.offered.iter().find(|o| usize::from(o.n) == n);
    let (what, detail): (String, Option<String>) = match &d.action {
        Action::Accept => (
            format!(
                "Accepted the proposal{}",
                offered(1)
                    .map(|o| format!(" ({})", o.entry))
                    .unwrap_or_default()
            ),
            offered(1).map(|o| o.answer.clone()),
        ),
        Action::Candidate { n } => (
            format!(
                "Chose candidate {n}{}",
                offered(usize::from(*n))
                    .map(|o| format!(" ({})", o.entry))
                    .unwrap_or_default()
            ),
            offered(usize::from(*n)).map(|o| o.answer.clone()),
        ),
        Action::Entry { id } => (
            format!("Chose library entry {id}"),
            v.entry(id).map(|e| e.answer.clone()),
        ),
        Action::NotApplicable => ("Marked not applicable".into(), None),
        Action::Skip => ("Skipped for now".into(), None),
        Action::Text { text } => ("Own answer".into(), Some(text.clone())),
    };
    let when = d.when.replace('T', " ").replace('Z', " UTC");
    html! {
        div.decision {
            div.what {
                span.mark { (match d.action { Action::Skip => "↷", Action::NotApplicable => "∅", _ => "✓" }) }
                (what)
            }
            @if let Some(t) = detail { p.answer { (t) } }
            div.who { (d.who) " · " (when) " · " @if d.via == "excel" { "in the workbook" } @else { "in the browser" } " · change it below" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_read_without_the_vouch_suffix() {
        assert_eq!(
            sources("Source: a §1; b §2 [vouch: x; confidence 0.62]"),
            "a §1; b §2"
        );
        assert_eq!(sources(""), "");
    }

    #[test]
    fn hostile_text_is_escaped_in_text_and_attributes() {
        let bad = "\"><img src=x onerror=alert(1)><script>alert(1)</script>";
        let row = ReviewRow {
            at: 2,
            sheet: bad.into(),
            row: 3,
            qid: bad.into(),
            question: bad.into(),
            context: bad.into(),
            status: "review\"><script>".into(),
            citation: bad.into(),
            offered: vec![super::super::read::Offered {
                n: 1,
                entry: bad.into(),
                confidence: Some(0.4),
                answer: bad.into(),
            }],
            decision: None,
            reviewer_notes: String::new(),
            note: String::new(),
        };
        let rows = [row];
        let html = review(&View {
            token: "t",
            title: bad,
            sidecar: Path::new("x.jsonl"),
            rows: &rows,
            current: &[None],
            progress: Progress::default(),
            entries: &[],
            search: None,
        });
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("\"><img"), "{html}");
        assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}
