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
            body = mutate(&body, rng);
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
        let input = if ext == "xlsx" && rng.below(4) != 0 {
            mutate_entry(seed, &mut rng).unwrap_or_else(|| mutate(seed, &mut rng))
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
    // valid UTF-8) goes through analysis, the vendor and purpose rewrites, exclusions,
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
            };
            let ranking = m.rank(&q);
            assert!((0.0..=1.0).contains(&ranking.confidence), "{text:?}");
            let _ = vouch::matcher::purpose_clause(&text);
            let _ = vouch::matcher::respondent_as_you(&text);
        }));
        assert!(r.is_ok(), "matcher panicked on {text:?} / {ctx:?}");
        cases += 1;
    }
    eprintln!("matcher: {cases} cases");
}
