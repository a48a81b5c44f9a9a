//! `/proc/stat`: per-CPU time (`cpu` collector) and the kernel counters of the
//! `stat` collector (interrupts, context switches, forks, boot time, process
//! states).

use crate::number;
use watchpost_sdk::MetricFamily;

/// Clock ticks per second of `/proc/stat` (the kernel's `USER_HZ`, 100 on
/// every architecture Linux exposes to user space).
const USER_HZ: f64 = 100.0;

/// The first eight columns after the CPU name, in kernel order.
const MODES: [&str; 8] = [
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
];

/// `node_cpu_seconds_total{cpu,mode}` and `node_cpu_guest_seconds_total`,
/// per CPU (the aggregate `cpu` line is skipped, as node_exporter does).
pub fn parse_cpu(text: &str) -> Result<Vec<MetricFamily>, String> {
    let mut seconds = MetricFamily::counter(
        "node_cpu_seconds_total",
        "Seconds the CPUs spent in each mode.",
    );
    let mut guest = MetricFamily::counter(
        "node_cpu_guest_seconds_total",
        "Seconds the CPUs spent in guests (VMs) for each mode.",
    );
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        let Some(cpu) = parts.next().and_then(|n| n.strip_prefix("cpu")) else {
            continue;
        };
        if cpu.is_empty() {
            continue;
        }
        for (i, field) in parts.enumerate() {
            let value = number(field, "cpu time")? / USER_HZ;
            match i {
                0..=7 => seconds.push(&[("cpu", cpu), ("mode", MODES[i])], value),
                8 => guest.push(&[("cpu", cpu), ("mode", "user")], value),
                9 => guest.push(&[("cpu", cpu), ("mode", "nice")], value),
                _ => break,
            }
        }
    }
    if seconds.metrics.is_empty() {
        return Err("no per-cpu lines in stat".into());
    }
    Ok(vec![seconds, guest])
}

/// The `stat` collector's families.
pub fn parse_stat(text: &str) -> Result<Vec<MetricFamily>, String> {
    let mut families = Vec::new();
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        let (Some(key), Some(first)) = (parts.next(), parts.next()) else {
            continue;
        };
        let family = match key {
            "intr" => {
                MetricFamily::counter("node_intr_total", "Total number of interrupts serviced.")
            }
            "ctxt" => MetricFamily::counter(
                "node_context_switches_total",
                "Total number of context switches.",
            ),
            "processes" => MetricFamily::counter("node_forks_total", "Total number of forks."),
            "btime" => {
                MetricFamily::gauge("node_boot_time_seconds", "Node boot time, in unixtime.")
            }
            "procs_running" => MetricFamily::gauge(
                "node_procs_running",
                "Number of processes in runnable state.",
            ),
            "procs_blocked" => MetricFamily::gauge(
                "node_procs_blocked",
                "Number of processes blocked waiting for I/O to complete.",
            ),
            _ => continue,
        };
        families.push(family.sample(&[], number(first, key)?));
    }
    if families.is_empty() {
        return Err("no kernel counters in stat".into());
    }
    Ok(families)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{find, value};

    const FIXTURE: &str = "\
cpu  43728 0 6878 65160 325 0 46 50 0 0
cpu0 20799 1 3007 34166 67 2 8 20 5 3
cpu1 22929 0 3871 30994 258 0 38 30
intr 1043398 0 9 0 0
ctxt 2116463
btime 1718000000
processes 9779
procs_running 2
procs_blocked 1
softirq 514064 0 112839
";

    #[test]
    fn cpu_seconds_per_cpu_and_mode() {
        let families = parse_cpu(FIXTURE).unwrap();
        let cpu = find(&families, "node_cpu_seconds_total");
        assert_eq!(cpu.metrics.len(), 16, "8 modes for each of 2 cpus");
        assert_eq!(value(cpu, &[("cpu", "0"), ("mode", "user")]), 207.99);
        assert_eq!(value(cpu, &[("cpu", "0"), ("mode", "irq")]), 0.02);
        assert_eq!(value(cpu, &[("cpu", "1"), ("mode", "steal")]), 0.3);
        let guest = find(&families, "node_cpu_guest_seconds_total");
        assert_eq!(guest.metrics.len(), 2, "cpu1 has no guest columns");
        assert_eq!(value(guest, &[("cpu", "0"), ("mode", "nice")]), 0.03);
    }

    #[test]
    fn kernel_counters() {
        let families = parse_stat(FIXTURE).unwrap();
        let one = |name| value(find(&families, name), &[]);
        assert_eq!(one("node_intr_total"), 1043398.0);
        assert_eq!(one("node_context_switches_total"), 2116463.0);
        assert_eq!(one("node_boot_time_seconds"), 1718000000.0);
        assert_eq!(one("node_forks_total"), 9779.0);
        assert_eq!(one("node_procs_running"), 2.0);
        assert_eq!(one("node_procs_blocked"), 1.0);
    }

    #[test]
    fn malformed_is_an_error() {
        assert!(parse_cpu("cpu0 12 x 3").unwrap_err().contains("\"x\""));
        assert!(parse_cpu("").is_err());
        assert!(parse_stat("ctxt many").is_err());
    }
}
