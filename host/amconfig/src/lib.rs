//! Alertmanager 0.25's configuration for Watchpost's alert manager:
//! parsed and validated as Alertmanager 0.25 does, plus the pure logic built
//! from it (routing tree, time intervals, inhibition).
//!
//! # Loading
//!
//! [`Config::load`] (text) and [`Config::load_file`] (a file; relative
//! `templates` and `http_config` file paths are joined to its directory)
//! decode the YAML strictly — unknown fields and duplicate keys are errors,
//! as with Alertmanager's `yaml.UnmarshalStrict` — with yaml.v2's value
//! rules (null is the zero value, any scalar reads as a string, YAML 1.1
//! booleans such as `yes`). They then apply Alertmanager's defaults and
//! checks:
//!
//! * every field default of `global`, `route` and each integration (e.g.
//!   `send_resolved`, and the template strings such as Slack's
//!   `{{ template "slack.default.title" . }}`, copied from
//!   `config/notifiers.go`);
//! * global values filled into receivers (`smtp_*`, `slack_api_url(_file)`,
//!   `pagerduty_url`, `opsgenie_api_url`/`_key(_file)`, `wechat_*`,
//!   `victorops_*`, `telegram_api_url`, `webex_api_url`, `http_config`);
//! * the checks, with Alertmanager's messages: missing root route or its
//!   receiver, root route with matchers, `continue` or time intervals,
//!   undefined or duplicate receivers, undefined or duplicate time
//!   intervals, `group_by` with `...` and other labels or duplicates, zero
//!   `group_interval`/`repeat_interval`, invalid label names, matchers and
//!   regexes, durations, URLs and `host:port`s, each `*_file` given together
//!   with its inline value, each integration's required fields (e.g.
//!   `missing service or routing key in PagerDuty config`, `missing to
//!   address in email config`, `no global Slack API URL set either inline or
//!   in a file`), `http_config`'s authentication combinations, time interval
//!   ranges.
//!
//! Validation failures are [`Error::Invalid`] whose message is exactly
//! Alertmanager's (what `amtool check-config` prints after `FAILED:`);
//! decoding failures (syntax, wrong type, unknown field) are [`Error::Yaml`]
//! with the YAML library's wording, path and position.
//!
//! # Secrets and `${VAR}`
//!
//! Secret fields are [`Secret`] / [`SecretUrl`]: `Debug`, `Display` and
//! serialization show `<secret>`. [`Config::to_yaml_redacted`] renders the
//! loaded configuration (defaults included) with secrets hidden, like
//! Alertmanager's `/api/v2/status`. `*_file` fields are [`SecretFile`]
//! paths, read on demand ([`SecretFile::read`], or per-integration helpers
//! such as [`PagerdutyConfig::routing_key`] that follow Alertmanager's
//! trimming).
//!
//! Alertmanager does not expand environment variables. Watchpost can:
//! [`Config::load_with_env`] replaces `${NAME}` in every string *value*
//! (after YAML parsing, so a value cannot change the document's structure
//! and YAML errors never quote a substituted secret); `$${` is a literal
//! `${`. An unset variable is [`Error::Env`] naming it, never a value. The
//! substitution itself is [`resolve_env`].
//!
//! # Routing, time intervals, inhibition
//!
//! [`Config::routing_tree`] builds a [`Route`] tree: [`Route::match_alert`]
//! with Alertmanager's `continue` semantics, [`Route::key`] and
//! [`Route::group_key`], [`RouteOpts::muted_at`] for mute/active time
//! intervals ([`TimeInterval::contains`]). [`Config::inhibitor_rules`]
//! gives [`InhibitRule`]s for [`is_inhibited`]. Label sets are anything
//! implementing [`LabelSet`] (`BTreeMap<String, String>`, `HashMap`, slices
//! of pairs).
//!
//! # Known differences from Alertmanager 0.25
//!
//! * Error text for YAML syntax, type and unknown-field errors differs
//!   (Alertmanager: `yaml: unmarshal errors: line 3: field foo not found in
//!   type config.plain`; here: `route: unknown field `foo`, expected one of
//!   ... at line 3 column 3`). Both reject the same input.
//! * When a file has several errors, the one reported may differ: the
//!   Go decoder visits keys in document order, this crate in field order.
//! * Go regexes run on Rust's `regex` after a syntax translation (ASCII
//!   `\d\w\s\b`, `\Q..\E`, literal `{`, class literals, Go's group-flag
//!   and repeat-count rules with Go's messages). Other compile errors (e.g.
//!   backreferences) are rejected by both but worded differently after the
//!   common `error parsing regexp: ` prefix.
//! * URL parsing implements the parts of Go's `net/url` that configuration
//!   values use; exotic inputs may be judged differently. Parse errors of a
//!   secret URL do not quote it (Alertmanager's do).
//! * A document with YAML merge keys (`<<: *anchor`) is re-rendered with the
//!   merges applied before decoding (the YAML library lacks them), so its
//!   errors carry no useful line numbers and a merged-in scalar such as
//!   `1.50` reads as `1.5`.
//! * A null list item (`receivers: [~]`, `routes: [~]`) reads as an empty
//!   entry here (a null receiver then fails with `missing name in
//!   receiver`); Alertmanager 0.25 crashes on those.
//! * `opsgenie_configs.responders[].type` values containing `{{` are not
//!   checked for Go template syntax, and `templates` globs are not parsed
//!   (`amtool check-config` parses the template files).
//! * `location` names are resolved with the IANA database compiled into
//!   `chrono-tz`, not the system's zoneinfo.
//! * There is no `msteams_configs`: it does not exist in Alertmanager 0.25.
//! * [`Config::to_yaml_redacted`] has Alertmanager's fields, order and
//!   `<secret>` markers, but not its YAML styling (Alertmanager writes time
//!   intervals in flow style and quotes `"09:00"`); `amtool check-config`
//!   accepts the rendering (tested).
//! * Route keys are 0.25's: the matchers of each node joined by `/`, with
//!   no sibling index (later Alertmanager versions add one). A legacy
//!   `match_re` matcher shows its anchored value, `{service=~"^(?:a|b)$"}`,
//!   exactly as Alertmanager 0.25 (and `amtool config routes show`) does.

#![warn(missing_docs)]

mod config;
mod duration;
mod error;
mod httpconfig;
pub mod inhibit;
mod matcher;
pub mod route;
mod secret;
pub mod timeinterval;
mod url;
mod util;
mod yaml;

pub use config::notifiers::{self, *};
pub use config::{
    Config, GlobalConfig, InhibitRuleConfig, MuteTimeInterval, NamedTimeInterval, Receiver,
    RouteConfig,
};
pub use duration::{Duration, GoDuration};
pub use error::{EnvError, Error, Location as ErrorLocation};
pub use httpconfig::{Authorization, BasicAuth, HttpClientConfig, OAuth2, TlsConfig, TlsVersion};
pub use inhibit::{InhibitRule, is_inhibited};
pub use matcher::{
    LabelSet, MatchType, Matcher, Matchers, Regexp, combine_legacy, is_valid_label_name,
    parse_matcher, parse_matchers,
};
pub use route::{Route, RouteOpts};
pub use secret::{SECRET_TOKEN, Secret, SecretFile, resolve_env, revealed};
pub use timeinterval::{Location, TimeInterval};
pub use url::{AnyUrl, HostPort, SecretUrl, Url};
pub use watchpost_goregex::compile_anchored;
