//! Backfill through `POST /api/v1/import/prometheus` (text exposition).

mod support;

use support::Server;

#[test]
fn text_backfill_stores_good_lines_and_names_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_bare(dir.path());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("{}/api/v1/import/prometheus", server.base);

    let body = "# HELP mail_queue_depth Postfix queue\n# TYPE mail_queue_depth gauge\nmail_queue_depth{queue=\"deferred\"} 12 1700000000000\nmail_queue_depth{queue=\"deferred\"} 15 1700000060000\n";
    let resp = agent.post(&url).send(body).unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let series = server.raw("mail_queue_depth{queue=\"deferred\"}");
    let values = series[0]["values"].as_array().unwrap();
    assert_eq!(values.len(), 2);
    assert_eq!(values[0][0].as_f64(), Some(1_700_000_000.0));
    assert_eq!(values[1][1], "15");

    let mut resp = agent
        .post(&url)
        .send("good_metric 1 1700000000000\nbad metric line\n")
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let text = resp.body_mut().read_to_string().unwrap();
    assert!(
        text.contains("stored 1 samples") && text.contains("line 2"),
        "{text}"
    );
    assert_eq!(server.raw("good_metric").len(), 1);
}
