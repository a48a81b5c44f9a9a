//! The manifest as `/api/v1/status/config` shows it: the text re-rendered
//! from its parsed form (comments dropped), with every value that may hold a
//! secret replaced by `<secret>` — the same values whose `Debug` is
//! redacted: plugin `config` strings (the plugin's own to interpret), and a
//! forward's `url`, `bearer_token`, `basic_auth.password` and `headers`
//! values. What is shown is the text as written, before `${VAR}`
//! interpolation, and redacted even so: a literal secret is still a secret.

use toml::{Table, Value};

/// What a redacted value reads as (Prometheus' word).
pub const SECRET: &str = "<secret>";

fn redact_strings(value: &mut Value) {
    match value {
        Value::String(s) => *s = SECRET.into(),
        Value::Array(items) => items.iter_mut().for_each(redact_strings),
        Value::Table(t) => t.iter_mut().for_each(|(_, v)| redact_strings(v)),
        _ => {}
    }
}

fn tables<'a>(root: &'a mut Table, key: &str) -> Vec<&'a mut Table> {
    match root.get_mut(key) {
        Some(Value::Array(items)) => items.iter_mut().filter_map(Value::as_table_mut).collect(),
        _ => Vec::new(),
    }
}

/// `source` (a manifest that parses) re-rendered with secrets redacted.
pub fn redacted(source: &str) -> String {
    let Ok(mut root) = source.parse::<Table>() else {
        return String::new();
    };
    for plugin in tables(&mut root, "plugin") {
        if let Some(config) = plugin.get_mut("config") {
            redact_strings(config);
        }
    }
    for forward in tables(&mut root, "forward") {
        for key in ["url", "bearer_token", "headers"] {
            if let Some(v) = forward.get_mut(key) {
                redact_strings(v);
            }
        }
        if let Some(password) = forward
            .get_mut("basic_auth")
            .and_then(Value::as_table_mut)
            .and_then(|a| a.get_mut("password"))
        {
            redact_strings(password);
        }
    }
    toml::to_string(&root).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_replaced_and_the_rest_kept() {
        let source = r#"
# a comment with hunter2
[server]
listen = "127.0.0.1:9090"

[[plugin]]
name = "scrape"
kind = "exporter"
path = "prometheus-scrape"
targets = ["db:9100"]
[plugin.config]
authorization = "Bearer hunter2"
nested = { token = "hunter2", port = 5 }

[[forward]]
name = "vm"
url = "https://user:hunter2@vm/api/v1/write"
bearer_token = "${TOKEN}"
basic_auth = { username = "me", password = "hunter2" }
headers = { X-Key = "hunter2" }
batch_size = 10
"#;
        let out = redacted(source);
        assert!(!out.contains("hunter2"), "{out}");
        assert!(!out.contains("${TOKEN}"), "{out}");
        let parsed: Table = out.parse().unwrap();
        assert_eq!(parsed["server"]["listen"].as_str(), Some("127.0.0.1:9090"));
        let plugin = &parsed["plugin"][0];
        assert_eq!(plugin["targets"][0].as_str(), Some("db:9100"));
        assert_eq!(plugin["config"]["authorization"].as_str(), Some(SECRET));
        assert_eq!(plugin["config"]["nested"]["port"].as_integer(), Some(5));
        let forward = &parsed["forward"][0];
        assert_eq!(forward["url"].as_str(), Some(SECRET));
        assert_eq!(forward["basic_auth"]["username"].as_str(), Some("me"));
        assert_eq!(forward["basic_auth"]["password"].as_str(), Some(SECRET));
        assert_eq!(forward["headers"]["X-Key"].as_str(), Some(SECRET));
        assert_eq!(forward["batch_size"].as_integer(), Some(10));
    }
}
