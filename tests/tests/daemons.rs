//! Real daemons on loopback write the logs, the stock parser plugins read
//! them: Debian's Postfix delivering a mail to a local mailbox, Dovecot's
//! IMAP with a good and a bad login, PostgreSQL with a slow and a failing
//! statement, Redis starting and stopping (read by the `regex` parser), and
//! rsyslog forwarding a file's lines to Watchpost's syslog listener over TCP
//! (octet-counted RFC 5424) and UDP (RFC 3164). Each daemon runs from its own
//! temporary configuration, never the system's, and is stopped by a guard
//! even when an assertion fails.
//!
//! A test skips (and says why on stderr) only when its daemon is not
//! installed; `scripts/install-peers.sh` installs them all.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::{Server, encode, free_port, wait_for};

/// Runs its closure on drop: stops a daemon even when a test panics.
struct OnDrop(Option<Box<dyn FnOnce()>>);

impl OnDrop {
    fn new(f: impl FnOnce() + 'static) -> OnDrop {
        OnDrop(Some(Box::new(f)))
    }
}

impl Drop for OnDrop {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

/// The daemon's binary, or `None` after saying loudly why the test skips.
fn installed(path: &str, package: &str) -> Option<PathBuf> {
    let path = PathBuf::from(path);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: {} is missing: install Debian's {package} (scripts/install-peers.sh does)",
            path.display()
        );
        None
    }
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// Runs a command to completion with its output in `<dir>/<name>.out|.err`
/// (files, not pipes: a daemon that forks keeps them open); panics with
/// that output on failure.
fn run(dir: &Path, name: &str, cmd: &mut Command) {
    let out = dir.join(format!("{name}.out"));
    let err = dir.join(format!("{name}.err"));
    let status = cmd
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .status()
        .unwrap_or_else(|e| panic!("{name}: cannot run {cmd:?}: {e}"));
    assert!(
        status.success(),
        "{name}: {cmd:?} failed ({status}):\n{}{}",
        std::fs::read_to_string(&out).unwrap_or_default(),
        std::fs::read_to_string(&err).unwrap_or_default()
    );
}

/// A temporary directory other users (the daemons' own) can enter.
fn open_tempdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown(path: &Path, owner: &str) {
    let status = Command::new("chown").arg(owner).arg(path).status().unwrap();
    assert!(status.success(), "chown {owner} {}", path.display());
}

/// Whether process `pid` still exists (a zombie of ours counts as gone).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

fn pid_in(file: &Path) -> Option<u32> {
    std::fs::read_to_string(file).ok()?.trim().parse().ok()
}

/// Waits (bounded) for the process whose pid `file` held to exit.
fn wait_gone(pid: Option<u32>) {
    if let Some(pid) = pid {
        wait_for(Duration::from_secs(20), || !alive(pid));
    }
}

/// A Watchpost manifest with one parser plugin and `sources` (TOML).
fn start_watchpost(dir: &Path, plugin: &str, sources: &str) -> Server {
    let port = free_port();
    let manifest = dir.join("watchpost.toml");
    std::fs::write(
        &manifest,
        format!("[server]\nlisten = \"127.0.0.1:{port}\"\n\n{plugin}\n{sources}"),
    )
    .unwrap();
    Server::start(&manifest, port)
}

/// One stored entry: stream labels (parsed fields included), time, line.
#[derive(Debug, Clone)]
struct Entry {
    labels: BTreeMap<String, String>,
    ts_ns: i128,
    line: String,
}

impl Entry {
    fn get(&self, name: &str) -> &str {
        self.labels
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no {name:?} in {self:#?}"))
    }
}

fn now_ns() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i128
}

