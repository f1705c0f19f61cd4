//! Reading the question: which of its words ask for something.
//!
//! A questionnaire row is written for a person, not for a term matcher. It may run to a
//! paragraph, call the respondent "the vendor", misspell a word the library knows, explain why
//! a control exists ("... to reduce the risk of fraud") or name what it is *not* asking about
//! ("other than your workforce"). Each of those would otherwise pull the ranking toward the
//! wrong entries, so they are read here, once per question and before anything is retrieved:
//! text in, text (or terms) out. Of the library this stage knows only its words (to tell a
//! typo or an unknown acronym from a known word), never any candidate.

use super::Matcher;
use crate::text::Analyzer;

/// Longest question, in words, that is matched whole. A longer "question" is a paragraph (the
/// documented limit is 10,000 characters, some 1,500 words): only its first
/// `MAX_MATCHED_WORDS` words are analysed, which keeps the work per row bounded (compound and
/// clause detection look at every conjunction against the whole text), and the filler sends
/// such a row to review with a note. The longest question of the labelled sets has 114 words.
pub const MAX_MATCHED_WORDS: usize = 150;

/// The part of a question that is matched: all of it, or its first `MAX_MATCHED_WORDS`
/// words, with true when it was cut.
pub fn matched_text(text: &str) -> (&str, bool) {
    match crate::text::first_words(text, MAX_MATCHED_WORDS) {
        Some(head) => (head, true),
        None => (text, false),
    }
}

