//! The query corpus: every query of `corpus/valid.txt` parses, prints as in
//! `corpus/valid.golden` and parses back to the same tree (and prints the
//! same again); every query of `corpus/invalid.txt` fails with its message.
//! `UPDATE_GOLDEN=1 cargo test -p watchpost-logql --test corpus` rewrites the
//! golden file.

use std::path::PathBuf;

use watchpost_logql::parse;

fn corpus(name: &str) -> (PathBuf, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    (path, text)
}

fn queries(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

#[test]
fn valid_queries_round_trip() {
    let (_, text) = corpus("valid.txt");
    let mut printed = Vec::new();
    let mut failures = Vec::new();
    for q in queries(&text) {
        let expr = match parse(q) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{q}\n  does not parse: {e}"));
                continue;
            }
        };
        let out = expr.to_string();
        match parse(&out) {
            Ok(again) if again == expr => {
                if again.to_string() != out {
                    failures.push(format!("{q}\n  prints unstably: {out}"));
                }
            }
            Ok(again) => failures.push(format!(
                "{q}\n  prints {out}\n  which parses to {again:?}\n  not {expr:?}"
            )),
            Err(e) => failures.push(format!("{q}\n  prints {out}\n  which does not parse: {e}")),
        }
        printed.push(out);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        printed.len() >= 150,
        "the corpus should hold at least 150 valid queries"
    );

    let (golden_path, golden) = corpus("valid.golden");
    let actual = printed.join("\n") + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden_path, &actual).expect("write golden file");
        return;
    }
    for (i, (want, got)) in golden.lines().zip(actual.lines()).enumerate() {
        assert_eq!(
            got,
            want,
            "canonical form of query {} differs from valid.golden",
            i + 1
        );
    }
    assert_eq!(
        golden.lines().count(),
        printed.len(),
        "valid.golden is out of date"
    );
}

#[test]
fn invalid_queries_fail_with_lokis_message() {
    let (_, text) = corpus("invalid.txt");
    let mut count = 0;
    let mut failures = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('\t'))
    {
        let (query, want) = line.split_once('\t').expect("tab-separated");
        count += 1;
        match parse(query) {
            Ok(e) => failures.push(format!("{query}\n  parses as {e}")),
            Err(e) if e.to_string() != want => {
                failures.push(format!("{query}\n  want {want}\n  got  {e}"))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        count >= 40,
        "the corpus should hold at least 40 invalid queries"
    );
}