/// Every entry `query` finds, oldest first.
fn entries(server: &Server, query: &str) -> Vec<Entry> {
    let end = now_ns() + 3_600 * 1_000_000_000;
    let v = server.json(&format!(
        "/loki/api/v1/query_range?limit=5000&direction=forward&start=0&end={end}&query={}",
        encode(query)
    ));
    let mut out = Vec::new();
    for stream in v["data"]["result"].as_array().unwrap() {
        let labels: BTreeMap<String, String> = stream["stream"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        for value in stream["values"].as_array().unwrap() {
            out.push(Entry {
                labels: labels.clone(),
                ts_ns: value[0].as_str().unwrap().parse().unwrap(),
                line: value[1].as_str().unwrap().to_string(),
            });
        }
    }
    out.sort_by_key(|e| e.ts_ns);
    out
}

/// Waits until `query` finds `n` entries and returns them; on a timeout
/// panics with what the daemon wrote and what Watchpost logged.
fn wait_entries(server: &Server, query: &str, n: usize, daemon_log: &Path) -> Vec<Entry> {
    let ok = wait_for(Duration::from_secs(60), || {
        entries(server, query).len() >= n
    });
    let got = entries(server, query);
    assert!(
        ok && got.len() == n,
        "{query}: wanted {n} entries, got {}: {got:#?}\n--- {}:\n{}\n--- watchpost:\n{}",
        got.len(),
        daemon_log.display(),
        std::fs::read_to_string(daemon_log).unwrap_or_default(),
        server.log_text()
    );
    got
}

/// The value of `key=` in a raw log line (up to `,` or space).
fn raw_value<'a>(line: &'a str, key: &str) -> &'a str {
    let at = line
        .find(&format!("{key}="))
        .unwrap_or_else(|| panic!("no {key}= in {line}"));
    let rest = &line[at + key.len() + 1..];
    rest.split([',', ' ']).next().unwrap()
}

fn raw_line(log: &Path, needle: &str) -> String {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in {}", log.display()))
        .to_string()
}

