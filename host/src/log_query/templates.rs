//! `line_format` and `label_format` templates on the host's Go
//! `text/template` engine, with the entry's labels as the data (`{{.job}}`)
//! and Loki's `__line__` and `__timestamp__` functions plus the string
//! functions our templates share (`toUpper`, `toLower`, `title`, ...).
//! Loki's full Sprig library is not available: a template calling a
//! missing function fails when the query is compiled.

use crate::template::{FuncMap, Template, Value};
use watchpost_logql::{Labels, TemplateEngine};

/// The host's [`TemplateEngine`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LineTemplates;

fn functions(line: &str, ts_ns: i64) -> FuncMap {
    let mut funcs = crate::template::alertmanager::functions();
    let line = Value::String(line.into());
    funcs.insert("__line__", move |_| Ok(line.clone()));
    let ts = crate::template::GoTime::from_unix(
        ts_ns.div_euclid(1_000_000_000),
        ts_ns.rem_euclid(1_000_000_000),
    );
    funcs.insert("__timestamp__", move |_| {
        Ok(Value::Object(std::sync::Arc::new(ts)))
    });
    funcs
}

fn compile(template: &str, line: &str, ts_ns: i64) -> Result<Template, String> {
    let mut t = Template::new("line").with_funcs(&functions(line, ts_ns));
    t.parse(template).map_err(|e| e.to_string())?;
    Ok(t)
}

impl TemplateEngine for LineTemplates {
    fn check(&self, template: &str) -> Result<(), String> {
        compile(template, "", 0).map(|_| ())
    }

    fn render(
        &self,
        template: &str,
        line: &str,
        ts_ns: i64,
        labels: &Labels,
    ) -> Result<String, String> {
        let t = compile(template, line, ts_ns)?;
        let data = Value::map(
            labels
                .iter()
                .map(|(n, v)| (n.to_string(), Value::String(v.into()))),
        );
        t.execute(&data).map_err(|e| e.to_string())
    }
}
