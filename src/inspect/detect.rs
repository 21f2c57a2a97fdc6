//! What kind of file an object is: its name first, then its first bytes, which win where they
//! are sure (a `.bin` that starts with `GGUF` is a GGUF file).

use serde::Serialize;

use super::{IMAGE_BYTES, InspectOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Text,
    Csv,
    Tsv,
    Json,
    Jsonl,
    Parquet,
    Safetensors,
    SafetensorsIndex,
    Gguf,
    Npy,
    Image,
    Binary,
}

/// Compressions whose head the Inspector decompresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// From the key's last extension.
    pub fn from_key(key: &str) -> Option<Compression> {
        match extension(key).as_str() {
            "gz" | "gzip" => Some(Compression::Gzip),
            "zst" | "zstd" => Some(Compression::Zstd),
            _ => None,
        }
    }

    /// From the first bytes.
    pub fn sniff(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else {
            None
        }
    }
}

fn extension(key: &str) -> String {
    let name = key.rsplit('/').next().unwrap_or(key);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::Text => "Text",
            Format::Csv => "CSV",
            Format::Tsv => "TSV",
            Format::Json => "JSON",
            Format::Jsonl => "JSON Lines",
            Format::Parquet => "Parquet",
            Format::Safetensors => "safetensors",
            Format::SafetensorsIndex => "Sharded safetensors checkpoint",
            Format::Gguf => "GGUF",
            Format::Npy => "NumPy array",
            Format::Image => "Image",
            Format::Binary => "Binary",
        }
    }

    /// What the key's name says, a compression suffix (`.csv.gz`) looked through.
    pub fn from_key(key: &str) -> Format {
        let lower = key.to_ascii_lowercase();
        if lower.ends_with(".safetensors.index.json") {
            return Format::SafetensorsIndex;
        }
        let name = match Compression::from_key(&lower) {
            Some(_) => lower
                .rsplit_once('.')
                .map_or(lower.as_str(), |(stem, _)| stem),
            None => lower.as_str(),
        };
        match extension(name).as_str() {
            "csv" => Format::Csv,
            "tsv" | "tab" => Format::Tsv,
            "json" | "geojson" | "ipynb" => Format::Json,
            "jsonl" | "ndjson" => Format::Jsonl,
            "parquet" | "pq" => Format::Parquet,
            "safetensors" => Format::Safetensors,
            "gguf" => Format::Gguf,
            "npy" => Format::Npy,
            "png" | "jpg" | "jpeg" | "webp" | "gif" => Format::Image,
            _ => Format::Text,
        }
    }

    /// How much a first read takes: headers are small, images are read whole (up to a bound),
    /// text up to the text bound.
    pub fn head_bytes(self, options: InspectOptions, object_bytes: u64) -> u64 {
        match self {
            Format::Safetensors | Format::Gguf | Format::Npy => 64 << 10,
            Format::Image if object_bytes <= IMAGE_BYTES => object_bytes,
            Format::Image => 64 << 10,
            _ => options.text_bytes.max(4096),
        }
    }

    /// The format, from the name and the first bytes: a magic number overrules the name.
    pub fn sniff(by_name: Format, key: &str, head: &[u8]) -> Format {
        if head.starts_with(b"PAR1") {
            return Format::Parquet;
        }
        if head.starts_with(b"GGUF") {
            return Format::Gguf;
        }
        if head.starts_with(b"\x93NUMPY") {
            return Format::Npy;
        }
        if image_magic(head).is_some() {
            return Format::Image;
        }
        if by_name == Format::Image {
            // Named an image but not one: say what it is.
            return Format::Binary;
        }
        if looks_like_safetensors(head) {
            return Format::Safetensors;
        }
        if by_name == Format::Text && Compression::from_key(key).is_none() {
            if let Some(Compression::Gzip | Compression::Zstd) = Compression::sniff(head) {
                return Format::Text;
            }
            if describe_magic(head).is_some() {
                return Format::Binary;
            }
        }
        by_name
    }
}

/// An 8-byte little-endian header length, then a JSON object.
fn looks_like_safetensors(head: &[u8]) -> bool {
    head.len() > 9
        && head[8] == b'{'
        && u64::from_le_bytes(head[..8].try_into().unwrap_or_default()) > 1
}

pub(super) fn image_magic(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("PNG")
    } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("JPEG")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some("GIF")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some("WebP")
    } else {
        None
    }
}

/// What the first bytes say a file is, where they say it.
pub fn describe_magic(head: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"PAR1", "Apache Parquet"),
        (b"GGUF", "GGUF model"),
        (b"\x93NUMPY", "NumPy array"),
        (
            b"PK\x03\x04",
            "ZIP archive (also .docx, .xlsx, .jar, PyTorch .pt)",
        ),
        (&[0x1f, 0x8b], "gzip compressed data"),
        (&[0x28, 0xb5, 0x2f, 0xfd], "zstd compressed data"),
        (b"BZh", "bzip2 compressed data"),
        (&[0xfd, b'7', b'z', b'X', b'Z', 0], "xz compressed data"),
        (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
        (b"%PDF", "PDF document"),
        (b"\x7fELF", "ELF executable"),
        (b"ARROW1", "Apache Arrow IPC file"),
        (b"ORC", "Apache ORC"),
        (b"Obj\x01", "Apache Avro container"),
        (b"\x89HDF\r\n\x1a\n", "HDF5 data"),
        (b"SQLite format 3\0", "SQLite database"),
        (&[0x80, 0x02], "Python pickle (protocol 2)"),
        (&[0x80, 0x04], "Python pickle (protocol 4)"),
        (&[0x80, 0x05], "Python pickle (protocol 5)"),
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (&[0xff, 0xd8, 0xff], "JPEG image"),
        (b"GIF8", "GIF image"),
        (b"OggS", "Ogg media"),
        (b"fLaC", "FLAC audio"),
        (b"ID3", "MP3 audio"),
        (&[0x1a, 0x45, 0xdf, 0xa3], "Matroska / WebM video"),
    ];
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        return Some("tar archive");
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return Some("MP4 / QuickTime media");
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some("WebP image");
    }
    MAGIC
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, what)| *what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_magic_numbers_decide_the_format() {
        assert_eq!(Format::from_key("a/b/part-0.parquet"), Format::Parquet);
        assert_eq!(Format::from_key("data.CSV.gz"), Format::Csv);
        assert_eq!(Format::from_key("logs/x.jsonl.zst"), Format::Jsonl);
        assert_eq!(
            Format::from_key("m/model.safetensors.index.json"),
            Format::SafetensorsIndex
        );
        assert_eq!(Format::from_key(".hidden"), Format::Text);
        assert_eq!(Format::from_key("README"), Format::Text);
        let gguf = b"GGUF\x03\0\0\0";
        assert_eq!(Format::sniff(Format::Text, "m.bin", gguf), Format::Gguf);
        assert_eq!(
            Format::sniff(Format::Text, "x.bin", b"PK\x03\x04...."),
            Format::Binary
        );
        assert_eq!(
            Format::sniff(Format::Image, "x.png", b"not a png"),
            Format::Binary
        );
        assert_eq!(describe_magic(b"%PDF-1.7"), Some("PDF document"));
        assert_eq!(describe_magic(b"hello"), None);
    }
}
