//! YAML text → [`RuleGroups`], as strict as Prometheus 2.42's two `yaml.v3`
//! decodes of a rule file: unknown fields, wrong types and repeated keys are
//! collected as `yaml: unmarshal errors:` lines, a bad duration stops the
//! decoding with its own message, and a document that is not a mapping (or
//! whose `groups` is not a list) fails the second, position-keeping decode
//! too, so it is reported twice, as `promtool` does.

use super::{Rule, RuleGroup, RuleGroups};
use crate::duration;
use crate::yaml::{self, Kind, Node};
use std::collections::BTreeMap;

/// Decodes `text`, or returns the errors `promtool` prints for it.
pub fn decode(text: &str) -> Result<RuleGroups, Vec<String>> {
    let root = match yaml::parse(text) {
        Ok(Some(root)) => root,
        Ok(None) => return Ok(RuleGroups::default()),
        // Both of Prometheus' decodes fail on it.
        Err(e) => return Err(vec![e.to_string(), e.to_string()]),
    };
    let mut d = Decoder::default();
    let groups = d.root(&root);
    if let Some(fatal) = d.fatal {
        return Err(vec![fatal]);
    }
    let mut errors = Vec::new();
    if !d.errors.is_empty() {
        errors.push(unmarshal_errors(&d.errors));
    }
    if let Some(second) = second_decode_error(&root) {
        errors.push(unmarshal_errors(&[second]));
    }
    if errors.is_empty() {
        Ok(groups)
    } else {
        Err(errors)
    }
}

fn unmarshal_errors(lines: &[String]) -> String {
    let mut out = String::from("yaml: unmarshal errors:");
    for line in lines {
        out.push_str("\n  ");
        out.push_str(line);
    }
    out
}

/// Prometheus' second decode only looks at the shape `groups: [...]`.
fn second_decode_error(root: &Node) -> Option<String> {
    match &root.kind {
        Kind::Map(entries) => entries.iter().find_map(|(k, v)| {
            let wrong = k.text() == "groups" && !v.is_null() && !matches!(v.kind, Kind::Seq(_));
            wrong.then(|| type_error(v, "[]yaml.Node"))
        }),
        _ if root.is_null() => None,
        _ => Some(type_error(root, "rulefmt.ruleGroups")),
    }
}

/// `line N: cannot unmarshal !!str `abc` into int`, as `yaml.v3` says it.
fn type_error(node: &Node, into: &str) -> String {
    let tag = node.tag();
    let value = match node.kind {
        Kind::Scalar(ref text, _) if text.chars().count() > 10 => {
            format!(" `{}...`", text.chars().take(7).collect::<String>())
        }
        Kind::Scalar(ref text, _) => format!(" `{text}`"),
        _ => String::new(),
    };
    format!(
        "line {}: cannot unmarshal {tag}{value} into {into}",
        node.pos.line
    )
}

#[derive(Default)]
struct Decoder {
    errors: Vec<String>,
    fatal: Option<String>,
}

