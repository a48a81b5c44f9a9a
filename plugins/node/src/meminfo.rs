//! `/proc/meminfo`: one `node_memory_*` gauge per line, named as node_exporter
//! names them (`Active(anon)` becomes `node_memory_Active_anon_bytes`; values
//! without a `kB` unit, such as `HugePages_Total`, get no `_bytes` suffix).

use crate::number;
use watchpost_sdk::MetricFamily;

/// Parses every `Key: value [kB]` line.
pub fn parse(text: &str) -> Result<Vec<MetricFamily>, String> {
    let mut families = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        let (key, value, unit) = match parts.as_slice() {
            [key, value] => (*key, *value, None),
            [key, value, unit] => (*key, *value, Some(*unit)),
            _ => return Err(format!("meminfo line {}: unexpected {line:?}", i + 1)),
        };
        let key = key
            .strip_suffix(':')
            .ok_or_else(|| format!("meminfo line {}: missing ':' in {line:?}", i + 1))?;
        let mut value = number(value, key)?;
        let mut name = metric_key(key);
        if unit.is_some() {
            // The kernel writes "kB" but means KiB.
            value *= 1024.0;
            name.push_str("_bytes");
        }
        let help = format!("Memory information field {name}.");
        let full = format!("node_memory_{name}");
        let family = if name.ends_with("_total") {
            MetricFamily::counter(full, help)
        } else {
            MetricFamily::gauge(full, help)
        };
        families.push(family.sample(&[], value));
    }
    if families.is_empty() {
        return Err("meminfo is empty".into());
    }
    Ok(families)
}

/// `Active(anon)` -> `Active_anon`; anything else outside `[A-Za-z0-9_]`
/// becomes `_` so the name stays valid.
fn metric_key(key: &str) -> String {
    let key = match (key.find('('), key.rfind(')')) {
        (Some(open), Some(close)) if open < close => {
            format!(
                "{}_{}{}",
                &key[..open],
                &key[open + 1..close],
                &key[close + 1..]
            )
        }
        _ => key.to_string(),
    };
    key.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{find, value};
    use watchpost_sdk::MetricKind;

    const FIXTURE: &str = "\
MemTotal:       16384000 kB
MemAvailable:    8192000 kB
Active(anon):     102400 kB
Inactive(file):    51200 kB
HugePages_Total:       0
HugePages_Free:        4
Hugepagesize:       2048 kB
";

    #[test]
    fn names_units_and_help_follow_node_exporter() {
        let families = parse(FIXTURE).unwrap();
        assert_eq!(families.len(), 7);
        let avail = find(&families, "node_memory_MemAvailable_bytes");
        assert_eq!(value(avail, &[]), 8192000.0 * 1024.0);
        assert_eq!(avail.help, "Memory information field MemAvailable_bytes.");
        assert_eq!(avail.kind, MetricKind::Gauge);
        assert_eq!(
            value(find(&families, "node_memory_Active_anon_bytes"), &[]),
            104857600.0
        );
        find(&families, "node_memory_Inactive_file_bytes");
        let huge = find(&families, "node_memory_HugePages_Free");
        assert_eq!(value(huge, &[]), 4.0);
        assert_eq!(huge.help, "Memory information field HugePages_Free.");
        find(&families, "node_memory_HugePages_Total");
        find(&families, "node_memory_Hugepagesize_bytes");
    }

    #[test]
    fn bad_lines_name_their_line() {
        assert!(
            parse("MemTotal: 1 kB\nBroken 1 2 3\n")
                .unwrap_err()
                .contains("line 2")
        );
        assert!(parse("MemTotal 12 kB").unwrap_err().contains("':'"));
        assert!(parse("MemTotal: lots kB").is_err());
        assert!(parse("\n").is_err());
    }
}
