//! `vouch explain`: why a question matches what it matches.
//!
//! Prints the analysed terms of a question and the top candidates with the features behind
//! their scores, so that a library maintainer can see which words won and add an alternate
//! phrasing or a synonym where the library falls short. It ends with the decision a fill
//! would make (auto, review or unanswered, the parts of a compound question, notes).

use serde_json::json;

use crate::cli::outln;
use crate::cli::{ExitStatus, LibraryArg};
use crate::error::{Error, Result};
use crate::matcher::{Matcher, Query};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vouch explain \"Do you have a SOC 2 Type II report?\"\n  vouch explain \"Is the plan tested annually?\" --context \"Disaster Recovery\"\n  vouch explain \"Do you encrypt data at rest?\" --top 3 --json"
)]
pub struct Args {
    /// The question text
    pub question: String,
    /// Context words (section heading, control title), may repeat
    #[arg(long)]
    pub context: Vec<String>,
    /// The row's question id (`A&A-01.1`): an entry with that id counts it as evidence
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// How many candidates to show
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    #[command(flatten)]
    pub library: LibraryArg,
    #[command(flatten)]
    pub model: crate::cli::model::MatchModelArg,
    /// Print one JSON object (terms, candidates with their features, the fill decision)
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> Result<ExitStatus> {
    // The text lines, unless --json; the JSON document is built alongside in `doc`.
    macro_rules! say {
        ($($t:tt)*) => { if !a.json { outln!($($t)*) } };
    }
    let mut doc = serde_json::Map::new();
    let mut notice = crate::cli::term::notice;
    let emb = crate::cli::model::load_for_matching(&a.model, &mut notice)?;
    let (si, _) = crate::index::open_or_build(&a.library.library)?;
    let semantic = crate::cli::model::semantic_for(emb, &a.library.library, &si, &mut notice)?;
    match &semantic {
        Some(s) => say!("mode:    meaning and words (model {})", s.model()),
        None => say!("mode:    words only"),
    }
    doc.insert("question".into(), json!(a.question));
    doc.insert(
        "mode".into(),
        json!(crate::eval::mode_name(semantic.as_ref())),
    );
    let m = Matcher::new(&si).with_semantic(semantic);
    // Each term with its weight: rare words that tell entries apart weigh most.
    let weighted = |text: &str| -> String {
        m.terms(text)
            .iter()
            .map(|t| format!("{t}({:.1})", m.weight_of([t])))
            .collect::<Vec<_>>()
            .join(" ")
    };
    // As the matcher reads it: "the vendor" that answers is "you".
    let corrected = m.correct_typos(&a.question);
    if corrected != a.question {
        say!("read as: {corrected}");
        doc.insert("read_as".into(), json!(corrected));
    }
    let asked = crate::matcher::respondent_as_you(&corrected);
    say!("terms:   {}", weighted(&asked));
    doc.insert(
        "terms".into(),
        json!(m
            .terms(&asked)
            .iter()
            .map(|t| json!({"term": t, "weight": m.weight_of([t])}))
            .collect::<Vec<_>>()),
    );
    if let Some(kind) = crate::text::question_kind(&asked) {
        say!("asks:    {kind}");
        doc.insert("asks".into(), json!(kind.to_string()));
    }
    if !a.context.is_empty() {
        say!("context: {}", weighted(&a.context.join(" ")));
        doc.insert("context".into(), json!(a.context));
    }
    let r = m.rank(&Query {
        text: a.question.clone(),
        context: a.context.clone(),
        qid: a.id.clone(),
    });
    let unknown = m.unknown_acronyms(&asked, &m.terms(&asked));
    if !unknown.is_empty() {
        say!("unknown to the library: {}", unknown.join(" "));
    }
    doc.insert("unknown_to_library".into(), json!(unknown));
    // Retrieval by meaning: which entries are nearest the question, whatever their words.
    let near: Vec<usize> = m
        .similarities(crate::matcher::matched_text(&a.question).0)
        .map(|s| {
            crate::matcher::semantic::nearest(
                &crate::matcher::meaning(&s),
                crate::matcher::semantic::NEAREST,
            )
        })
        .unwrap_or_default();
    if m.semantic().is_some() {
        let ids: Vec<&str> = near
            .iter()
            .take(5)
            .filter_map(|p| si.entries.get(*p).map(|e| e.id.as_str()))
            .collect();
        say!("nearest in meaning: {}", ids.join(", "));
        doc.insert("nearest_in_meaning".into(), json!(ids));
    }
    say!("confidence {:.3}", r.confidence);
    doc.insert("confidence".into(), json!(r.confidence));
    let mut candidates = Vec::new();
    for (i, c) in r.candidates.iter().enumerate().take(a.top) {
        let Some(e) = si.entries.get(c.entry) else {
            continue;
        };
        let f = &c.features;
        // Ahead of a better score: moved onto the shortlist (best answer text, heaviest
        // named thing).
        let moved = i > 0 && r.candidates.get(i + 1).is_some_and(|n| n.score > c.score);
        let in_meaning = near.iter().position(|p| *p == c.entry).map(|k| k + 1);
        candidates.push(json!({
            "entry": e.id,
            "score": c.score,
            "meaning": m.semantic().map(|_| f.semantic),
            "answer_meaning": m.semantic().map(|_| f.answer_semantic),
            "phrasing": f.phrasing + 0.0,
            "question_coverage": f.question_cov + 0.0,
            "entry_coverage": f.entry_cov + 0.0,
            "answer_coverage": f.answer_cov + 0.0,
            "context_coverage": f.context_cov + 0.0,
            "worded_exactly": f.exact > 0.0,
            "same_id": f.same_id > 0.0,
            "same_kind": f.kind > 0.0,
            "names_a_sibling": f.clash > 0.0,
            "shortlisted": moved,
            "rank_in_meaning": in_meaning,
        }));
        say!(
            "{:.3}  {:<32} {}phrasing {:.2} (covers {:.2} of question)  entry {:.2}  answer {:.2}  context {:.2}{}{}{}{}{}{}",
            c.score,
            e.id,
            if m.semantic().is_some() {
                format!(
                    "meaning {:.2} (answer {:.2})  ",
                    f.semantic, f.answer_semantic
                )
            } else {
                String::new()
            },
            // + 0.0: a share of nothing is -0.0, printed as 0.00.
            f.phrasing + 0.0,
            f.question_cov + 0.0,
            f.entry_cov + 0.0,
            f.answer_cov + 0.0,
            f.context_cov + 0.0,
            if f.exact > 0.0 { "  worded exactly so" } else { "" },
            if f.same_id > 0.0 { "  same id" } else { "" },
            if f.kind > 0.0 { "  same kind" } else { "" },
            if f.clash > 0.0 { "  names a sibling" } else { "" },
            if moved { "  shortlisted" } else { "" },
            match in_meaning {
                Some(k) => format!("  #{k} in meaning"),
                None => String::new(),
            }
        );
    }
    doc.insert("candidates".into(), json!(candidates));
    // The decision a fill would make: status, the parts of a compound, notes for review.
    let row = crate::sheet::QuestionRow {
        sheet: String::new(),
        row: 0,
        question: a.question.clone(),
        qid: None,
        section: None,
        context: a.context.clone(),
        existing_answer: None,
        existing_comment: None,
    };
    let item = crate::fill::decide(
        &row,
        &m,
        &si.entries,
        crate::fill::Thresholds::for_mode(m.semantic().is_some()),
        false,
    );
    let cited: Vec<&str> = item
        .proposal
        .iter()
        .chain(&item.parts)
        .map(|p| p.id.as_str())
        .collect();
    doc.insert("fill".into(), json!(item.status.as_str()));
    doc.insert("cited".into(), json!(cited));
    doc.insert("note".into(), json!(item.note));
    say!(
        "fill:    {}{}",
        item.status.as_str(),
        if cited.is_empty() {
            String::new()
        } else {
            format!(" ({})", cited.join(" + "))
        }
    );
    if let Some(n) = &item.note {
        say!("note:    {n}");
    }
    let mut answers = Vec::new();
    // The text a fill would write, with the library's facts substituted, and the facts used.
    for p in item.proposal.iter().chain(&item.parts) {
        say!("answer:  {}", p.answer);
        let mut facts_used = Vec::new();
        let template = si
            .entries
            .iter()
            .find(|e| e.id == p.id)
            .and_then(|e| e.template.as_deref());
        if let Some(t) = template {
            let facts = crate::knowledge::load_library(&a.library.library)
                .map(|l| l.facts)
                .unwrap_or_default();
            let used: Vec<String> = crate::knowledge::facts::placeholders(t)
                .into_iter()
                .map(|n| match facts.get(n) {
                    Some(f) => format!("{{{n}}} = {}", f.text),
                    None => format!("{{{n}}} (not in facts.toml)"),
                })
                .collect();
            say!("facts:   {}", used.join("; "));
            facts_used = used;
        }
        answers.push(
            json!({"entry": p.id.to_string(), "answer": p.answer.to_string(), "facts": facts_used}),
        );
    }
    if a.json {
        doc.insert("answers".into(), json!(answers));
        let text = serde_json::to_string_pretty(&serde_json::Value::Object(doc))
            .map_err(|e| Error::internal(format!("cannot write JSON: {e}")))?;
        outln!("{text}");
    }
    Ok(ExitStatus::Success)
}
