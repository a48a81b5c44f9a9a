//! Malformed input must produce errors, never panics: every truncation and
//! a deterministic set of byte-level mutations of the oracle files, and odd
//! strings fed to each parser.

use watchpost_amconfig::{
    Config, Duration, GoDuration, HostPort, Url, compile_anchored, parse_matchers,
    timeinterval::WeekdayRange,
};

fn data_files() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    out.sort();
    out
}

#[test]
fn truncated_and_mutated_configs() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let noise = [
        b'{', b'}', b'[', b']', b':', b'-', b'"', b'\'', b'\\', b'\n', b' ', b'~', b'*', b'&', b'0',
    ];
    for text in data_files() {
        for cut in (0..text.len())
            .step_by(5)
            .filter(|&i| text.is_char_boundary(i))
        {
            let _ = Config::load(&text[..cut]);
        }
        for _ in 0..40 {
            let mut bytes = text.clone().into_bytes();
            for _ in 0..3 {
                let at = (next() as usize) % bytes.len().max(1);
                if at < bytes.len() {
                    bytes[at] = noise[(next() as usize) % noise.len()];
                }
            }
            if let Ok(s) = String::from_utf8(bytes) {
                let _ = Config::load(&s);
                let _ = Config::load_with_env(&s, &|_| Some("${X}".into()));
            }
        }
    }
}

#[test]
fn odd_strings() {
    let odd = [
        "",
        "{",
        "}",
        "\"",
        "\\",
        "a=\"",
        "=~",
        "a=~(",
        "a=~\\",
        "[",
        "[[:",
        "[]",
        "x{",
        "{1,0}",
        "(?",
        "(?P<",
        "\\Q",
        "\\p",
        "\\p{",
        "é=1",
        ":=:",
        "a,=b",
        "0x",
        "1e999",
        "-",
        "+",
        ".",
        "::",
        "[::1",
        "http://[",
        "http://%",
        "a:b:c",
        "99999999999999999999y",
        "1.5.5s",
        "µs",
        "monday:",
        ":monday",
        "\u{0}",
    ];
    for s in odd {
        let _ = parse_matchers(s);
        let _ = compile_anchored(s);
        let _ = Url::parse(s);
        let _ = HostPort::parse(s);
        let _ = Duration::parse(s);
        let _ = GoDuration::parse(s);
        let _ = WeekdayRange::parse(s);
        let _ = watchpost_amconfig::timeinterval::Location::load(s);
    }
}