fn assert_no_parse_errors(server: &Server, source: &str, log: &Path) {
    assert_eq!(
        server.metric(&format!(
            "watchpost_source_parse_errors_total{{source=\"{source}\"}}"
        )),
        Some(0.0),
        "every line parses; {}:\n{}",
        log.display(),
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

fn file_source(name: &str, parser: &str, path: &Path) -> String {
    format!(
        r#"[[source]]
name = "{name}"
type = "file"
paths = ["{}"]
parser = "{parser}"
labels = {{ job = "{name}" }}
poll_interval = "50ms"
"#,
        path.display()
    )
}

const POSTFIX_MASTER_CF: &str = "\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
";

/// Postfix in its own configuration directory (`postfix -c`), with its own
/// queue, no network listener (`master_service_disable = inet`), and a
/// `maillog_file`; `sendmail -C` submits a mail for a local user that
/// `local(8)` delivers to a mailbox in the temporary spool.
#[test]
fn postfix_delivery_to_a_local_mailbox_is_parsed() {
    let Some(postfix) = installed("/usr/sbin/postfix", "postfix") else {
        return;
    };
    if !is_root() {
        eprintln!("SKIPPED: postfix's master must start as root");
        return;
    }
    let tmp = open_tempdir();
    let dir = tmp.path();
    let etc = dir.join("etc");
    let spool = dir.join("mail");
    let data = dir.join("postfix-data");
    // `postfix start` creates the queue's subdirectories, not the queue.
    let queue = dir.join("queue");
    for d in [&etc, &spool, &data, &queue] {
        std::fs::create_dir(d).unwrap();
    }
    chmod(&spool, 0o1777);
    chown(&data, "postfix");
    let log = dir.join("mail.log");
    std::fs::write(
        etc.join("main.cf"),
        format!(
            "compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/postfix-data
maillog_file = {d}/mail.log
maillog_file_prefixes = {d}
inet_interfaces = loopback-only
inet_protocols = ipv4
master_service_disable = inet
myhostname = mx.watchpost.test
mydomain = watchpost.test
mydestination = $myhostname, localhost
alias_maps =
alias_database =
local_recipient_maps = unix:passwd.byname
mail_spool_directory = {d}/mail
biff = no
",
            d = dir.display()
        ),
    )
    .unwrap();
    std::fs::write(etc.join("master.cf"), POSTFIX_MASTER_CF).unwrap();

    let server = start_watchpost(
        dir,
        "[[plugin]]\nname = \"postfix\"\nkind = \"parser\"\npath = \"postfix\"\n",
        &file_source("postfix", "postfix", &log),
    );

    run(
        dir,
        "postfix-start",
        Command::new(&postfix).arg("-c").arg(&etc).arg("start"),
    );
    let stop = {
        let (postfix, etc, pidfile) = (
            postfix.clone(),
            etc.clone(),
            dir.join("queue/pid/master.pid"),
        );
        OnDrop::new(move || {
            let pid = pid_in(&pidfile);
            let _ = Command::new(&postfix)
                .arg("-c")
                .arg(&etc)
                .arg("stop")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            wait_gone(pid);
        })
    };

    let mut sendmail = Command::new("/usr/sbin/sendmail")
        .arg("-C")
        .arg(&etc)
        .args(["-f", "alice@watchpost.test", "nobody@mx.watchpost.test"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sendmail runs");
    sendmail
        .stdin
        .take()
        .unwrap()
        .write_all(b"Subject: watchpost e2e\n\nhello from the daemons test\n")
        .unwrap();
    assert!(
        sendmail.wait().unwrap().success(),
        "sendmail accepts the mail"
    );

    let sent = wait_entries(&server, r#"{job="postfix"} | status="sent""#, 1, &log);
    let d = &sent[0];
    let qid = d.get("queue_id").to_string();
    let raw = raw_line(&log, "status=sent");
    assert!(
        raw.contains(&format!("postfix/local[{}]: {qid}: ", d.get("pid"))),
        "{raw}"
    );
    assert_eq!(d.get("program"), "local");
    assert_eq!(d.get("process"), "postfix/local");
    // Postfix writes the first label of `myhostname` to its maillog_file.
    assert_eq!(d.get("hostname"), "mx");
    assert_eq!(d.get("to"), "nobody@mx.watchpost.test");
    assert_eq!(d.get("relay"), "local");
    assert_eq!(d.get("dsn"), "2.0.0");
    assert_eq!(d.get("status_detail"), "delivered to mailbox");
    assert_eq!(d.get("delays"), raw_value(&raw, "delays"));
    assert_eq!(d.get("delay"), raw_value(&raw, "delay"));
    assert_eq!(d.get("level"), "info");
    assert!(!d.labels.contains_key("orig_to"), "{d:#?}");

    let qmgr = wait_entries(
        &server,
        &format!(r#"{{job="postfix", program="qmgr"}} | queue_id="{qid}" | from!="""#),
        1,
        &log,
    );
    let raw = raw_line(&log, "(queue active)");
    assert_eq!(qmgr[0].get("from"), "alice@watchpost.test");
    assert_eq!(qmgr[0].get("size"), raw_value(&raw, "size"));
    assert_eq!(qmgr[0].get("nrcpt"), "1");

    let pickup = wait_entries(&server, r#"{job="postfix", program="pickup"}"#, 1, &log);
    assert_eq!(pickup[0].get("queue_id"), qid);
    assert_eq!(pickup[0].get("uid"), "0");
    assert_eq!(pickup[0].get("from"), "alice@watchpost.test");

    let cleanup = wait_entries(&server, r#"{job="postfix", program="cleanup"}"#, 1, &log);
    assert_eq!(cleanup[0].get("queue_id"), qid);
    let message_id = cleanup[0].get("message_id");
    assert!(
        message_id.ends_with(&format!(".{qid}@mx.watchpost.test")),
        "{message_id}"
    );

    let removed = wait_entries(&server, r#"{job="postfix"} | event="removed""#, 1, &log);
    assert_eq!(removed[0].get("queue_id"), qid);
    assert_eq!(removed[0].get("program"), "qmgr");

    let mailbox = std::fs::read_to_string(spool.join("nobody")).unwrap();
    assert!(mailbox.contains("hello from the daemons test"), "{mailbox}");

    let master = wait_entries(&server, r#"{job="postfix", program="master"}"#, 1, &log);
    assert!(
        master[0]
            .get("message")
            .starts_with("daemon started -- version 3."),
        "{master:#?}"
    );
    // (`postfix stop`'s own lines are not asserted: whether they reach the
    // file depends on postlogd still running when they are sent.)
    let master_pid: u32 = master[0].get("pid").parse().unwrap();
    drop(stop);
    assert!(!alive(master_pid), "postfix stop ends master {master_pid}");
    assert_no_parse_errors(&server, "postfix", &log);
}

/// One IMAP exchange: the greeting, `LOGIN user password`, `LOGOUT`;
/// returns the LOGIN reply.
fn imap_login(port: u16, user: &str, password: &str) -> String {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("* OK"), "greeting: {line}");
    let mut tagged = |writer: &mut TcpStream, tag: &str, command: &str| -> String {
        write!(writer, "{tag} {command}\r\n").unwrap();
        loop {
            let mut line = String::new();
            assert!(reader.read_line(&mut line).unwrap() > 0, "{command}: eof");
            if line.starts_with(&format!("{tag} ")) {
                return line;
            }
        }
    };
    let reply = tagged(&mut writer, "a1", &format!("LOGIN {user} {password}"));
    let bye = tagged(&mut writer, "a2", "LOGOUT");
    assert!(bye.starts_with("a2 OK"), "{bye}");
    reply
}

/// Dovecot from its own config file (own `base_dir`, `log_path`), an IMAP
/// listener on a free loopback port and a passwd-file user; one good login
/// and one with a wrong password.
#[test]
fn dovecot_good_and_bad_imap_logins_are_parsed() {
    let Some(dovecot) = installed("/usr/sbin/dovecot", "dovecot-imapd") else {
        return;
    };
    if !is_root() {
        eprintln!("SKIPPED: dovecot's master must start as root to drop privileges");
        return;
    }
    let tmp = open_tempdir();
    let dir = tmp.path();
    let home = dir.join("home");
    std::fs::create_dir(&home).unwrap();
    chmod(&home, 0o1777);
    std::fs::write(dir.join("users"), "bob:{PLAIN}secret\n").unwrap();
    let log = dir.join("dovecot.log");
    let imap_port = free_port();
    let conf = dir.join("dovecot.conf");
    std::fs::write(
        &conf,
        format!(
            "base_dir = {d}/run
state_dir = {d}/state
instance_name = watchpost-e2e-{imap_port}
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
auth_failure_delay = 0
auth_verbose = yes
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
}}
",
            d = dir.display()
        ),
    )
    .unwrap();

    let server = start_watchpost(
        dir,
        "[[plugin]]\nname = \"dovecot\"\nkind = \"parser\"\npath = \"dovecot\"\n",
        &file_source("dovecot", "dovecot", &log),
    );
    run(dir, "dovecot", Command::new(&dovecot).arg("-c").arg(&conf));
    let pidfile = dir.join("run/master.pid");
    let _stop = OnDrop::new(move || {
        let pid = pid_in(&pidfile);
        if let Some(pid) = pid {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
        wait_gone(pid);
    });
    assert!(
        wait_for(Duration::from_secs(20), || TcpStream::connect((
            "127.0.0.1",
            imap_port
        ))
        .is_ok()),
        "dovecot listens: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );

    let good = imap_login(imap_port, "bob", "secret");
    assert!(good.starts_with("a1 OK"), "{good}");
    let bad = imap_login(imap_port, "bob", "wrong");
    assert!(bad.starts_with("a1 NO"), "{bad}");

    let login = wait_entries(&server, r#"{job="dovecot", event="login"}"#, 1, &log);
    let l = &login[0];
    assert_eq!(l.get("service"), "imap-login");
    assert_eq!(l.get("user"), "bob");
    assert_eq!(l.get("method"), "PLAIN");
    assert_eq!(l.get("rip"), "127.0.0.1");
    assert_eq!(l.get("lip"), "127.0.0.1");
    assert_eq!(l.get("secured"), "true");
    assert_eq!(l.get("level"), "info");
    let mpid = l.get("mpid").to_string();
    let raw = raw_line(&log, "Login: user=<bob>");
    assert!(raw.contains(&format!("mpid={mpid}, ")), "{raw}");
    assert!(
        raw.contains(&format!("session=<{}>", l.get("session"))),
        "{raw}"
    );

    // The mail process's disconnect carries the login's mpid as its pid.
    let out = wait_entries(
        &server,
        r#"{job="dovecot", event="disconnect", service="imap"}"#,
        1,
        &log,
    );
    assert_eq!(out[0].get("user"), "bob");
    assert_eq!(out[0].get("pid"), mpid);
    assert_eq!(out[0].get("reason"), "Logged out");

    // The passdb's `Password mismatch` and the login process's disconnect.
    let failures = wait_entries(&server, r#"{job="dovecot", event="auth_failure"}"#, 2, &log);
    let by_service: BTreeMap<&str, &Entry> =
        failures.iter().map(|e| (e.get("service"), e)).collect();
    let auth = by_service
        .get("auth")
        .unwrap_or_else(|| panic!("{failures:#?}"));
    assert_eq!(auth.get("reason"), "Password mismatch");
    assert_eq!(auth.get("rip"), "127.0.0.1");
    assert_eq!(auth.get("passdb"), "passwd-file");
    let login_process = by_service
        .get("imap-login")
        .unwrap_or_else(|| panic!("{failures:#?}"));
    assert_eq!(login_process.get("user"), "bob");
    assert_eq!(login_process.get("rip"), "127.0.0.1");
    assert_eq!(login_process.get("method"), "PLAIN");
    assert_eq!(login_process.get("attempts"), "1");
    assert!(
        login_process
            .get("reason")
            .starts_with("Aborted login by logging out (auth failed, 1 attempts in "),
        "{login_process:#?}"
    );
    assert_no_parse_errors(&server, "dovecot", &log);
}

/// A throwaway PostgreSQL 15 cluster (`initdb` into a temporary directory,
/// run as `postgres` when we are root) logging every statement's duration,
/// with `%e` (SQLSTATE) and `%a` in its `log_line_prefix`.
#[test]
fn postgresql_slow_and_failing_statements_are_parsed() {
    let bin = Path::new("/usr/lib/postgresql/15/bin");
    let Some(initdb) = installed("/usr/lib/postgresql/15/bin/initdb", "postgresql-15") else {
        return;
    };
    let Some(psql) = installed("/usr/bin/psql", "postgresql-client-15") else {
        return;
    };
    let tmp = open_tempdir();
    let dir = tmp.path();
    let root = is_root();
    if root {
        chown(dir, "postgres");
    }
    // As root, the server's tools run as `postgres` (initdb refuses root).
    let as_owner = move |program: &Path| -> Command {
        if root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    };
    // Not `data`: that is Watchpost's own directory beside its manifest.
    let data = dir.join("pgdata");
    run(
        dir,
        "initdb",
        as_owner(&initdb)
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "postgres", "--no-sync"]),
    );
    let prefix = "%m [%p] %q%u@%d %a %e ";
    let pg_port = free_port();
    let mut conf = std::fs::OpenOptions::new()
        .append(true)
        .open(data.join("postgresql.conf"))
        .unwrap();
    write!(
        conf,
        "\nport = {pg_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
         logging_collector = off\nlog_min_duration_statement = 0\nlog_connections = on\n\
         log_timezone = 'UTC'\nlog_line_prefix = '{prefix}'\n",
        dir.display()
    )
    .unwrap();
    drop(conf);
    let log = dir.join("pg.log");

    let server = start_watchpost(
        dir,
        &format!(
            "[[plugin]]\nname = \"postgresql\"\nkind = \"parser\"\npath = \"postgresql\"\n\
             [plugin.config]\nlog_line_prefix = \"{prefix}\"\n"
        ),
        &file_source("postgresql", "postgresql", &log),
    );
    let pg_ctl = bin.join("pg_ctl");
    run(
        dir,
        "pg_ctl-start",
        as_owner(&pg_ctl)
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "start"]),
    );
    let _stop = {
        let mut stop = as_owner(&pg_ctl);
        stop.arg("-D").arg(&data).args(["-m", "fast", "-w", "stop"]);
        OnDrop::new(move || {
            let _ = stop.stdout(Stdio::null()).stderr(Stdio::null()).status();
        })
    };

    // psql runs each -c in turn and goes on after the error (exit status 1).
    let out = Command::new(&psql)
        .args(["-X", "-h", "127.0.0.1", "-p", &pg_port.to_string()])
        .args(["-U", "postgres", "-d", "postgres"])
        .args([
            "-c",
            "SELECT pg_sleep(0.2)",
            "-c",
            "SELECT * FROM missing_table",
        ])
        .env("PGAPPNAME", "watchpost-e2e")
        .stdin(Stdio::null())
        .output()
        .expect("psql runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r#"relation "missing_table" does not exist"#),
        "{stderr}"
    );

    let slow = wait_entries(
        &server,
        r#"{job="postgresql"} | statement="SELECT pg_sleep(0.2)""#,
        1,
        &log,
    );
    let s = &slow[0];
    let ms: f64 = s.get("duration_ms").parse().unwrap();
    assert!((150.0..60_000.0).contains(&ms), "{s:#?}");
    // The same number as the line's (a typed field: "201.220" reads 201.22).
    let raw = raw_line(&log, "statement: SELECT pg_sleep(0.2)");
    let logged: f64 = raw
        .split("duration: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no duration in {raw}"));
    assert_eq!(logged, ms, "{raw}");
    assert_eq!(s.get("error_severity"), "LOG");
    assert_eq!(s.get("level"), "info");
    assert_eq!(s.get("sql_state"), "00000");
    assert_eq!(s.get("user"), "postgres");
    assert_eq!(s.get("database"), "postgres");
    assert_eq!(s.get("application_name"), "watchpost-e2e");
    let pid = s.get("pid").to_string();
    assert!(raw.contains(&format!(" [{pid}] ")), "{raw}");

    let failing = wait_entries(
        &server,
        r#"{job="postgresql"} | sql_state="42P01""#,
        2,
        &log,
    );
    // Both lines carry the same millisecond: tell them apart by content.
    let (statements, errors): (Vec<&Entry>, Vec<&Entry>) = failing
        .iter()
        .partition(|e| e.labels.contains_key("statement"));
    assert_eq!((statements.len(), errors.len()), (1, 1), "{failing:#?}");
    let error = errors[0];
    assert_eq!(error.get("error_severity"), "ERROR");
    assert_eq!(error.get("level"), "error");
    assert_eq!(error.get("position"), "15");
    assert_eq!(error.get("pid"), pid);
    assert!(
        error
            .line
            .ends_with(r#"ERROR:  relation "missing_table" does not exist at character 15"#),
        "{error:#?}"
    );
    // The STATEMENT line is a record of its own with the ERROR's severity (no
    // `error_severity`: STATEMENT is not a severity word).
    let statement = statements[0];
    assert_eq!(statement.get("statement"), "SELECT * FROM missing_table");
    assert_eq!(statement.get("level"), "error");
    assert_eq!(statement.get("pid"), pid);
    assert_eq!(statement.get("application_name"), "watchpost-e2e");

    let connection = wait_entries(
        &server,
        r#"{job="postgresql"} |= "connection authorized""#,
        1,
        &log,
    );
    assert_eq!(connection[0].get("user"), "postgres");
    assert_eq!(connection[0].get("database"), "postgres");
    assert_no_parse_errors(&server, "postgresql", &log);
}

/// Redis 7 daemonized with its own log file; its format
/// (`pid:role dd Mon yyyy hh:mm:ss.mmm <mark> message`) read by the stock
/// `regex` parser.
#[test]
fn redis_server_log_is_parsed_by_the_regex_parser() {
    let Some(redis) = installed("/usr/bin/redis-server", "redis-server") else {
        return;
    };
    let tmp = open_tempdir();
    let dir = tmp.path();
    let log = dir.join("redis.log");
    let plugin = r#"[[plugin]]
name = "redis"
kind = "parser"
path = "regex"
[plugin.config]
pattern = '^(?P<pid>\d+):(?P<role>[XCSM]) (?P<ts>\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3}) (?P<mark>[.*#-]) (?P<msg>.*)$'
timestamp = { capture = "ts", format = "%d %b %Y %H:%M:%S%.f" }
message = "msg"
labels = ["role"]
types = { pid = "int" }
"#;
    let server = start_watchpost(dir, plugin, &file_source("redis", "redis", &log));

    let port = free_port();
    let pidfile = dir.join("redis.pid");
    run(
        dir,
        "redis-server",
        Command::new(&redis)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .arg("--logfile")
            .arg(&log)
            .arg("--dir")
            .arg(dir)
            .arg("--pidfile")
            .arg(&pidfile)
            .args(["--daemonize", "yes", "--save", "", "--appendonly", "no"]),
    );
    let _stop = {
        let pidfile = pidfile.clone();
        OnDrop::new(move || {
            if let Some(pid) = pid_in(&pidfile) {
                let _ = Command::new("kill").arg(pid.to_string()).status();
                wait_gone(Some(pid));
            }
        })
    };
    let ready = wait_entries(
        &server,
        r#"{job="redis", role="M"} |= "Ready to accept connections""#,
        1,
        &log,
    );
    let pid = pid_in(&pidfile).expect("redis wrote its pid file");
    let r = &ready[0];
    assert_eq!(r.get("pid"), pid.to_string());
    assert_eq!(r.get("mark"), "*");
    assert!(r.line.ends_with("* Ready to accept connections"), "{r:#?}");
    // Redis writes local time; it ran with TZ=UTC, so the entry is ours.
    let skew = (r.ts_ns - now_ns()).abs();
    assert!(skew < 120 * 1_000_000_000, "timestamp read: {r:#?}");

    run(
        dir,
        "redis-cli",
        Command::new("/usr/bin/redis-cli").args(["-p", &port.to_string(), "shutdown", "nosave"]),
    );
    wait_gone(Some(pid));
    let bye = wait_entries(
        &server,
        r#"{job="redis", role="M"} |= "User requested shutdown""#,
        1,
        &log,
    );
    assert_eq!(bye[0].get("mark"), "#");
    assert_eq!(bye[0].get("pid"), pid.to_string());
    assert_no_parse_errors(&server, "redis", &log);
}

/// rsyslog (no `imuxsock`, its own work directory) reads a file with
/// `imfile` and forwards each line to Watchpost twice: over TCP,
/// octet-counted, in RFC 5424, and over UDP in rsyslog's traditional RFC 3164
/// forward format.
#[test]
fn rsyslog_forwards_to_the_syslog_listener_over_tcp_and_udp() {
    let Some(rsyslogd) = installed("/usr/sbin/rsyslogd", "rsyslog") else {
        return;
    };
    let tmp = open_tempdir();
    let dir = tmp.path();
    let work = dir.join("work");
    std::fs::create_dir(&work).unwrap();
    let (tcp_port, udp_port) = (free_port(), free_port());
    let sources = format!(
        r#"[[source]]
name = "rsyslog-tcp"
type = "syslog"
listen_tcp = "127.0.0.1:{tcp_port}"
parser = "syslog"
labels = {{ job = "rsyslog", transport = "tcp" }}

[[source]]
name = "rsyslog-udp"
type = "syslog"
listen_udp = "127.0.0.1:{udp_port}"
parser = "syslog"
labels = {{ job = "rsyslog", transport = "udp" }}
"#
    );
    let server = start_watchpost(
        dir,
        "[[plugin]]\nname = \"syslog\"\nkind = \"parser\"\npath = \"syslog\"\n",
        &sources,
    );

    let app_log = dir.join("app.log");
    std::fs::write(&app_log, "").unwrap();
    let conf = dir.join("rsyslog.conf");
    std::fs::write(
        &conf,
        format!(
            r#"global(workDirectory="{work}" localHostName="relay1.watchpost.test")
module(load="imfile")
input(type="imfile" file="{app}" tag="billing:" facility="local3" severity="warning")
action(type="omfwd" target="127.0.0.1" port="{tcp_port}" protocol="tcp"
       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
action(type="omfwd" target="127.0.0.1" port="{udp_port}" protocol="udp")
"#,
            work = work.display(),
            app = app_log.display()
        ),
    )
    .unwrap();
    let rsyslog = support::Peer(
        Command::new(&rsyslogd)
            .arg("-n")
            .arg("-f")
            .arg(&conf)
            .arg("-i")
            .arg(dir.join("rsyslogd.pid"))
            .env("TZ", "UTC")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("rsyslogd.out")).unwrap())
            .stderr(std::fs::File::create(dir.join("rsyslogd.err")).unwrap())
            .spawn()
            .expect("rsyslogd starts"),
    );

    let mut app = std::fs::OpenOptions::new()
        .append(true)
        .open(&app_log)
        .unwrap();
    writeln!(app, "invoice 42 failed: card declined").unwrap();
    writeln!(app, "invoice 43 paid").unwrap();
    drop(app);

    let err = dir.join("rsyslogd.err");
    for transport in ["tcp", "udp"] {
        let got = wait_entries(
            &server,
            &format!(r#"{{job="rsyslog", transport="{transport}"}}"#),
            2,
            &err,
        );
        for (entry, text) in got
            .iter()
            .zip(["invoice 42 failed: card declined", "invoice 43 paid"])
        {
            assert_eq!(entry.get("app_name"), "billing", "{transport}: {entry:#?}");
            assert_eq!(entry.get("hostname"), "relay1.watchpost.test");
            assert_eq!(entry.get("facility"), "local3");
            assert_eq!(entry.get("level"), "warning");
            assert!(entry.line.ends_with(text), "{transport}: {entry:#?}");
            let skew = (entry.ts_ns - now_ns()).abs();
            assert!(
                skew < 120 * 1_000_000_000,
                "{transport}: time read: {entry:#?}"
            );
        }
        if transport == "tcp" {
            // RFC 5424 from rsyslog: `<156>1 <RFC 3339 time> relay1... billing - - - text`.
            assert!(got[0].line.starts_with("<156>1 "), "{:#?}", got[0]);
        } else {
            assert!(got[0].line.starts_with("<156>"), "{:#?}", got[0]);
        }
    }
    rsyslog.terminate();
    for source in ["rsyslog-tcp", "rsyslog-udp"] {
        assert_no_parse_errors(&server, source, &err);
    }
}
