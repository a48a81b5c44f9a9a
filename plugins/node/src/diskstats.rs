//! `/proc/diskstats`: per block device I/O counters as `node_disk_*{device}`,
//! with node_exporter's names, units (bytes and seconds) and default device
//! filter (partitions, loop, ram and floppy devices are skipped).

use crate::number;
use watchpost_sdk::{MetricFamily, MetricKind};

/// How a raw column converts to node_exporter's unit.
#[derive(Clone, Copy)]
enum Scale {
    /// A plain count.
    One,
    /// 512-byte sectors (always 512, whatever the device's block size) to bytes.
    Sectors,
    /// Milliseconds to seconds (divided, not multiplied by 0.001, so that
    /// `9653880` ms is exactly `9653.88`).
    Millis,
}

use Scale::{Millis, One, Sectors};

impl Scale {
    fn apply(self, raw: f64) -> f64 {
        match self {
            Scale::One => raw,
            Scale::Sectors => raw * 512.0,
            Scale::Millis => raw / 1000.0,
        }
    }
}

/// One column after `major minor name`: metric name, help, kind, scale.
struct Stat {
    name: &'static str,
    help: &'static str,
    kind: MetricKind,
    scale: Scale,
}

const fn counter(name: &'static str, help: &'static str, scale: Scale) -> Stat {
    Stat {
        name,
        help,
        kind: MetricKind::Counter,
        scale,
    }
}

/// The columns in kernel order (11 before Linux 4.18, 15 before 5.5, then 17).
const STATS: [Stat; 17] = [
    counter(
        "node_disk_reads_completed_total",
        "The total number of reads completed successfully.",
        One,
    ),
    counter(
        "node_disk_reads_merged_total",
        "The total number of reads merged.",
        One,
    ),
    counter(
        "node_disk_read_bytes_total",
        "The total number of bytes read successfully.",
        Sectors,
    ),
    counter(
        "node_disk_read_time_seconds_total",
        "The total number of seconds spent by all reads.",
        Millis,
    ),
    counter(
        "node_disk_writes_completed_total",
        "The total number of writes completed successfully.",
        One,
    ),
    counter(
        "node_disk_writes_merged_total",
        "The number of writes merged.",
        One,
    ),
    counter(
        "node_disk_written_bytes_total",
        "The total number of bytes written successfully.",
        Sectors,
    ),
    counter(
        "node_disk_write_time_seconds_total",
        "This is the total number of seconds spent by all writes.",
        Millis,
    ),
    Stat {
        name: "node_disk_io_now",
        help: "The number of I/Os currently in progress.",
        kind: MetricKind::Gauge,
        scale: One,
    },
    counter(
        "node_disk_io_time_seconds_total",
        "Total seconds spent doing I/Os.",
        Millis,
    ),
    counter(
        "node_disk_io_time_weighted_seconds_total",
        "The weighted # of seconds spent doing I/Os.",
        Millis,
    ),
    counter(
        "node_disk_discards_completed_total",
        "The total number of discards completed successfully.",
        One,
    ),
    counter(
        "node_disk_discards_merged_total",
        "The total number of discards merged.",
        One,
    ),
    counter(
        "node_disk_discarded_sectors_total",
        "The total number of sectors discarded successfully.",
        One,
    ),
    counter(
        "node_disk_discard_time_seconds_total",
        "This is the total number of seconds spent by all discards.",
        Millis,
    ),
    counter(
        "node_disk_flush_requests_total",
        "The total number of flush requests completed successfully",
        One,
    ),
    counter(
        "node_disk_flush_requests_time_seconds_total",
        "This is the total number of seconds spent by all flush requests.",
        Millis,
    ),
];

/// Parses every `major minor name counters...` line.
pub fn parse(text: &str) -> Result<Vec<MetricFamily>, String> {
    let mut families: Vec<MetricFamily> = STATS
        .iter()
        .map(|s| MetricFamily::new(s.name, s.help, s.kind))
        .collect();
    for (i, line) in text.lines().enumerate() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.is_empty() {
            continue;
        }
        if parts.len() < 7 {
            return Err(format!(
                "diskstats line {}: too few fields in {line:?}",
                i + 1
            ));
        }
        let device = parts[2];
        if ignored(device) {
            continue;
        }
        for ((family, stat), field) in families.iter_mut().zip(&STATS).zip(&parts[3..]) {
            family.push(
                &[("device", device)],
                stat.scale.apply(number(field, stat.name)?),
            );
        }
    }
    Ok(families)
}

