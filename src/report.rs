//! Results as people and machines read them: the JSON report and the terminal summary.
//!
//! The JSON report has a fixed shape that other tools and the evaluations read
//! (`input`, `output`, `matching`, `summary`, `items` with `sheet`, `row`, `question`, `status`,
//! `answer_id`, `confidence`, `answer`, `short_answer`, `citations`, `alternatives`); extra
//! fields (`question_id`, `context`, `parts`) only add to it. This is the only module that
//! formats fill results for output.

use std::path::Path;

use serde::Serialize;

use crate::fill::{Item, Proposal, Status, Summary};
use crate::knowledge::Citation;

#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub input: String,
    pub output: Option<String>,
    /// How questions were matched: "meaning and words" (with a model) or "words only".
    pub matching: &'static str,
    pub summary: Summary,
    pub items: Vec<ReportItem<'a>>,
}

#[derive(Debug, Serialize)]
pub struct ReportItem<'a> {
    pub sheet: &'a str,
    pub row: u32,
    pub question: &'a str,
    pub status: Status,
    pub answer_id: Option<&'a str>,
    pub confidence: f32,
    pub answer: Option<std::borrow::Cow<'a, str>>,
    pub short_answer: Option<&'static str>,
    pub citations: Vec<&'a Citation>,
    pub alternatives: Vec<Alternative<'a>>,
    pub question_id: Option<&'a str>,
    pub context: &'a [String],
    pub parts: Vec<Alternative<'a>>,
    /// Why a matched answer was not written, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct Alternative<'a> {
    pub id: &'a str,
    pub confidence: f32,
}

fn round(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

fn alt(p: &Proposal) -> Alternative<'_> {
    Alternative {
        id: &p.id,
        confidence: round(p.confidence),
    }
}

pub fn report<'a>(
    input: &Path,
    output: Option<&Path>,
    matching: &'static str,
    items: &'a [Item],
) -> Report<'a> {
    let summary = crate::fill::summarize(items);
    let items = items
        .iter()
        .map(|i| {
            let chosen = match i.status {
                Status::Auto | Status::Review => i.proposal.as_ref(),
                _ => None,
            };
            ReportItem {
                sheet: &i.sheet,
                row: i.row,
                question: &i.question,
                status: i.status,
                answer_id: chosen.map(|p| p.id.as_str()),
                confidence: round(
                    i.proposal
                        .as_ref()
                        .or(i.alternatives.first())
                        .map(|p| p.confidence)
                        .unwrap_or(0.0),
                ),
                // Borrowed unless parts are joined: a report of 200,000 rows would otherwise
                // copy every answer.
                answer: chosen.map(|p| {
                    if i.parts.is_empty() {
                        std::borrow::Cow::Borrowed(&*p.answer)
                    } else {
                        std::borrow::Cow::Owned(crate::fill::full_answer(p, &i.parts))
                    }
                }),
                short_answer: chosen.and_then(|p| p.short_answer).map(|s| s.as_str()),
                citations: chosen
                    .map(|p| {
                        p.citations
                            .iter()
                            .chain(i.parts.iter().flat_map(|q| q.citations.iter()))
                            .collect()
                    })
                    .unwrap_or_default(),
                alternatives: i.alternatives.iter().map(alt).collect(),
                question_id: i.qid.as_deref(),
                context: &i.context,
                parts: i.parts.iter().map(alt).collect(),
                note: i.note.as_deref(),
            }
        })
        .collect();
    Report {
        input: input.display().to_string(),
        output: output.map(|p| p.display().to_string()),
        matching,
        summary,
        items,
    }
}

/// The one-screen terminal summary of a fill.
pub fn summary_text(
    input: &Path,
    s: &Summary,
    outputs: &[(String, String)],
    notes: &[String],
) -> String {
    // Coloured on a terminal (see `cli::term`): what is done, what needs a person, what is
    // missing.
    use crate::cli::term::{paint, Stream, Tone};
    let count = |n: usize, what: &str, tone: Tone| {
        let text = format!("{n} {what}");
        if n == 0 {
            text
        } else {
            paint(&text, tone, Stream::Out)
        }
    };
    let mut out = format!(
        "{}: {} questions: {}, {}, {}, {} kept\n",
        input.display(),
        s.questions,
        count(s.auto, "auto", Tone::Good),
        count(s.review, "review", Tone::Warn),
        count(s.unanswered, "unanswered", Tone::Bad),
        s.kept
    );
    for n in notes {
        out.push_str(&format!("  note: {n}\n"));
    }
    for (what, path) in outputs {
        out.push_str(&format!("  {what:<8} {path}\n"));
    }
    out
}
