//! Text: the head of an object (decompressed where it is gzip or zstd), its encoding found, and
//! more of it on request; and the hex view of bytes that are not text.

use std::io::Read;

use bytes::Bytes;
use serde::{Serialize, Serializer};

use super::detect::Compression;
use super::{InspectError, Reader};

/// The largest text read whole (a checkpoint's index).
const WHOLE_TEXT_BYTES: u64 = 32 << 20;

#[derive(Debug, Clone, Serialize)]
pub struct TextPreview {
    pub encoding: String,
    /// The compression looked through, where the object is compressed.
    pub decompressed: Option<String>,
    pub text: String,
    /// Bytes of the object the text comes from: where "load more" goes on.
    pub object_bytes_read: u64,
    /// The text is all the object holds.
    pub complete: bool,
}

impl TextPreview {
    pub fn lines(&self) -> usize {
        self.text.lines().count()
    }
}

pub enum Decoded {
    Text(TextPreview),
    Binary,
}

/// The text `head` holds, up to `limit` bytes of it; `complete` says the head is the whole
/// object. Compressed heads are decompressed as far as they go.
pub fn decode_head(head: &[u8], complete: bool, limit: u64) -> Result<Decoded, InspectError> {
    // The bytes decide: a `.gz` that is not gzip is shown as what it is.
    let Some(compression) = Compression::sniff(head) else {
        let head = &head[..head.len().min(limit as usize)];
        let all = complete && head.len() as u64 <= limit;
        return Ok(decode(head, all, None).map_or(Decoded::Binary, Decoded::Text));
    };
    let (plain, ended) = decompress_head(compression, head, limit)?;
    let mut preview =
        decode(&plain, ended, Some(compression)).map_or(Decoded::Binary, Decoded::Text);
    if let Decoded::Text(t) = &mut preview {
        t.object_bytes_read = head.len() as u64;
        t.complete = ended;
    }
    Ok(preview)
}

/// Up to `limit` bytes of what `head` decompresses to, and whether the stream ended there.
fn decompress_head(
    compression: Compression,
    head: &[u8],
    limit: u64,
) -> Result<(Vec<u8>, bool), InspectError> {
    let mut out = Vec::new();
    let result = match compression {
        Compression::Gzip => flate2::read::MultiGzDecoder::new(head)
            .take(limit + 1)
            .read_to_end(&mut out),
        Compression::Zstd => match ruzstd::decoding::StreamingDecoder::new(head) {
            Ok(decoder) => decoder.take(limit + 1).read_to_end(&mut out),
            Err(e) => return Err(InspectError::invalid("zstd", e.to_string())),
        },
    };
    let ended = match result {
        Ok(_) => (out.len() as u64) <= limit,
        // The head ends inside the stream: what came out so far is the preview.
        Err(_) if !out.is_empty() => false,
        Err(e) => return Err(InspectError::invalid(compression.name(), e.to_string())),
    };
    out.truncate(limit as usize);
    Ok((out, ended))
}

/// Text in UTF-8 (with or without its mark), UTF-16 with its mark, or Latin-1 where the bytes
/// are not UTF-8 but have no NULs and few control characters; `None` for binary.
fn decode(bytes: &[u8], complete: bool, compression: Option<Compression>) -> Option<TextPreview> {
    let decompressed = compression.map(|c| c.name().to_owned());
    let preview = |encoding: &str, text: String, used: usize| TextPreview {
        encoding: encoding.to_owned(),
        decompressed: decompressed.clone(),
        text,
        object_bytes_read: used as u64,
        complete: complete && used == bytes.len(),
    };
    if let Some(rest) = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        let (text, used) = utf8_prefix(rest, complete)?;
        return Some(preview("UTF-8 (with BOM)", text, used + 3));
    }
    for (bom, name, little) in [
        (&[0xff, 0xfe], "UTF-16LE", true),
        (&[0xfe, 0xff], "UTF-16BE", false),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let units = rest.chunks_exact(2).map(|p| {
                let pair = [p[0], p[1]];
                if little {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            });
            let text: String = char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            return Some(preview(name, text, 2 + rest.len() / 2 * 2));
        }
    }
    if let Some((text, used)) = utf8_prefix(bytes, complete) {
        return (!looks_binary(text.as_bytes())).then(|| preview("UTF-8", text, used));
    }
    if looks_binary(bytes) {
        return None;
    }
    Some(preview(
        "Latin-1 (not UTF-8)",
        bytes.iter().map(|&b| b as char).collect(),
        bytes.len(),
    ))
}

/// The valid UTF-8 of `bytes`, allowing a character cut at the end of an incomplete read.
fn utf8_prefix(bytes: &[u8], complete: bool) -> Option<(String, usize)> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Some((s.to_owned(), bytes.len())),
        Err(e) if e.error_len().is_none() && !complete => {
            let valid = &bytes[..e.valid_up_to()];
            Some((String::from_utf8_lossy(valid).into_owned(), valid.len()))
        }
        Err(_) => None,
    }
}

