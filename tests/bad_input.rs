//! Hostile and broken inputs, made by the tests themselves: each must give a one-line error
//! naming the file (and sheet, row or line), exit code 2, no panic and no output file. Also:
//! text that looks like a formula is written as text everywhere Vouch writes cells.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

/// No model: these tests measure matching by words only, whatever is installed here.
mod common;
use common::NO_MODEL;

use assert_cmd::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn vouch_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::cargo_bin("vouch").unwrap();
    c.env("VOUCH_MODEL", NO_MODEL);
    c.current_dir(dir).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn library() -> String {
    root().join("knowledge").to_str().unwrap().to_string()
}

/// Files other than the input(s) and the report that a run left in `dir`.
fn leftovers(dir: &Path, inputs: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !inputs.contains(&n.as_str()))
        .collect()
}

/// Fill `name` (already in `dir`) and check the failure: exit 2, one line naming the file and
/// containing `needle`, nothing written.
fn assert_refused(dir: &Path, name: &str, needle: &str, env: &[(&str, &str)]) {
    let out = vouch_env(dir, &["fill", name, "--library", &library()], env);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{name}: {err}");
    assert!(!err.contains("panicked"), "{name}: {err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("vouch: error:"))
        .collect();
    assert_eq!(lines.len(), 1, "{name}: {err}");
    assert!(lines[0].contains(name), "{name}: {err}");
    assert!(
        lines[0].contains(needle),
        "{name}: expected '{needle}' in: {err}"
    );
    assert_eq!(
        leftovers(dir, &[name]),
        Vec::<String>::new(),
        "{name}: output left behind"
    );
}

/// A minimal valid xlsx package around one worksheet's XML (and optional shared strings).
fn xlsx(sheet_xml: &str, shared: Option<&str>) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    let mut put = |name: &str, body: &str| {
        z.start_file(name, o).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    };
    put(
        "[Content_Types].xml",
        r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
    );
    put(
        "_rels/.rels",
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    put(
        "xl/workbook.xml",
        r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Q" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    );
    put(
        "xl/_rels/workbook.xml.rels",
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
    );
    if let Some(s) = shared {
        put("xl/sharedStrings.xml", s);
    }
    put("xl/worksheets/sheet1.xml", sheet_xml);
    z.finish().unwrap().into_inner()
}

fn sheet(rows: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
    )
}

fn inline(r: &str, text: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// A zip written by hand with one deflated entry whose stream is given and whose declared
/// uncompressed size may lie.
fn raw_zip(name: &str, deflated: &[u8], declared: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let n = name.as_bytes();
    let local = |out: &mut Vec<u8>| {
        out.extend_from_slice(&0x04034b50u32.to_le_bytes());
        out.extend_from_slice(&[20, 0, 0, 0, 8, 0, 0, 0, 0x21, 0]);
        out.extend_from_slice(&0u32.to_le_bytes()); // crc (never reached)
        out.extend_from_slice(&(deflated.len() as u32).to_le_bytes());
        out.extend_from_slice(&declared.to_le_bytes());
        out.extend_from_slice(&(n.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(n);
    };
    local(&mut out);
    out.extend_from_slice(deflated);
    let cd_start = out.len() as u32;
    out.extend_from_slice(&0x02014b50u32.to_le_bytes());
    out.extend_from_slice(&[20, 0, 20, 0, 0, 0, 8, 0, 0, 0, 0x21, 0]);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(deflated.len() as u32).to_le_bytes());
    out.extend_from_slice(&declared.to_le_bytes());
    out.extend_from_slice(&(n.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0; 12]);
    out.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    out.extend_from_slice(n);
    let cd_len = out.len() as u32 - cd_start;
    out.extend_from_slice(&0x06054b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    out.extend_from_slice(&cd_len.to_le_bytes());
    out.extend_from_slice(&cd_start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A raw deflate stream of `mb` MB of spaces, about 1000 times smaller than that.
fn deflated_spaces(mb: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let chunk = vec![b' '; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let mut block = Vec::with_capacity(1 << 16);
    c.compress_vec(&chunk, &mut block, FlushCompress::Sync)
        .unwrap();
    // Each synced block is independent of the window's content beyond 32 KB of spaces, so
    // repeating it repeats the megabyte.
    let mut out = Vec::new();
    for _ in 0..mb {
        out.extend_from_slice(&block);
    }
    out.extend_from_slice(&[0x03, 0x00]); // final empty fixed-Huffman block
    out
}

#[test]
fn empty_wrong_type_truncated_and_encrypted_files() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("empty.xlsx"), b"").unwrap();
    assert_refused(d.path(), "empty.xlsx", "empty", &[]);
    std::fs::remove_file(d.path().join("empty.xlsx")).unwrap();

    std::fs::write(d.path().join("report.xlsx"), b"%PDF-1.7\n%binary\n").unwrap();
    assert_refused(d.path(), "report.xlsx", "not an xlsx", &[]);
    std::fs::remove_file(d.path().join("report.xlsx")).unwrap();

    let good = std::fs::read(root().join("samples/security-assessment.xlsx")).unwrap();
    std::fs::write(d.path().join("cut.xlsx"), &good[..good.len() / 2]).unwrap();
    assert_refused(d.path(), "cut.xlsx", "damaged", &[]);
    std::fs::remove_file(d.path().join("cut.xlsx")).unwrap();

    let mut cfb = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    cfb.extend_from_slice(&[0; 4096]);
    std::fs::write(d.path().join("locked.xlsx"), &cfb).unwrap();
    assert_refused(d.path(), "locked.xlsx", "password-protected", &[]);
    std::fs::remove_file(d.path().join("locked.xlsx")).unwrap();

    std::fs::write(d.path().join("q.xls"), b"not an ole2 file").unwrap();
    assert_refused(d.path(), "q.xls", "not an .xls", &[]);
}

#[test]
fn zip_bombs_are_refused_before_they_inflate() {
    let d = tempfile::tempdir().unwrap();
    // Declares its real size (3 GB): refused from the directory alone.
    let stream = deflated_spaces(8);
    std::fs::write(
        d.path().join("honest.xlsx"),
        raw_zip("xl/worksheets/sheet1.xml", &stream, 3_000_000_000),
    )
    .unwrap();
    assert_refused(d.path(), "honest.xlsx", "zip bomb", &[]);
    std::fs::remove_file(d.path().join("honest.xlsx")).unwrap();

    // Declares 1 KB but inflates to 96 MB, over a 32 MB bound: stopped while inflating.
    let stream = deflated_spaces(96);
    assert!(
        stream.len() < 1 << 20,
        "a tiny file: {} bytes",
        stream.len()
    );
    std::fs::write(
        d.path().join("liar.xlsx"),
        raw_zip("xl/worksheets/sheet1.xml", &stream, 1024),
    )
    .unwrap();
    assert_refused(
        d.path(),
        "liar.xlsx",
        "zip bomb",
        &[("VOUCH_MAX_INFLATED_MB", "32")],
    );
}

#[test]
fn huge_sheets_and_crafted_addresses() {
    let d = tempfile::tempdir().unwrap();
    let cases = [
        (
            "million.xlsx",
            sheet(&format!(
                r#"<row r="1">{}</row><row r="1000000">{}</row>"#,
                inline("A1", "Question"),
                inline("A1000000", "Is this the last row?")
            )),
            "more than 200000 rows",
        ),
        (
            "wide.xlsx",
            sheet(&format!(
                r#"<row r="1">{}{}</row>"#,
                inline("A1", "Question"),
                inline("XFD1", "x")
            )),
            "column 16384",
        ),
        (
            "beyond.xlsx",
            sheet(&format!(r#"<row r="1">{}</row>"#, inline("A5000000", "x"))),
            "beyond Excel's limits",
        ),
        (
            "numbers.xlsx",
            sheet(r#"<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>"#),
            "no questions found",
        ),
    ];
    for (name, xml, needle) in cases {
        std::fs::write(d.path().join(name), xlsx(&xml, None)).unwrap();
        assert_refused(d.path(), name, needle, &[]);
        std::fs::remove_file(d.path().join(name)).unwrap();
    }
    // A shared-string table that claims a billion strings to make the reader reserve them.
    let xml = sheet(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#);
    let sst = r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1000000000"><si><t>Question</t></si></sst>"#;
    std::fs::write(d.path().join("sst.xlsx"), xlsx(&xml, Some(sst))).unwrap();
    assert_refused(d.path(), "sst.xlsx", "declares 1000000000 strings", &[]);
}

#[test]
fn a_100_kb_question_names_its_row() {
    let d = tempfile::tempdir().unwrap();
    let big = "Do you encrypt data? ".repeat(5_000);
    let mut csv = String::from("#,Question,Response\n1,Do you use MFA?,\n2,\"");
    csv.push_str(&big);
    csv.push_str("\",\n");
    std::fs::write(d.path().join("long.csv"), csv).unwrap();
    assert_refused(d.path(), "long.csv", "row 3", &[]);
}

#[test]
fn csv_encodings_and_shapes_are_read() {
    let d = tempfile::tempdir().unwrap();
    let text = "#;Question;Response\n1;Is customer data encrypted at rest?;\n2;\"Do you require MFA\nfor all employees?\";;extra;cells\n3;Do you hold a SOC 2 Type II report?\n";
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let bom: Vec<u8> = [0xEF, 0xBB, 0xBF]
        .iter()
        .copied()
        .chain(text.bytes())
        .collect();
    let latin1: Vec<u8> = text
        .replace("customer data", "données client")
        .chars()
        .map(|c| c as u32 as u8)
        .collect();
    for (name, bytes) in [("u16.csv", utf16), ("bom.csv", bom), ("latin1.csv", latin1)] {
        std::fs::write(d.path().join(name), &bytes).unwrap();
        let report = format!("{name}.json");
        let out = vouch_env(
            d.path(),
            &["fill", name, "--library", &library(), "--report", &report],
            &[],
        );
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.path().join(&report)).unwrap()).unwrap();
        assert_eq!(r["summary"]["questions"], 3, "{name}: {r}");
        let q = r["items"][1]["question"].as_str().unwrap();
        assert!(q.contains("MFA\nfor all"), "{name}: {q}");
        assert!(r["items"][2]["status"] == "auto", "{name}: {r}");
    }
}

#[test]
fn broken_libraries_name_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("samples/vendor-quick.csv"),
        d.path().join("q.csv"),
    )
    .unwrap();
    let entry = |id: &str| {
        format!(
            "[[entry]]\nid = \"{id}\"\nquestion = \"Q?\"\nanswer = \"A.\"\ncitations = [{{ doc = \"pol\", section = \"1\" }}]\ntags = [\"x\"]\n\n"
        )
    };
    let cases = [
        (
            "dup",
            format!("{}{}", entry("a"), entry("a")),
            "t.toml:8",
            "duplicate",
        ),
        (
            "toml",
            "[[entry]]\nid = \"a\"\nquestion = \n".to_string(),
            "t.toml:3",
            "TOML",
        ),
    ];
    for (dir, text, at, what) in cases {
        let lib = d.path().join(dir);
        std::fs::create_dir_all(&lib).unwrap();
        std::fs::write(
            lib.join("sources.toml"),
            "[[source]]\nid = \"pol\"\ntitle = \"Policy\"\nversion = \"1\"\ndate = \"2026-01-01\"\nkind = \"policy\"\n",
        )
        .unwrap();
        std::fs::write(lib.join("t.toml"), text).unwrap();
        let out = vouch_env(d.path(), &["fill", "q.csv", "--library", dir], &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(at) && err.contains(what), "{dir}: {err}");
        assert!(!d.path().join("q.filled.csv").exists());
    }
}

#[test]
fn formula_like_text_is_never_a_formula() {
    let d = tempfile::tempdir().unwrap();
    let lib = d.path().join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::write(
        lib.join("sources.toml"),
        "[[source]]\nid = \"pol\"\ntitle = \"Policy\"\nversion = \"1\"\ndate = \"2026-01-01\"\nkind = \"policy\"\n",
    )
    .unwrap();
    let evil = [
        (
            "encrypt-at-rest",
            "Is customer data encrypted at rest?",
            "=HYPERLINK(\"http://evil.example\",\"click\")",
        ),
        (
            "mfa",
            "Do you require multi-factor authentication for employees?",
            "+1+cmd|' /C calc'!A0",
        ),
        (
            "pentest",
            "Do you perform annual penetration tests?",
            "-2+3",
        ),
        ("soc2", "Do you have a SOC 2 Type II report?", "@SUM(1,1)"),
    ];
    let mut toml = String::new();
    for (id, q, a) in evil {
        toml.push_str(&format!(
            "[[entry]]\nid = \"{id}\"\nquestion = \"{q}\"\nanswer = '''{a}'''\ncitations = [{{ doc = \"pol\", section = \"1\" }}]\ntags = [\"x\"]\n\n"
        ));
    }
    std::fs::write(lib.join("t.toml"), toml).unwrap();
    let csv = "#,Question,Response\n1,Is customer data encrypted at rest?,\n2,Do you require multi-factor authentication for employees?,\n3,Do you perform annual penetration tests?,\n4,Do you have a SOC 2 Type II report?,\n5,=1+2 is this a question about tabs?,\n";
    std::fs::write(d.path().join("q.csv"), csv).unwrap();
    let out = vouch_env(
        d.path(),
        &["fill", "q.csv", "--library", "lib", "--threshold", "0.01"],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let filled = std::fs::read_to_string(d.path().join("q.filled.csv")).unwrap();
    let mut rd = csv::Reader::from_reader(filled.as_bytes());
    let mut seen = 0;
    for rec in rd.records() {
        let rec = rec.unwrap();
        for v in rec.iter() {
            assert!(
                !v.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a formula-like CSV cell: {v:?}"
            );
            if v.starts_with("'=")
                || v.starts_with("'+")
                || v.starts_with("'-")
                || v.starts_with("'@")
            {
                seen += 1;
            }
        }
    }
    assert!(seen >= 4, "{filled}");

    // The same answers in an xlsx: strings, never formulas; and the review workbook echoes
    // formula-like questions as strings too.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in csv.lines().enumerate() {
        let mut cols = row.splitn(3, ',');
        let (a, b) = (cols.next().unwrap(), cols.next().unwrap());
        ws.write_string(r as u32, 0, a).unwrap();
        ws.write_string(r as u32, 1, b).unwrap();
        ws.write_string(r as u32, 2, if r == 0 { "Response" } else { "" })
            .unwrap();
    }
    wb.save(d.path().join("q.xlsx")).unwrap();
    let out = vouch_env(
        d.path(),
        &["fill", "q.xlsx", "--library", "lib", "--threshold", "0.5"],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    use calamine::Reader;
    for file in ["q.filled.xlsx", "q.review.xlsx"] {
        let mut x: calamine::Xlsx<_> = calamine::open_workbook(d.path().join(file)).unwrap();
        for name in x.sheet_names() {
            let f = x.worksheet_formula(&name).unwrap();
            assert!(
                f.used_cells().all(|(_, _, v)| v.is_empty()),
                "{file}: a formula"
            );
        }
    }
}

// ---- Issue 11: classes of hostile input found by an independent suite ----

/// Like `assert_refused`, for inputs that make the process wait: killed after 20 s.
fn assert_refused_within(dir: &Path, args: &[&str], name: &str, needle: &str) {
    let mut c = Command::cargo_bin("vouch").unwrap();
    c.env("VOUCH_MODEL", NO_MODEL);
    c.current_dir(dir)
        .args(args)
        .timeout(std::time::Duration::from_secs(20));
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{name}: {err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("vouch: error:"))
        .collect();
    assert_eq!(lines.len(), 1, "{name}: {err}");
    assert!(
        lines[0].contains(name) && lines[0].contains(needle),
        "{name}: {err}"
    );
}

#[test]
fn a_row_past_u32_is_refused_not_wrapped_to_row_2() {
    let d = tempfile::tempdir().unwrap();
    let q = inline("A1", "Question");
    let cases = [
        (
            "cell.xlsx",
            sheet(&format!(
                r#"<row r="1">{q}</row><row r="2">{}</row>"#,
                inline("B4294967298", "Do you encrypt data at rest?")
            )),
            "B4294967298",
        ),
        (
            "col.xlsx",
            sheet(&format!(
                r#"<row r="1">{q}{}</row>"#,
                inline("AAAAAAAAAAAAAAAAB1", "x")
            )),
            "AAAAAAAAAAAAAAAAB1",
        ),
        (
            "row.xlsx",
            sheet(&format!(
                r#"<row r="1">{q}</row><row r="4294967298"><c t="inlineStr"><is><t>x</t></is></c></row>"#
            )),
            "4294967298",
        ),
        (
            "row0.xlsx",
            sheet(&format!(r#"<row r="0">{q}</row>"#)),
            "'0'",
        ),
        (
            "dim.xlsx",
            format!(
                r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:B4294967298"/><sheetData><row r="1">{q}</row></sheetData></worksheet>"#
            ),
            "B4294967298",
        ),
        (
            "backwards.xlsx",
            format!(
                r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="C9:A1"/><sheetData><row r="1">{q}</row></sheetData></worksheet>"#
            ),
            "runs backwards",
        ),
        (
            "merge.xlsx",
            format!(
                r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">{q}</row></sheetData><mergeCells count="1"><mergeCell ref="A1:A4294967297"/></mergeCells></worksheet>"#
            ),
            "A4294967297",
        ),
        (
            "sqref.xlsx",
            format!(
                r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">{q}</row></sheetData><dataValidations count="1"><dataValidation type="list" sqref="B2 B4294967298"><formula1>"Yes,No"</formula1></dataValidation></dataValidations></worksheet>"#
            ),
            "B4294967298",
        ),
        (
            "si.xlsx",
            sheet(&format!(
                r#"<row r="1">{q}<c r="B1"><f t="shared" si="4294967296" ref="B1:B2">1</f><v>1</v></c></row>"#
            )),
            "4294967296",
        ),
    ];
    for (name, xml, needle) in cases {
        std::fs::write(d.path().join(name), xlsx(&xml, None)).unwrap();
        assert_refused(d.path(), name, needle, &[]);
        std::fs::remove_file(d.path().join(name)).unwrap();
    }
}

#[test]
fn shared_string_counts_in_any_syntax_never_reach_the_allocator() {
    let d = tempfile::tempdir().unwrap();
    let xml = sheet(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#);
    let ns = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;
    let tags = [
        format!(r#"<sst {ns} uniqueCount='1000000000000'>"#),
        format!(r#"<sst {ns} uniqueCount = "1000000000000" >"#),
        format!("<sst {ns}\n uniqueCount\n=\n\"3000000000\">"),
        format!(r#"<!-- uniqueCount="1" --><?pi x?><sst {ns} uniqueCount="3000000000">"#),
        r#"<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" x:uniqueCount="3000000000">"#.to_string(),
        format!(r#"<sst {ns} uniqueCount="1e12" count="18446744073709551615">"#),
        format!(r#"<sst {ns} uniqueCount="0000000000000000000000000000000003000000000">"#),
        format!(r#"<sst {ns} uniqueCount="{}">"#, "9".repeat(400)),
    ];
    for (i, tag) in tags.iter().enumerate() {
        let close = if tag.contains("<x:sst") {
            "</x:sst>"
        } else {
            "</sst>"
        };
        let si = if tag.contains("<x:sst") {
            "<x:si><x:t>Question</x:t></x:si>"
        } else {
            "<si><t>Question</t></si>"
        };
        let sst = format!(r#"<?xml version="1.0"?>{tag}{si}{close}"#);
        let name = format!("sst{i}.xlsx");
        std::fs::write(d.path().join(&name), xlsx(&xml, Some(&sst))).unwrap();
        assert_refused(d.path(), &name, "declares", &[]);
        std::fs::remove_file(d.path().join(&name)).unwrap();
    }
}

#[test]
fn a_padded_sheet_is_refused_before_any_parser_buffers_it() {
    // 20 MB of spaces inside one tag: a parser would buffer it whole.
    let d = tempfile::tempdir().unwrap();
    let pad = " ".repeat(20 << 20);
    let xml = sheet(&format!(
        r#"<row r="1"{pad}>{}</row>"#,
        inline("A1", "Question")
    ));
    std::fs::write(d.path().join("pad.xlsx"), xlsx(&xml, None)).unwrap();
    assert_refused(d.path(), "pad.xlsx", "run over 16 MB", &[]);
}

#[test]
fn missing_or_garbage_content_types_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let good = xlsx(
        &sheet(&format!(r#"<row r="1">{}</row>"#, inline("A1", "Question"))),
        None,
    );
    let rebuild = |ct: Option<&[u8]>| {
        let mut src = zip::ZipArchive::new(std::io::Cursor::new(good.clone())).unwrap();
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for i in 0..src.len() {
            let mut f = src.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut body = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut body).unwrap();
            if name == "[Content_Types].xml" {
                match ct {
                    Some(c) => body = c.to_vec(),
                    None => continue,
                }
            }
            z.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(&body).unwrap();
        }
        z.finish().unwrap().into_inner()
    };
    let cases: [(&str, Option<&[u8]>, &str); 4] = [
        ("missing.xlsx", None, "is missing"),
        (
            "garbage.xlsx",
            Some(&b"\x00\x01garbage<<<"[..]),
            "[Content_Types].xml",
        ),
        (
            "notypes.xlsx",
            Some(&b"<?xml version=\"1.0\"?><html><body/></html>"[..]),
            "[Content_Types].xml",
        ),
        ("empty.xlsx", Some(&b""[..]), "[Content_Types].xml"),
    ];
    for (name, ct, needle) in cases {
        std::fs::write(d.path().join(name), rebuild(ct)).unwrap();
        assert_refused(d.path(), name, needle, &[]);
        std::fs::remove_file(d.path().join(name)).unwrap();
    }
}

fn ods(rows: &str) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("mimetype", o).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    z.start_file("content.xml", o).unwrap();
    z.write_all(format!(r#"<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Q">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#).as_bytes()).unwrap();
    z.finish().unwrap().into_inner()
}

#[test]
fn ods_repeated_rows_are_bounded_before_allocation() {
    let d = tempfile::tempdir().unwrap();
    let row = r#"<table:table-row table:number-rows-repeated="150000000"><table:table-cell office:value-type="string"><text:p>Do you encrypt data?</text:p></table:table-cell></table:table-row>"#;
    std::fs::write(d.path().join("rows.ods"), ods(row)).unwrap();
    let t = std::time::Instant::now();
    assert_refused(d.path(), "rows.ods", "sheet 'Q'", &[]);
    std::fs::remove_file(d.path().join("rows.ods")).unwrap();
    let cells = r#"<table:table-row table:number-rows-repeated="150000"><table:table-cell table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#;
    std::fs::write(d.path().join("cells.ods"), ods(cells)).unwrap();
    assert_refused(d.path(), "cells.ods", "non-empty cells", &[]);
    assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());
}

#[test]
fn utf16_csv_without_bom_and_binary_csv_are_not_filled_as_latin1() {
    let d = tempfile::tempdir().unwrap();
    // Binary garbage named .csv: refused, quickly.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: Vec<u8> = (0..5 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(d.path().join("noise.csv"), &noise).unwrap();
    assert_refused(d.path(), "noise.csv", "not a CSV text file", &[]);
    std::fs::remove_file(d.path().join("noise.csv")).unwrap();
    std::fs::write(
        d.path().join("nul.csv"),
        b"Question,Answer\nDo you\x00 use MFA?,\n",
    )
    .unwrap();
    assert_refused(d.path(), "nul.csv", "not a CSV text file", &[]);
    std::fs::remove_file(d.path().join("nul.csv")).unwrap();
    // UTF-16 LE and BE without BOM decode to the same questions as UTF-8.
    let text = "#,Question,Response\n1,Is customer data encrypted at rest?,\n";
    for (name, le) in [("le.csv", true), ("be.csv", false)] {
        let bytes: Vec<u8> = text
            .encode_utf16()
            .flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() })
            .collect();
        std::fs::write(d.path().join(name), bytes).unwrap();
        let out = vouch_env(d.path(), &["fill", name, "--library", &library()], &[]);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(0), "{name}: {all}");
        assert!(all.contains("1 question"), "{name}: {all}");
    }
}

#[test]
fn encrypted_xls_says_password_protected() {
    let d = tempfile::tempdir().unwrap();
    let rc4 = cfb_with_workbook(&biff(&[(0x002F, vec![1, 0, 1, 0, 1, 0])]), None);
    std::fs::write(d.path().join("rc4.xls"), rc4).unwrap();
    assert_refused(d.path(), "rc4.xls", "password-protected", &[]);
    std::fs::remove_file(d.path().join("rc4.xls")).unwrap();
    let xor = cfb_with_workbook(&biff(&[(0x002F, vec![0, 0, 0x12, 0x34, 0x56, 0x78])]), None);
    std::fs::write(d.path().join("xor.xls"), xor).unwrap();
    assert_refused(d.path(), "xor.xls", "password-protected", &[]);
    std::fs::remove_file(d.path().join("xor.xls")).unwrap();
    let agile = cfb_with_workbook(&[], Some("EncryptionInfo"));
    std::fs::write(d.path().join("agile.xls"), &agile).unwrap();
    assert_refused(d.path(), "agile.xls", "password-protected", &[]);
    std::fs::remove_file(d.path().join("agile.xls")).unwrap();
    std::fs::write(d.path().join("agile.xlsx"), &agile).unwrap();
    assert_refused(d.path(), "agile.xlsx", "password-protected", &[]);
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_refused_not_waited_on() {
    let d = tempfile::tempdir().unwrap();
    let fifo = |p: &Path| {
        assert!(std::process::Command::new("mkfifo")
            .arg(p)
            .status()
            .unwrap()
            .success());
    };
    fifo(&d.path().join("q.csv"));
    let lib = library();
    assert_refused_within(
        d.path(),
        &["fill", "q.csv", "--library", &lib],
        "q.csv",
        "named pipe",
    );
    std::os::unix::fs::symlink(d.path().join("q.csv"), d.path().join("link.xlsx")).unwrap();
    assert_refused_within(
        d.path(),
        &["fill", "link.xlsx", "--library", &lib],
        "link.xlsx",
        "named pipe",
    );
    std::os::unix::fs::symlink("/dev/zero", d.path().join("zero.csv")).unwrap();
    assert_refused_within(
        d.path(),
        &["fill", "zero.csv", "--library", &lib],
        "zero.csv",
        "device",
    );
    // A pipe named like a library file.
    let l = d.path().join("lib");
    std::fs::create_dir(&l).unwrap();
    fifo(&l.join("sources.toml"));
    std::fs::write(d.path().join("ok.csv"), "Question\nDo you use MFA?\n").unwrap();
    assert_refused_within(
        d.path(),
        &["fill", "ok.csv", "--library", "lib"],
        "sources.toml",
        "named pipe",
    );
}

/// A CFB file with one `Workbook` stream holding `records` (padded to 4096 bytes so it
/// is a regular stream), 512-byte sectors.
fn cfb_with_workbook(records: &[u8], extra_stream: Option<&str>) -> Vec<u8> {
    let mut stream = records.to_vec();
    stream.resize(4096.max(stream.len().div_ceil(512) * 512), 0);
    let data_sectors = stream.len() / 512;
    // Sector 0: FAT, sector 1: directory, sectors 2..: the stream.
    let mut h = vec![0u8; 512];
    h[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    h[0x18..0x1A].copy_from_slice(&0x3Eu16.to_le_bytes());
    h[0x1A..0x1C].copy_from_slice(&3u16.to_le_bytes());
    h[0x1C..0x1E].copy_from_slice(&0xFFFEu16.to_le_bytes());
    h[0x1E..0x20].copy_from_slice(&9u16.to_le_bytes());
    h[0x20..0x22].copy_from_slice(&6u16.to_le_bytes());
    h[0x2C..0x30].copy_from_slice(&1u32.to_le_bytes());
    h[0x30..0x34].copy_from_slice(&1u32.to_le_bytes());
    h[0x38..0x3C].copy_from_slice(&4096u32.to_le_bytes());
    h[0x3C..0x40].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    h[0x44..0x48].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    for i in 0..109 {
        let v: u32 = if i == 0 { 0 } else { 0xFFFF_FFFF };
        h[0x4C + i * 4..0x50 + i * 4].copy_from_slice(&v.to_le_bytes());
    }
    let mut fat = vec![0xFFu8; 512];
    let mut put = |i: usize, v: u32| fat[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
    put(0, 0xFFFF_FFFD);
    put(1, 0xFFFF_FFFEu32);
    for s in 0..data_sectors {
        let next = if s + 1 == data_sectors {
            0xFFFF_FFFEu32
        } else {
            (s + 3) as u32
        };
        put(s + 2, next);
    }
    let entry = |name: &str, typ: u8, start: u32, size: u32| {
        let mut e = vec![0u8; 128];
        let units: Vec<u16> = name.encode_utf16().chain([0]).collect();
        for (i, u) in units.iter().enumerate() {
            e[i * 2..i * 2 + 2].copy_from_slice(&u.to_le_bytes());
        }
        e[64..66].copy_from_slice(&((units.len() * 2) as u16).to_le_bytes());
        e[66] = typ;
        e[67] = 1;
        e[68..80].copy_from_slice(&[0xFF; 12]);
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
        e
    };
    let mut dir = entry("Root Entry", 5, 0xFFFF_FFFEu32, 0);
    dir[76..80].copy_from_slice(&1u32.to_le_bytes()); // child: entry 1
    dir.extend(entry("Workbook", 2, 2, stream.len() as u32));
    dir.extend(match extra_stream {
        Some(n) => entry(n, 2, 0xFFFF_FFFEu32, 0),
        None => vec![0u8; 128],
    });
    dir.resize(512, 0);
    let mut out = h;
    out.extend(fat);
    out.extend(dir);
    out.extend(stream);
    out
}

/// BIFF8 BOF (workbook globals) followed by `more` records and EOF.
fn biff(more: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut recs = vec![(0x0809u16, vec![0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0])];
    recs.extend(more.iter().cloned());
    recs.push((0x000A, Vec::new()));
    let mut out = Vec::new();
    for (t, d) in recs {
        out.extend(t.to_le_bytes());
        out.extend((d.len() as u16).to_le_bytes());
        out.extend(d);
    }
    out
}

/// A sheet part over the per-part bound (100 MB inflated) is refused before any parser or
/// the patcher holds it: a fill's memory is bounded by the part limit, not by a multiple of
/// the whole-package limit. (It was accepted at 250 MB with 534 MB of RSS.)
#[test]
fn a_sheet_part_over_the_part_limit_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let padding = "<x/>".repeat((101 << 20) / 4);
    let rows = format!("{padding}<row r=\"1\">{}</row>", inline("A1", "Question"));
    std::fs::write(d.path().join("big.xlsx"), xlsx(&sheet(&rows), None)).unwrap();
    assert_refused(d.path(), "big.xlsx", "100 MB for one part", &[]);
}

/// More questions than a run fills in seconds are refused with the count, before matching;
/// rows that are not questions do not count. (199,000 questions took 25-37 s and 900 MB.)
#[test]
fn more_than_50000_questions_are_refused_with_the_count() {
    let d = tempfile::tempdir().unwrap();
    let mut csv = String::from("Question,Answer\n");
    for i in 0..50_001 {
        csv.push_str(&format!("Do you encrypt backup set number {i} at rest?,\n"));
    }
    std::fs::write(d.path().join("many.csv"), &csv).unwrap();
    assert_refused(d.path(), "many.csv", "50001 questions found", &[]);
    // Blank and non-question rows beyond the limit are fine.
    let mut sparse = String::from("Question,Answer\nDo you encrypt data at rest?,\n");
    sparse.push_str(&",\n".repeat(60_000));
    std::fs::write(d.path().join("sparse.csv"), &sparse).unwrap();
    let out = vouch_env(
        d.path(),
        &["fill", "sparse.csv", "--library", &library()],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
