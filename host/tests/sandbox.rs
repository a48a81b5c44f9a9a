//! The sandbox: capabilities are denied unless granted, and hostile plugins
//! (infinite loop, memory hog, panic) are stopped and restarted with backoff
//! while the host and other plugins carry on.

mod common;

use common::{first_value, grant, handle, misbehave, target};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};
use watchpost::runtime::{CallError, FailureReason, PluginHandle, PluginState, Runtime};

fn runtime() -> Runtime {
    Runtime::new(None).expect("runtime")
}

/// A one-request-at-a-time HTTP server on loopback answering 200 "ok".
fn http_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(16) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_connect_needs_a_network_grant() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let config = json!({"mode": "connect", "address": format!("127.0.0.1:{port}")});

    let denied = handle(&rt, misbehave("denied", config.clone()), dir.path());
    match denied.collect(target(&denied)).await {
        Err(CallError::Plugin(e)) => {
            assert!(e.message.contains("denied by the host"), "{}", e.message)
        }
        other => panic!("expected a refused connection, got {other:?}"),
    }

    let mut spec = misbehave("granted", config);
    spec.capabilities.network = vec![grant("127.0.0.1", port)];
    let granted = handle(&rt, spec, dir.path());
    let families = granted
        .collect(target(&granted))
        .await
        .expect("granted connect works");
    assert_eq!(first_value(&families), Some(1.0));

    // A grant for another port of the same host does not leak.
    let mut spec = misbehave(
        "other-port",
        json!({"mode": "connect", "address": format!("127.0.0.1:{port}")}),
    );
    spec.capabilities.network = vec![grant("127.0.0.1", port.wrapping_add(1).max(1))];
    let other = handle(&rt, spec, dir.path());
    assert!(matches!(
        other.collect(target(&other)).await,
        Err(CallError::Plugin(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_http_needs_a_network_grant() {
    let port = http_server();
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let config = json!({"mode": "http", "url": format!("http://127.0.0.1:{port}/health")});

    let denied = handle(&rt, misbehave("denied", config.clone()), dir.path());
    match denied.collect(target(&denied)).await {
        Err(CallError::Plugin(e)) => assert!(
            e.message.contains("denied") && e.message.contains(&port.to_string()),
            "the refusal should name itself and the destination: {}",
            e.message
        ),
        other => panic!("expected a denied request, got {other:?}"),
    }

    let mut spec = misbehave("granted", config);
    spec.capabilities.network = vec![grant("127.0.0.1", port)];
    let granted = handle(&rt, spec, dir.path());
    let families = granted
        .collect(target(&granted))
        .await
        .expect("granted request works");
    assert_eq!(first_value(&families), Some(200.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directories_need_a_read_grant() {
    let data = tempfile::tempdir().unwrap();
    for name in ["a", "b", "c"] {
        std::fs::write(data.path().join(name), name).unwrap();
    }
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let config = json!({"mode": "read_dir", "path": data.path().to_string_lossy()});

    let denied = handle(&rt, misbehave("denied", config.clone()), dir.path());
    assert!(matches!(
        denied.collect(target(&denied)).await,
        Err(CallError::Plugin(_))
    ));

    let mut spec = misbehave("granted", config);
    spec.capabilities.read_dirs = vec![data.path().to_path_buf()];
    let granted = handle(&rt, spec, dir.path());
    let families = granted
        .collect(target(&granted))
        .await
        .expect("granted read works");
    assert_eq!(first_value(&families), Some(3.0));

    // `..` does not escape the granted directory.
    let escape =
        json!({"mode": "read_dir", "path": format!("{}/..", data.path().to_string_lossy())});
    let mut spec = misbehave("escape", escape);
    spec.capabilities.read_dirs = vec![data.path().to_path_buf()];
    let escaping = handle(&rt, spec, dir.path());
    assert!(matches!(
        escaping.collect(target(&escaping)).await,
        Err(CallError::Plugin(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_variables_need_a_grant() {
    // PATH is set in every test environment.
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let config = json!({"mode": "env", "name": "PATH"});
    let hidden = handle(&rt, misbehave("hidden", config.clone()), dir.path());
    assert_eq!(
        first_value(&hidden.collect(target(&hidden)).await.unwrap()),
        Some(0.0)
    );
    let mut spec = misbehave("passed", config);
    spec.capabilities.env = vec!["PATH".into()];
    let passed = handle(&rt, spec, dir.path());
    assert_eq!(
        first_value(&passed.collect(target(&passed)).await.unwrap()),
        Some(1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filesystem_statistics_need_a_grant() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let config = json!({"mode": "statfs", "path": "/"});
    let denied = handle(&rt, misbehave("denied", config.clone()), dir.path());
    match denied.collect(target(&denied)).await {
        Err(CallError::Plugin(e)) => assert!(e.message.contains("not granted"), "{}", e.message),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let mut spec = misbehave("granted", config);
    spec.capabilities.fs_stats = true;
    let granted = handle(&rt, spec, dir.path());
    let size = first_value(&granted.collect(target(&granted)).await.unwrap()).unwrap();
    assert!(size > 0.0, "the root filesystem has a size");
}

/// Awaits `task` while calling `healthy` (the `misbehave` plugin in `ok`
/// mode, which counts its calls) every 20 ms, at most 50 times; returns the
/// task's result and how many calls `healthy` answered.
async fn await_while_calling<T>(
    healthy: &PluginHandle,
    task: tokio::task::JoinHandle<T>,
) -> (T, usize) {
    let mut answered = 0;
    while !task.is_finished() && answered < 50 {
        let families = healthy
            .collect(target(healthy))
            .await
            .expect("healthy plugin answers");
        answered = first_value(&families).unwrap() as usize;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (task.await.unwrap(), answered)
}

// One runtime thread: guest code runs on the plugins' own threads, so the
// loop never holds the thread the healthy plugin's calls are awaited on.
#[tokio::test(flavor = "current_thread")]
async fn an_infinite_loop_is_stopped_at_its_timeout_while_others_run() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let mut spec = misbehave("looper", json!({"mode": "loop"}));
    spec.timeout = Duration::from_millis(1500);
    let looper = handle(&rt, spec, dir.path());
    let healthy = handle(&rt, misbehave("healthy", json!({"mode": "ok"})), dir.path());

    let started = Instant::now();
    let looping = {
        let looper = looper.clone();
        tokio::spawn(async move { looper.collect(target(&looper)).await })
    };
    // While the loop spins, the healthy plugin keeps answering.
    let (result, answered) = await_while_calling(&healthy, looping).await;
    let elapsed = started.elapsed();
    match result {
        Err(CallError::Failed(f)) => assert_eq!(f.reason, FailureReason::Timeout),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        elapsed >= Duration::from_millis(1500),
        "stopped too early: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "stopped too late: {elapsed:?}"
    );
    assert!(
        answered >= 5,
        "the healthy plugin answered only {answered} times during the loop"
    );
    assert_eq!(looper.health().state, PluginState::Backoff);
}

/// A loopback server that accepts connections and never answers them
/// (holding each for `hold`).
fn silent_server(hold: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(stream) = stream else { continue };
            std::thread::spawn(move || {
                std::thread::sleep(hold);
                drop(stream);
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_stuck_in_a_host_call_is_abandoned_at_its_timeout_while_others_run() {
    let port = silent_server(Duration::from_secs(10));
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let mut spec = misbehave(
        "stuck",
        json!({"mode": "http", "url": format!("http://127.0.0.1:{port}/never")}),
    );
    spec.capabilities.network = vec![grant("127.0.0.1", port)];
    spec.timeout = Duration::from_millis(300);
    let stuck = handle(&rt, spec, dir.path());
    let healthy = handle(&rt, misbehave("healthy", json!({"mode": "ok"})), dir.path());

    let started = Instant::now();
    let waiting = {
        let stuck = stuck.clone();
        tokio::spawn(async move { stuck.collect(target(&stuck)).await })
    };
    let (result, answered) = await_while_calling(&healthy, waiting).await;
    let elapsed = started.elapsed();
    match result {
        Err(CallError::Failed(f)) => {
            assert_eq!(f.reason, FailureReason::Timeout);
            assert!(f.message.contains("host call"), "{}", f.message);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    // Its timeout plus the 500 ms grace for host calls, not the server's 10 s.
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(5),
        "abandoned too late: {elapsed:?}"
    );
    assert!(
        answered >= 5,
        "the healthy plugin answered {answered} times"
    );
    assert_eq!(stuck.health().state, PluginState::Backoff);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_past_the_limit_stops_the_plugin() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let mut spec = misbehave("hog", json!({"mode": "alloc"}));
    spec.memory_limit = 32 << 20;
    let hog = handle(&rt, spec, dir.path());
    match hog.collect(target(&hog)).await {
        Err(CallError::Failed(f)) => {
            assert_eq!(f.reason, FailureReason::Memory);
            assert!(
                f.message.contains(&(32u64 << 20).to_string()),
                "{}",
                f.message
            );
        }
        other => panic!("expected a memory failure, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_plugin_is_restarted_with_backoff() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let panicker = handle(
        &rt,
        misbehave("panicker", json!({"mode": "panic"})),
        dir.path(),
    );

    match panicker.collect(target(&panicker)).await {
        Err(CallError::Failed(f)) => {
            assert_eq!(f.reason, FailureReason::Panic);
            assert!(
                f.message.contains("misbehave was told to panic"),
                "{}",
                f.message
            );
        }
        other => panic!("expected a panic, got {other:?}"),
    }
    // Within the first backoff (1s) calls are skipped, not run.
    assert!(matches!(
        panicker.collect(target(&panicker)).await,
        Err(CallError::Backoff(_))
    ));
    assert_eq!(panicker.health().restarts, 0);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(matches!(
        panicker.collect(target(&panicker)).await,
        Err(CallError::Failed(_))
    ));
    let health = panicker.health();
    assert_eq!((health.restarts, health.failures), (1, 2));

    // The second backoff is longer (2s): after 1.1s it still skips.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    match panicker.collect(target(&panicker)).await {
        Err(CallError::Backoff(remaining)) => assert!(remaining <= Duration::from_secs(1)),
        other => panic!("expected the doubled backoff, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_error_keeps_the_instance() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let failing = handle(
        &rt,
        misbehave("failing", json!({"mode": "error"})),
        dir.path(),
    );
    for _ in 0..3 {
        assert!(matches!(
            failing.collect(target(&failing)).await,
            Err(CallError::Plugin(_))
        ));
    }
    let health = failing.health();
    assert_eq!(
        (health.failures, health.restarts, health.state),
        (0, 0, PluginState::Erroring)
    );
}
