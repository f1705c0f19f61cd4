//! Reading questionnaires from untrusted files into sparse grids of cell text.
//!
//! Questionnaires arrive from strangers, so reading is defensive first: the file size is
//! capped; an xlsx/xlsm package is checked before calamine sees it (a password-protected
//! workbook is a CFB container, not a zip; every zip entry is inflated once with a byte cap,
//! so declared sizes cannot lie; `sharedStrings.xml`'s `uniqueCount` is checked against the
//! part's size, because calamine reserves that many strings up front); cells are streamed
//! with calamine's cell reader into a sparse map, never a dense range, so a cell address far
//! beyond Excel's limits cannot make the process allocate gigabytes. CSV files are decoded
//! from UTF-8 (with or without BOM), UTF-16 (by BOM) or Latin-1, and their delimiter is
//! sniffed. Every error names the file, and the sheet or row where there is one.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, DataRef, Reader, SheetVisible};

use super::package::{Bytes, Format, Package, PatchLimits};
use super::{Grid, InputKind, Workbook};
use crate::error::{Error, Location, Result};

pub use super::input::io_reason;
pub use super::package::{max_inflated_bytes, MAX_INFLATED_ENV};

/// Bounds on what a questionnaire may make Vouch read. A file beyond them is refused with an
/// error that says which bound it crossed.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    /// Size of the file on disk.
    pub max_file_bytes: u64,
    /// Total bytes of all zip entries once inflated (xlsx/xlsm/ods). Inflating is streamed,
    /// so this bounds time, not memory.
    pub max_inflated_bytes: u64,
    /// Non-empty cells across the workbook.
    pub max_cells: usize,
    /// Bytes of cell text across the workbook (many cells can repeat one long shared string).
    pub max_text_bytes: usize,
    /// Rows per sheet (1-based index of the last used row).
    pub max_rows: u32,
    /// Columns per sheet (1-based index of the last used column).
    pub max_cols: u32,
}

/// Largest questionnaire file Vouch opens.
pub const MAX_FILE_BYTES: u64 = 200 << 20;

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_file_bytes: MAX_FILE_BYTES,
            max_inflated_bytes: max_inflated_bytes(),
            max_cells: 2_000_000,
            max_text_bytes: 128 << 20,
            max_rows: 200_000,
            max_cols: 2_000,
        }
    }
}

const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

const ENCRYPTED: &str =
    "the workbook is password-protected or encrypted; save an unprotected copy and try again";

/// The input kind from the file name; `None` for an extension Vouch does not read.
pub fn kind_of(path: &Path) -> Option<InputKind> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "csv" | "txt" | "tsv" => InputKind::Csv,
        "xlsx" => InputKind::Xlsx,
        "xlsm" => InputKind::Xlsm,
        "xls" => InputKind::Xls,
        "ods" => InputKind::Ods,
        _ => return None,
    })
}

/// Read a questionnaire with the default limits.
pub fn read_workbook(path: &Path) -> Result<Workbook> {
    read_workbook_with(path, ReadLimits::default())
}

/// Read a questionnaire (any supported kind) into grids, within `limits`.
///
/// Peak memory is bounded, not proportional to what a package inflates to: the file's bytes
/// (at most `max_file_bytes`, held once), one XML event (at most
/// [`super::package::MAX_XML_RUN`]), calamine's shared strings (at most
/// [`super::package::MAX_SHARED_STRINGS`], their text within the inflate bound) and the grid
/// (at most `max_cells` cells and `max_text_bytes` of text). An .xls workbook is read by
/// calamine as a dense range, at most 65,536 × 256 cells.
pub fn read_workbook_with(path: &Path, limits: ReadLimits) -> Result<Workbook> {
    let loc = || Location::file(path);
    let kind = kind_of(path).ok_or_else(|| {
        Error::input(
            loc(),
            "unsupported file type; Vouch reads .xlsx, .xlsm, .xls, .ods and .csv",
        )
    })?;
    let bytes = super::input::read_regular(path, limits.max_file_bytes, loc)?;
    if bytes.is_empty() {
        return Err(Error::input(loc(), "the file is empty"));
    }
    let plimits = PatchLimits {
        max_entry_bytes: limits
            .max_inflated_bytes
            .min(super::package::MAX_PART_BYTES),
        max_total_bytes: limits.max_inflated_bytes,
    };
    let sheets = match kind {
        InputKind::Csv => vec![read_csv(path, &bytes, limits)?],
        InputKind::Xlsx | InputKind::Xlsm => {
            let bytes = Bytes(bytes.into());
            let mut pkg = Package::from_bytes(path, bytes.clone(), plimits, Format::Xlsx)?;
            pkg.check(Format::Xlsx)?;
            let mut grids = read_xlsx(path, bytes, limits)?;
            super::validation::read_lists(&mut pkg, &mut grids)?;
            super::protection::read_protection(&mut pkg, &mut grids)?;
            grids
        }
        InputKind::Ods => {
            let mut pkg = Package::from_bytes(path, Bytes(bytes.into()), plimits, Format::Ods)?;
            pkg.check(Format::Ods)?;
            super::ods::read(&mut pkg, limits)?
        }
        InputKind::Xls => read_xls(path, bytes, limits)?,
    };
    Ok(Workbook {
        path: path.to_path_buf(),
        kind,
        sheets,
    })
}