/// NUL bytes, or more than one control character in 20 (tabs and line ends aside).
fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(64 << 10)];
    if sample.contains(&0) {
        return true;
    }
    let controls = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    controls * 20 > sample.len()
}

/// The next `limit` bytes of a plain (uncompressed) UTF-8 or Latin-1 text, after `shown`.
pub async fn more_text(
    reader: &Reader,
    shown: &TextPreview,
    limit: u64,
) -> Result<TextPreview, InspectError> {
    let start = shown.object_bytes_read;
    let end = reader.size.min(start + limit);
    let bytes = reader.read(start..end).await?;
    let complete = end == reader.size;
    let (added, used) = if shown.encoding.starts_with("Latin-1") {
        (bytes.iter().map(|&b| b as char).collect(), bytes.len())
    } else {
        utf8_prefix(&bytes, complete)
            .unwrap_or_else(|| (String::from_utf8_lossy(&bytes).into_owned(), bytes.len()))
    };
    let mut more = shown.clone();
    more.text.push_str(&added);
    more.object_bytes_read = start + used as u64;
    more.complete = complete && used == bytes.len();
    Ok(more)
}

/// A whole small object as text (`head` is its first read): a checkpoint's index.
pub async fn whole_text(
    reader: &Reader,
    head: Bytes,
    what: &'static str,
) -> Result<String, InspectError> {
    if reader.size > WHOLE_TEXT_BYTES {
        return Err(InspectError::invalid(
            what,
            format!("{} bytes is more than an index can be", reader.size),
        ));
    }
    let all = if head.len() as u64 == reader.size {
        head
    } else {
        let rest = reader.read(head.len() as u64..reader.size).await?;
        [head, rest].concat().into()
    };
    String::from_utf8(all.to_vec()).map_err(|_| InspectError::invalid(what, "it is not UTF-8 text"))
}

/// `offset  hex bytes  |ascii|`, 16 bytes a line, as `xxd` and `hexdump -C` print.
pub fn hex_lines(bytes: &[u8], first_offset: u64) -> Vec<String> {
    bytes
        .chunks(16)
        .enumerate()
        .map(|(i, row)| {
            let hex: Vec<String> = row.iter().map(|b| format!("{b:02x}")).collect();
            let ascii: String = row
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            format!(
                "{:08x}  {:<47}  |{ascii}|",
                first_offset + i as u64 * 16,
                hex.join(" ")
            )
        })
        .collect()
}

pub fn serialize_hex<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    s.serialize_str(&hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(d: Decoded) -> TextPreview {
        match d {
            Decoded::Text(t) => t,
            Decoded::Binary => panic!("binary"),
        }
    }

    #[test]
    fn encodings_are_told_apart() {
        let t = text(decode_head("héllo\n".as_bytes(), true, 1 << 20).unwrap());
        assert_eq!(
            (t.encoding.as_str(), t.text.as_str(), t.complete),
            ("UTF-8", "héllo\n", true)
        );
        // A character cut by the end of the read is left for "load more".
        let cut = &"ab€".as_bytes()[..4];
        let t = text(decode_head(cut, false, 1 << 20).unwrap());
        assert_eq!((t.text.as_str(), t.object_bytes_read), ("ab", 2));
        let t = text(decode_head(b"caf\xe9 cr\xe8me", true, 1 << 20).unwrap());
        assert_eq!(t.encoding, "Latin-1 (not UTF-8)");
        assert_eq!(t.text, "café crème");
        let t = text(decode_head(b"\xff\xfeh\0i\0", true, 1 << 20).unwrap());
        assert_eq!((t.encoding.as_str(), t.text.as_str()), ("UTF-16LE", "hi"));
        assert!(matches!(
            decode_head(b"\0\x01\x02\x03", true, 100).unwrap(),
            Decoded::Binary
        ));
    }

    #[test]
    fn gzip_heads_are_decompressed_as_far_as_they_go() {
        use std::io::Write;
        let plain: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(plain.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let whole = text(decode_head(&gz, true, 1 << 20).unwrap());
        assert_eq!(whole.text, plain);
        assert!(whole.complete);
        assert_eq!(whole.decompressed.as_deref(), Some("gzip"));
        let head = text(decode_head(&gz[..gz.len() / 2], false, 1 << 20).unwrap());
        assert!(!head.complete);
        assert!(head.text.starts_with("line 0\nline 1\n"));
        let capped = text(decode_head(&gz, true, 100).unwrap());
        assert_eq!(capped.text.len(), 100);
        assert!(!capped.complete);
    }

    #[test]
    fn hex_lines_read_like_xxd() {
        let lines = hex_lines(b"PAR1\0\x01abcdefghijklmnop", 0);
        assert_eq!(
            lines[0],
            "00000000  50 41 52 31 00 01 61 62 63 64 65 66 67 68 69 6a  |PAR1..abcdefghij|"
        );
        assert!(lines[1].starts_with("00000010  6b 6c 6d 6e 6f 70"));
    }
}
