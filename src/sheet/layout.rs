//! Finding the questions on a sheet: header row, question, id, answer, comment and context
//! columns, section headings.
//!
//! Real questionnaires put a title block above the header, number their questions in an id
//! column (`IAM-01.2`, `3.1`), split the answer into "Yes/No/N/A" plus "Comments", insert
//! shaded section rows ("4. Disaster Recovery") and repeat boilerplate questions whose meaning
//! only the section or the control-title column gives. Detection works from the header words
//! first and the cell contents second, and every guess can be overridden by a flag. When a
//! sheet has no recognisable question column it is skipped with the reason; when no sheet has
//! one, the error says which flags fix it.

use std::collections::BTreeMap;

use super::{
    col_letter, parse_col_letters, CellRange, Grid, Layout, LayoutOverrides, QuestionRow,
    Questionnaire, SheetQuestions, Workbook,
};
use crate::error::{Error, Location, Result};

/// Longest question text Vouch accepts; anything longer is not a questionnaire cell.
pub const MAX_QUESTION_CHARS: usize = 10_000;
/// Most questions one questionnaire may hold: ten times the largest real ones (SIG Core has
/// under 2,000), and what fills in a few seconds on two cores. Rows that are not questions
/// do not count.
pub const MAX_QUESTIONS: usize = 50_000;
/// Rows scanned from the top for the header.
const HEADER_SCAN_ROWS: u32 = 60;
/// Header cells longer than this are prose, not column titles.
const MAX_HEADER_CHARS: usize = 80;

/// What a header cell says its column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Question,
    Answer,
    Comment,
    Id,
    Context,
    /// A column the vendor never fills nor reads as a question: guidance, scoring, the
    /// customer's own analyst or reviewer notes, "internal use".
    Ignore,
}

fn norm(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for ch in s.chars().flat_map(|c| c.to_lowercase()) {
        if ch.is_alphanumeric() || ch == '#' || ch == '/' {
            out.push(ch);
            last_space = false;
        } else if !last_space {
            out.push(' ');
            last_space = true;
        }
    }
    out.trim_end().to_string()
}

fn has_word(h: &str, words: &[&str]) -> bool {
    h.split([' ', '/']).any(|w| words.contains(&w))
}

fn has_phrase(h: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| h.contains(p))
}

/// The role a header text suggests, if any. Order matters: "Question ID" is an id,
/// "Response comments" is a comment, "Control title" is context.
fn role_of(header: &str) -> Option<Role> {
    let h = norm(header);
    if h.is_empty() || h.chars().count() > MAX_HEADER_CHARS {
        return None;
    }
    const COMMENT: &[&str] = &[
        "comment",
        "comments",
        "notes",
        "note",
        "explanation",
        "justification",
        "remarks",
        "evidence",
        "details",
        "elaboration",
        "clarification",
        "rationale",
    ];
    const COMMENT_PHRASES: &[&str] = &[
        "additional information",
        "additional info",
        "additional detail",
        "implementation description",
        "supporting information",
        "please explain",
        "if no",
        "if yes",
    ];
    const ID_WORDS: &[&str] = &[
        "id",
        "#",
        "no",
        "num",
        "number",
        "ref",
        "reference",
        "nr",
        "sr",
        "sno",
        "s/n",
        "item",
        "index",
        "code",
        "qid",
    ];
    const QUESTION: &[&str] = &[
        "question",
        "questions",
        "request",
        "requirement",
        "requirements",
        "query",
        "ques",
        "criteria",
        "assessment",
    ];
    const ANSWER: &[&str] = &[
        "answer",
        "answers",
        "response",
        "responses",
        "reply",
        "yes/no",
        "y/n",
        "compliant",
        "compliance",
        "status",
        "selection",
    ];
    const CONTEXT: &[&str] = &[
        "domain",
        "category",
        "section",
        "topic",
        "area",
        "title",
        "control",
        "subject",
        "heading",
        "family",
        "group",
        "theme",
        "description",
        "specification",
        "objective",
        "name",
    ];
    const IGNORE: &[&str] = &[
        "guidance",
        "analyst",
        "analysts",
        "institution",
        "reviewer",
        "reviewers",
        "assessor",
        "assessors",
        "evaluator",
        "evaluation",
        "scoring",
        "score",
        "weight",
        "weighting",
        "points",
        "internal",
        "instructions",
        "instruction",
        "example",
        "examples",
    ];
    if has_word(&h, IGNORE) || has_phrase(&h, &["for official use", "office use", "risk rating"]) {
        return Some(Role::Ignore);
    }
    let words: Vec<&str> = h.split(' ').collect();
    let is_id = words.len() <= 3
        && (words.iter().any(|w| ID_WORDS.contains(w)) || h == "no." || h.starts_with('#'))
        && !has_word(&h, ANSWER);
    if has_word(&h, COMMENT) || has_phrase(&h, COMMENT_PHRASES) {
        return Some(Role::Comment);
    }
    if is_id {
        return Some(Role::Id);
    }
    if has_word(&h, QUESTION) && !has_word(&h, ANSWER) {
        return Some(Role::Question);
    }
    if has_word(&h, ANSWER) {
        return Some(Role::Answer);
    }
    if has_word(&h, CONTEXT) {
        return Some(Role::Context);
    }
    None
}

/// Header text per column of one row (short cells only).
fn header_cells(g: &Grid, row: u32) -> BTreeMap<u32, String> {
    g.cells
        .range((row, 0)..(row + 1, 0))
        .filter(|(_, v)| v.chars().count() <= MAX_HEADER_CHARS)
        .map(|(&(_, c), v)| (c, v.clone()))
        .collect()
}

/// Average length of the texts in `col` from row `start` down, sampled.
fn avg_len_below(g: &Grid, start: u32, col: u32) -> f32 {
    let (mut n, mut total) = (0usize, 0usize);
    for ((_, _), v) in g
        .cells
        .range((start, 0)..)
        .filter(|((_, c), _)| *c == col)
        .take(300)
    {
        n += 1;
        total += v.chars().count().min(500);
    }
    if n == 0 {
        0.0
    } else {
        total as f32 / n as f32
    }
}