/// What is left of the cell and text bounds while a workbook is read.
pub(crate) struct Budget {
    cells: usize,
    text: usize,
    limits: ReadLimits,
}

impl Budget {
    pub(crate) fn new(limits: ReadLimits) -> Self {
        Budget {
            cells: limits.max_cells,
            text: limits.max_text_bytes,
            limits,
        }
    }
    /// Take `n` cells of `bytes` text each, or refuse the file.
    pub(crate) fn take(&mut self, path: &Path, n: usize, bytes: usize) -> Result<()> {
        if n > self.cells {
            return Err(too_many_cells(path, self.limits));
        }
        let text = n.saturating_mul(bytes);
        if text > self.text {
            return Err(Error::input(
                Location::file(path),
                format!(
                    "the workbook has more than {} MB of cell text; Vouch reads questionnaires up to that size",
                    self.limits.max_text_bytes >> 20
                ),
            ));
        }
        self.cells -= n;
        self.text -= text;
        Ok(())
    }
}

fn read_xlsx(path: &Path, bytes: Bytes, limits: ReadLimits) -> Result<Vec<Grid>> {
    let loc = || Location::file(path);
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(Cursor::new(bytes))
        .map_err(|e| Error::input(loc(), calamine_reason(&e.to_string())))?;
    let meta: Vec<(String, bool, bool)> = wb
        .sheets_metadata()
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                s.visible != SheetVisible::Visible,
                s.typ == calamine::SheetType::WorkSheet,
            )
        })
        .collect();
    let mut budget = Budget::new(limits);
    let mut grids = Vec::new();
    for (name, hidden, is_worksheet) in meta {
        if !is_worksheet {
            continue;
        }
        let sloc = || loc().sheet(&name);
        let mut grid = Grid {
            name: name.clone(),
            hidden,
            ..Default::default()
        };
        {
            let mut cells = wb
                .worksheet_cells_reader(&name)
                .map_err(|e| Error::input(sloc(), calamine_reason(&e.to_string())))?;
            loop {
                let cell = cells
                    .next_cell_with_formula_metadata()
                    .map_err(|e| Error::input(sloc(), calamine_reason(&e.to_string())))?;
                let Some(cell) = cell else { break };
                let (r, c) = cell.pos;
                check_position(path, &name, r, c, limits)?;
                if cell.formula.is_some() {
                    grid.formulas.insert((r, c));
                }
                if let Some(text) = ref_text(&cell.value) {
                    budget.take(path, 1, text.len())?;
                    grid.cells.insert((r, c), text);
                }
            }
        }
        grid.merged = wb
            .merge_cells_by_sheet_name(&name)
            .map(|dims| dims.iter().map(|d| (d.start, d.end)).collect())
            .unwrap_or_default();
        grids.push(grid);
    }
    Ok(grids)
}

