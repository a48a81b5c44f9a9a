//! Command-line interface: `run`, `check`, `check rules`, `test rules` and
//! `plugin run`.
//! Each subcommand is one file; this module parses arguments and sets up
//! logging.

mod check;
pub mod check_rules;
mod plugin_run;
mod run;
pub mod test_rules;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Watchpost: metrics, logs, traces and alerts in one binary, extended by
/// sandboxed WebAssembly plugins.
#[derive(Debug, Parser)]
#[command(name = "watchpost", version, about, long_about = None)]
pub struct Cli {
    /// Log level or filter (e.g. `info`, `debug`, `watchpost=debug,wasmtime=warn`).
    #[arg(long, global = true, default_value = "info", env = "WATCHPOST_LOG")]
    pub log_level: String,
    /// Log output format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// Log formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable.
    Text,
    /// One JSON object per line.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run Watchpost with a manifest.
    Run {
        /// The manifest (watchpost.toml).
        manifest: PathBuf,
    },
    /// Validate a manifest and every plugin it names (or, with `rules`,
    /// Prometheus rule files); exit 0 when valid, 1 otherwise.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Check {
        #[command(subcommand)]
        what: Option<CheckCommand>,
        /// The manifest (watchpost.toml).
        #[arg(required = true)]
        manifest: Option<PathBuf>,
    },
    /// Run Prometheus rule unit tests (`promtool test rules`); exit 0 when
    /// every test passes, 1 otherwise.
    Test {
        #[command(subcommand)]
        what: TestCommand,
    },
    /// Plugin author tools.
    Plugin {
        #[command(subcommand)]
        command: PluginCommand,
    },
}

/// `watchpost check ...`.
#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    /// Check Prometheus rule files as `promtool check rules` does.
    Rules(check_rules::CheckRulesArgs),
}

/// `watchpost test ...`.
#[derive(Debug, Subcommand)]
pub enum TestCommand {
    /// Run rule unit tests as `promtool test rules` does.
    Rules(test_rules::TestRulesArgs),
}

/// `watchpost plugin ...`.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Run one plugin once and print its output as JSON.
    Run(plugin_run::PluginRunArgs),
}

/// As promtool (kingpin's `ExistingFiles`), refuses missing paths before
/// reading any: says which one on `err`; whether one was missing.
fn refuse_missing(files: &[PathBuf], err: &mut dyn std::io::Write) -> bool {
    let Some(missing) = files.iter().find(|f| !f.exists()) else {
        return false;
    };
    let _ = writeln!(
        err,
        "watchpost: error: path '{}' does not exist",
        missing.display()
    );
    true
}

/// Colours only for a person at a terminal who has not asked for none
/// (`NO_COLOR`): a log file, journald or `docker logs` gets plain text.
fn log_colours() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The log filter for `--log-level`. wasmtime's HTTP client warns of every
/// refused connection, which the plugin then reports itself: it is quiet
/// below errors unless the filter names wasmtime (or turns logging off).
fn log_filter(level: &str) -> String {
    if level.contains("wasmtime") || level.trim() == "off" {
        level.to_string()
    } else {
        format!("{level},wasmtime_wasi_http=error")
    }
}

fn init_logging(cli: &Cli) {
    let filter = tracing_subscriber::EnvFilter::try_new(log_filter(&cli.log_level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(log_filter("info")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(log_colours())
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Entry point used by `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run { manifest } => run::run(&manifest).await,
            Command::Check {
                what: Some(CheckCommand::Rules(args)),
                ..
            } => Ok(check_rules::run(&args)),
            Command::Check {
                manifest: Some(manifest),
                ..
            } => check::check(&manifest).await,
            Command::Check { .. } => unreachable!("clap requires a manifest or a subcommand"),
            Command::Test {
                what: TestCommand::Rules(args),
            } => Ok(test_rules::run(&args)),
            Command::Plugin {
                command: PluginCommand::Run(args),
            } => plugin_run::plugin_run(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::log_filter;

    #[test]
    fn wasmtimes_http_client_is_quiet_unless_the_filter_names_it() {
        for level in ["info", "debug", "watchpost=debug,warn"] {
            let filter = log_filter(level);
            assert!(filter.ends_with(",wasmtime_wasi_http=error"), "{filter}");
            tracing_subscriber::EnvFilter::try_new(&filter).unwrap();
        }
        for named in ["info,wasmtime_wasi_http=debug", "wasmtime=debug", "off"] {
            assert_eq!(log_filter(named), named);
        }
    }
}