/// A phrasing's words, lower-cased, in order: the key of an exact match ("Are policies
/// established, documented?" and "are policies established documented" are one).
pub fn phrase_key(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What questionnaires call the party that answers them.
const RESPONDENT: &[&str] = &[
    "vendor",
    "supplier",
    "service provider",
    "bidder",
    "respondent",
];

/// "Does the vendor hold ISO 27701?" asks "Do you hold ISO 27701?": the vendor (supplier,
/// bidder) that a question names as its subject is the one answering, not a third party, and
/// must not match entries about managing vendors. "The vendor's" becomes "your".
pub fn respondent_as_you(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    // Words with their byte offsets (letters, digits and apostrophes).
    let words: Vec<(usize, &str)> =
        crate::text::spans(&lower, |c| c.is_ascii_alphanumeric() || c == '\'')
            .into_iter()
            .map(|(s, e)| (s, &lower[s..e]))
            .collect();
    // Byte spans to replace, with their replacement.
    let mut spans: Vec<(usize, usize, &str)> = Vec::new();
    for (i, (_, w)) in words.iter().enumerate() {
        if !matches!(*w, "the" | "your") {
            continue;
        }
        for r in RESPONDENT {
            let parts: Vec<&str> = r.split(' ').collect();
            let n = parts.len();
            let Some(last) = words.get(i + n) else {
                continue;
            };
            let names = words.get(i + 1..=i + n).is_some_and(|ws| {
                ws.iter()
                    .zip(&parts)
                    .all(|((_, a), b)| a.trim_end_matches("'s") == *b)
            });
            if !names {
                continue;
            }
            let subject = i > 0
                && words
                    .get(i - 1)
                    .is_some_and(|(_, v)| crate::text::AUXILIARIES.contains(v));
            let possessive = last.1.ends_with("'s");
            if subject || possessive {
                let start = words[i].0;
                let end = last.0 + last.1.len();
                spans.push((start, end, if possessive { "your" } else { "you" }));
            }
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, with) in spans {
        if start < at || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(with);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// Phrases after which a question names what it is *not* asking about.
const SET_ASIDE: &[&str] = &[
    "other than",
    "not just",
    "not only",
    "except for",
    "except",
    "excluding",
    "besides",
    "apart from",
    "aside from",
    "in addition to",
];

/// Split a question into what it asks and what it sets aside: "Other than your workforce,
/// can customers use MFA?" asks about customers and MFA and sets "your workforce" aside. The
/// set-aside part runs to the next punctuation or conjunction, at most six words.
pub fn split_exclusions(text: &str) -> (String, String) {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut asked = String::new();
    let mut aside = String::new();
    let mut i = 0;
    'scan: while i < lower.len() {
        let at_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if at_word {
            for m in SET_ASIDE {
                let end = i + m.len();
                if lower[i..].starts_with(m)
                    && bytes.get(end).is_none_or(|b| !b.is_ascii_alphanumeric())
                {
                    // The set-aside phrase: up to punctuation, a conjunction or six words.
                    let rest = &text[end..];
                    let mut stop = rest.len();
                    for (k, ch) in rest.char_indices() {
                        if matches!(ch, ',' | '?' | '.' | ';' | ':' | '(' | ')' | '\n') {
                            stop = k;
                            break;
                        }
                    }
                    let words: Vec<&str> = rest[..stop].split_whitespace().collect();
                    let cut = words
                        .iter()
                        .position(|w| {
                            matches!(w.to_ascii_lowercase().as_str(), "and" | "or" | "but")
                        })
                        .unwrap_or(words.len())
                        .min(6);
                    aside.push_str(&words[..cut].join(" "));
                    aside.push(' ');
                    asked.push(' ');
                    asked.push_str(&words[cut..].join(" "));
                    asked.push(' ');
                    i = end + stop;
                    continue 'scan;
                }
            }
        }
        let ch_len = text[i..].chars().next().map_or(1, |c| c.len_utf8());
        asked.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    (asked, aside.trim().to_string())
}

/// Frequencies, most frequent first: "at least monthly" is met by any up to "monthly".
pub(super) const FREQUENCIES: &[&str] = &[
    "continuously",
    "hourly",
    "daily",
    "weekly",
    "monthly",
    "quarterly",
    "semi-annually",
    "annually",
];

impl Matcher<'_> {
    /// The frequency a question sets as a bar ("at least monthly"), with its rank in
    /// `frequencies`.
    pub(super) fn at_least<'q>(&self, q: &'q [String]) -> Option<(&'q str, usize)> {
        if !q.iter().any(|t| t == "least") {
            return None;
        }
        let mut found = q.iter().filter_map(|t| {
            self.lib
                .frequencies
                .iter()
                .position(|f| f == t)
                .map(|r| (t.as_str(), r))
        });
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }
}

/// Shortest question word that may be read as a misspelling of a library word: shorter words
/// have too many real neighbours ("format", "formal").
pub(super) const MIN_TYPO_LEN: usize = 8;

impl Matcher<'_> {
    /// The text with misspelt words read as the library word they almost are: "penetraton"
    /// as "penetration", "vulnerabilites" as "vulnerabilities". Only words of at least
    /// `MIN_TYPO_LEN` letters that the library does not know in any form are read again, and
    /// only when one library word is within one edit and starts alike.
    pub fn correct_typos(&self, text: &str) -> String {
        let a = &self.si.analyzer;
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (s, e) in crate::text::spans(text, |c| c.is_ascii_alphabetic()) {
            out.push_str(&text[at..s]);
            let word = &text[s..e];
            match self.correct_word(word, a) {
                Some(c) => out.push_str(&c),
                None => out.push_str(word),
            }
            at = e;
        }
        out.push_str(&text[at..]);
        out
    }

    fn correct_word(&self, w: &str, a: &Analyzer) -> Option<String> {
        if w.len() < MIN_TYPO_LEN || w.bytes().all(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let lower = w.to_ascii_lowercase();
        let first = lower.chars().next()?;
        let vocabulary = self.lib.vocabulary.get(&first)?;
        let terms = a.terms(&lower);
        if vocabulary.binary_search(&lower).is_ok() || terms.is_empty() {
            return None;
        }
        let known = terms
            .iter()
            .any(|t| t.starts_with(crate::text::CONCEPT_PREFIX) || self.lib.idf.contains_key(t));
        if known || a.is_everyday_word(&lower) {
            return None;
        }
        // One edit: a second would read real words as others ("rectification" as
        // "recertification"), and without a dictionary a real word cannot be told from a typo.
        let max = 1;
        let mut best: Option<(usize, &String)> = None;
        let mut tie = false;
        for cand in vocabulary {
            if cand.len().abs_diff(lower.len()) > max {
                continue;
            }
            let Some(d) = edit_distance(&lower, cand, max) else {
                continue;
            };
            match best {
                Some((bd, b)) if d == bd && a.terms(b) != a.terms(cand) => tie = true,
                Some((bd, _)) if d >= bd => {}
                _ => {
                    best = Some((d, cand));
                    tie = false;
                }
            }
        }
        match best {
            Some((_, b)) if !tie => Some(b.clone()),
            _ => None,
        }
    }

    /// Acronyms in a question ("HITRUST", "TISAX", "FERPA") that the library never uses,
    /// neither alone nor inside a synonym phrase: the question is about something the library
    /// does not know, whatever else it shares with an entry.
    pub fn unknown_acronyms(&self, text: &str, q_terms: &[String]) -> Vec<String> {
        let a = &self.si.analyzer;
        let mut out = Vec::new();
        for w in crate::text::spans(text, char::is_alphanumeric)
            .into_iter()
            .map(|(s, e)| &text[s..e])
        {
            let letters = w.chars().filter(|c| c.is_ascii_alphabetic()).count();
            let acronym = letters >= 2
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && w.chars().next().is_some_and(|c| c.is_ascii_uppercase());
            if !acronym {
                continue;
            }
            for t in a.terms(w) {
                let unknown = q_terms.contains(&t)
                    && !t.starts_with(crate::text::CONCEPT_PREFIX)
                    && !self.lib.idf.contains_key(&t)
                    && !a.is_filler(&t);
                if unknown && !out.contains(&t) {
                    out.push(t);
                }
            }
        }
        out
    }
}

/// Optimal-string-alignment distance (insertions, deletions, substitutions and swaps of
/// neighbours), or None when it exceeds `max`.
fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > max {
        return None;
    }
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[m] <= max).then_some(prev[m])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendor_as_subject_is_you() {
        assert_eq!(
            respondent_as_you("Does the vendor act as a data processor?"),
            "Does you act as a data processor?"
        );
        assert_eq!(
            respondent_as_you("How does the service provider respond to requests?"),
            "How does you respond to requests?"
        );
        assert_eq!(
            respondent_as_you("Describe the vendor's incident process."),
            "Describe your incident process."
        );
        // A vendor that is not the subject is a third party.
        let q = "Do you assess the vendor risk of your suppliers?";
        assert_eq!(respondent_as_you(q), q);
        assert_eq!(
            respondent_as_you("Is the vendorlist current?"),
            "Is the vendorlist current?"
        );
        assert_eq!(
            respondent_as_you("Café — does the vendor’s team, and does the supplier sign?"),
            "Café — does you’s team, and does you sign?"
        );
    }

    #[test]
    fn edit_distance_counts_typos() {
        assert_eq!(edit_distance("penetraton", "penetration", 2), Some(1));
        assert_eq!(
            edit_distance("vulnerabilites", "vulnerabilities", 2),
            Some(1)
        );
        assert_eq!(edit_distance("recieve", "receive", 1), Some(1));
        assert_eq!(edit_distance("parking", "marking", 1), Some(1));
        assert_eq!(edit_distance("parking", "backup", 2), None);
    }

    #[test]
    fn set_aside_phrases_are_split_off() {
        let (asked, aside) = split_exclusions("Other than your workforce, can customers use MFA?");
        assert_eq!(aside, "your workforce");
        assert!(asked.contains("customers use MFA"), "{asked}");
    }
}
