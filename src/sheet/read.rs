//! TEMPORARY stand-in.
use std::path::Path;
use calamine::{open_workbook_auto, Reader, Data};
use crate::error::{Error, Location, Result};
use super::{Workbook, Grid, InputKind};
pub fn read_workbook(path: &Path) -> Result<Workbook> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if ext == "csv" {
        let mut rd = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(path).map_err(|e| Error::input(Location::file(path), e.to_string()))?;
        let mut g = Grid::default();
        for (r, rec) in rd.records().enumerate() {
            let rec = rec.map_err(|e| Error::input(Location::file(path), e.to_string()))?;
            for (c, v) in rec.iter().enumerate() { if !v.trim().is_empty() { g.cells.insert((r as u32, c as u32), v.trim().to_string()); } }
        }
        return Ok(Workbook { path: path.to_path_buf(), kind: InputKind::Csv, sheets: vec![g] });
    }
    let mut wb = open_workbook_auto(path).map_err(|e| Error::input(Location::file(path), e.to_string()))?;
    let mut sheets = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).map_err(|e| Error::input(Location::file(path), e.to_string()))?;
        let mut g = Grid { name: name.clone(), ..Default::default() };
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (r, row) in range.rows().enumerate() { for (c, v) in row.iter().enumerate() {
            let s = match v { Data::Empty => continue, Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64), other => other.to_string() };
            if !s.trim().is_empty() { g.cells.insert((r as u32 + r0, c as u32 + c0), s.trim().to_string()); }
        }}
        sheets.push(g);
    }
    Ok(Workbook { path: path.to_path_buf(), kind: if ext == "xlsx" { InputKind::Xlsx } else { InputKind::Xls }, sheets })
}
