//! `--json` output: one JSON object per line (JSON Lines), whose strings never carry a character
//! that could steer a terminal. serde_json escapes C0 controls; DEL, C1 controls and bidi
//! overrides it writes as they are, so they are escaped here as `\uXXXX`, which every JSON
//! reader decodes to the same string.

use std::io::Write;

use serde::Serialize;

/// `value` as one line of JSON.
pub fn line(value: &impl Serialize) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, TerminalSafe);
    value
        .serialize(&mut serializer)
        .expect("plain data serialises");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Prints `value` as one line of JSON on stdout.
pub fn print(value: &impl Serialize) {
    println!("{}", line(value));
}

/// An RFC 3339 time in UTC (`2026-12-02T01:17:29Z`).
pub fn rfc3339(epoch_secs: i64) -> Option<String> {
    jiff::Timestamp::from_second(epoch_secs)
        .ok()
        .map(|t| t.to_string())
}

struct TerminalSafe;

impl serde_json::ser::Formatter for TerminalSafe {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest
            .char_indices()
            .find(|&(_, c)| crate::format::needs_escape(c))
        {
            writer.write_all(&rest.as_bytes()[..at])?;
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_carry_no_control_or_bidi_character() {
        let key = "a\u{1b}[31m\nb\u{7f}\u{9b}evil\u{202e}txt";
        let text = line(&serde_json::json!({ "key": key }));
        assert!(
            text.chars().all(|c| !c.is_control() && c != '\u{202e}'),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["key"], key);
    }
}
