//! `cargo bench --bench scale`: index and matching speed at scale, and peak memory.
//!
//! Builds libraries of growing size from the benchmark library in ../shared/bench (each entry
//! repeated with a numbered id and a distinguishing word, so the index really grows), then
//! matches the benchmark's questions repeatedly. Prints entries indexed per second, questions
//! matched per second and the peak resident memory, with the ratio between sizes measured in
//! the same run (absolute times on shared machines are noisy; ratios are what to compare).
//!
//! Then fills the three limit-sized questionnaires of `scale_inputs.rs` (199,000 questions;
//! 1,000 questions of 9,900 characters; 199,000 rows of which one in 200 is a question) with
//! the shipped library, stage by stage as `vouch fill` does, printing each stage's time and
//! the peak resident memory. `-- --quick` skips the library sizes; `-- --write-inputs DIR`
//! only writes the questionnaires, for timing the CLI.

use std::path::{Path, PathBuf};
use std::time::Instant;

use vouch::index::open_or_build;
use vouch::matcher::{Matcher, Query};

#[path = "support/scale_inputs.rs"]
mod scale_inputs;

fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench")
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn questions() -> Vec<String> {
    let mut out = Vec::new();
    let mut rd = csv::Reader::from_path(bench_dir().join("vendor-review.csv")).expect("bench csv");
    for r in rd.records().flatten() {
        if let Some(q) = r.get(1) {
            out.push(q.to_string());
        }
    }
    out
}

/// A library of `copies` × the bench library, written as CSV and imported.
fn make_library(dir: &Path, copies: usize) -> PathBuf {
    let mut rd = csv::Reader::from_path(bench_dir().join("library.csv")).expect("library.csv");
    let headers = rd.headers().expect("headers").clone();
    let rows: Vec<csv::StringRecord> = rd.records().flatten().collect();
    let csv_path = dir.join(format!("lib{copies}.csv"));
    let mut w = csv::Writer::from_path(&csv_path).expect("write");
    w.write_record(&headers).expect("write");
    for k in 0..copies {
        for r in &rows {
            let mut f: Vec<String> = r.iter().map(|s| s.to_string()).collect();
            if k > 0 {
                f[0] = format!("{}-v{k}", f[0]);
                f[1] = format!("{} (variant {k})", f[1]);
                f[2] = f[2]
                    .lines()
                    .map(|a| format!("{a} v{k}"))
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            w.write_record(&f).expect("write");
        }
    }
    w.flush().expect("flush");
    std::fs::copy(bench_dir().join("sources.csv"), dir.join("sources.csv")).expect("sources");
    let lib = dir.join(format!("lib{copies}"));
    vouch::knowledge::import::import(&csv_path, None, &lib, true).expect("import");
    lib
}

/// Reset the peak resident memory (Linux: writing 5 to clear_refs), so that each case
/// reports its own.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// `vouch fill` on a limit-sized questionnaire, stage by stage, with the shipped library.
fn fill_case(name: &str, input: &Path, lib: &Path) {
    use vouch::fill::{self, CitationMode, Thresholds};
    reset_peak();
    let start = Instant::now();
    let mut t = Instant::now();
    let mut stages: Vec<String> = Vec::new();
    let mut stage = |what: &str, t: &mut Instant| {
        stages.push(format!(
            "{what} {:.2}s/{:.0}MB",
            t.elapsed().as_secs_f64(),
            peak_rss_mb()
        ));
        *t = Instant::now();
    };
    let wb = vouch::sheet::read::read_workbook(input).expect("read");
    stage("read", &mut t);
    let q = vouch::sheet::layout::detect(&wb, &Default::default()).expect("layout");
    stage("layout", &mut t);
    let (si, _) = open_or_build(lib).expect("index");
    let m = Matcher::new(&si);
    stage("index+matcher", &mut t);
    let mut items = fill::decide_all(&q, &m, &si.entries, Thresholds::default(), false);
    stage("match", &mut t);
    let out = tempfile::tempdir().expect("tempdir");
    let grid = &wb.sheets[0];
    let edits = fill::plan_sheet(
        &q.sheets[0],
        grid,
        &wb.sheets,
        &mut fill::Claimed::new(),
        &mut items,
        CitationMode::Comment,
    );
    vouch::sheet::write::write_csv(grid, edits.first(), &out.path().join("f.csv")).expect("csv");
    stage("plan+write", &mut t);
    vouch::review::write_review(&items, None, &out.path().join("r.xlsx")).expect("review");
    stage("review", &mut t);
    let report = vouch::report::report(input, None, "words only", &items);
    let json = serde_json::to_string_pretty(&report).expect("json");
    stage("report", &mut t);
    println!(
        "{name:>7}: {} questions in {:.2}s, peak RSS {:.0} MB ({}; report {} MB)",
        items.len(),
        start.elapsed().as_secs_f64(),
        peak_rss_mb(),
        stages.join(", "),
        json.len() >> 20
    );
}

fn fill_cases() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let lib = tmp.path().join("knowledge");
    std::fs::create_dir_all(&lib).expect("lib dir");
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    for f in std::fs::read_dir(&shipped).expect("knowledge/").flatten() {
        if f.path().extension().is_some_and(|e| e == "toml") {
            std::fs::copy(f.path(), lib.join(f.file_name())).expect("copy");
        }
    }
    let dir = tmp.path();
    scale_inputs::write_sparse(&dir.join("sparse.csv"), 199_000, 200);
    scale_inputs::write_long(&dir.join("long.csv"), 1_000, 9_900);
    scale_inputs::write_many(&dir.join("many.csv"), 199_000);
    for name in ["sparse", "long", "many"] {
        fill_case(name, &dir.join(format!("{name}.csv")), &lib);
    }
}