/// True when a row below the header has a cell in `col` (stops at the first: a sheet of
/// 2,000,000 cells is not counted for each header candidate).
fn filled_below(g: &Grid, header: u32, col: u32) -> bool {
    g.cells
        .range((header + 1, 0)..)
        .any(|((_, c), _)| *c == col)
}

/// A header candidate: its row and the role of each titled column.
struct HeaderGuess {
    row: u32,
    roles: BTreeMap<u32, Role>,
}

fn guess_header(g: &Grid, max_row: u32) -> Option<HeaderGuess> {
    let mut best: Option<(u32, HeaderGuess)> = None;
    for r in 0..=max_row.min(HEADER_SCAN_ROWS) {
        let cells = header_cells(g, r);
        if cells.is_empty() {
            continue;
        }
        let mut roles: BTreeMap<u32, Role> = cells
            .iter()
            .filter_map(|(&c, v)| role_of(v).map(|role| (c, role)))
            .collect();
        // A header names at least two kinds of column, or one question column with data under it.
        let q_has_data = roles
            .iter()
            .filter(|(_, role)| **role == Role::Question)
            .any(|(&c, _)| filled_below(g, r, c));
        let mut penalty = 0;
        if !q_has_data {
            // A header that names the answer column but not the questions (HECVAT's
            // "<section> | | Answer | Additional Information", a VSA's "Data Classification |
            // | Answer"): the question column is the one whose cells below read like
            // questions.
            if !roles.values().any(|r| *r == Role::Answer) {
                continue;
            }
            let Some(c) = question_col_by_content(g, r + 1, &roles) else {
                continue;
            };
            roles.insert(c, Role::Question);
            penalty = 5;
        }
        let distinct: std::collections::BTreeSet<_> = roles.values().map(|r| *r as u8).collect();
        let score = (distinct.len() as u32 * 10 + roles.len() as u32).saturating_sub(penalty);
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, HeaderGuess { row: r, roles }));
        }
    }
    best.map(|(_, h)| h)
}

/// How much a cell reads like a question or a field to fill in: 2 for a question ("...?",
/// "Describe ..."), 1 for a label or sentence of two or more words ("Solution Provider
/// Name"), 0 for ids and codes ("GNRL-01", "3.1"), numbers, single words and Yes/No.
fn question_weight(t: &str) -> u32 {
    let t = t.trim();
    if t.is_empty() || looks_like_id(t) {
        return 0;
    }
    if t.ends_with('?') || opens_like_question(t) {
        return 2;
    }
    let words = t
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .count();
    u32::from(words >= 2)
}

/// Rows looked at below a header when judging columns by their content.
const CONTENT_SCAN_ROWS: u32 = 400;

/// The column whose cells below `start` read most like questions, among columns the header
/// does not give another role (answer, comment, id, ignored). Columns right of the answer
/// column count half: questions come before their answers. None when no column has two
/// question-like cells.
fn question_col_by_content(g: &Grid, start: u32, roles: &BTreeMap<u32, Role>) -> Option<u32> {
    let answer = roles
        .iter()
        .find(|(_, r)| **r == Role::Answer)
        .map(|(c, _)| *c);
    let mut score: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
    for (&(_, c), v) in g
        .cells
        .range((start, 0)..(start.saturating_add(CONTENT_SCAN_ROWS), 0))
    {
        if matches!(
            roles.get(&c),
            Some(Role::Answer | Role::Comment | Role::Id | Role::Ignore)
        ) {
            continue;
        }
        let w = question_weight(v);
        let e = score.entry(c).or_insert((0, 0));
        e.0 += w;
        e.1 += u32::from(w > 0);
    }
    score
        .into_iter()
        .filter(|(_, (_, n))| *n >= 2)
        .map(|(c, (w, _))| {
            (
                c,
                if answer.is_some_and(|a| c > a) {
                    w / 2
                } else {
                    w
                },
            )
        })
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(c, _)| c)
}

/// Share of the cells in `col` below `start` that read like questions (0..1).
fn question_share(g: &Grid, start: u32, col: u32) -> f32 {
    let (mut n, mut q) = (0u32, 0u32);
    for (_, v) in g
        .cells
        .range((start, 0)..(start.saturating_add(CONTENT_SCAN_ROWS), 0))
        .filter(|((_, c), _)| *c == col)
    {
        n += 1;
        q += u32::from(question_weight(v) > 0);
    }
    if n == 0 {
        0.0
    } else {
        q as f32 / n as f32
    }
}

/// No header words: the column with the most question-like cells (long, or ending in `?`).
fn guess_by_content(g: &Grid) -> Option<(u32, u32)> {
    let mut per_col: BTreeMap<u32, (usize, u32)> = BTreeMap::new();
    for (&(r, c), v) in &g.cells {
        let t = v.trim();
        // Questions, long sentences, and the labels of a form ("Solution Provider Name").
        if t.ends_with('?')
            || (t.chars().count() >= 40 && t.contains(' '))
            || (t.chars().count() <= 80 && t.contains(' ') && looks_like_field(t))
        {
            let e = per_col.entry(c).or_insert((0, r));
            e.0 += 1;
            e.1 = e.1.min(r);
        }
    }
    let (&col, &(n, first)) = per_col.iter().max_by_key(|(_, (n, _))| *n)?;
    (n >= 2).then(|| (first.saturating_sub(1), col))
}

