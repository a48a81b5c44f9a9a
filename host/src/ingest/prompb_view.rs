//! A borrowed decoder of remote write's `prometheus.WriteRequest`: label
//! names and values stay slices of the request body and samples land in one
//! flat vector, so a request of thousands of series costs a handful of
//! allocations instead of several per series. It accepts and refuses the
//! same wire data as the prost messages in [`super::prompb`], with one
//! difference: label bytes are not checked for UTF-8 here. A label set that
//! matches a stored series is known good; the others are validated when
//! they are built, and a bad one fails its own series, not the request.

use std::ops::Range;

/// Nesting allowed (prost's recursion limit).
const MAX_DEPTH: u32 = 100;

/// Why a body is not a `WriteRequest`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A varint longer than 10 bytes, too large, or cut short.
    #[error("invalid varint")]
    Varint,
    /// A field key with an unknown wire type or tag 0.
    #[error("invalid field key {0}")]
    Key(u64),
    /// A known field with the wrong wire type.
    #[error("field {tag}: invalid wire type {found}")]
    WireType {
        /// Field number.
        tag: u32,
        /// Wire type found.
        found: u8,
    },
    /// A length or fixed-size value past the end of its message.
    #[error("buffer underflow")]
    Underflow,
    /// An end-group marker without its start, or the reverse.
    #[error("unbalanced group")]
    Group,
    /// Nested deeper than the limit.
    #[error("recursion limit reached")]
    Depth,
    /// A metadata string that is not UTF-8.
    #[error("invalid string value: data is not UTF-8 encoded")]
    Utf8,
}

/// One series of a request: ranges into [`WriteRequestView::labels`] and
/// [`WriteRequestView::samples`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesView {
    /// Its label pairs.
    pub labels: Range<usize>,
    /// Its float samples.
    pub samples: Range<usize>,
    /// Native histogram samples (counted, not stored).
    pub histograms: u64,
}

/// A metric's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MetadataView<'a> {
    /// Metric type enum.
    pub r#type: i32,
    /// Metric family name.
    pub metric_family_name: &'a str,
    /// Help text.
    pub help: &'a str,
    /// Unit.
    pub unit: &'a str,
}

/// A decoded request borrowing its label bytes from the body.
#[derive(Debug, Default)]
pub struct WriteRequestView<'a> {
    /// The series, in request order.
    pub series: Vec<SeriesView>,
    /// Label (name, value) pairs of all series, as sent (any order).
    pub labels: Vec<(&'a [u8], &'a [u8])>,
    /// (timestamp ms, value) of all series.
    pub samples: Vec<(i64, f64)>,
    /// Metric metadata.
    pub metadata: Vec<MetadataView<'a>>,
}

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const BYTES: u8 = 2;
const START_GROUP: u8 = 3;
const END_GROUP: u8 = 4;
const FIXED32: u8 = 5;

