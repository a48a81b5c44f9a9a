//! The borrowed decoder against prost's on the same bytes: generated
//! requests, then those requests mutated (flipped, cut, spliced bytes).

use super::*;
use crate::ingest::prompb::{
    Exemplar, Histogram, Label, MetricMetadata, Sample, TimeSeries, WriteRequest,
};
use prost::Message;

/// xorshift64: a reproducible stream for the generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn text(&mut self) -> String {
        const PIECES: &[&str] = &[
            "",
            "a",
            "job",
            "__name__",
            "é",
            "x_1",
            "🙂",
            "\0",
            "long_value_",
        ];
        (0..self.below(4))
            .map(|_| PIECES[self.below(PIECES.len() as u64) as usize])
            .collect()
    }
}

fn generate(rng: &mut Rng) -> WriteRequest {
    let label = |rng: &mut Rng| Label {
        name: rng.text(),
        value: rng.text(),
    };
    let timeseries = (0..rng.below(5))
        .map(|_| TimeSeries {
            labels: (0..rng.below(5)).map(|_| label(rng)).collect(),
            samples: (0..rng.below(4))
                .map(|_| Sample {
                    value: f64::from_bits(rng.next()),
                    timestamp: rng.next() as i64 >> rng.below(64),
                })
                .collect(),
            exemplars: (0..rng.below(2))
                .map(|_| Exemplar {
                    labels: vec![label(rng)],
                    value: 1.5,
                    timestamp: rng.below(1000) as i64,
                })
                .collect(),
            histograms: (0..rng.below(2))
                .map(|_| Histogram {
                    timestamp: rng.below(1000) as i64,
                })
                .collect(),
        })
        .collect();
    let metadata = (0..rng.below(2))
        .map(|_| MetricMetadata {
            r#type: rng.below(8) as i32,
            metric_family_name: rng.text(),
            help: rng.text(),
            unit: rng.text(),
        })
        .collect();
    WriteRequest {
        timeseries,
        metadata,
    }
}

/// A series as both decoders must see it: label pairs, (timestamp, value
/// bits), native histogram count.
type SeriesSeen = (Vec<(Vec<u8>, Vec<u8>)>, Vec<(i64, u64)>, u64);

/// What both decoders must agree on.
#[derive(Debug, PartialEq)]
struct Decoded {
    series: Vec<SeriesSeen>,
    metadata: Vec<(i32, String, String, String)>,
}

fn from_prost(r: &WriteRequest) -> Decoded {
    Decoded {
        series: r
            .timeseries
            .iter()
            .map(|ts| {
                (
                    ts.labels
                        .iter()
                        .map(|l| (l.name.as_bytes().to_vec(), l.value.as_bytes().to_vec()))
                        .collect(),
                    ts.samples
                        .iter()
                        .map(|s| (s.timestamp, s.value.to_bits()))
                        .collect(),
                    ts.histograms.len() as u64,
                )
            })
            .collect(),
        metadata: r
            .metadata
            .iter()
            .map(|m| {
                (
                    m.r#type,
                    m.metric_family_name.clone(),
                    m.help.clone(),
                    m.unit.clone(),
                )
            })
            .collect(),
    }
}

fn from_view(v: &WriteRequestView<'_>) -> Decoded {
    Decoded {
        series: v
            .series
            .iter()
            .map(|s| {
                (
                    v.labels_of(s)
                        .iter()
                        .map(|(n, v)| (n.to_vec(), v.to_vec()))
                        .collect(),
                    v.samples_of(s)
                        .iter()
                        .map(|&(t, x)| (t, x.to_bits()))
                        .collect(),
                    s.histograms,
                )
            })
            .collect(),
        metadata: v
            .metadata
            .iter()
            .map(|m| {
                (
                    m.r#type,
                    m.metric_family_name.to_string(),
                    m.help.to_string(),
                    m.unit.to_string(),
                )
            })
            .collect(),
    }
}