/// Resolve a column flag: letters (`C`) or the text of a header cell (`Question`).
fn resolve_col(
    flag: &str,
    what: &str,
    headers: &BTreeMap<u32, String>,
    loc: &Location,
) -> Result<u32> {
    let wanted = norm(flag);
    if let Some((&c, _)) = headers.iter().find(|(_, h)| norm(h) == wanted) {
        return Ok(c);
    }
    if let Some(c) = parse_col_letters(flag) {
        return Ok(c);
    }
    let known: Vec<String> = headers
        .iter()
        .map(|(c, h)| format!("{}='{}'", col_letter(*c), h))
        .collect();
    Err(Error::input(
        loc.clone(),
        format!(
            "--{what} '{flag}' is neither a column letter nor a header on the header row (headers: {})",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ),
    ))
}

/// Why a sheet is not the vendor's to answer, from its name: instructions and lists, or the
/// customer's own evaluation (scoring, analyst and institution sheets), which a vendor must
/// never touch.
fn sheet_skip_reason(name: &str) -> Option<&'static str> {
    let n = norm(name);
    let any = |words: &[&str]| words.iter().any(|w| n.contains(w));
    if any(&[
        "evaluation",
        "analyst",
        "scoring",
        "score",
        "reviewer",
        "assessor",
        "internal use",
        "summary",
        "dashboard",
        "results",
    ]) {
        return Some("the customer's evaluation, not for the vendor to fill");
    }
    if any(&[
        "instruction",
        "readme",
        "read me",
        "guidance",
        "glossary",
        "definitions",
        "cover",
        "changelog",
        "version history",
        "lists",
        "lookup",
        "dropdown",
        "introduction",
        "legal terms",
        "legal notice",
        "disclaimer",
        "terms and conditions",
        "terms of use",
        "contents",
    ]) {
        return Some("instructions or lists, not questions");
    }
    None
}

/// Find the questions of every sheet in `wb`.
pub fn detect(wb: &Workbook, ov: &LayoutOverrides) -> Result<Questionnaire> {
    let file = Location::file(&wb.path);
    if let Some(name) = &ov.sheet {
        if !wb.sheets.iter().any(|g| &g.name == name) {
            let names: Vec<&str> = wb.sheets.iter().map(|g| g.name.as_str()).collect();
            return Err(Error::input(
                file,
                format!("no sheet named '{name}' (sheets: {})", names.join(", ")),
            ));
        }
    }
    let forced = ov.header_row.is_some() || ov.question_col.is_some();
    let mut q = Questionnaire {
        sheets: Vec::new(),
        skipped: Vec::new(),
        notes: Vec::new(),
    };
    for g in &wb.sheets {
        if let Some(name) = &ov.sheet {
            if &g.name != name {
                continue;
            }
        }
        if ov.skip.contains(&g.name) {
            q.skipped
                .push((g.name.clone(), "skipped by the saved layout".into()));
            continue;
        }
        // A saved layout's sheet is read with its own flags, as if named with --sheet.
        let saved = ov.per_sheet.get(&g.name);
        let named = ov.sheet.is_some() || saved.is_some();
        let ov = saved.unwrap_or(ov);
        let forced = forced || ov.header_row.is_some() || ov.question_col.is_some();
        if !named && g.hidden {
            q.skipped.push((g.name.clone(), "hidden sheet".into()));
            continue;
        }
        if let Some(why) = sheet_skip_reason(&g.name).filter(|_| !named && !forced) {
            q.skipped.push((g.name.clone(), why.into()));
            continue;
        }
        let loc = file.clone().sheet(&g.name);
        match detect_sheet(g, ov, &loc)? {
            Ok(sq) if !named && computed_answers(g, &sq) => {
                q.skipped.push((
                    g.name.clone(),
                    "its answer cells are formulas: a computed sheet, not for the vendor to fill"
                        .into(),
                ));
            }
            Ok(sq) => {
                if sq.rows.is_empty() {
                    q.skipped
                        .push((g.name.clone(), "a header but no questions under it".into()));
                } else {
                    if sq.layout.guessed {
                        q.notes.push(format!(
                            "sheet '{}': no header names the questions; took column {} because its cells read like questions (use --header-row and --question-col to choose)",
                            g.name,
                            col_letter(sq.layout.question_col)
                        ));
                    }
                    if sq.layout.answer_col.is_none() {
                        q.notes.push(format!(
                            "sheet '{}': no answer column found; answers go into an added 'Response' column (use --answer-col to choose one)",
                            g.name
                        ));
                    }
                    q.sheets.push(sq);
                }
            }
            Err(why) => {
                if named {
                    return Err(Error::input(loc, why));
                }
                q.skipped.push((g.name.clone(), why));
            }
        }
    }
    let total: usize = q.sheets.iter().map(|s| s.rows.len()).sum();
    if total > MAX_QUESTIONS {
        return Err(Error::input(
            file,
            format!(
                "{total} questions found; Vouch fills up to {MAX_QUESTIONS} per questionnaire (a few seconds' work): split the file, or pick sheets with --sheet"
            ),
        ));
    }
    if q.sheets.is_empty() {
        let why = match q.skipped.as_slice() {
            [] => "the file has no cells".to_string(),
            [(s, why)] if s.is_empty() => why.clone(),
            all => all
                .iter()
                .map(|(s, why)| format!("'{s}': {why}"))
                .collect::<Vec<_>>()
                .join("; "),
        };
        return Err(Error::input(
            file,
            format!(
                "no questions found ({why}); point Vouch at them with --sheet, --header-row and --question-col"
            ),
        ));
    }
    Ok(q)
}

/// True when most answer cells of the sheet's questions hold formulas: an evaluation or
/// summary sheet that computes from other sheets, whatever its name.
fn computed_answers(g: &Grid, sq: &SheetQuestions) -> bool {
    let Some(a) = sq.layout.answer_col else {
        return false;
    };
    let n = sq.rows.len();
    let f = sq
        .rows
        .iter()
        .filter(|r| g.formulas.contains(&(r.row, a)))
        .count();
    n > 0 && f * 10 >= n * 8
}

