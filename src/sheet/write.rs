//! Writers for questionnaires that cannot be patched in place.
//!
//! A CSV comes back as the same CSV with the answer cells filled; `.xls` and `.ods` come back
//! as a rebuilt `.xlsx` (their formatting is not carried over, and the caller says so). Every
//! value Vouch writes is text: into CSV it is neutralised the way OWASP recommends for CSV
//! injection (a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'` in front), into
//! xlsx it is written as a string cell, never a formula. Output goes through `atomic`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::Workbook as XlsxBook;

use super::patch::SheetEdits;
use super::{Grid, Workbook};
use crate::error::{Error, Result};

/// Make a value safe for a CSV file a spreadsheet program will open.
pub fn neutralize(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

fn merged_cells(grid: &Grid, edits: Option<&SheetEdits>) -> BTreeMap<(u32, u32), (String, bool)> {
    let mut cells: BTreeMap<(u32, u32), (String, bool)> = grid
        .cells
        .iter()
        .map(|(k, v)| (*k, (v.clone(), false)))
        .collect();
    if let Some(e) = edits {
        for c in &e.edits {
            cells.insert((c.row, c.col), (c.value.clone(), true));
        }
    }
    cells
}

/// Write a CSV questionnaire back with the edits applied.
pub fn write_csv(grid: &Grid, edits: Option<&SheetEdits>, out: &Path) -> Result<()> {
    let cells = merged_cells(grid, edits);
    let max_row = cells.keys().map(|k| k.0).max().unwrap_or(0);
    let max_col = cells.keys().map(|k| k.1).max().unwrap_or(0);
    crate::atomic::write_file(out, |w| {
        let mut wr = csv::WriterBuilder::new().flexible(true).from_writer(w);
        for r in 0..=max_row {
            let row: Vec<String> = (0..=max_col)
                .map(|c| match cells.get(&(r, c)) {
                    Some((v, true)) => neutralize(v),
                    // The customer's own cells: a spreadsheet would run "=..." from a CSV
                    // just the same, so they are neutralised too (numbers such as -5 stay).
                    Some((v, false)) if v.trim().parse::<f64>().is_ok() => v.clone(),
                    Some((v, false)) => neutralize(v),
                    None => String::new(),
                })
                .collect();
            wr.write_record(&row)
                .map_err(|e| Error::internal(format!("cannot write {}: {e}", out.display())))?;
        }
        wr.flush()
            .map_err(|e| Error::internal(format!("cannot write {}: {e}", out.display())))
    })
}

/// Rebuild a workbook (from `.xls`/`.ods`) as `.xlsx` with the edits applied. Values are
/// written as text; formatting of the original is not kept.
pub fn write_rebuilt_xlsx(wb: &Workbook, edits: &[SheetEdits], out: &Path) -> Result<()> {
    let xe = |e: rust_xlsxwriter::XlsxError| {
        Error::internal(format!("cannot write {}: {e}", out.display()))
    };
    let mut book = XlsxBook::new();
    for (i, grid) in wb.sheets.iter().enumerate() {
        let sheet_edits = edits.iter().find(|e| e.sheet == grid.name);
        let ws = book.add_worksheet();
        let name = if grid.name.is_empty() {
            format!("Sheet{}", i + 1)
        } else {
            grid.name.clone()
        };
        ws.set_name(&name).map_err(xe)?;
        if grid.hidden {
            ws.set_hidden(true);
        }
        for ((r, c), (v, _)) in merged_cells(grid, sheet_edits) {
            if r >= 1_048_576 || c >= 16_384 {
                continue;
            }
            let v: String = v.chars().take(32_767).collect();
            ws.write_string(r, c as u16, &v).map_err(xe)?;
        }
    }
    let bytes = book.save_to_buffer().map_err(xe)?;
    crate::atomic::write_file(out, |w| {
        w.write_all(&bytes)
            .map_err(|e| Error::internal(format!("cannot write {}: {e}", out.display())))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::patch::CellEdit;

    #[test]
    fn neutralizes_formula_starts() {
        for v in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralize(v).starts_with('\''), "{v:?}");
        }
        assert_eq!(neutralize("Yes. =ok"), "Yes. =ok");
    }

    #[test]
    fn csv_round_trip_with_edits() {
        let d = tempfile::tempdir().unwrap();
        let mut g = Grid::default();
        g.cells.insert((0, 0), "Question".into());
        g.cells.insert((0, 1), "Answer".into());
        g.cells.insert((1, 0), "Do you, \"really\"?".into());
        let e = SheetEdits {
            notes: Vec::new(),
            sheet: String::new(),
            edits: vec![CellEdit {
                row: 1,
                col: 1,
                value: "=HYPERLINK(\"x\")".into(),
            }],
        };
        let out = d.path().join("o.csv");
        write_csv(&g, Some(&e), &out).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            text,
            "Question,Answer\n\"Do you, \"\"really\"\"?\",\"'=HYPERLINK(\"\"x\"\")\"\n"
        );
    }
}
