//! The requests that move one object's bytes, each with the transfer retry policy: an upload's
//! single PUT, or its multipart Create, UploadPart, Complete and Abort; a download's GETs; the
//! HEADs that check both. Upload bodies go with their CRC32C, which the server checks, and
//! unsigned where [`Connection::signs_payloads`] allows.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart, StorageClass};
use serde::{Deserialize, Serialize};

use super::connection::{Connection, SignBodyWhereNeeded};
use super::error::S3Error;
use super::retry::{retry_unreadable, transfer_retries};

/// What a new object carries besides its bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectHeaders {
    pub content_type: String,
    pub storage_class: Option<String>,
    pub metadata: Vec<(String, String)>,
}

impl ObjectHeaders {
    fn storage_class(&self) -> Option<StorageClass> {
        self.storage_class.as_deref().map(StorageClass::from)
    }

    fn metadata(&self) -> Option<std::collections::HashMap<String, String>> {
        (!self.metadata.is_empty()).then(|| self.metadata.iter().cloned().collect())
    }
}

/// A part the server has: what Complete names it by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentPart {
    pub etag: Option<String>,
    pub crc32c: String,
}

/// One object, as the requests of its upload or download name it; a download may name one of
/// its versions.
#[derive(Debug, Clone, Copy)]
pub struct ObjectRef<'a> {
    pub connection: &'a Connection,
    pub bucket: &'a str,
    pub key: &'a str,
    pub version_id: Option<&'a str>,
}

impl<'a> ObjectRef<'a> {
    /// The current object.
    pub fn new(connection: &'a Connection, bucket: &'a str, key: &'a str) -> ObjectRef<'a> {
        ObjectRef {
            connection,
            bucket,
            key,
            version_id: None,
        }
    }

    /// This version of it (`None`: the current one).
    pub fn at_version(self, version_id: Option<&'a str>) -> ObjectRef<'a> {
        ObjectRef { version_id, ..self }
    }
}

impl ObjectRef<'_> {
    fn error<E>(
        &self,
        e: aws_sdk_s3::error::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    ) -> S3Error
    where
        E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        let target = self.connection.target().bucket(self.bucket).key(self.key);
        self.connection.error(e, &target)
    }

    /// `s3://bucket/key` on its endpoint, for messages.
    pub fn describe(&self) -> String {
        (self.connection.target().bucket(self.bucket).key(self.key)).describe()
    }

    /// Stores `body` whole, in one PUT.
    pub async fn put(
        &self,
        headers: &ObjectHeaders,
        body: bytes::Bytes,
        crc32c: &str,
    ) -> Result<(), S3Error> {
        let (connection, storage_class, metadata) =
            (self.connection, headers.storage_class(), headers.metadata());
        retry_unreadable(|| async {
            connection
                .client
                .put_object()
                .bucket(self.bucket)
                .key(self.key)
                .content_type(&headers.content_type)
                .set_storage_class(storage_class.clone())
                .set_metadata(metadata.clone())
                .checksum_crc32_c(crc32c)
                .body(ByteStream::from(body.clone()))
                .customize()
                .config_override(transfer_retries())
                .sign_body_where_needed(connection)
                .send()
                .await
                .map_err(|e| self.error(e))
        })
        .await?;
        Ok(())
    }

    /// Begins a multipart upload whose parts carry CRC32C checksums; its upload id.
    pub async fn create_multipart_upload(
        &self,
        headers: &ObjectHeaders,
    ) -> Result<String, S3Error> {
        let created = self
            .connection
            .client
            .create_multipart_upload()
            .bucket(self.bucket)
            .key(self.key)
            .content_type(&headers.content_type)
            .set_storage_class(headers.storage_class())
            .set_metadata(headers.metadata())
            .checksum_algorithm(ChecksumAlgorithm::Crc32C)
            .customize()
            .config_override(transfer_retries())
            .send()
            .await
            .map_err(|e| self.error(e))?;
        match created.upload_id() {
            Some(id) if !id.is_empty() => Ok(id.to_owned()),
            _ => Err(S3Error::Other {
                what: self.describe(),
                detail: "the server began a multipart upload but named no upload id".into(),
            }),
        }
    }

    /// Sends part `number` (from 1) of upload `upload_id`.
    pub async fn upload_part(
        &self,
        upload_id: &str,
        number: u32,
        body: bytes::Bytes,
        crc32c: &str,
    ) -> Result<SentPart, S3Error> {
        let out = retry_unreadable(|| async {
            self.connection
                .client
                .upload_part()
                .bucket(self.bucket)
                .key(self.key)
                .upload_id(upload_id)
                .part_number(number as i32)
                .checksum_crc32_c(crc32c)
                .body(ByteStream::from(body.clone()))
                .customize()
                .config_override(transfer_retries())
                .sign_body_where_needed(self.connection)
                .send()
                .await
                .map_err(|e| self.error(e))
        })
        .await?;
        Ok(SentPart {
            etag: out.e_tag().map(str::to_owned),
            crc32c: crc32c.to_owned(),
        })
    }