/// One sheet. The outer error is fatal (bad flag, oversized question); the inner one is a
/// reason to skip the sheet.
fn detect_sheet(
    g: &Grid,
    ov: &LayoutOverrides,
    loc: &Location,
) -> Result<std::result::Result<SheetQuestions, String>> {
    let mut guessed = false;
    let Some((max_row, _)) = g.extent() else {
        return Ok(Err("empty sheet".into()));
    };
    // Header row and the roles of its columns.
    let (header_row, mut roles) = match ov.header_row {
        Some(0) => return Err(Error::Usage("--header-row counts from 1".into())),
        Some(n) => {
            let r = n - 1;
            let roles = header_cells(g, r)
                .iter()
                .filter_map(|(&c, v)| role_of(v).map(|role| (c, role)))
                .collect();
            (Some(r), roles)
        }
        None => match guess_header(g, max_row) {
            Some(h) => (Some(h.row), h.roles),
            None => match (&ov.question_col, guess_by_content(g)) {
                (None, Some((first, c))) => {
                    guessed = true;
                    (first.checked_sub(1), BTreeMap::from([(c, Role::Question)]))
                }
                (Some(_), _) => (None, BTreeMap::new()),
                _ => {
                    return Ok(Err(
                        "no recognisable question column (no header such as 'Question')".into(),
                    ))
                }
            },
        },
    };
    let headers = header_row.map(|r| header_cells(g, r)).unwrap_or_default();
    let start = header_row.map_or(0, |r| r + 1);

    // Question column: the flag, else the question-titled column with the longest texts.
    let question_col = match &ov.question_col {
        Some(f) => resolve_col(f, "question-col", &headers, loc)?,
        None => {
            let cands: Vec<u32> = roles
                .iter()
                .filter(|(_, r)| **r == Role::Question)
                .map(|(c, _)| *c)
                .collect();
            let long: Vec<u32> = cands
                .iter()
                .copied()
                .filter(|&c| avg_len_below(g, start, c) >= 25.0)
                .collect();
            let exact: Vec<u32> = long
                .iter()
                .copied()
                .filter(|c| {
                    headers
                        .get(c)
                        .is_some_and(|h| norm(h).split(' ').any(|w| w.starts_with("question")))
                })
                .collect();
            if exact.len() > 1 {
                return Err(Error::input(
                    loc.clone(),
                    format!(
                        "two question columns ({}); several questionnaires side by side on one sheet are not supported: pass --question-col",
                        exact
                            .iter()
                            .map(|c| col_letter(*c))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                ));
            }
            match cands
                .iter()
                .copied()
                .max_by(|a, b| avg_len_below(g, start, *a).total_cmp(&avg_len_below(g, start, *b)))
            {
                Some(c) => c,
                None => return Ok(Err("no recognisable question column".into())),
            }
        }
    };
    // A header can mislabel: the column it calls the questions may hold only ids
    // ("GNRL-01") while the question text sits beside it. The cells decide.
    let question_col = if ov.question_col.is_none() && question_share(g, start, question_col) < 0.3
    {
        let mut others = roles.clone();
        others.insert(question_col, Role::Id);
        match question_col_by_content(g, start, &others)
            .filter(|&c| question_share(g, start, c) >= 0.5)
        {
            Some(c) => {
                roles.insert(question_col, Role::Id);
                c
            }
            None => question_col,
        }
    } else {
        question_col
    };
    roles.insert(question_col, Role::Question);

    let pick = |role: Role, prefer_right: bool| -> Option<u32> {
        let cols = roles.iter().filter(|(_, r)| **r == role).map(|(c, _)| *c);
        if prefer_right {
            let v: Vec<u32> = cols.collect();
            v.iter()
                .copied()
                .find(|&c| c > question_col)
                .or_else(|| v.first().copied())
        } else {
            cols.filter(|&c| c < question_col).max()
        }
    };
    let answer_col = match &ov.answer_col {
        Some(f) => Some(resolve_col(f, "answer-col", &headers, loc)?),
        None => pick(Role::Answer, true),
    };
    let comment_col = match &ov.comment_col {
        Some(f) => Some(resolve_col(f, "comment-col", &headers, loc)?),
        None => pick(Role::Comment, true).filter(|c| Some(*c) != answer_col),
    };
    let id_col = pick(Role::Id, false).or_else(|| id_by_content(g, start, question_col));
    for (what, col) in [("answer", answer_col), ("comment", comment_col)] {
        if col == Some(question_col) {
            return Err(Error::input(
                loc.clone(),
                format!(
                    "the {what} column is the question column ({}); choose another with --{what}-col",
                    col_letter(question_col)
                ),
            ));
        }
    }
    let taken = [Some(question_col), answer_col, comment_col, id_col];
    let context_cols: Vec<u32> = roles
        .iter()
        .filter(|(c, r)| {
            !taken.contains(&Some(**c)) && matches!(r, Role::Context | Role::Id | Role::Question)
        })
        .map(|(c, _)| *c)
        .collect();
    let mut layout = Layout {
        header_row,
        question_col,
        id_col,
        answer_col,
        comment_col,
        context_cols,
        headers,
        guessed,
    };
    let mut rows = question_rows(g, &layout, loc)?;
    // On a protected sheet the author unlocked exactly the cells the vendor types in: the
    // strongest signal of where answers go. Flags still win.
    if g.protection.is_some() && ov.answer_col.is_none() {
        let (a, c) = unlocked_answer_cols(g, &layout, &rows);
        let changed =
            a != layout.answer_col || (ov.comment_col.is_none() && c != layout.comment_col);
        if let Some(a) = a {
            layout.answer_col = Some(a);
            if ov.comment_col.is_none() {
                layout.comment_col = c;
            }
            layout
                .context_cols
                .retain(|&x| Some(x) != layout.answer_col && Some(x) != layout.comment_col);
        }
        if changed && a.is_some() {
            rows = question_rows(g, &layout, loc)?;
        }
    }
    Ok(Ok(SheetQuestions {
        sheet: g.name.clone(),
        layout,
        rows,
    }))
}

/// On a protected sheet: the first and second columns right of the questions whose cells
/// are unlocked on most question rows (the answer, then the comment column). A header's
/// answer or comment column that is itself unlocked is kept.
fn unlocked_answer_cols(g: &Grid, l: &Layout, rows: &[QuestionRow]) -> (Option<u32>, Option<u32>) {
    if rows.is_empty() {
        return (l.answer_col, l.comment_col);
    }
    let Some((_, max_col)) = g.extent() else {
        return (l.answer_col, l.comment_col);
    };
    // A column whose header names another role (guidance, ids, context) is never the answer
    // column, even when unlocked.
    let other_role = |c: u32| {
        l.headers
            .get(&c)
            .and_then(|h| role_of(h))
            .is_some_and(|r| matches!(r, Role::Ignore | Role::Id | Role::Context | Role::Question))
    };
    let open = |c: u32| {
        if other_role(c) {
            return false;
        }
        let n = rows.iter().filter(|r| !g.locked(r.row, c)).count();
        n * 2 > rows.len()
    };
    let last = max_col
        .saturating_add(2)
        .min(l.question_col.saturating_add(30));
    let mut unlocked = (l.question_col + 1..=last).filter(|&c| open(c));
    let answer = match l.answer_col {
        Some(a) if open(a) => Some(a),
        _ => unlocked.next(),
    };
    let comment = match l.comment_col {
        Some(c) if open(c) && Some(c) != answer => Some(c),
        _ => (l.question_col + 1..=last)
            .find(|&c| open(c) && Some(c) != answer && answer.is_some_and(|a| c > a)),
    };
    let comment = comment.or(l.comment_col.filter(|c| open(*c)));
    (
        answer.or(l.answer_col),
        comment.filter(|c| Some(*c) != answer),
    )
}

/// A question id: short, no spaces (or a number), with a digit: `1.2`, `IAM-01.2`, `A&A-01`.
fn looks_like_id(s: &str) -> bool {
    let s = s.trim();
    s.chars().count() <= 16
        && s.chars().any(|c| c.is_ascii_digit())
        && !s.contains(char::is_whitespace)
}

/// Without an id header: the nearest column left of the questions whose cells, on question
/// rows, look like ids.
fn id_by_content(g: &Grid, start: u32, question_col: u32) -> Option<u32> {
    // The first 200 values of each column left of the questions, in one pass over the cells
    // (a pass per column was columns x cells on a wide, sparse sheet).
    const SAMPLE: usize = 200;
    let mut vals: Vec<Vec<&String>> = vec![Vec::new(); question_col as usize];
    let mut full = 0;
    // Only rows with a question count: section titles in the id column ("Data
    // Classification" above "GNRL-01") are not ids and do not make the column less of one.
    for ((r, c), v) in g.cells.range((start, 0)..) {
        if !g.cells.contains_key(&(*r, question_col)) {
            continue;
        }
        if let Some(col) = vals.get_mut(*c as usize) {
            if col.len() < SAMPLE {
                col.push(v);
                if col.len() == SAMPLE {
                    full += 1;
                    if full == vals.len() {
                        break;
                    }
                }
            }
        }
    }
    (0..question_col).rev().find(|&c| {
        vals.get(c as usize).is_some_and(|vals| {
            vals.len() >= 2
                && vals.iter().filter(|v| looks_like_id(v)).count() * 10 >= vals.len() * 8
        })
    })
}

/// Words a question (or a request phrased as a command) usually opens with.
fn opens_like_question(text: &str) -> bool {
    let first = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let first = first.trim_matches(|c: char| !c.is_alphanumeric());
    [
        "do",
        "does",
        "did",
        "is",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "can",
        "could",
        "will",
        "would",
        "should",
        "shall",
        "may",
        "please",
        "describe",
        "provide",
        "list",
        "how",
        "what",
        "which",
        "who",
        "whom",
        "when",
        "where",
        "why",
        "explain",
        "indicate",
        "state",
        "confirm",
        "specify",
        "detail",
        "identify",
        "outline",
        "attach",
        "upload",
        "summarize",
        "summarise",
        "share",
        "name",
        "if",
        "select",
        "choose",
        "enter",
    ]
    .contains(&first)
}

/// The text of the cell at (r, c), or of the merged range's anchor when (r, c) is inside one.
fn cell_or_anchor(g: &Grid, r: u32, c: u32) -> Option<(&str, Option<CellRange>)> {
    if let Some(v) = g.get(r, c) {
        return Some((v, None));
    }
    let m = g
        .merged
        .iter()
        .find(|(a, b)| a.0 <= r && r <= b.0 && a.1 <= c && c <= b.1)?;
    g.get(m.0 .0, m.0 .1).map(|v| (v, Some(*m)))
}

/// Words of a field to fill in rather than a section title: "Solution Provider Name",
/// "Company Website URL", "Responder Email".
fn looks_like_field(t: &str) -> bool {
    let n = norm(t);
    const SECTION: &[&str] = &[
        "information",
        "overview",
        "details",
        "profile",
        "general",
        "background",
        "section",
        "part",
    ];
    // Words that name a value to type in, not a topic: "Data Location" or "Contact
    // Information" title sections; "Company Website URL" asks for a value.
    const FIELD: &[&str] = &[
        "name",
        "email",
        "e-mail",
        "url",
        "website",
        "address",
        "phone",
        "telephone",
        "headquarters",
        "duns",
        "signature",
        "option",
    ];
    t.trim_end().ends_with(':') || (has_word(&n, FIELD) && !has_word(&n, SECTION))
}

/// A lone text that can title a section: short, not a question, not an instruction sentence
/// ("Complete the yellow cells below first: ...").
fn is_heading(h: &str) -> bool {
    let h = h.trim();
    let words = h.split_whitespace().count();
    h.chars().count() <= 120 && !h.ends_with('?') && !(h.ends_with('.') && words > 6)
}

/// A section whose rows are for the customer's own use ("Internal Use", "For official use
/// only"): its rows are not the vendor's to answer.
fn internal_section(title: &str) -> bool {
    let n = norm(title);
    has_phrase(
        &n,
        &[
            "internal use",
            "official use",
            "office use",
            "reviewer use",
            "analyst use",
            "institution use",
        ],
    )
}

/// A follow-up that only makes sense after the question above it: "- If so, how ...?".
fn follow_up(t: &str) -> Option<&str> {
    let stripped = t.trim_start_matches(['-', '–', '•', '*', ' ']);
    let lower = stripped.to_ascii_lowercase();
    let dash = stripped.len() != t.len();
    let opens = [
        "if so",
        "if yes",
        "if not",
        "if no",
        "if applicable",
        "if any",
    ]
    .iter()
    .any(|p| lower.starts_with(p));
    (dash || opens).then_some(stripped.trim())
}

/// A row that repeats the header (printed page breaks, or one header per section as in
/// HECVAT): some cell under a titled column other than the questions says that column's
/// title again. Returns the row's other text, the section title it carries, if any.
fn header_repeat<'a>(l: &Layout, row_cells: &[(u32, &'a String)]) -> Option<Option<&'a str>> {
    let same = |c: u32, v: &str| l.headers.get(&c).is_some_and(|h| norm(h) == norm(v));
    let repeats = row_cells
        .iter()
        .filter(|(c, v)| *c != l.question_col && same(*c, v))
        .count();
    let question_repeats = row_cells
        .iter()
        .any(|(c, v)| *c == l.question_col && same(*c, v));
    if repeats == 0 && !question_repeats {
        return None;
    }
    let title = row_cells
        .iter()
        .filter(|(c, v)| !same(*c, v) && *c <= l.question_col)
        .map(|(_, v)| v.trim())
        .find(|v| !v.is_empty() && !looks_like_id(v));
    Some(title)
}

