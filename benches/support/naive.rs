//! The naive way, as a baseline: a plain BM25 over the library, written the obvious way.
//!
//! It does the work `vouch fill` does on a CSV, minus everything that makes Vouch's answers
//! trustworthy: read every library file (TOML), split each entry's question and alternates
//! into lowercase words, build an inverted index, score every question against it with
//! Okapi BM25 (k1 = 1.2, b = 0.75), take the best entry, and write the questionnaire back
//! with its answer. No synonyms, no typos, no confidence, no citations; one core. Vouch's
//! speed is reported as a ratio to this, measured in the same run.

use std::collections::HashMap;
use std::path::Path;

/// An inverted index of the library's phrasings.
pub struct Index {
    postings: HashMap<String, Vec<(u32, u32)>>,
    lengths: Vec<f32>,
    avg_len: f32,
    answers: Vec<String>,
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
}

impl Index {
    /// Read every entry file of the library folder and index it.
    pub fn load(root: &Path) -> Index {
        let mut docs: Vec<(String, String)> = Vec::new();
        let mut files: Vec<_> = std::fs::read_dir(root)
            .expect("library folder")
            .flatten()
            .map(|f| f.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).expect("library file");
            let table: toml::Table = text.parse().expect("library TOML");
            let Some(entries) = table.get("entry").and_then(|e| e.as_array()) else {
                continue;
            };
            for e in entries {
                let get = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or("");
                let mut text = get("question").to_string();
                for a in e
                    .get("alternates")
                    .and_then(|v| v.as_array())
                    .into_iter()
                    .flatten()
                {
                    text.push(' ');
                    text.push_str(a.as_str().unwrap_or(""));
                }
                docs.push((text, get("answer").to_string()));
            }
        }
        let mut postings: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
        let mut lengths = Vec::with_capacity(docs.len());
        let mut answers = Vec::with_capacity(docs.len());
        for (d, (text, answer)) in docs.into_iter().enumerate() {
            let mut tf: HashMap<String, u32> = HashMap::new();
            let mut len = 0;
            for w in words(&text) {
                *tf.entry(w).or_default() += 1;
                len += 1;
            }
            for (w, n) in tf {
                postings.entry(w).or_default().push((d as u32, n));
            }
            lengths.push(len as f32);
            answers.push(answer);
        }
        let avg_len = lengths.iter().sum::<f32>() / lengths.len().max(1) as f32;
        Index {
            postings,
            lengths,
            avg_len,
            answers,
        }
    }

    /// The best entry for `question` by BM25, if any word matches.
    pub fn best(&self, question: &str) -> Option<usize> {
        let n = self.lengths.len() as f32;
        let mut scores: HashMap<u32, f32> = HashMap::new();
        for w in words(question) {
            let Some(list) = self.postings.get(&w) else {
                continue;
            };
            let df = list.len() as f32;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for &(d, tf) in list {
                let tf = tf as f32;
                let norm = 1.2 * (0.25 + 0.75 * self.lengths[d as usize] / self.avg_len);
                *scores.entry(d).or_default() += idf * tf * 2.2 / (tf + norm);
            }
        }
        scores
            .into_iter()
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(d, _)| d as usize)
    }
}

/// Fill the questionnaire CSV `input` (question in the second column) from the library in
/// `root`, writing `out`. Returns how many questions got an answer.
pub fn fill(root: &Path, input: &Path, out: &Path) -> usize {
    let index = Index::load(root);
    let mut rd = csv::Reader::from_path(input).expect("questionnaire");
    let mut w = csv::Writer::from_path(out).expect("output");
    w.write_record(rd.headers().expect("header"))
        .expect("write");
    let mut answered = 0;
    for rec in rd.records() {
        let rec = rec.expect("row");
        let mut row: Vec<String> = rec.iter().map(str::to_string).collect();
        if let Some(d) = index.best(rec.get(1).unwrap_or("")) {
            if row.len() > 2 {
                row[2] = index.answers[d].clone();
            }
            answered += 1;
        }
        w.write_record(&row).expect("write");
    }
    w.flush().expect("flush");
    answered
}
