//! Text → terms, the one analysis both the index and the matcher use.
//!
//! Questions and library entries go through the same steps, so that whatever is done to one
//! is done to the other: lower-case words (punctuation splits words), English stemming, then
//! synonym groups from the library (`MFA`, `2FA`, `multi-factor authentication` → one concept
//! term; matched on stems, longest phrase first), then stop words. Concept matching runs
//! before stop words so that `Type I` or `SOC II` keep their meaning. Negations and
//! qualifiers (`not`, `other`, `except`) are deliberately not stop words. This module knows no
//! particular question: everything domain-specific comes from the library's synonyms.

use frostem::{Algorithm, Stemmer};

use crate::knowledge::SynonymGroup;

/// Term tables hash with FxHash (a multiply-rotate of each word of the key) instead of the
/// standard keyed SipHash: matching looks terms up millions of times, and SipHash was a fifth
/// of its time. Not keyed, so a crafted key set could collide; only tables built from the
/// library use it (a questionnaire's own words are counted in standard maps), and a lookup
/// never inserts.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut add = |w: u64| self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write(&[i]);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds `FastHasher`s.
pub type FastBuild = std::hash::BuildHasherDefault<FastHasher>;
/// A map of library terms.
pub type HashMap<K, V> = std::collections::HashMap<K, V, FastBuild>;
/// A set of library terms.
pub type HashSet<T> = std::collections::HashSet<T, FastBuild>;

/// Prefix of concept terms produced by synonym groups.
pub const CONCEPT_PREFIX: &str = "~";

/// Function words that carry no meaning in a questionnaire question. Negations, quantifiers
/// and qualifiers are kept on purpose: they change what is asked.
const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "by", "at", "as", "from",
    "into", "onto", "about", "this", "that", "these", "those", "it", "its", "is", "are", "was",
    "were", "be", "been", "being", "am", "do", "does", "did", "done", "doing", "have", "has",
    "had", "having", "will", "would", "shall", "should", "can", "could", "may", "might", "must",
    "you", "your", "yours", "we", "our", "ours", "us", "i", "me", "my", "they", "their", "them",
    "he", "she", "his", "her", "there", "here", "if", "so", "such", "than", "then", "which",
    "what", "who", "whom", "whose", "where", "when", "why", "how", "please", "e", "g", "eg", "ie",
    "etc", "s", "yes", "also", "any", "each", "both", "either", "via", "per", "upon", "within",
    "whether",
];

/// Everyday English words that questionnaires wrap around what they ask ("at least", "get",
/// "ever", "through"). A library rarely uses them, so their rarity there says nothing: the
/// matcher caps their weight. Words that tell security topics apart are not listed.
const EVERYDAY_WORDS: &[&str] = &[
    "least",
    "get",
    "gets",
    "got",
    "ever",
    "tell",
    "through",
    "throughout",
    "against",
    "work",
    "keep",
    "kept",
    "include",
    "includes",
    "including",
    "make",
    "made",
    "take",
    "taken",
    "give",
    "given",
    "need",
    "needed",
    "know",
    "see",
    "like",
    "well",
    "just",
    "only",
    "still",
    "even",
    "yet",
    "already",
    "currently",
    "current",
    "able",
    "possible",
    "specific",
    "particular",
    "various",
    "way",
    "ways",
    "part",
    "kind",
    "type",
    "types",
    "thing",
    "things",
    "someone",
    "anyone",
    "everyone",
    "something",
    "anything",
    "whatever",
    "whenever",
    "wherever",
    "every",
    "all",
    "some",
    "many",
    "much",
    "more",
    "most",
    "few",
    "several",
    "own",
    "same",
    "different",
    "otherwise",
    "instead",
    "rather",
    "really",
    "actually",
    "always",
    "usually",
    "generally",
    "typically",
    "normally",
    "often",
    "sometimes",
    "never",
    "once",
    "twice",
    "whole",
    "entire",
    "full",
    "fully",
    "complete",
    "completely",
    "ensure",
    "ensures",
    "ensuring",
    "help",
    "helps",
    "use",
    "used",
    "uses",
    "using",
    "utilize",
    "following",
    "follow",
    "follows",
    "regarding",
    "related",
    "relating",
    "respect",
    "around",
    "across",
    "along",
    "among",
    "between",
    "during",
    "after",
    "before",
    "since",
    "until",
    "while",
    "without",
    "under",
    "over",
    "above",
    "below",
    "put",
    "set",
    "go",
    "goes",
    "come",
    "comes",
    "find",
    "found",
    "look",
    "say",
    "said",
    "want",
    "try",
    "let",
    "seem",
    "available",
    "necessary",
    "required",
    "require",
    "requires",
];

