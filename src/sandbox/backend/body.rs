//! Bytes in and out: a request body written to a staging file with its MD5 and checksums
//! computed on the way (and checked against what the client sent, in headers or trailers),
//! and an object's files read back as a stream, a range of them if asked.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use md5::Digest;
use s3s::dto::StreamingBlob;
use s3s::{S3Result, TrailingHeaders, s3_error};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::model::Checksums;
use super::storage::io;

/// What a client said the bytes are: checksums (header or trailer), an algorithm to compute,
/// a Content-MD5.
#[derive(Debug, Default, Clone)]
pub struct Expected {
    pub checksums: Checksums,
    pub algorithm: Option<String>,
    pub content_md5: Option<String>,
}

/// A body written to its staging file.
#[derive(Debug)]
pub struct Ingested {
    pub staged: PathBuf,
    pub size: u64,
    pub md5_hex: String,
    /// The checksums asked for (or, when none was, the CRC64NVME S3 computes by default).
    pub checksums: Checksums,
}

/// Writes `body` to `staged`, computing and checking what the client sent. On any failure the
/// staging file is removed.
pub async fn ingest(
    body: Option<StreamingBlob>,
    staged: PathBuf,
    mut expected: Expected,
    trailers: Option<TrailingHeaders>,
) -> S3Result<Ingested> {
    let result = write(body, &staged, &mut expected, trailers).await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&staged).await;
    }
    result
}

async fn write(
    body: Option<StreamingBlob>,
    staged: &Path,
    expected: &mut Expected,
    trailers: Option<TrailingHeaders>,
) -> S3Result<Ingested> {
    let mut hasher = hasher_for(expected);
    let mut md5 = md5::Md5::new();
    let mut file = private_file(staged).await?;
    let mut size = 0u64;
    if let Some(mut body) = body {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| s3_error!(IncompleteBody, "the body broke off: {e}"))?;
            md5.update(&chunk);
            hasher.update(&chunk);
            size += chunk.len() as u64;
            file.write_all(&chunk).await.map_err(io)?;
        }
    }
    file.flush().await.map_err(io)?;
    drop(file);
    let md5_hex = hex(&md5.finalize());
    if let Some(sent) = &expected.content_md5 {
        let sent = base64_decode(sent).ok_or_else(|| s3_error!(InvalidDigest))?;
        if hex(&sent) != md5_hex {
            return Err(s3_error!(
                BadDigest,
                "the Content-MD5 you sent does not match the body"
            ));
        }
    }
    if let Some(trailers) = trailers.and_then(|t| t.take()) {
        let value = |name: &str| {
            trailers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let sent = &mut expected.checksums;
        sent.crc32 = value("x-amz-checksum-crc32").or(sent.crc32.take());
        sent.crc32c = value("x-amz-checksum-crc32c").or(sent.crc32c.take());
        sent.crc64nvme = value("x-amz-checksum-crc64nvme").or(sent.crc64nvme.take());
        sent.sha1 = value("x-amz-checksum-sha1").or(sent.sha1.take());
        sent.sha256 = value("x-amz-checksum-sha256").or(sent.sha256.take());
    }
    let computed = hasher.finalize();
    let checksums = Checksums {
        crc32: computed.checksum_crc32,
        crc32c: computed.checksum_crc32c,
        crc64nvme: computed.checksum_crc64nvme,
        sha1: computed.checksum_sha1,
        sha256: computed.checksum_sha256,
        kind: Some("FULL_OBJECT".into()),
    };
    check_sent(&expected.checksums, &checksums)?;
    Ok(Ingested {
        staged: staged.to_owned(),
        size,
        md5_hex,
        checksums,
    })
}

