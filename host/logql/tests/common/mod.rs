//! Helpers shared by the pipeline tests: a tiny template engine and a runner
//! that returns the processed line and labels as strings.

#![allow(dead_code)]

use std::sync::Arc;

use watchpost_logql::{Expr, Labels, Pipeline, SampleExpr, SampleExtractor, TemplateEngine, parse};

/// Substitutes `{{.name}}` with label values and `{{__line__}}` with the
/// line; `{{fail}}` fails. Enough to test how stages use templates.
pub struct Fields;

impl TemplateEngine for Fields {
    fn check(&self, template: &str) -> Result<(), String> {
        if template.contains("{{bad") {
            Err("unexpected \"bad\" in command".into())
        } else {
            Ok(())
        }
    }

    fn render(
        &self,
        template: &str,
        line: &str,
        _ts: i64,
        labels: &Labels,
    ) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").ok_or("unclosed action")? + start;
            let action = rest[start + 2..end].trim();
            match action {
                "__line__" => out.push_str(line),
                "fail" => return Err("template: fail: error calling fail".into()),
                a if a.starts_with('.') => out.push_str(labels.get(&a[1..]).unwrap_or("")),
                a => return Err(format!("function \"{a}\" not defined")),
            }
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Parses a log query and compiles its pipeline with [`Fields`].
pub fn pipeline(query: &str) -> Pipeline {
    match parse(query).unwrap_or_else(|e| panic!("{query}: {e}")) {
        Expr::Log(sel) => Pipeline::new(&sel, Arc::new(Fields)).expect("compiles"),
        Expr::Sample(_) => panic!("{query} is not a log query"),
    }
}

/// Runs `query` on one line of a stream: `(line, labels)` or `None`.
pub fn run(query: &str, stream: &[(&str, &str)], line: &str) -> Option<(String, String)> {
    let p = pipeline(query);
    let mut labels = Labels::from_pairs(stream.iter().copied());
    let out = p.process(1_700_000_000_000_000_000, line, &mut labels)?;
    Some((out.into_owned(), labels.to_string()))
}

/// The labels after running `query` on `line` of a `{job="app"}` stream.
pub fn labels_of(query: &str, line: &str) -> String {
    run(query, &[("job", "app")], line)
        .map(|(_, l)| l)
        .unwrap_or_else(|| "<filtered>".into())
}

/// Whether `query` keeps `line` of a `{job="app"}` stream.
pub fn keeps(query: &str, line: &str) -> bool {
    run(query, &[("job", "app")], line).is_some()
}

/// The sample extractor of a metric query's first range aggregation.
pub fn extractor(query: &str) -> SampleExtractor {
    let Expr::Sample(s) = parse(query).unwrap_or_else(|e| panic!("{query}: {e}")) else {
        panic!("{query} is not a metric query")
    };
    let agg = SampleExpr::range_aggregations(&s)[0].clone();
    SampleExtractor::new(&agg, Arc::new(Fields)).expect("compiles")
}

/// The sample of `line` for a `{job="app"}` stream: `(value, labels)`.
pub fn sample(query: &str, line: &str) -> Option<(f64, String)> {
    let labels = Labels::from_pairs([("job", "app")]);
    extractor(query)
        .process(0, line, &labels)
        .map(|(v, l)| (v, l.to_string()))
}