/// A cursor over one message's bytes.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    #[inline]
    fn varint(&mut self) -> Result<u64, DecodeError> {
        // Most varints here (keys, lengths) are one byte.
        if let Some((&b, rest)) = self.buf.split_first()
            && b < 0x80
        {
            self.buf = rest;
            return Ok(u64::from(b));
        }
        self.varint_slow()
    }

    fn varint_slow(&mut self) -> Result<u64, DecodeError> {
        let mut value = 0u64;
        for i in 0..10 {
            let Some((&b, rest)) = self.buf.split_first() else {
                return Err(DecodeError::Varint);
            };
            self.buf = rest;
            if i == 9 && b > 1 {
                return Err(DecodeError::Varint);
            }
            value |= u64::from(b & 0x7F) << (7 * i);
            if b < 0x80 {
                return Ok(value);
            }
        }
        Err(DecodeError::Varint)
    }

    /// The next field's (tag, wire type), or `None` at the end.
    fn key(&mut self) -> Result<Option<(u32, u8)>, DecodeError> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let wire = (key & 7) as u8;
        if key > u64::from(u32::MAX) || wire > FIXED32 || key >> 3 == 0 {
            return Err(DecodeError::Key(key));
        }
        Ok(Some(((key >> 3) as u32, wire)))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.buf.len() {
            return Err(DecodeError::Underflow);
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.varint()?;
        self.take(usize::try_from(len).map_err(|_| DecodeError::Underflow)?)
    }

    fn fixed64(&mut self) -> Result<u64, DecodeError> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    /// Skips a field of wire type `wire` (already keyed by `tag`).
    fn skip(&mut self, tag: u32, wire: u8, depth: u32) -> Result<(), DecodeError> {
        match wire {
            VARINT => self.varint().map(drop),
            FIXED64 => self.take(8).map(drop),
            BYTES => self.bytes().map(drop),
            FIXED32 => self.take(4).map(drop),
            START_GROUP => {
                if depth >= MAX_DEPTH {
                    return Err(DecodeError::Depth);
                }
                loop {
                    match self.key()? {
                        None => return Err(DecodeError::Group),
                        Some((t, END_GROUP)) if t == tag => return Ok(()),
                        Some((_, END_GROUP)) => return Err(DecodeError::Group),
                        Some((t, w)) => self.skip(t, w, depth + 1)?,
                    }
                }
            }
            _ => Err(DecodeError::Group),
        }
    }
}

fn expect(tag: u32, wire: u8, want: u8) -> Result<(), DecodeError> {
    if wire == want {
        Ok(())
    } else {
        Err(DecodeError::WireType { tag, found: wire })
    }
}

/// Checks a nested message whose fields are skipped, except that `known`
/// (tag, wire type) pairs must have their wire type, and those of wire
/// type `BYTES` listed in `messages` must themselves be well-formed.
fn check(
    buf: &[u8],
    known: &[(u32, u8)],
    messages: &[(u32, &[(u32, u8)])],
    depth: u32,
) -> Result<(), DecodeError> {
    if depth >= MAX_DEPTH {
        return Err(DecodeError::Depth);
    }
    let mut r = Reader { buf };
    while let Some((tag, wire)) = r.key()? {
        if let Some(&(_, want)) = known.iter().find(|(t, _)| *t == tag) {
            expect(tag, wire, want)?;
        }
        if let Some(&(_, inner)) = messages.iter().find(|(t, _)| *t == tag) {
            check(r.bytes()?, inner, &[], depth + 1)?;
        } else {
            r.skip(tag, wire, depth + 1)?;
        }
    }
    Ok(())
}

/// `prometheus.Label`'s fields.
const LABEL_FIELDS: &[(u32, u8)] = &[(1, BYTES), (2, BYTES)];
/// `prometheus.Exemplar`'s fields: labels, value, timestamp.
const EXEMPLAR_FIELDS: &[(u32, u8)] = &[(1, BYTES), (2, FIXED64), (3, VARINT)];
/// `prometheus.Histogram`'s timestamp, the one field Watchpost reads.
const HISTOGRAM_FIELDS: &[(u32, u8)] = &[(15, VARINT)];

