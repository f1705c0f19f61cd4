//! Deciding each question: the matcher's ranking → `auto`, `review`, `unanswered` or `kept`.
//!
//! Separate from planning cell edits (the parent module) because this is the stage that
//! scales with the questionnaire: rows that ask the same thing are decided once, the
//! distinct questions across cores, and a paragraph-long question is matched on its first
//! words only and sent to review. Everything here is a pure function of the question, its
//! context and the library, so the items come out the same whatever the thread count.

use crate::knowledge::{Entry, ShortAnswer};
use crate::matcher::{confidence, Matcher, Query, Ranking};
use crate::sheet::{QuestionRow, Questionnaire};

use super::{compound, Item, Proposal, Status, Thresholds};

/// The matching context of a row: its section heading, context columns and id prefix.
pub fn row_query(r: &QuestionRow) -> Query {
    let mut context = Vec::new();
    if let Some(s) = &r.section {
        context.push(s.clone());
    }
    context.extend(r.context.iter().cloned());
    if let Some(prefix) = r.qid.as_deref().and_then(id_prefix) {
        context.push(prefix);
    }
    Query {
        text: r.question.clone(),
        context,
        qid: r.qid.clone(),
    }
}

/// The letters that open a question id (`BCR-01.2` → `BCR`, `A&A-02` → `A&A`), if any.
pub(super) fn id_prefix(qid: &str) -> Option<String> {
    let p: String = qid
        .trim()
        .chars()
        .take_while(|c| c.is_alphabetic() || *c == '&')
        .collect();
    (p.chars().filter(|c| c.is_alphabetic()).count() >= 2).then_some(p)
}

/// Decide every question of a questionnaire.
///
/// Rows that ask the same thing in the same context (the same question text, section,
/// context columns and id prefix) are matched once: the decision depends on nothing else.
/// The distinct questions are matched across the machine's cores (rayon); each decision is a
/// pure function of its question, and the results are put back in row order, so the output
/// is the same, byte for byte, whatever the number of threads.
pub fn decide_all(
    q: &Questionnaire,
    m: &Matcher<'_>,
    entries: &[Entry],
    t: Thresholds,
    overwrite: bool,
) -> Vec<Item> {
    decide_all_with(q, m, entries, t, overwrite, &|_| {})
}

/// How far [`decide_all_with`] has got: first how many distinct questions it will match, then
/// one step per question matched (for a progress bar; called from any thread).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Distinct(usize),
    Matched,
}

/// [`decide_all`], telling `progress` how far it has got.
pub fn decide_all_with(
    q: &Questionnaire,
    m: &Matcher<'_>,
    entries: &[Entry],
    t: Thresholds,
    overwrite: bool,
    progress: &(dyn Fn(Step) + Sync),
) -> Vec<Item> {
    use rayon::prelude::*;
    let rows: Vec<&QuestionRow> = q.sheets.iter().flat_map(|s| s.rows.iter()).collect();
    let m = m.for_questionnaire(rows.iter().map(|r| r.question.as_str()));
    let queries: Vec<Option<Query>> = rows
        .iter()
        .map(|r| (!kept(r, overwrite)).then(|| row_query(r)))
        .collect();
    // Each row's slot among the distinct queries, and how many rows use each slot.
    let mut slot_of: std::collections::HashMap<&Query, usize> = std::collections::HashMap::new();
    let mut distinct: Vec<&Query> = Vec::new();
    let mut uses: Vec<usize> = Vec::new();
    let slots: Vec<Option<usize>> = queries
        .iter()
        .map(|q| {
            let q = q.as_ref()?;
            let slot = *slot_of.entry(q).or_insert_with(|| {
                distinct.push(q);
                uses.push(0);
                distinct.len() - 1
            });
            if let Some(n) = uses.get_mut(slot) {
                *n += 1;
            }
            Some(slot)
        })
        .collect();
    drop(slot_of);
    progress(Step::Distinct(distinct.len()));
    let mut decided: Vec<Option<Decision>> = distinct
        .par_iter()
        .map(|query| {
            let d = decide_query(query, &m, entries, t);
            progress(Step::Matched);
            Some(d)
        })
        .collect();
    rows.iter()
        .zip(slots)
        .map(|(r, slot)| {
            let mut item = blank_item(r);
            let d = slot.and_then(|s| {
                let n = uses.get_mut(s)?;
                *n -= 1;
                // The last row to use a decision takes it; the others copy it.
                let d = decided.get_mut(s)?;
                if *n == 0 {
                    d.take()
                } else {
                    d.clone()
                }
            });
            match d {
                Some(d) => d.apply(&mut item),
                None => item.status = Status::Kept,
            }
            item
        })
        .collect()
}

/// True when the row keeps the customer's existing answer.
fn kept(r: &QuestionRow, overwrite: bool) -> bool {
    r.existing_answer.is_some() && !overwrite
}

/// A row's item before any decision.
fn blank_item(r: &QuestionRow) -> Item {
    let context = row_query(r).context;
    Item {
        sheet: r.sheet.clone(),
        row: r.row + 1,
        question: r.question.clone(),
        qid: r.qid.clone(),
        context,
        status: Status::Unanswered,
        proposal: None,
        parts: Vec::new(),
        alternatives: Vec::new(),
        existing: r.existing_answer.clone(),
        note: None,
    }
}

