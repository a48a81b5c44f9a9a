//! Golden files: a case's actual output against the file beside it with the
//! golden extension, or, with `WATCHPOST_BLESS=1`, rewriting that file
//! after an intended change.

use std::path::Path;

/// Compares `actual` with `case`'s `.<ext>` file (or blesses it); a
/// mismatch is added to `mismatches` with both texts.
pub fn compare(case: &Path, ext: &str, actual: &str, mismatches: &mut Vec<String>) {
    let expected_path = case.with_extension(ext);
    if std::env::var_os("WATCHPOST_BLESS").is_some() {
        std::fs::write(&expected_path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    if expected != actual {
        let name = case.file_name().unwrap().to_string_lossy();
        mismatches.push(format!(
            "{name}:\n--- expected\n{expected}--- actual\n{actual}"
        ));
    }
}

/// What a command printed, as golden files hold it: `exit: N`, then stdout
/// and stderr.
pub fn render(code: i32, stdout: &str, stderr: &str) -> String {
    format!("exit: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}")
}

/// Every case's `actual` output against its `.<ext>` file (or blesses
/// them); fails with every mismatch.
pub fn assert_all(cases: &[std::path::PathBuf], ext: &str, actual: impl Fn(&Path) -> String) {
    let mut mismatches = Vec::new();
    for case in cases {
        compare(case, ext, &actual(case), &mut mismatches);
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
