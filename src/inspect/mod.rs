//! The Inspector: what an object holds, read with a few bounded range GETs and never a whole
//! download. A Parquet file from its footer (and the column chunks of its first rows, on
//! request), a checkpoint from its header, text and tables from their head, an image whole up
//! to a bound. Every answer says what it read. Anything a file holds, however broken or hostile,
//! ends in a plain message with bounded memory: never a panic, never a hang.

mod detect;
pub mod json_tree;
mod parquet_file;
pub mod report;
pub mod source;
mod table;
pub mod tables;
mod tensors;
pub mod text;
mod visual;

use std::sync::Arc;

use serde::Serialize;

pub use detect::{Format, describe_magic};
pub use json_tree::JsonNode;
pub use parquet_file::{ColumnSummary, ParquetSummary, RowGroupSummary, first_rows};
pub use source::{BucketStore, MemoryStore, RangeStore, ReadStats, Reader, Span};
pub use table::TablePreview;
pub use tables::TextTable;
pub use tensors::{
    CheckpointSummary, DtypeTotal, GgufSummary, NpySummary, SafetensorsSummary, ShardSummary,
    TensorInfo,
};
pub use text::TextPreview;
pub use visual::{ImagePreview, Thumbnail};

use crate::s3::S3Error;

/// How much a first look reads of text, and how many rows it shows.
#[derive(Debug, Clone, Copy)]
pub struct InspectOptions {
    pub text_bytes: u64,
    pub rows: usize,
    /// Read a Parquet file's first rows as well as its footer (else only on request).
    pub parquet_rows: bool,
}

impl InspectOptions {
    /// The first look: rows at once where the object is small, else its cheap part only.
    pub fn first_look(object_bytes: u64) -> InspectOptions {
        InspectOptions {
            text_bytes: TEXT_BYTES,
            rows: DEFAULT_ROWS,
            parquet_rows: object_bytes <= SMALL_OBJECT_BYTES,
        }
    }
}

/// Text shown at first, and added by each "load more".
pub const TEXT_BYTES: u64 = 1 << 20;
pub const DEFAULT_ROWS: usize = 50;
/// Objects up to this size show their rows at once.
pub const SMALL_OBJECT_BYTES: u64 = 8 << 20;
/// Images are read whole up to this size.
pub const IMAGE_BYTES: u64 = 20 << 20;

/// What an inspection found, and what it cost.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    pub object_bytes: u64,
    pub format: Format,
    pub read: ReadSummary,
    pub preview: Preview,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReadSummary {
    pub requests: u64,
    pub bytes: u64,
    /// The bytes of every object looked at (a checkpoint's index and its shards).
    pub of_bytes: u64,
}

impl ReadSummary {
    pub fn of(stats: &ReadStats, preview: &Preview, object_bytes: u64) -> ReadSummary {
        let shards = match preview {
            Preview::Checkpoint(c) => c.shards.iter().map(|s| s.object_bytes).sum(),
            _ => 0,
        };
        ReadSummary {
            requests: stats.requests(),
            bytes: stats.bytes(),
            of_bytes: object_bytes + shards,
        }
    }

    /// "read 212 KiB of 1.9 GiB in 3 requests"
    pub fn describe(&self) -> String {
        let requests = match self.requests {
            1 => "1 request".to_owned(),
            n => format!("{} requests", crate::format::thousands(n)),
        };
        format!(
            "read {} of {} in {requests}",
            crate::format::human_bytes(self.bytes),
            crate::format::human_bytes(self.of_bytes)
        )
    }
}

/// What the object holds, by kind.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Preview {
    Empty,
    Text(TextPreview),
    Table(TablePreview),
    Json(JsonPreview),
    Parquet(ParquetSummary),
    Safetensors(SafetensorsSummary),
    Checkpoint(CheckpointSummary),
    Gguf(GgufSummary),
    Npy(NpySummary),
    Image(ImagePreview),
    Binary(BinaryPreview),
}

#[derive(Debug, Clone, Serialize)]
pub struct JsonPreview {
    pub root: JsonNode,
    /// Only the object's head was read, or the tree was cut at its node bound.
    pub truncated: bool,
}

/// Bytes that are none of the above: their head, and what their magic number says.
#[derive(Debug, Clone, Serialize)]
pub struct BinaryPreview {
    pub magic: Option<String>,
    #[serde(serialize_with = "text::serialize_hex")]
    pub head: Vec<u8>,
}