/// Words whose stem is another word's, with the term they read as instead: "available" would
/// stem to "avail", like "availability" (the Trust Services Criterion), "product" like
/// "production" (the environment), "controller" (GDPR) like "control", "authorities" like
/// "authorization", "officer" like "office".
const KEEP_WHOLE: &[(&str, &str)] = &[
    ("available", "available"),
    ("unavailable", "unavailable"),
    ("product", "products"),
    ("products", "products"),
    ("authority", "authorities"),
    ("authorities", "authorities"),
    ("accounting", "accounting"),
    ("accountant", "accounting"),
    ("accountants", "accounting"),
    ("accountability", "accountability"),
    ("accountable", "accountability"),
    ("continuous", "continuous"),
    ("continuously", "continuous"),
    ("custom", "customization"),
    ("customization", "customization"),
    ("customizations", "customization"),
    ("customized", "customization"),
    ("customisation", "customization"),
    ("customised", "customization"),
    ("generative", "generative"),
    ("objective", "objective"),
    ("objectives", "objective"),
    ("officer", "officer"),
    ("officers", "officer"),
    ("periodic", "periodic"),
    ("periodically", "periodic"),
    ("responsible", "responsibility"),
    ("responsibility", "responsibility"),
    ("responsibilities", "responsibility"),
    ("timely", "timely"),
    ("tokenization", "tokenization"),
    ("tokenisation", "tokenization"),
    ("tokenized", "tokenization"),
    ("validity", "validity"),
    ("designate", "designate"),
    ("designated", "designate"),
    ("removable", "removable"),
    ("founded", "founded"),
    ("founding", "founded"),
    ("container", "container"),
    ("containers", "container"),
    ("containerized", "container"),
    ("controller", "controller"),
    ("controllers", "controller"),
    ("performance", "performance"),
    ("government", "government"),
    ("governments", "government"),
    ("acceptable", "acceptable"),
];

/// A compiled analyzer: stemmer, synonym phrase table and stop words.
pub struct Analyzer {
    stemmer: Stemmer,
    /// This analyzer's number, for the stem cache (see `stem`).
    id: u64,
    /// Phrase (sequence of stems) → concept term, keyed by the first stem.
    phrases: HashMap<String, Vec<(Vec<String>, String)>>,
    stop: HashSet<&'static str>,
    /// Words of the thesaurus that are never stemmed: adverbs such as "monthly", whose stem
    /// ("month") is a different word ("twelve months" is not "monthly").
    unstemmed: HashSet<String>,
    /// Stems of questionnaire filler words, matched at a low weight.
    filler: HashSet<String>,
    /// Stems of everyday English words, whose weight the matcher caps.
    everyday: HashSet<String>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("phrases", &self.phrases.len())
            .finish()
    }
}

