//! Physical lines: splits the bytes read from one file at `\n`, with bounded
//! memory.
//!
//! [`LineReader`] is fed the file's bytes in order, chunk by chunk, and
//! hands out each complete line once its `\n` has been read, without the
//! terminator (`\n` or `\r\n`). It keeps at most `limit + 1` bytes of a line
//! (the extra byte tells a line of exactly `limit` bytes plus `\r` from a
//! longer one); the rest is skipped and the line marked truncated, cut on a
//! char boundary. It also tracks the two offsets everything else is built
//! on: `pos`, the bytes consumed, and `line_start`, the end of the last
//! complete line (where a resumed reader must start). NUL bytes at the start
//! of a line are dropped: they are the hole a writer without `O_APPEND`
//! leaves behind after a copytruncate.

use super::identity::Tail;

/// Line buffer capacity kept between lines; a long line's is given back.
const KEPT_CAPACITY: usize = 4096;

/// One complete line, borrowed from the reader until its next call.
#[derive(Debug)]
pub(super) struct PhysLine<'a> {
    /// Offset of the line's first byte.
    pub start: u64,
    pub bytes: &'a [u8],
    pub truncated: bool,
}

#[derive(Debug)]
pub(super) struct LineReader {
    limit: usize,
    pos: u64,
    line_start: u64,
    buf: Vec<u8>,
    /// Bytes of the current line were dropped beyond `limit + 1`.
    overflow: bool,
    /// The current line is dropped entirely (started before we did).
    discard: bool,
    /// `buf` holds a line already handed out.
    handed_out: bool,
    pos_tail: Tail,
    line_tail: Tail,
}

impl LineReader {
    /// A reader starting at `pos`, a line boundary; `tail` is what precedes it.
    pub fn new(limit: usize, pos: u64, tail: Tail) -> LineReader {
        LineReader {
            limit,
            pos,
            line_start: pos,
            buf: Vec::new(),
            overflow: false,
            discard: false,
            handed_out: false,
            pos_tail: tail.clone(),
            line_tail: tail,
        }
    }

    /// Drops everything up to the next `\n` (for a reader that starts
    /// mid-line).
    pub fn discard_current_line(&mut self) {
        self.discard = true;
    }

    /// Bytes consumed so far: where the next read starts.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// End of the last complete line: where a resumed reader starts.
    pub fn line_start(&self) -> u64 {
        self.line_start
    }

    pub fn pos_tail(&self) -> &Tail {
        &self.pos_tail
    }

    pub fn line_tail(&self) -> &Tail {
        &self.line_tail
    }

    /// The capacity of the line buffer (for tests of the memory bound).
    #[cfg(test)]
    pub fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Consumes `chunk` up to and including its first `\n` (or all of it);
    /// returns the bytes consumed and the line that `\n` completed.
    pub fn next_line(&mut self, chunk: &[u8]) -> (usize, Option<PhysLine<'_>>) {
        self.clear_handed_out();
        let newline = chunk.iter().position(|&b| b == b'\n');
        let used = newline.map_or(chunk.len(), |i| i + 1);
        self.pos_tail.push(&chunk[..used]);
        self.pos += used as u64;
        if !self.discard {
            self.keep(&chunk[..newline.unwrap_or(used)]);
        }
        if newline.is_none() {
            return (used, None);
        }
        let start = self.line_start;
        self.line_start = self.pos;
        self.line_tail = self.pos_tail.clone();
        if std::mem::take(&mut self.discard) {
            return (used, None);
        }
        (used, Some(self.finish(start)))
    }