impl Decoder {
    /// The fields of a mapping decoded into Go type `type_name`: each known
    /// key's value, in order; unknown and repeated keys are reported.
    fn fields<'n>(
        &mut self,
        node: &'n Node,
        type_name: &str,
        known: &[&str],
    ) -> Option<Vec<(&'n str, &'n Node)>> {
        let entries = match &node.kind {
            Kind::Map(entries) => entries,
            _ if node.is_null() => return Some(Vec::new()),
            _ => {
                self.errors.push(type_error(node, type_name));
                return None;
            }
        };
        let mut out: Vec<(&str, &Node)> = Vec::new();
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (key, value) in entries {
            let name = key.text();
            if let Some(first) = seen.get(name) {
                self.errors.push(format!(
                    "line {}: mapping key {name:?} already defined at line {first}",
                    key.pos.line
                ));
                continue;
            }
            seen.insert(name, key.pos.line);
            if known.contains(&name) {
                out.push((name, value));
            } else {
                self.errors.push(format!(
                    "line {}: field {name} not found in type {type_name}",
                    key.pos.line
                ));
            }
        }
        Some(out)
    }

    fn root(&mut self, node: &Node) -> RuleGroups {
        let mut groups = RuleGroups::default();
        for (name, value) in self
            .fields(node, "rulefmt.RuleGroups", &["groups"])
            .unwrap_or_default()
        {
            if name == "groups" {
                groups.groups = self
                    .list(value, "[]rulefmt.RuleGroup")
                    .iter()
                    .map(|g| self.group(g))
                    .collect();
            }
        }
        groups
    }

    fn group(&mut self, node: &Node) -> RuleGroup {
        let mut group = RuleGroup {
            pos: node.pos,
            ..RuleGroup::default()
        };
        let known = ["name", "interval", "limit", "rules"];
        for (name, value) in self
            .fields(node, "rulefmt.RuleGroup", &known)
            .unwrap_or_default()
        {
            match name {
                "name" => group.name = self.string(value),
                "interval" => group.interval_ms = self.duration(value),
                "limit" => group.limit = self.int(value),
                _ => {
                    group.rules = self
                        .list(value, "[]rulefmt.RuleNode")
                        .iter()
                        .map(|r| self.rule(r))
                        .collect();
                }
            }
        }
        group
    }

    fn rule(&mut self, node: &Node) -> Rule {
        let mut rule = Rule::default();
        let known = [
            "record",
            "alert",
            "expr",
            "for",
            "keep_firing_for",
            "labels",
            "annotations",
        ];
        for (name, value) in self
            .fields(node, "rulefmt.RuleNode", &known)
            .unwrap_or_default()
        {
            // `record`, `alert` and `expr` are kept as raw nodes: any
            // kind decodes, a collection's value is empty.
            match name {
                "record" => (rule.record, rule.pos.record) = (value.text().into(), value.pos),
                "alert" => (rule.alert, rule.pos.alert) = (value.text().into(), value.pos),
                "expr" => (rule.expr, rule.pos.expr) = (value.text().into(), value.pos),
                "for" => rule.for_ms = self.duration(value),
                "keep_firing_for" => rule.keep_firing_for_ms = self.duration(value),
                "labels" => rule.labels = self.string_map(value),
                _ => rule.annotations = self.string_map(value),
            }
        }
        rule
    }

    fn list<'n>(&mut self, node: &'n Node, type_name: &str) -> &'n [Node] {
        match &node.kind {
            Kind::Seq(items) => items,
            _ => {
                if !node.is_null() {
                    self.errors.push(type_error(node, type_name));
                }
                &[]
            }
        }
    }

    fn string(&mut self, node: &Node) -> String {
        match &node.kind {
            _ if node.is_null() => String::new(),
            Kind::Scalar(text, _) => text.clone(),
            _ => {
                self.errors.push(type_error(node, "string"));
                String::new()
            }
        }
    }

    fn int(&mut self, node: &Node) -> i64 {
        if node.is_null() {
            return 0;
        }
        match (node.tag(), yaml::parse_int(node.text())) {
            ("!!int", Some(n)) => n,
            _ => {
                self.errors.push(type_error(node, "int"));
                0
            }
        }
    }

    /// `model.Duration`'s `UnmarshalYAML`: a string, then `ParseDuration`;
    /// its error ends the whole decoding.
    fn duration(&mut self, node: &Node) -> i64 {
        let text = self.string(node);
        match duration::parse_ms(&text) {
            Ok(ms) => ms,
            Err(e) => {
                self.fatal.get_or_insert(e);
                0
            }
        }
    }

    fn string_map(&mut self, node: &Node) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let entries = match &node.kind {
            Kind::Map(entries) => entries,
            _ => {
                if !node.is_null() {
                    self.errors.push(type_error(node, "map[string]string"));
                }
                return out;
            }
        };
        for (key, value) in entries {
            let name = self.string(key);
            if out.contains_key(&name) {
                self.errors.push(format!(
                    "line {}: mapping key {name:?} already defined",
                    key.pos.line
                ));
                continue;
            }
            let value = self.string(value);
            out.insert(name, value);
        }
        out
    }
}
