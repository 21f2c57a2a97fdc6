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
use crate::s3::object_read::{ObjectAt, read_last, read_range};

/// Some bytes of an object and the object's size.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub bytes: Bytes,
    pub object_bytes: u64,
    pub requests: u64,
}

/// A place objects are read from by range: a bucket, or memory in tests.
pub trait RangeStore: Send + Sync {
    /// Bytes `range` of `key` (of its version `version_id` where given), fewer where the object
    /// ends first.
    fn read<'a>(
        &'a self,
        key: &'a str,
        version_id: Option<&'a str>,
        range: Range<u64>,
    ) -> BoxFuture<'a, Result<Chunk, InspectError>>;

    /// The last `n` bytes of `key` (all of a smaller object), with its size.
    fn read_last<'a>(
        &'a self,
        key: &'a str,
        version_id: Option<&'a str>,
        n: u64,
    ) -> BoxFuture<'a, Result<Chunk, InspectError>>;
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
        range: Range<u64>,
    ) -> BoxFuture<'a, Result<Chunk, InspectError>> {
        async move {
            let at = ObjectAt {
                bucket: &self.bucket,
                key,
                version_id,
            };
            let read = read_range(&self.connection, at, range, None).await?;
            Ok(Chunk {
                bytes: read.bytes,
                object_bytes: read.object_bytes,
                requests: read.requests,
            })
        }
        .boxed()
    }

    fn read_last<'a>(
        &'a self,
        key: &'a str,
        version_id: Option<&'a str>,
        n: u64,
    ) -> BoxFuture<'a, Result<Chunk, InspectError>> {
        async move {
            let at = ObjectAt {
                bucket: &self.bucket,
                key,
                version_id,
            };
            let read = read_last(&self.connection, at, n).await?;
            Ok(Chunk {
                bytes: read.bytes,
                object_bytes: read.object_bytes,
                requests: read.requests,
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
        range: Range<u64>,
    ) -> BoxFuture<'a, Result<Chunk, InspectError>> {
        let chunk = self
            .0
            .get(key)
            .map(|all| {
                let end = range.end.min(all.len() as u64) as usize;
                let start = (range.start as usize).min(end);
                Chunk {
                    bytes: all.slice(start..end),
                    object_bytes: all.len() as u64,
                    requests: 1,
                }
            })
            .ok_or_else(|| InspectError::Missing(key.to_owned()));
        futures::future::ready(chunk).boxed()
    }

    fn read_last<'a>(
        &'a self,
        key: &'a str,
        version_id: Option<&'a str>,
        n: u64,
    ) -> BoxFuture<'a, Result<Chunk, InspectError>> {
        let size = self.0.get(key).map_or(0, |b| b.len() as u64);
        self.read(key, version_id, size.saturating_sub(n)..size)
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

/// What the first read of an object takes when its size is not known yet: that read tells it.
#[derive(Debug, Clone, Copy)]
pub enum FirstRead {
    /// The first bytes (a header).
    Head(u64),
    /// The last bytes (a footer).
    Tail(u64),
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
        first: FirstRead,
    ) -> Result<Reader, InspectError> {
        let chunk = match first {
            FirstRead::Head(n) => store.read(key, version_id, 0..n.max(1)).await?,
            FirstRead::Tail(n) => store.read_last(key, version_id, n).await?,
        };
        let start = match first {
            FirstRead::Head(_) => 0,
            FirstRead::Tail(_) => chunk.object_bytes.saturating_sub(chunk.bytes.len() as u64),
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
            .read(&self.key, self.version_id.as_deref(), range)
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
        let chunk = self.store.read(key, None, 0..first_read.max(1)).await?;
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

    fn count(&self, chunk: &Chunk) {
        self.stats
            .requests
            .fetch_add(chunk.requests, Ordering::Relaxed);
        let bytes = chunk.bytes.len() as u64;
        self.stats.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}
