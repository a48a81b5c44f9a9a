//! `fs-stats`: `statvfs` for plugins granted `fs_stats = true` (the `node`
//! exporter's filesystem collector). Read-only metadata; no file contents.

use crate::runtime::bindings::watchpost::plugin::fs_stats::{FsUsage, Host};
use crate::runtime::store::StoreState;

impl Host for StoreState {
    fn statfs(&mut self, path: String) -> wasmtime::Result<Result<FsUsage, String>> {
        if !self.plugin.spec.capabilities.fs_stats {
            return Ok(Err("filesystem statistics are not granted: add fs_stats = true to [plugin.capabilities]".into()));
        }
        if !path.starts_with('/') {
            return Ok(Err(format!("{path:?} is not an absolute path")));
        }
        Ok(match rustix::fs::statvfs(path.as_str()) {
            Ok(st) => {
                let unit = if st.f_frsize > 0 {
                    st.f_frsize
                } else {
                    st.f_bsize
                };
                Ok(FsUsage {
                    size_bytes: st.f_blocks.saturating_mul(unit),
                    free_bytes: st.f_bfree.saturating_mul(unit),
                    avail_bytes: st.f_bavail.saturating_mul(unit),
                    files: st.f_files,
                    files_free: st.f_ffree,
                    readonly: st.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY),
                })
            }
            Err(e) => Err(format!("statfs {path}: {e}")),
        })
    }
}
