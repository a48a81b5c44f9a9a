//! `watchpost plugin run <file.wasm> --kind K`: the plugin author's inner
//! loop. Runs one plugin once, sandboxed exactly as under `watchpost run`,
//! and prints its output as JSON on stdout.

use crate::manifest::units::{parse_bytes, parse_duration};
use crate::manifest::{Capabilities, PluginSource, PluginSpec};
use crate::runtime::bindings::types::{Notification, SourceMeta};
use crate::runtime::parsed::{batch_from_lines, decode};
use crate::runtime::{CallError, PluginHandle, PluginKind, Runtime};
use crate::telemetry::SelfMetrics;
use anyhow::{Context, bail};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `plugin run`.
#[derive(Debug, clap::Args)]
pub struct PluginRunArgs {
    /// The component (.wasm).
    file: PathBuf,
    /// Its kind: exporter, parser, rule or notifier.
    #[arg(long, value_parser = parse_kind)]
    kind: PluginKind,
    /// A TOML file whose table is the plugin's config (`${VAR}` interpolated).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Parser: a file of log lines. Notifier: a notification as JSON.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Exporter: the target address (default: the file name).
    #[arg(long)]
    target: Option<String>,
    /// Rule: evaluation time in Unix ms (default: now).
    #[arg(long)]
    at: Option<i64>,
    /// Grant a network destination (host:port); repeatable.
    #[arg(long = "allow-net")]
    allow_net: Vec<String>,
    /// Grant read access to a directory; repeatable.
    #[arg(long = "allow-dir")]
    allow_dir: Vec<PathBuf>,
    /// Pass an environment variable through; repeatable.
    #[arg(long = "allow-env")]
    allow_env: Vec<String>,
    /// Grant filesystem statistics (`statvfs`).
    #[arg(long = "allow-fs-stats")]
    allow_fs_stats: bool,
    /// Call timeout.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    timeout: std::time::Duration,
    /// Memory limit.
    #[arg(long, default_value = "64MiB", value_parser = parse_bytes)]
    memory_limit: u64,
}

fn parse_kind(s: &str) -> Result<PluginKind, String> {
    PluginKind::from_name(s)
        .ok_or_else(|| format!("unknown kind {s:?} (exporter, parser, rule, notifier)"))
}

fn config_json(path: Option<&PathBuf>) -> anyhow::Result<String> {
    let Some(path) = path else {
        return Ok("{}".into());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut value: toml::Value = toml::from_str::<toml::Table>(&text)
        .map(toml::Value::Table)
        .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message()))?;
    crate::manifest::interpolate_env(&mut value)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(serde_json::to_string(&value)?)
}

pub(super) async fn plugin_run(args: PluginRunArgs) -> anyhow::Result<ExitCode> {
    let mut network = Vec::new();
    for n in &args.allow_net {
        network.push(
            crate::manifest::parse_grant(n)
                .ok_or_else(|| anyhow::anyhow!("--allow-net {n:?} is not host:port"))?,
        );
    }
    let name = args
        .file
        .file_stem()
        .map(|s| {
            s.to_string_lossy()
                .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
        })
        .unwrap_or_else(|| "plugin".into());
    let spec = PluginSpec {
        name: name.clone(),
        kind: args.kind,
        source: PluginSource::File(args.file.clone()),
        interval: args.timeout,
        timeout: args.timeout,
        memory_limit: args.memory_limit,
        state_limit: 1 << 20,
        targets: args.target.clone().into_iter().collect(),
        relabel: Vec::new(),
        metric_relabel: Vec::new(),
        scrape: Default::default(),
        capabilities: Capabilities {
            network,
            read_dirs: args.allow_dir.clone(),
            env: args.allow_env.clone(),
            fs_stats: args.allow_fs_stats,
        },
        config_json: config_json(args.config.as_ref())?,
    };
    let runtime = Runtime::new(None)?;
    let state_dir =
        std::env::temp_dir().join(format!("watchpost-plugin-run-{}", std::process::id()));
    let loaded = runtime.load(Arc::new(spec), &state_dir)?;
    let handle = PluginHandle::new(Arc::new(loaded), Arc::new(SelfMetrics::new()));
    let input = match &args.input {
        Some(p) => Some(std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?),
        None => None,
    };

    let output = match args.kind {
        PluginKind::Exporter => {
            let target = crate::scheduler::targets(&handle).remove(0);
            handle
                .collect(target)
                .await
                .map(|f| serde_json::to_value(f).unwrap_or_default())
        }
        PluginKind::Parser => {
            let Some(input) = input else {
                bail!("a parser needs --input <file of log lines>")
            };
            let lines = input
                .split(|b| *b == b'\n')
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
            let mut lines: Vec<&[u8]> = lines.collect();
            if lines.last().is_some_and(|l| l.is_empty()) {
                lines.pop();
            }
            let meta = SourceMeta {
                source: name.clone(),
                origin: args
                    .input
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                labels: Vec::new(),
            };
            let batch = batch_from_lines(meta, lines);
            match handle.parse(batch.clone()).await {
                Ok(out) => Ok(serde_json::to_value(decode(&batch, &out)?).unwrap_or_default()),
                Err(e) => Err(e),
            }
        }
        PluginKind::Rule => {
            let at = args.at.unwrap_or_else(crate::util::now_ms);
            handle
                .evaluate(at)
                .await
                .map(|e| serde_json::to_value(e).unwrap_or_default())
        }
        PluginKind::Notifier => {
            let Some(input) = input else {
                bail!("a notifier needs --input <notification.json>")
            };
            let notification: Notification =
                serde_json::from_slice(&input).context("--input is not a notification")?;
            handle
                .deliver(notification)
                .await
                .map(|()| serde_json::json!({"delivered": true}))
        }
    };
    let _ = std::fs::remove_dir_all(&state_dir);
    match output {
        Ok(value) => {
            println!("{}", serde_json::to_string_pretty(&value)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(CallError::Plugin(e)) => {
            eprintln!(
                "plugin error{}: {}",
                if e.retryable { " (retryable)" } else { "" },
                e.message
            );
            Ok(ExitCode::FAILURE)
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::FAILURE)
        }
    }
}
