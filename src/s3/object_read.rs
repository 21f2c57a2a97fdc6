//! Bounded reads of one object or one of its versions: what the Inspector looks inside files
//! with, and `skiff cat`'s stream.

use std::ops::Range;

use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use bytes::{Bytes, BytesMut};

use super::connection::Connection;
use super::error::S3Error;
use super::retry::transfer_retries;

/// One object, or one version of it.
#[derive(Debug, Clone, Copy)]
pub struct ObjectAt<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub version_id: Option<&'a str>,
}

impl ObjectAt<'_> {
    fn target(&self, connection: &Connection) -> crate::s3::Target {
        connection.target().bucket(self.bucket).key(self.key)
    }

    fn describe(&self, connection: &Connection) -> String {
        let target = self.target(connection);
        match self.version_id {
            Some(v) => format!("{} (version {v})", target.describe()),
            None => target.describe(),
        }
    }
}

/// Some bytes of an object and what the answer said of the whole.
#[derive(Debug, Clone)]
pub struct RangeRead {
    pub bytes: Bytes,
    /// The whole object's size (from Content-Range, or the length of a whole answer).
    pub object_bytes: u64,
    pub etag: Option<String>,
    /// Requests it took (more than one where a fallback was needed).
    pub requests: u64,
}

impl RangeRead {
    /// No bytes: an empty object, or an empty range (which takes no request).
    fn empty(requests: u64) -> RangeRead {
        RangeRead {
            bytes: Bytes::new(),
            object_bytes: 0,
            etag: None,
            requests,
        }
    }
}

/// A GET of the object, of `range` as HTTP writes it (`bytes=0-99`, `bytes=-100`) where given.
async fn get(
    connection: &Connection,
    at: ObjectAt<'_>,
    range: Option<String>,
    if_match: Option<&str>,
) -> Result<GetObjectOutput, S3Error> {
    connection
        .client
        .get_object()
        .bucket(at.bucket)
        .key(at.key)
        .set_version_id(at.version_id.map(str::to_owned))
        .set_range(range)
        .set_if_match(if_match.map(str::to_owned))
        .customize()
        .config_override(transfer_retries())
        .send()
        .await
        .map_err(|e| connection.error(e, &at.target(connection)))
}

/// Bytes `range` of the object (fewer where it ends first). `if_match` keeps every read of one
/// inspection on the object the first read saw. A server that ignores the Range header and
/// answers with the whole object is read only as far as the range, so a bounded read stays
/// bounded.
pub async fn read_range(
    connection: &Connection,
    at: ObjectAt<'_>,
    range: Range<u64>,
    if_match: Option<&str>,
) -> Result<RangeRead, S3Error> {
    let wanted = range.end.saturating_sub(range.start);
    if wanted == 0 {
        return Ok(RangeRead::empty(0));
    }
    let header = format!("bytes={}-{}", range.start, range.end - 1);
    let answer = match get(connection, at, Some(header), if_match).await {
        // Nothing to range over from its start: the object is empty.
        Err(S3Error::Service { code, .. }) if code == "InvalidRange" && range.start == 0 => {
            return Ok(RangeRead::empty(1));
        }
        other => other?,
    };
    let whole_answer = answer.content_range().is_none();
    let object_bytes = answer
        .content_range()
        .and_then(total_from_content_range)
        .or(answer.content_length().map(|n| n.max(0) as u64))
        .unwrap_or(0);
    let skip = if whole_answer { range.start } else { 0 };
    answered(connection, at, answer, (skip, wanted), object_bytes).await
}

