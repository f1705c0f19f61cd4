//! Fuzzing on the stable toolchain: a mutation loop under `catch_unwind` over seed files.
//!
//! cargo-fuzz needs nightly features; this loop needs nothing and also runs (briefly) in CI.
//! Seeds are the shipped samples and the bench files. Each target takes a mutated input
//! through the same code a user's file goes through: the questionnaire readers plus layout
//! detection (xlsx, csv), the in-place xlsx patcher, the library parser and the library
//! import. xlsx seeds are mutated both as raw bytes (mostly rejected by the zip layer) and
//! entry by entry, by mutating one part's XML and zipping it again, which reaches the XML
//! parsers. A target may return an error; it must never panic (and never abort, which would
//! kill the test process). Iterations per target: `VOUCH_FUZZ_ITERS` (default 150); a long
//! run is `VOUCH_FUZZ_ITERS=20000 cargo test --release --test fuzz -- --nocapture`.

use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use vouch::sheet::patch::{patch_xlsx, CellEdit, PatchLimits, SheetEdits};
use vouch::sheet::{layout, read, LayoutOverrides};

mod common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn iterations() -> usize {
    std::env::var("VOUCH_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150)
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Byte-level mutations, a few at a time: flips, interesting values, inserted digits (huge
/// counts and addresses), deletions, duplications, truncation.
fn mutate(data: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut v = data.to_vec();
    for _ in 0..1 + rng.below(4) {
        if v.is_empty() {
            v.push(b'0');
        }
        let i = rng.below(v.len());
        match rng.below(8) {
            0 => v[i] ^= 1 << rng.below(8),
            1 => v[i] = [0, 0xFF, b'"', b'<', b'>', b'&', b'9', b'-'][rng.below(8)],
            2 => {
                let digits = ["99999999999", "1048577", "16385", "4294967296", "-1", "0"];
                let d = digits[rng.below(digits.len())].as_bytes();
                v.splice(i..i, d.iter().copied());
            }
            3 => {
                let n = rng.below(64).min(v.len() - i);
                v.drain(i..i + n);
            }
            4 => {
                let n = rng.below(256).min(v.len() - i);
                let chunk: Vec<u8> = v[i..i + n].to_vec();
                v.splice(i..i, chunk);
            }
            5 => v.truncate(i),
            6 => {
                let tokens: [&[u8]; 6] = [
                    b"<c r=\"A1\">",
                    b"</row>",
                    b"<f>1+1</f>",
                    b"t=\"s\"",
                    b"_x0041_",
                    b"\"\"\"",
                ];
                let t = tokens[rng.below(tokens.len())];
                v.splice(i..i, t.iter().copied());
            }
            _ => {
                let j = rng.below(v.len());
                v.swap(i, j);
            }
        }
    }
    v
}

/// Values the hostile-input classes of issue 11 use: rows past u32, columns past XFD, counts
/// past memory, backwards ranges, huge repeats, odd number syntax.
const HOSTILE: [&str; 16] = [
    "B4294967298",
    "A4294967297:B2",
    "XFE1",
    "AAAAAAAAAAAAAA1",
    "0",
    "4294967296",
    "18446744073709551615",
    "1e12",
    "000000000000000000000000000003000000000",
    "99999999999999999999999999999999",
    "C9:A1",
    "-1",
    "",
    "A1:A1:A1",
    "150000000",
    "1048576",
];

/// Attributes that size or address something in some reader.
const COUNTED: [&str; 11] = [
    "r",
    "ref",
    "sqref",
    "uniqueCount",
    "count",
    "si",
    "spans",
    "table:number-rows-repeated",
    "table:number-columns-repeated",
    "table:number-columns-spanned",
    "text:c",
];

/// Class-aware mutations of one XML part: a counted attribute given a hostile value in one
/// of the syntaxes XML allows (quotes, spaces around `=`, a prefix), the `<sst>` start tag
/// behind comments and processing instructions with a prefixed count, or a row repeated.
fn mutate_class(data: &[u8], rng: &mut Rng) -> Vec<u8> {
    let s = String::from_utf8_lossy(data).into_owned();
    let v = HOSTILE[rng.below(HOSTILE.len())];
    match rng.below(4) {
        0 | 1 => {
            let a = COUNTED[rng.below(COUNTED.len())];
            let needle = format!(" {a}=\"");
            let hits: Vec<usize> = s.match_indices(&needle).map(|(i, _)| i).collect();
            if hits.is_empty() {
                // Add the attribute to some start tag.
                let tags: Vec<usize> = s.match_indices('<').map(|(i, _)| i).collect();
                let Some(&t) = tags.get(rng.below(tags.len().max(1))) else {
                    return data.to_vec();
                };
                let end = s[t..].find([' ', '>', '/']).map_or(s.len(), |e| t + e);
                return format!("{} {a}='{v}'{}", &s[..end], &s[end..]).into_bytes();
            }
            let at = hits[rng.below(hits.len())];
            let vstart = at + needle.len();
            let vend = s[vstart..].find('"').map_or(s.len(), |e| vstart + e + 1);
            let syntax = match rng.below(3) {
                0 => format!(" {a}='{v}'"),
                1 => format!(" {a} =\n \"{v}\""),
                _ => format!(" x:{a}=\"{v}\""),
            };
            format!("{}{syntax}{}", &s[..at], &s[vend.min(s.len())..]).into_bytes()
        }
        2 => match s.find("<sst") {
            Some(i) => format!(
                "{}<!-- uniqueCount=\"1\" --><?pi uniqueCount=\"1\"?><sst uniqueCount = '{v}' {}",
                &s[..i],
                &s[i + 4..]
            )
            .into_bytes(),
            None => mutate(data, rng),
        },
        _ => {
            // Repeat a row (sheet XML) or give it a huge repeat count (ODS).
            let Some(i) = s.find("<row").or_else(|| s.find("<table:table-row")) else {
                return mutate(data, rng);
            };
            let Some(e) = s[i..].find('>') else {
                return data.to_vec();
            };
            let tag_end = i + e;
            let attr = if s[i..].starts_with("<row") {
                format!(" r=\"{v}\"")
            } else {
                format!(" table:number-rows-repeated=\"{v}\"")
            };
            format!("{}{attr}{}", &s[..tag_end], &s[tag_end..]).into_bytes()
        }
    }
}

/// Unzip, mutate one entry's bytes, zip again.
fn mutate_entry(xlsx: &[u8], rng: &mut Rng) -> Option<Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).ok()?;
    let pick = rng.below(z.len());
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..z.len() {
        let mut f = z.by_index(i).ok()?;
        let name = f.name().ok()?.to_string();
        let mut body = Vec::new();
        f.read_to_end(&mut body).ok()?;
        if i == pick {
            body = if rng.below(2) == 0 {
                mutate_class(&body, rng)
            } else {
                mutate(&body, rng)
            };
        }
        // The content-types class: the part dropped or made garbage.
        if name == "[Content_Types].xml" && rng.below(16) == 0 {
            if rng.below(2) == 0 {
                continue;
            }
            body = b"\x00garbage<<".to_vec();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .ok()?;
        out.write_all(&body).ok()?;
    }
    Some(out.finish().ok()?.into_inner())
}

fn seeds(ext: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [root().join("samples"), root().join("../shared/bench")] {
        if let Ok(rd) = std::fs::read_dir(dir) {
            files.extend(rd.flatten().map(|e| e.path()));
        }
    }
    files.sort();
    files
        .iter()
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some(ext))
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

/// Run `f` on `iterations()` mutants of the seeds; return how many ran. Panics are collected
/// and reported with the input saved for a regression test.
fn fuzz(target: &str, seeds: &[Vec<u8>], ext: &str, f: &dyn Fn(&Path)) -> usize {
    assert!(!seeds.is_empty(), "{target}: no seeds");
    let d = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ target.len() as u64);
    let mut crashes = Vec::new();
    let n = iterations();
    for i in 0..n {
        let seed = &seeds[rng.below(seeds.len())];
        let input = if (ext == "xlsx" || ext == "ods") && rng.below(4) != 0 {
            mutate_entry(seed, &mut rng).unwrap_or_else(|| mutate(seed, &mut rng))
        } else if ext == "csv" && rng.below(3) == 0 {
            mutate_encoding(seed, &mut rng)
        } else {
            mutate(seed, &mut rng)
        };
        let path = d.path().join(format!("case.{ext}"));
        std::fs::write(&path, &input).unwrap();
        if catch_unwind(AssertUnwindSafe(|| f(&path))).is_err() {
            let keep = std::env::temp_dir().join(format!("vouch-crash-{target}-{i}.{ext}"));
            let _ = std::fs::write(&keep, &input);
            crashes.push(keep);
        }
    }
    assert!(crashes.is_empty(), "{target}: panics on {crashes:?}");
    eprintln!("{target}: {n} cases, no panic");
    n
}

/// The encodings class: text re-encoded as BOM-less UTF-16 LE or BE, NULs sprinkled in,
/// or replaced by binary noise.
fn mutate_encoding(data: &[u8], rng: &mut Rng) -> Vec<u8> {
    let text = String::from_utf8_lossy(data);
    match rng.below(4) {
        0 => text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect(),
        1 => text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect(),
        2 => {
            let mut v = data.to_vec();
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(v.len().max(1));
                v.insert(i.min(v.len()), 0);
            }
            v
        }
        _ => (0..1 + rng.below(64 << 10))
            .map(|_| rng.next() as u8)
            .collect(),
    }
}