fn question_rows(g: &Grid, l: &Layout, loc: &Location) -> Result<Vec<QuestionRow>> {
    let Some((max_row, max_col)) = g.extent() else {
        return Ok(Vec::new());
    };
    let table_last_col = [Some(l.question_col), l.answer_col, l.comment_col]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(l.question_col);
    let mut rows = Vec::new();
    // A header row may carry the first section's title too ("Data Classification | |
    // Answer"): untitled text left of (or in) the question column.
    let mut section: Option<String> = l.header_row.and_then(|h| {
        g.cells
            .range((h, 0)..=(h, l.question_col))
            .map(|(_, v)| v.trim())
            .find(|v| {
                // Not a column title ("Section", "Control Title"): those name a column.
                !v.is_empty() && role_of(v).is_none() && !looks_like_id(v)
            })
            .map(str::to_string)
    });
    let mut internal = section.as_deref().is_some_and(internal_section);
    let mut carried: BTreeMap<u32, String> = BTreeMap::new();
    let mut last_question: Option<String> = None;
    for r in l.header_row.map_or(0, |h| h + 1)..=max_row {
        let row_cells: Vec<(u32, &String)> = g
            .cells
            .range((r, 0)..(r, max_col + 1))
            .map(|(&(_, c), v)| (c, v))
            .collect();
        if row_cells.is_empty() {
            continue;
        }
        let mut new_section = |title: Option<&str>, carried: &mut BTreeMap<u32, String>| {
            if let Some(t) = title {
                section = Some(t.to_string());
                internal = internal_section(t);
            }
            carried.clear();
        };
        if let Some(title) = header_repeat(l, &row_cells) {
            new_section(title, &mut carried);
            continue;
        }
        let qcell = cell_or_anchor(g, r, l.question_col);
        // A merged range across the table's width is a section heading, not a question.
        let wide_merge = |m: Option<CellRange>| {
            m.is_some_and(|(a, b)| b.1 >= table_last_col && a.1 <= l.question_col && b.1 > a.1)
        };
        let question = match qcell {
            // Inside a merged range: a heading across the table, or the lower rows of a
            // question merged over several rows (already taken from its first row).
            Some((_, Some(m))) if wide_merge(Some(m)) || m.0 .0 != r => None,
            Some((text, _)) => Some(text),
            None => None,
        };
        let Some(text) = question.filter(|t| t.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        else {
            // No question here: a lone short text is a section heading.
            let mut texts: Vec<&str> = row_cells.iter().map(|(_, v)| v.as_str()).collect();
            texts.dedup();
            let heading = match texts.as_slice() {
                [one] => Some(*one),
                [id, text] if looks_like_id(id) => Some(*text),
                _ => None,
            };
            if let Some(h) = heading.filter(|h| is_heading(h)) {
                new_section(Some(h), &mut carried);
            }
            continue;
        };
        if text.chars().count() > MAX_QUESTION_CHARS {
            return Err(Error::input(
                loc.clone().row(r + 1),
                format!(
                    "the question cell holds {} characters; questions over {MAX_QUESTION_CHARS} characters are not supported",
                    text.chars().count()
                ),
            ));
        }
        let others = row_cells
            .iter()
            .filter(|(c, _)| *c != l.question_col)
            .count();
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        // A lone short text in the question column is a section title, unless it names a
        // field to fill in ("Solution Provider Name") or its answer cell offers a dropdown.
        let dropdown = l.answer_col.is_some_and(|a| g.allowed_at(r, a).is_some());
        if others == 0
            && t.chars().count() <= 80
            && !t.ends_with('?')
            && !opens_like_question(t)
            && !lower.starts_with("note")
            && !looks_like_field(t)
            && !dropdown
        {
            // A title starts a section; an instruction sentence is passed over.
            if is_heading(t) {
                new_section(Some(t), &mut carried);
            }
            continue;
        }
        if others == 0 && (lower.starts_with("note:") || lower.starts_with("instructions")) {
            continue;
        }
        if internal {
            continue;
        }
        let get = |c: Option<u32>| {
            c.and_then(|c| g.get(r, c))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let mut context = Vec::new();
        for &c in &l.context_cols {
            match cell_or_anchor(g, r, c) {
                Some((v, _)) => {
                    carried.insert(c, v.to_string());
                    context.push(v.to_string());
                }
                None => {
                    if let Some(v) = carried.get(&c) {
                        context.push(v.clone());
                    }
                }
            }
        }
        // A follow-up ("- If so, how ...?") is asked of the question above it.
        let question = match (follow_up(t), &last_question) {
            (Some(rest), Some(parent)) => {
                context.push(parent.clone());
                rest.to_string()
            }
            (Some(rest), None) => rest.to_string(),
            (None, _) => {
                last_question = Some(t.to_string());
                t.to_string()
            }
        };
        rows.push(QuestionRow {
            sheet: g.name.clone(),
            row: r,
            question,
            qid: get(l.id_col),
            section: section.clone(),
            context,
            // A formula's cached value is not an answer the vendor typed.
            existing_answer: get(l.answer_col.filter(|&a| !g.formulas.contains(&(r, a)))),
            existing_comment: get(l.comment_col),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::InputKind;
    use std::path::PathBuf;

    fn grid(name: &str, rows: &[&[&str]]) -> Grid {
        let mut g = Grid {
            name: name.into(),
            ..Default::default()
        };
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    g.cells.insert((r as u32, c as u32), v.to_string());
                }
            }
        }
        g
    }

    fn wb(sheets: Vec<Grid>) -> Workbook {
        Workbook {
            path: PathBuf::from("q.xlsx"),
            kind: InputKind::Xlsx,
            sheets,
        }
    }

    #[test]
    fn roles_from_header_words() {
        assert_eq!(role_of("Question"), Some(Role::Question));
        assert_eq!(role_of("Question ID"), Some(Role::Id));
        assert_eq!(role_of("No."), Some(Role::Id));
        assert_eq!(role_of("Ques Num"), Some(Role::Id));
        assert_eq!(role_of("Question/Request"), Some(Role::Question));
        assert_eq!(role_of("Answer (Yes/No/N/A)"), Some(Role::Answer));
        assert_eq!(role_of("CSP CAIQ Answer"), Some(Role::Answer));
        assert_eq!(role_of("Vendor Response Comments"), Some(Role::Comment));
        assert_eq!(
            role_of("CSP Implementation Description"),
            Some(Role::Comment)
        );
        assert_eq!(role_of("Additional Information"), Some(Role::Comment));
        assert_eq!(role_of("Control Title"), Some(Role::Context));
        assert_eq!(role_of("Evidence / Notes"), Some(Role::Comment));
        assert_eq!(role_of(&"x".repeat(200)), None);
    }

    #[test]
    fn title_block_sections_and_ids() {
        let g = grid(
            "Security",
            &[
                &["Acme Vendor Security Questionnaire"],
                &["Please answer every question."],
                &[],
                &["No.", "Question", "Response", "Comments"],
                &["1. Governance"],
                &["1.1", "Do you have an information security policy?"],
                &[
                    "1.2",
                    "Is the policy reviewed annually?",
                    "Yes",
                    "Board approved",
                ],
                &["2. Business Continuity"],
                &["2.1", "Is the plan tested at least annually?"],
            ],
        );
        let q = detect(&wb(vec![g]), &LayoutOverrides::default()).unwrap();
        let s = &q.sheets[0];
        assert_eq!(s.layout.header_row, Some(3));
        assert_eq!(
            (
                s.layout.id_col,
                s.layout.question_col,
                s.layout.answer_col,
                s.layout.comment_col
            ),
            (Some(0), 1, Some(2), Some(3))
        );
        assert_eq!(s.rows.len(), 3);
        assert_eq!(s.rows[0].qid.as_deref(), Some("1.1"));
        assert_eq!(s.rows[0].section.as_deref(), Some("1. Governance"));
        assert_eq!(s.rows[1].existing_answer.as_deref(), Some("Yes"));
        assert_eq!(s.rows[2].section.as_deref(), Some("2. Business Continuity"));
        assert_eq!(s.rows[2].row, 8);
    }

    #[test]
    fn merged_section_rows_and_control_titles_carry_context() {
        let mut g = grid(
            "BCR",
            &[
                &[
                    "Question ID",
                    "Control Title",
                    "Question",
                    "Answer",
                    "Comments",
                ],
                &["Business Continuity Management"],
                &[
                    "BCR-01.1",
                    "Business Continuity Planning",
                    "Are the policies reviewed annually?",
                ],
                &[
                    "BCR-01.2",
                    "",
                    "Are the policies and procedures established and maintained?",
                ],
            ],
        );
        g.merged.push(((1, 0), (1, 4)));
        let q = detect(&wb(vec![g]), &LayoutOverrides::default()).unwrap();
        let s = &q.sheets[0];
        assert_eq!(s.layout.context_cols, vec![1]);
        assert_eq!(s.rows.len(), 2);
        assert_eq!(
            s.rows[1].context,
            vec!["Business Continuity Planning".to_string()]
        );
        assert_eq!(
            s.rows[1].section.as_deref(),
            Some("Business Continuity Management")
        );
        assert_eq!(s.rows[1].qid.as_deref(), Some("BCR-01.2"));
    }

    #[test]
    fn skips_instructions_and_hidden_sheets_and_explains_failures() {
        let ins = grid(
            "Instructions",
            &[&["Please answer each question in column D."]],
        );
        let mut hidden = grid("Lists", &[&["Yes"], &["No"]]);
        hidden.hidden = true;
        let none = grid("Data", &[&["Name", "Value"], &["a", "1"]]);
        let e = detect(
            &wb(vec![ins.clone(), hidden.clone(), none.clone()]),
            &LayoutOverrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("q.xlsx") && e.contains("--question-col"), "{e}");
        let q_sheet = grid("Q", &[&["Question", "Answer"], &["Do you use MFA?", ""]]);
        let q = detect(
            &wb(vec![ins, hidden, none, q_sheet]),
            &LayoutOverrides::default(),
        )
        .unwrap();
        assert_eq!(q.sheets.len(), 1);
        assert_eq!(q.skipped.len(), 3);
    }

    #[test]
    fn overrides_by_letter_or_header_and_bad_flags() {
        let g = grid(
            "S",
            &[
                &["Ref", "Text", "Reply box", "Extra"],
                &["1", "Do you encrypt data at rest?", "", ""],
            ],
        );
        let ov = LayoutOverrides {
            header_row: Some(1),
            question_col: Some("B".into()),
            answer_col: Some("Extra".into()),
            ..Default::default()
        };
        let q = detect(&wb(vec![g.clone()]), &ov).unwrap();
        assert_eq!(q.sheets[0].layout.question_col, 1);
        assert_eq!(q.sheets[0].layout.answer_col, Some(3));
        let bad = LayoutOverrides {
            question_col: Some("Nope".into()),
            ..Default::default()
        };
        let e = detect(&wb(vec![g.clone()]), &bad).unwrap_err().to_string();
        assert!(e.contains("sheet 'S'") && e.contains("'Nope'"), "{e}");
        let missing = LayoutOverrides {
            sheet: Some("Other".into()),
            ..Default::default()
        };
        assert!(detect(&wb(vec![g]), &missing)
            .unwrap_err()
            .to_string()
            .contains("no sheet named"));
    }

    #[test]
    fn header_free_sheet_uses_the_question_like_column() {
        let g = grid(
            "",
            &[
                &["1", "Do you perform annual penetration tests?"],
                &["2", "Is customer data encrypted at rest?"],
                &["3", "Do you require MFA for administrators?"],
            ],
        );
        let q = detect(&wb(vec![g]), &LayoutOverrides::default()).unwrap();
        assert_eq!(q.sheets[0].layout.question_col, 1);
        assert_eq!(q.sheets[0].layout.header_row, None);
        assert!(q.sheets[0].layout.guessed);
        assert!(
            q.notes.iter().any(|n| n.contains("--question-col")),
            "{:?}",
            q.notes
        );
        assert_eq!(q.sheets[0].layout.id_col, Some(0));
        assert_eq!(q.sheets[0].rows.len(), 3);
    }

    #[test]
    fn refuses_giant_questions_and_side_by_side_tables() {
        let big = "x".repeat(MAX_QUESTION_CHARS + 1);
        let g = grid("S", &[&["Question", "Answer"], &[big.as_str(), ""]]);
        let e = detect(&wb(vec![g]), &LayoutOverrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 2") && e.contains("characters"), "{e}");
        let g = grid(
            "S",
            &[
                &["Question", "Answer", "Question", "Answer"],
                &[
                    "Do you encrypt data at rest today?",
                    "",
                    "Do you rotate keys every year?",
                    "",
                ],
            ],
        );
        let e = detect(&wb(vec![g]), &LayoutOverrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("side by side"), "{e}");
    }

    #[test]
    fn answer_header_without_question_header_repeated_headers_fields_and_follow_ups() {
        let g = grid(
            "Vendor",
            &[
                &["Vendor questionnaire"],
                &[],
                &[
                    "General",
                    "",
                    "Answer",
                    "Additional Information",
                    "Guidance",
                ],
                &[
                    "GNRL-01",
                    "Solution Provider Name",
                    "",
                    "",
                    "Type the legal name of the company.",
                ],
                &[
                    "GNRL-02",
                    "Do you have a security program?",
                    "",
                    "",
                    "Describe its scope and owner.",
                ],
                &["Data Classification"],
                &["", "Do you classify data by sensitivity?"],
                &["", "- If so, how many levels do you use?"],
                &["Internal Use"],
                &["", "Reviewer follow-up needed"],
                &[
                    "Encryption",
                    "",
                    "Answer",
                    "Additional Information",
                    "Guidance",
                ],
                &[
                    "ENCR-01",
                    "Is data encrypted at rest?",
                    "",
                    "",
                    "Name the algorithm.",
                ],
            ],
        );
        let q = detect(&wb(vec![g]), &LayoutOverrides::default()).unwrap();
        let s = &q.sheets[0];
        assert_eq!(
            (
                s.layout.header_row,
                s.layout.question_col,
                s.layout.answer_col,
                s.layout.comment_col
            ),
            (Some(2), 1, Some(2), Some(3))
        );
        assert_eq!(
            s.layout.id_col,
            Some(0),
            "ids told from questions by content"
        );
        let rows: Vec<(u32, &str, Option<&str>)> = s
            .rows
            .iter()
            .map(|r| (r.row, r.question.as_str(), r.section.as_deref()))
            .collect();
        assert_eq!(
            rows,
            vec![
                (3, "Solution Provider Name", Some("General")),
                (4, "Do you have a security program?", Some("General")),
                (
                    6,
                    "Do you classify data by sensitivity?",
                    Some("Data Classification")
                ),
                (
                    7,
                    "If so, how many levels do you use?",
                    Some("Data Classification")
                ),
                (11, "Is data encrypted at rest?", Some("Encryption")),
            ]
        );
        assert!(s.rows[3]
            .context
            .contains(&"Do you classify data by sensitivity?".to_string()));
    }

    #[test]
    fn evaluation_and_legal_sheets_are_skipped_but_compliance_sheets_are_not() {
        assert!(sheet_skip_reason("Institution Evaluation").is_some());
        assert!(sheet_skip_reason("Analyst Reference").is_some());
        assert!(sheet_skip_reason("Legal Terms").is_some());
        assert!(sheet_skip_reason("Introduction").is_some());
        assert!(sheet_skip_reason("Legal & Compliance").is_none());
        assert!(sheet_skip_reason("Data Security").is_none());
        assert!(sheet_skip_reason("START HERE").is_none());
    }
}