pub(crate) fn check_position(
    path: &Path,
    sheet: &str,
    r: u32,
    c: u32,
    limits: ReadLimits,
) -> Result<()> {
    if r >= 1_048_576 || c >= 16_384 {
        return Err(Error::input(
            Location::file(path).sheet(sheet),
            format!(
                "a cell address (row {}, column {}) lies beyond Excel's limits; the file is damaged or crafted",
                r as u64 + 1,
                c as u64 + 1
            ),
        ));
    }
    if r >= limits.max_rows {
        return Err(Error::input(
            Location::file(path).sheet(sheet).row(r + 1),
            format!(
                "the sheet uses more than {} rows; Vouch reads questionnaires up to that size (split the sheet or pass --sheet for another one)",
                limits.max_rows
            ),
        ));
    }
    if c >= limits.max_cols {
        return Err(Error::input(
            Location::file(path).sheet(sheet).row(r + 1),
            format!(
                "the sheet uses column {} ({}); Vouch reads questionnaires up to {} columns",
                c as u64 + 1,
                super::col_letter(c),
                limits.max_cols
            ),
        ));
    }
    Ok(())
}

pub(crate) fn too_many_cells(path: &Path, limits: ReadLimits) -> Error {
    Error::input(
        Location::file(path),
        format!(
            "the workbook has more than {} non-empty cells; Vouch reads questionnaires up to that size",
            limits.max_cells
        ),
    )
}

/// calamine's messages are terse and sometimes internal; give the user the gist.
fn calamine_reason(msg: &str) -> String {
    let lower = msg.to_ascii_lowercase();
    if lower.contains("password") || lower.contains("encrypt") {
        "the workbook is password-protected or encrypted; save an unprotected copy and try again"
            .into()
    } else {
        format!("cannot read the workbook: {msg}")
    }
}

/// Display text of a streamed cell; None for empty or error cells.
fn ref_text(v: &DataRef<'_>) -> Option<String> {
    let s = match v {
        DataRef::Empty | DataRef::Error(_) => return None,
        DataRef::String(s) => s.trim().to_string(),
        DataRef::SharedString(s) => s.trim().to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        DataRef::DateTime(d) => d.to_string(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
    };
    (!s.is_empty()).then_some(s)
}

fn data_text(v: &Data) -> Option<String> {
    let s = match v {
        Data::Empty | Data::Error(_) => return None,
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) => number_text(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        other => other.to_string(),
    };
    (!s.is_empty()).then_some(s)
}

/// Numbers as a person would type them: `3`, not `3.0`; question numbers like `1.1` unchanged.
pub(crate) fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// .xls: calamine builds a range per sheet, bounded by the format itself (65,536 × 256).
/// A password-protected workbook (a FILEPASS record, or an encrypted OOXML package in a CFB
/// container, which has an `EncryptionInfo` stream) is refused as such.
fn read_xls(path: &Path, bytes: Vec<u8>, limits: ReadLimits) -> Result<Vec<Grid>> {
    let loc = || Location::file(path);
    if !bytes.starts_with(&CFB_MAGIC) {
        return Err(Error::input(
            loc(),
            "not an .xls workbook (no OLE2 header); check the file's type",
        ));
    }
    if super::xls::is_encrypted(&bytes) {
        return Err(Error::input(loc(), ENCRYPTED));
    }
    // calamine lays out every sheet densely on opening: refuse a crafted extent first.
    if let Some(why) = super::xls::extent_problem(&bytes) {
        return Err(Error::input(loc(), why));
    }
    let mut wb = calamine::Xls::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsError::Password => Error::input(loc(), ENCRYPTED),
        e => Error::input(loc(), calamine_reason(&e.to_string())),
    })?;
    let meta: Vec<(String, bool)> = wb
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
        .collect();
    let mut budget = Budget::new(limits);
    let mut grids = Vec::new();
    for (name, hidden) in meta {
        let sloc = || loc().sheet(&name);
        let range = match wb.worksheet_range(&name) {
            Ok(r) => r,
            // Chart sheets and the like have no cells.
            Err(e) if e.to_string().contains("not found") => continue,
            Err(e) => return Err(Error::input(sloc(), calamine_reason(&e.to_string()))),
        };
        let mut grid = Grid {
            name: name.clone(),
            hidden,
            ..Default::default()
        };
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (r, c, v) in range.used_cells() {
            let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else {
                continue;
            };
            let (Some(r), Some(c)) = (r.checked_add(r0), c.checked_add(c0)) else {
                continue;
            };
            check_position(path, &name, r, c, limits)?;
            if let Some(text) = data_text(v) {
                budget.take(path, 1, text.len())?;
                grid.cells.insert((r, c), text);
            }
        }
        grid.merged = wb
            .merge_cells_by_sheet_name(&name)
            .map(|dims| dims.iter().map(|d| (d.start, d.end)).collect())
            .unwrap_or_default();
        grids.push(grid);
    }
    Ok(grids)
}

