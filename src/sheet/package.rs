//! The zip package beneath `.xlsx`/`.xlsm`/`.ods` files, checked before any parser reads it.
//!
//! Both the reader and the patcher open packages through here, and calamine only ever sees a
//! package this module has streamed through end to end. The check refuses, with the part's
//! name: a CFB container (a password-protected workbook), a non-zip file, a missing or garbage
//! `[Content_Types].xml` (xlsx) or `content.xml` (ods), any entry that inflates past the
//! running byte cap or its declared size, an XML run (text or tag) over [`MAX_XML_RUN`] bytes,
//! and in xlsx parts every value calamine would trust to size or address something: cell
//! and row references past Excel's sheet or wrapping u32 (`B4294967298`), backwards ranges
//! (calamine subtracts their corners), `uniqueCount`/`count` on `<sst>` in any quoting,
//! spacing or prefix (calamine reserves that many strings), more shared strings than
//! [`MAX_SHARED_STRINGS`], and shared-formula indexes (`si`) calamine resizes a vector to.
//! Attributes are read the way calamine reads them (its raw attribute scanner is mirrored
//! here), so the two cannot disagree about what a tag says.
//!
//! Memory: entries are inflated as streams, never held whole, so the check costs the file's
//! bytes (shared, not copied, between zip readers) plus one XML event, which the run bound
//! caps at [`MAX_XML_RUN`].

use std::cell::Cell;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use zip::ZipArchive;

use super::cellref::{parse_a1, range_problem, shorten, A1};
use crate::error::{Error, Location, Result};

/// The file's bytes, shared between the zip readers that need them (no copies).
#[derive(Clone)]
pub(crate) struct Bytes(pub Arc<[u8]>);

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Longest stretch of an XML part without `<` or `>`: one text node or tag. Cell text is at
/// most 32,767 characters (under 400 KB even fully escaped), so this only stops padding
/// meant to make a parser buffer a whole part.
pub const MAX_XML_RUN: u64 = 16 << 20;
/// Largest part (one worksheet's XML, say) Vouch inflates. The patcher rewrites a worksheet
/// in memory, about twice its size, so this bounds a fill's memory; a real questionnaire's
/// largest sheet is a few MB.
pub const MAX_PART_BYTES: u64 = 100 << 20;
/// Most shared strings a workbook may hold (a questionnaire has a few thousand).
pub const MAX_SHARED_STRINGS: u64 = 2_000_000;
/// Largest shared-formula index (`<f t="shared" si="…">`); calamine sizes a vector by it.
pub const MAX_SHARED_FORMULA_INDEX: u64 = 1_000_000;

const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const ZIP_MAGIC: [u8; 4] = [b'P', b'K', 3, 4];

/// The environment variable that sets the inflate bound, in MB (default 1024).
pub const MAX_INFLATED_ENV: &str = "VOUCH_MAX_INFLATED_MB";

/// How many bytes a workbook package may inflate to in all: `VOUCH_MAX_INFLATED_MB` MB, or
/// 1 GiB. Above it the file is refused as a possible zip bomb. Inflating is streamed, so this
/// bounds time, not memory.
pub fn max_inflated_bytes() -> u64 {
    std::env::var(MAX_INFLATED_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|mb| *mb > 0)
        .map_or(1 << 30, |mb| mb.saturating_mul(1 << 20))
}

/// Bounds on what a package may make the patcher inflate.
#[derive(Debug, Clone, Copy)]
pub struct PatchLimits {
    /// One part (a worksheet, the workbook) once inflated.
    pub max_entry_bytes: u64,
    /// All parts read, once inflated.
    pub max_total_bytes: u64,
}

impl Default for PatchLimits {
    fn default() -> Self {
        let total = max_inflated_bytes();
        PatchLimits {
            max_entry_bytes: total.min(MAX_PART_BYTES),
            max_total_bytes: total,
        }
    }
}

/// Which package format is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Xlsx,
    Ods,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Ods => "ods",
        }
    }
}

/// Refuse what is not a zip package at all: an encrypted workbook (CFB) or another file type.
pub(crate) fn check_container(path: &Path, bytes: &[u8], format: Format) -> Result<()> {
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
            format!(
                "not an {} file (not a zip package); check the file's type",
                format.name()
            ),
        ));
    }
    Ok(())
}

