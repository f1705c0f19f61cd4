//! Nothing lost: `vouch index`, `vouch fill` and `vouch library import` are killed with
//! SIGKILL at random moments, many times, and every time the previous index, library and
//! output must still be complete and usable. Two fills at once on one library must both
//! succeed (the index is built under a lock).

use std::path::{Path, PathBuf};
use std::process::{Child, Command as Std, Stdio};
use std::time::{Duration, Instant};

/// No model: these tests measure matching by words only, whatever is installed here.
use common::NO_MODEL;

use assert_cmd::cargo::CommandCargoExt;

mod common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn vouch(dir: &Path, args: &[&str]) -> Std {
    let mut c = Std::cargo_bin("vouch").unwrap();
    c.env("VOUCH_MODEL", NO_MODEL);
    c.current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn run_ok(dir: &Path, args: &[&str]) {
    let out = vouch(dir, args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A small deterministic generator (no dependency needed for random kill times).
struct Lcg(u64);
impl Lcg {
    fn next_ms(&mut self, max: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % max.max(1)
    }
}

/// Start `args`, kill it after `ms` milliseconds (if still running), and wait.
fn kill_after(dir: &Path, args: &[&str], ms: u64) {
    let mut child: Child = vouch(dir, args).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(ms));
    let _ = child.kill(); // SIGKILL on Unix
    let _ = child.wait();
}

/// How long a full run takes, to spread the kills over it.
fn duration_of(dir: &Path, args: &[&str]) -> u64 {
    let t = Instant::now();
    run_ok(dir, args);
    (t.elapsed().as_millis() as u64).max(20)
}

fn copy_library(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(root().join("knowledge")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().and_then(|x| x.to_str()) == Some("toml") {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn killed_runs_leave_previous_results_usable() {
    let Some(bench_dir) = common::bench_dir() else {
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    copy_library(&dir.join("lib"));
    std::fs::copy(
        root().join("samples/security-assessment.xlsx"),
        dir.join("q.xlsx"),
    )
    .unwrap();
    let bench = bench_dir.join("library.csv");
    let bench = bench.to_str().unwrap();
    let fill = ["fill", "q.xlsx", "--library", "lib", "--out", "out.xlsx"];
    let import = ["library", "import", bench, "--into", "imported", "--force"];
    let index = ["index", "--library", "lib"];

    // Complete runs first: the results every killed run must leave intact.
    let t_fill = duration_of(dir, &fill);
    let reference = std::fs::read(dir.join("out.xlsx")).unwrap();
    let t_import = duration_of(dir, &import);
    let t_index = duration_of(dir, &index);

    let mut rng = Lcg(0x5eed);
    let rounds = 12;
    for round in 0..rounds {
        // Change the library so that the next index and fill must rebuild.
        let extra = dir.join("lib").join("zz-extra.toml");
        std::fs::write(&extra, format!("# round {round}\n")).unwrap();

        kill_after(dir, &index, rng.next_ms(t_index * 2));
        kill_after(dir, &fill, rng.next_ms(t_fill * 2));
        kill_after(dir, &import, rng.next_ms(t_import * 2));

        // The previous output is still the complete workbook.
        assert_eq!(
            std::fs::read(dir.join("out.xlsx")).unwrap(),
            reference,
            "round {round}: output damaged"
        );
        // The imported library still loads in full.
        let out = vouch(dir, &["library", "check", "--library", "imported"])
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("259 entries"),
            "round {round}: imported library damaged: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The index (whatever state the kill left) is usable: a fill works and gives the same
        // workbook.
        run_ok(
            dir,
            &["fill", "q.xlsx", "--library", "lib", "--out", "check.xlsx"],
        );
        assert_eq!(std::fs::read(dir.join("check.xlsx")).unwrap(), reference);
    }
}

#[test]
fn two_fills_at_once_share_one_library() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    copy_library(&dir.join("lib"));
    std::fs::copy(root().join("samples/vendor-quick.csv"), dir.join("q.csv")).unwrap();
    for round in 0..3 {
        // No index yet: both runs want to build it.
        let _ = std::fs::remove_dir_all(dir.join("lib/.vouch-index"));
        let a = vouch(
            dir,
            &[
                "fill",
                "q.csv",
                "--library",
                "lib",
                "--out",
                "a.csv",
                "--review",
                "a.xlsx",
            ],
        )
        .spawn()
        .unwrap();
        let b = vouch(
            dir,
            &[
                "fill",
                "q.csv",
                "--library",
                "lib",
                "--out",
                "b.csv",
                "--review",
                "b.xlsx",
            ],
        )
        .spawn()
        .unwrap();
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        assert!(
            a.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&a.stderr)
        );
        assert!(
            b.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&b.stderr)
        );
        assert_eq!(
            std::fs::read(dir.join("a.csv")).unwrap(),
            std::fs::read(dir.join("b.csv")).unwrap()
        );
    }
}

/// A run's outputs appear together: fills that alternate between two thresholds (so every
/// output differs between them) are killed at random moments; every output is then one of the
/// two complete versions, and a report of one version means the filled and review workbooks
/// are of that version too (the report is renamed into place last). Temp files of killed runs
/// are swept by the next run.
#[test]
fn killed_fills_leave_a_consistent_set_of_outputs() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    copy_library(&dir.join("lib"));
    std::fs::copy(
        root().join("samples/security-assessment.xlsx"),
        dir.join("q.xlsx"),
    )
    .unwrap();
    let files = ["out.xlsx", "q.review.xlsx", "r.json"];
    let args = |t: &'static str| {
        [
            "fill",
            "q.xlsx",
            "--library",
            "lib",
            "--out",
            "out.xlsx",
            "--report",
            "r.json",
            "--threshold",
            t,
        ]
    };
    // What a file says: its cells for a workbook (rust_xlsxwriter stamps the creation time),
    // its bytes otherwise.
    let content = |f: &str| -> Vec<u8> {
        let p = dir.join(f);
        if !f.ends_with(".xlsx") {
            return std::fs::read(&p).unwrap();
        }
        use calamine::Reader;
        let mut wb = calamine::open_workbook_auto(&p)
            .unwrap_or_else(|e| panic!("{f} is not a complete workbook: {e}"));
        let mut text = String::new();
        for name in wb.sheet_names() {
            let r = wb.worksheet_range(&name).unwrap();
            for (row, col, v) in r.cells() {
                text.push_str(&format!("{name}!{row},{col}={v}\n"));
            }
        }
        text.into_bytes()
    };
    let versions: Vec<Vec<Vec<u8>>> = ["0.01", "1"]
        .iter()
        .map(|t| {
            run_ok(dir, &args(t));
            files.iter().map(|f| content(f)).collect()
        })
        .collect();
    for (i, f) in files.iter().enumerate() {
        assert_ne!(
            versions[0][i], versions[1][i],
            "{f} must differ between versions"
        );
    }
    let t_fill = duration_of(dir, &args("1"));
    let mut rng = Lcg(0xfeed);
    // Version of each file before the round (the last complete run wrote version 1).
    let mut before = vec![1usize; files.len()];
    for round in 0..16 {
        let v = round % 2;
        let t = if v == 0 { "0.01" } else { "1" };
        kill_after(dir, &args(t), rng.next_ms(t_fill * 2));
        let which: Vec<usize> = files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let now = content(f);
                versions
                    .iter()
                    .position(|x| x[i] == now)
                    .unwrap_or_else(|| panic!("round {round}: {f} is neither complete version"))
            })
            .collect();
        // Renamed into place in order (filled, review, report): a file this round replaced
        // means every file before it was replaced too.
        let replaced: Vec<bool> = (0..files.len())
            .map(|i| which[i] == v && before[i] != v)
            .collect();
        for i in 1..files.len() {
            if replaced[i] {
                assert!(
                    (0..i).all(|j| which[j] == v),
                    "round {round}: {} is new but an earlier output is not: {which:?}",
                    files[i]
                );
            }
        }
        before = which;
    }
    run_ok(dir, &args("1"));
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".vouch-tmp"))
        .collect();
    assert!(left.is_empty(), "temp files of killed runs left: {left:?}");
}
