//! Tests of the template language as a whole and golden tests against the
//! real `promtool` (Prometheus 2.42) and `amtool` (Alertmanager 0.25).

mod alertmanager;
mod golden_amtool;
mod golden_amtool_html;
mod golden_promtool;
mod html;
mod language;

use super::{FuncMap, MissingKey, Template, Value};

/// Parses `src` as template "t" and runs it on `data`.
pub(super) fn render(src: &str, data: &Value) -> Result<String, String> {
    render_with(src, data, &FuncMap::new(), MissingKey::Default)
}

pub(super) fn render_with(
    src: &str,
    data: &Value,
    funcs: &FuncMap,
    mk: MissingKey,
) -> Result<String, String> {
    let mut t = Template::new("t").with_funcs(funcs).with_missing_key(mk);
    t.parse(src).map_err(|e| e.to_string())?;
    t.execute(data).map_err(|e| e.to_string())
}

/// Where a Go tool lives, or `None` (with a notice) when it is not
/// installed; `scripts/test.sh` installs both.
pub(super) fn tool(path: &str, package: &str) -> Option<std::path::PathBuf> {
    let p = std::path::PathBuf::from(path);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: {path} not installed (apt-get install {package})");
        None
    }
}

/// `amtool template render` with Alertmanager's default templates and a
/// data file in a folder of their own.
pub(super) struct AmtoolRender {
    amtool: std::path::PathBuf,
    dir: tempfile::TempDir,
    html: bool,
}

impl AmtoolRender {
    /// Writes the templates and `data` (JSON); `html` renders as
    /// `--template.type=html`.
    pub(super) fn new(amtool: std::path::PathBuf, data: &str, html: bool) -> Self {
        use super::alertmanager::{DEFAULT_TEMPLATE, EMAIL_TEMPLATE};
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("default.tmpl"), DEFAULT_TEMPLATE).unwrap();
        std::fs::write(dir.path().join("email.tmpl"), EMAIL_TEMPLATE).unwrap();
        std::fs::write(dir.path().join("data.json"), data).unwrap();
        AmtoolRender { amtool, dir, html }
    }

    /// amtool's run on template `text`.
    pub(super) fn render(&self, text: &str) -> std::process::Output {
        let dir = self.dir.path().display();
        let mut cmd = std::process::Command::new(&self.amtool);
        cmd.args(["template", "render"]);
        if self.html {
            cmd.arg("--template.type=html");
        }
        cmd.arg(format!("--template.glob={dir}/*.tmpl"))
            .arg(format!("--template.data={dir}/data.json"))
            .arg(format!("--template.text={text}"))
            .output()
            .unwrap()
    }
}
