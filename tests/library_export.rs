//! `vouch library export` and its way back through `library import`, with the real binary:
//! the shipped library, the bench library and a library with facts and its own synonyms each
//! come back field for field; the workbook reads the same with calamine (a second reader), and
//! a hostile answer stays text.

mod common;

use common::{ok, vouch};

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use vouch::knowledge::{load_library, Entry, Library};

/// Export `lib` to `dir/NAME.xlsx`, import that into `dir/NAME-back`, and return both paths.
fn round_trip(dir: &Path, lib: &Path, name: &str) -> (PathBuf, PathBuf) {
    let xlsx = dir.join(format!("{name}.xlsx"));
    let back = dir.join(format!("{name}-back"));
    let out = ok(&vouch(
        dir,
        &[
            "library",
            "export",
            "--library",
            lib.to_str().unwrap(),
            "--out",
            xlsx.to_str().unwrap(),
        ],
    ));
    assert!(out.starts_with("exported "), "{out}");
    let out = ok(&vouch(
        dir,
        &[
            "library",
            "import",
            xlsx.to_str().unwrap(),
            "--into",
            back.to_str().unwrap(),
        ],
    ));
    assert!(out.starts_with("imported "), "{out}");
    (xlsx, back)
}

/// Every entry field, source, fact, synonym group and filler word is equal (entry lines may
/// differ: the imported files are laid out anew).
fn assert_same(a: &Library, b: &Library) {
    assert_eq!(a.entries.len(), b.entries.len());
    for (x, y) in a.entries.iter().zip(&b.entries) {
        let strip = |e: &Entry| Entry {
            line: 0,
            ..e.clone()
        };
        assert_eq!(strip(x), strip(y), "entry {}", x.id);
        // Spelled out, so a new field cannot slip past the struct comparison unnoticed.
        assert_eq!(
            (&x.id, &x.question, &x.alternates, &x.answer, &x.template),
            (&y.id, &y.question, &y.alternates, &y.answer, &y.template)
        );
        assert_eq!(
            (
                &x.short_answer,
                &x.citations,
                &x.tags,
                &x.owner,
                &x.reviewed
            ),
            (
                &y.short_answer,
                &y.citations,
                &y.tags,
                &y.owner,
                &y.reviewed
            )
        );
        assert_eq!(x.file, y.file, "entry {} keeps its topic file", x.id);
    }
    assert_eq!(a.sources, b.sources);
    let facts = |l: &Library| -> Vec<(String, String, Option<String>)> {
        l.facts
            .values
            .iter()
            .map(|(k, f)| (k.clone(), f.text.clone(), f.date.clone()))
            .collect()
    };
    assert_eq!(facts(a), facts(b));
    assert_eq!(a.synonyms, b.synonyms);
    assert_eq!(a.filler, b.filler);
}

/// The workbook as calamine sees it: sheet → rows of cell text.
fn read_with_calamine(xlsx: &Path) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut wb: Xlsx<_> = calamine::open_workbook(xlsx).unwrap();
    let names = wb.sheet_names().to_vec();
    names
        .into_iter()
        .map(|n| {
            let range = wb.worksheet_range(&n).unwrap();
            let formulas = wb.worksheet_formula(&n).unwrap();
            assert!(
                formulas.used_cells().all(|(_, _, f)| f.is_empty()),
                "sheet {n} holds a formula"
            );
            (n, range.rows().map(|r| r.to_vec()).collect())
        })
        .collect()
}

#[test]
fn the_shipped_library_comes_back_field_for_field() {
    let d = tempfile::tempdir().unwrap();
    let lib = common::private_library(d.path());
    let (xlsx, back) = round_trip(d.path(), &lib, "shipped");
    let (a, b) = (load_library(&lib).unwrap(), load_library(&back).unwrap());
    assert_same(&a, &b);
    // The shipped thesaurus comes back as the shipped file, comments and all.
    assert_eq!(
        std::fs::read_to_string(lib.join("synonyms.toml")).unwrap(),
        std::fs::read_to_string(back.join("synonyms.toml")).unwrap()
    );

    let sheets = read_with_calamine(&xlsx);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Entries", "Sources", "Facts", "Synonyms"]);
    let entries = &sheets[0].1;
    let header: Vec<String> = entries[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        header,
        [
            "id",
            "question",
            "alternate_questions",
            "answer",
            "short_answer",
            "sources",
            "tags",
            "owner",
            "reviewed",
            "file"
        ]
    );
    assert_eq!(entries.len(), a.entries.len() + 1);
    let first = &a.entries[0];
    assert_eq!(entries[1][0], Data::String(first.id.clone()));
    assert_eq!(entries[1][3], Data::String(first.written_answer().into()));
    assert_eq!(sheets[1].1.len(), a.sources.len() + 1);
}

