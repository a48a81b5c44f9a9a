//! `node_uname_info`: the fields of `uname(2)`, read from
//! `/proc/sys/kernel` (WASI has no uname call).

use std::path::Path;
use watchpost_sdk::MetricFamily;

/// What `uname(2)` reports.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Uname {
    pub sysname: String,
    pub release: String,
    pub version: String,
    pub machine: String,
    pub nodename: String,
    pub domainname: String,
}

/// Reads the fields from `<proc>/sys/kernel`. `arch` (the machine) only
/// exists on Linux 6.1 and later; it is left empty when missing.
pub fn collect(proc: &Path) -> Result<Vec<MetricFamily>, String> {
    let kernel = proc.join("sys/kernel");
    let read =
        |name: &str| crate::read(&kernel, name).map(|s| s.trim_end_matches('\n').to_string());
    let uname = Uname {
        sysname: read("ostype")?,
        release: read("osrelease")?,
        version: read("version")?,
        machine: read("arch").unwrap_or_default(),
        nodename: read("hostname")?,
        domainname: read("domainname")?,
    };
    Ok(vec![family(&uname)])
}

/// The info metric for `uname`.
pub fn family(u: &Uname) -> MetricFamily {
    MetricFamily::gauge(
        "node_uname_info",
        "Labeled system information as provided by the uname system call.",
    )
    .sample(
        &[
            ("sysname", &u.sysname),
            ("release", &u.release),
            ("version", &u.version),
            ("machine", &u.machine),
            ("nodename", &u.nodename),
            ("domainname", &u.domainname),
        ],
        1.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{find, value};

    #[test]
    fn labels_in_node_exporter_order() {
        let u = Uname {
            sysname: "Linux".into(),
            release: "6.1.0".into(),
            version: "#1 SMP".into(),
            machine: "x86_64".into(),
            nodename: "vm".into(),
            domainname: "(none)".into(),
        };
        let families = [family(&u)];
        let info = find(&families, "node_uname_info");
        let names: Vec<&str> = info.metrics[0]
            .labels
            .iter()
            .map(|l| l.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "sysname",
                "release",
                "version",
                "machine",
                "nodename",
                "domainname"
            ]
        );
        assert_eq!(
            value(info, &[("nodename", "vm"), ("machine", "x86_64")]),
            1.0
        );
    }
}