/// Decide one question row.
pub fn decide(
    r: &QuestionRow,
    m: &Matcher<'_>,
    entries: &[Entry],
    t: Thresholds,
    overwrite: bool,
) -> Item {
    let mut item = blank_item(r);
    if kept(r, overwrite) {
        item.status = Status::Kept;
        return item;
    }
    decide_query(&row_query(r), m, entries, t).apply(&mut item);
    item
}

/// What matching decides for a question: the parts of an item that depend on the question
/// and its context alone.
#[derive(Debug, Clone)]
struct Decision {
    status: Status,
    proposal: Option<Proposal>,
    parts: Vec<Proposal>,
    alternatives: Vec<Proposal>,
    note: Option<String>,
}

impl Decision {
    fn apply(self, item: &mut Item) {
        item.status = self.status;
        item.proposal = self.proposal;
        item.parts = self.parts;
        item.alternatives = self.alternatives;
        item.note = self.note;
    }
}

fn decide_query(query: &Query, m: &Matcher<'_>, entries: &[Entry], t: Thresholds) -> Decision {
    let mut item = Item {
        sheet: String::new(),
        row: 0,
        question: String::new(),
        qid: None,
        context: Vec::new(),
        status: Status::Unanswered,
        proposal: None,
        parts: Vec::new(),
        alternatives: Vec::new(),
        existing: None,
        note: None,
    };
    // A paragraph-long "question" is matched on its opening words only (see
    // `matcher::MAX_MATCHED_WORDS`); the rest was never read, so a person must.
    let (head, cut) = crate::matcher::matched_text(&query.text);
    let head_query;
    let matched = if cut {
        head_query = Query {
            text: head.to_string(),
            context: query.context.clone(),
            qid: query.qid.clone(),
        };
        &head_query
    } else {
        query
    };
    let ranking = m.rank(matched);
    fill_item(&mut item, &ranking, m, matched, entries, t);
    if cut {
        if item.status == Status::Auto {
            item.status = Status::Review;
        }
        let why = format!(
            "the question is a paragraph of {} words; only its first {} were matched: read \
             the rest before answering",
            crate::text::word_count(&query.text),
            crate::matcher::MAX_MATCHED_WORDS
        );
        item.note = Some(match item.note.take() {
            Some(n) => format!("{why}; {n}"),
            None => why,
        });
    }
    Decision {
        status: item.status,
        proposal: item.proposal,
        parts: item.parts,
        alternatives: item.alternatives,
        note: item.note,
    }
}

fn fill_item(
    item: &mut Item,
    ranking: &Ranking,
    m: &Matcher<'_>,
    query: &Query,
    entries: &[Entry],
    t: Thresholds,
) {
    let props: Vec<Proposal> = ranking
        .candidates
        .iter()
        .take(3)
        .enumerate()
        .filter_map(|(i, c)| {
            let conf = if i == 0 {
                ranking.confidence
            } else {
                confidence::candidate_confidence(&ranking.candidates, i)
            };
            entries
                .get(c.entry)
                .map(|e| Proposal::from_entry(m, e, conf, c))
        })
        .collect();
    let mut props = props.into_iter();
    let Some(mut first) = props.next() else {
        return;
    };
    item.alternatives = props.collect();
    // A compound question ("at rest and in transit") needs every part answered: either each
    // part is matched confidently and cited, or the row goes to review. Each part is judged
    // on its own, so the other part's entry is no rival for the first: a compound whose two
    // halves split the vote is not unanswered for it.
    let outcome = compound::detect(query, ranking, m, entries, t);
    if let Some(c) = outcome.as_ref().and_then(|o| o.first_confidence) {
        first.confidence = first.confidence.max(c);
    }
    if first.confidence < t.review {
        item.status = Status::Unanswered;
        item.alternatives.insert(0, first);
        return;
    }
    item.status = if first.confidence >= t.auto && !first.draft {
        Status::Auto
    } else {
        Status::Review
    };
    let mut notes = Vec::new();
    if first.draft {
        notes.push(format!(
            "'{}' is a draft answer a reviewer wrote; its owner has yet to confirm it",
            first.id
        ));
    }
    if let Some(outcome) = outcome {
        item.parts = outcome.extra;
        if let Some(ask) = outcome.unanswered {
            notes.push(format!(
                "the question also asks \"{ask}\": no library entry answers it"
            ));
        }
        item.alternatives
            .retain(|a| !item.parts.iter().any(|p| p.id == a.id));
        if item.parts.iter().any(|p| p.draft) {
            item.status = Status::Review;
            notes.push("a part is answered by a draft its owner has yet to confirm".into());
        }
        if !outcome.complete {
            item.status = Status::Review;
        }
    }
    // "At least monthly" asked, "quarterly" answered: the entry is the right one, but its
    // answer says no to the question, whatever its Yes says. A person decides.
    if first.features.bar_unmet > 0.0 {
        item.status = Status::Review;
        notes.push(
            "the answer states a lower frequency than the question's \"at least\"; check \
             before answering Yes"
                .to_string(),
        );
    }
    // Frequencies on both sides of the bar: a Yes may be wrong.
    if first.features.bar_mixed > 0.0 && first.short_answer == Some(ShortAnswer::Yes) {
        item.status = Status::Review;
        notes.push(
            "the answer states frequencies above and below the question's \"at least\"; \
             check before answering Yes"
                .to_string(),
        );
    }
    if !notes.is_empty() {
        item.note = Some(notes.join("; "));
    }
    item.proposal = Some(first);
}
