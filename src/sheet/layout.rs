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
        let roles: BTreeMap<u32, Role> = cells
            .iter()
            .filter_map(|(&c, v)| role_of(v).map(|role| (c, role)))
            .collect();
        if !roles.values().any(|r| *r == Role::Question) {
            continue;
        }
        let distinct: std::collections::BTreeSet<_> = roles.values().map(|r| *r as u8).collect();
        // A header names at least two kinds of column, or one question column with data under it.
        let q_has_data = roles
            .iter()
            .filter(|(_, role)| **role == Role::Question)
            .any(|(&c, _)| filled_below(g, r, c));
        if !q_has_data {
            continue;
        }
        let score = distinct.len() as u32 * 10 + roles.len() as u32;
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, HeaderGuess { row: r, roles }));
        }
    }
    best.map(|(_, h)| h)
}

/// No header words: the column with the most question-like cells (long, or ending in `?`).
fn guess_by_content(g: &Grid) -> Option<(u32, u32)> {
    let mut per_col: BTreeMap<u32, (usize, u32)> = BTreeMap::new();
    for (&(r, c), v) in &g.cells {
        let t = v.trim();
        if t.ends_with('?') || (t.chars().count() >= 40 && t.contains(' ')) {
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

/// Sheets that explain how to fill the questionnaire rather than asking anything.
fn is_instruction_sheet(name: &str) -> bool {
    let n = norm(name);
    [
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
    ]
    .iter()
    .any(|w| n.contains(w))
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
        let named = ov.sheet.is_some();
        if !named && g.hidden {
            q.skipped.push((g.name.clone(), "hidden sheet".into()));
            continue;
        }
        if !named && !forced && is_instruction_sheet(&g.name) {
            q.skipped.push((
                g.name.clone(),
                "instructions or lists, not questions".into(),
            ));
            continue;
        }
        let loc = file.clone().sheet(&g.name);
        match detect_sheet(g, ov, &loc)? {
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
    let layout = Layout {
        header_row,
        question_col,
        id_col,
        answer_col,
        comment_col,
        context_cols,
        headers,
        guessed,
    };
    let rows = question_rows(g, &layout, loc)?;
    Ok(Ok(SheetQuestions {
        sheet: g.name.clone(),
        layout,
        rows,
    }))
}

/// A question id: short, no spaces (or a number), with a digit: `1.2`, `IAM-01.2`, `A&A-01`.
fn looks_like_id(s: &str) -> bool {
    let s = s.trim();
    s.chars().count() <= 16
        && s.chars().any(|c| c.is_ascii_digit())
        && !s.contains(char::is_whitespace)
}

/// Without an id header: the nearest column left of the questions whose cells look like ids.
fn id_by_content(g: &Grid, start: u32, question_col: u32) -> Option<u32> {
    // The first 200 values of each column left of the questions, in one pass over the cells
    // (a pass per column was columns x cells on a wide, sparse sheet).
    const SAMPLE: usize = 200;
    let mut vals: Vec<Vec<&String>> = vec![Vec::new(); question_col as usize];
    let mut full = 0;
    for ((_, c), v) in g.cells.range((start, 0)..) {
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

fn question_rows(g: &Grid, l: &Layout, loc: &Location) -> Result<Vec<QuestionRow>> {
    let Some((max_row, max_col)) = g.extent() else {
        return Ok(Vec::new());
    };
    let header_q = l.headers.get(&l.question_col).map(|h| norm(h));
    let table_last_col = [Some(l.question_col), l.answer_col, l.comment_col]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(l.question_col);
    let mut rows = Vec::new();
    let mut section: Option<String> = None;
    let mut carried: BTreeMap<u32, String> = BTreeMap::new();
    for r in l.header_row.map_or(0, |h| h + 1)..=max_row {
        let row_cells: Vec<(u32, &String)> = g
            .cells
            .range((r, 0)..(r, max_col + 1))
            .map(|(&(_, c), v)| (c, v))
            .collect();
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
            if let Some(h) = heading.filter(|h| h.chars().count() <= 120 && !h.ends_with('?')) {
                section = Some(h.to_string());
                carried.clear();
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
        if header_q.as_deref() == Some(norm(text).as_str()) {
            continue; // the header repeated (printed page breaks)
        }
        let others = row_cells
            .iter()
            .filter(|(c, _)| *c != l.question_col)
            .count();
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        if others == 0
            && t.chars().count() <= 80
            && !t.ends_with('?')
            && !opens_like_question(t)
            && !lower.starts_with("note")
        {
            section = Some(t.to_string());
            carried.clear();
            continue;
        }
        if others == 0 && (lower.starts_with("note:") || lower.starts_with("instructions")) {
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
        rows.push(QuestionRow {
            sheet: g.name.clone(),
            row: r,
            question: t.to_string(),
            qid: get(l.id_col),
            section: section.clone(),
            context,
            existing_answer: get(l.answer_col),
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
}
