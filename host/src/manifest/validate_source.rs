//! Validation of `[[source]]` entries: names, types, globs, the parser
//! plugin they name, index names, labels, multiline patterns, sizes.

use super::PluginSpec;
use super::raw::RawSource;
use super::validate::Checker;
use crate::runtime::PluginKind;
use crate::sources::{FileSpec, MultilineSpec, SourceKind, SourceSpec, SyslogSpec};
use std::collections::HashSet;
use std::time::Duration;

pub(super) fn sources(
    c: &mut Checker<'_>,
    raw: &[RawSource],
    plugins: &[PluginSpec],
) -> Vec<SourceSpec> {
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for s in raw {
        let before = c.error_count();
        let name = s.name.get_ref().clone();
        if !crate::storage::logs::valid_index_name(&name) {
            c.error(
                &s.name,
                format!("source name {name:?} may only use lowercase letters, digits, '-' and '_'"),
            );
        }
        if !names.insert(name.clone()) {
            c.error(&s.name, format!("duplicate source name {name:?}"));
        }
        let is_syslog = s.kind.get_ref() == "syslog";
        if !is_syslog && s.kind.get_ref() != "file" {
            c.error(
                &s.kind,
                format!(
                    "unknown source type {:?} (expected \"file\" or \"syslog\")",
                    s.kind.get_ref()
                ),
            );
        }
        let address = |c: &mut Checker<'_>, v: &Option<toml::Spanned<String>>, key: &str| {
            let v = v.as_ref()?;
            if !is_syslog {
                c.error(v, format!("{key} is for sources of type \"syslog\""));
                return None;
            }
            match v.get_ref().parse::<std::net::SocketAddr>() {
                Ok(a) => Some(a),
                Err(_) => {
                    c.error(
                        v,
                        format!(
                            "{key}: {:?} is not an address like \"127.0.0.1:5514\"",
                            v.get_ref()
                        ),
                    );
                    None
                }
            }
        };
        let udp = address(c, &s.listen_udp, "listen_udp");
        let tcp = address(c, &s.listen_tcp, "listen_tcp");
        if is_syslog {
            if s.listen_udp.is_none() && s.listen_tcp.is_none() {
                c.error(
                    &s.name,
                    format!("syslog source {name:?} needs listen_udp or listen_tcp"),
                );
            }
            if let Some(p) = s.paths.first() {
                c.error(p, "paths are for sources of type \"file\"");
            }
        } else if s.paths.is_empty() {
            c.error(&s.name, format!("source {name:?} needs at least one path"));
        }
        let glob_ok = |c: &mut Checker<'_>, p: &toml::Spanned<String>| {
            let resolved = c.resolve_str(p.get_ref());
            if let Err(e) = glob::Pattern::new(&resolved) {
                c.error(p, format!("invalid glob: {e}"));
            }
            resolved
        };
        let include: Vec<String> = s.paths.iter().map(|p| glob_ok(c, p)).collect();
        let exclude: Vec<String> = s.exclude.iter().map(|p| glob_ok(c, p)).collect();
        let docker = match s.format.as_ref().map(|f| f.get_ref().as_str()) {
            None | Some("plain") => false,
            Some("docker") => true,
            Some(other) => {
                let f = s.format.as_ref().expect("matched Some");
                c.error(
                    f,
                    format!("unknown format {other:?} (expected \"plain\" or \"docker\")"),
                );
                false
            }
        };
        if let Some(p) = &s.parser {
            match plugins.iter().find(|spec| &spec.name == p.get_ref()) {
                Some(spec) if spec.kind == PluginKind::Parser => {}
                Some(spec) => c.error(
                    p,
                    format!(
                        "plugin {:?} is a {} plugin, not a parser",
                        p.get_ref(),
                        spec.kind
                    ),
                ),
                None => c.error(p, format!("no [[plugin]] named {:?}", p.get_ref())),
            }
        }
        let index = match &s.index {
            Some(i) if crate::storage::logs::valid_index_name(i.get_ref()) => i.get_ref().clone(),
            Some(i) => {
                c.error(
                    i,
                    format!(
                        "index {:?} may only use lowercase letters, digits, '-' and '_'",
                        i.get_ref()
                    ),
                );
                String::new()
            }
            None => name.clone(),
        };
        let mut labels = Vec::new();
        if let Some(l) = &s.labels {
            for (k, v) in l.get_ref() {
                if !crate::storage::metrics::labels::valid_label_name(k) || v.is_empty() {
                    c.error(
                        l,
                        format!("label {k:?}: names are [a-zA-Z_][a-zA-Z0-9_]*, values not empty"),
                    );
                }
                labels.push((k.clone(), v.clone()));
            }
        }
        let start_at_end = match s.start_at.as_ref().map(|v| v.get_ref().as_str()) {
            None | Some("beginning") => false,
            Some("end") => true,
            Some(other) => {
                let v = s.start_at.as_ref().expect("matched Some");
                c.error(
                    v,
                    format!("start_at {other:?}: expected \"beginning\" or \"end\""),
                );
                false
            }
        };
        let multiline = s.multiline.as_ref().and_then(|m| {
            let raw = m.get_ref();
            // Go's syntax, as Promtail's multiline stage reads it.
            if let Err(e) = watchpost_goregex::compile(&raw.start) {
                c.error(m, format!("multiline start: {e}"));
                return None;
            }
            let timeout = match raw.timeout.as_deref().map(super::units::parse_duration) {
                None => Duration::from_secs(1),
                Some(Ok(d)) => d,
                Some(Err(e)) => {
                    c.error(m, format!("multiline timeout: {e}"));
                    Duration::from_secs(1)
                }
            };
            Some(MultilineSpec {
                start: raw.start.clone(),
                negate: raw.negate,
                max_lines: raw.max_lines.unwrap_or(500).max(1) as usize,
                timeout,
            })
        });
        let max_line_bytes = c
            .bytes(&s.max_line_size, "max_line_size")
            .unwrap_or(256 << 10)
            .max(1) as usize;
        let batch_lines = s.batch_lines.as_ref().map_or(1000, |b| *b.get_ref()) as usize;
        if batch_lines == 0
            && let Some(b) = &s.batch_lines
        {
            c.error(b, "batch_lines must be greater than zero");
        }
        let poll_interval = c
            .duration(&s.poll_interval, "poll_interval")
            .unwrap_or(Duration::from_millis(250));
        if c.error_count() > before {
            continue;
        }
        let kind = if is_syslog {
            SourceKind::Syslog(SyslogSpec { udp, tcp })
        } else {
            SourceKind::File(FileSpec {
                include,
                exclude,
                docker,
                start_at_end,
                multiline,
                poll_interval,
            })
        };
        out.push(SourceSpec {
            name,
            kind,
            parser: s.parser.as_ref().map(|p| p.get_ref().clone()),
            index,
            labels,
            max_line_bytes,
            batch_lines,
        });
    }
    out
}
