//! `watchpost run <manifest>`: start everything and serve until SIGINT/SIGTERM.

use crate::app::App;
use crate::manifest::Manifest;
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;

pub(super) async fn run(path: &Path) -> anyhow::Result<ExitCode> {
    let manifest = match Manifest::load(path) {
        Ok(m) => m,
        Err(errors) => {
            eprintln!("{errors}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let listen = manifest.server.listen;
    std::fs::create_dir_all(&manifest.storage.data_dir).with_context(|| {
        format!(
            "cannot create data dir {}",
            manifest.storage.data_dir.display()
        )
    })?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let app = App::start(manifest).await?;
    crate::reload::spawn_sighup(app.clone());
    crate::reload::spawn_file_watcher(app.clone())?;
    tracing::info!(address = %listener.local_addr()?, manifest = %path.display(), "watchpost is ready");
    axum::serve(listener, crate::api::router(app))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("watchpost stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return ctrl_c.await.unwrap_or(()),
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}
