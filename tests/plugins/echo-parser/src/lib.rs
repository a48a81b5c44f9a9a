//! A parser that does no parsing: each line becomes a record whose message
//! is the line itself. Run beside its native twin (the plugin_overhead
//! bench), it measures what the parser contract costs on its own: handing a
//! batch to the guest, the SDK's batch loop and encoder, and lifting the
//! packed records back into the host.

use watchpost_sdk::{Parser, Record, SourceMeta};

/// The parser; it has no config.
pub struct EchoParser;

impl Parser for EchoParser {
    type Config = ();

    fn new(_config: ()) -> watchpost_sdk::Result<Self> {
        Ok(EchoParser)
    }

    fn parse<'a>(&mut self, line: &'a str, _meta: &SourceMeta) -> Result<Record<'a>, String> {
        Ok(Record::new(line))
    }
}

watchpost_sdk::export_parser!(EchoParser);

#[cfg(test)]
mod tests {
    use super::*;
    use watchpost_sdk::parser::{line_batch, parse_batch, resolve};
    use watchpost_sdk::testing::source_meta;

    #[test]
    fn each_line_is_its_own_message_borrowed_from_the_input() {
        let lines = ["one", "two words", ""];
        let batch = line_batch(source_meta("t", "t"), &lines);
        let parsed = parse_batch(&mut EchoParser, &batch);
        let messages: Vec<&str> = parsed
            .records
            .iter()
            .map(|r| resolve(&batch.text, &parsed, r.message))
            .collect();
        assert_eq!(messages, lines);
        assert!(parsed.arena.is_empty(), "nothing copied");
        assert!(parsed.fields.is_empty() && parsed.labels.is_empty());
    }
}