/// Lower-case words of a text: runs of letters and digits. Apostrophes inside words are
/// joined and a possessive `'s` is dropped (`vendor's` → `vendor`, `don't` → `dont`);
/// everything else splits.
/// British spellings questionnaires use, as the American ones (the stemmer treats them as
/// different words: "organisation" → "organis", "organization" → "organ").
const BRITISH: &[(&str, &str)] = &[
    ("programme", "program"),
    ("programmes", "programs"),
    ("behaviour", "behavior"),
    ("behaviours", "behaviors"),
    ("centre", "center"),
    ("centres", "centers"),
    ("licence", "license"),
    ("licences", "licenses"),
    ("defence", "defense"),
    ("catalogue", "catalog"),
    ("labelled", "labeled"),
    ("labelling", "labeling"),
    ("modelling", "modeling"),
    ("cancelled", "canceled"),
    ("judgement", "judgment"),
];

/// Roots whose British forms end in -ise, -ised, -ises, -ising (authorise, sanitised...).
/// Listed, because many English words end in -ise without being one (enterprise, exercise).
const ISE_ROOTS: &[&str] = &[
    "author",
    "organ",
    "sanit",
    "anonym",
    "pseudonym",
    "minim",
    "maxim",
    "priorit",
    "categor",
    "recogn",
    "custom",
    "optim",
    "util",
    "summar",
    "final",
    "standard",
    "central",
    "normal",
    "character",
    "emphas",
    "harmon",
    "synchron",
    "token",
    "virtual",
    "container",
    "digit",
    "formal",
    "item",
    "operational",
    "personal",
    "special",
    "stabil",
    "legitim",
    "capital",
    "real",
    "visual",
    "general",
    "local",
    "global",
    "modern",
    "decentral",
    "initial",
];

/// The American spelling of a lowercase word, when it is a British one.
fn american(w: String) -> String {
    if let Some((_, us)) = BRITISH.iter().find(|(uk, _)| *uk == w) {
        return us.to_string();
    }
    for (uk, us) in [("isations", "izations"), ("isation", "ization")] {
        if let Some(root) = w.strip_suffix(uk) {
            return format!("{root}{us}");
        }
    }
    for (uk, us) in [
        ("ise", "ize"),
        ("ised", "ized"),
        ("ises", "izes"),
        ("ising", "izing"),
        ("iser", "izer"),
        ("isers", "izers"),
    ] {
        if let Some(root) = w.strip_suffix(uk) {
            if ISE_ROOTS.contains(&root) {
                return format!("{root}{us}");
            }
        }
    }
    w
}

