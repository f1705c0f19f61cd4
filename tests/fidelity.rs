//! Fidelity: filling a customer's workbook changes only the answer (and comment) cells.
//!
//! Each xlsx sample is filled by the real binary; then input and output are compared part by
//! part. Every zip entry other than the answered worksheets must be byte-identical (styles,
//! shared strings, workbook and defined names, other sheets, macros). In an answered
//! worksheet, everything outside `<sheetData>` and `<dimension>` (merges, data validations,
//! protection, column widths, conditional formats, extensions) must be byte-identical, and
//! every cell that differs must have been empty before and lie on a row the report says was
//! answered automatically. Other readers (Python's openpyxl, LibreOffice) open every output
//! when they are installed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// No model: these tests measure matching by words only, whatever is installed here.
const NO_MODEL: &str = "/nonexistent/vouch-model";

use assert_cmd::Command;
use calamine::{Data, Reader};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn parts(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().unwrap().to_string(), v)
        })
        .collect()
}

/// The sheet XML without its cell data and dimension: what must not change.
fn frame(xml: &[u8]) -> String {
    let s = String::from_utf8_lossy(xml).into_owned();
    let cut = |s: &str, open: &str, close: &str| -> String {
        match (s.find(open), s.find(close)) {
            (Some(a), Some(b)) if b >= a => format!("{}{}", &s[..a], &s[b + close.len()..]),
            _ => s.to_string(),
        }
    };
    let s = cut(&s, "<sheetData", "</sheetData>");
    cut(&s, "<dimension", "/>")
}

type Cells = BTreeMap<(String, u32, u32), String>;

fn cells(path: &Path) -> (Cells, Cells) {
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let mut values = Cells::new();
    let mut formulas = Cells::new();
    for name in wb.sheet_names() {
        if let Ok(r) = wb.worksheet_range(&name) {
            for (row, col, v) in r.used_cells() {
                let (r0, c0) = r.start().unwrap();
                if *v != Data::Empty {
                    values.insert(
                        (name.clone(), row as u32 + r0, col as u32 + c0),
                        v.to_string(),
                    );
                }
            }
        }
        if let Ok(f) = wb.worksheet_formula(&name) {
            for (row, col, v) in f.used_cells() {
                let (r0, c0) = f.start().unwrap();
                if !v.is_empty() {
                    formulas.insert((name.clone(), row as u32 + r0, col as u32 + c0), v.clone());
                }
            }
        }
    }
    (values, formulas)
}

