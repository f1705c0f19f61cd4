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

use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{Data, DataRef, Reader, SheetVisible};

use super::{Grid, InputKind, Workbook};
use crate::error::{Error, Location, Result};

/// Bounds on what a questionnaire may make Vouch read. A file beyond them is refused with an
/// error that says which bound it crossed.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    /// Size of the file on disk.
    pub max_file_bytes: u64,
    /// Total bytes of all zip entries once inflated (xlsx/xlsm/ods).
    pub max_inflated_bytes: u64,
    /// Non-empty cells across the workbook.
    pub max_cells: usize,
    /// Rows per sheet (1-based index of the last used row).
    pub max_rows: u32,
    /// Columns per sheet (1-based index of the last used column).
    pub max_cols: u32,
}

/// The environment variable that sets the inflate bound, in MB (default 1024).
pub const MAX_INFLATED_ENV: &str = "VOUCH_MAX_INFLATED_MB";

/// How many bytes a workbook package may inflate to in all: `VOUCH_MAX_INFLATED_MB` MB, or
/// 1 GiB. Above it the file is refused as a possible zip bomb.
pub fn max_inflated_bytes() -> u64 {
    std::env::var(MAX_INFLATED_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|mb| *mb > 0)
        .map_or(1 << 30, |mb| mb.saturating_mul(1 << 20))
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_file_bytes: 200 << 20,
            max_inflated_bytes: max_inflated_bytes(),
            max_cells: 2_000_000,
            max_rows: 200_000,
            max_cols: 2_000,
        }
    }
}

const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const ZIP_MAGIC: [u8; 4] = [b'P', b'K', 3, 4];

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
pub fn read_workbook_with(path: &Path, limits: ReadLimits) -> Result<Workbook> {
    let loc = || Location::file(path);
    let kind = kind_of(path).ok_or_else(|| {
        Error::input(
            loc(),
            "unsupported file type; Vouch reads .xlsx, .xlsm, .xls, .ods and .csv",
        )
    })?;
    let bytes = read_capped(path, limits.max_file_bytes)?;
    if bytes.is_empty() {
        return Err(Error::input(loc(), "the file is empty"));
    }
    let sheets = match kind {
        InputKind::Csv => vec![read_csv(path, &bytes, limits)?],
        InputKind::Xlsx | InputKind::Xlsm => {
            check_zip(path, &bytes, limits, "xlsx")?;
            let mut pkg = super::patch::Package::from_bytes(
                path,
                bytes.clone(),
                super::patch::PatchLimits {
                    max_entry_bytes: limits.max_inflated_bytes,
                    max_total_bytes: limits.max_inflated_bytes,
                },
            )?;
            let mut grids = read_xlsx(path, bytes, limits)?;
            super::validation::read_lists(&mut pkg, &mut grids)?;
            grids
        }
        InputKind::Ods => {
            check_zip(path, &bytes, limits, "ods")?;
            read_other(path, bytes, kind, limits)?
        }
        InputKind::Xls => {
            if !bytes.starts_with(&CFB_MAGIC) {
                return Err(Error::input(
                    loc(),
                    "not an .xls workbook (no OLE2 header); check the file's type",
                ));
            }
            read_other(path, bytes, kind, limits)?
        }
    };
    Ok(Workbook {
        path: path.to_path_buf(),
        kind,
        sheets,
    })
}

fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>> {
    let loc = || Location::file(path);
    let meta = std::fs::metadata(path).map_err(|e| Error::input(loc(), io_reason(&e)))?;
    if meta.is_dir() {
        return Err(Error::input(loc(), "is a folder, not a file"));
    }
    if meta.len() > max {
        return Err(Error::input(
            loc(),
            format!(
                "the file is {} MB; Vouch reads questionnaires up to {} MB",
                meta.len() >> 20,
                max >> 20
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(max + 1).read_to_end(&mut bytes))
        .map_err(|e| Error::input(loc(), io_reason(&e)))?;
    if bytes.len() as u64 > max {
        return Err(Error::input(
            loc(),
            "the file grew past the size limit while being read",
        ));
    }
    Ok(bytes)
}

/// A short reason for an I/O error, without the OS error code noise.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Check a zip package before any parser reads it: the container type, every entry inflated
/// once under a running byte cap, and `sharedStrings.xml`'s declared count.
fn check_zip(path: &Path, bytes: &[u8], limits: ReadLimits, what: &str) -> Result<()> {
    let loc = || Location::file(path);
    if bytes.starts_with(&CFB_MAGIC) {
        return Err(Error::input(
            loc(),
            "the workbook is password-protected or encrypted; save an unprotected copy and try again",
        ));
    }
    if !bytes.starts_with(&ZIP_MAGIC) {
        return Err(Error::input(
            loc(),
            format!("not an {what} file (not a zip package); check the file's type"),
        ));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        Error::input(
            loc(),
            format!("damaged {what} package (truncated or corrupt zip): {e}"),
        )
    })?;
    let mut total: u64 = 0;
    let mut shared_strings: Option<Vec<u8>> = None;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| Error::input(loc(), format!("damaged {what} package: {e}")))?;
        let name = entry
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| format!("#{i}"));
        let budget = limits.max_inflated_bytes.saturating_sub(total);
        if entry.size() > budget {
            return Err(inflate_error(path, &name, limits));
        }
        let keep = name.eq_ignore_ascii_case("xl/sharedStrings.xml");
        let n = if keep {
            let mut buf = Vec::new();
            let n = (&mut entry)
                .take(budget + 1)
                .read_to_end(&mut buf)
                .map_err(|e| entry_error(path, &name, &e))?;
            shared_strings = Some(buf);
            n as u64
        } else {
            std::io::copy(&mut (&mut entry).take(budget + 1), &mut std::io::sink())
                .map_err(|e| entry_error(path, &name, &e))?
        };
        if n > budget {
            return Err(inflate_error(path, &name, limits));
        }
        total += n;
    }
    if let Some(sst) = shared_strings {
        check_unique_count(path, &sst)?;
    }
    Ok(())
}

/// A read error inside a zip entry; one that inflates past its declared size is a bomb.
fn entry_error(path: &Path, entry: &str, e: &std::io::Error) -> Error {
    if e.to_string().contains("larger than its declared") {
        return Error::input(
            Location::file(path),
            format!(
                "part '{entry}' inflates beyond its declared size; refusing a possible zip bomb"
            ),
        );
    }
    Error::input(
        Location::file(path),
        format!("damaged entry '{entry}': {e}"),
    )
}

fn inflate_error(path: &Path, entry: &str, limits: ReadLimits) -> Error {
    Error::input(
        Location::file(path),
        format!(
            "part '{entry}' inflates past {} MB in all; refusing a possible zip bomb",
            limits.max_inflated_bytes >> 20
        ),
    )
}