/// The last `n` bytes of the object (all of a smaller one), in one request that also tells
/// its size: a suffix range (`bytes=-n`), so no HEAD is needed first. An empty object, which
/// has no last bytes to range over, is answered empty. A server that fails a suffix range
/// (s3s-fs does when `n` exceeds the object) is asked again with a HEAD and a plain range.
pub async fn read_last(
    connection: &Connection,
    at: ObjectAt<'_>,
    n: u64,
) -> Result<RangeRead, S3Error> {
    let answer = match get(connection, at, Some(format!("bytes=-{}", n.max(1))), None).await {
        Err(S3Error::Service { code, .. }) if code == "InvalidRange" => {
            return Ok(RangeRead::empty(1));
        }
        Err(S3Error::Service { .. } | S3Error::UnreadableAnswer { .. }) => {
            let (size, _) = size_and_etag(connection, at).await?;
            let mut read = read_range(connection, at, size.saturating_sub(n)..size, None).await?;
            read.requests += 2;
            return Ok(read);
        }
        other => other?,
    };
    let length = answer.content_length().unwrap_or(0).max(0) as u64;
    let object_bytes = match answer.content_range().and_then(total_from_content_range) {
        Some(total) => total,
        // A whole answer: the server ignored the range. Its last bytes would cost all of it.
        None if length > n => {
            return Err(S3Error::Other {
                what: at.describe(connection),
                detail: "the server ignored the Range header of a bounded read".into(),
            });
        }
        None => length,
    };
    answered(connection, at, answer, (0, n), object_bytes).await
}

/// A GET's answer as a bounded read: `wanted` bytes after skipping `skip` of its body.
async fn answered(
    connection: &Connection,
    at: ObjectAt<'_>,
    answer: GetObjectOutput,
    (skip, wanted): (u64, u64),
    object_bytes: u64,
) -> Result<RangeRead, S3Error> {
    let etag = answer.e_tag().map(str::to_owned);
    let bytes = read_bounded(answer.body, skip, wanted)
        .await
        .map_err(|detail| S3Error::Other {
            what: at.describe(connection),
            detail: format!("reading the answer failed: {detail}"),
        })?;
    Ok(RangeRead {
        bytes,
        object_bytes,
        etag,
        requests: 1,
    })
}

/// The object's size and ETag, of the version where one is named.
pub async fn size_and_etag(
    connection: &Connection,
    at: ObjectAt<'_>,
) -> Result<(u64, Option<String>), S3Error> {
    let head = connection
        .client
        .head_object()
        .bucket(at.bucket)
        .key(at.key)
        .set_version_id(at.version_id.map(str::to_owned))
        .send()
        .await
        .map_err(|e| connection.error(e, &at.target(connection)))?;
    let size = head.content_length().unwrap_or(0).max(0) as u64;
    Ok((size, head.e_tag().map(str::to_owned)))
}

/// The object's bytes as a stream, all of it or a range as HTTP writes it (`0-99`, `100-`,
/// `-100`): `skiff cat`.
pub async fn stream(
    connection: &Connection,
    at: ObjectAt<'_>,
    range: Option<&str>,
) -> Result<ByteStream, S3Error> {
    let answer = get(connection, at, range.map(|r| format!("bytes={r}")), None).await?;
    Ok(answer.body)
}

/// `bytes 0-99/1234` → 1234 (`*` when the server does not know: none).
pub fn total_from_content_range(header: &str) -> Option<u64> {
    header.rsplit_once('/')?.1.trim().parse().ok()
}

/// The first `wanted` bytes of `body` after skipping `skip`, dropping the rest unread.
async fn read_bounded(mut body: ByteStream, mut skip: u64, wanted: u64) -> Result<Bytes, String> {
    let mut out = BytesMut::with_capacity(wanted.min(16 << 20) as usize);
    while (out.len() as u64) < wanted {
        let Some(chunk) = body.try_next().await.map_err(|e| e.to_string())? else {
            break;
        };
        let mut chunk = chunk;
        if skip > 0 {
            let dropped = skip.min(chunk.len() as u64);
            chunk = chunk.slice(dropped as usize..);
            skip -= dropped;
        }
        let room = (wanted - out.len() as u64).min(chunk.len() as u64) as usize;
        out.extend_from_slice(&chunk[..room]);
    }
    Ok(out.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_comes_from_content_range() {
        assert_eq!(total_from_content_range("bytes 0-99/1234"), Some(1234));
        assert_eq!(total_from_content_range("bytes 0-99/*"), None);
        assert_eq!(total_from_content_range("garbage"), None);
    }
}
