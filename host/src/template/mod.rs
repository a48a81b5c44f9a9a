//! Go's `text/template`, for Prometheus rule templates and Alertmanager
//! notification templates.
//!
//! ```
//! use watchpost::template::{Template, Value};
//!
//! let mut t = Template::new("t");
//! t.parse(r#"{{ range $k, $v := . }}{{ $k }}={{ $v | printf "%.2f" }} {{ end }}"#).unwrap();
//! let data = Value::map([("up", Value::Float(1.0)), ("load", Value::Float(0.756))]);
//! assert_eq!(t.execute(&data).unwrap(), "load=0.76 up=1.00 ");
//! ```
//!
//! The language is Go's: text and actions with `{{-`/`-}}` trimming and
//! comments, pipelines, variables (`:=`, `=`, `$`), field/key/method
//! chains, `if`/`else if`/`with`/`range` (`else`, `break`, `continue`),
//! `define`/`template`/`block`, Go's builtins and Go's `fmt` printing.
//! Data is a dynamic [`Value`]; hosts expose structs with fields and
//! methods through [`Object`], and functions through [`FuncMap`].
//! [`prometheus`] adds Prometheus 2.42's rule-template functions and data,
//! [`alertmanager`] Alertmanager 0.25's functions, data types and default
//! templates.
//!
//! Why not a crate: `gtmpl` (last release 2021) lacks `html`/`js` and a
//! faithful `printf`; `gotmpl` has no host objects with methods, and
//! Alertmanager's default template calls a method with an argument on a
//! map type (`.CommonLabels.Remove .GroupLabels.Names`) that must also range
//! and `len` as a map. Go's printing rules (`1e+06`, `%!d(string=x)`) are
//! what users see, so we own them and test them against `promtool` and
//! `amtool`.
//!
//! [`Template::execute_template_html`] and [`Template::execute_text_html`]
//! run the same templates with `html/template`'s contextual escaping, as
//! Alertmanager renders HTML notification fields; its known differences
//! from Go are listed in the `html` module.
//!
//! Not supported: complex numbers, hex-float literals, custom delimiters,
//! ranging over integers or channels. Known differences from Go:
//! `missingkey=zero` infers the zero value from the map's values (`""`
//! for string maps, else `<no value>`);
//! a literal of the wrong type reports `wrong type for value; expected
//! string; got int` where Go says `expected string; found 1`; nested
//! `{{template}}` calls stop at depth 100 (Go: 100000).

pub mod alertmanager;
mod ast;
mod builtins;
mod error;
mod exec;
mod format;
mod func;
mod gotime;
mod html;
mod humanize;
mod lexer;
mod parser;
mod printf;
pub mod prometheus;
mod promquery;
mod set;
mod text;
mod value;

#[cfg(test)]
mod tests;

pub use error::{Result, TemplateError};
pub use format::{format_float, go_format, quote};
pub use func::{Func, FuncError, FuncMap, arity, arity_at_least, str_arg, strings_arg, wrong_type};
pub use gotime::GoTime;
pub use printf::sprintf;
pub use set::{MissingKey, Template};
pub use value::{Map, Object, Value};