/// Why an inspection stopped.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("{0}")]
    Read(#[from] S3Error),
    #[error("There is no object {0}.")]
    Missing(String),
    #[error("A read of bytes {}-{} lies outside the object ({size} bytes).", range.start, range.end)]
    OutOfBounds {
        range: std::ops::Range<u64>,
        size: u64,
    },
    #[error("{key} changed while it was read (it is shorter than it was).")]
    Changed { key: String },
    #[error("not a valid {format} file: {detail}")]
    Invalid {
        format: &'static str,
        detail: String,
    },
    #[error("This build cannot decompress {codec} pages, so it shows no rows.")]
    CannotDecompress { codec: String },
}

impl InspectError {
    pub fn invalid(format: &'static str, detail: impl Into<String>) -> InspectError {
        InspectError::Invalid {
            format,
            detail: detail.into(),
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match self {
            Self::Read(e) => e.hint(),
            Self::Missing(_) => "Refresh the listing: it may have been deleted.".into(),
            Self::Changed { .. } => "Inspect it again.".into(),
            Self::CannotDecompress { .. } => {
                "The desktop app and `skiff inspect` read every codec; the schema and \
                 statistics come from the footer."
                    .into()
            }
            Self::OutOfBounds { .. } | Self::Invalid { .. } => {
                "The file may be truncated or damaged, or not of the kind its name says. \
                 Download it to examine it with the tools of its format."
                    .into()
            }
        }
    }
}

/// Looks inside the object `reader` reads.
pub async fn inspect(reader: &Reader, options: InspectOptions) -> Result<Inspection, InspectError> {
    let by_name = Format::from_key(&reader.key);
    let preview = if reader.size == 0 {
        Preview::Empty
    } else if by_name == Format::Parquet {
        Preview::Parquet(parquet_file::summarize(reader, options).await?)
    } else {
        let head = reader
            .head(by_name.head_bytes(options, reader.size))
            .await?;
        let format = Format::sniff(by_name, &reader.key, &head);
        read_as(reader, format, head, options).await?
    };
    Ok(Inspection {
        key: reader.key.clone(),
        version_id: reader.version_id.clone(),
        object_bytes: reader.size,
        format: format_of(&preview, by_name),
        read: ReadSummary::of(&reader.stats, &preview, reader.size),
        preview,
    })
}

async fn read_as(
    reader: &Reader,
    format: Format,
    head: bytes::Bytes,
    options: InspectOptions,
) -> Result<Preview, InspectError> {
    let complete = head.len() as u64 == reader.size;
    Ok(match format {
        Format::Parquet => Preview::Parquet(parquet_file::summarize(reader, options).await?),
        Format::Safetensors => Preview::Safetensors(tensors::safetensors(reader, head).await?),
        Format::SafetensorsIndex => {
            let index = text::whole_text(reader, head, "safetensors index").await?;
            Preview::Checkpoint(tensors::checkpoint(reader, &index).await?)
        }
        Format::Gguf => Preview::Gguf(tensors::gguf(reader, head).await?),
        Format::Npy => Preview::Npy(tensors::npy(&head, reader.size)?),
        Format::Image => Preview::Image(visual::image(reader, head).await?),
        Format::Binary => Preview::Binary(BinaryPreview {
            magic: describe_magic(&head).map(str::to_owned),
            head: head[..head.len().min(4096)].to_vec(),
        }),
        Format::Text | Format::Csv | Format::Tsv | Format::Json | Format::Jsonl => {
            let decoded = text::decode_head(&head, complete, options.text_bytes)?;
            match (format, decoded) {
                (_, text::Decoded::Binary) => Preview::Binary(BinaryPreview {
                    magic: describe_magic(&head).map(str::to_owned),
                    head: head[..head.len().min(4096)].to_vec(),
                }),
                (Format::Csv | Format::Tsv, text::Decoded::Text(t)) => {
                    Preview::Table(table::delimited(&t, format == Format::Tsv, options.rows))
                }
                (Format::Jsonl, text::Decoded::Text(t)) => {
                    Preview::Table(table::json_lines(&t, options.rows))
                }
                (Format::Json, text::Decoded::Text(t)) => {
                    let (root, truncated) = json_tree::parse(&t.text, t.complete)?;
                    Preview::Json(JsonPreview { root, truncated })
                }
                (_, text::Decoded::Text(t)) => Preview::Text(t),
            }
        }
    })
}

/// The format an answer shows, for the headline.
fn format_of(preview: &Preview, by_name: Format) -> Format {
    match preview {
        Preview::Empty => by_name,
        Preview::Text(_) => Format::Text,
        Preview::Table(t) if t.format == "TSV" => Format::Tsv,
        Preview::Table(t) if t.format == "JSONL" => Format::Jsonl,
        Preview::Table(_) => Format::Csv,
        Preview::Json(_) => Format::Json,
        Preview::Parquet(_) => Format::Parquet,
        Preview::Safetensors(_) => Format::Safetensors,
        Preview::Checkpoint(_) => Format::SafetensorsIndex,
        Preview::Gguf(_) => Format::Gguf,
        Preview::Npy(_) => Format::Npy,
        Preview::Image(_) => Format::Image,
        Preview::Binary(_) => Format::Binary,
    }
}

/// An object of a bucket whose size is not known yet (the command line's): its first read, of
/// the part its name says matters (a Parquet footer, else the head), tells the size as well,
/// so no HEAD goes before it.
pub async fn open_in_bucket(
    connection: &crate::s3::Connection,
    bucket: &str,
    key: &str,
    version_id: Option<&str>,
) -> Result<Reader, InspectError> {
    let store = Arc::new(BucketStore {
        connection: connection.clone(),
        bucket: bucket.to_owned(),
    });
    let first = match Format::from_key(key) {
        Format::Parquet => Span::Last(parquet_file::FOOTER_PREFETCH_BYTES),
        format => Span::Range(0..format.head_bytes(InspectOptions::first_look(u64::MAX), u64::MAX)),
    };
    Reader::open(store, key, version_id, first).await
}

/// An inspection of one object of a bucket.
pub fn bucket_reader(
    connection: &crate::s3::Connection,
    bucket: &str,
    key: &str,
    version_id: Option<&str>,
    size: u64,
) -> Reader {
    let store = Arc::new(BucketStore {
        connection: connection.clone(),
        bucket: bucket.to_owned(),
    });
    Reader::new(store, key, version_id, size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader_of(key: &str, bytes: Vec<u8>) -> Reader {
        let size = bytes.len() as u64;
        let store = MemoryStore([(key.to_owned(), bytes::Bytes::from(bytes))].into());
        Reader::new(Arc::new(store), key, None, size)
    }

    #[test]
    fn text_shows_its_first_mebibyte_then_more_on_request() {
        let text: String = (0..300_000).map(|i| format!("line {i}\n")).collect();
        let reader = reader_of("big.log", text.clone().into_bytes());
        let first =
            futures::executor::block_on(inspect(&reader, InspectOptions::first_look(reader.size)))
                .unwrap();
        let Preview::Text(shown) = first.preview else {
            panic!("{:?}", first.format)
        };
        assert_eq!(shown.text.len() as u64, TEXT_BYTES);
        assert!(!shown.complete);
        assert_eq!(
            first.read,
            ReadSummary {
                requests: 1,
                bytes: TEXT_BYTES,
                of_bytes: reader.size
            }
        );
        let mut more = shown;
        while !more.complete {
            more =
                futures::executor::block_on(text::more_text(&reader, &more, TEXT_BYTES)).unwrap();
        }
        assert_eq!(more.text, text);
        assert_eq!(reader.stats.bytes(), reader.size, "each byte read once");
    }

    #[test]
    fn a_zstd_head_is_decompressed_and_a_bad_one_named() {
        let text: String = (0..50_000).map(|i| format!("{{\"id\": {i}}}\n")).collect();
        let mut compressor =
            ruzstd::encoding::FrameCompressor::new(ruzstd::encoding::CompressionLevel::Fastest);
        let mut packed = Vec::new();
        compressor.set_source(text.as_bytes());
        compressor.set_drain(&mut packed);
        compressor.compress();
        let reader = reader_of("events.jsonl.zst", packed);
        let found =
            futures::executor::block_on(inspect(&reader, InspectOptions::first_look(reader.size)))
                .unwrap();
        let Preview::Table(t) = found.preview else {
            panic!("{:?}", found.format)
        };
        assert_eq!(
            (t.format.as_str(), t.decompressed.as_deref()),
            ("JSONL", Some("zstd"))
        );
        assert_eq!(t.rows[49], ["49"]);
        let reader = reader_of(
            "x.zst",
            vec![0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0xff, 0xff, 0, 1, 2],
        );
        let e =
            futures::executor::block_on(inspect(&reader, InspectOptions::first_look(reader.size)))
                .unwrap_err();
        assert!(e.to_string().starts_with("not a valid zstd file"), "{e}");
    }
}
