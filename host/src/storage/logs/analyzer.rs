//! How lines are tokenized for the index, and how a literal line filter
//! (`|= "auth failed"`) becomes an index query that finds a superset of the
//! lines containing it — never fewer.
//!
//! Lines are split into alphanumeric runs and lowercased. A literal's token
//! with a separator on both sides inside the literal must be a whole token
//! of a matching line (a term query); one at the literal's edge may be the
//! end or the start of a longer token (a regular expression over the term
//! dictionary). Tokens of [`MAX_TOKEN_BYTES`] or more are indexed as one
//! marker term, so a literal inside such a token is still found: edge
//! tokens also match lines that have the marker. The caller checks the
//! real substring on every candidate.

use tantivy::Term;
use tantivy::query::{BooleanQuery, Occur, Query, RegexQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{
    LowerCaser, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Name of the analyzer of the `line` field.
pub const LINE_ANALYZER: &str = "line";

/// Tokens this long or longer are indexed as [`LONG_TOKEN`].
pub const MAX_TOKEN_BYTES: usize = 64;

/// The term standing for any long token (no alphanumeric run can equal it).
pub const LONG_TOKEN: &str = "\u{1}long";

/// The analyzer of the `line` field.
pub fn line_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LongTokenMarker)
        .filter(LowerCaser)
        .build()
}

/// The index query for lines containing `literal`, or `None` when the
/// literal has no token to look up (e.g. `"--"`).
///
/// Whole tokens are term lookups and a trailing edge token is a prefix
/// walk of the term dictionary, both cheap; a leading edge token (`.*x`)
/// must visit every term, which on a big index costs more than it saves.
/// Since the query only has to find a superset, such clauses are left out
/// when a cheap one narrows the search already.
pub fn literal_query(field: Field, literal: &str) -> Option<Box<dyn Query>> {
    let mut analyzer = line_analyzer();
    let mut stream = analyzer.token_stream(literal);
    let mut cheap: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut scans: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    while stream.advance() {
        let t = stream.token();
        let at_start = t.offset_from == 0;
        let at_end = t.offset_to == literal.len();
        let term = |text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::Basic,
            ))
        };
        if t.text == LONG_TOKEN || (!at_start && !at_end) {
            cheap.push((Occur::Must, term(&t.text)));
            continue;
        }
        let escaped = regex::escape(&t.text);
        let pattern = match (at_start, at_end) {
            (true, true) => format!(".*{escaped}.*"),
            (true, false) => format!(".*{escaped}"),
            _ => format!("{escaped}.*"),
        };
        let Ok(regex) = RegexQuery::from_pattern(&pattern, field) else {
            return None;
        };
        let either: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Should, Box::new(regex)),
            (Occur::Should, term(LONG_TOKEN)),
        ];
        let clause = (
            Occur::Must,
            Box::new(BooleanQuery::new(either)) as Box<dyn Query>,
        );
        if at_start {
            scans.push(clause);
        } else {
            cheap.push(clause);
        }
    }
    let clauses = if cheap.is_empty() { scans } else { cheap };
    (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
}

/// Replaces tokens of [`MAX_TOKEN_BYTES`] or more with [`LONG_TOKEN`].
#[derive(Clone)]
struct LongTokenMarker;

impl TokenFilter for LongTokenMarker {
    type Tokenizer<T: Tokenizer> = LongTokenMarkerWrapper<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> LongTokenMarkerWrapper<T> {
        LongTokenMarkerWrapper(tokenizer)
    }
}

#[derive(Clone)]
struct LongTokenMarkerWrapper<T>(T);

impl<T: Tokenizer> Tokenizer for LongTokenMarkerWrapper<T> {
    type TokenStream<'a> = LongTokenMarkerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        LongTokenMarkerStream(self.0.token_stream(text))
    }
}

struct LongTokenMarkerStream<T>(T);

impl<T: TokenStream> TokenStream for LongTokenMarkerStream<T> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        let token = self.0.token_mut();
        if token.text.len() >= MAX_TOKEN_BYTES {
            token.text.clear();
            token.text.push_str(LONG_TOKEN);
        }
        true
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        let mut a = line_analyzer();
        let mut s = a.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            out.push(s.token().text.clone());
        }
        out
    }

    #[test]
    fn lines_are_lowercased_alphanumeric_runs_with_long_ones_marked() {
        let long = "a".repeat(MAX_TOKEN_BYTES);
        assert_eq!(
            tokens(&format!("Auth FAILED: user=<Bob> {long} ok")),
            vec!["auth", "failed", "user", "bob", LONG_TOKEN, "ok"]
        );
    }
}
