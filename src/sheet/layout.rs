//! TEMPORARY stand-in.
use std::collections::BTreeMap;
use crate::error::{Error, Location, Result};
use super::*;
pub fn detect(wb: &Workbook, _ov: &LayoutOverrides) -> Result<Questionnaire> {
    let mut sheets = Vec::new();
    let mut skipped = Vec::new();
    for g in &wb.sheets {
        let Some((maxr, maxc)) = g.extent() else { continue };
        let mut hdr = None;
        'o: for r in 0..=maxr.min(30) { for c in 0..=maxc { if let Some(v) = g.get(r, c) { let l = v.to_lowercase(); if l.contains("question") { hdr = Some((r, c)); break 'o; } } } }
        let Some((hr, qc)) = hdr else { skipped.push((g.name.clone(), "no question column".into())); continue };
        let mut headers = BTreeMap::new();
        let (mut ac, mut cc) = (None, None);
        for c in 0..=maxc { if let Some(v) = g.get(hr, c) { let l = v.to_lowercase(); headers.insert(c, v.to_string());
            if ac.is_none() && (l.contains("answer") || l.contains("response")) { ac = Some(c); } else if cc.is_none() && (l.contains("comment") || l.contains("notes") || l.contains("details")) { cc = Some(c); } } }
        let mut rows = Vec::new();
        let mut section = None;
        for r in hr + 1..=maxr {
            match g.get(r, qc) { Some(q) if q.len() > 3 => rows.push(QuestionRow { sheet: g.name.clone(), row: r, question: q.to_string(), qid: None, section: section.clone(), context: vec![], existing_answer: ac.and_then(|c| g.get(r, c)).map(|s| s.to_string()), existing_comment: None }),
              _ => { if let Some(t) = (0..=maxc).find_map(|c| g.get(r, c)) { section = Some(t.to_string()); } } }
        }
        sheets.push(SheetQuestions { sheet: g.name.clone(), layout: Layout { header_row: hr, question_col: qc, id_col: None, answer_col: ac, comment_col: cc, context_cols: vec![], headers }, rows });
    }
    if sheets.is_empty() { return Err(Error::input(Location::file(&wb.path), "no question column")); }
    Ok(Questionnaire { sheets, skipped })
}
