//! Synthetic answer libraries and questionnaires of any size, generated at bench time.
//!
//! A speed figure is only worth something on data shaped like the real thing: the words of a
//! security library, its synonyms and facts, phrasings that share most of their words, and
//! questions that ask them in other words. So the generator starts from the shipped library
//! (`knowledge/`, always in the repository) and grows it: entry `i` is seed entry `i mod S`
//! with one of its longer words swapped for an invented word and a product name of its copy
//! added, so that the vocabulary, the postings and the index really grow with the size, as a
//! company's library grows with products and regions. Questions are library phrasings asked
//! again with a word dropped, a product named, or reworded with the opener of another
//! questionnaire, plus one in six that no entry answers. A fixed pseudo-random sequence makes
//! every run measure the same data.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use vouch::knowledge::Entry;

/// A small, fixed pseudo-random sequence (xorshift64*): the same data on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mer", "vis", "tor", "qua", "zen", "dri", "pal", "nov", "ex", "ri", "sol", "tam",
    "bel", "cor", "fin", "gra", "hel", "jun",
];

/// An invented word of two or three syllables ("merviska").
fn word(rng: &mut Rng) -> String {
    let n = 2 + rng.below(2);
    (0..n)
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
        .collect()
}

/// The shipped library: the seeds.
pub fn seeds() -> vouch::knowledge::Library {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    vouch::knowledge::load_library(&root).expect("the shipped library loads")
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `text` with one word of six letters or more (chosen by `rng`) replaced by `by`.
fn swap_word(text: &str, by: &str, rng: &mut Rng) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let long: Vec<usize> = (0..words.len())
        .filter(|&i| words[i].len() >= 6 && words[i].bytes().all(|b| b.is_ascii_lowercase()))
        .collect();
    if long.is_empty() {
        return format!("{text} {by}");
    }
    let at = long[rng.below(long.len())];
    let mut out: Vec<&str> = words.clone();
    out[at] = by;
    out.join(" ")
}

/// Write a library of `n` entries into `dir` (topic files of 500 entries, the shipped
/// sources, synonyms and facts). Returns the folder.
pub fn write_library(dir: &Path, n: usize, seeds: &vouch::knowledge::Library) -> PathBuf {
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    std::fs::create_dir_all(dir).expect("library dir");
    for f in ["sources.toml", "synonyms.toml", "facts.toml"] {
        std::fs::copy(shipped.join(f), dir.join(f)).expect("copy shipped file");
    }
    let mut rng = Rng::new(n as u64);
    let pool: Vec<String> = (0..(n / 4).max(50)).map(|_| word(&mut rng)).collect();
    let s = seeds.entries.len();
    let mut file = String::new();
    for i in 0..n {
        let e: &Entry = &seeds.entries[i % s];
        let copy = i / s;
        let (id, question, alternates, answer) = if copy == 0 {
            (
                e.id.clone(),
                e.question.clone(),
                e.alternates.clone(),
                e.written_answer().to_string(),
            )
        } else {
            let product = &pool[(copy * 7919) % pool.len()];
            let swap = &pool[rng.below(pool.len())];
            let q = swap_word(&e.question, swap, &mut rng);
            (
                format!("{}-{copy}", e.id),
                format!("{} for {product}", q.trim_end_matches('?')) + "?",
                e.alternates
                    .iter()
                    .map(|a| swap_word(a, swap, &mut rng))
                    .collect(),
                format!("{} This applies to {product}.", e.written_answer()),
            )
        };
        let _ = writeln!(file, "[[entry]]\nid = {}", quote(&id));
        let _ = writeln!(file, "question = {}", quote(&question));
        let alts: Vec<String> = alternates.iter().map(|a| quote(a)).collect();
        let _ = writeln!(file, "alternates = [{}]", alts.join(", "));
        let _ = writeln!(file, "answer = {}", quote(&answer));
        if let Some(sa) = e.short_answer {
            let _ = writeln!(file, "short_answer = {}", quote(sa.as_str()));
        }
        let cites: Vec<String> = e
            .citations
            .iter()
            .map(|c| {
                format!(
                    "{{ doc = {}, section = {} }}",
                    quote(&c.doc),
                    quote(&c.section)
                )
            })
            .collect();
        let _ = writeln!(file, "citations = [{}]", cites.join(", "));
        let tags: Vec<String> = e.tags.iter().map(|t| quote(t)).collect();
        let _ = writeln!(file, "tags = [{}]", tags.join(", "));
        let _ = writeln!(file, "owner = {}", quote(&e.owner));
        if let Some(r) = &e.reviewed {
            let _ = writeln!(file, "reviewed = {}", quote(r));
        }
        file.push('\n');
        if (i + 1) % 500 == 0 || i + 1 == n {
            let path = dir.join(format!("part-{:03}.toml", i / 500));
            std::fs::write(path, std::mem::take(&mut file)).expect("write library file");
        }
    }
    dir.to_path_buf()
}

