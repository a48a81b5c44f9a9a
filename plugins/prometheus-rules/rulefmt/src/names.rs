//! Prometheus' name rules (2.42, before UTF-8 names): metric names match
//! `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`.

/// A valid metric name (also what a recording rule may record).
pub fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// A valid label (or annotation) name.
pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_metric_name("job:http_requests:rate5m"));
        assert!(is_metric_name("_x"));
        assert!(!is_metric_name("0"));
        assert!(!is_metric_name("bad name"));
        assert!(!is_metric_name(""));
        assert!(is_label_name("severity"));
        assert!(!is_label_name("a:b"));
        assert!(!is_label_name("bad-label"));
        assert!(!is_label_name(""));
    }
}
