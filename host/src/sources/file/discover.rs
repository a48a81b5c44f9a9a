//! Finding the files to tail, once per poll: the `include` globs minus the
//! `exclude` globs, matched to open files by `(device, inode)`.
//!
//! A path whose inode is already open marks that file active (under the
//! name it was first read by: `mail.log.1` stays `mail.log`). A new inode is
//! opened and read from the start — or, on the first poll, from its
//! checkpoint entry if it still applies, else from the end if
//! `start_at_end` (unless the checkpoint knew its path under another inode:
//! then it is the new file of a rotation that happened while we were
//! stopped, read from the start). An open file found at no matching path is inactive
//! (rotated away or deleted): read on by handle until drained. On the first
//! poll, checkpointed files the globs no longer find (`mail.log` renamed to
//! `mail.log.1` while we were down, with only `mail.log` included) are
//! looked for by inode in the directory they were in, and drained too.
//! Excludes are matched against the whole path, `*` crossing `/`.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::os::unix::fs::DirEntryExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::checkpoint::FileCheckpoint;
use super::config::{FileFormat, Settings};
use super::docker::ContainerMeta;
use super::identity::FileId;
use super::start::{self, Start};
use super::tailer::Tailer;
use super::watched::Watched;

/// Directory entries looked at when searching for a rotated file by inode.
const MAX_DIR_SCAN: usize = 10_000;

/// The paths the globs match now, sorted, excludes removed.
pub(super) fn expand(settings: &Settings) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for pattern in &settings.include {
        let Ok(matches) = glob::glob(pattern) else {
            continue;
        };
        for entry in matches {
            match entry {
                Ok(path) if !settings.exclude.iter().any(|e| e.matches_path(&path)) => {
                    paths.push(path)
                }
                Ok(_) => {}
                Err(error) => tracing::debug!(%error, "cannot look into directory"),
            }
        }
    }
    paths.sort();
    paths.dedup();
    paths
}

impl Tailer {
    /// Updates the open files from what the globs match now.
    pub(super) fn discover(&mut self) {
        let index: HashMap<FileId, usize> = self
            .files
            .iter()
            .enumerate()
            .map(|(i, w)| (w.id, i))
            .collect();
        let mut seen = HashSet::new();
        for path in expand(&self.settings) {
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            let id = FileId::of(&meta);
            if !meta.is_file() || !seen.insert(id) {
                continue;
            }
            if let Some(&i) = index.get(&id) {
                self.files[i].mark_active();
            } else if let Some(file) = self.open_new(&path) {
                seen.insert(file.id);
                self.files.push(file);
            }
        }
        for file in &mut self.files {
            if file.active && !seen.contains(&file.id) {
                self.inactive_seq += 1;
                file.mark_inactive(self.inactive_seq);
            }
        }
        if !self.first_poll_done {
            self.first_poll_done = true;
            self.checkpointed_paths = HashSet::new();
            self.find_rotated_while_down();
        }
        self.limit_rotated();
    }

    fn open_new(&mut self, path: &Path) -> Option<Watched> {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(error) => {
                if self.open_failures.insert(path.to_owned()) {
                    tracing::warn!(path = %path.display(), %error, "cannot open file to tail");
                }
                return None;
            }
        };
        self.open_failures.remove(path);
        let meta = file.metadata().ok()?;
        let id = FileId::of(&meta);
        // Renamed between the glob and the open: it is a file we have.
        if let Some(known) = self.files.iter_mut().find(|w| w.id == id) {
            known.mark_active();
            return None;
        }
        let start = match self.restored.remove(&id) {
            Some(cp) => Start::Resume(cp),
            None if !self.first_poll_done
                && self.settings.start_at_end
                && !self.checkpointed_paths.contains(&*path.to_string_lossy()) =>
            {
                Start::End
            }
            None => Start::Beginning,
        };
        let label: Arc<str> = match &start {
            Start::Resume(cp) => cp.path.as_str().into(),
            _ => path.to_string_lossy().into(),
        };
        let container = self.container(path);
        match Watched::open(file, &meta, label, self.settings.clone(), start, container) {
            Ok(watched) => Some(watched),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "cannot start tailing file");
                None
            }
        }
    }

    /// Drains checkpointed files the globs no longer match, found by inode
    /// beside where they were.
    fn find_rotated_while_down(&mut self) {
        let mut by_dir: HashMap<PathBuf, Vec<FileCheckpoint>> = HashMap::new();
        for cp in std::mem::take(&mut self.restored).into_values() {
            let dir = Path::new(&cp.path)
                .parent()
                .unwrap_or(Path::new("/"))
                .to_owned();
            by_dir.entry(dir).or_default().push(cp);
        }
        for (dir, mut cps) in by_dir {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.take(MAX_DIR_SCAN).flatten() {
                let Some(k) = cps.iter().position(|cp| cp.ino == entry.ino()) else {
                    continue;
                };
                let path = entry.path();
                let Ok(file) = File::open(&path) else {
                    continue;
                };
                let Ok(meta) = file.metadata() else {
                    continue;
                };
                let cp = &cps[k];
                let same = meta.is_file()
                    && FileId::of(&meta)
                        == FileId {
                            dev: cp.dev,
                            ino: cp.ino,
                        };
                if !same || !start::still_applies(&file, meta.len(), cp) {
                    continue;
                }
                let cp = cps.swap_remove(k);
                let label: Arc<str> = cp.path.as_str().into();
                let container = self.container(&path);
                match Watched::open(
                    file,
                    &meta,
                    label,
                    self.settings.clone(),
                    Start::Resume(cp),
                    container,
                ) {
                    Ok(mut rotated) => {
                        tracing::info!(path = %path.display(), "draining file rotated while stopped");
                        self.inactive_seq += 1;
                        rotated.mark_inactive(self.inactive_seq);
                        self.files.push(rotated);
                    }
                    Err(error) => {
                        tracing::warn!(path = %path.display(), %error, "cannot drain rotated file")
                    }
                }
            }
            for cp in cps {
                tracing::debug!(path = %cp.path, "checkpointed file is gone; forgetting it");
            }
        }
    }

    /// Closes the oldest rotated-away files beyond `max_open_rotated`.
    fn limit_rotated(&mut self) {
        loop {
            let inactive = self.files.iter().filter(|w| !w.active).count();
            if inactive <= self.settings.max_open_rotated {
                return;
            }
            let Some(oldest) = (0..self.files.len())
                .filter(|&i| !self.files[i].active)
                .min_by_key(|&i| self.files[i].inactive_seq)
            else {
                return;
            };
            let dropped = self.files.remove(oldest);
            tracing::warn!(
                path = %dropped.path,
                unread_bytes = dropped.unread_bytes(),
                "too many rotated files open; closing the oldest before it was drained"
            );
            drop(dropped);
            self.containers.retain(|_, meta| meta.strong_count() > 0);
        }
    }

    /// What the records of a Docker log file at `path` say about its
    /// container, read once per container directory.
    fn container(&mut self, path: &Path) -> Option<Arc<ContainerMeta>> {
        if self.settings.format != FileFormat::DockerJson {
            return None;
        }
        let dir = path.parent()?;
        if let Some(meta) = self.containers.get(dir).and_then(|m| m.upgrade()) {
            return Some(meta);
        }
        let meta = Arc::new(ContainerMeta::read(dir));
        self.containers
            .insert(dir.to_owned(), Arc::downgrade(&meta));
        Some(meta)
    }
}
