//! The naive reference: plain BM25 over each entry's canonical question text.
//!
//! No stemming, no synonyms, no alternates, no context, no reranking; English stop words only;
//! confidence is the relative margin between the first and second score. Every evaluation
//! prints it beside the engine's figures so that the distance above the naive approach is
//! always visible.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED};
use tantivy::tokenizer::{Language, LowerCaser, SimpleTokenizer, StopWordFilter, TextAnalyzer};
use tantivy::{doc, Index, TantivyDocument, Term};

use super::{ratio, Baseline, Judged};
use crate::error::{Error, Result};
use crate::knowledge::Entry;

const TOKENIZER: &str = "baseline_en";

pub fn baseline(entries: &[Entry], items: &[Judged]) -> Result<Baseline> {
    let ie = |e: tantivy::TantivyError| Error::internal(format!("baseline index: {e}"));
    let mut sb = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fq = sb.add_text_field("q", text);
    let fid = sb.add_text_field("id", STORED);
    let index = Index::create_in_ram(sb.build());
    let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(
            StopWordFilter::new(Language::English)
                .ok_or_else(|| Error::internal("no English stop words"))?,
        )
        .build();
    index.tokenizers().register(TOKENIZER, analyzer.clone());
    let mut w = index.writer::<TantivyDocument>(15_000_000).map_err(ie)?;
    for e in entries {
        w.add_document(doc!(fq => e.question.clone(), fid => e.id.clone()))
            .map_err(ie)?;
    }
    w.commit().map_err(ie)?;
    let reader = index.reader().map_err(ie)?;
    let searcher = reader.searcher();
    // (answerable, top1, top3, margin)
    let mut rows: Vec<(bool, bool, bool, f32)> = Vec::new();
    for j in items {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut ts = analyzer.token_stream(&j.question);
        while ts.advance() {
            let t = Term::from_field_text(fq, &ts.token().text);
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)),
            ));
        }
        let hits = searcher
            .search(
                &BooleanQuery::new(clauses),
                &TopDocs::with_limit(3).order_by_score(),
            )
            .map_err(ie)?;
        let mut ids = Vec::new();
        for (_, addr) in &hits {
            let d: TantivyDocument = searcher.doc(*addr).map_err(ie)?;
            ids.push(
                d.get_first(fid)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string(),
            );
        }
        let s1 = hits.first().map(|h| h.0).unwrap_or(0.0);
        let s2 = hits.get(1).map(|h| h.0).unwrap_or(0.0);
        let margin = if s1 > 0.0 { (s1 - s2) / s1 } else { 0.0 };
        let ans = !j.gold.is_empty();
        rows.push((
            ans,
            ids.first().is_some_and(|i| j.gold.contains(i)),
            ids.iter().any(|i| j.gold.contains(i)),
            margin,
        ));
    }
    let answerable = rows.iter().filter(|r| r.0).count();
    let none = rows.len() - answerable;
    // The threshold at which auto marks 80% of the answerable questions.
    let mut margins: Vec<f32> = rows.iter().filter(|r| r.0).map(|r| r.3).collect();
    margins.sort_by(|a, b| b.total_cmp(a));
    let k = ((answerable as f64) * 0.8).ceil() as usize;
    let thr = margins.get(k.saturating_sub(1)).copied().unwrap_or(0.0);
    let autos: Vec<&(bool, bool, bool, f32)> = rows.iter().filter(|r| r.3 >= thr).collect();
    Ok(Baseline {
        top1: ratio(rows.iter().filter(|r| r.0 && r.1).count(), answerable),
        top3: ratio(rows.iter().filter(|r| r.0 && r.2).count(), answerable),
        auto_precision_at_80: ratio(autos.iter().filter(|r| r.0 && r.1).count(), autos.len()),
        none_rejection_at_80: ratio(rows.iter().filter(|r| !r.0 && r.3 < thr).count(), none),
    })
}
