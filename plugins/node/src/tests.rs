//! Test helpers shared by the collectors' unit tests, and tests of the
//! exporter as a whole over a fixture procfs directory.

use super::*;
use watchpost_sdk::testing::TestHost;
use watchpost_sdk::{MetricValue, labels};

/// The family called `name`; panics when missing.
pub fn find<'a>(families: &'a [MetricFamily], name: &str) -> &'a MetricFamily {
    families
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no family {name}"))
}

/// The value of the first series of `family` whose labels include `want`.
pub fn value(family: &MetricFamily, want: &[(&str, &str)]) -> f64 {
    let metric = family
        .metrics
        .iter()
        .find(|m| {
            want.iter()
                .all(|(n, v)| m.labels.iter().any(|l| l.name == *n && l.value == *v))
        })
        .unwrap_or_else(|| panic!("no series {want:?} in {}", family.name));
    match metric.value {
        MetricValue::Number(v) => v,
        ref other => panic!("{} is not a number: {other:?}", family.name),
    }
}

/// A fresh fixture procfs with `files` (relative path, content).
fn fixture_proc(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("watchpost-node-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (rel, content) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

fn target() -> Target {
    Target {
        address: "node".into(),
        labels: labels([]),
    }
}

#[test]
fn missing_files_skip_only_their_collector() {
    let proc = fixture_proc(
        "missing",
        &[
            ("loadavg", "1.00 2.00 3.00 1/2 3\n"),
            ("meminfo", "MemFree: 1 kB\n"),
        ],
    );
    TestHost::new().now_ms(1_700_000_000_500).install();
    let mut node = Node::new(Config {
        proc_path: proc.display().to_string(),
        collectors: None,
    })
    .unwrap();
    let families = node.collect(&target()).unwrap();
    assert_eq!(value(find(&families, "node_load15"), &[]), 3.0);
    assert_eq!(
        value(find(&families, "node_memory_MemFree_bytes"), &[]),
        1024.0
    );
    assert_eq!(
        value(find(&families, "node_time_seconds"), &[]),
        1_700_000_000.5
    );
    let success = find(&families, "node_scrape_collector_success");
    assert_eq!(value(success, &[("collector", "loadavg")]), 1.0);
    assert_eq!(value(success, &[("collector", "diskstats")]), 0.0);
    assert_eq!(value(success, &[("collector", "uname")]), 0.0);
    let logs = watchpost_sdk::testing::with_host(|h| h.logs.clone());
    assert!(
        logs.iter().any(|(l, m)| *l == Level::Warn
            && m.contains("collector cpu skipped")
            && m.contains("stat")),
        "{logs:?}"
    );
    assert!(
        families.iter().all(|f| !f.metrics.is_empty()),
        "no empty families"
    );
    let _ = std::fs::remove_dir_all(proc);
}

#[test]
fn collectors_restrict_what_runs() {
    let proc = fixture_proc(
        "restrict",
        &[
            ("loadavg", "1.00 2.00 3.00 1/2 3\n"),
            ("sys/kernel/ostype", "Linux\n"),
            ("sys/kernel/osrelease", "6.1.0\n"),
            ("sys/kernel/version", "#1 SMP\n"),
            ("sys/kernel/hostname", "box\n"),
            ("sys/kernel/domainname", "(none)\n"),
        ],
    );
    TestHost::new().install();
    let config: Config = serde_json::from_value(serde_json::json!({
        "proc_path": proc.display().to_string(),
        "collectors": ["uname", "loadavg"],
    }))
    .unwrap();
    let families = Node::new(config).unwrap().collect(&target()).unwrap();
    let names: Vec<&str> = families.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        // In the order the config lists them.
        [
            "node_uname_info",
            "node_load1",
            "node_load5",
            "node_load15",
            "node_scrape_collector_success"
        ]
    );
    let info = find(&families, "node_uname_info");
    assert_eq!(
        value(
            info,
            &[("nodename", "box"), ("machine", ""), ("release", "6.1.0")]
        ),
        1.0
    );
    let _ = std::fs::remove_dir_all(proc);
}

#[test]
fn config_defaults_and_validation() {
    let config: Config = serde_json::from_str("{}").unwrap();
    assert_eq!(config.proc_path, "/proc");
    assert!(config.collectors.is_none());
    let bad = Config {
        collectors: Some(vec!["zfs".into()]),
        ..Config::default()
    };
    let err = Node::new(bad).err().unwrap();
    assert!(err.message().contains("unknown collector \"zfs\""), "{err}");
    assert!(serde_json::from_str::<Config>(r#"{"procpath": "/x"}"#).is_err());
}

#[cfg(target_os = "linux")]
#[test]
fn reads_the_real_proc() {
    TestHost::new().install();
    let families = Node::new(Config::default())
        .unwrap()
        .collect(&target())
        .unwrap();
    let success = find(&families, "node_scrape_collector_success");
    for collector in ["cpu", "stat", "meminfo", "loadavg", "netdev", "time"] {
        assert_eq!(
            value(success, &[("collector", collector)]),
            1.0,
            "{collector}"
        );
    }
    find(&families, "node_memory_MemTotal_bytes");
}