/// Byte ranges of the runs of characters that `in_word` accepts: the one word scanner for the
/// rewrites that must put text back together around the words they change.
pub fn spans(text: &str, in_word: impl Fn(char) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        match (in_word(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// The text up to the end of its `n`th word (runs of letters and digits), or None when it has
/// no more than `n` words. The cut falls at a word's end, never inside a character.
pub fn first_words(text: &str, n: usize) -> Option<&str> {
    let mut count = 0;
    let mut in_word = false;
    // Where word n ends.
    let mut end = 0;
    for (i, c) in text.char_indices() {
        let w = c.is_alphanumeric();
        if in_word && !w && count == n {
            end = i;
        }
        if w && !in_word {
            count += 1;
            if count > n {
                return Some(&text[..end]);
            }
        }
        in_word = w;
    }
    None
}

/// The number of words (runs of letters and digits) in a text.
pub fn word_count(text: &str) -> usize {
    let mut count = 0;
    let mut in_word = false;
    for c in text.chars() {
        let w = c.is_alphanumeric();
        if w && !in_word {
            count += 1;
        }
        in_word = w;
    }
    count
}

/// What kind of answer a question asks for, from its opening words: "where", "who", "when",
/// "why", "how long", "how often", "how many", or "how" (a process). None for yes/no and
/// "what/which" questions, whose opening says little.
pub fn question_kind(text: &str) -> Option<&'static str> {
    let w = words(text);
    let mut it = w
        .iter()
        .map(String::as_str)
        .skip_while(|x| matches!(*x, "please" | "kindly") || x.bytes().all(|b| b.is_ascii_digit()));
    let kind = match it.next()? {
        "where" => "where",
        "who" | "whom" | "whose" => "who",
        "when" => "when",
        "why" => "why",
        "how" => match it.next() {
            Some("long") => "how long",
            Some("often" | "frequently") => "how often",
            Some("many" | "much") => "how many",
            // "How are changes handled?": any process question.
            _ => return None,
        },
        _ => return None,
    };
    Some(kind)
}

/// Auxiliary verbs: after one, "the vendor" is the one answering ("Does the vendor ...?"),
/// and after "and" one opens a second question ("... and can you share it?").
pub const AUXILIARIES: &[&str] = &[
    "does", "do", "did", "is", "are", "was", "has", "have", "had", "will", "would", "can", "could",
    "should", "must", "shall", "may",
];

/// True for a number written as a word ("five", "twelve", "hundred").
pub fn number_word(w: &str) -> bool {
    const NUMBERS: &[&str] = &[
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "ninety", "hundred",
        "thousand", "million", "billion",
    ];
    NUMBERS.contains(&w)
}

pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            cur.extend(c.to_lowercase());
        } else if (c == '\'' || c == '\u{2019}')
            && !cur.is_empty()
            && chars.peek().is_some_and(|n| n.is_alphanumeric())
        {
            // possessive or contraction: "vendor's" → "vendor", "don't" → "dont"
            if chars.peek() == Some(&'s') {
                chars.next();
                if chars.peek().is_some_and(|n| n.is_alphanumeric()) {
                    cur.push('s');
                }
            }
        } else if !cur.is_empty() {
            out.push(american(std::mem::take(&mut cur)));
        }
    }
    if !cur.is_empty() {
        out.push(american(cur));
    }
    out
}

impl Analyzer {
    pub fn new(groups: &[SynonymGroup]) -> Analyzer {
        let stemmer = Stemmer::new(Algorithm::English);
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut a = Analyzer {
            stemmer,
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            phrases: HashMap::default(),
            stop: STOP_WORDS.iter().copied().collect(),
            filler: Default::default(),
            everyday: Default::default(),
            unstemmed: groups
                .iter()
                .flat_map(|g| g.terms.iter())
                .map(|t| words(t))
                .filter(|w| w.len() == 1 && w[0].ends_with("ly"))
                .map(|w| w[0].clone())
                .collect(),
        };
        for g in groups {
            let Some(name) = g.terms.first() else {
                continue;
            };
            // A plain group reads as its first term's stems; any other is a named concept.
            let concept = if g.plain {
                words(name)
                    .iter()
                    .map(|w| a.stem(w))
                    .collect::<Vec<_>>()
                    .join("_")
            } else {
                format!("{CONCEPT_PREFIX}{}", words(name).join("_"))
            };
            for term in &g.terms {
                let stems: Vec<String> = words(term).iter().map(|w| a.stem(w)).collect();
                if stems.is_empty() {
                    continue;
                }
                let list = a.phrases.entry(stems[0].clone()).or_default();
                if !list.iter().any(|(s, _)| s == &stems) {
                    list.push((stems, concept.clone()));
                }
            }
        }
        // Longest phrase first so that "soc 2 type ii" beats "soc 2".
        for list in a.phrases.values_mut() {
            list.sort_by_key(|x| std::cmp::Reverse(x.0.len()));
        }
        // Through the full analysis: an everyday word inside a synonym group ("currently",
        // "often") is that group's term, not an everyday word.
        let everyday: Vec<String> = EVERYDAY_WORDS
            .iter()
            .filter(|w| a.terms(w) == [a.stem(w)])
            .map(|w| a.stem(w))
            .collect();
        a.everyday = everyday.into_iter().collect();
        a
    }

    /// This analyzer, knowing the library's filler words.
    pub fn with_filler(mut self, filler: &[String]) -> Analyzer {
        // Through the full analysis, so a filler word that belongs to a synonym group
        // ("organizational") marks the group's concept.
        let terms: Vec<String> = filler.iter().flat_map(|f| self.terms(f)).collect();
        self.filler.extend(terms);
        self
    }