/// node_exporter's default `--collector.diskstats.device-exclude`,
/// `^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$`, without a regex
/// engine: strip the trailing digits, then match the prefix.
pub fn ignored(device: &str) -> bool {
    let prefix = device.trim_end_matches(|c: char| c.is_ascii_digit());
    if prefix.len() == device.len() {
        return false;
    }
    if matches!(prefix, "ram" | "zram" | "loop" | "fd") {
        return true;
    }
    let bytes = prefix.as_bytes();
    let letter_disk = |head: &str| {
        prefix.len() == head.len() + 2
            && prefix.starts_with(head)
            && bytes[head.len()] == b'd'
            && bytes[head.len() + 1].is_ascii_lowercase()
    };
    if letter_disk("h") || letter_disk("s") || letter_disk("v") || letter_disk("xv") {
        return true;
    }
    // nvme<digits>n<digits>p
    let Some(rest) = prefix
        .strip_prefix("nvme")
        .and_then(|r| r.strip_suffix('p'))
    else {
        return false;
    };
    match rest.split_once('n') {
        Some((ctrl, ns)) => {
            !ctrl.is_empty()
                && !ns.is_empty()
                && ctrl.bytes().all(|b| b.is_ascii_digit())
                && ns.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{find, value};

    const FIXTURE: &str = "\
   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
   8       0 sda 25354637 34367663 1003346126 18492372 28444756 11134226 505697032 1158557768 0 9653880 82621804
   8       1 sda1 1 2 3 4 5 6 7 8 0 9 10
 259       0 nvme0n1 47114 4 4643973 21650 1347316 50000 39451633 1010896 2 222766 1032546 100 3 800 40 9000 3000
 259       1 nvme0n1p1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1
 253       0 dm-0 59910002 0 1003337218 46229572 67282720 0 505696880 1158557800 0 11325968 1206301256
";

    #[test]
    fn counters_with_node_exporter_units() {
        let families = parse(FIXTURE).unwrap();
        let devices: Vec<&str> = find(&families, "node_disk_reads_completed_total")
            .metrics
            .iter()
            .map(|m| m.labels[0].value.as_str())
            .collect();
        assert_eq!(devices, ["sda", "nvme0n1", "dm-0"]);
        let read = find(&families, "node_disk_read_bytes_total");
        assert_eq!(value(read, &[("device", "sda")]), 1003346126.0 * 512.0);
        let written = find(&families, "node_disk_written_bytes_total");
        assert_eq!(value(written, &[("device", "nvme0n1")]), 39451633.0 * 512.0);
        let io = find(&families, "node_disk_io_time_seconds_total");
        assert_eq!(value(io, &[("device", "sda")]), 9653.88);
        let now = find(&families, "node_disk_io_now");
        assert_eq!(now.kind, MetricKind::Gauge);
        assert_eq!(value(now, &[("device", "nvme0n1")]), 2.0);
        let writes = find(&families, "node_disk_writes_completed_total");
        assert_eq!(value(writes, &[("device", "dm-0")]), 67282720.0);
        // Only nvme0n1 has the discard and flush columns.
        let flush = find(&families, "node_disk_flush_requests_time_seconds_total");
        assert_eq!(flush.metrics.len(), 1);
        assert_eq!(value(flush, &[("device", "nvme0n1")]), 3.0);
    }

    #[test]
    fn default_device_filter() {
        for dev in [
            "loop0",
            "ram1",
            "zram0",
            "fd0",
            "sda1",
            "hdb2",
            "vda10",
            "xvda1",
            "nvme0n1p1",
        ] {
            assert!(ignored(dev), "{dev} should be ignored");
        }
        for dev in [
            "sda",
            "nvme0n1",
            "dm-0",
            "mmcblk0",
            "mmcblk0p1",
            "md0",
            "sr0",
            "sdaa1",
            "loop",
        ] {
            assert!(!ignored(dev), "{dev} should be kept");
        }
    }

    #[test]
    fn short_lines_are_errors() {
        assert!(parse("8 0 sda 1 2\n").unwrap_err().contains("line 1"));
        assert!(parse("8 0 sda 1 2 x 4\n").is_err());
    }
}
