//! PostgreSQL's `csvlog`: one record per CSV row, its columns borrowed from
//! the line (a column with doubled quotes is unescaped into a copy). A
//! quoted column may hold commas, quotes and newlines, so a statement
//! spanning lines arrives whole only when the source joins the row's lines
//! (multi-line mode); its first physical line alone is an unterminated
//! quote, reported as such.

use std::borrow::Cow;

/// The columns of PostgreSQL 15's csvlog, in order (13 and earlier write
/// fewer: 23 up to 12, 24 in 13).
pub const COLUMNS: [&str; 26] = [
    "log_time",
    "user_name",
    "database_name",
    "process_id",
    "connection_from",
    "session_id",
    "session_line_num",
    "command_tag",
    "session_start_time",
    "virtual_transaction_id",
    "transaction_id",
    "error_severity",
    "sql_state_code",
    "message",
    "detail",
    "hint",
    "internal_query",
    "internal_query_pos",
    "context",
    "query",
    "query_pos",
    "location",
    "application_name",
    "backend_type",
    "leader_pid",
    "query_id",
];

/// Splits one CSV row into its columns.
pub fn split(line: &str) -> Result<Vec<Cow<'_, str>>, String> {
    let mut columns = Vec::with_capacity(COLUMNS.len());
    let mut rest = line;
    loop {
        if columns.len() == COLUMNS.len() {
            return Err(format!(
                "more than {} columns: not a csvlog row",
                COLUMNS.len()
            ));
        }
        if let Some(body) = rest.strip_prefix('"') {
            let (value, after) = quoted(body).ok_or_else(|| {
                format!(
                    "unterminated quote in column {} ({}): a csvlog row split across lines",
                    columns.len() + 1,
                    COLUMNS[columns.len()]
                )
            })?;
            columns.push(value);
            rest = after;
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            columns.push(Cow::Borrowed(&rest[..end]));
            rest = &rest[end..];
        }
        match rest.strip_prefix(',') {
            Some(after) => rest = after,
            None if rest.is_empty() => return Ok(columns),
            None => return Err(format!("text after the quoted column {}", columns.len())),
        }
    }
}

/// The value of a quoted column (after its opening quote) and the text
/// after its closing quote.
fn quoted(body: &str) -> Option<(Cow<'_, str>, &str)> {
    let mut owned: Option<String> = None;
    let mut from = 0;
    loop {
        let quote = from + body[from..].find('"')?;
        if body[quote + 1..].starts_with('"') {
            owned
                .get_or_insert_with(String::new)
                .push_str(&body[from..=quote]);
            from = quote + 2;
            continue;
        }
        let value = match owned {
            Some(mut s) => {
                s.push_str(&body[from..quote]);
                Cow::Owned(s)
            }
            None => Cow::Borrowed(&body[..quote]),
        };
        return Some((value, &body[quote + 1..]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_and_bare_columns() {
        let cols = split(r#"a,"b,c",,"say ""hi""","",x"#).unwrap();
        assert_eq!(cols, ["a", "b,c", "", "say \"hi\"", "", "x"]);
        assert!(matches!(cols[1], Cow::Borrowed(_)));
        assert!(matches!(cols[3], Cow::Owned(_)));
        assert_eq!(split("").unwrap(), [""]);
        assert_eq!(split("a,").unwrap(), ["a", ""]);
        assert_eq!(split("\"multi\nline\",1").unwrap(), ["multi\nline", "1"]);
    }

    #[test]
    fn broken_rows() {
        assert!(
            split("\"open,1")
                .unwrap_err()
                .contains("unterminated quote in column 1 (log_time)")
        );
        assert!(split("\"a\"b,1").unwrap_err().contains("text after"));
        assert!(split(&",".repeat(30)).unwrap_err().contains("more than 26"));
        assert!(split("\"\"\"").is_err());
    }
}
