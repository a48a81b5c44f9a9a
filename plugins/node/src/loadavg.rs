//! `/proc/loadavg`: `node_load1`, `node_load5` and `node_load15`.

use crate::number;
use watchpost_sdk::MetricFamily;

/// Parses `0.43 0.76 0.43 1/81 9772`.
pub fn parse(text: &str) -> Result<Vec<MetricFamily>, String> {
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    if fields.len() < 3 {
        return Err(format!("expected 3 load averages, got {:?}", text.trim()));
    }
    let names = [
        ("node_load1", "1m load average."),
        ("node_load5", "5m load average."),
        ("node_load15", "15m load average."),
    ];
    names
        .iter()
        .zip(fields)
        .map(|(&(name, help), field)| {
            Ok(MetricFamily::gauge(name, help).sample(&[], number(field, name)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{find, value};

    #[test]
    fn three_averages() {
        let families = parse("0.43 0.76 1.50 1/81 9772\n").unwrap();
        assert_eq!(value(find(&families, "node_load1"), &[]), 0.43);
        assert_eq!(value(find(&families, "node_load5"), &[]), 0.76);
        assert_eq!(value(find(&families, "node_load15"), &[]), 1.5);
    }

    #[test]
    fn short_or_bad_input() {
        assert!(parse("0.1 0.2").is_err());
        assert!(parse("a b c").unwrap_err().contains("node_load1"));
    }
}