/// Decode CSV bytes: UTF-8 (BOM optional), UTF-16 LE/BE (by BOM, or without one by the NUL
/// bytes every other byte of mostly-ASCII UTF-16 text has), otherwise Latin-1. None when the
/// bytes are not text in any of these: NUL bytes left over, or many control characters.
pub fn decode_text(bytes: &[u8]) -> Option<String> {
    let text = decode_any(bytes);
    looks_like_text(&text).then_some(text)
}

/// Which UTF-16 byte order the NUL pattern of BOM-less text shows, if any: in mostly-ASCII
/// UTF-16 LE every odd byte is NUL and even bytes are not (BE the other way round).
fn utf16_by_nuls(bytes: &[u8]) -> Option<bool> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 2 {
        return None;
    }
    let pairs = sample.len() / 2;
    let (mut even_nul, mut odd_nul) = (0usize, 0usize);
    for p in sample.chunks_exact(2) {
        even_nul += usize::from(p[0] == 0);
        odd_nul += usize::from(p[1] == 0);
    }
    if odd_nul * 10 >= pairs * 7 && even_nul * 10 <= pairs {
        Some(true)
    } else if even_nul * 10 >= pairs * 7 && odd_nul * 10 <= pairs {
        Some(false)
    } else {
        None
    }
}

/// Text a person wrote: no NUL, and control characters (other than tab and line breaks) in
/// under 1 % of characters.
fn looks_like_text(text: &str) -> bool {
    let mut total = 0usize;
    let mut control = 0usize;
    for ch in text.chars() {
        if ch == '\0' {
            return false;
        }
        total += 1;
        if (ch.is_control() && !matches!(ch, '\t' | '\n' | '\r')) || ch == '\u{FFFD}' {
            control += 1;
        }
    }
    control * 100 <= total
}

