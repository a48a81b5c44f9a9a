//! Random routing trees, routed by this crate and by Alertmanager 0.25's
//! `amtool config routes test`: the same receivers, in the same order, for
//! every label set. The trees mix every matcher form (`matchers:` with
//! `=`, `!=`, `=~`, `!~`, quoted or not; legacy `match` and `match_re`),
//! empty values (which match a missing label), `continue`, inherited and
//! overridden receivers, up to four levels deep. A seeded generator draws
//! the same trees on every run; `AMTOOL_RANDOM_SEED` draws others.
//!
//! Needs `/usr/bin/amtool` (Debian's `prometheus-alertmanager`); without
//! it the test fails rather than pass without comparing anything.

mod amtool;

use amtool::{AMTOOL, amtool_check, amtool_routes, labels_of};
use std::fmt::Write;
use std::path::Path;
use watchpost_amconfig::Config;

/// Trees drawn per run, and label sets routed per tree.
const TREES: usize = 30;
const LABEL_SETS: usize = 10;

/// Seeded draws (the same trees on every run of one seed).
struct Rng(fastrand::Rng);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0.usize(..n)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.0.u64(..100) < percent
    }
}

/// Label names and the values alerts carry.
const LABELS: &[(&str, &[&str])] = &[
    ("severity", &["critical", "warning", "info"]),
    ("team", &["db", "web", "mail", "api"]),
    ("env", &["prod", "dev"]),
    ("service", &["postfix", "dovecot", "celery"]),
];

/// Regular expressions worth matching with (Alertmanager anchors them).
const REGEXES: &[&str] = &[
    "crit.*",
    "db|web",
    ".*",
    ".+",
    "",
    "w.*",
    "post.*|celery",
    "[a-d].*",
];

const RECEIVERS: usize = 6;

/// One matcher in the `matchers:` syntax.
fn matcher(rng: &mut Rng) -> String {
    let (name, values) = *rng.pick(LABELS);
    let (op, value) = match rng.below(4) {
        0 => ("=", pick_value(rng, values)),
        1 => ("!=", pick_value(rng, values)),
        2 => ("=~", rng.pick(REGEXES).to_string()),
        _ => ("!~", rng.pick(REGEXES).to_string()),
    };
    // Quoted or bare, as users write them (a bare value must be simple).
    if rng.chance(50) || value.is_empty() || value.contains(['|', '*', '+', '[']) {
        format!("{name}{op}\"{value}\"")
    } else {
        format!("{name}{op}{value}")
    }
}

/// A value, or now and then the empty one (a missing label).
fn pick_value(rng: &mut Rng, values: &[&str]) -> String {
    if rng.chance(15) {
        String::new()
    } else {
        rng.pick(values).to_string()
    }
}

/// The matching keys of one route node, in one of the three forms.
fn node_matchers(rng: &mut Rng, indent: &str, out: &mut String) {
    match rng.below(4) {
        0 => {}
        1 => {
            let (name, values) = *rng.pick(LABELS);
            let value = pick_value(rng, values);
            writeln!(out, "{indent}match:\n{indent}  {name}: \"{value}\"").unwrap();
        }
        2 => {
            let (name, _) = *rng.pick(LABELS);
            let regex = rng.pick(REGEXES);
            writeln!(out, "{indent}match_re:\n{indent}  {name}: \"{regex}\"").unwrap();
        }
        _ => {
            let list: Vec<String> = (0..1 + rng.below(2))
                .map(|_| format!("'{}'", matcher(rng)))
                .collect();
            writeln!(out, "{indent}matchers: [{}]", list.join(", ")).unwrap();
        }
    }
}

/// The children of a node at `depth`, as a `routes:` list.
fn children(rng: &mut Rng, depth: usize, indent: &str, out: &mut String) {
    let count = if depth >= 4 { 0 } else { rng.below(4) };
    if count == 0 {
        return;
    }
    writeln!(out, "{indent}routes:").unwrap();
    for _ in 0..count {
        let item = format!("{indent}  ");
        let mut node = String::new();
        if rng.chance(60) {
            writeln!(node, "{item}  receiver: r{}", rng.below(RECEIVERS)).unwrap();
        }
        node_matchers(rng, &format!("{item}  "), &mut node);
        if rng.chance(35) {
            writeln!(node, "{item}  continue: true").unwrap();
        }
        children(rng, depth + 1, &format!("{item}  "), &mut node);
        if node.is_empty() {
            writeln!(node, "{item}  continue: false").unwrap();
        }
        // The first key of a list item carries its dash.
        out.push_str(&format!("{item}- {}", &node[item.len() + 2..]));
    }
}

fn config(rng: &mut Rng) -> String {
    let mut out = String::from("route:\n  receiver: r0\n");
    children(rng, 1, "  ", &mut out);
    out.push_str("receivers:\n");
    for r in 0..RECEIVERS {
        writeln!(out, "  - name: r{r}").unwrap();
    }
    out
}

/// An alert's labels as `amtool` arguments: an alertname and a random
/// subset of the others.
fn label_args(rng: &mut Rng) -> Vec<String> {
    let mut args = vec!["alertname=Test".to_string()];
    for (name, values) in LABELS {
        if rng.chance(65) {
            args.push(format!("{name}={}", rng.pick(values)));
        }
    }
    args
}

#[test]
fn random_routing_trees_route_as_amtool_does() {
    assert!(
        Path::new(AMTOOL).exists(),
        "{AMTOOL} is missing: install Debian's prometheus-alertmanager package (scripts/test.sh does)"
    );
    let seed = std::env::var("AMTOOL_RANDOM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2025);
    let mut rng = Rng(fastrand::Rng::with_seed(seed));
    let dir = tempfile_dir();
    let (mut problems, mut routed) = (Vec::new(), 0);
    for n in 0..TREES {
        let text = config(&mut rng);
        let path = dir.join(format!("tree-{n}.yml"));
        std::fs::write(&path, &text).unwrap();
        let ours = Config::load(&text);
        match (&ours, amtool_check(&path)) {
            (Ok(_), Ok(())) => {}
            (Err(e), Err(msg)) => {
                problems.push(format!(
                    "tree {n} is invalid for both ({msg} / {e}):\n{text}"
                ));
                continue;
            }
            (ours, theirs) => {
                problems.push(format!(
                    "tree {n}: amtool {theirs:?}, we {:?}:\n{text}",
                    ours.as_ref().err().map(ToString::to_string)
                ));
                continue;
            }
        }
        let tree = ours.expect("checked above").routing_tree();
        for _ in 0..LABEL_SETS {
            let args = label_args(&mut rng);
            let ours = tree.receivers_for(labels_of(&args).as_slice()).join(",");
            let theirs = amtool_routes(&path, &args);
            routed += 1;
            if ours != theirs {
                problems.push(format!(
                    "tree {n}: {args:?} routes to {ours:?}, amtool says {theirs:?}:\n{text}"
                ));
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    eprintln!("random routes: {TREES} trees, {routed} label sets routed");
    assert!(
        problems.is_empty(),
        "{} disagreement(s) with amtool:\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

/// A fresh directory for this run's files.
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("amconfig-random-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
