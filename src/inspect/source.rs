//! Where the Inspector's bytes come from: bounded range reads of one object (and, for a sharded
//! checkpoint, of its siblings), each counted, so that every answer says what it cost.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;

use super::InspectError;
use crate::s3::Connection;
use crate::s3::object_read::{ObjectAt, RangeRead, read_last, read_range};

/// Which bytes of an object a read asks for.
#[derive(Debug, Clone)]
pub enum Span {
    /// These bytes (fewer where the object ends first).
    Range(Range<u64>),
    /// The last n bytes (all of a smaller object), which also tell its size.
    Last(u64),
}

/// A place objects are read from by range: a bucket, or memory in tests.
pub trait RangeStore: Send + Sync {
    /// Bytes `span` of `key` (of its version `version_id` where given), with the object's size.
    fn read<'a>(
        &'a self,
        key: &'a str,
        version_id: Option<&'a str>,
        span: Span,
    ) -> BoxFuture<'a, Result<RangeRead, InspectError>>;
}

/// A bucket on a connection.
pub struct BucketStore {
    pub connection: Connection,
    pub bucket: String,
}

impl RangeStore for BucketStore {
    fn read<'a>(
        &'a self,
        key: &'a str,
        version_id: Option<&'a str>,
        span: Span,
    ) -> BoxFuture<'a, Result<RangeRead, InspectError>> {
        async move {
            let at = ObjectAt {
                bucket: &self.bucket,
                key,
                version_id,
            };
            Ok(match span {
                Span::Range(range) => read_range(&self.connection, at, range, None).await?,
                Span::Last(n) => read_last(&self.connection, at, n).await?,
            })
        }
        .boxed()
    }
}

/// Objects held in memory: the formats' tests, without a server.
#[derive(Default)]
pub struct MemoryStore(pub HashMap<String, Bytes>);

impl RangeStore for MemoryStore {
    fn read<'a>(
        &'a self,
        key: &'a str,
        _version_id: Option<&'a str>,
        span: Span,
    ) -> BoxFuture<'a, Result<RangeRead, InspectError>> {
        let read = self
            .0
            .get(key)
            .map(|all| {
                let size = all.len() as u64;
                let range = match span {
                    Span::Range(range) => range,
                    Span::Last(n) => size.saturating_sub(n)..size,
                };
                let end = range.end.min(size) as usize;
                let start = (range.start as usize).min(end);
                RangeRead {
                    bytes: all.slice(start..end),
                    object_bytes: size,
                    etag: None,
                    requests: 1,
                }
            })
            .ok_or_else(|| InspectError::Missing(key.to_owned()));
        futures::future::ready(read).boxed()
    }
}

/// What an inspection has read so far.
#[derive(Debug, Default)]
pub struct ReadStats {
    requests: AtomicU64,
    bytes: AtomicU64,
}

impl ReadStats {
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}

/// One object being inspected: its size is known up front, every read is bounded by it and
/// counted.
#[derive(Clone)]
pub struct Reader {
    store: Arc<dyn RangeStore>,
    pub key: String,
    pub version_id: Option<String>,
    pub size: u64,
    pub stats: Arc<ReadStats>,
    /// Bytes the opening read brought, from their offset: reads within them cost nothing.
    primed: Option<(u64, Bytes)>,
}

impl Reader {
    pub fn new(
        store: Arc<dyn RangeStore>,
        key: &str,
        version_id: Option<&str>,
        size: u64,
    ) -> Reader {
        Reader {
            store,
            key: key.to_owned(),
            version_id: version_id.map(str::to_owned),
            size,
            stats: Arc::default(),
            primed: None,
        }
    }

    /// An object whose size is not known: its first read (`first`) learns it, in place of a
    /// HEAD, and what it brought serves the reads that fall within it.
    pub async fn open(
        store: Arc<dyn RangeStore>,
        key: &str,
        version_id: Option<&str>,
        first: Span,
    ) -> Result<Reader, InspectError> {
        let chunk = store.read(key, version_id, first.clone()).await?;
        let start = match first {
            Span::Range(range) => range.start,
            Span::Last(_) => chunk.object_bytes.saturating_sub(chunk.bytes.len() as u64),
        };
        let reader = Reader {
            store,
            key: key.to_owned(),
            version_id: version_id.map(str::to_owned),
            size: chunk.object_bytes,
            stats: Arc::default(),
            primed: Some((start, chunk.bytes.clone())),
        };
        reader.count(&chunk);
        Ok(reader)
    }

    /// Bytes `range`, which must lie within the object.
    pub async fn read(&self, range: Range<u64>) -> Result<Bytes, InspectError> {
        if range.end > self.size || range.start > range.end {
            return Err(InspectError::OutOfBounds {
                range,
                size: self.size,
            });
        }
        if range.is_empty() {
            return Ok(Bytes::new());
        }
        if let Some((start, bytes)) = &self.primed
            && range.start >= *start
            && range.end <= start + bytes.len() as u64
        {
            return Ok(bytes.slice((range.start - start) as usize..(range.end - start) as usize));
        }
        let wanted = range.end - range.start;
        let chunk = self
            .store
            .read(&self.key, self.version_id.as_deref(), Span::Range(range))
            .await?;
        self.count(&chunk);
        if (chunk.bytes.len() as u64) < wanted {
            return Err(InspectError::Changed {
                key: self.key.clone(),
            });
        }
        Ok(chunk.bytes)
    }

    /// The first bytes of the object, up to `limit`.
    pub async fn head(&self, limit: u64) -> Result<Bytes, InspectError> {
        self.read(0..self.size.min(limit)).await
    }

    /// The last `limit` bytes, or all of a smaller object.
    pub async fn tail(&self, limit: u64) -> Result<Bytes, InspectError> {
        self.read(self.size.saturating_sub(limit)..self.size).await
    }

    /// Another object of the same store (a checkpoint's shard), its reads counted with this
    /// one's; its size comes with its first read, of up to `first_read` bytes.
    pub async fn open_sibling(
        &self,
        key: &str,
        first_read: u64,
    ) -> Result<(Reader, Bytes), InspectError> {
        let chunk = (self.store)
            .read(key, None, Span::Range(0..first_read.max(1)))
            .await?;
        self.count(&chunk);
        let sibling = Reader {
            store: self.store.clone(),
            key: key.to_owned(),
            version_id: None,
            size: chunk.object_bytes,
            stats: self.stats.clone(),
            primed: None,
        };
        Ok((sibling, chunk.bytes))
    }

    fn count(&self, chunk: &RangeRead) {
        self.stats
            .requests
            .fetch_add(chunk.requests, Ordering::Relaxed);
        let bytes = chunk.bytes.len() as u64;
        self.stats.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}
