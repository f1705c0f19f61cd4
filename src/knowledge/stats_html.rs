//! `library stats --html`: the stats as one page a compliance manager can open and forward.
//!
//! The page stands alone: inline CSS, inline SVG bar charts, no script, no font, image or
//! stylesheet from anywhere, so it opens the same from a mail attachment, offline, years
//! later. Every string that comes from the library (names, ids, tags, owners) goes through
//! maud's escaping, in text and attributes alike; nothing here builds HTML by concatenation.

use maud::{html, Markup, DOCTYPE};

use super::stats::{Coverage, Stats};

const CSS: &str = r#"
:root { --ink:#1d2433; --muted:#5b6578; --line:#dde2ea; --accent:#2a6f97; --good:#2e7d5b; --warn:#b7791f; --bad:#b83b3b; --track:#eef1f5; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #f6f7f9; }
main { max-width: 1080px; margin: 0 auto; padding: 32px 40px 48px; background: #fff; min-height: 100vh; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 14px; margin-bottom: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub { color: var(--muted); margin: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .n { font-size: 28px; font-weight: 650; line-height: 1.1; }
.card .l { color: var(--muted); font-size: 13px; }
.card.good .n { color: var(--good); } .card.warn .n { color: var(--warn); } .card.bad .n { color: var(--bad); }
svg { display: block; width: 100%; height: auto; }
svg text { font: 13px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--ink); }
svg .muted { fill: var(--muted); }
.cols { columns: 2; column-gap: 32px; }
.cols.three { columns: 3; }
ul.ids { margin: 0; padding-left: 18px; }
ul.ids li { break-inside: avoid; margin: 1px 0; }
code, .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 13px; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: var(--muted); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 10px; }
@media print { body { background: #fff; } main { padding: 0; } h2 { break-after: avoid; } .cols { columns: 2; } }
"#;

/// The page for `s`.
pub fn render(s: &Stats) -> String {
    let title = format!("Answer library report: {}", s.library);
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " (" (s.date) ")" }
                style { (maud::PreEscaped(CSS)) }
            }
            body {
                main {
                    header {
                        h1 { (title) }
                        p.sub { "As of " (s.date) " · made by " code { "vouch library stats" } }
                    }
                    (headline(s))
                    h2 { "Framework coverage" }
                    p.note {
                        "A criterion or control counts as covered when at least one entry maps to it with a tag such as "
                        code { "soc2:CC6.1" } " or " code { "iso27001:A.8.24" } "."
                    }
                    @for c in &s.coverage {
                        h3 { (c.name) ": " (c.covered) " of " (c.total) " (" (format!("{:.0}%", c.percent())) ")" }
                        (coverage_chart(c))
                    }
                    h2 { "Entries by topic" }
                    (count_chart(&s.by_topic.iter().map(|c| (c.name.as_str(), c.entries)).collect::<Vec<_>>()))
                    h2 { "Entries by owner" }
                    (count_chart(&s.by_owner.iter().map(|c| (c.name.as_str(), c.entries)).collect::<Vec<_>>()))
                    h2 { "Criteria and controls with no answer" }
                    @for c in &s.coverage {
                        h3 { (c.name) " (" (c.uncovered.len()) ")" }
                        @if c.uncovered.is_empty() {
                            p.note { "Every one has at least one answer." }
                        } @else {
                            div.cols { ul.ids {
                                @for u in &c.uncovered { li { span.id { (u.id) } " " (u.title) } }
                            } }
                        }
                        @if !c.unknown.is_empty() {
                            p.note { "Mapping tags that name nothing in " (c.name) ":" }
                            ul.ids {
                                @for u in &c.unknown {
                                    li { span.id { (u.tag) } " (" (u.entries.join(", ")) ")" }
                                }
                            }
                        }
                    }
                    @if !s.drafts.is_empty() {
                        h2 { "Drafts waiting for their owner (" (s.drafts.len()) ")" }
                        div.cols { ul.ids { @for d in &s.drafts { li.id { (d) } } } }
                    }
                    h2 { "Use in questionnaires" }
                    (usage(s))
                    footer {
                        "Library " (s.library) ": " (s.entries) " entries, " (s.sources) " sources, "
                        (s.facts) " facts. Coverage is what the entries' tags claim; it is not an audit."
                    }
                }
            }
        }
    };
    page.into_string()
}

fn headline(s: &Stats) -> Markup {
    let tone = |p: f64| {
        if p >= 80.0 {
            "card good"
        } else if p >= 50.0 {
            "card warn"
        } else {
            "card bad"
        }
    };
    html! {
        div.cards {
            div.card { div.n { (s.entries) } div.l { "entries" } }
            div.card { div.n { (s.sources) } div.l { "source documents" } }
            div class=(if s.drafts.is_empty() { "card" } else { "card warn" }) {
                div.n { (s.drafts.len()) } div.l { "drafts" }
            }
            @for c in &s.coverage {
                div class=(tone(c.percent())) {
                    div.n { (format!("{:.0}%", c.percent())) }
                    div.l { (match c.framework.as_str() {
                        "soc2" => "SOC 2 criteria covered",
                        "iso27001" => "ISO 27001 Annex A controls covered",
                        _ => c.name.as_str(),
                    }) }
                }
            }
            div.card {
                div.n { (s.usage.as_ref().map(|u| u.questionnaires).unwrap_or(0)) }
                div.l { "questionnaires filled" }
            }
        }
    }
}

