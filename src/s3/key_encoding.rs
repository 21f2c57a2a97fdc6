//! `encoding-type=url` in listings. XML 1.0 cannot carry some characters a key may hold (most
//! C0 controls): one such key makes a listing that returns it unreadable, and with it the
//! bucket unlistable and undeletable. Every listing asks the server to percent-encode keys and
//! decodes them here, but only when the answer says it did, as servers that ignore the
//! parameter send keys as they are.

/// Decodes a key the server percent-encoded; `+` is a space, as S3 writes it (a `+` in a key
/// comes as `%2B`). `None` for bytes that are not UTF-8 or a broken escape.
pub fn decode(encoded: &str) -> Option<String> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes a key as S3 does for `encoding-type=url`: every byte but unreserved
/// characters and `/`.
pub fn encode(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// What a listing's answer holds: keys as they are, or percent-encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    Plain,
    UrlEncoded,
}

impl Keys {
    pub fn from_answer(encoding: Option<&aws_sdk_s3::types::EncodingType>) -> Self {
        match encoding {
            Some(aws_sdk_s3::types::EncodingType::Url) => Self::UrlEncoded,
            _ => Self::Plain,
        }
    }

    /// A key (or prefix, or marker) of the answer as it is in the bucket; `None` for an encoded
    /// one that does not decode (a server's fault: that entry is left out, not guessed).
    pub fn key(self, listed: &str) -> Option<String> {
        match self {
            Self::Plain => Some(listed.to_owned()),
            Self::UrlEncoded => decode(listed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_s3s_encoding() {
        for key in [
            "plain/key.txt",
            "with space+plus%percent",
            "ctl\u{1}\u{1b}[31m\nnew",
            "ünï/cödé 漢字",
            "a?b#c&d=e",
        ] {
            assert_eq!(decode(&encode(key)).as_deref(), Some(key), "{key:?}");
        }
        assert_eq!(decode("a+b%2Bc").as_deref(), Some("a b+c"));
        assert_eq!(decode("bad%zz"), None);
        assert_eq!(decode("cut%4"), None);
        assert_eq!(decode("%ff%fe"), None);
    }
}