fn main() {
    // `cargo bench --bench scale -- --write-inputs DIR`: write the limit-sized questionnaires
    // (see scale_inputs.rs) for timing the CLI, and measure nothing.
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--write-inputs") {
        let dir = PathBuf::from(args.get(i + 1).map_or(".", |s| s.as_str()));
        std::fs::create_dir_all(&dir).expect("create dir");
        scale_inputs::write_many(&dir.join("many.csv"), 199_000);
        scale_inputs::write_long(&dir.join("long.csv"), 1_000, 9_900);
        scale_inputs::write_sparse(&dir.join("sparse.csv"), 199_000, 200);
        println!(
            "wrote many.csv, long.csv and sparse.csv in {}",
            dir.display()
        );
        return;
    }
    if args.iter().any(|a| a == "--quick") {
        fill_cases();
        return;
    }
    if !bench_dir().join("library.csv").is_file() {
        eprintln!("../shared/bench not found; nothing to measure");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let qs = questions();
    let mut rows = Vec::new();
    for copies in [1usize, 10, 100] {
        let lib = make_library(tmp.path(), copies);
        let t = Instant::now();
        let (si, _) = open_or_build(&lib).expect("index");
        let index_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let m = Matcher::new(&si);
        let setup_s = t.elapsed().as_secs_f64();
        let rounds = 20usize;
        let t = Instant::now();
        let mut n = 0usize;
        for _ in 0..rounds {
            for q in &qs {
                let r = m.rank(&Query {
                    text: q.clone(),
                    context: Vec::new(),
                    qid: None,
                });
                n += r.candidates.len().min(1);
            }
        }
        let match_s = t.elapsed().as_secs_f64();
        let per_q_us = match_s * 1e6 / (rounds * qs.len()) as f64;
        println!(
            "entries {:>6}: open+index {:>6.2}s ({:>8.0} entries/s), matcher setup {:>5.2}s, match {:>7.1} µs/question ({:>6.0} q/s), {} ranked, peak RSS {:.0} MB",
            si.entries.len(),
            index_s,
            si.entries.len() as f64 / index_s,
            setup_s,
            per_q_us,
            1e6 / per_q_us,
            n,
            peak_rss_mb()
        );
        rows.push((si.entries.len(), per_q_us));
    }
    if let (Some(a), Some(b)) = (rows.first(), rows.last()) {
        println!(
            "ratio: {}x the entries costs {:.1}x the time per question",
            b.0 / a.0.max(1),
            b.1 / a.1.max(1e-9)
        );
    }
    fill_cases();
}
