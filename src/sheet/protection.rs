//! Which cells the vendor is meant to fill: sheet protection, locked and unlocked cells, and
//! answer cells that are formulas pulling a value from another sheet.
//!
//! Questionnaire authors protect their sheets and unlock exactly the cells the vendor types
//! in: the most reliable signal a workbook gives of where answers go. calamine reads neither
//! sheet protection nor (without a dense grid) cell locks, so this module streams the
//! package's `styles.xml` (which cell formats are unlocked) and each sheet's XML
//! (`<sheetProtection>`, column, row and cell styles, and formulas that are a plain reference
//! such as `'START HERE'!$C$5`) into plain data on the [`Grid`]. Only exceptions are stored:
//! a cell whose lock differs from its row's or column's.

use std::collections::BTreeMap;
use std::io::BufRead;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::cellref::parse_ref;
use super::package::{attr, push_entity, Package};
use super::Grid;
use crate::error::{Error, Location, Result};

/// How a protected sheet's cells are locked. Cells are locked unless a style says otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protection {
    /// Lock of a cell no style covers (the default format's).
    pub default_locked: bool,
    /// Column ranges (inclusive, 0-based) with a style, and whether it locks.
    pub cols: Vec<(u32, u32, bool)>,
    /// Rows with a row style, and whether it locks.
    pub rows: BTreeMap<u32, bool>,
    /// Cells whose own style locks differently from their row or column.
    pub cells: BTreeMap<(u32, u32), bool>,
}

impl Protection {
    /// The lock a cell gets from its row or column (or the default).
    fn inherited(&self, r: u32, c: u32) -> bool {
        if let Some(l) = self.rows.get(&r) {
            return *l;
        }
        self.cols
            .iter()
            .find(|(a, b, _)| (*a..=*b).contains(&c))
            .map_or(self.default_locked, |(_, _, l)| *l)
    }

    /// True when the cell cannot be typed in on this protected sheet.
    pub fn locked(&self, r: u32, c: u32) -> bool {
        self.cells
            .get(&(r, c))
            .copied()
            .unwrap_or_else(|| self.inherited(r, c))
    }
}

/// A cell that is a plain reference to one cell of another sheet: where its value is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellSource {
    pub sheet: String,
    pub row: u32,
    pub col: u32,
}

/// `'START HERE'!$C$5` or `General!C5` (what a formula holds, without `=`), else None.
pub fn parse_source(formula: &str) -> Option<CellSource> {
    let f = formula.trim().trim_start_matches('=');
    let (sheet, cell) = f.rsplit_once('!')?;
    let sheet = if let Some(q) = sheet.strip_prefix('\'') {
        q.strip_suffix('\'')?.replace("''", "'")
    } else {
        if sheet.is_empty()
            || !sheet
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            return None;
        }
        sheet.to_string()
    };
    let (row, col) = parse_ref(&cell.replace('$', ""))?;
    Some(CellSource { sheet, row, col })
}

/// Read protection and plain-reference formulas of every sheet in `grids` from the package.
pub(crate) fn read_protection(pkg: &mut Package, grids: &mut [Grid]) -> Result<()> {
    let loc = Location::file(&pkg.path);
    let unlocked_xf = pkg
        .stream("xl/styles.xml", |r| unlocked_formats(r, &loc))?
        .unwrap_or_default();
    let parts = pkg.sheet_parts()?;
    for g in grids.iter_mut() {
        let Some((_, part)) = parts.iter().find(|(n, _)| *n == g.name) else {
            continue;
        };
        let sloc = loc.clone().sheet(&g.name);
        let facts = pkg.stream(part, |r| sheet_facts(r, &unlocked_xf, &sloc))?;
        if let Some((protection, sources)) = facts {
            g.protection = protection;
            g.sources = sources;
        }
    }
    Ok(())
}

/// Per cell format (`cellXfs` index), whether its protection unlocks it.
fn unlocked_formats(xml: &mut dyn BufRead, loc: &Location) -> Result<Vec<bool>> {
    let mut r = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut in_xfs = false;
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "cellXfs" => in_xfs = true,
                "xf" if in_xfs => out.push(false),
                "protection" if in_xfs => {
                    if let Some(last) = out.last_mut() {
                        *last = matches!(attr(&e, "locked").as_deref(), Some("0" | "false"));
                    }
                }
                _ => {}
            },
            Ok(Event::End(e)) if e.local_name().as_ref() == "cellXfs" => in_xfs = false,
            Ok(Event::Eof) => return Ok(out),
            Ok(_) => {}
            Err(e) => return Err(xml_error(loc, "xl/styles.xml", &e)),
        }
        buf.clear();
    }
}

fn xml_error(loc: &Location, part: &str, e: &quick_xml::Error) -> Error {
    Error::input(loc.clone(), format!("damaged XML in {part}: {e}"))
}

type SheetFacts = (Option<Protection>, BTreeMap<(u32, u32), CellSource>);