    /// Makes the object of `parts` (numbered from 1, in any order). Each part is named with its
    /// checksum again: some servers echo none back.
    pub async fn complete_multipart_upload<'p>(
        &self,
        upload_id: &str,
        parts: impl IntoIterator<Item = (u32, &'p SentPart)>,
    ) -> Result<(), S3Error> {
        let mut parts: Vec<CompletedPart> = parts
            .into_iter()
            .map(|(number, sent)| {
                CompletedPart::builder()
                    .part_number(number as i32)
                    .set_e_tag(sent.etag.clone())
                    .checksum_crc32_c(&sent.crc32c)
                    .build()
            })
            .collect();
        parts.sort_by_key(|p| p.part_number());
        self.connection
            .client
            .complete_multipart_upload()
            .bucket(self.bucket)
            .key(self.key)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .customize()
            .config_override(transfer_retries())
            .send()
            .await
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Ends upload `upload_id` and frees its parts.
    pub async fn abort_multipart_upload(&self, upload_id: &str) -> Result<(), S3Error> {
        self.connection
            .client
            .abort_multipart_upload()
            .bucket(self.bucket)
            .key(self.key)
            .upload_id(upload_id)
            .customize()
            .config_override(transfer_retries())
            .send()
            .await
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Whether the server still holds upload `upload_id`, so that a resume can send only the
    /// parts it lacks.
    pub async fn upload_is_alive(&self, upload_id: &str) -> bool {
        let alive = self
            .connection
            .client
            .list_parts()
            .bucket(self.bucket)
            .key(self.key)
            .upload_id(upload_id)
            .customize()
            .config_override(transfer_retries())
            .send()
            .await
            .map_err(|e| self.error(e));
        // moto answers ListParts in a form the SDK cannot read; a 2xx still means it exists.
        matches!(alive, Ok(_) | Err(S3Error::UnreadableAnswer { .. }))
    }

    /// A HEAD that asks for the object's stored checksum, with a transfer's retries.
    pub async fn head_with_checksum(
        &self,
    ) -> Result<aws_sdk_s3::operation::head_object::HeadObjectOutput, S3Error> {
        self.connection
            .client
            .head_object()
            .bucket(self.bucket)
            .key(self.key)
            .set_version_id(self.version_id.map(str::to_owned))
            .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
            .customize()
            .config_override(transfer_retries())
            .send()
            .await
            .map_err(|e| self.error(e))
    }
}

impl ObjectRef<'_> {
    /// The object's bytes, or bytes `[start, end)` of them, as a stream. `if_match` makes sure
    /// they are of the object an earlier request saw; `checksum_mode` lets the SDK check a
    /// whole object against the checksum the server stored.
    pub async fn get(
        &self,
        range: Option<(u64, u64)>,
        if_match: Option<&str>,
        checksum_mode: bool,
    ) -> Result<ByteStream, S3Error> {
        let answer = self
            .connection
            .client
            .get_object()
            .bucket(self.bucket)
            .key(self.key)
            .set_version_id(self.version_id.map(str::to_owned))
            .set_range(range.map(|(start, end)| format!("bytes={start}-{}", end - 1)))
            .set_if_match(if_match.map(str::to_owned))
            .set_checksum_mode(checksum_mode.then_some(aws_sdk_s3::types::ChecksumMode::Enabled))
            .customize()
            .config_override(transfer_retries())
            .send()
            .await
            .map_err(|e| self.error(e))?;
        Ok(answer.body)
    }

    /// The size of part 1 of a multipart object (a HEAD with `partNumber=1`), or `None` where
    /// the server does not tell.
    pub async fn first_part_bytes(&self, if_match: Option<&str>) -> Option<u64> {
        let first = self
            .connection
            .client
            .head_object()
            .bucket(self.bucket)
            .key(self.key)
            .set_version_id(self.version_id.map(str::to_owned))
            .part_number(1)
            .set_if_match(if_match.map(str::to_owned))
            .customize()
            .config_override(transfer_retries())
            .send()
            .await
            .ok()?;
        first.content_length().filter(|n| *n > 0).map(|n| n as u64)
    }
}

/// Whether a failed Complete may have completed all the same: its answer was lost (a dropped
/// connection, or a form the SDK cannot read, as moto's), or a retry found the upload already
/// completed. The object then tells.
pub fn completion_answer_lost(e: &S3Error) -> bool {
    match e {
        S3Error::UnreadableAnswer { .. } => true,
        S3Error::Service { code, .. } => code == "NoSuchUpload",
        _ => false,
    }
}