fn decode_any(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    let utf16 = |rest: &[u8], le: bool| {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|p| {
                if le {
                    u16::from_le_bytes([p[0], p[1]])
                } else {
                    u16::from_be_bytes([p[0], p[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false);
    }
    if let Some(le) = utf16_by_nuls(bytes) {
        return utf16(bytes, le);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        // Windows exports without a BOM are usually Latin-1 / cp1252; Latin-1 maps every byte.
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// The delimiter that splits the first lines most consistently: `,`, `;`, tab or `|`.
pub fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(10)
        .collect();
    let mut best = (b',', 0usize);
    for d in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| count_outside_quotes(l, d as char))
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        // A delimiter that appears on the header line, scored by how many lines agree.
        let agree = counts.iter().filter(|&&n| n == first).count();
        let score = if first == 0 { 0 } else { first + agree * 100 };
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, d: char) -> usize {
    let mut inside = false;
    let mut n = 0;
    for ch in line.chars() {
        if ch == '"' {
            inside = !inside;
        } else if ch == d && !inside {
            n += 1;
        }
    }
    n
}

fn read_csv(path: &Path, bytes: &[u8], limits: ReadLimits) -> Result<Grid> {
    let text = decode_text(bytes).ok_or_else(|| {
        Error::input(
            Location::file(path),
            "not a CSV text file (binary data, or a text encoding Vouch cannot tell: save it as UTF-8 CSV)",
        )
    })?;
    let delim = sniff_delimiter(&text);
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(text.as_bytes());
    let mut grid = Grid::default();
    let mut budget = Budget::new(limits);
    for (r, rec) in rd.records().enumerate() {
        let row = u32::try_from(r).unwrap_or(u32::MAX);
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(r + 1);
            Error::input(
                Location::file(path).line(line),
                format!("cannot parse CSV: {e}"),
            )
        })?;
        for (c, v) in rec.iter().enumerate() {
            let col = u32::try_from(c).unwrap_or(u32::MAX);
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            if row >= limits.max_rows || col >= limits.max_cols {
                return Err(Error::input(
                    Location::file(path).row(row.saturating_add(1)),
                    format!(
                        "the file uses more than {} rows or {} columns; Vouch reads questionnaires up to that size",
                        limits.max_rows, limits.max_cols
                    ),
                ));
            }
            budget.take(path, 1, v.len())?;
            grid.cells.insert((row, col), v.to_string());
        }
    }
    Ok(grid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn decodes_bom_utf16_and_latin1() {
        let d = |b: &[u8]| decode_text(b).unwrap();
        assert_eq!(d(b"\xEF\xBB\xBFa,b"), "a,b");
        assert_eq!(d(&[0xFF, 0xFE, b'h', 0, b'i', 0]), "hi");
        assert_eq!(d(&[0xFE, 0xFF, 0, b'h', 0, b'i']), "hi");
        assert_eq!(d(b"caf\xE9"), "café");
    }

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("\"x;y\",b\n1,2\n"), b',');
        assert_eq!(sniff_delimiter("just one column\n"), b',');
    }

    #[test]
    fn csv_with_embedded_newlines_and_ragged_rows() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "q.csv",
            b"#,Question\n1,\"Do you encrypt\ndata at rest?\"\n2,Do you use MFA?,extra,cells\n",
        );
        let wb = read_workbook(&p).unwrap();
        let g = &wb.sheets[0];
        assert_eq!(g.get(1, 1), Some("Do you encrypt\ndata at rest?"));
        assert_eq!(g.get(2, 3), Some("cells"));
    }

    #[test]
    fn refuses_wrong_and_empty_files() {
        let d = tempfile::tempdir().unwrap();
        let pdf = write(d.path(), "q.xlsx", b"%PDF-1.7 not a workbook");
        let e = read_workbook(&pdf).unwrap_err().to_string();
        assert!(e.contains("q.xlsx") && e.contains("not an xlsx"), "{e}");
        let empty = write(d.path(), "e.csv", b"");
        assert!(read_workbook(&empty)
            .unwrap_err()
            .to_string()
            .contains("empty"));
        let mut cfb = CFB_MAGIC.to_vec();
        cfb.extend_from_slice(&[0; 600]);
        let enc = write(d.path(), "enc.xlsx", &cfb);
        assert!(read_workbook(&enc)
            .unwrap_err()
            .to_string()
            .contains("password"));
        let missing = read_workbook(&d.path().join("nope.csv"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("no such file"), "{missing}");
        let doc = write(d.path(), "q.docx", b"x");
        assert!(read_workbook(&doc)
            .unwrap_err()
            .to_string()
            .contains("unsupported"));
    }

    fn xlsx_with(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Q").unwrap();
        for (r, c, v) in cells {
            ws.write_string(*r, *c, *v).unwrap();
        }
        ws.write_formula(0, 5, "=1+1").unwrap();
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn reads_xlsx_sparsely_with_formulas() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "q.xlsx",
            &xlsx_with(&[(0, 0, "Question"), (900, 3, "far away")]),
        );
        let wb = read_workbook(&p).unwrap();
        let g = &wb.sheets[0];
        assert_eq!(g.name, "Q");
        assert_eq!(g.get(0, 0), Some("Question"));
        assert_eq!(g.get(900, 3), Some("far away"));
        assert!(g.formulas.contains(&(0, 5)));
    }

    #[test]
    fn refuses_sheets_beyond_limits() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "big.xlsx", &xlsx_with(&[(5000, 0, "x")]));
        let limits = ReadLimits {
            max_rows: 1000,
            ..Default::default()
        };
        let e = read_workbook_with(&p, limits).unwrap_err().to_string();
        assert!(
            e.contains("sheet 'Q'") && e.contains("more than 1000 rows"),
            "{e}"
        );
        let limits = ReadLimits {
            max_inflated_bytes: 100,
            ..Default::default()
        };
        let e = read_workbook_with(&p, limits).unwrap_err().to_string();
        assert!(e.contains("zip bomb"), "{e}");
    }
}