/// Horizontal bars: one row per (label, value of max), with the value written after the bar.
fn bars(rows: &[(String, usize, usize, String)], label_width: u32) -> Markup {
    const ROW: u32 = 24;
    const WIDTH: u32 = 1000;
    let bar_x = label_width + 10;
    let bar_w = WIDTH - bar_x - 110;
    let height = ROW * rows.len() as u32 + 8;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {WIDTH} {height}")) role="img" {
            @for (i, (label, value, max, text)) in rows.iter().enumerate() {
                @let y = 4 + ROW * i as u32;
                @let w = if *max == 0 { 0 } else { (bar_w as usize * value / max) as u32 };
                @let tone = if *max == 0 { "#2a6f97" } else {
                    let p = 100 * value / max;
                    if p >= 80 { "#2e7d5b" } else if p >= 50 { "#c58b2a" } else { "#b83b3b" }
                };
                text x=(label_width) y=(y + 15) text-anchor="end" { (label) }
                rect x=(bar_x) y=(y + 3) width=(bar_w) height="16" rx="3" fill="#eef1f5" {}
                rect x=(bar_x) y=(y + 3) width=(w) height="16" rx="3" fill=(tone) {}
                text.muted x=(bar_x + bar_w + 8) y=(y + 15) { (text) }
            }
        }
    }
}

fn coverage_chart(c: &Coverage) -> Markup {
    let rows: Vec<(String, usize, usize, String)> = c
        .groups
        .iter()
        .map(|g| {
            (
                format!("{} {}", g.id, g.title),
                g.covered,
                g.total,
                format!("{}/{} ({:.0}%)", g.covered, g.total, g.percent()),
            )
        })
        .collect();
    bars(&rows, 300)
}

/// Counts against the largest, so the bars compare topics with each other (one colour).
fn count_chart(counts: &[(&str, usize)]) -> Markup {
    let max = counts.iter().map(|c| c.1).max().unwrap_or(0);
    let rows: Vec<(String, usize, usize, String)> = counts
        .iter()
        .map(|(name, n)| {
            let name: String = if name.chars().count() > 40 {
                name.chars().take(39).chain(std::iter::once('…')).collect()
            } else {
                name.to_string()
            };
            (name, *n, max, n.to_string())
        })
        .collect();
    counts_bars(&rows)
}

fn counts_bars(rows: &[(String, usize, usize, String)]) -> Markup {
    const ROW: u32 = 24;
    const WIDTH: u32 = 1000;
    const LABEL: u32 = 300;
    let bar_x = LABEL + 10;
    let bar_w = WIDTH - bar_x - 110;
    let height = ROW * rows.len() as u32 + 8;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {WIDTH} {height}")) role="img" {
            @for (i, (label, value, max, text)) in rows.iter().enumerate() {
                @let y = 4 + ROW * i as u32;
                @let w = if *max == 0 { 0 } else { (bar_w as usize * value / max) as u32 };
                text x=(LABEL) y=(y + 15) text-anchor="end" { (label) }
                rect x=(bar_x) y=(y + 3) width=(w.max(2)) height="16" rx="3" fill="#2a6f97" {}
                text.muted x=(bar_x + w.max(2) + 8) y=(y + 15) { (text) }
            }
        }
    }
}

fn usage(s: &Stats) -> Markup {
    let Some(u) = &s.usage else {
        return html! {
            p.note {
                "No fill history yet. Every " code { "vouch fill" }
                " with this library records which entries it used; this section fills in from then on."
            }
        };
    };
    html! {
        p {
            (u.questionnaires) " questionnaires filled, " (u.rows) " rows answered, from "
            (u.first.get(..10).unwrap_or(&u.first)) " to " (u.last.get(..10).unwrap_or(&u.last)) "."
            @if u.unreadable_lines > 0 { " " (u.unreadable_lines) " history lines could not be read." }
        }
        @if !u.most_used.is_empty() {
            h3 { "Most used" }
            table {
                thead { tr { th { "Entry" } th.num { "Uses" } th.num { "Auto" } th.num { "Review" } } }
                tbody {
                    @for m in &u.most_used {
                        tr { td.id { (m.id) } td.num { (m.uses) } td.num { (m.auto) } td.num { (m.review) } }
                    }
                }
            }
        }
        h3 { "Never used (" (u.never_used.len()) ")" }
        @if u.never_used.is_empty() {
            p.note { "Every entry has been used at least once." }
        } @else {
            div.cols.three { ul.ids { @for id in &u.never_used { li.id { (id) } } } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::stats::{Count, Coverage, GroupCoverage};

    #[test]
    fn library_text_is_escaped_everywhere() {
        let evil = "<script>alert(1)</script>";
        let s = Stats {
            library: evil.into(),
            date: "2026-12-05".into(),
            entries: 1,
            sources: 1,
            facts: 0,
            by_topic: vec![Count {
                name: evil.into(),
                entries: 1,
            }],
            by_owner: vec![Count {
                name: "\"><img src=x onerror=alert(1)>".into(),
                entries: 1,
            }],
            drafts: vec![evil.into()],
            coverage: vec![Coverage {
                framework: "soc2".into(),
                name: "SOC 2".into(),
                total: 1,
                covered: 0,
                groups: vec![GroupCoverage {
                    id: "CC1".into(),
                    title: "x".into(),
                    total: 1,
                    covered: 0,
                }],
                uncovered: vec![],
                unknown: vec![crate::knowledge::stats::UnknownMapping {
                    tag: format!("soc2:{evil}"),
                    entries: vec![evil.into()],
                }],
            }],
            usage: None,
        };
        let page = render(&s);
        assert!(!page.contains("<script"), "{page}");
        assert!(!page.contains("<img"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Nothing is fetched from anywhere.
        for external in ["<link", "<img", "<script", "url(", "@import"] {
            assert!(!page.contains(external), "{external}");
        }
    }
}