impl<'a> WriteRequestView<'a> {
    /// Decodes `buf`, an uncompressed `WriteRequest`.
    pub fn decode(buf: &'a [u8]) -> Result<WriteRequestView<'a>, DecodeError> {
        // Sized for a typical series (a handful of labels, a sample or
        // two): the vectors rarely grow.
        let mut view = WriteRequestView {
            series: Vec::with_capacity(buf.len() / 128),
            labels: Vec::with_capacity(buf.len() / 24),
            samples: Vec::with_capacity(buf.len() / 64),
            metadata: Vec::new(),
        };
        let mut r = Reader { buf };
        while let Some((tag, wire)) = r.key()? {
            match tag {
                1 => {
                    expect(tag, wire, BYTES)?;
                    let series = r.bytes()?;
                    view.series_from(series)?;
                }
                3 => {
                    expect(tag, wire, BYTES)?;
                    let m = metadata(r.bytes()?)?;
                    view.metadata.push(m);
                }
                _ => r.skip(tag, wire, 1)?,
            }
        }
        Ok(view)
    }

    /// Appends one `TimeSeries`.
    fn series_from(&mut self, buf: &'a [u8]) -> Result<(), DecodeError> {
        let labels_start = self.labels.len();
        let samples_start = self.samples.len();
        let mut histograms = 0;
        let mut r = Reader { buf };
        while let Some((tag, wire)) = r.key()? {
            match tag {
                1 => {
                    expect(tag, wire, BYTES)?;
                    let pair = label(r.bytes()?)?;
                    self.labels.push(pair);
                }
                2 => {
                    expect(tag, wire, BYTES)?;
                    let s = sample(r.bytes()?)?;
                    self.samples.push(s);
                }
                3 => {
                    expect(tag, wire, BYTES)?;
                    check(r.bytes()?, EXEMPLAR_FIELDS, &[(1, LABEL_FIELDS)], 2)?;
                }
                4 => {
                    expect(tag, wire, BYTES)?;
                    check(r.bytes()?, HISTOGRAM_FIELDS, &[], 2)?;
                    histograms += 1;
                }
                _ => r.skip(tag, wire, 2)?,
            }
        }
        self.series.push(SeriesView {
            labels: labels_start..self.labels.len(),
            samples: samples_start..self.samples.len(),
            histograms,
        });
        Ok(())
    }

    /// The label pairs of `series`.
    pub fn labels_of(&self, series: &SeriesView) -> &[(&'a [u8], &'a [u8])] {
        &self.labels[series.labels.clone()]
    }

    /// The samples of `series`.
    pub fn samples_of(&self, series: &SeriesView) -> &[(i64, f64)] {
        &self.samples[series.samples.clone()]
    }
}

/// One `Label`: (name, value), the last of each when repeated.
fn label(buf: &[u8]) -> Result<(&[u8], &[u8]), DecodeError> {
    let (mut name, mut value): (&[u8], &[u8]) = (&[], &[]);
    let mut r = Reader { buf };
    while let Some((tag, wire)) = r.key()? {
        match tag {
            1 => {
                expect(tag, wire, BYTES)?;
                name = r.bytes()?;
            }
            2 => {
                expect(tag, wire, BYTES)?;
                value = r.bytes()?;
            }
            _ => r.skip(tag, wire, 3)?,
        }
    }
    Ok((name, value))
}

/// One `Sample`: (timestamp, value).
fn sample(buf: &[u8]) -> Result<(i64, f64), DecodeError> {
    let (mut t, mut v) = (0i64, 0f64);
    let mut r = Reader { buf };
    while let Some((tag, wire)) = r.key()? {
        match tag {
            1 => {
                expect(tag, wire, FIXED64)?;
                v = f64::from_bits(r.fixed64()?);
            }
            2 => {
                expect(tag, wire, VARINT)?;
                t = r.varint()? as i64;
            }
            _ => r.skip(tag, wire, 3)?,
        }
    }
    Ok((t, v))
}

fn text(b: &[u8]) -> Result<&str, DecodeError> {
    std::str::from_utf8(b).map_err(|_| DecodeError::Utf8)
}

/// One `MetricMetadata`.
fn metadata(buf: &[u8]) -> Result<MetadataView<'_>, DecodeError> {
    let mut m = MetadataView::default();
    let mut r = Reader { buf };
    while let Some((tag, wire)) = r.key()? {
        match tag {
            1 => {
                expect(tag, wire, VARINT)?;
                m.r#type = r.varint()? as i32;
            }
            2 => {
                expect(tag, wire, BYTES)?;
                m.metric_family_name = text(r.bytes()?)?;
            }
            4 => {
                expect(tag, wire, BYTES)?;
                m.help = text(r.bytes()?)?;
            }
            5 => {
                expect(tag, wire, BYTES)?;
                m.unit = text(r.bytes()?)?;
            }
            _ => r.skip(tag, wire, 2)?,
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests;
