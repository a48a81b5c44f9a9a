//! The small persistent key-value store behind the `state` host interface.
//! One JSON file per plugin under `<data_dir>/plugins/<name>/state.json`,
//! written atomically (temp file, fsync, rename) after any call that changed
//! it, so state survives plugin restarts, reloads and host restarts.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A plugin's key-value state.
pub struct StateStore {
    path: PathBuf,
    limit: std::sync::atomic::AtomicU64,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    map: BTreeMap<String, Vec<u8>>,
    size: u64,
    dirty: bool,
}

fn entry_size(key: &str, value: &[u8]) -> u64 {
    (key.len() + value.len()) as u64
}

impl StateStore {
    /// Opens the store of plugin `name` under `state_dir`.
    pub fn open_in(state_dir: &Path, name: &str, limit: u64) -> anyhow::Result<StateStore> {
        Self::open(&state_dir.join(name).join("state.json"), limit)
    }

    /// Changes the size limit (a reload may change `state_limit`).
    pub fn set_limit(&self, limit: u64) -> u64 {
        self.limit.swap(limit, std::sync::atomic::Ordering::Relaxed)
    }

    /// Opens (or starts) the store at `path` with a `limit` in bytes.
    pub fn open(path: &Path, limit: u64) -> anyhow::Result<StateStore> {
        let mut inner = Inner::default();
        match std::fs::read(path) {
            Ok(bytes) => {
                let raw: BTreeMap<String, String> = serde_json::from_slice(&bytes)
                    .map_err(|e| anyhow::anyhow!("corrupt plugin state {}: {e}", path.display()))?;
                for (key, hex) in raw {
                    let value = decode_hex(&hex).ok_or_else(|| {
                        anyhow::anyhow!(
                            "corrupt plugin state {}: bad value for {key:?}",
                            path.display()
                        )
                    })?;
                    inner.size += entry_size(&key, &value);
                    inner.map.insert(key, value);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(anyhow::anyhow!(
                    "cannot read plugin state {}: {e}",
                    path.display()
                ));
            }
        }
        Ok(StateStore {
            path: path.to_path_buf(),
            limit: limit.into(),
            inner: Mutex::new(inner),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads `key`.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.lock().map.get(key).cloned()
    }

    /// Writes `key`, refusing if the store would exceed its limit.
    pub fn set(&self, key: &str, value: Vec<u8>) -> Result<(), String> {
        let mut inner = self.lock();
        let old = inner.map.get(key).map_or(0, |v| entry_size(key, v));
        let new_size = inner.size - old + entry_size(key, &value);
        let limit = self.limit.load(std::sync::atomic::Ordering::Relaxed);
        if new_size > limit {
            return Err(format!(
                "state limit of {limit} bytes exceeded ({new_size} bytes needed)"
            ));
        }
        inner.size = new_size;
        inner.map.insert(key.to_string(), value);
        inner.dirty = true;
        Ok(())
    }

    /// Removes `key`.
    pub fn delete(&self, key: &str) {
        let mut inner = self.lock();
        if let Some(v) = inner.map.remove(key) {
            inner.size -= entry_size(key, &v);
            inner.dirty = true;
        }
    }

    /// Keys starting with `prefix`, sorted.
    pub fn keys(&self, prefix: &str) -> Vec<String> {
        self.lock()
            .map
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Persists the store if it changed since the last flush.
    pub fn flush(&self) -> anyhow::Result<()> {
        let mut inner = self.lock();
        if !inner.dirty {
            return Ok(());
        }
        let raw: BTreeMap<&String, String> =
            inner.map.iter().map(|(k, v)| (k, encode_hex(v))).collect();
        let json = serde_json::to_vec(&raw)?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&json)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &self.path)?;
        inner.dirty = false;
        Ok(())
    }
}

fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persists_and_limits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p/state.json");
        let store = StateStore::open(&path, 32).unwrap();
        store.set("a", b"hello".to_vec()).unwrap();
        store.set("ab", vec![0, 255]).unwrap();
        assert!(store.set("big", vec![0; 64]).unwrap_err().contains("limit"));
        assert_eq!(store.keys("a"), vec!["a", "ab"]);
        store.flush().unwrap();
        let again = StateStore::open(&path, 32).unwrap();
        assert_eq!(again.get("a").unwrap(), b"hello");
        assert_eq!(again.get("ab").unwrap(), vec![0, 255]);
        again.delete("a");
        assert_eq!(again.keys(""), vec!["ab"]);
    }
}