/// One sheet's protection (None when unprotected) and its plain-reference formula cells.
fn sheet_facts(xml: &mut dyn BufRead, unlocked_xf: &[bool], loc: &Location) -> Result<SheetFacts> {
    let locked_by = |s: Option<String>| -> bool {
        let i: usize = s.and_then(|s| s.parse().ok()).unwrap_or(0);
        !unlocked_xf.get(i).copied().unwrap_or(false)
    };
    let mut p = Protection {
        default_locked: locked_by(None),
        ..Default::default()
    };
    let mut protected = false;
    let mut sources = BTreeMap::new();
    let mut r = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut row: u32 = 0;
    let mut cell: Option<(u32, u32)> = None;
    let mut next_col: u32 = 0;
    let mut in_formula = false;
    let mut formula = String::new();
    loop {
        let ev = r.read_event_into(&mut buf);
        match ev {
            Ok(Event::Start(ref e)) | Ok(Event::Empty(ref e)) => {
                let empty = matches!(ev, Ok(Event::Empty(_)));
                match e.local_name().as_ref() {
                    "col" => {
                        let n = |k| attr(e, k).and_then(|v| v.parse::<u32>().ok());
                        if let (Some(a), Some(b)) = (n("min"), n("max")) {
                            if a >= 1 && a <= b {
                                p.cols.push((
                                    a - 1,
                                    b.min(16_384) - 1,
                                    locked_by(attr(e, "style")),
                                ));
                            }
                        }
                    }
                    "row" => {
                        row = attr(e, "r")
                            .and_then(|v| v.parse::<u32>().ok())
                            .map_or(row + 1, |v| v.saturating_sub(1));
                        next_col = 0;
                        if matches!(attr(e, "customFormat").as_deref(), Some("1" | "true")) {
                            p.rows.insert(row, locked_by(attr(e, "s")));
                        }
                    }
                    "c" => {
                        let pos = attr(e, "r")
                            .and_then(|v| parse_ref(&v))
                            .unwrap_or((row, next_col));
                        next_col = pos.1.saturating_add(1);
                        let lock = locked_by(attr(e, "s"));
                        if attr(e, "s").is_some() && lock != p.inherited(pos.0, pos.1) {
                            p.cells.insert(pos, lock);
                        }
                        cell = (!empty).then_some(pos);
                    }
                    "f" if !empty => {
                        in_formula = true;
                        formula.clear();
                    }
                    "sheetProtection" => {
                        protected = matches!(attr(e, "sheet").as_deref(), Some("1" | "true"));
                    }
                    _ => {}
                }
            }
            Ok(Event::Text(t)) if in_formula => {
                if formula.len() < 300 {
                    formula.push_str(&t.xml10_content());
                }
            }
            Ok(Event::GeneralRef(g)) if in_formula => push_entity(&mut formula, &g),
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                "f" => {
                    in_formula = false;
                    if let (Some(pos), Some(src)) = (cell, parse_source(&formula)) {
                        sources.insert(pos, src);
                    }
                }
                "c" => cell = None,
                _ => {}
            },
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(xml_error(loc, "the sheet", &e)),
        }
        buf.clear();
    }
    Ok((protected.then_some(p), sources))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_references_to_another_sheet() {
        assert_eq!(
            parse_source("'START HERE'!$C$5"),
            Some(CellSource {
                sheet: "START HERE".into(),
                row: 4,
                col: 2
            })
        );
        assert_eq!(
            parse_source("=General!B2").map(|s| (s.sheet, s.row, s.col)),
            Some(("General".into(), 1, 1))
        );
        assert_eq!(
            parse_source("'It''s'!A1").map(|s| s.sheet),
            Some("It's".into())
        );
        for not in [
            "VLOOKUP(A5,Questions!$A:$B,2,FALSE)",
            "SUM(A1:A3)",
            "General!A1:B2",
            "A1",
            "Sheet1!XFE1",
        ] {
            assert_eq!(parse_source(not), None, "{not}");
        }
    }

    #[test]
    fn locks_follow_cell_row_column_and_default() {
        let xml = br#"<worksheet><cols><col min="3" max="3" style="1"/></cols><sheetData>
            <row r="1"><c r="A1" s="0"/><c r="C1" s="0"/><c r="D1" s="1"><f>'START HERE'!$C$5</f><v>x</v></c></row>
            <row r="2" s="1" customFormat="1"><c r="A2"/></row>
            </sheetData><sheetProtection sheet="1" objects="1"/></worksheet>"#;
        let unlocked = [false, true];
        let (p, sources) = sheet_facts(
            &mut &xml[..],
            &unlocked,
            &Location::file(std::path::Path::new("q.xlsx")),
        )
        .unwrap();
        let p = p.unwrap();
        assert!(p.locked(0, 0), "default format locks");
        assert!(p.locked(0, 2), "own locked style beats the column's");
        assert!(!p.locked(5, 2), "unlocked column");
        assert!(!p.locked(0, 3), "own unlocked style");
        assert!(!p.locked(1, 0) && !p.locked(1, 7), "unlocked row style");
        assert_eq!(
            sources.get(&(0, 3)).map(|s| s.sheet.as_str()),
            Some("START HERE")
        );
        let (p, _) = sheet_facts(
            &mut &b"<worksheet><sheetData/></worksheet>"[..],
            &unlocked,
            &Location::file(std::path::Path::new("q.xlsx")),
        )
        .unwrap();
        assert_eq!(p, None, "unprotected");
    }
}