/// Why a read tripped a guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trip {
    Inflate,
    Run,
}

/// A reader that counts inflated bytes against a budget and (for XML) the longest run
/// without `<` or `>`, failing the read as soon as either bound is crossed.
struct Guarded<'a, R> {
    inner: R,
    budget: u64,
    used: u64,
    run: u64,
    check_runs: bool,
    tripped: &'a Cell<Option<Trip>>,
}

impl<R: Read> Read for Guarded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.used += n as u64;
        if self.used > self.budget {
            self.tripped.set(Some(Trip::Inflate));
            return Err(std::io::Error::other("inflate limit crossed"));
        }
        if self.check_runs {
            for &b in &buf[..n] {
                if b == b'<' || b == b'>' {
                    self.run = 0;
                } else {
                    self.run += 1;
                }
                if self.run > MAX_XML_RUN {
                    self.tripped.set(Some(Trip::Run));
                    return Err(std::io::Error::other("XML run too long"));
                }
            }
        }
        Ok(n)
    }
}

/// An opened, checked package.
pub(crate) struct Package {
    pub path: PathBuf,
    pub zip: ZipArchive<Cursor<Bytes>>,
    pub limits: PatchLimits,
    inflated: u64,
}

fn bomb(loc: &Location, entry: &str) -> Error {
    Error::input(
        loc.clone(),
        format!(
            "part '{}' inflates beyond Vouch's size limits ({} MB for one part; {MAX_INFLATED_ENV}, default 1024 MB, in all); refusing a possible zip bomb",
            shorten(entry),
            MAX_PART_BYTES >> 20
        ),
    )
}

fn run_error(loc: &Location, entry: &str) -> Error {
    Error::input(
        loc.clone(),
        format!(
            "part '{}' has a text or tag run over {} MB; the file is damaged or crafted",
            shorten(entry),
            MAX_XML_RUN >> 20
        ),
    )
}

/// A read error inside a zip entry; one that inflates past its declared size is a bomb.
fn entry_error(loc: &Location, entry: &str, e: &dyn std::fmt::Display) -> Error {
    let msg = e.to_string();
    if msg.contains("larger than its declared") || msg.contains("Invalid checksum") {
        return Error::input(
            loc.clone(),
            format!(
                "part '{}' inflates beyond its declared size or fails its checksum; refusing a possible zip bomb",
                shorten(entry)
            ),
        );
    }
    Error::input(
        loc.clone(),
        format!("damaged entry '{}': {msg}", shorten(entry)),
    )
}

impl Package {
    /// Open `path` as an xlsx package (regular files only), refusing encrypted workbooks and
    /// non-zip files.
    pub(crate) fn open(path: &Path, limits: PatchLimits) -> Result<Package> {
        let bytes =
            super::input::read_regular(path, super::read::MAX_FILE_BYTES, || Location::file(path))?;
        Package::from_bytes(path, Bytes(bytes.into()), limits, Format::Xlsx)
    }

