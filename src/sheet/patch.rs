//! Writing answers into the customer's own `.xlsx`/`.xlsm`, changing nothing else.
//!
//! rust_xlsxwriter cannot modify an existing workbook, and rebuilding one from what calamine
//! reads loses dropdowns, conditional formats, notes, widths, protection and extensions. So
//! the package is patched: every zip entry is copied raw (byte-identical, macros included)
//! except the worksheets that receive answers, which are streamed through quick-xml and have
//! cells inserted or replaced in row and column order. Answers are inline strings, so
//! `sharedStrings.xml` is untouched and text is never a formula. Existing cell styles are
//! kept, formula cells are never overwritten, edits inside a merged range go to its anchor,
//! `<dimension>` and row `spans` grow to cover new cells. The output is built in a temp file
//! and renamed; on any error nothing is left behind.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

pub(crate) use super::cellref::{parse_range, parse_ref};
use super::col_letter;
pub use super::package::PatchLimits;
pub(crate) use super::package::{attr, Package};
use crate::error::{Error, Location, Result};

/// One cell to write. Row and column are 0-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellEdit {
    pub row: u32,
    pub col: u32,
    pub value: String,
}

/// The cells to write on one sheet, by sheet name.
#[derive(Debug, Clone, Default)]
pub struct SheetEdits {
    pub sheet: String,
    pub edits: Vec<CellEdit>,
    /// Cell notes to attach (xlsx only): the citation beside an answer, when wanted there.
    pub notes: Vec<CellEdit>,
}

/// What the patch did.
#[derive(Debug, Clone, Default)]
pub struct PatchSummary {
    /// Cells written.
    pub written: usize,
    /// Cell notes added.
    pub notes: usize,
    /// Edits not made: (sheet, row, col, why), 0-based.
    pub skipped: Vec<(String, u32, u32, String)>,
    /// The package carried a digital signature, which any edit invalidates.
    pub signature_invalidated: bool,
}

/// Excel's limit on the text of one cell, in UTF-16 code units.
const MAX_CELL_CHARS: usize = 32_767;
/// Fill `input` into `output`: the workbook with only the edited cells changed.
pub fn patch_xlsx(
    input: &Path,
    output: &Path,
    edits: &[SheetEdits],
    limits: PatchLimits,
) -> Result<PatchSummary> {
    let mut pkg = Package::open(input, limits)?;
    let parts = pkg.sheet_parts()?;
    let mut summary = PatchSummary::default();
    let mut patched: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let names = pkg.names();
    for se in edits
        .iter()
        .filter(|s| !s.edits.is_empty() || !s.notes.is_empty())
    {
        let loc = Location::file(input).sheet(&se.sheet);
        let part = parts
            .iter()
            .find(|(n, _)| *n == se.sheet)
            .map(|(_, p)| p.clone())
            .ok_or_else(|| Error::input(loc.clone(), "no such worksheet in the package"))?;
        let xml = pkg.read(&part)?.ok_or_else(|| {
            Error::input(loc.clone(), format!("the sheet's part '{part}' is missing"))
        })?;
        let p = patch_sheet(&xml, &se.edits, &loc)?;
        summary.written += p.written;
        summary.skipped.extend(
            p.skipped
                .into_iter()
                .map(|(r, c, why)| (se.sheet.clone(), r, c, why)),
        );
        let mut sheet_xml = p.xml;
        if !se.notes.is_empty() {
            let rels_name = super::notes::rels_name(&part);
            let rels = match patched.get(&rels_name) {
                Some(r) => Some(r.clone()),
                None => pkg.read(&rels_name)?,
            };
            let ct = match patched.get("[Content_Types].xml") {
                Some(c) => c.clone(),
                None => pkg.read("[Content_Types].xml")?.unwrap_or_default(),
            };
            let known: Vec<String> = names.iter().chain(patched.keys()).cloned().collect();
            match super::notes::build(&part, &sheet_xml, rels.as_deref(), &ct, &known, &se.notes) {
                Ok(np) => {
                    sheet_xml = np.sheet_xml;
                    summary.notes += se.notes.len();
                    patched.extend(np.parts);
                }
                Err(why) => summary.skipped.extend(se.notes.iter().map(|n| {
                    (
                        se.sheet.clone(),
                        n.row,
                        n.col,
                        format!("note not added: {why}"),
                    )
                })),
            }
        }
        patched.insert(part, sheet_xml);
    }
    summary.signature_invalidated = names.iter().any(|n| n.starts_with("_xmlsignatures/"));
    crate::atomic::write_file(output, |w| {
        let err = |e: zip::result::ZipError| {
            Error::internal(format!("cannot write {}: {e}", output.display()))
        };
        let mut z = zip::ZipWriter::new(w);
        for (i, name) in names.iter().enumerate() {
            if let Some(bytes) = patched.get(name) {
                let opts = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated);
                z.start_file(name.as_str(), opts).map_err(err)?;
                z.write_all(bytes).map_err(|e| {
                    Error::internal(format!("cannot write {}: {e}", output.display()))
                })?;
            } else {
                let entry = pkg.zip.by_index_raw(i).map_err(|e| {
                    Error::input(
                        Location::file(input),
                        format!("damaged entry '{name}': {e}"),
                    )
                })?;
                z.raw_copy_file(entry).map_err(err)?;
            }
        }
        // Parts the notes added, after the package's own.
        for (name, bytes) in patched.iter().filter(|(n, _)| !names.contains(n)) {
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            z.start_file(name.as_str(), opts).map_err(err)?;
            z.write_all(bytes)
                .map_err(|e| Error::internal(format!("cannot write {}: {e}", output.display())))?;
        }
        z.finish().map_err(err)?;
        Ok(())
    })?;
    Ok(summary)
}

