//! Reading `.ods` spreadsheets: `content.xml` streamed into sparse grids.
//!
//! calamine expands `table:number-rows-repeated` and `number-columns-repeated` into a dense
//! range, so one row repeated 150,000 times took 50 s and 750 MB. Here a repeat is a count:
//! repeated empty rows and cells only move the position (the million empty rows an ODS
//! export ends with cost nothing), and a repeated non-empty row or cell is checked against
//! the row, column, cell and text bounds (`ReadLimits`) before a single cell is stored. The
//! part is streamed with quick-xml through the package's guards, never held whole.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::package::{attr, push_entity, Package};
use super::read::{check_position, number_text, Budget, ReadLimits};
use super::Grid;
use crate::error::{Error, Location, Result};

/// Most characters kept per cell (Excel's limit; a `text:s` count cannot inflate past it).
const MAX_CELL_CHARS: usize = 32_767;

/// Every sheet of an opened (and checked) `.ods` package.
pub(crate) fn read(pkg: &mut Package, limits: ReadLimits) -> Result<Vec<Grid>> {
    let path = pkg.path.clone();
    pkg.stream("content.xml", |r| read_content(r, &path, limits))?
        .ok_or_else(|| Error::input(Location::file(&path), "part 'content.xml' is missing"))
}

/// A cell being read.
#[derive(Default)]
struct CellState {
    repeat: u64,
    col_span: u64,
    row_span: u64,
    value: Option<String>,
    text: String,
    paragraphs: usize,
}

fn count(e: &BytesStart<'_>, name: &str) -> u64 {
    attr(e, name)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1)
}

/// The value a typed cell shows, from its attributes (None: use the cell's text).
fn typed_value(e: &BytesStart<'_>) -> Option<String> {
    match attr(e, "value-type").as_deref() {
        Some("float" | "percentage" | "currency") => attr(e, "value")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map(number_text),
        Some("boolean") => {
            attr(e, "boolean-value").map(|v| if v == "true" { "TRUE" } else { "FALSE" }.to_string())
        }
        Some("date") => attr(e, "date-value"),
        Some("time") => attr(e, "time-value"),
        _ => None,
    }
}

fn push_capped(out: &mut String, s: &str) {
    let room = MAX_CELL_CHARS.saturating_sub(out.chars().count());
    out.extend(s.chars().take(room));
}

