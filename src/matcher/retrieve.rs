//! Retrieval: the question's terms → a short list of candidate entries, from tantivy.
//!
//! Measuring every entry of a library of tens of thousands against every question would cost
//! too much, and most entries share no word with a given question. BM25 over the analysed
//! fields (question, alternates, tags, answer, concept parts) is cheap and generous: it hands
//! the reranker the `RETRIEVE` best positions, and the reranker decides among them. Retrieval
//! knows nothing of features or scores; what it misses, nothing later can find.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query as TQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use super::Matcher;
use crate::index::SearchIndex;
use crate::text::HashSet;

/// How many candidates retrieval hands to the reranker.
const RETRIEVE: usize = 40;

impl Matcher<'_> {
    /// Candidate positions from tantivy: BM25 over the analysed fields.
    pub(super) fn retrieve(&self, q: &[String], ctx: &[String]) -> Vec<usize> {
        let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
        let fields = retrieval_fields(self.si);
        for (terms, factor) in [(q, 1.0f32), (ctx, 0.3)] {
            for t in terms {
                for (k, (field, boost)) in fields.into_iter().enumerate() {
                    // A term the field never holds matches nothing and adds nothing to any
                    // score: its clause would only cost a dictionary lookup.
                    let absent = self
                        .field_terms
                        .as_ref()
                        .as_ref()
                        .and_then(|f| f.get(k))
                        .is_some_and(|set| !set.contains(t));
                    if absent {
                        continue;
                    }
                    let tq = TermQuery::new(
                        Term::from_field_text(field, t),
                        IndexRecordOption::WithFreqs,
                    );
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(tq), boost * factor)),
                    ));
                }
            }
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.si.reader.searcher();
        let Ok(hits) = searcher.search(&query, &TopDocs::with_limit(RETRIEVE).order_by_score())
        else {
            return Vec::new();
        };
        hits.into_iter()
            .filter_map(|(_, addr)| {
                self.si
                    .positions
                    .get(addr.segment_ord as usize)?
                    .get(addr.doc_id as usize)
                    .map(|p| *p as usize)
            })
            .collect()
    }
}

/// The fields retrieval searches, with their boosts.
fn retrieval_fields(si: &SearchIndex) -> [(tantivy::schema::Field, f32); 5] {
    let f = &si.fields;
    [
        (f.question, 1.0f32),
        (f.alternates, 1.0),
        (f.tags, 0.5),
        (f.answer, 0.3),
        (f.parts, 0.5),
    ]
}

/// The terms each retrieval field holds, over all segments; None if a dictionary cannot be
/// read (retrieval then sends every clause, as before).
pub(super) fn field_terms(si: &SearchIndex) -> Option<Vec<HashSet<String>>> {
    let searcher = si.reader.searcher();
    let mut out = Vec::new();
    for (field, _) in retrieval_fields(si) {
        let mut set = HashSet::default();
        for seg in searcher.segment_readers() {
            let inv = seg.inverted_index(field).ok()?;
            let mut stream = inv.terms().stream().ok()?;
            while stream.advance() {
                set.insert(String::from_utf8_lossy(stream.key()).into_owned());
            }
        }
        out.push(set);
    }
    Some(out)
}
