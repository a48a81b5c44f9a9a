//! On-disk cache of compiled components, keyed by the SHA-256 of the
//! component and by the engine's compatibility hash (wasmtime version,
//! target and settings), so a restart loads machine code in milliseconds
//! instead of recompiling.
#![allow(unsafe_code)]

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// A directory of precompiled components.
#[derive(Debug, Clone)]
pub struct ArtifactCache {
    dir: Option<PathBuf>,
    engine_key: String,
}

/// Hex SHA-256 of `bytes`.
pub fn content_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

impl ArtifactCache {
    /// A cache in `dir`, or a disabled cache when `dir` is `None`.
    pub fn new(engine: &Engine, dir: Option<&Path>) -> ArtifactCache {
        let mut hasher = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        ArtifactCache {
            dir: dir.map(Path::to_path_buf),
            engine_key: format!("{:016x}", hasher.finish()),
        }
    }

    fn path_for(&self, hash: &str) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|d| d.join(format!("{hash}-{}.cwasm", self.engine_key)))
    }

    /// Loads the component for `bytes` (whose hash is `hash`) from the cache,
    /// or compiles it and stores the result. Returns whether it was a hit.
    pub fn load(
        &self,
        engine: &Engine,
        bytes: &[u8],
        hash: &str,
    ) -> anyhow::Result<(Component, bool)> {
        if let Some(path) = self.path_for(hash)
            && path.is_file()
        {
            // SAFETY: the file was written by `Component::serialize` of an
            // engine with the same compatibility hash (part of its name), in a
            // directory only Watchpost writes to. A corrupt or foreign file is
            // rejected by wasmtime's header checks and we fall back to compiling.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, true)),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "ignoring unusable compiled artifact")
                }
            }
        }
        let component = Component::new(engine, bytes)?;
        if let Some(path) = self.path_for(hash)
            && let Err(e) = self.store(&component, &path)
        {
            tracing::warn!(path = %path.display(), error = %e, "cannot cache compiled plugin");
        }
        Ok((component, false))
    }

    fn store(&self, component: &Component, path: &Path) -> anyhow::Result<()> {
        let bytes = component.serialize()?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}