#[test]
fn filling_changes_only_answer_cells() {
    let d = tempfile::tempdir().unwrap();
    let samples: Vec<PathBuf> = std::fs::read_dir(root().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("xlsx"))
        .collect();
    assert!(samples.len() >= 5, "{samples:?}");
    for sample in samples {
        let name = sample.file_name().unwrap().to_str().unwrap().to_string();
        let input = d.path().join(&name);
        std::fs::copy(&sample, &input).unwrap();
        let report = d.path().join(format!("{name}.json"));
        let out = Command::cargo_bin("vouch")
            .unwrap()
            .env("VOUCH_MODEL", NO_MODEL)
            .current_dir(d.path())
            .args([
                "fill",
                input.to_str().unwrap(),
                "--library",
                root().join("knowledge").to_str().unwrap(),
                "--report",
                report.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        let output = PathBuf::from(r["output"].as_str().unwrap());
        let auto_rows: BTreeSet<(String, u32)> = r["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["status"] == "auto")
            .map(|i| {
                (
                    i["sheet"].as_str().unwrap().to_string(),
                    i["row"].as_u64().unwrap() as u32,
                )
            })
            .collect();

        // Parts: identical, except the frame-identical answered sheets.
        let a = parts(&input);
        let b = parts(&output);
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{name}: parts"
        );
        for (part, bytes) in &a {
            if bytes != &b[part] {
                assert!(
                    part.starts_with("xl/worksheets/sheet"),
                    "{name}: {part} changed"
                );
                assert_eq!(
                    frame(bytes),
                    frame(&b[part]),
                    "{name}: {part} outside the cells"
                );
            }
        }

        // Cells: only empty cells on auto rows (or a header cell for an added column) change.
        let (va, fa) = cells(&input);
        let (vb, fb) = cells(&output);
        assert_eq!(fa, fb, "{name}: formulas unchanged");
        for (k, v) in &va {
            assert_eq!(vb.get(k), Some(v), "{name}: existing cell {k:?} kept");
        }
        let mut answered_rows = BTreeSet::new();
        for (k, v) in &vb {
            if va.contains_key(k) {
                continue;
            }
            let (sheet, row, _) = k;
            let on_auto_row = auto_rows.contains(&(sheet.clone(), row + 1));
            let is_header = v == "Source" || v == "Response";
            assert!(
                on_auto_row || is_header,
                "{name}: unexpected new cell {k:?} = {v}"
            );
            assert!(!v.starts_with('='), "{name}: {k:?}");
            answered_rows.insert((sheet.clone(), row + 1));
        }
        // Every auto answer is in the workbook.
        for row in &auto_rows {
            assert!(
                answered_rows.contains(row),
                "{name}: auto row {row:?} not written"
            );
        }

        // LibreOffice converts it, when installed.
        let conv = d.path().join("conv");
        let lo = std::process::Command::new("soffice")
            .args(["--headless", "--convert-to", "csv", "--outdir"])
            .arg(&conv)
            .arg(&output)
            .output();
        if let Ok(o) = lo {
            assert!(o.status.success(), "{name}: soffice failed");
            let csv = conv.join(output.with_extension("csv").file_name().unwrap());
            assert!(
                csv.is_file(),
                "{name}: LibreOffice could not read the output"
            );
        }

        // A second reader opens the output, when one is installed.
        let py = std::process::Command::new("python3")
            .args([
                "-c",
                "import openpyxl,sys; openpyxl.load_workbook(sys.argv[1])",
            ])
            .arg(&output)
            .output();
        if let Ok(o) = py {
            let err = String::from_utf8_lossy(&o.stderr);
            if !err.contains("No module named") {
                assert!(o.status.success(), "{name}: openpyxl: {err}");
            }
        }
    }
}

#[test]
fn citations_as_cell_notes() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("q.xlsx");
    std::fs::copy(root().join("samples/security-assessment.xlsx"), &input).unwrap();
    let out = Command::cargo_bin("vouch")
        .unwrap()
        .env("VOUCH_MODEL", NO_MODEL)
        .current_dir(d.path())
        .args([
            "fill",
            "q.xlsx",
            "--citations",
            "note",
            "--report",
            "r.json",
            "--library",
        ])
        .arg(root().join("knowledge"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("r.json")).unwrap()).unwrap();
    let autos = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "auto")
        .count();
    assert!(autos > 0);
    let a = parts(&input);
    let b = parts(&d.path().join("q.filled.xlsx"));
    for (part, bytes) in &a {
        if part != "[Content_Types].xml" && !part.starts_with("xl/worksheets/sheet") {
            assert_eq!(bytes, &b[part], "{part} changed");
        }
    }
    let comments = String::from_utf8(b["xl/comments1.xml"].clone()).unwrap();
    assert_eq!(comments.matches("<comment ").count(), autos);
    assert!(comments.contains("Source: "));
    assert!(b.contains_key("xl/drawings/vmlDrawing1.vml"));
    assert!(String::from_utf8_lossy(&b["[Content_Types].xml"]).contains("/xl/comments1.xml"));
    // No citation text in the cells themselves.
    let (values, _) = cells(&d.path().join("q.filled.xlsx"));
    assert!(values.values().all(|v| !v.contains("[vouch: ")));
    let py = std::process::Command::new("python3")
        .args([
            "-c",
            "import openpyxl,sys; wb=openpyxl.load_workbook(sys.argv[1]); print(sum(1 for ws in wb for row in ws.iter_rows() for c in row if c.comment))",
        ])
        .arg(d.path().join("q.filled.xlsx"))
        .output();
    if let Ok(o) = py {
        if o.status.success() {
            assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), autos.to_string());
        }
    }
}