    /// The stems of the words that name a concept ("~access_review" → "access", "review"):
    /// a question that writes them apart ("review who has access") still says them.
    pub fn components(&self, term: &str) -> Vec<String> {
        let Some(name) = term.strip_prefix(CONCEPT_PREFIX) else {
            return Vec::new();
        };
        name.split('_')
            .filter(|w| !w.is_empty() && !self.stop.contains(w))
            .map(|w| self.stem(w))
            .collect()
    }

    /// True for the stem of a filler word ("establish", "document", "process").
    pub fn is_filler(&self, term: &str) -> bool {
        self.filler.contains(term)
    }

    /// True for an everyday English word as written ("through", "including").
    pub fn is_everyday_word(&self, word: &str) -> bool {
        EVERYDAY_WORDS.contains(&word)
    }

    /// True for the stem of an everyday English word ("least", "get", "through").
    pub fn is_everyday(&self, term: &str) -> bool {
        self.everyday.contains(term)
    }

    /// The stem of a word, from a per-thread cache: a question is analysed several times
    /// (typo reading, exclusions, purpose clause, compound sides) and a questionnaire repeats
    /// its words, so the snowball stemmer (a seventh of matching time) ran on the same words
    /// again and again. The cache belongs to one analyzer at a time (stems depend on its
    /// thesaurus) and stops growing at `STEM_CACHE` words.
    fn stem(&self, w: &str) -> String {
        const STEM_CACHE: usize = 50_000;
        thread_local! {
            static CACHE: std::cell::RefCell<(u64, HashMap<String, String>)> =
                std::cell::RefCell::new((u64::MAX, HashMap::default()));
        }
        CACHE.with(|c| {
            let mut c = c.borrow_mut();
            if c.0 != self.id {
                c.0 = self.id;
                c.1.clear();
            }
            if let Some(s) = c.1.get(w) {
                return s.clone();
            }
            let s = self.stem_uncached(w);
            if c.1.len() < STEM_CACHE {
                c.1.insert(w.to_string(), s.clone());
            }
            s
        })
    }

    fn stem_uncached(&self, w: &str) -> String {
        // Short tokens and tokens with digits are identifiers (ids, versions, acronyms):
        // stemming `aes` to `ae` or `soc2s` helps nobody.
        if let Some((_, term)) = KEEP_WHOLE.iter().find(|(word, _)| *word == w) {
            return term.to_string();
        }
        if w.len() <= 3 || w.bytes().any(|b| b.is_ascii_digit()) || self.unstemmed.contains(w) {
            return w.to_string();
        }
        self.stemmer.stem(w).into_owned()
    }

    /// The longest synonym phrase starting at `i` that ends at or before `end`, as
    /// (length, concept).
    fn longest_match(&self, stems: &[String], i: usize, end: usize) -> Option<(usize, &str)> {
        let list = self.phrases.get(stems.get(i)?)?;
        list.iter()
            .find(|(p, _)| i + p.len() <= end && stems.get(i..i + p.len()) == Some(p.as_slice()))
            .map(|(p, c)| (p.len(), c.as_str()))
    }

