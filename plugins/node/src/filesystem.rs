//! `filesystem`: `node_filesystem_*{device,fstype,mountpoint}` for every
//! mount in `<proc>/1/mounts` (falling back to `<proc>/mounts`), with
//! node_exporter's default exclusions. Sizes come from the host's `fs-stats`
//! interface (`statvfs`), which needs the `fs_stats = true` capability.

use watchpost_sdk::MetricFamily;
use watchpost_sdk::fs::FsUsage;

/// One line of a mounts file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Device (first field).
    pub device: String,
    /// Mount point, with `\040`-style escapes decoded.
    pub mountpoint: String,
    /// Filesystem type.
    pub fstype: String,
}

/// Filesystem types node_exporter ignores by default.
const IGNORED_TYPES: &[&str] = &[
    "autofs",
    "binfmt_misc",
    "bpf",
    "cgroup",
    "cgroup2",
    "configfs",
    "debugfs",
    "devpts",
    "devtmpfs",
    "fusectl",
    "hugetlbfs",
    "iso9660",
    "mqueue",
    "nsfs",
    "overlay",
    "proc",
    "procfs",
    "pstore",
    "rpc_pipefs",
    "securityfs",
    "selinuxfs",
    "squashfs",
    "sysfs",
    "tracefs",
];

/// node_exporter's default mount point exclusion:
/// `^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)`.
fn ignored_mountpoint(mp: &str) -> bool {
    let Some(rest) = mp.strip_prefix('/') else {
        return false;
    };
    let under = |prefix: &str| rest == prefix || rest.starts_with(&format!("{prefix}/"));
    let below = |prefix: &str| {
        rest.strip_prefix(prefix)
            .is_some_and(|r| r.len() > 1 && r.starts_with('/'))
    };
    under("dev")
        || under("proc")
        || under("sys")
        || below("run/credentials")
        || below("var/lib/docker")
        || below("var/lib/containers/storage")
}

/// Decodes the octal escapes (`\040` for a space) the kernel uses.
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && bytes[i + 1..i + 4]
                .iter()
                .all(|b| (b'0'..=b'7').contains(b))
        {
            let code =
                (bytes[i + 1] - b'0') * 64 + (bytes[i + 2] - b'0') * 8 + (bytes[i + 3] - b'0');
            out.push(code);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The mounts node_exporter would report, deduplicated, in file order.
pub fn parse_mounts(text: &str) -> Vec<Mount> {
    let mut out: Vec<Mount> = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 3 {
            continue;
        }
        let mount = Mount {
            device: unescape(fields[0]),
            mountpoint: unescape(fields[1]),
            fstype: fields[2].to_string(),
        };
        if IGNORED_TYPES.contains(&mount.fstype.as_str())
            || ignored_mountpoint(&mount.mountpoint)
            || out.contains(&mount)
        {
            continue;
        }
        out.push(mount);
    }
    out
}

/// Builds the families from each mount's statistics (or error).
pub fn families(stats: &[(Mount, Result<FsUsage, String>)]) -> Vec<MetricFamily> {
    let mut size = MetricFamily::gauge("node_filesystem_size_bytes", "Filesystem size in bytes.");
    let mut free = MetricFamily::gauge(
        "node_filesystem_free_bytes",
        "Filesystem free space in bytes.",
    );
    let mut avail = MetricFamily::gauge(
        "node_filesystem_avail_bytes",
        "Filesystem space available to non-root users in bytes.",
    );
    let mut files = MetricFamily::gauge("node_filesystem_files", "Filesystem total file nodes.");
    let mut files_free = MetricFamily::gauge(
        "node_filesystem_files_free",
        "Filesystem total free file nodes.",
    );
    let mut readonly =
        MetricFamily::gauge("node_filesystem_readonly", "Filesystem read-only status.");
    let mut error = MetricFamily::gauge(
        "node_filesystem_device_error",
        "Whether an error occurred while getting statistics for the given device.",
    );
    for (m, result) in stats {
        let labels = [
            ("device", m.device.as_str()),
            ("fstype", m.fstype.as_str()),
            ("mountpoint", m.mountpoint.as_str()),
        ];
        match result {
            Ok(u) => {
                size.push(&labels, u.size_bytes as f64);
                free.push(&labels, u.free_bytes as f64);
                avail.push(&labels, u.avail_bytes as f64);
                files.push(&labels, u.files as f64);
                files_free.push(&labels, u.files_free as f64);
                readonly.push(&labels, f64::from(u8::from(u.readonly)));
                error.push(&labels, 0.0);
            }
            Err(_) => error.push(&labels, 1.0),
        }
    }
    vec![size, free, avail, files, files_free, readonly, error]
}

/// Runs the collector: reads the mounts, asks the host for statistics.
pub fn collect(proc: &std::path::Path) -> Result<Vec<MetricFamily>, String> {
    let text = std::fs::read_to_string(proc.join("1/mounts"))
        .or_else(|_| std::fs::read_to_string(proc.join("mounts")))
        .map_err(|e| format!("reading {}/mounts: {e}", proc.display()))?;
    let mounts = parse_mounts(&text);
    let mut stats = Vec::with_capacity(mounts.len());
    for m in mounts {
        let result = watchpost_sdk::fs::statfs(&m.mountpoint);
        if let Err(e) = &result
            && e.contains("not granted")
        {
            return Err(e.clone());
        }
        stats.push((m, result));
    }
    Ok(families(&stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTS: &str = "overlay / overlay rw,relatime 0 0\n\
proc /proc proc rw 0 0\n\
/dev/vda1 /data ext4 rw,relatime 0 0\n\
/dev/vda1 /data ext4 rw,relatime 0 0\n\
tmpfs /run tmpfs rw 0 0\n\
/dev/vdb /mnt/with\\040space xfs ro 0 0\n\
tmpfs /dev/shm tmpfs rw 0 0\n\
tmpfs /run/credentials/x tmpfs rw 0 0\n\
/dev/vda1 /var/lib/docker/overlay2 ext4 rw 0 0\n";

    #[test]
    fn applies_node_exporters_default_exclusions() {
        let mounts = parse_mounts(MOUNTS);
        let points: Vec<&str> = mounts.iter().map(|m| m.mountpoint.as_str()).collect();
        assert_eq!(points, vec!["/data", "/run", "/mnt/with space"]);
        assert!(!ignored_mountpoint("/devices"));
        assert!(ignored_mountpoint("/var/lib/docker/x"));
        assert!(!ignored_mountpoint("/var/lib/docker"));
    }

    #[test]
    fn reports_usage_and_errors() {
        let mounts = parse_mounts(MOUNTS);
        let usage = FsUsage {
            size_bytes: 100,
            free_bytes: 40,
            avail_bytes: 30,
            files: 10,
            files_free: 5,
            readonly: true,
        };
        let stats = vec![
            (mounts[0].clone(), Ok(usage)),
            (mounts[1].clone(), Err("boom".to_string())),
        ];
        let f = families(&stats);
        assert_eq!(f[0].name, "node_filesystem_size_bytes");
        assert_eq!(f[0].metrics.len(), 1);
        assert_eq!(
            f[5].metrics[0].value,
            watchpost_sdk::MetricValue::Number(1.0)
        );
        let errors = &f[6];
        assert_eq!(errors.metrics.len(), 2);
        assert_eq!(
            errors.metrics[1].value,
            watchpost_sdk::MetricValue::Number(1.0)
        );
    }
}
