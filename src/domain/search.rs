//! Full-text search, one small dialect per backend behind one interface.
//!
//! Semantics on every backend: the words of the query (letters and digits; everything else
//! separates words), case-insensitive, each matched as a prefix, all required. Ranking: higher
//! is better — PostgreSQL `ts_rank`, SQLite `-bm25`, MariaDB/MySQL `MATCH … AGAINST` relevance.
//! MariaDB/MySQL index no words shorter than 3 characters (`innodb_ft_min_token_size`) and
//! skip InnoDB's stopwords, so such words are left out of the query there.

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::DbBackend;

use crate::error::{AppError, AppResult};

/// A validated search: 1–16 lower-cased words, all required (a search) or any (similarity).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchTerms {
    words: Vec<String>,
    any: bool,
}

impl SearchTerms {
    pub const MAX_LEN: usize = 256;
    pub const MAX_WORDS: usize = 16;

    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        if raw.chars().count() > Self::MAX_LEN {
            return Err(AppError::bad_input(
                field,
                format!("search has at most {} characters", Self::MAX_LEN),
            ));
        }
        let words: Vec<String> = raw
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        if words.is_empty() {
            return Err(AppError::bad_input(field, "search needs at least one word"));
        }
        if words.len() > Self::MAX_WORDS {
            return Err(AppError::bad_input(
                field,
                format!("search has at most {} words", Self::MAX_WORDS),
            ));
        }
        Ok(Self { words, any: false })
    }

    /// Text similar to `text`: any of its words (at most 16), `None` when it has none.
    pub fn similar_to(text: &str) -> Option<Self> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .take(Self::MAX_WORDS)
            .collect();
        (!words.is_empty()).then_some(Self { words, any: true })
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The query text in `backend`'s syntax; `None` when no word is searchable there.
    fn query(&self, backend: DbBackend) -> Option<String> {
        // Words hold letters and digits only, so none of these syntaxes can be escaped from.
        let words = self.words.iter();
        let (and, plus, sqlite_and) = if self.any {
            (" | ", "", " OR ")
        } else {
            (" & ", "+", " AND ")
        };
        let text = match backend {
            DbBackend::Postgres => words.map(|w| format!("{w}:*")).collect::<Vec<_>>().join(and),
            DbBackend::MySql => words
                .filter(|w| w.chars().count() >= 3)
                .map(|w| format!("{plus}{w}*"))
                .collect::<Vec<_>>()
                .join(" "),
            _ => words
                .map(|w| format!("\"{w}\"*"))
                .collect::<Vec<_>>()
                .join(sqlite_and),
        };
        (!text.is_empty()).then_some(text)
    }

    /// The condition "the interest matches".
    pub fn matches(&self, backend: DbBackend) -> SimpleExpr {
        let Some(query) = self.query(backend) else {
            return Expr::cust("1 = 0");
        };
        match backend {
            DbBackend::Postgres => Expr::cust_with_values(
                r#""interest"."search_vector" @@ to_tsquery('simple', $1)"#,
                [query],
            ),
            DbBackend::MySql => Expr::cust_with_values(
                "MATCH (`interest`.`search_text`) AGAINST (? IN BOOLEAN MODE)",
                [query],
            ),
            _ => Expr::cust_with_values(
                r#""interest"."id" IN (SELECT interest_id FROM interest_search_key WHERE search_key IN (SELECT rowid FROM interest_fts WHERE interest_fts MATCH ?))"#,
                [query],
            ),
        }
    }

    /// How well the interest matches; higher is better, 0 when it does not match.
    pub fn score(&self, backend: DbBackend) -> SimpleExpr {
        let Some(query) = self.query(backend) else {
            return Expr::cust("0.0");
        };
        match backend {
            DbBackend::Postgres => Expr::cust_with_values(
                r#"ts_rank("interest"."search_vector", to_tsquery('simple', $1))::float8"#,
                [query],
            ),
            DbBackend::MySql => Expr::cust_with_values(
                "MATCH (`interest`.`search_text`) AGAINST (? IN BOOLEAN MODE)",
                [query],
            ),
            _ => Expr::cust_with_values(
                r#"coalesce((SELECT -bm25(interest_fts) FROM interest_fts WHERE interest_fts MATCH ? AND interest_fts.rowid = (SELECT search_key FROM interest_search_key WHERE interest_id = "interest"."id")), 0.0)"#,
                [query],
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_split_lowered_and_bounded() {
        let t = SearchTerms::parse("s", "Rust-lang, SYSTEMS!").unwrap();
        assert_eq!(t.words(), ["rust", "lang", "systems"]);
        assert!(SearchTerms::parse("s", " !! ").is_err());
        assert!(SearchTerms::parse("s", &"a ".repeat(17)).is_err());
        assert!(SearchTerms::parse("s", &"x".repeat(257)).is_err());
    }

    #[test]
    fn each_backend_gets_its_own_syntax() {
        let t = SearchTerms::parse("s", "go rust").unwrap();
        assert_eq!(t.query(DbBackend::Postgres).unwrap(), "go:* & rust:*");
        assert_eq!(t.query(DbBackend::Sqlite).unwrap(), "\"go\"* AND \"rust\"*");
        assert_eq!(
            t.query(DbBackend::MySql).unwrap(),
            "+rust*",
            "short words are not indexed there"
        );
        assert_eq!(
            SearchTerms::parse("s", "go").unwrap().query(DbBackend::MySql),
            None
        );
    }
}