    /// Hands out the incomplete line at the end of a file that will not
    /// grow any more (rotated away, or truncated under us).
    pub fn take_incomplete(&mut self) -> Option<PhysLine<'_>> {
        self.clear_handed_out();
        let start = self.line_start;
        self.line_start = self.pos;
        self.line_tail = self.pos_tail.clone();
        let discarded = std::mem::take(&mut self.discard);
        if discarded || (self.buf.is_empty() && !self.overflow) {
            self.buf.clear();
            return None;
        }
        Some(self.finish(start))
    }

    fn clear_handed_out(&mut self) {
        if std::mem::take(&mut self.handed_out) {
            self.buf.clear();
            self.buf.shrink_to(KEPT_CAPACITY);
            self.overflow = false;
        }
    }

    fn keep(&mut self, mut body: &[u8]) {
        if self.buf.is_empty() && !self.overflow {
            let nuls = body.iter().take_while(|&&b| b == 0).count();
            body = &body[nuls..];
        }
        let room = (self.limit + 1).saturating_sub(self.buf.len());
        if body.len() > room {
            self.overflow = true;
        }
        let take = body.len().min(room);
        // Grow by doubling, but never past `limit + 1`.
        let needed = self.buf.len() + take;
        if needed > self.buf.capacity() {
            let target = (self.buf.capacity() * 2).clamp(needed, self.limit + 1);
            self.buf.reserve_exact(target - self.buf.len());
        }
        self.buf.extend_from_slice(&body[..take]);
    }

    fn finish(&mut self, start: u64) -> PhysLine<'_> {
        self.handed_out = true;
        if !self.overflow && self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        let mut truncated = self.overflow;
        if self.buf.len() > self.limit {
            truncated = true;
            let cut = floor_char_boundary(&self.buf, self.limit);
            self.buf.truncate(cut);
        }
        PhysLine {
            start,
            bytes: &self.buf,
            truncated,
        }
    }
}

/// The largest `cut <= at` that does not split a UTF-8 sequence (looking at
/// most 3 bytes back: beyond that the bytes are not UTF-8 anyway).
fn floor_char_boundary(bytes: &[u8], at: usize) -> usize {
    let mut cut = at;
    for _ in 0..3 {
        if cut > 0 && bytes.get(cut).is_some_and(|b| b & 0xC0 == 0x80) {
            cut -= 1;
        }
    }
    cut
}

/// `bytes` as text (invalid UTF-8 replaced), at most `max` bytes of it;
/// `true` if it had to be cut (replacement characters can make it longer).
pub(super) fn to_text(bytes: &[u8], max: usize) -> (String, bool) {
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    let cut = text.len() > max;
    if cut {
        text.truncate(text.floor_char_boundary(max));
    }
    (text, cut)
}

/// Appends `more` to `text` as far as `max` bytes allow; `true` if cut.
pub(super) fn push_bounded(text: &mut String, more: &str, max: usize) -> bool {
    let room = max.saturating_sub(text.len());
    if more.len() <= room {
        text.push_str(more);
        return false;
    }
    text.push_str(&more[..more.floor_char_boundary(room)]);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(limit: usize, chunks: &[&[u8]]) -> Vec<(u64, String, bool)> {
        let mut reader = LineReader::new(limit, 0, Tail::default());
        let mut out = Vec::new();
        for chunk in chunks {
            let mut off = 0;
            while off < chunk.len() {
                let (used, line) = reader.next_line(&chunk[off..]);
                off += used;
                if let Some(l) = line {
                    out.push((
                        l.start,
                        String::from_utf8_lossy(l.bytes).into(),
                        l.truncated,
                    ));
                }
            }
        }
        out
    }

    #[test]
    fn lines_across_chunks_and_crlf() {
        let got = split(100, &[b"ab", b"c\r\nd\n\r\n", b"e"]);
        let want = [(0, "abc", false), (5, "d", false), (7, "", false)];
        assert_eq!(got, want.map(|(s, t, c)| (s, t.to_string(), c)));
    }

    #[test]
    fn limit_counts_content_not_the_cr() {
        let got = split(3, &[b"abc\r\nabcd\r\nab\xc3\xa9\n\0\0x\n"]);
        let want = [
            (0, "abc", false),
            (5, "abc", true),
            (11, "ab", true),
            (16, "x", false),
        ];
        assert_eq!(got, want.map(|(s, t, c)| (s, t.to_string(), c)));
    }

    #[test]
    fn text_is_bounded_after_replacement() {
        assert_eq!(to_text(b"a\xffb", 10), ("a\u{fffd}b".to_string(), false));
        assert_eq!(to_text(b"a\xffb", 3), ("a".to_string(), true));
        let mut s = "ab".to_string();
        assert!(push_bounded(&mut s, "cé", 4));
        assert_eq!(s, "abc");
    }
}