#[test]
fn the_bench_library_comes_back_field_for_field() {
    let Some(bench) = common::bench_dir() else {
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let lib = d.path().join("bench");
    ok(&vouch(
        d.path(),
        &[
            "library",
            "import",
            bench.join("library.csv").to_str().unwrap(),
            "--into",
            lib.to_str().unwrap(),
        ],
    ));
    let (_, back) = round_trip(d.path(), &lib, "bench");
    assert_same(&load_library(&lib).unwrap(), &load_library(&back).unwrap());
}

/// The shipped library plus facts (dates, numbers, text, a list, a boolean), an answer that
/// uses them, a thesaurus of its own, an entry in a subfolder and a hostile answer.
fn library_with_facts(dir: &Path) -> PathBuf {
    let lib = common::private_library(dir);
    // The shipped facts, and more of every kind.
    let shipped = std::fs::read_to_string(lib.join("facts.toml")).unwrap();
    std::fs::write(
        lib.join("facts.toml"),
        format!(
            "{shipped}\n[company]\nname = \"Larkspur Cloud, Inc.\"\nemployees = 214\nzip = \"02110\"\n\
             [report]\nperiod_end = 2026-08-31\ncategories = [\"Security\", \"Availability\"]\nbridge = true\nuptime = 99.95\n"
        ),
    )
    .unwrap();
    let soc = lib.join("soc-reports.toml");
    let text = std::fs::read_to_string(&soc).unwrap();
    let text = text.replacen(
        "answer = \"",
        "answer = \"{company.name} ({company.employees} staff) covers {report.categories} through {report.period_end}; {{literal}}. ",
        1,
    );
    std::fs::write(&soc, text).unwrap();
    std::fs::write(
        lib.join("synonyms.toml"),
        "filler = [\"documented\", \"established\"]\n\n[[group]]\nterms = [\"multi-factor authentication\", \"mfa\"]\n\n\
         [[group]]\nterms = [\"client\", \"customer\"]\nplain = true\n",
    )
    .unwrap();
    std::fs::create_dir(lib.join("team")).unwrap();
    std::fs::write(
        lib.join("team/hostile.toml"),
        "[[entry]]\nid = \"@hostile\"\nquestion = \"-Does a formula run?\"\nalternates = [\"+1+1\"]\n\
         answer = \"=cmd|'/c calc'!A1\"\nshort_answer = \"No\"\n\
         citations = [{ doc = \"soc2-report-2026\", section = \"=A1\" }]\ntags = [\"company\", \"=tag\"]\n\
         owner = \"=owner@x.example\"\n",
    )
    .unwrap();
    lib
}

#[test]
fn facts_synonyms_subfolders_and_hostile_cells_come_back() {
    let d = tempfile::tempdir().unwrap();
    let lib = library_with_facts(d.path());
    let (xlsx, back) = round_trip(d.path(), &lib, "facts");
    let (a, b) = (load_library(&lib).unwrap(), load_library(&back).unwrap());
    assert!(a.entries.iter().any(|e| e.template.is_some()));
    assert_same(&a, &b);
    assert!(back.join("team/hostile.toml").is_file());
    let facts = std::fs::read_to_string(back.join("facts.toml")).unwrap();
    for line in [
        "period_end = 2026-08-31",
        "employees = 214",
        "zip = \"02110\"",
        "uptime = 99.95",
    ] {
        assert!(facts.contains(line), "{line} in {facts}");
    }

    let sheets = read_with_calamine(&xlsx);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Entries", "Sources", "Facts", "Synonyms"]);
    let hostile = sheets[0]
        .1
        .iter()
        .find(|r| r[0] == Data::String("@hostile".into()))
        .expect("hostile row");
    assert_eq!(hostile[3], Data::String("=cmd|'/c calc'!A1".into()));
    assert_eq!(hostile[1], Data::String("-Does a formula run?".into()));
    assert_eq!(hostile[9], Data::String("team/hostile.toml".into()));
    let facts = &sheets[2].1;
    assert!(facts
        .iter()
        .any(|r| r[0] == Data::String("soc2.period_end".into())
            && r[1] == Data::String("2026-08-31".into())
            && r[2] == Data::String("date".into())));
}

#[test]
fn export_refuses_the_library_folder_and_bad_workbooks_name_sheet_and_row() {
    let d = tempfile::tempdir().unwrap();
    let lib = common::private_library(d.path());
    let out = vouch(
        d.path(),
        &[
            "library",
            "export",
            "--library",
            "lib",
            "--out",
            "lib/sources.xlsx",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("inside the library folder"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!lib.join("sources.xlsx").exists());

    // An export whose Entries sheet cites a document missing from its Sources sheet.
    let (xlsx, _) = round_trip(d.path(), &lib, "ok");
    let mut book = rust_xlsxwriter::Workbook::new();
    let mut wb: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    for name in wb.sheet_names().to_vec() {
        let range = wb.worksheet_range(&name).unwrap();
        let ws = book.add_worksheet();
        ws.set_name(&name).unwrap();
        for (r, row) in range.rows().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let mut text = v.to_string();
                if name == "Entries" && r == 3 && c == 5 {
                    text = "no-such-doc#1".into();
                }
                ws.write_string(r as u32, c as u16, &text).unwrap();
            }
        }
    }
    let bad = d.path().join("bad.xlsx");
    book.save(&bad).unwrap();
    let out = vouch(d.path(), &["library", "import", "bad.xlsx", "--into", "x"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-doc"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // A short answer that is not one, named by sheet and row.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("Entries").unwrap();
    for (c, h) in ["id", "question", "answer", "short_answer", "sources"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["a", "Q?", "A.", "Maybe", "d#1"].iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    let ws = book.add_worksheet();
    ws.set_name("Sources").unwrap();
    for (c, h) in ["doc_id", "title", "date", "kind"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["d", "Doc", "2026-01-01", "policy"].iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    book.save(d.path().join("short.xlsx")).unwrap();
    let out = vouch(
        d.path(),
        &["library", "import", "short.xlsx", "--into", "y"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sheet 'Entries', row 2") && err.contains("Maybe"),
        "{err}"
    );
}
