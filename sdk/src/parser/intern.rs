//! The field and label names a [`BatchEncoder`](super::batch::BatchEncoder)
//! has stored once per batch, found in one step: a name repeats in every
//! record, so finding it must not cost a scan of every name seen (in Wasm
//! each step of such a scan is a loop iteration, and each iteration a
//! deadline check).
//!
//! Two small tables point into the list of names: one keyed by a hash of
//! the text (open addressing: every stored name is found), and in front of
//! it one keyed by the address of the text (parsers name fields with
//! `&'static str`s, which come back at the same address), whose slot holds
//! the latest name that hashed to it, so finding a name there costs no
//! comparison of bytes.

use super::packed::TextRef;

/// Distinct names kept per batch; past this, names are simply appended.
pub const MAX_INTERNED: usize = 64;

/// Slots per table: a power of two, twice the names kept.
const SLOTS: usize = 2 * MAX_INTERNED;

/// A name stored once per batch, and the address of the text it was first
/// seen in.
struct Interned {
    address: usize,
    name: Box<str>,
    text: TextRef,
}

/// The names of one batch.
pub struct NameTable {
    interned: Vec<Interned>,
    /// Index + 1 into `interned` (0: empty), by address of the text.
    by_address: [u8; SLOTS],
    /// Index + 1 into `interned` (0: empty), by hash of the text.
    by_text: [u8; SLOTS],
}

impl Default for NameTable {
    fn default() -> Self {
        NameTable {
            interned: Vec::new(),
            by_address: [0; SLOTS],
            by_text: [0; SLOTS],
        }
    }
}

impl NameTable {
    /// The stored text of `name`, if stored. `same_address` says that a
    /// name found at `name`'s address with its length is the same name (the
    /// caller knows the address cannot have been freed and reused). (The
    /// encoder calls the two halves itself, to inline the first.)
    #[cfg(test)]
    pub fn find(&mut self, name: &str, same_address: bool) -> Option<TextRef> {
        if same_address && let Some(text) = self.by_address(name) {
            return Some(text);
        }
        self.by_text(name, same_address)
    }

    /// The stored text of the name last stored or found at `name`'s address
    /// with its length: only for a caller that knows the address is still
    /// that name's. The common case, small enough to inline.
    #[inline(always)]
    pub fn by_address(&self, name: &str) -> Option<TextRef> {
        let known = self.get(self.by_address[address_slot(name)])?;
        (known.address == name.as_ptr() as usize && known.name.len() == name.len())
            .then_some(known.text)
    }

    /// The stored text of `name`, found by its bytes; `remember_address`
    /// makes [`by_address`](Self::by_address) find it at `name`'s address.
    pub fn by_text(&mut self, name: &str, remember_address: bool) -> Option<TextRef> {
        let first = slot(text_hash(name.as_bytes()));
        // At most `MAX_INTERNED` of the `SLOTS` are used: an empty one ends
        // every probe.
        for probe in 0..SLOTS {
            let entry = self.by_text[(first + probe) % SLOTS];
            let known = self.get(entry)?;
            if *known.name == *name {
                let text = known.text;
                if remember_address {
                    self.by_address[address_slot(name)] = entry;
                }
                return Some(text);
            }
        }
        None
    }

    /// Stores `name` (found neither [`by_address`](Self::by_address) nor
    /// [`by_text`](Self::by_text)) as `text`.
    pub fn insert(&mut self, name: &str, text: TextRef) {
        if self.interned.len() >= MAX_INTERNED {
            return;
        }
        let address = name.as_ptr() as usize;
        self.interned.push(Interned {
            address,
            name: name.into(),
            text,
        });
        let entry = self.interned.len() as u8;
        self.by_address[address_slot(name)] = entry;
        let first = slot(text_hash(name.as_bytes()));
        if let Some(free) = (0..SLOTS)
            .map(|probe| (first + probe) % SLOTS)
            .find(|&s| self.by_text[s] == 0)
        {
            self.by_text[free] = entry;
        }
    }

    #[inline(always)]
    fn get(&self, entry: u8) -> Option<&Interned> {
        self.interned.get(usize::from(entry).checked_sub(1)?)
    }
}

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// The `by_address` slot of `name`: its address and length.
#[inline(always)]
fn address_slot(name: &str) -> usize {
    slot(name.as_ptr() as u64 ^ ((name.len() as u64) << 48))
}

/// The table slot of a 64-bit key (Fibonacci hashing: the top bits of the
/// product depend on every bit of the key).
#[inline(always)]
fn slot(key: u64) -> usize {
    (key.wrapping_mul(MULTIPLIER) >> (64 - SLOTS.trailing_zeros())) as usize
}

/// A hash of a name, eight bytes a step.
fn text_hash(bytes: &[u8]) -> u64 {
    let mut hash = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        hash = (hash.rotate_left(23) ^ word).wrapping_mul(MULTIPLIER);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        hash = (hash.rotate_left(23) ^ u64::from_le_bytes(last)).wrapping_mul(MULTIPLIER);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(start: u32) -> TextRef {
        TextRef { start, len: 1 }
    }

    #[test]
    fn names_are_found_by_their_bytes_at_any_address() {
        let mut table = NameTable::default();
        let names: Vec<String> = (0..MAX_INTERNED).map(|i| format!("name_{i}")).collect();
        for (i, name) in names.iter().enumerate() {
            assert_eq!(table.find(name, true), None);
            table.insert(name, text(i as u32));
        }
        for (i, name) in names.iter().enumerate() {
            let copy = name.clone();
            assert_eq!(table.find(&copy, false), Some(text(i as u32)), "{name}");
            assert_eq!(table.find(&copy, true), Some(text(i as u32)), "{name}");
            assert_eq!(table.find(name, true), Some(text(i as u32)), "{name}");
        }
        // Full: more names are not stored, and not confused with stored ones.
        table.insert("one_too_many", text(999));
        assert_eq!(table.find("one_too_many", false), None);
        assert_eq!(table.find("name_", false), None);
    }

    #[test]
    fn an_address_is_trusted_only_when_the_caller_says_so() {
        let mut table = NameTable::default();
        let mut buffer = String::from("alpha");
        table.insert(&buffer, text(1));
        // The same memory now holds another name of the same length.
        buffer.replace_range(.., "omega");
        assert_eq!(table.find(&buffer, false), None);
        // A prefix at the same address is another name.
        assert_eq!(table.find(&buffer[..3], true), None);
        assert_eq!(table.find("alpha", true), Some(text(1)));
    }

    #[test]
    fn names_whose_hashes_collide_are_all_found() {
        let mut table = NameTable::default();
        // Names of one slot, found by trying: the table must probe past each.
        let target = slot(text_hash(b"f0"));
        let colliding: Vec<String> = (0..100_000)
            .map(|i| format!("f{i}"))
            .filter(|n| slot(text_hash(n.as_bytes())) == target)
            .take(4)
            .collect();
        assert_eq!(colliding.len(), 4);
        for (i, name) in colliding.iter().enumerate() {
            table.insert(name, text(i as u32));
        }
        for (i, name) in colliding.iter().enumerate() {
            assert_eq!(table.find(&name.clone(), false), Some(text(i as u32)));
        }
    }

    #[test]
    fn hashes_spread_short_names_over_the_slots() {
        let used: std::collections::HashSet<usize> = (0..MAX_INTERNED)
            .map(|i| slot(text_hash(format!("f{i}").as_bytes())))
            .collect();
        assert!(used.len() > MAX_INTERNED / 2, "{} slots", used.len());
    }
}
