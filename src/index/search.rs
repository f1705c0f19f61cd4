//! Keyword search over a library, for people: the reviewer's search box in `vouch review`.
//!
//! A reviewer who finds none of the offered candidates right types a few words and picks the
//! entry that is. The words are analysed as the index was (stems, synonyms, concepts), so
//! "encrypted backups" finds an entry that says "encryption of backup copies", and searched
//! with BM25 over the same fields as the matcher's retrieval; an entry's exact id comes first.
//! Search only ranks: it decides nothing and prints nothing.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use super::SearchIndex;

impl SearchIndex {
    /// The positions in `entries` of at most `limit` entries best matching the words of
    /// `text`, best first; an entry whose id is `text` comes first.
    pub fn search(&self, text: &str, limit: usize) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .entries
            .iter()
            .position(|e| e.id.eq_ignore_ascii_case(text.trim()))
            .into_iter()
            .collect();
        let f = &self.fields;
        let fields = [
            (f.question, 1.0f32),
            (f.alternates, 1.0),
            (f.tags, 0.5),
            (f.answer, 0.5),
            (f.parts, 0.5),
        ];
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in self.analyzer.terms(text) {
            for (field, boost) in fields {
                let tq = TermQuery::new(
                    Term::from_field_text(field, &t),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(tq), boost)),
                ));
            }
        }
        if clauses.is_empty() || limit == 0 {
            out.truncate(limit);
            return out;
        }
        let searcher = self.reader.searcher();
        let hits = searcher
            .search(
                &BooleanQuery::new(clauses),
                &TopDocs::with_limit(limit).order_by_score(),
            )
            .unwrap_or_default();
        for (_, addr) in hits {
            let pos = self
                .positions
                .get(addr.segment_ord as usize)
                .and_then(|s| s.get(addr.doc_id as usize));
            if let Some(&p) = pos {
                if !out.contains(&(p as usize)) {
                    out.push(p as usize);
                }
            }
        }
        out.truncate(limit);
        out
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn words_find_entries_and_an_id_comes_first() {
        let lib = crate::knowledge::load_library(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge"),
        )
        .unwrap();
        let si = super::super::in_memory(&lib).unwrap();
        let ids = |q: &str| -> Vec<String> {
            si.search(q, 5)
                .into_iter()
                .map(|p| si.entries[p].id.clone())
                .collect()
        };
        let mfa = ids("multi-factor authentication employees");
        assert!(mfa.iter().any(|i| i == "mfa-workforce"), "{mfa:?}");
        assert_eq!(ids("mfa-customers")[0], "mfa-customers");
        assert!(ids("").is_empty());
        assert!(ids("zzqxj").is_empty());
    }
}
