//! The one upload worker, for the desktop and the browser: a single PUT below the multipart
//! threshold, else CreateMultipartUpload, the parts in flight at once, Complete, and an Abort on
//! any way out but a pause. It reads from a [`PartSource`] (positioned file reads on the desktop,
//! `Blob` slices in the browser) and keeps what a resume needs in an [`UploadRecord`] (a journal
//! file on the desktop, the job's memory in the browser).

use std::collections::BTreeMap;

use futures::StreamExt;

use super::content::crc32c_base64;
use super::error::TransferError;
use super::plan::{PartPlan, plan_parts};
use crate::s3::Connection;
use crate::s3::object_io::{ObjectHeaders, ObjectRef, SentPart, completion_answer_lost};

/// Where an upload's bytes come from.
// Crate-private: the futures' Send-ness is known where each source is used (tokio on the
// desktop, the page's one thread in the browser), which a public async trait could not promise.
#[allow(async_fn_in_trait)]
pub trait PartSource {
    /// What reading a part reserved (memory, a request slot), held until the part is sent.
    type Held;
    fn size_bytes(&self) -> u64;
    /// Bytes `[start, end)`.
    async fn read(&self, start: u64, end: u64) -> Result<(Vec<u8>, Self::Held), TransferError>;
    /// Fails if the source is no longer what the upload began to read.
    async fn check_unchanged(&self) -> Result<(), TransferError>;
}

/// A multipart upload begun, and the parts the server has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Begun {
    pub upload_id: String,
    pub parts: BTreeMap<u32, SentPart>,
}

/// What an upload keeps for its resume, and tells whoever draws its progress.
pub trait UploadRecord {
    /// The multipart upload this upload has begun, in this run or an earlier one, if any.
    fn current(&self) -> Option<Begun>;
    /// Notes that `upload_id` began.
    fn begun(&self, upload_id: &str);
    /// Notes that part `number` arrived.
    fn part_sent(&self, number: u32, part: &SentPart);
    /// The upload completed or was given up: nothing is left to resume.
    fn forget(&self);
    /// Bytes this run sent.
    fn add_bytes(&self, bytes: u64);
    /// Once the multipart upload is known: the parts and bytes an earlier run sent (none for a
    /// new upload), and the parts in all.
    fn resumed(&self, parts: u64, bytes: u64, parts_total: u64);
    /// Whether the run is stopping for a pause, which keeps the multipart upload and its
    /// record, rather than for a cancel or a failure, which abort it.
    fn pausing(&self) -> bool;
}

/// One upload's destination and how it is sent.
pub struct Upload<'a> {
    pub object: ObjectRef<'a>,
    pub headers: ObjectHeaders,
    pub multipart_threshold_bytes: u64,
    pub part_size_bytes: u64,
    pub parts_in_flight: usize,
}

/// Uploads `source` to the object of `upload`, resuming what `record` says an earlier run sent.
pub async fn upload(
    upload: &Upload<'_>,
    source: &impl PartSource,
    record: &impl UploadRecord,
) -> Result<(), TransferError> {
    let object = &upload.object;
    let size = source.size_bytes();
    if size < upload.multipart_threshold_bytes {
        let (bytes, _held) = source.read(0, size).await?;
        source.check_unchanged().await?;
        let checksum = crc32c_base64(&bytes);
        object.put(&upload.headers, bytes.into(), &checksum).await?;
        record.add_bytes(size);
        return Ok(());
    }

    let plan = plan_parts(size, upload.part_size_bytes)?;
    let begun = match resume(object, record, size, &plan).await {
        Resume::Continue(begun) => begun,
        Resume::AlreadyThere => return Ok(()),
        Resume::Start => {
            let upload_id = object.create_multipart_upload(&upload.headers).await?;
            record.begun(&upload_id);
            Begun {
                upload_id,
                parts: BTreeMap::new(),
            }
        }
    };
    let resumed_bytes = (begun.parts.keys())
        .map(|n| {
            let (start, end) = plan.range(u64::from(*n) - 1);
            end - start
        })
        .sum();
    record.resumed(begun.parts.len() as u64, resumed_bytes, plan.part_count);
    // Until completion, any way out (error, cancel, a dropped future) aborts the upload, so no
    // parts are left behind to be billed; a pause keeps it. A crash leaves it, with its record.
    let mut guard = AbortOnDrop {
        connection: object.connection,
        bucket: object.bucket,
        key: object.key,
        upload_id: Some(begun.upload_id.clone()),
        record,
    };
    let upload_id = &begun.upload_id;
    let missing = (1..=plan.part_count as u32).filter(|n| !begun.parts.contains_key(n));
    let mut sending = futures::stream::iter(missing)
        .map(|number| async move {
            let (start, end) = plan.range(u64::from(number) - 1);
            let (bytes, _held) = source.read(start, end).await?;
            // Sent with the part, so the server checks every part, and named again at
            // completion.
            let checksum = crc32c_base64(&bytes);
            let sent = (object.upload_part(upload_id, number, bytes.into(), &checksum)).await?;
            record.part_sent(number, &sent);
            record.add_bytes(end - start);
            Ok::<_, TransferError>((number, sent))
        })
        .buffer_unordered(upload.parts_in_flight.max(1));
    let mut parts = begun.parts.clone();
    while let Some(sent) = sending.next().await {
        let (number, part) = sent?;
        parts.insert(number, part);
    }
    drop(sending);
    source.check_unchanged().await?;
    match (object.complete_multipart_upload(upload_id, parts.iter().map(|(n, p)| (*n, p)))).await {
        Ok(()) => {}
        // The object itself says whether the upload completed.
        Err(e) if completion_answer_lost(&e) => {
            if !holds(object, size, None).await {
                return Err(e.into());
            }
        }
        Err(e) => return Err(e.into()),
    }
    guard.upload_id = None;
    record.forget();
    Ok(())
}

