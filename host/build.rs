//! Bundles the stock plugins into the binary. `scripts/build-plugins.sh`
//! builds them to `target/wasm32-wasip2/plugin/watchpost_plugin_*.wasm`; this
//! script generates a lookup that `include_bytes!`s each one found. A plugin
//! that was not built yet is reported at load time with how to build it.

use std::env;
use std::fmt::Write;
use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let dir = match env::var_os("WATCHPOST_PLUGIN_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            let target = env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| manifest_dir.join("../target"));
            target.join("wasm32-wasip2/plugin")
        }
    };
    println!("cargo:rerun-if-env-changed=WATCHPOST_PLUGIN_DIR");
    println!("cargo:rerun-if-changed={}", dir.display());

    let mut arms = String::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|e| e == "wasm")
                    && p.file_stem()
                        .and_then(|s| s.to_str())
                        .is_some_and(|s| s.starts_with("watchpost_plugin_"))
            })
            .collect();
        files.sort();
        for file in files {
            println!("cargo:rerun-if-changed={}", file.display());
            let stem = file.file_stem().unwrap().to_str().unwrap().to_string();
            let abs = file.canonicalize().unwrap_or(file);
            writeln!(
                arms,
                "        {stem:?} => Some(include_bytes!({:?})),",
                abs.display().to_string()
            )
            .unwrap();
        }
    }
    let code = format!(
        "/// The bundled bytes of stock plugin file `stem`, if it was built.\n\
         pub(crate) fn bundled(stem: &str) -> Option<&'static [u8]> {{\n    match stem {{\n{arms}        _ => None,\n    }}\n}}\n\
         /// Where the build looked for stock plugins.\n\
         pub(crate) const BUNDLE_DIR: &str = {:?};\n",
        dir.display().to_string()
    );
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("stock_bundle.rs");
    std::fs::write(out, code).unwrap();
}