    /// The terms of a text, in order, with repeats.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let ws = words(text);
        let stems: Vec<String> = ws.iter().map(|w| self.stem(w)).collect();
        let mut out = Vec::with_capacity(stems.len());
        let mut i = 0;
        while i < stems.len() {
            if let Some((len, concept)) = self.longest_match(&stems, i, stems.len()) {
                out.push(concept.to_string());
                // A longer phrase also means what its parts mean: "business continuity
                // plan" is about "business continuity" too.
                if len > 1 {
                    for j in i..i + len {
                        // strictly shorter than the whole phrase
                        let end = if j == i { i + len - 1 } else { i + len };
                        if let Some((_, inner)) = self.longest_match(&stems, j, end) {
                            if inner != concept && !out.iter().any(|o| o == inner) {
                                out.push(inner.to_string());
                            }
                        }
                    }
                }
                i += len;
                continue;
            }
            if !self.stop.contains(ws[i].as_str()) {
                out.push(stems[i].clone());
            }
            i += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Vec<SynonymGroup> {
        let g = |t: &[&str]| SynonymGroup {
            terms: t.iter().map(|s| s.to_string()).collect(),
            plain: false,
        };
        vec![
            g(&[
                "multi-factor authentication",
                "mfa",
                "2fa",
                "two factor authentication",
            ]),
            g(&["soc 2", "soc ii", "soc2"]),
            g(&["type ii", "type 2"]),
            g(&["type i", "type 1"]),
        ]
    }

    #[test]
    fn words_split_on_punctuation() {
        assert_eq!(
            words("Is MFA enforced: \"yes/no\" -- see 2.1(b)"),
            ["is", "mfa", "enforced", "yes", "no", "see", "2", "1", "b"]
        );
        assert_eq!(words("the vendor's policy"), ["the", "vendor", "policy"]);
        assert_eq!(words("don't"), ["dont"]);
    }

    #[test]
    fn synonyms_become_one_concept() {
        let a = Analyzer::new(&groups());
        assert_eq!(
            a.terms("Do you require 2FA?"),
            a.terms("Do you require multi-factor authentication?")
        );
        assert_eq!(
            a.terms("SOC II Type 2 report"),
            a.terms("soc 2 type ii reports")
        );
        assert_ne!(a.terms("SOC 2 Type I"), a.terms("SOC 2 Type II"));
    }

    #[test]
    fn negations_survive_and_stop_words_go() {
        let a = Analyzer::new(&[]);
        let t = a.terms("Is the data not encrypted?");
        assert!(t.contains(&"not".to_string()));
        assert!(!t.contains(&"the".to_string()));
        assert!(t.contains(&"encrypt".to_string()));
    }

    #[test]
    fn longer_phrases_also_carry_their_parts() {
        let g = |t: &[&str]| SynonymGroup {
            terms: t.iter().map(|s| s.to_string()).collect(),
            plain: false,
        };
        let a = Analyzer::new(&[
            g(&["business continuity plan", "bcp"]),
            g(&["business continuity", "operational resilience"]),
        ]);
        let t = a.terms("Is the business continuity plan tested?");
        assert!(
            t.contains(&"~business_continuity_plan".to_string()),
            "{t:?}"
        );
        assert!(t.contains(&"~business_continuity".to_string()), "{t:?}");
        assert_eq!(a.terms("operational resilience"), ["~business_continuity"]);
    }

    #[test]
    fn identifiers_are_not_stemmed() {
        let a = Analyzer::new(&[]);
        assert_eq!(a.terms("AES-256"), ["aes", "256"]);
    }

    #[test]
    fn filler_words_are_known_by_stem_and_concept() {
        let g = |t: &[&str]| SynonymGroup {
            terms: t.iter().map(|x| x.to_string()).collect(),
            plain: false,
        };
        let a = Analyzer::new(&[g(&["organization", "organisational"])])
            .with_filler(&["established".into(), "organisational".into()]);
        assert!(a.is_filler("establish"));
        assert!(a.is_filler("~organization"));
        assert!(!a.is_filler("encrypt"));
    }

    #[test]
    fn spans_are_byte_ranges_of_words() {
        let t = "Café — the vendor's";
        let got: Vec<&str> = spans(t, |c| c.is_ascii_alphanumeric() || c == '\'')
            .into_iter()
            .map(|(s, e)| &t[s..e])
            .collect();
        assert_eq!(got, ["Caf", "the", "vendor's"]);
        assert!(spans("", char::is_alphanumeric).is_empty());
    }

    #[test]
    fn plain_groups_read_as_their_first_word() {
        let g = SynonymGroup {
            terms: vec!["customer".into(), "client".into()],
            plain: true,
        };
        let a = Analyzer::new(&[g]);
        assert_eq!(a.terms("client data"), ["custom", "data"]);
        assert_eq!(a.terms("customer data"), ["custom", "data"]);
    }

    #[test]
    fn words_that_stem_like_another_are_kept_apart() {
        let a = Analyzer::new(&[]);
        assert_ne!(a.terms("product"), a.terms("production"));
        assert_eq!(a.terms("product"), a.terms("products"));
        assert_ne!(a.terms("available"), a.terms("availability"));
    }

    #[test]
    fn concepts_have_their_words_as_components() {
        let a = Analyzer::new(&[SynonymGroup {
            terms: vec!["access review".into(), "user access recertification".into()],
            plain: false,
        }]);
        let t = a.terms("user access recertification");
        assert_eq!(t, ["~access_review"]);
        assert_eq!(a.components(&t[0]), ["access", "review"]);
        assert_eq!(a.terms("review who has access"), ["review", "access"]);
        assert!(a.components("access").is_empty());
    }

    #[test]
    fn question_kinds() {
        assert_eq!(question_kind("Where can we see status?"), Some("where"));
        assert_eq!(
            question_kind("1.2 How often are backups taken?"),
            Some("how often")
        );
        assert_eq!(question_kind("How are changes approved?"), None);
        assert_eq!(question_kind("Please, who performs the test?"), Some("who"));
        assert_eq!(question_kind("Do you have a SOC 2?"), None);
        assert_eq!(question_kind("What is your RTO?"), None);
    }

    #[test]
    fn everyday_words_are_known_by_stem() {
        let a = Analyzer::new(&[]);
        assert!(a.is_everyday("least"));
        assert!(a.is_everyday("includ"));
        assert!(!a.is_everyday("encrypt"));
        // An everyday word in a thesaurus group is that group's term: "how often" asks for a
        // frequency, which is no everyday word.
        let a = Analyzer::new(&[SynonymGroup {
            terms: vec!["frequency".into(), "often".into()],
            plain: true,
        }]);
        assert_eq!(a.terms("often"), a.terms("frequency"));
        assert!(!a.is_everyday(&a.terms("often")[0]));
    }

    #[test]
    fn adverbs_in_the_thesaurus_are_not_their_nouns() {
        let g = |t: &[&str]| SynonymGroup {
            terms: t.iter().map(|x| x.to_string()).collect(),
            plain: false,
        };
        let a = Analyzer::new(&[g(&["monthly", "every month"])]);
        assert_eq!(a.terms("scanned monthly"), ["scan", "~monthly"]);
        assert_eq!(a.terms("scanned every month"), ["scan", "~monthly"]);
        assert_eq!(
            a.terms("kept for twelve months"),
            ["kept", "twelv", "month"]
        );
    }

    #[test]
    fn first_words_cut_at_a_word_end() {
        assert_eq!(
            first_words("Do you encrypt data?", 3),
            Some("Do you encrypt")
        );
        assert_eq!(first_words("Do you encrypt data?", 4), None);
        assert_eq!(first_words("Do you encrypt data", 4), None);
        assert_eq!(first_words("Café, naïve — déjà vu", 2), Some("Café, naïve"));
        assert_eq!(first_words("", 0), None);
        assert_eq!(word_count("AES-256, at rest."), 4);
        assert_eq!(word_count(&"word ".repeat(2000)), 2000);
    }

    #[test]
    fn british_spellings_become_american() {
        assert_eq!(
            words("Organisation's programme authorised"),
            ["organization", "program", "authorized"]
        );
        assert_eq!(words("sanitised behaviour"), ["sanitized", "behavior"]);
        assert_eq!(
            words("enterprise exercise premises"),
            ["enterprise", "exercise", "premises"]
        );
    }
}
