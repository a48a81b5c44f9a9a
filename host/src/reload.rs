//! Reload triggers: file changes (the manifest and every file it references),
//! SIGHUP, and `POST /-/reload` (in `api`). Bursts of file events are
//! debounced into one reload.

use crate::app::App;
use notify::{RecursiveMode, Watcher};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const DEBOUNCE: Duration = Duration::from_millis(300);

/// Reloads on SIGHUP until the process exits.
pub fn spawn_sighup(app: Arc<App>) {
    tokio::spawn(async move {
        let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            tracing::warn!("cannot install the SIGHUP handler");
            return;
        };
        while signal.recv().await.is_some() {
            tracing::info!("SIGHUP received, reloading");
            let _ = app.reload().await;
        }
    });
}

fn canonical(path: &std::path::Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Watches the manifest and its files; reloads on change.
pub fn spawn_file_watcher(app: Arc<App>) -> anyhow::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reads (our own reload opening the manifest) are not changes.
        if let Ok(event) = event
            && !event.kind.is_access()
        {
            for path in event.paths {
                let _ = tx.send(path);
            }
        }
    })?;
    tokio::spawn(async move {
        let mut watched_dirs: HashSet<PathBuf> = HashSet::new();
        loop {
            // (Re)arm the watcher for the current configuration's files.
            let files: HashSet<PathBuf> = app
                .watched_files()
                .await
                .iter()
                .map(|p| canonical(p))
                .collect();
            for dir in files.iter().filter_map(|f| f.parent().map(PathBuf::from)) {
                if watched_dirs.insert(dir.clone())
                    && let Err(e) = watcher.watch(&dir, RecursiveMode::NonRecursive)
                {
                    tracing::warn!(dir = %dir.display(), error = %e, "cannot watch directory");
                }
            }
            // Wait for a change to one of our files, then let the burst settle.
            loop {
                let Some(path) = rx.recv().await else { return };
                if files.contains(&canonical(&path)) {
                    break;
                }
            }
            tokio::time::sleep(DEBOUNCE).await;
            while rx.try_recv().is_ok() {}
            tracing::info!("configuration files changed, reloading");
            let _ = app.reload().await;
        }
    });
    Ok(())
}
