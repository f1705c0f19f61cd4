//! `cargo bench --bench engine`: the engine's stages under criterion, for regressions.
//!
//! The whole-run bench (`whole.rs`) says how long a user waits; this one says which stage a
//! change made slower, with criterion's statistics over many iterations: reading a question
//! (analysis), ranking one question against libraries of 250 and 2,500 entries by words
//! only, deriving what the matcher needs from a library, and indexing a library in memory.
//! The data is the same synthetic data (`support/synth.rs`).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use vouch::matcher::{Matcher, Query};

#[path = "support/synth.rs"]
#[allow(dead_code)]
mod synth;

fn engine(c: &mut Criterion) {
    let seeds = synth::seeds();
    let tmp = tempfile::tempdir().expect("tempdir");
    let questions = synth::questions(300, 2_500, &seeds);

    let mut g = c.benchmark_group("analyse");
    g.throughput(Throughput::Elements(questions.len() as u64));
    let analyzer = vouch::text::Analyzer::new(&seeds.synonyms).with_filler(&seeds.filler);
    g.bench_function("300 questions", |b| {
        b.iter(|| {
            for q in &questions {
                black_box(analyzer.terms(q));
            }
        })
    });
    g.finish();

    for n in [250usize, 2_500] {
        let root = synth::write_library(&tmp.path().join(format!("lib{n}")), n, &seeds);
        let library = vouch::knowledge::load_library(&root).expect("synthetic library loads");
        let mut g = c.benchmark_group(format!("library of {n}"));
        g.sample_size(10);
        g.bench_function("index in memory", |b| {
            b.iter(|| black_box(vouch::index::in_memory(&library).expect("index")))
        });
        let si = vouch::index::in_memory(&library).expect("index");
        g.bench_function("derive the matcher's data", |b| {
            b.iter(|| black_box(Matcher::new(&si)))
        });
        let m = Matcher::new(&si);
        let queries: Vec<Query> = questions
            .iter()
            .map(|q| Query {
                text: q.clone(),
                ..Default::default()
            })
            .collect();
        g.throughput(Throughput::Elements(queries.len() as u64));
        g.bench_with_input(
            BenchmarkId::new("rank", "300 questions"),
            &queries,
            |b, qs| {
                b.iter(|| {
                    for q in qs {
                        black_box(m.rank(q));
                    }
                })
            },
        );
        g.finish();
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