/// calamine reserves `uniqueCount` strings before reading them; a string takes at least
/// `<si><t/></si>` (12 bytes), so a count above size/12 is a lie meant to allocate.
fn check_unique_count(path: &Path, sst: &[u8]) -> Result<()> {
    let head = &sst[..sst.len().min(4096)];
    let head = String::from_utf8_lossy(head);
    let Some(start) = head.find("<sst") else {
        return Ok(());
    };
    let tag_end = head[start..]
        .find('>')
        .map(|e| start + e)
        .unwrap_or(head.len());
    let tag = &head[start..tag_end];
    for attr in ["uniqueCount=\"", "count=\""] {
        if let Some(p) = tag.find(attr) {
            let digits: String = tag[p + attr.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            let n: u64 = digits.parse().unwrap_or(u64::MAX);
            if attr.starts_with("unique") && n > (sst.len() as u64) / 12 + 1 {
                return Err(Error::input(
                    Location::file(path),
                    format!(
                        "xl/sharedStrings.xml declares {n} strings but holds at most {}; the file is damaged or crafted",
                        sst.len() / 12
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn read_xlsx(path: &Path, bytes: Vec<u8>, limits: ReadLimits) -> Result<Vec<Grid>> {
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
    let mut budget = limits.max_cells;
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
                    if budget == 0 {
                        return Err(too_many_cells(path, limits));
                    }
                    budget -= 1;
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

fn check_position(path: &Path, sheet: &str, r: u32, c: u32, limits: ReadLimits) -> Result<()> {
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

fn too_many_cells(path: &Path, limits: ReadLimits) -> Error {
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
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// .xls and .ods: calamine builds a range per sheet. Both formats bound addresses themselves
/// (.xls: 65,536 × 256), and the zip check above has bounded .ods's content.
fn read_other(
    path: &Path,
    bytes: Vec<u8>,
    kind: InputKind,
    limits: ReadLimits,
) -> Result<Vec<Grid>> {
    let loc = || Location::file(path);
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| Error::input(loc(), calamine_reason(&e.to_string())))?;
    let meta: Vec<(String, bool)> = wb
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
        .collect();
    let mut budget = limits.max_cells;
    let mut grids = Vec::new();
    for (name, hidden) in meta {
        let sloc = || loc().sheet(&name);
        let range = match wb.worksheet_range(&name) {
            Ok(r) => r,
            // Chart sheets and the like have no cells.
            Err(e) if kind == InputKind::Xls && e.to_string().contains("not found") => continue,
            Err(e) => return Err(Error::input(sloc(), calamine_reason(&e.to_string()))),
        };
        let mut grid = Grid {
            name: name.clone(),
            hidden,
            ..Default::default()
        };
        for (r, c, v) in range.used_cells() {
            let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else {
                continue;
            };
            let (r0, c0) = range.start().unwrap_or((0, 0));
            let (r, c) = (r + r0, c + c0);
            check_position(path, &name, r, c, limits)?;
            if let Some(text) = data_text(v) {
                if budget == 0 {
                    return Err(too_many_cells(path, limits));
                }
                budget -= 1;
                grid.cells.insert((r, c), text);
            }
        }
        if let calamine::Sheets::Xls(x) = &wb {
            grid.merged = x
                .merge_cells_by_sheet_name(&name)
                .map(|dims| dims.iter().map(|d| (d.start, d.end)).collect())
                .unwrap_or_default();
        }
        grids.push(grid);
    }
    Ok(grids)
}

/// Decode CSV bytes: UTF-8 (BOM optional), UTF-16 LE/BE with BOM, otherwise Latin-1.
pub fn decode_text(bytes: &[u8]) -> String {
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
    let text = decode_text(bytes);
    let delim = sniff_delimiter(&text);
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(text.as_bytes());
    let mut grid = Grid::default();
    let mut budget = limits.max_cells;
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
            if budget == 0 {
                return Err(too_many_cells(path, limits));
            }
            budget -= 1;
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
        assert_eq!(decode_text(b"\xEF\xBB\xBFa,b"), "a,b");
        assert_eq!(decode_text(&[0xFF, 0xFE, b'h', 0, b'i', 0]), "hi");
        assert_eq!(decode_text(&[0xFE, 0xFF, 0, b'h', 0, b'i']), "hi");
        assert_eq!(decode_text(b"caf\xE9"), "café");
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

    #[test]
    fn refuses_lying_shared_string_count() {
        let e = check_unique_count(
            Path::new("x.xlsx"),
            br#"<?xml version="1.0"?><sst xmlns="x" count="1" uniqueCount="999999999"><si><t>a</t></si></sst>"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("declares 999999999"), "{e}");
        assert!(check_unique_count(
            Path::new("x.xlsx"),
            br#"<sst count="1" uniqueCount="1"><si><t>a</t></si></sst>"#
        )
        .is_ok());
    }
}