    /// A package from bytes already read from `path`.
    pub(crate) fn from_bytes(
        path: &Path,
        bytes: Bytes,
        limits: PatchLimits,
        format: Format,
    ) -> Result<Package> {
        check_container(path, bytes.as_ref(), format)?;
        let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
            Error::input(
                Location::file(path),
                format!(
                    "damaged {} package (truncated or corrupt zip): {e}",
                    format.name()
                ),
            )
        })?;
        Ok(Package {
            path: path.to_path_buf(),
            zip,
            limits,
            inflated: 0,
        })
    }

    /// Every entry's name, in package order.
    pub(crate) fn names(&self) -> Vec<String> {
        (0..self.zip.len())
            .map(|i| {
                self.zip
                    .name_for_index(i)
                    .and_then(|n| n.ok())
                    .map(|n| n.into_owned())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// Stream one entry through `f`, within the per-entry and running total limits (and, for
    /// XML, the run bound). None if absent.
    pub(crate) fn stream<T>(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut dyn BufRead) -> Result<T>,
    ) -> Result<Option<T>> {
        let Some(i) = self.zip.index_for_name(name) else {
            return Ok(None);
        };
        let loc = Location::file(&self.path);
        let cap = self
            .limits
            .max_entry_bytes
            .min(self.limits.max_total_bytes.saturating_sub(self.inflated));
        let entry = self
            .zip
            .by_index(i)
            .map_err(|e| entry_error(&loc, name, &e))?;
        if entry.size() > cap {
            return Err(bomb(&loc, name));
        }
        let tripped = Cell::new(None);
        let mut rd = BufReader::new(Guarded {
            inner: entry,
            budget: cap,
            used: 0,
            run: 0,
            check_runs: true,
            tripped: &tripped,
        });
        let out = f(&mut rd);
        match tripped.get() {
            Some(Trip::Inflate) => return Err(bomb(&loc, name)),
            Some(Trip::Run) => return Err(run_error(&loc, name)),
            None => {}
        }
        self.inflated += rd.get_ref().used;
        out.map(Some)
    }

    /// Inflate one entry whole (for the parts the patcher rewrites). None if absent.
    pub(crate) fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        let loc = Location::file(&self.path);
        self.stream(name, |r| {
            let mut buf = Vec::new();
            r.read_to_end(&mut buf)
                .map_err(|e| entry_error(&loc, name, &e))?;
            Ok(buf)
        })
    }

    /// Sheet name → worksheet part path (`xl/worksheets/sheet1.xml`), in workbook order.
    pub(crate) fn sheet_parts(&mut self) -> Result<Vec<(String, String)>> {
        let loc = Location::file(&self.path);
        let mut targets: HashMap<String, String> = HashMap::new();
        self.stream("xl/_rels/workbook.xml.rels", |r| {
            for_each_element(r, &loc, |e| {
                if e.local_name().as_ref() == "Relationship" {
                    if let (Some(id), Some(t)) = (attr(e, "Id"), attr(e, "Target")) {
                        targets.insert(id, t);
                    }
                }
            })
        })?
        .ok_or_else(|| {
            Error::input(
                loc.clone(),
                "damaged workbook: xl/_rels/workbook.xml.rels is missing",
            )
        })?;
        let mut out = Vec::new();
        self.stream("xl/workbook.xml", |r| {
            for_each_element(r, &loc, |e| {
                if e.local_name().as_ref() != "sheet" {
                    return;
                }
                let name = attr(e, "name");
                // The relationship id is the prefixed `r:id` (not `sheetId`).
                let rid = e.attributes().flatten().find_map(|a| {
                    (a.key.local_name().as_ref() == "id" && a.key.prefix().is_some())
                        .then(|| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.into_owned())
                        })
                        .flatten()
                });
                if let (Some(name), Some(target)) = (name, rid.and_then(|r| targets.get(&r))) {
                    out.push((name, resolve_target(target)));
                }
            })
        })?
        .ok_or_else(|| Error::input(loc.clone(), "not a workbook: xl/workbook.xml is missing"))?;
        Ok(out)
    }

    /// Stream every entry once, under the running inflate cap, checking what parsers would
    /// trust (see the module notes). The package is left ready for parsers.
    pub(crate) fn check(&mut self, format: Format) -> Result<()> {
        let loc = Location::file(&self.path);
        let names = self.names();
        let mut content_types = false;
        let mut content_ok: Option<std::result::Result<(), String>> = None;
        let mut total: u64 = 0;
        for (i, name) in names.iter().enumerate() {
            let lower = name.to_ascii_lowercase();
            let xml_named = [".xml", ".rels", ".vml"]
                .iter()
                .any(|ext| lower.ends_with(ext));
            let budget = self
                .limits
                .max_entry_bytes
                .min(self.limits.max_total_bytes.saturating_sub(total));
            let entry = self
                .zip
                .by_index(i)
                .map_err(|e| entry_error(&loc, name, &e))?;
            if entry.size() > budget {
                return Err(bomb(&loc, name));
            }
            let tripped = Cell::new(None);
            let mut rd = BufReader::new(Guarded {
                inner: entry,
                budget,
                used: 0,
                run: 0,
                check_runs: true,
                tripped: &tripped,
            });
            let is_ct = name == "[Content_Types].xml";
            let is_ods_content = format == Format::Ods && name == "content.xml";
            // Every entry is scanned as XML: calamine opens parts by the names relationships
            // give, whatever their extension. A part not named as XML may fail to parse;
            // it is then drained as bytes.
            let scan = scan_xml(&mut rd, format == Format::Xlsx, is_ct);
            let trip = tripped.get();
            match trip {
                Some(Trip::Inflate) => return Err(bomb(&loc, name)),
                Some(Trip::Run) if xml_named || is_ct || is_ods_content => {
                    return Err(run_error(&loc, name))
                }
                // A binary part (an image): it only had to stop the XML scan from buffering.
                Some(Trip::Run) => {
                    tripped.set(None);
                    rd.get_mut().check_runs = false;
                    std::io::copy(&mut rd, &mut std::io::sink())
                        .map_err(|e| entry_error(&loc, name, &e))?;
                    if tripped.get().is_some() {
                        return Err(bomb(&loc, name));
                    }
                    total += rd.get_ref().used;
                    continue;
                }
                None => {}
            }
            match scan {
                Ok(facts) => {
                    if is_ct {
                        content_types = true;
                        content_ok = Some(facts.content_types);
                    }
                }
                Err(Problem::Refuse(why)) => {
                    return Err(Error::input(
                        loc.clone(),
                        format!("part '{}': {why}", shorten(name)),
                    ))
                }
                Err(Problem::Io(e)) => return Err(entry_error(&loc, name, &e)),
                Err(Problem::Xml(e)) => {
                    if xml_named || is_ct || is_ods_content {
                        return Err(Error::input(
                            loc.clone(),
                            format!("part '{}' is damaged XML: {e}", shorten(name)),
                        ));
                    }
                    std::io::copy(&mut rd, &mut std::io::sink())
                        .map_err(|e| entry_error(&loc, name, &e))?;
                    if tripped.get().is_some() {
                        return Err(bomb(&loc, name));
                    }
                }
            }
            total += rd.get_ref().used;
        }
        match format {
            Format::Xlsx => match content_ok {
                _ if !content_types => Err(Error::input(
                    loc,
                    "part '[Content_Types].xml' is missing; the package is damaged (re-save it from Excel)",
                )),
                Some(Err(why)) => Err(Error::input(
                    loc,
                    format!("part '[Content_Types].xml' {why}; the package is damaged (re-save it from Excel)"),
                )),
                _ => Ok(()),
            },
            Format::Ods => {
                if !names.iter().any(|n| n == "content.xml") {
                    return Err(Error::input(
                        loc,
                        "part 'content.xml' is missing; not a spreadsheet (re-save it from your spreadsheet program)",
                    ));
                }
                Ok(())
            }
        }
    }
}