/// Small `.ods` seeds built here: plain cells, repeated rows and cells, spans, spaces.
fn ods_seeds() -> Vec<Vec<u8>> {
    let bodies = [
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>Question</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Answer</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="string"><text:p>Do you use MFA?</text:p></table:table-cell><table:table-cell table:number-columns-repeated="2"/></table:table-row><table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
        r#"<table:table-row><table:table-cell table:number-columns-spanned="2" table:number-rows-spanned="2" office:value-type="string"><text:p>Section<text:s text:c="3"/>one</text:p></table:table-cell><table:covered-table-cell/></table:table-row><table:table-row><table:table-cell office:value-type="float" office:value="1.5"/><table:table-cell office:value-type="string"><text:p>Is data encrypted?</text:p><text:p>At rest</text:p></table:table-cell></table:table-row>"#,
    ];
    bodies
        .iter()
        .map(|rows| {
            let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let o = zip::write::SimpleFileOptions::default();
            z.start_file("mimetype", o).unwrap();
            z.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
            z.start_file("content.xml", o).unwrap();
            z.write_all(format!(r#"<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Q">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#).as_bytes()).unwrap();
            z.finish().unwrap().into_inner()
        })
        .collect()
}

#[test]
fn fuzz_ods_reader_and_layout() {
    fuzz("read-ods", &ods_seeds(), "ods", &read_and_detect);
}

fn read_and_detect(p: &Path) {
    if let Ok(wb) = read::read_workbook(p) {
        let _ = layout::detect(&wb, &LayoutOverrides::default());
    }
}

#[test]
fn fuzz_xlsx_reader_and_layout() {
    fuzz("read-xlsx", &seeds("xlsx"), "xlsx", &read_and_detect);
}

#[test]
fn fuzz_csv_reader_and_layout() {
    fuzz("read-csv", &seeds("csv"), "csv", &read_and_detect);
}

#[test]
fn fuzz_xlsx_patcher() {
    fuzz("patch-xlsx", &seeds("xlsx"), "xlsx", &|p: &Path| {
        let out = p.with_extension("out.xlsx");
        let sheets: Vec<String> = read::read_workbook(p)
            .map(|wb| wb.sheets.iter().map(|g| g.name.clone()).collect())
            .unwrap_or_else(|_| vec!["Sheet1".into()]);
        let edits: Vec<SheetEdits> = sheets
            .into_iter()
            .map(|sheet| SheetEdits {
                notes: Vec::new(),
                sheet,
                edits: (0..6)
                    .map(|k| CellEdit {
                        row: k * 3,
                        col: k % 4,
                        value: "=1+1 _x0041_ <&>".into(),
                    })
                    .collect(),
            })
            .collect();
        let _ = patch_xlsx(p, &out, &edits, PatchLimits::default());
        let _ = std::fs::remove_file(&out);
    });
}

#[test]
fn fuzz_library_parser() {
    let seeds: Vec<Vec<u8>> = std::fs::read_dir(root().join("knowledge"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("toml"))
        .filter(|p| !p.ends_with("synonyms.toml"))
        .filter_map(|p| std::fs::read(p).ok())
        .collect();
    let sources = std::fs::read(root().join("knowledge/sources.toml")).unwrap();
    fuzz("library", &seeds, "toml", &|p: &Path| {
        let lib = p.with_extension("lib");
        let _ = std::fs::remove_dir_all(&lib);
        std::fs::create_dir_all(&lib).unwrap();
        std::fs::write(lib.join("sources.toml"), &sources).unwrap();
        std::fs::copy(p, lib.join("topic.toml")).unwrap();
        let _ = vouch::knowledge::load::load_library(&lib);
    });
}

#[test]
fn fuzz_library_import() {
    let Some(bench) = common::bench_dir() else {
        return;
    };
    let seeds = vec![std::fs::read(bench.join("library.csv")).unwrap()];
    let sources = std::fs::read(bench.join("sources.csv")).unwrap();
    fuzz("import", &seeds, "csv", &|p: &Path| {
        let dir = p.parent().unwrap();
        std::fs::write(dir.join("sources.csv"), &sources).unwrap();
        let into = dir.join("imported");
        let _ = vouch::knowledge::import::import(p, None, &into, true);
    });
}

#[test]
fn fuzz_matcher_on_question_text() {
    // Question text is untrusted too: every byte-level mutation of real questions (made
    // valid UTF-8) goes through analysis, the vendor rewrite, exclusions,
    // acronym detection, ranking and the fill decision.
    let lib = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(root().join("knowledge"))
        .unwrap()
        .flatten()
    {
        if f.path().extension().and_then(|x| x.to_str()) == Some("toml") {
            std::fs::copy(f.path(), lib.path().join(f.file_name())).unwrap();
        }
    }
    let (si, _) = vouch::index::open_or_build(lib.path()).unwrap();
    let m = vouch::matcher::Matcher::new(&si);
    let seeds = [
        "Does the vendor's SOC 2 Type II report cover Availability, other than Security?",
        "Are processes defined to reduce the risk of fraud — in order to meet ISO 27001 A.5.3?",
        "Is data encrypted at rest and in transit (AES-256, TLS 1.2+)? Café, naïve, 日本語.",
    ];
    let mut rng = Rng(0x5eed_cafe);
    let mut cases = 0;
    for _ in 0..iterations() * 4 {
        let seed = seeds[rng.below(seeds.len())].as_bytes();
        let text = String::from_utf8_lossy(&mutate(seed, &mut rng)).into_owned();
        let ctx =
            String::from_utf8_lossy(&mutate(b"BCR-08 Business Continuity", &mut rng)).into_owned();
        let r = catch_unwind(AssertUnwindSafe(|| {
            let q = vouch::matcher::Query {
                text: text.clone(),
                context: vec![ctx.clone()],
                qid: None,
            };
            let ranking = m.rank(&q);
            assert!((0.0..=1.0).contains(&ranking.confidence), "{text:?}");
            let _ = vouch::matcher::respondent_as_you(&text);
        }));
        assert!(r.is_ok(), "matcher panicked on {text:?} / {ctx:?}");
        cases += 1;
    }
    eprintln!("matcher: {cases} cases");
}