/// The algorithms to compute: each the client sent or named, else CRC64NVME.
fn hasher_for(expected: &Expected) -> s3s::checksum::ChecksumHasher {
    let sent = &expected.checksums;
    let named = |name: &str| {
        expected
            .algorithm
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(name))
    };
    let mut hasher = s3s::checksum::ChecksumHasher::default();
    if sent.crc32.is_some() || named("CRC32") {
        hasher.crc32 = Some(Default::default());
    }
    if sent.crc32c.is_some() || named("CRC32C") {
        hasher.crc32c = Some(Default::default());
    }
    if sent.sha1.is_some() || named("SHA1") {
        hasher.sha1 = Some(Default::default());
    }
    if sent.sha256.is_some() || named("SHA256") {
        hasher.sha256 = Some(Default::default());
    }
    let none = hasher.crc32.is_none()
        && hasher.crc32c.is_none()
        && hasher.sha1.is_none()
        && hasher.sha256.is_none();
    if sent.crc64nvme.is_some() || named("CRC64NVME") || none {
        hasher.crc64nvme = Some(Default::default());
    }
    hasher
}

/// Each checksum the client sent must be the one computed.
pub fn check_sent(sent: &Checksums, computed: &Checksums) -> S3Result<()> {
    let pairs = [
        ("CRC32", &sent.crc32, &computed.crc32),
        ("CRC32C", &sent.crc32c, &computed.crc32c),
        ("CRC64NVME", &sent.crc64nvme, &computed.crc64nvme),
        ("SHA1", &sent.sha1, &computed.sha1),
        ("SHA256", &sent.sha256, &computed.sha256),
    ];
    for (name, sent, computed) in pairs {
        if let Some(sent) = sent
            && Some(sent) != computed.as_ref()
        {
            return Err(s3_error!(
                BadDigest,
                "The {name} you specified did not match the calculated checksum."
            ));
        }
    }
    Ok(())
}

async fn private_file(path: &Path) -> S3Result<tokio::fs::File> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path).await.map_err(io)
}

/// A stream of the bytes `start..end` of the files `segments` (each with its size) make up.
pub fn read_range(
    segments: Vec<(PathBuf, u64)>,
    start: u64,
    end: u64,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + Sync + 'static {
    // (file, offset in it, bytes to read) for each segment the range touches.
    let mut pieces = Vec::new();
    let mut at = 0u64;
    for (path, size) in segments {
        let (from, to) = (start.max(at), end.min(at + size));
        if from < to {
            pieces.push((path, from - at, to - from));
        }
        at += size;
    }
    futures::stream::iter(pieces)
        .map(|(path, offset, len)| read_piece(path, offset, len))
        .flatten()
}

const CHUNK: u64 = 256 * 1024;

fn read_piece(
    path: PathBuf,
    offset: u64,
    len: u64,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + Sync + 'static {
    futures::stream::unfold(
        (None::<tokio::fs::File>, path, offset, len),
        |(file, path, offset, left)| async move {
            if left == 0 {
                return None;
            }
            let mut file = match file {
                Some(file) => file,
                None => match open_at(&path, offset).await {
                    Ok(file) => file,
                    Err(e) => return Some((Err(e), (None, path, offset, 0))),
                },
            };
            let mut buffer = vec![0u8; CHUNK.min(left) as usize];
            match file.read_exact(&mut buffer).await {
                Ok(_) => {
                    let n = buffer.len() as u64;
                    Some((
                        Ok(Bytes::from(buffer)),
                        (Some(file), path, offset + n, left - n),
                    ))
                }
                Err(e) => Some((Err(e), (None, path, offset, 0))),
            }
        },
    )
}

async fn open_at(path: &Path, offset: u64) -> std::io::Result<tokio::fs::File> {
    let mut file = tokio::fs::File::open(path).await?;
    file.seek(std::io::SeekFrom::Start(offset)).await?;
    Ok(file)
}

pub fn blob(
    stream: impl Stream<Item = std::io::Result<Bytes>> + Send + Sync + 'static,
) -> StreamingBlob {
    StreamingBlob::wrap(stream)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    aws_smithy_types::base64::decode(text).ok()
}

pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}