/// Both decoders on `bytes`: same content when prost accepts, refusal when
/// prost refuses for any reason but a label's UTF-8 (checked later here).
fn agree(bytes: &[u8]) -> (bool, bool) {
    let theirs = WriteRequest::decode(bytes);
    let ours = WriteRequestView::decode(bytes);
    match (&theirs, &ours) {
        (Ok(t), Ok(o)) => assert_eq!(from_prost(t), from_view(o), "{bytes:?}"),
        (Ok(_), Err(e)) => panic!("prost accepts what we refuse ({e}): {bytes:?}"),
        (Err(e), Ok(_)) => assert!(
            e.to_string().contains("UTF-8"),
            "we accept what prost refuses ({e}): {bytes:?}"
        ),
        (Err(_), Err(_)) => {}
    }
    (theirs.is_ok(), ours.is_ok())
}

#[test]
fn decodes_what_prost_encodes() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..2000 {
        let request = generate(&mut rng);
        let bytes = request.encode_to_vec();
        let view = WriteRequestView::decode(&bytes).unwrap();
        assert_eq!(from_view(&view), from_prost(&request));
    }
}

#[test]
fn accepts_and_refuses_mutated_bytes_as_prost_does() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..20_000 {
        let mut bytes = generate(&mut rng).encode_to_vec();
        if bytes.is_empty() {
            continue;
        }
        for _ in 0..=rng.below(3) {
            let at = rng.below(bytes.len() as u64) as usize;
            match rng.below(4) {
                0 => bytes[at] ^= 1 << rng.below(8),
                1 => bytes[at] = rng.next() as u8,
                2 => bytes.truncate(at),
                _ => bytes.insert(at, rng.next() as u8),
            }
            if bytes.is_empty() {
                break;
            }
        }
        let (_, ours) = agree(&bytes);
        if ours {
            accepted += 1;
        } else {
            refused += 1;
        }
    }
    // The mutations exercise both sides.
    assert!(accepted > 1000 && refused > 1000, "{accepted} / {refused}");
}

#[test]
fn refuses_hand_made_malformations() {
    let cases: &[(&[u8], DecodeError)] = &[
        (&[0x0A, 0x05, 0x0A], DecodeError::Underflow),
        (&[0x00], DecodeError::Key(0)),
        (&[0x0F], DecodeError::Key(15)),
        (&[0x08, 0x01], DecodeError::WireType { tag: 1, found: 0 }),
        (&[0xFF; 11], DecodeError::Varint),
        (&[0x14], DecodeError::Group),
        (&[0x13, 0x08, 0x01], DecodeError::Group),
        // A sample whose value is a varint, not a double.
        (
            &[0x0A, 0x04, 0x12, 0x02, 0x08, 0x01],
            DecodeError::WireType { tag: 1, found: 0 },
        ),
        // Metadata help that is not UTF-8.
        (&[0x1A, 0x03, 0x22, 0x01, 0xFF], DecodeError::Utf8),
    ];
    for (bytes, want) in cases {
        assert_eq!(
            WriteRequestView::decode(bytes).unwrap_err(),
            *want,
            "{bytes:?}"
        );
        assert!(
            WriteRequest::decode(*bytes).is_err(),
            "prost too: {bytes:?}"
        );
    }
    // A balanced unknown group and unknown fields are skipped.
    let skipped = [0x13, 0x08, 0x01, 0x14, 0x28, 0x07];
    assert_eq!(WriteRequestView::decode(&skipped).unwrap().series.len(), 0);
    assert!(WriteRequest::decode(&skipped[..]).is_ok());
}

#[test]
fn label_bytes_are_passed_through_unvalidated() {
    // {name: "a", value: 0xFF}: prost refuses the request; the view keeps
    // the bytes so only this series fails when its set is built.
    let label = [0x0A, 0x01, b'a', 0x12, 0x01, 0xFF];
    let series = [&[0x0A, label.len() as u8][..], &label].concat();
    let bytes = [&[0x0A, series.len() as u8][..], &series].concat();
    let view = WriteRequestView::decode(&bytes).unwrap();
    assert_eq!(view.labels, vec![(&b"a"[..], &[0xFF][..])]);
    assert!(WriteRequest::decode(&bytes[..]).is_err());
}
