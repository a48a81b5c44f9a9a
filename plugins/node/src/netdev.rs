//! `/proc/net/dev`: the 16 per-interface counters, as
//! `node_network_<direction>_<stat>_total{device}` with node_exporter's
//! (non-detailed) names: `receive_errs`, `transmit_colls` and so on.

use crate::number;
use watchpost_sdk::MetricFamily;

/// The columns of `/proc/net/dev`, in kernel order, under node_exporter's names.
const STATS: [&str; 16] = [
    "receive_bytes",
    "receive_packets",
    "receive_errs",
    "receive_drop",
    "receive_fifo",
    "receive_frame",
    "receive_compressed",
    "receive_multicast",
    "transmit_bytes",
    "transmit_packets",
    "transmit_errs",
    "transmit_drop",
    "transmit_fifo",
    "transmit_colls",
    "transmit_carrier",
    "transmit_compressed",
];

/// Parses the two header lines and one `iface: 16 numbers` line per device.
pub fn parse(text: &str) -> Result<Vec<MetricFamily>, String> {
    let mut families: Vec<MetricFamily> = STATS
        .iter()
        .map(|stat| {
            MetricFamily::counter(
                format!("node_network_{stat}_total"),
                format!("Network device statistic {stat}."),
            )
        })
        .collect();
    for (i, line) in text.lines().enumerate().skip(2) {
        if line.trim().is_empty() {
            continue;
        }
        let (device, counters) = line
            .split_once(':')
            .ok_or_else(|| format!("net/dev line {}: missing ':' in {line:?}", i + 1))?;
        let device = device.trim();
        let counters: Vec<&str> = counters.split_whitespace().collect();
        if counters.len() != STATS.len() {
            return Err(format!(
                "net/dev line {}: expected {} counters for {device}, got {}",
                i + 1,
                STATS.len(),
                counters.len()
            ));
        }
        for (family, field) in families.iter_mut().zip(counters) {
            family.push(&[("device", device)], number(field, &family.name)?);
        }
    }
    Ok(families)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{find, value};

    const FIXTURE: &str = "\
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
  eth0:12345678  9000    1    2    3     4          5         6  7654321    8000    7    8    9    10      11         12
";

    #[test]
    fn every_counter_per_device() {
        let families = parse(FIXTURE).unwrap();
        assert_eq!(families.len(), 16);
        let rx = find(&families, "node_network_receive_bytes_total");
        assert_eq!(rx.help, "Network device statistic receive_bytes.");
        assert_eq!(value(rx, &[("device", "lo")]), 3193.0);
        assert_eq!(value(rx, &[("device", "eth0")]), 12345678.0);
        let colls = find(&families, "node_network_transmit_colls_total");
        assert_eq!(value(colls, &[("device", "eth0")]), 10.0);
        let compressed = find(&families, "node_network_transmit_compressed_total");
        assert_eq!(value(compressed, &[("device", "eth0")]), 12.0);
        let multicast = find(&families, "node_network_receive_multicast_total");
        assert_eq!(value(multicast, &[("device", "eth0")]), 6.0);
    }

    #[test]
    fn short_lines_are_errors() {
        let bad = "h1\nh2\n  eth0: 1 2 3\n";
        assert!(parse(bad).unwrap_err().contains("line 3"));
        assert!(parse("h1\nh2\nno colon here\n").is_err());
    }
}