/// What the pre-scan of a sheet learns: formula cells, cells with a value, merged ranges.
#[derive(Default)]
struct SheetFacts {
    formulas: BTreeSet<(u32, u32)>,
    /// Ranges an array formula or data table spills into (only the first cell has `<f>`).
    formula_ranges: Vec<super::CellRange>,
    /// Cells whose `<v>` or inline `<t>` holds non-empty text.
    valued: BTreeSet<(u32, u32)>,
    merged: Vec<super::CellRange>,
}

impl SheetFacts {
    fn is_formula(&self, at: (u32, u32)) -> bool {
        self.formulas.contains(&at) || self.formula_ranges.iter().any(|m| in_range(m, at))
    }
}

fn in_range(((r0, c0), (r1, c1)): &super::CellRange, (r, c): (u32, u32)) -> bool {
    (*r0..=*r1).contains(&r) && (*c0..=*c1).contains(&c)
}

/// Read the sheet once before rewriting it: `<mergeCells>` come after `<sheetData>`, and
/// whether a merged range's anchor has a value decides where an edit inside it goes.
fn scan_sheet(xml: &[u8], loc: &Location) -> Result<SheetFacts> {
    let mut facts = SheetFacts::default();
    let mut r = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let (mut row, mut col) = (0u32, 0u32);
    let mut row_seen = false;
    let mut in_cell: Option<(u32, u32)> = None;
    let mut in_value = false;
    loop {
        let ev = r
            .read_event_into(&mut buf)
            .map_err(|e| Error::input(loc.clone(), format!("damaged sheet XML: {e}")))?;
        match &ev {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "row" => {
                    let next = if row_seen { row.saturating_add(1) } else { 0 };
                    row = row_number(e, next, loc)?;
                    row_seen = true;
                    col = u32::MAX;
                }
                "c" => {
                    col = cell_column(e, col, loc)?;
                    if matches!(ev, Event::Start(_)) {
                        in_cell = Some((row, col));
                    }
                }
                "f" => {
                    if let Some(p) = in_cell {
                        facts.formulas.insert(p);
                        if matches!(attr(e, "t").as_deref(), Some("array" | "dataTable")) {
                            if let Some(m) = attr(e, "ref").and_then(|v| parse_range(&v)) {
                                facts.formula_ranges.push(m);
                            }
                        }
                    }
                }
                "v" | "t" => in_value = in_cell.is_some() && matches!(ev, Event::Start(_)),
                "mergeCell" => {
                    if let Some(m) = attr(e, "ref").and_then(|v| parse_range(&v)) {
                        facts.merged.push(m);
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_value && !t.is_empty() => {
                if let Some(p) = in_cell {
                    facts.valued.insert(p);
                }
            }
            Event::GeneralRef(_) | Event::CData(_) if in_value => {
                if let Some(p) = in_cell {
                    facts.valued.insert(p);
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "c" => {
                    in_cell = None;
                    in_value = false;
                }
                "v" | "t" => in_value = false,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(facts)
}

/// The 0-based row of a `<row>`: its `r` attribute, checked, or `next` without one.
fn row_number(e: &BytesStart<'_>, next: u32, loc: &Location) -> Result<u32> {
    let Some(v) = attr(e, "r") else {
        return Ok(next);
    };
    match v.trim().parse::<u64>() {
        Ok(n) if (1..=super::cellref::MAX_ROW).contains(&n) => Ok((n - 1) as u32),
        _ => Err(Error::input(
            loc.clone(),
            format!(
                "the row number '{}' is not a row of Excel's sheet (1 to 1,048,576); the file is damaged or crafted",
                super::cellref::shorten(&v)
            ),
        )),
    }
}

/// The 0-based column of a `<c>`: from its `r` attribute, checked, or the one after `prev`
/// (`u32::MAX` before the row's first cell) without one.
fn cell_column(e: &BytesStart<'_>, prev: u32, loc: &Location) -> Result<u32> {
    let Some(v) = attr(e, "r") else {
        return Ok(prev.wrapping_add(1));
    };
    parse_ref(&v).map(|(_, c)| c).ok_or_else(|| {
        Error::input(
            loc.clone(),
            format!(
                "the cell address '{}' is not a cell of Excel's sheet (up to XFD1048576); the file is damaged or crafted",
                super::cellref::shorten(&v)
            ),
        )
    })
}

/// Remove characters XML 1.0 forbids, escape literal `_xHHHH_` (which Excel would decode),
/// and cut to Excel's cell limit (counted in UTF-16 units, as Excel does).
fn clean_text(s: &str) -> String {
    let mut units = 0usize;
    let legal: String = s
        .chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .take_while(|c| {
            units += c.len_utf16();
            units <= MAX_CELL_CHARS
        })
        .collect();
    let b = legal.as_bytes();
    let mut out = String::with_capacity(legal.len());
    let mut i = 0;
    while i < legal.len() {
        let is_escape = b.len() >= i + 7
            && b[i] == b'_'
            && b[i + 1] == b'x'
            && b[i + 2..i + 6].iter().all(|c| c.is_ascii_hexdigit())
            && b[i + 6] == b'_';
        if is_escape {
            out.push_str("_x005F_");
            i += 1;
            continue;
        }
        let ch_len = legal[i..].chars().next().map_or(1, |c| c.len_utf8());
        out.push_str(&legal[i..i + ch_len]);
        i += ch_len;
    }
    out
}

/// One worksheet rewritten: the new XML, cells written, edits skipped (row, col, why).
struct PatchedSheet {
    xml: Vec<u8>,
    written: usize,
    skipped: Vec<(u32, u32, String)>,
}

/// Rewrite one worksheet's XML with `edits`.
fn patch_sheet(xml: &[u8], edits: &[CellEdit], loc: &Location) -> Result<PatchedSheet> {
    let facts = scan_sheet(xml, loc)?;
    let mut skipped = Vec::new();
    let merged_anchor = |at: (u32, u32)| {
        facts
            .merged
            .iter()
            .find(|m| in_range(m, at) && at != m.0)
            .map(|m| m.0)
    };
    // Cells edited directly win over edits redirected to them from inside a merged range.
    let direct: BTreeSet<(u32, u32)> = edits
        .iter()
        .map(|e| (e.row, e.col))
        .filter(|&at| merged_anchor(at).is_none())
        .collect();
    // Row → col → text, after redirecting merged cells and dropping formula cells.
    let mut pending: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
    for e in edits {
        let (r, c) = (e.row, e.col);
        let mut skip = |why: &str| skipped.push((r, c, why.to_string()));
        if r >= 1_048_576 || c >= 16_384 {
            skip("beyond Excel's sheet limits");
            continue;
        }
        let mut at = (r, c);
        if let Some(anchor) = merged_anchor(at) {
            if facts.valued.contains(&anchor) || facts.is_formula(anchor) {
                skip("inside a merged range whose first cell has a value");
                continue;
            }
            let taken = pending
                .get(&anchor.0)
                .is_some_and(|row| row.contains_key(&anchor.1));
            if direct.contains(&anchor) || taken {
                skip("inside a merged range whose first cell is written by another edit");
                continue;
            }
            at = anchor;
        }
        if facts.is_formula(at) {
            skip("the cell holds a formula");
            continue;
        }
        pending
            .entry(at.0)
            .or_default()
            .insert(at.1, clean_text(&e.value));
    }
    let written = pending.values().map(|m| m.len()).sum();
    // The box around all edited cells, to grow `<dimension>` by.
    let edit_box = pending
        .iter()
        .filter_map(|(r, cols)| {
            let first = *cols.keys().next()?;
            let last = *cols.keys().next_back()?;
            Some(((*r, first), (*r, last)))
        })
        .reduce(union);

    let mut rd = Reader::from_reader(xml);
    let mut w = Writer::new(Vec::with_capacity(xml.len() + written * 96));
    let mut buf = Vec::new();
    let mut prefix = String::new();
    let mut col_styles: Vec<(u32, u32, String)> = Vec::new();
    let mut in_data = false;
    let mut row: Option<u32> = None;
    let mut last_row: Option<u32> = None;
    let mut row_style: Option<String> = None;
    let mut row_edits: BTreeMap<u32, String> = BTreeMap::new();
    let mut col: u32 = u32::MAX;
    let mut skip_depth: usize = 0;
    let io = |e: std::io::Error| Error::internal(format!("cannot build sheet XML: {e}"));
    loop {
        let ev = rd
            .read_event_into(&mut buf)
            .map_err(|e| Error::input(loc.clone(), format!("damaged sheet XML: {e}")))?;
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
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                match e.local_name().as_ref() {
                    "sheetData" => {
                        let name = e.name().as_ref().to_string();
                        prefix = name.strip_suffix("sheetData").unwrap_or("").to_string();
                        if empty {
                            w.write_event(Event::Start(BytesStart::new(format!(
                                "{prefix}sheetData"
                            ))))
                            .map_err(io)?;
                            write_rows(&mut w, &prefix, &mut pending, None, &col_styles)
                                .map_err(io)?;
                            w.write_event(Event::End(BytesEnd::new(format!("{prefix}sheetData"))))
                                .map_err(io)?;
                        } else {
                            in_data = true;
                            w.write_event(ev.borrow()).map_err(io)?;
                        }
                    }
                    "col" if !in_data => {
                        if let (Some(min), Some(max), Some(style)) = (
                            attr(e, "min").and_then(|v| v.parse::<u32>().ok()),
                            attr(e, "max").and_then(|v| v.parse::<u32>().ok()),
                            attr(e, "style"),
                        ) {
                            col_styles.push((min.saturating_sub(1), max.saturating_sub(1), style));
                        }
                        w.write_event(ev.borrow()).map_err(io)?;
                    }
                    "dimension" if !in_data => {
                        let old = attr(e, "ref").and_then(|v| parse_range(&v));
                        // A box that does not grow keeps the element byte for byte.
                        match edit_box
                            .map(|b| union(old.unwrap_or(((0, 0), (0, 0))), b))
                            .filter(|grown| Some(*grown) != old)
                        {
                            None => w.write_event(ev.borrow()).map_err(io)?,
                            Some(((r0, c0), (r1, c1))) => {
                                let new = format!(
                                    "{}{}:{}{}",
                                    col_letter(c0),
                                    r0 + 1,
                                    col_letter(c1),
                                    r1 + 1
                                );
                                let mut d = BytesStart::new(e.name().as_ref().to_string());
                                for a in e.attributes().flatten() {
                                    if a.key.local_name().as_ref() != "ref" {
                                        d.push_attribute(a);
                                    }
                                }
                                d.push_attribute(("ref", new.as_str()));
                                // Keep the element's shape (`<dimension/>` or a start tag).
                                let d = if empty {
                                    Event::Empty(d)
                                } else {
                                    Event::Start(d)
                                };
                                w.write_event(d).map_err(io)?;
                            }
                        }
                    }
                    "row" if in_data => {
                        let r = row_number(e, last_row.map_or(0, |l| l.saturating_add(1)), loc)?;
                        // New rows that come before this one.
                        write_rows(&mut w, &prefix, &mut pending, Some(r), &col_styles)
                            .map_err(io)?;
                        row_edits = pending.remove(&r).unwrap_or_default();
                        row = Some(r);
                        last_row = Some(r);
                        col = u32::MAX;
                        row_style = (attr(e, "customFormat").as_deref() == Some("1"))
                            .then(|| attr(e, "s"))
                            .flatten();
                        let start = if row_edits.is_empty() {
                            e.to_owned()
                        } else {
                            widen_spans(e, &row_edits)
                        };
                        if empty && !row_edits.is_empty() {
                            w.write_event(Event::Start(start)).map_err(io)?;
                            let edits = std::mem::take(&mut row_edits);
                            for (c, text) in edits {
                                let style =
                                    row_style.clone().or_else(|| style_of_col(&col_styles, c));
                                write_cell(&mut w, &prefix, r, c, &text, style.as_deref())
                                    .map_err(io)?;
                            }
                            w.write_event(Event::End(BytesEnd::new(format!("{prefix}row"))))
                                .map_err(io)?;
                            row = None;
                        } else if empty {
                            w.write_event(Event::Empty(start)).map_err(io)?;
                            row = None;
                        } else {
                            w.write_event(Event::Start(start)).map_err(io)?;
                        }
                    }
                    "c" if row.is_some() => {
                        let r = row.unwrap_or(0);
                        col = cell_column(e, col, loc)?;
                        // New cells that come before this one.
                        let before: Vec<u32> = row_edits.range(..col).map(|(c, _)| *c).collect();
                        for c in before {
                            if let Some(text) = row_edits.remove(&c) {
                                let style =
                                    row_style.clone().or_else(|| style_of_col(&col_styles, c));
                                write_cell(&mut w, &prefix, r, c, &text, style.as_deref())
                                    .map_err(io)?;
                            }
                        }
                        if let Some(text) = row_edits.remove(&col) {
                            write_cell(&mut w, &prefix, r, col, &text, attr(e, "s").as_deref())
                                .map_err(io)?;
                            if !empty {
                                skip_depth = 1;
                            }
                        } else {
                            w.write_event(ev.borrow()).map_err(io)?;
                        }
                    }
                    _ => w.write_event(ev.borrow()).map_err(io)?,
                }
            }
            Event::End(ref e) => match e.local_name().as_ref() {
                "row" if row.is_some() => {
                    let r = row.unwrap_or(0);
                    let rest = std::mem::take(&mut row_edits);
                    for (c, text) in rest {
                        let style = row_style.clone().or_else(|| style_of_col(&col_styles, c));
                        write_cell(&mut w, &prefix, r, c, &text, style.as_deref()).map_err(io)?;
                    }
                    row = None;
                    w.write_event(ev.borrow()).map_err(io)?;
                }
                "sheetData" if in_data => {
                    write_rows(&mut w, &prefix, &mut pending, None, &col_styles).map_err(io)?;
                    in_data = false;
                    w.write_event(ev.borrow()).map_err(io)?;
                }
                _ => w.write_event(ev.borrow()).map_err(io)?,
            },
            _ => w.write_event(ev.borrow()).map_err(io)?,
        }
        buf.clear();
    }
    if !pending.is_empty() {
        return Err(Error::input(
            loc.clone(),
            "the sheet has no <sheetData>; cannot place answers",
        ));
    }
    Ok(PatchedSheet {
        xml: w.into_inner(),
        written,
        skipped,
    })
}

/// The smallest range holding both.
fn union(a: super::CellRange, b: super::CellRange) -> super::CellRange {
    (
        (a.0 .0.min(b.0 .0), a.0 .1.min(b.0 .1)),
        (a.1 .0.max(b.1 .0), a.1 .1.max(b.1 .1)),
    )
}

fn style_of_col(cols: &[(u32, u32, String)], c: u32) -> Option<String> {
    cols.iter()
        .find(|(a, b, _)| *a <= c && c <= *b)
        .map(|(_, _, s)| s.clone())
}

/// The row start tag with `spans` widened to cover the edited columns. `spans` is a list of
/// `first:last` column pairs (1-based); it becomes one pair covering them and the edits, or is
/// dropped when unreadable (it is only a hint).
fn widen_spans(e: &BytesStart<'_>, edits: &BTreeMap<u32, String>) -> BytesStart<'static> {
    let mut out = BytesStart::new(e.name().as_ref().to_string());
    let lo = edits.keys().next().map_or(1, |c| c.saturating_add(1));
    let hi = edits.keys().next_back().map_or(1, |c| c.saturating_add(1));
    for a in e.attributes().flatten() {
        if a.key.local_name().as_ref() == "spans" {
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_default();
            let pairs: Option<Vec<(u32, u32)>> = v
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(':')?;
                    Some((x.parse::<u32>().ok()?, y.parse::<u32>().ok()?))
                })
                .collect();
            if let Some(pairs) = pairs.filter(|p| !p.is_empty()) {
                let x = pairs.iter().map(|p| p.0).min().unwrap_or(lo).min(lo);
                let y = pairs.iter().map(|p| p.1).max().unwrap_or(hi).max(hi);
                out.push_attribute(("spans", format!("{x}:{y}").as_str()));
            }
        } else {
            out.push_attribute(a);
        }
    }
    out
}

/// Write the pending rows before `until` (all of them when None) as new `<row>` elements.
fn write_rows(
    w: &mut Writer<Vec<u8>>,
    prefix: &str,
    pending: &mut BTreeMap<u32, BTreeMap<u32, String>>,
    until: Option<u32>,
    col_styles: &[(u32, u32, String)],
) -> std::io::Result<()> {
    let rows: Vec<u32> = match until {
        Some(u) => pending.range(..u).map(|(r, _)| *r).collect(),
        None => pending.keys().copied().collect(),
    };
    for r in rows {
        let Some(cells) = pending.remove(&r) else {
            continue;
        };
        let mut start = BytesStart::new(format!("{prefix}row"));
        start.push_attribute(("r", (r + 1).to_string().as_str()));
        w.write_event(Event::Start(start))?;
        for (c, text) in cells {
            write_cell(
                w,
                prefix,
                r,
                c,
                &text,
                style_of_col(col_styles, c).as_deref(),
            )?;
        }
        w.write_event(Event::End(BytesEnd::new(format!("{prefix}row"))))?;
    }
    Ok(())
}

/// `<c r="D7" s="3" t="inlineStr"><is><t xml:space="preserve">text</t></is></c>`
fn write_cell(
    w: &mut Writer<Vec<u8>>,
    prefix: &str,
    r: u32,
    c: u32,
    text: &str,
    style: Option<&str>,
) -> std::io::Result<()> {
    let mut start = BytesStart::new(format!("{prefix}c"));
    start.push_attribute(("r", format!("{}{}", col_letter(c), r + 1).as_str()));
    if let Some(s) = style {
        start.push_attribute(("s", s));
    }
    start.push_attribute(("t", "inlineStr"));
    w.write_event(Event::Start(start))?;
    w.write_event(Event::Start(BytesStart::new(format!("{prefix}is"))))?;
    let mut t = BytesStart::new(format!("{prefix}t"));
    t.push_attribute(("xml:space", "preserve"));
    w.write_event(Event::Start(t))?;
    w.write_event(Event::Text(BytesText::new(text)))?;
    w.write_event(Event::End(BytesEnd::new(format!("{prefix}t"))))?;
    w.write_event(Event::End(BytesEnd::new(format!("{prefix}is"))))?;
    w.write_event(Event::End(BytesEnd::new(format!("{prefix}c"))))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::package::resolve_target;
    use calamine::{Data, Reader as _};
    use rust_xlsxwriter::{DataValidation, Format, Workbook};
    use std::io::Read;
    use zip::ZipArchive;

    fn fixture(dir: &Path) -> std::path::PathBuf {
        let mut wb = Workbook::new();
        let bold = Format::new().set_bold();
        let unlocked = Format::new().set_unlocked().set_text_wrap();
        let ws = wb.add_worksheet();
        ws.set_name("Questions").unwrap();
        ws.merge_range(0, 0, 0, 3, "Vendor questionnaire", &bold)
            .unwrap();
        ws.write_string_with_format(2, 0, "No.", &bold).unwrap();
        ws.write_string_with_format(2, 1, "Question", &bold)
            .unwrap();
        ws.write_string_with_format(2, 2, "Answer", &bold).unwrap();
        ws.write_string_with_format(2, 3, "Comments", &bold)
            .unwrap();
        ws.write_string(3, 0, "1.1").unwrap();
        ws.write_string(3, 1, "Do you encrypt data at rest?")
            .unwrap();
        ws.write_blank(3, 2, &unlocked).unwrap();
        ws.write_string(4, 0, "1.2").unwrap();
        ws.write_string(4, 1, "Do you use MFA?").unwrap();
        ws.write_formula(4, 2, "=1+1").unwrap();
        ws.merge_range(5, 1, 5, 3, "Merged note", &Format::new())
            .unwrap();
        ws.set_column_width(1, 60).unwrap();
        let dv = DataValidation::new()
            .allow_list_strings(&["Yes", "No", "N/A"])
            .unwrap();
        ws.add_data_validation(3, 2, 40, 2, &dv).unwrap();
        let hidden = wb.add_worksheet();
        hidden.set_name("Lists").unwrap();
        hidden.write_string(0, 0, "Yes").unwrap();
        hidden.set_hidden(true);
        wb.define_name("Answers", "=Lists!$A$1:$A$3").unwrap();
        let p = dir.join("q.xlsx");
        wb.save(&p).unwrap();
        p
    }

    fn entries(path: &Path) -> BTreeMap<String, Vec<u8>> {
        let mut z = ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        (0..z.len())
            .map(|i| {
                let mut f = z.by_index(i).unwrap();
                let mut v = Vec::new();
                f.read_to_end(&mut v).unwrap();
                (f.name().unwrap().to_string(), v)
            })
            .collect()
    }

    fn edit(row: u32, col: u32, value: &str) -> CellEdit {
        CellEdit {
            row,
            col,
            value: value.into(),
        }
    }

    #[test]
    fn writes_only_the_edited_cells() {
        let d = tempfile::tempdir().unwrap();
        let input = fixture(d.path());
        let out = d.path().join("q.filled.xlsx");
        let edits = vec![SheetEdits {
            notes: Vec::new(),
            sheet: "Questions".into(),
            edits: vec![
                edit(3, 2, "Yes"),
                edit(3, 3, "=HYPERLINK(\"x\") & _x0041_ <b>"),
                edit(4, 2, "No"),
                edit(5, 2, "into merged"),
                edit(9, 4, "beyond the end"),
                edit(3, 5, "new column"),
                edit(6, 2, "=1+1"),
            ],
        }];
        let before = std::fs::read(&input).unwrap();
        let s = patch_xlsx(&input, &out, &edits, PatchLimits::default()).unwrap();
        assert_eq!(std::fs::read(&input).unwrap(), before, "input untouched");
        assert_eq!(s.written, 5);
        assert!(!s.signature_invalidated);
        assert!(
            s.skipped
                .contains(&("Questions".into(), 4, 2, "the cell holds a formula".into())),
            "{:?}",
            s.skipped
        );
        let why: Vec<&str> = s.skipped.iter().map(|x| x.3.as_str()).collect();
        assert!(why.iter().any(|w| w.contains("formula")), "{why:?}");
        assert!(why.iter().any(|w| w.contains("merged")), "{why:?}");

        let a = entries(&input);
        let b = entries(&out);
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        for (name, bytes) in &a {
            if name != "xl/worksheets/sheet1.xml" {
                assert_eq!(bytes, &b[name], "{name} changed");
            }
        }
        // Raw copies: same compressed bytes, method and CRC, in the same order.
        let raw = |p: &Path| {
            let mut z = ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
            (0..z.len())
                .map(|i| {
                    let f = z.by_index_raw(i).unwrap();
                    let name = f.name().unwrap().to_string();
                    let meta = (f.compressed_size(), f.size(), f.crc32(), f.compression());
                    (name, meta)
                })
                .collect::<Vec<_>>()
        };
        let (ra, rb) = (raw(&input), raw(&out));
        assert_eq!(ra.len(), rb.len());
        for (x, y) in ra.iter().zip(&rb) {
            assert_eq!(x.0, y.0, "entry order kept");
            if x.0 != "xl/worksheets/sheet1.xml" {
                assert_eq!(x.1, y.1, "{} re-compressed", x.0);
            }
        }

        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&out).unwrap();
        let r = wb.worksheet_range("Questions").unwrap();
        let at = |r0: u32, c0: u32| r.get_value((r0, c0)).cloned().unwrap_or(Data::Empty);
        assert_eq!(at(3, 2), Data::String("Yes".into()));
        assert_eq!(
            at(3, 3),
            Data::String("=HYPERLINK(\"x\") & _x0041_ <b>".into()),
            "text round-trips literally, never as a formula or an escape"
        );
        assert_eq!(at(9, 4), Data::String("beyond the end".into()));
        assert_eq!(at(3, 5), Data::String("new column".into()));
        assert_eq!(at(6, 2), Data::String("=1+1".into()), "text, not a formula");
        assert_eq!(
            at(5, 1),
            Data::String("Merged note".into()),
            "merged anchor kept"
        );
        assert_eq!(
            at(3, 1),
            Data::String("Do you encrypt data at rest?".into())
        );
        assert_eq!(at(0, 0), Data::String("Vendor questionnaire".into()));
        let f = wb.worksheet_formula("Questions").unwrap();
        assert_eq!(f.get_value((4, 2)).map(|s| s.as_str()), Some("1+1"));
        assert!(f.get_value((3, 3)).is_none_or(|s| s.is_empty()));
        assert!(f.get_value((6, 2)).is_none_or(|s| s.is_empty()));
        // Every original cell of every sheet reads back the same, apart from the edits.
        let mut orig: calamine::Xlsx<_> = calamine::open_workbook(&input).unwrap();
        for name in orig.sheet_names() {
            let before = orig.worksheet_range(&name).unwrap();
            let after = wb.worksheet_range(&name).unwrap();
            for (r0, c0, v) in before.used_cells() {
                let (r0, c0) = (
                    r0 as u32 + before.start().unwrap().0,
                    c0 as u32 + before.start().unwrap().1,
                );
                if name == "Questions" && [(3, 2), (3, 3)].contains(&(r0, c0)) {
                    continue;
                }
                assert_eq!(after.get_value((r0, c0)), Some(v), "{name} ({r0},{c0})");
            }
        }
        let sheets = wb.sheets_metadata().to_vec();
        assert_eq!(
            sheets[1].visible,
            calamine::SheetVisible::Hidden,
            "hidden sheet kept"
        );
        assert_eq!(wb.defined_names().len(), 1, "defined name kept");
        let xml = String::from_utf8(b["xl/worksheets/sheet1.xml"].clone()).unwrap();
        assert!(xml.contains("<dimension ref=\"A1:F10\"/>"), "{xml}");
        assert!(xml.contains("<dataValidations"), "validations kept");
        assert!(xml.contains("<mergeCell ref=\"B6:D6\"/>"));
    }

    #[test]
    fn keeps_the_style_of_a_replaced_cell() {
        let d = tempfile::tempdir().unwrap();
        let input = fixture(d.path());
        let out = d.path().join("o.xlsx");
        let xml_in =
            String::from_utf8(entries(&input)["xl/worksheets/sheet1.xml"].clone()).unwrap();
        let style = xml_in
            .split("<c r=\"C4\"")
            .nth(1)
            .and_then(|s| s.split("s=\"").nth(1))
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let edits = vec![SheetEdits {
            notes: Vec::new(),
            sheet: "Questions".into(),
            edits: vec![edit(3, 2, "Yes")],
        }];
        patch_xlsx(&input, &out, &edits, PatchLimits::default()).unwrap();
        let xml = String::from_utf8(entries(&out)["xl/worksheets/sheet1.xml"].clone()).unwrap();
        assert!(
            xml.contains(&format!("<c r=\"C4\" s=\"{style}\" t=\"inlineStr\">")),
            "{xml}"
        );
    }

    #[test]
    fn refuses_bad_packages_and_leaves_nothing() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out.xlsx");
        let cfb = d.path().join("enc.xlsx");
        let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        bytes.extend_from_slice(&[0u8; 512]);
        std::fs::write(&cfb, bytes).unwrap();
        let e = patch_xlsx(&cfb, &out, &[], PatchLimits::default()).unwrap_err();
        assert!(e.to_string().contains("password"), "{e}");
        let pdf = d.path().join("pdf.xlsx");
        std::fs::write(&pdf, b"%PDF-1.4").unwrap();
        assert!(patch_xlsx(&pdf, &out, &[], PatchLimits::default())
            .unwrap_err()
            .to_string()
            .contains("not a zip"));
        let input = fixture(d.path());
        let tiny = PatchLimits {
            max_entry_bytes: 200,
            max_total_bytes: 1 << 20,
        };
        let edits = vec![SheetEdits {
            notes: Vec::new(),
            sheet: "Questions".into(),
            edits: vec![edit(3, 2, "Yes")],
        }];
        let e = patch_xlsx(&input, &out, &edits, tiny).unwrap_err();
        assert!(e.to_string().contains("zip bomb"), "{e}");
        let e = patch_xlsx(
            &input,
            &out,
            &[SheetEdits {
                notes: Vec::new(),
                sheet: "Nope".into(),
                edits: vec![edit(0, 0, "x")],
            }],
            PatchLimits::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("sheet 'Nope'"), "{e}");
        assert!(!out.exists());
    }

    #[test]
    fn cleans_text() {
        assert_eq!(clean_text("a\u{1}b\tc"), "ab\tc");
        assert_eq!(clean_text("_x0041_"), "_x005F_x0041_");
        assert_eq!(clean_text("x_x12_"), "x_x12_");
        assert_eq!(
            clean_text(&"é".repeat(40_000)).chars().count(),
            MAX_CELL_CHARS
        );
        let emoji = clean_text(&"😀".repeat(20_000));
        assert_eq!(
            emoji.encode_utf16().count(),
            MAX_CELL_CHARS - 1,
            "no half pair"
        );
    }

    #[test]
    fn parses_refs_and_targets() {
        assert_eq!(parse_ref("AB12"), Some((11, 27)));
        assert_eq!(parse_ref("$C$4"), Some((3, 2)));
        assert_eq!(parse_ref("A0"), None);
        assert_eq!(parse_range("B5:D7"), Some(((4, 1), (6, 3))));
        assert_eq!(parse_range("'My Sheet'!A1:A3"), Some(((0, 0), (2, 0))));
        assert_eq!(
            resolve_target("worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve_target("/xl/worksheets/s.xml"),
            "xl/worksheets/s.xml"
        );
        assert_eq!(
            resolve_target("../xl/worksheets/s.xml"),
            "xl/worksheets/s.xml"
        );
    }

    const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    fn sheet_text(xml: &str, edits: &[CellEdit]) -> (String, PatchedSheet) {
        let p = patch_sheet(xml.as_bytes(), edits, &Location::default()).unwrap();
        (String::from_utf8(p.xml.clone()).unwrap(), p)
    }

    fn before(hay: &str, a: &str, b: &str) -> bool {
        match (hay.find(a), hay.find(b)) {
            (Some(x), Some(y)) => x < y,
            _ => panic!("{a} or {b} missing in {hay}"),
        }
    }

    #[test]
    fn places_cells_among_implicit_positions() {
        let xml = format!(
            r#"<worksheet xmlns="{NS}"><dimension ref="B2:C3"/><sheetData><row r="2" spans="2:3"><c r="B2" t="s"><v>0</v></c><c s="4"><v>5</v></c></row><row customFormat="1" s="7"><c r="B3"/><c t="inlineStr"><is><t>x</t></is></c></row></sheetData><mergeCells count="2"><mergeCell ref="E2:F3"/><mergeCell ref="H2:I2"/></mergeCells></worksheet>"#
        );
        let (out, p) = sheet_text(
            &xml,
            &[
                edit(2, 2, "replaces implicit C3"),
                edit(1, 0, "A2"),
                edit(1, 3, "D2"),
                edit(1, 2, "C2"),
                edit(3, 5, "F4"),
                edit(2, 5, "to E2"),
                edit(2, 4, "also to E2"),
                edit(1, 8, "I2"),
                edit(1, 7, "H2"),
                edit(0, 1, "B1"),
                edit(2, 3, "D3"),
            ],
        );
        assert_eq!(p.written, 9, "{out}");
        let why: Vec<_> = p.skipped.iter().map(|s| (s.0, s.1)).collect();
        assert_eq!(why, vec![(2, 4), (1, 8)], "{:?}", p.skipped);
        assert!(p.skipped[0].2.contains("another edit"));
        // Implicit C2 (style 4) replaced in place, keeping its style; A2 before B2, D2 after.
        assert!(
            out.contains(
                r#"<c r="C2" s="4" t="inlineStr"><is><t xml:space="preserve">C2</t></is></c>"#
            ),
            "{out}"
        );
        assert!(before(&out, r#"<c r="A2""#, r#"<c r="B2""#));
        assert!(before(&out, r#"<c r="C2""#, r#"<c r="D2""#));
        assert!(before(&out, r#"<c r="D2""#, r#"<c r="E2""#));
        // The implicit row 3 is merged into: the replaced cell keeps its own (absent) style, a
        // new cell takes the row's custom style.
        assert!(out.contains(r#"<c r="B3"/><c r="C3" t="inlineStr"><is><t xml:space="preserve">replaces implicit C3</t></is></c><c r="D3" s="7" t="inlineStr">"#), "{out}");
        assert!(!out.contains("<t>x</t>"), "old cell content gone: {out}");
        // New rows in order: 1 before 2, 4 after 3, before </sheetData>.
        assert!(before(&out, r#"<row r="1">"#, r#"<row r="2""#));
        assert!(before(&out, r#"<c r="C3""#, r#"<row r="4"><c r="F4""#));
        assert!(before(&out, r#"<row r="4">"#, "</sheetData>"));
        assert!(out.contains(r#"<row r="2" spans="1:8">"#), "{out}");
        assert!(out.contains(r#"<dimension ref="A1:H4"/>"#), "{out}");
        assert_eq!(out.matches("<row").count(), 4);
    }

    #[test]
    fn a_dimension_that_does_not_grow_keeps_its_bytes() {
        // openpyxl writes `<dimension ref="A1:D30" />`, with a space: an edit inside the box
        // must leave it exactly so.
        let xml = r#"<worksheet xmlns="urn:x"><dimension ref="A1:C3" /><sheetData/></worksheet>"#;
        let (out, p) = sheet_text(xml, &[edit(1, 1, "x")]);
        assert_eq!(p.written, 1);
        assert!(out.contains(r#"<dimension ref="A1:C3" />"#), "{out}");
    }

    #[test]
    fn fills_an_empty_prefixed_sheet_and_keeps_array_formulas() {
        let xml = r#"<x:worksheet xmlns:x="urn:x"><x:dimension ref="A1"></x:dimension><x:sheetData/></x:worksheet>"#;
        let (out, p) = sheet_text(xml, &[edit(2, 1, "a & <b>"), edit(0, 0, "first")]);
        assert_eq!(p.written, 2);
        assert!(
            out.contains(r#"<x:dimension ref="A1:B3"></x:dimension>"#),
            "{out}"
        );
        assert!(out.contains(r#"<x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t xml:space="preserve">first</x:t></x:is></x:c></x:row><x:row r="3">"#), "{out}");
        assert!(out.contains("a &amp; &lt;b&gt;"), "{out}");

        let xml = format!(
            r#"<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1"><f t="array" ref="A1:A3">ROW(A1:A3)</f><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row><row r="3"/></sheetData></worksheet>"#
        );
        let (out, p) = sheet_text(
            &xml,
            &[edit(1, 0, "no"), edit(2, 0, "no"), edit(2, 1, "yes")],
        );
        assert_eq!(p.written, 1);
        assert_eq!(p.skipped.len(), 2, "{:?}", p.skipped);
        assert!(p.skipped.iter().all(|s| s.2 == "the cell holds a formula"));
        assert!(
            out.contains(r#"<row r="3"><c r="B3" t="inlineStr">"#),
            "{out}"
        );
        assert!(out.contains(r#"<c r="A2"><v>2</v></c>"#));
    }

    /// A minimal package around one sheet's XML, with an absolute relationship target and
    /// extra entries.
    fn package(dir: &Path, sheet_xml: &str, extra: &[(&str, &str)]) -> std::path::PathBuf {
        use zip::write::SimpleFileOptions;
        let p = dir.join("min.xlsx");
        let mut z = zip::ZipWriter::new(std::fs::File::create(&p).unwrap());
        let o = SimpleFileOptions::default();
        let parts = [
            ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/data.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string()),
            ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
            ("xl/workbook.xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:rel="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Q &amp; A" sheetId="1" rel:id="rIdQ"/></sheets></workbook>"#)),
            ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdQ" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/data.xml"/></Relationships>"#.to_string()),
            ("xl/worksheets/data.xml", sheet_xml.to_string()),
        ];
        for (name, text) in parts
            .iter()
            .map(|(n, t)| (*n, t.as_str()))
            .chain(extra.iter().copied())
        {
            z.start_file(name, o).unwrap();
            z.write_all(text.as_bytes()).unwrap();
        }
        z.finish().unwrap();
        p
    }

    #[test]
    fn absolute_targets_prefixed_ids_and_signatures() {
        let d = tempfile::tempdir().unwrap();
        let sheet = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Question</t></is></c></row></sheetData></worksheet>"#
        );
        let input = package(
            d.path(),
            &sheet,
            &[("_xmlsignatures/sig1.xml", "<Signature/>")],
        );
        let out = d.path().join("out.xlsx");
        let s = patch_xlsx(
            &input,
            &out,
            &[SheetEdits {
                notes: Vec::new(),
                sheet: "Q & A".into(),
                edits: vec![edit(0, 1, "Yes"), edit(1, 0, "x\u{7}y")],
            }],
            PatchLimits::default(),
        )
        .unwrap();
        assert!(s.signature_invalidated);
        assert_eq!(s.written, 2);
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&out).unwrap();
        let r = wb.worksheet_range("Q & A").unwrap();
        assert_eq!(r.get_value((0, 1)), Some(&Data::String("Yes".into())));
        assert_eq!(r.get_value((1, 0)), Some(&Data::String("xy".into())));
        assert_eq!(r.get_value((0, 0)), Some(&Data::String("Question".into())));
    }

    #[test]
    fn inflated_size_is_counted_not_trusted() {
        // The declared size passes; the bytes actually inflated are what is limited.
        let d = tempfile::tempdir().unwrap();
        let pad = "<!-- padding -->".repeat(4096);
        let sheet = format!(r#"<worksheet xmlns="{NS}">{pad}<sheetData/></worksheet>"#);
        let input = package(d.path(), &sheet, &[]);
        let out = d.path().join("out.xlsx");
        let edits = [SheetEdits {
            notes: Vec::new(),
            sheet: "Q & A".into(),
            edits: vec![edit(0, 0, "x")],
        }];
        let total = PatchLimits {
            max_entry_bytes: 1 << 20,
            max_total_bytes: 32 << 10,
        };
        let e = patch_xlsx(&input, &out, &edits, total).unwrap_err();
        assert!(e.to_string().contains("xl/worksheets/data.xml"), "{e}");
        assert!(e.is_user_error());
        assert!(!out.exists());
        patch_xlsx(&input, &out, &edits, PatchLimits::default()).unwrap();
        assert!(out.exists());
    }

    #[test]
    fn forty_thousand_answers_into_twenty_thousand_rows() {
        let mut xml = format!(r#"<worksheet xmlns="{NS}"><dimension ref="A1:B20000"/><sheetData>"#);
        for r in 1..=20_000 {
            xml.push_str(&format!(
                r#"<row r="{r}" spans="1:2"><c r="A{r}" t="inlineStr"><is><t>Q{r}</t></is></c><c r="B{r}" s="1"/></row>"#
            ));
        }
        xml.push_str("</sheetData></worksheet>");
        let edits: Vec<CellEdit> = (0..20_000)
            .flat_map(|r| {
                [
                    edit(r, 1, "Yes"),
                    edit(r, 2, "Encrypted with AES-256 at rest."),
                ]
            })
            .collect();
        let t = std::time::Instant::now();
        let (out, p) = sheet_text(&xml, &edits);
        let took = t.elapsed();
        assert_eq!(p.written, 40_000);
        assert!(out.contains(r#"<c r="B20000" s="1" t="inlineStr">"#));
        assert!(out.contains(r#"<dimension ref="A1:C20000"/>"#));
        // Well under a second in release builds; leave room for unoptimised test builds.
        eprintln!("40,000 edits into 20,000 rows: {took:?}");
        assert!(took.as_secs_f64() < 5.0, "took {took:?}");
    }

    #[test]
    fn openpyxl_opens_the_output() {
        let ok = std::process::Command::new("python3")
            .args(["-c", "import openpyxl"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("python3 with openpyxl not available; skipped");
            return;
        }
        let d = tempfile::tempdir().unwrap();
        let input = fixture(d.path());
        let out = d.path().join("o.xlsx");
        let edits = vec![SheetEdits {
            notes: Vec::new(),
            sheet: "Questions".into(),
            edits: vec![edit(3, 2, "Yes"), edit(12, 3, "=1+1 & <b>")],
        }];
        patch_xlsx(&input, &out, &edits, PatchLimits::default()).unwrap();
        let script = r#"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["Questions"]
assert ws["C4"].value == "Yes", ws["C4"].value
assert ws["D13"].value == "=1+1 & <b>", repr(ws["D13"].value)
assert ws["D13"].data_type == "s", ws["D13"].data_type
assert ws["C5"].value == "=1+1", ws["C5"].value
assert ws["C4"].protection.locked is False
assert "B6:D6" in [str(m) for m in ws.merged_cells.ranges]
assert len(ws.data_validations.dataValidation) == 1
assert wb["Lists"].sheet_state == "hidden"
assert "Answers" in wb.defined_names
"#;
        let o = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}
