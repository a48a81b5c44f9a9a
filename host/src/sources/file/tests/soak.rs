//! Exactly-once under a seeded random mix of writes (split mid-line),
//! rename rotations (with writes to the old file after the rename), restarts
//! from the last checkpoint (also while files rotate) and small budgets —
//! for plain lines, multi-line records, and Docker lines split into partial
//! entries on interleaved streams.

use std::time::Duration;

use regex::Regex;

use super::*;
use crate::sources::file::{FileFormat, Multiline};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Plain,
    Multiline,
    Docker,
}

/// The application being tailed: numbered events, written as bytes.
struct App {
    mode: Mode,
    next: u32,
    /// Docker: per stream, the event being written and its parts written.
    open: [Option<(u32, usize)>; 2],
}

impl App {
    /// The record event `n` must come out as.
    fn record(&self, n: u32) -> String {
        match self.mode {
            Mode::Plain => format!("E{n} payload"),
            Mode::Multiline => {
                let frames = (0..n % 4).map(|j| format!("\n  at frame {n}.{j}"));
                format!("E{n} payload{}", frames.collect::<String>())
            }
            Mode::Docker => format!("E{n} payload {}", "x".repeat(n as usize % 5)),
        }
    }

    /// Some more output: a whole event, or (Docker) one entry of one.
    fn more(&mut self, rng: &mut Rng) -> String {
        if self.mode != Mode::Docker {
            self.next += 1;
            return format!("{}\n", self.record(self.next - 1));
        }
        let s = rng.below(2) as usize;
        if self.open[s].is_none() {
            self.open[s] = Some((self.next, 0));
            self.next += 1;
        }
        self.docker_part(s)
    }

    /// The rest of every event begun (Docker does not join across files).
    fn finish(&mut self) -> String {
        let mut text = String::new();
        for s in 0..2 {
            while self.open[s].is_some() {
                text.push_str(&self.docker_part(s));
            }
        }
        text
    }

    fn docker_part(&mut self, s: usize) -> String {
        let Some((n, i)) = self.open[s] else {
            return String::new();
        };
        let text = self.record(n);
        let parts = n as usize % 3 + 1;
        let (from, to) = (i * text.len() / parts, (i + 1) * text.len() / parts);
        let last = i + 1 == parts;
        self.open[s] = if last { None } else { Some((n, i + 1)) };
        let log = format!("{}{}", &text[from..to], if last { "\n" } else { "" });
        let stream = ["stdout", "stderr"][s];
        format!(
            "{}\n",
            serde_json::json!({"log": log, "stream": stream, "time": "2026-11-25T10:00:00Z"})
        )
    }
}

fn run(seed: u64, mode: Mode) {
    let env = Env::new();
    let log = env.path("app.log");
    let mut config = env.config(&["app.log"]);
    match mode {
        Mode::Plain => {}
        Mode::Multiline => {
            config.multiline = Some(Multiline {
                start: Regex::new("^E").unwrap(),
                negate: false,
                max_lines: 100,
                timeout: Duration::from_secs(1),
            })
        }
        Mode::Docker => config.format = FileFormat::DockerJson,
    }
    let mut rng = Rng(seed);
    let mut app = App {
        mode,
        next: 0,
        open: [None, None],
    };
    let mut daemon = writer(&log);
    let mut half = String::new();
    let (mut rotations, mut down, mut rotated_while_down) = (0, 0, false);
    let mut stored: Vec<String> = Vec::new();
    let mut first = Tailer::new(config.clone(), None);
    assert!(first.poll_at(env.t0, 10, 10).unwrap().records.is_empty());
    let mut checkpoint = Some(persisted(&first.checkpoint()));
    let mut tailer = Some(first);
    for _ in 0..600 {
        match rng.below(12) {
            0..=6 => {
                let mut text = std::mem::take(&mut half);
                for _ in 0..rng.below(4) {
                    text.push_str(&app.more(&mut rng));
                }
                let cut = match rng.below(2) {
                    0 => text.len(),
                    _ => text.floor_char_boundary(rng.below(text.len() as u64 + 1) as usize),
                };
                daemon.write_all(&text.as_bytes()[..cut]).unwrap();
                half = text[cut..].to_string();
            }
            // Two rotations while stopped would hide the middle file from a
            // glob that only matches `app.log`: nothing could find it.
            7 if !(tailer.is_none() && rotated_while_down) => {
                rotated_while_down = tailer.is_none();
                rotations += 1;
                fs::rename(&log, env.path(&format!("app.log.{rotations}"))).unwrap();
                let mut text = std::mem::take(&mut half);
                for _ in 0..rng.below(3) {
                    text.push_str(&app.more(&mut rng));
                }
                text.push_str(&app.finish());
                daemon.write_all(text.as_bytes()).unwrap();
                daemon = writer(&log);
            }
            8 => {
                tailer = None;
                down = rng.below(4);
            }
            _ => {}
        }
        if down > 0 {
            down -= 1;
            continue;
        }
        let tailer = tailer.get_or_insert_with(|| {
            rotated_while_down = false;
            Tailer::new(config.clone(), checkpoint.clone())
        });
        let (max_lines, max_bytes) = (1 + rng.below(20) as usize, 1 + rng.below(300) as usize);
        let poll = tailer.poll_at(env.t0, max_lines, max_bytes).unwrap();
        assert!(poll.records.len() <= max_lines);
        stored.extend(poll.records.into_iter().map(|r| r.line));
        checkpoint = Some(persisted(&tailer.checkpoint()));
    }
    half.push_str(&app.finish());
    daemon.write_all(half.as_bytes()).unwrap();
    let mut tailer = Tailer::new(config, checkpoint);
    for i in 0..200 {
        let poll = tailer
            .poll_at(env.t0 + Duration::from_secs(i), 1000, usize::MAX)
            .unwrap();
        stored.extend(poll.records.into_iter().map(|r| r.line));
    }
    assert!(tailer.files.len() == 1, "rotated files are closed");

    stored.sort_by_key(|line| line[1..].split(' ').next().unwrap().parse::<u32>().unwrap());
    let want: Vec<String> = (0..app.next).map(|n| app.record(n)).collect();
    assert_eq!(
        stored.len(),
        want.len(),
        "{mode:?} seed {seed}: every event exactly once"
    );
    assert_eq!(stored, want, "{mode:?} seed {seed}");
    assert!(
        rotations > 10 && app.next > 150,
        "{mode:?} seed {seed}: the mix did happen"
    );
}

#[test]
fn every_line_exactly_once() {
    for seed in 1..=6 {
        run(seed * 0x9e37_79b9, Mode::Plain);
    }
}

#[test]
fn every_multiline_record_exactly_once() {
    for seed in 1..=6 {
        run(seed * 0x85eb_ca6b, Mode::Multiline);
    }
}

#[test]
fn every_docker_line_exactly_once() {
    for seed in 1..=6 {
        run(seed * 0xc2b2_ae35, Mode::Docker);
    }
}