/// Why a scan stopped.
enum Problem {
    /// The part says something Vouch will not read on (with the reason).
    Refuse(String),
    Xml(quick_xml::Error),
    Io(std::io::Error),
}

struct ScanFacts {
    /// For `[Content_Types].xml`: Ok when it is a real content-types part.
    content_types: std::result::Result<(), String>,
}

/// calamine's raw attribute scanner (calamine 0.38 `attrs.rs`), mirrored so the checks see
/// exactly the (key, value) pairs calamine will act on: key is everything up to `=`, the value
/// is quoted with `"` or `'`, nothing is unescaped.
fn raw_attrs(raw: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    let len = raw.len();
    let mut pos = 0;
    loop {
        while pos < len && raw[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= len {
            return out;
        }
        let key_start = pos;
        while pos < len && raw[pos] != b'=' {
            pos += 1;
        }
        if pos >= len {
            return out;
        }
        let key = raw[key_start..pos].trim_ascii_end();
        pos += 1;
        while pos < len && raw[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let Some(&quote) = raw.get(pos).filter(|q| **q == b'"' || **q == b'\'') else {
            return out;
        };
        pos += 1;
        let start = pos;
        while pos < len && raw[pos] != quote {
            pos += 1;
        }
        out.push((key, &raw[start..pos]));
        if pos < len {
            pos += 1;
        }
    }
}

/// The local part of a raw attribute key (`x:uniqueCount` → `uniqueCount`).
fn local(key: &[u8]) -> &[u8] {
    key.rsplit(|&b| b == b':').next().unwrap_or(key)
}

/// The leading decimal digits of a raw value as a number, saturating; None without digits.
fn leading_number(v: &[u8]) -> Option<u64> {
    let digits: Vec<u8> = v.iter().copied().take_while(u8::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    Some(digits.iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

/// Stream one part as XML (configured as calamine configures its reader), applying the
/// xlsx checks when `xlsx` is set.
fn scan_xml(rd: &mut dyn BufRead, xlsx: bool, content_types: bool) -> Result<ScanFacts, Problem> {
    let mut r = Reader::from_reader(rd);
    let cfg = r.config_mut();
    cfg.check_end_names = false;
    cfg.trim_text(false);
    cfg.check_comments = false;
    cfg.expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut facts = ScanFacts {
        content_types: Err("is not a content-types part".into()),
    };
    let mut root_seen = false;
    let mut ct_ok = false;
    let mut shared_strings: u64 = 0;
    loop {
        let ev = r.read_event_into(&mut buf).map_err(|e| match e {
            quick_xml::Error::Io(io) => Problem::Io(std::io::Error::other(io.to_string())),
            other => Problem::Xml(other),
        })?;
        match ev {
            Event::Start(e) => {
                if content_types {
                    let name = e.local_name();
                    if !root_seen && name.as_ref() != "Types" {
                        return Err(Problem::Refuse(
                            "is not a content-types part (its root element is not <Types>); the package is damaged".into(),
                        ));
                    }
                    if name.as_ref() == "Override" || name.as_ref() == "Default" {
                        let ct = attr(&e, "ContentType").unwrap_or_default();
                        if ct.contains("spreadsheetml") || ct.contains("ms-excel") {
                            ct_ok = true;
                        }
                    }
                }
                root_seen = true;
                if xlsx {
                    if e.local_name().as_ref() == "si" {
                        shared_strings += 1;
                        if shared_strings > MAX_SHARED_STRINGS {
                            return Err(Problem::Refuse(format!(
                                "holds more than {MAX_SHARED_STRINGS} shared strings; Vouch reads questionnaires up to that size"
                            )));
                        }
                    }
                    check_element(&e).map_err(Problem::Refuse)?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if content_types {
        facts.content_types = if !root_seen {
            Err("is empty".into())
        } else if !ct_ok {
            Err("declares no spreadsheet content type".into())
        } else {
            Ok(())
        };
    }
    Ok(facts)
}

/// The xlsx checks on one element's attributes, read as calamine reads them.
fn check_element(e: &BytesStart<'_>) -> std::result::Result<(), String> {
    let name = e.local_name();
    let el = name.as_ref().as_bytes();
    let raw = e.attributes_raw().as_bytes();
    for (key, value) in raw_attrs(raw) {
        let key = local(key);
        let text = String::from_utf8_lossy(value);
        match (el, key) {
            (b"c", b"r") => match parse_a1(&text) {
                A1::Cell(..) => {}
                A1::Beyond => {
                    return Err(format!(
                        "the cell address '{}' lies beyond Excel's limits (row 1,048,576, column XFD); the file is damaged or crafted",
                        shorten(&text)
                    ))
                }
                _ => {
                    return Err(format!(
                        "the cell address '{}' is not a cell reference; the file is damaged or crafted",
                        shorten(&text)
                    ))
                }
            },
            (b"row", b"r") => match parse_a1(&text) {
                A1::Row(_) | A1::Cell(..) => {}
                _ => {
                    return Err(format!(
                        "the row number '{}' is not a row of Excel's sheet (1 to 1,048,576); the file is damaged or crafted",
                        shorten(&text)
                    ))
                }
            },
            (b"sst", b"uniqueCount" | b"count") => {
                if let Some(n) = leading_number(value) {
                    if n > MAX_SHARED_STRINGS {
                        return Err(format!(
                            "declares {} strings, more than Vouch reads ({MAX_SHARED_STRINGS}); the file is damaged or crafted",
                            shorten(&text)
                        ));
                    }
                }
            }
            (b"f", b"si")
                if leading_number(value).is_none_or(|n| n > MAX_SHARED_FORMULA_INDEX) =>
            {
                return Err(format!(
                    "a shared formula index '{}' is not a number up to {MAX_SHARED_FORMULA_INDEX}; the file is damaged or crafted",
                    shorten(&text)
                ));
            }
            (_, b"ref" | b"sqref") => {
                if let Some(why) = range_problem(&text, key == b"ref") {
                    return Err(format!("{why}; the file is damaged or crafted"));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// A relationship target relative to `xl/` (or absolute from the package root).
pub(crate) fn resolve_target(t: &str) -> String {
    let joined = match t.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => format!("xl/{t}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The unescaped value of an attribute, by local name.
pub(crate) fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == local)
            .then(|| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
            .flatten()
    })
}

/// Call `f` on every start or empty element of an XML part.
pub(crate) fn for_each_element(
    xml: impl BufRead,
    loc: &Location,
    mut f: impl FnMut(&BytesStart<'_>),
) -> Result<()> {
    let mut r = Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => f(&e),
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                return Err(Error::input(
                    loc.clone(),
                    format!("damaged XML at byte {}: {e}", r.buffer_position()),
                ))
            }
        }
        buf.clear();
    }
}

/// Append the text an entity or character reference (`&quot;`, `&#39;`) stands for.
pub(crate) fn push_entity(out: &mut String, g: &quick_xml::events::BytesRef<'_>) {
    if let Ok(Some(c)) = g.resolve_char_ref() {
        out.push(c);
        return;
    }
    out.push_str(match g.as_ref() {
        "quot" => "\"",
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "apos" => "'",
        _ => "",
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(xml: &str) -> std::result::Result<(), String> {
        match scan_xml(&mut xml.as_bytes(), true, false) {
            Ok(_) => Ok(()),
            Err(Problem::Refuse(w)) => Err(w),
            Err(Problem::Xml(e)) => Err(format!("xml: {e}")),
            Err(Problem::Io(e)) => Err(format!("io: {e}")),
        }
    }

    #[test]
    fn shared_string_count_in_every_syntax_is_read() {
        for sst in [
            r#"<sst uniqueCount="1000000000000">"#,
            r#"<sst uniqueCount='1000000000000'>"#,
            r#"<sst uniqueCount = "1000000000000" >"#,
            "<sst\n\tuniqueCount\n=\n'18446744073709551615'>",
            r#"<?xml version="1.0"?><!-- c --><?pi x?><x:sst xmlns:x="m" x:uniqueCount="3000000000">"#,
            r#"<sst count="1" uniqueCount="000000000000000000000000000000003000000000">"#,
            r#"<sst uniqueCount="99999999999999999999999999999999999999999999999999">"#,
            r#"<sst uniqueCount="1" uniqueCount="3000000000">"#,
            r#"<sst uniqueCount="3000000000e2">"#,
        ] {
            let e = scan(&format!("{sst}<si><t>a</t></si></sst>")).unwrap_err();
            assert!(e.contains("declares"), "{sst}: {e}");
        }
        assert!(scan(r#"<sst uniqueCount="1" count="0001"><si><t>a</t></si></sst>"#).is_ok());
        assert!(scan(r#"<sst uniqueCount="1e12"><si/></sst>"#).is_ok());
    }

    #[test]
    fn wrapping_and_backwards_references_are_refused() {
        for bad in [
            r#"<c r="B4294967298"/>"#,
            r#"<c r="AAAAAAAAAAAA1"/>"#,
            r#"<row r="4294967297"/>"#,
            r#"<row r="0"/>"#,
            r#"<dimension ref="A1:B4294967298"/>"#,
            r#"<dimension ref="B5:A1"/>"#,
            r#"<mergeCell ref="C3:A1"/>"#,
            r#"<f t="shared" si="4000000000" ref="A1:A2"/>"#,
            r#"<dataValidation sqref="A1 C99999999999"/>"#,
        ] {
            assert!(scan(bad).is_err(), "{bad}");
        }
        assert!(scan(r#"<row r="2"><c r="B2"/><f t="shared" si="3" ref="B2:B9"/></row>"#).is_ok());
    }
}
