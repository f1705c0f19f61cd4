//! Hostile and broken inputs, made by the tests themselves: each must give a one-line error
//! naming the file (and sheet, row or line), exit code 2, no panic and no output file. Also:
//! text that looks like a formula is written as text everywhere Vouch writes cells.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn vouch_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::cargo_bin("vouch").unwrap();
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