fn read_content(xml: &mut dyn BufRead, path: &Path, limits: ReadLimits) -> Result<Vec<Grid>> {
    let loc = || Location::file(path);
    let mut r = Reader::from_reader(xml);
    r.config_mut().expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut budget = Budget::new(limits);
    let mut grids: Vec<Grid> = Vec::new();
    let mut hidden_styles: HashSet<String> = HashSet::new();
    let mut style: Option<String> = None;
    let mut grid: Option<Grid> = None;
    let mut table_depth = 0usize;
    let mut row: u64 = 0;
    let mut col: u64 = 0;
    let mut row_repeat: u64 = 1;
    let mut row_cells: Vec<(u64, u64, String, u64, u64)> = Vec::new();
    let mut cell: Option<CellState> = None;
    let mut skip_depth = 0usize;
    loop {
        let ev = r
            .read_event_into(&mut buf)
            .map_err(|e| Error::input(loc(), format!("part 'content.xml' is damaged XML: {e}")))?;
        if skip_depth > 0 {
            match ev {
                Event::Start(_) => skip_depth += 1,
                Event::End(_) => skip_depth -= 1,
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
            continue;
        }
        match ev {
            Event::Start(e) => match e.local_name().as_ref() {
                "style" if grid.is_none() => {
                    style = (attr(&e, "family").as_deref() == Some("table"))
                        .then(|| attr(&e, "name"))
                        .flatten();
                }
                "table-properties" => {
                    if let (Some(s), Some("false")) = (&style, attr(&e, "display").as_deref()) {
                        hidden_styles.insert(s.clone());
                    }
                }
                "table" => {
                    table_depth += 1;
                    if table_depth == 1 {
                        let name = attr(&e, "name").unwrap_or_default();
                        let hidden =
                            attr(&e, "style-name").is_some_and(|s| hidden_styles.contains(&s));
                        grid = Some(Grid {
                            name,
                            hidden,
                            ..Default::default()
                        });
                        row = 0;
                    } else {
                        // A table inside a cell: not questionnaire cells.
                        table_depth -= 1;
                        skip_depth = 1;
                    }
                }
                "table-row" if grid.is_some() => {
                    row_repeat = count(&e, "number-rows-repeated");
                    row_cells.clear();
                    col = 0;
                }
                "table-cell" | "covered-table-cell" if grid.is_some() => {
                    cell = Some(CellState {
                        repeat: count(&e, "number-columns-repeated"),
                        col_span: count(&e, "number-columns-spanned"),
                        row_span: count(&e, "number-rows-spanned"),
                        value: typed_value(&e),
                        ..Default::default()
                    });
                }
                "annotation" => skip_depth = 1,
                "p" | "h" => {
                    if let Some(c) = cell.as_mut() {
                        if c.paragraphs > 0 {
                            push_capped(&mut c.text, "\n");
                        }
                        c.paragraphs += 1;
                    }
                }
                "s" => {
                    if let Some(c) = cell.as_mut() {
                        let n = count(&e, "c").min(MAX_CELL_CHARS as u64) as usize;
                        push_capped(&mut c.text, &" ".repeat(n));
                    }
                }
                "tab" => {
                    if let Some(c) = cell.as_mut() {
                        push_capped(&mut c.text, "\t");
                    }
                }
                "line-break" => {
                    if let Some(c) = cell.as_mut() {
                        push_capped(&mut c.text, "\n");
                    }
                }
                _ => {}
            },
            Event::Text(t) => {
                if let Some(c) = cell.as_mut() {
                    push_capped(&mut c.text, &t.xml10_content());
                }
            }
            Event::GeneralRef(g) => {
                if let Some(c) = cell.as_mut() {
                    let mut s = String::new();
                    push_entity(&mut s, &g);
                    push_capped(&mut c.text, &s);
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "style" => style = None,
                "table-cell" | "covered-table-cell" => {
                    if let Some(c) = cell.take() {
                        let text = c.value.unwrap_or(c.text).trim().to_string();
                        if !text.is_empty() {
                            row_cells.push((col, c.repeat, text, c.col_span, c.row_span));
                        }
                        col = col.saturating_add(c.repeat);
                    }
                }
                "table-row" => {
                    if let Some(g) = grid.as_mut() {
                        store_row(path, g, &row_cells, row, row_repeat, limits, &mut budget)?;
                        row = row.saturating_add(row_repeat);
                        row_cells.clear();
                    }
                }
                "table" => {
                    table_depth = table_depth.saturating_sub(1);
                    if table_depth == 0 {
                        if let Some(g) = grid.take() {
                            grids.push(g);
                        }
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(grids)
}

/// Store one row's non-empty cells, `repeat` times from `row`, after checking every bound.
fn store_row(
    path: &Path,
    g: &mut Grid,
    cells: &[(u64, u64, String, u64, u64)],
    row: u64,
    repeat: u64,
    limits: ReadLimits,
    budget: &mut Budget,
) -> Result<()> {
    let Some(&(last_col, last_rep, ..)) = cells.last() else {
        return Ok(());
    };
    let beyond = |r: u64, c: u64| -> Result<(u32, u32)> {
        let (r32, c32) = (
            u32::try_from(r).unwrap_or(u32::MAX),
            u32::try_from(c).unwrap_or(u32::MAX),
        );
        check_position(path, &g.name, r32.min(1 << 30), c32.min(1 << 30), limits)?;
        Ok((r32, c32))
    };
    // The far corner first: nothing is stored unless all of it fits.
    beyond(
        row.saturating_add(repeat - 1),
        last_col.saturating_add(last_rep - 1),
    )?;
    for (_, rep, text, ..) in cells {
        let n = usize::try_from(rep.saturating_mul(repeat)).unwrap_or(usize::MAX);
        budget.take(path, n, text.len())?;
    }
    for r in row..row + repeat {
        for (c0, rep, text, cs, rs) in cells {
            for c in *c0..c0 + rep {
                let (r32, c32) = beyond(r, c)?;
                g.cells.insert((r32, c32), text.clone());
            }
            if r == row && (*cs > 1 || *rs > 1) {
                let end_r = u32::try_from(row.saturating_add(rs - 1)).unwrap_or(u32::MAX);
                let end_c = u32::try_from(c0.saturating_add(cs - 1)).unwrap_or(u32::MAX);
                let (r32, c32) = beyond(row, *c0)?;
                g.merged.push(((r32, c32), (end_r, end_c)));
            }
        }
    }
    Ok(())
}