/// Openers other questionnaires put before the same ask.
const OPENERS: &[&str] = &[
    "Please confirm:",
    "Describe whether",
    "Vendor attests that",
    "Indicate if",
];

/// `n` questions asked of a library grown from `seeds` to `entries` entries: phrasings asked
/// again with a word dropped, a product named or an opener added, and one in six that no
/// entry answers.
pub fn questions(n: usize, entries: usize, seeds: &vouch::knowledge::Library) -> Vec<String> {
    let mut rng = Rng::new(0xC0FFEE ^ n as u64);
    let s = seeds.entries.len();
    let copies = entries.div_ceil(s).max(1);
    let mut pool_rng = Rng::new(entries as u64);
    let pool: Vec<String> = (0..(entries / 4).max(50))
        .map(|_| word(&mut pool_rng))
        .collect();
    (0..n)
        .map(|k| {
            if k % 6 == 5 {
                // Unanswerable: a real-looking ask about something no entry covers.
                return format!(
                    "Do you {} the {} {} of {}?",
                    ["certify", "inventory", "audit", "catalogue"][rng.below(4)],
                    word(&mut rng),
                    ["controls", "records", "licences", "devices"][rng.below(4)],
                    word(&mut rng)
                );
            }
            let e = &seeds.entries[rng.below(s)];
            let phrasings: Vec<&str> = e.phrasings().collect();
            let p = phrasings[rng.below(phrasings.len())];
            let mut words: Vec<&str> = p.split(' ').collect();
            match rng.below(3) {
                0 if words.len() > 4 => {
                    words.remove(1 + rng.below(words.len() - 2));
                    words.join(" ")
                }
                1 => {
                    let copy = rng.below(copies);
                    let product = &pool[(copy * 7919) % pool.len()];
                    format!("{} for {product}?", p.trim_end_matches('?'))
                }
                _ => format!("{} {}", OPENERS[rng.below(OPENERS.len())], p),
            }
        })
        .collect()
}

/// The questions as a questionnaire CSV (`#, Question, Response, Notes`).
pub fn write_csv(path: &Path, questions: &[String]) {
    let mut w = csv::Writer::from_path(path).expect("questionnaire csv");
    w.write_record(["#", "Question", "Response", "Notes"])
        .expect("write");
    for (i, q) in questions.iter().enumerate() {
        w.write_record([(i + 1).to_string().as_str(), q, "", ""])
            .expect("write");
    }
    w.flush().expect("flush");
}

/// The questions as a one-sheet workbook with a title block, the shape most arrive in.
pub fn write_xlsx(path: &Path, questions: &[String]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Security").expect("sheet name");
    ws.write_string(0, 0, "Vendor Security Assessment")
        .expect("write");
    for (c, h) in ["#", "Question", "Response", "Notes"].iter().enumerate() {
        ws.write_string(2, c as u16, *h).expect("write");
    }
    for (i, q) in questions.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_number(r, 0, (i + 1) as f64).expect("write");
        ws.write_string(r, 1, q).expect("write");
    }
    wb.save(path).expect("save workbook");
}