enum Resume {
    /// The server still holds the earlier run's upload: send only the parts it lacks.
    Continue(Begun),
    /// The earlier run completed the upload just before it stopped.
    AlreadyThere,
    Start,
}

async fn resume(
    object: &ObjectRef<'_>,
    record: &impl UploadRecord,
    size: u64,
    plan: &PartPlan,
) -> Resume {
    let Some(earlier) = record.current() else {
        return Resume::Start;
    };
    if object.upload_is_alive(&earlier.upload_id).await {
        return Resume::Continue(earlier);
    }
    // The run may have stopped between Complete and forgetting its record (a pause or a crash
    // as the answer came): then the object is this source already.
    let all_sent = earlier.parts.len() as u64 == plan.part_count;
    if all_sent && holds(object, size, Some(&earlier.parts)).await {
        record.forget();
        record.resumed(plan.part_count, size, plan.part_count);
        return Resume::AlreadyThere;
    }
    record.forget();
    Resume::Start
}

/// Whether the object has `size` bytes and, where `parts` are given, is what they make: its
/// stored checksum is their composite CRC32C. A HEAD on the desktop; in the browser a listing, a
/// bucket-level request, which servers that refuse a page's HEAD (moto) let it make.
async fn holds(object: &ObjectRef<'_>, size: u64, parts: Option<&BTreeMap<u32, SentPart>>) -> bool {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let Ok(head) = object.head_with_checksum().await else {
            return false;
        };
        let composite = || {
            let parts = parts?;
            super::checksum::composite_crc32c(parts.values().map(|p| p.crc32c.as_str()))
        };
        head.content_length() == Some(size as i64)
            && (parts.is_none()
                || composite().is_some_and(|expected| {
                    super::checksum::StoredChecksum::readings(&head).contains(&expected)
                }))
    }
    #[cfg(target_arch = "wasm32")]
    {
        // The browser reads no stored checksum (a page's CORS rule may hide it): size alone.
        let _ = parts;
        listed_size(object).await.ok().flatten() == Some(size)
    }
}

/// The size a listing gives `key`, if it is listed.
#[cfg(target_arch = "wasm32")]
async fn listed_size(object: &ObjectRef<'_>) -> Result<Option<u64>, crate::s3::S3Error> {
    let request = crate::s3::listing::ListRequest::recursive(object.bucket, object.key);
    let listed = crate::s3::listing::list_all(object.connection, request).await?;
    Ok((listed.objects.iter())
        .find(|o| o.key == object.key)
        .map(|o| o.size_bytes))
}

struct AbortOnDrop<'a, R: UploadRecord> {
    connection: &'a Connection,
    bucket: &'a str,
    key: &'a str,
    upload_id: Option<String>,
    record: &'a R,
}

impl<R: UploadRecord> Drop for AbortOnDrop<'_, R> {
    fn drop(&mut self) {
        let Some(upload_id) = self.upload_id.take() else {
            return;
        };
        if self.record.pausing() {
            return; // the upload and its record wait for the resume
        }
        // A cancel may have discarded it already.
        if self
            .record
            .current()
            .is_none_or(|b| b.upload_id != upload_id)
        {
            return;
        }
        self.record.forget();
        abort_later(self.connection, self.bucket, self.key, upload_id);
    }
}

/// Aborts upload `upload_id` in a task of its own (from a drop, which cannot wait), so that its
/// parts are not left to be billed.
pub fn abort_later(connection: &Connection, bucket: &str, key: &str, upload_id: String) {
    let (connection, bucket, key) = (connection.clone(), bucket.to_owned(), key.to_owned());
    crate::runtime::spawn_if_running(async move {
        let object = ObjectRef::new(&connection, &bucket, &key);
        if let Err(e) = object.abort_multipart_upload(&upload_id).await {
            let what = format!("could not abort the upload of s3://{bucket}/{key}: {e}");
            tracing::warn!("{}", crate::format::escape_lines(&what));
        }
    });
}
