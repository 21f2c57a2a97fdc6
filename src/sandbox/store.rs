//! The sandbox's storage: s3s-fs, with folder markers made to work.
//!
//! s3s-fs maps keys to file paths, so the zero-byte `prefix/` marker that S3 consoles call a
//! folder would become an empty directory, which its listings never show. Here such a key is
//! stored as a hidden file inside that directory and renamed back on the way out.

use s3s::dto::*;
use s3s::{S3, S3Request, S3Response, S3Result};

const MARKER: &str = ".skiff-folder";

pub struct SandboxStore {
    fs: s3s_fs::FileSystem,
    root: std::path::PathBuf,
}

impl SandboxStore {
    pub fn new(fs: s3s_fs::FileSystem, root: std::path::PathBuf) -> Self {
        Self { fs, root }
    }

    /// The prefix of s3s-fs's side files (metadata, checksums) for a bucket's objects.
    fn side_file_prefix(bucket: &str) -> String {
        format!(".bucket-{}.object-", url_safe_base64(bucket))
    }

    /// s3s-fs keeps each object's metadata and checksums in side files that a delete leaves
    /// behind; a later object of the same key would inherit them.
    fn remove_side_files(&self, bucket: &str, key: &str) {
        let stem = format!("{}{}", Self::side_file_prefix(bucket), url_safe_base64(key));
        for suffix in [".metadata.json", ".internal.json"] {
            let _ = std::fs::remove_file(self.root.join(format!("{stem}{suffix}")));
        }
    }

    /// S3 answers NoSuchUpload for an upload it does not know (never started, completed or
    /// aborted); s3s-fs denies access, which reads as a permissions problem. Its record of an
    /// upload is a side file named for the upload id.
    fn upload_exists(&self, upload_id: &str) -> S3Result<()> {
        let known =
            uuid_shaped(upload_id) && self.root.join(format!(".upload-{upload_id}.json")).exists();
        if known {
            Ok(())
        } else {
            Err(s3s::s3_error!(NoSuchUpload))
        }
    }

    /// Whether the bucket holds any object: any file at all below its directory.
    fn holds_objects(&self, bucket: &str) -> bool {
        fn any_file(dir: &std::path::Path) -> bool {
            std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .any(|entry| match entry.file_type() {
                    Ok(t) if t.is_dir() => any_file(&entry.path()),
                    Ok(_) => true,
                    Err(_) => false,
                })
        }
        any_file(&self.root.join(bucket))
    }

    /// s3s-fs leaves the directories of deleted keys behind, and its listings would show them
    /// as folders; remove the ones now empty, from the key's own up to the bucket.
    fn prune_empty_dirs(&self, bucket: &str, key: &str) {
        let key_path = std::path::Path::new(key);
        // Only plain path segments: `..` or a root would walk out of the bucket's directory.
        if bucket.contains(['/', '\\'])
            || !key_path
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
        {
            return;
        }
        let bucket_root = self.root.join(bucket);
        let mut dir = bucket_root.join(key_path);
        while dir.pop() && dir.starts_with(&bucket_root) && dir != bucket_root {
            // Fails on a directory that still holds anything, which ends the walk.
            if std::fs::remove_dir(&dir).is_err() {
                break;
            }
        }
    }
}

fn url_safe_base64(text: &str) -> String {
    aws_smithy_types::base64::encode(text)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

fn to_store(key: String) -> String {
    if key.ends_with('/') {
        key + MARKER
    } else {
        key
    }
}

fn from_store(key: String) -> String {
    match key.strip_suffix(MARKER) {
        Some(dir) if dir.ends_with('/') => dir.to_owned(),
        _ => key,
    }
}

fn restore_keys(contents: &mut Option<Vec<Object>>) {
    if let Some(objects) = contents {
        for o in objects.iter_mut() {
            o.key = o.key.take().map(from_store);
        }
        // `a/` sorts before `a/ b` in S3, while its stored name sorts after.
        objects.sort_by(|a, b| a.key.cmp(&b.key));
    }
}

/// Whether `id` is a UUID in its usual text form, as s3s-fs makes upload ids: nothing else may
/// reach a file name.
fn uuid_shaped(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Writes the whole `impl S3`, so that `async_trait` sees every generated method.
macro_rules! store_impl {
    (
        delegate { $($op:ident: $input:ident => $output:ident),* $(,)? }
        of_an_upload { $($uop:ident: $uinput:ident => $uoutput:ident),* $(,)? }
        with_store_key { $($kop:ident: $kinput:ident => $koutput:ident),* $(,)? }
        $($custom:tt)*
    ) => {
        #[async_trait::async_trait]
        impl S3 for SandboxStore {
            $(
                async fn $op(&self, req: S3Request<$input>) -> S3Result<S3Response<$output>> {
                    self.fs.$op(req).await
                }
            )*
            $(
                async fn $uop(&self, req: S3Request<$uinput>) -> S3Result<S3Response<$uoutput>> {
                    self.upload_exists(&req.input.upload_id)?;
                    self.fs.$uop(req).await
                }
            )*
            $(
                async fn $kop(&self, req: S3Request<$kinput>) -> S3Result<S3Response<$koutput>> {
                    let req = req.map_input(|mut input| {
                        input.key = to_store(input.key);
                        input
                    });
                    self.fs.$kop(req).await
                }
            )*
            $($custom)*
        }
    };
}

store_impl! {
    delegate {
        create_bucket: CreateBucketInput => CreateBucketOutput,
        head_bucket: HeadBucketInput => HeadBucketOutput,
        list_buckets: ListBucketsInput => ListBucketsOutput,
        get_bucket_location: GetBucketLocationInput => GetBucketLocationOutput,
        create_multipart_upload: CreateMultipartUploadInput => CreateMultipartUploadOutput,
    }
    of_an_upload {
        upload_part: UploadPartInput => UploadPartOutput,
        upload_part_copy: UploadPartCopyInput => UploadPartCopyOutput,
        list_parts: ListPartsInput => ListPartsOutput,
        complete_multipart_upload: CompleteMultipartUploadInput => CompleteMultipartUploadOutput,
        abort_multipart_upload: AbortMultipartUploadInput => AbortMultipartUploadOutput,
    }
    with_store_key {
        put_object: PutObjectInput => PutObjectOutput,
        head_object: HeadObjectInput => HeadObjectOutput,
    }
    /// S3 answers a GET with the `response-content-disposition` and `response-content-type` it
    /// names (presigned download links use them so the browser saves the file); s3s-fs ignores
    /// them.
    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let disposition = req.input.response_content_disposition.clone();
        let content_type = req.input.response_content_type.clone();
        let req = req.map_input(|mut input| {
            input.key = to_store(input.key);
            input
        });
        let mut response = self.fs.get_object(req).await?;
        if disposition.is_some() {
            response.output.content_disposition = disposition;
        }
        if let Some(content_type) = content_type {
            response.output.content_type = Some(content_type);
        }
        Ok(response)
    }

    async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        let req = req.map_input(|mut input| {
            input.key = to_store(input.key);
            if let CopySource::Bucket { bucket, key, version_id } = input.copy_source {
                input.copy_source = CopySource::Bucket {
                    bucket,
                    key: to_store(key.into()).into(),
                    version_id,
                };
            }
            input
        });
        self.fs.copy_object(req).await
    }

    /// S3 refuses to delete a bucket that holds objects; s3s-fs would delete it all.
    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        let bucket = req.input.bucket.clone();
        if bucket.contains(['/', '\\']) || bucket.starts_with('.') {
            return Err(s3s::s3_error!(InvalidBucketName));
        }
        if self.holds_objects(&bucket) {
            return Err(s3s::s3_error!(
                BucketNotEmpty,
                "The bucket you tried to delete is not empty"
            ));
        }
        let response = self.fs.delete_bucket(req).await?;
        let prefix = Self::side_file_prefix(&bucket);
        for entry in std::fs::read_dir(&self.root).into_iter().flatten().flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(response)
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        let (bucket, key) = (req.input.bucket.clone(), to_store(req.input.key.clone()));
        let req = req.map_input(|mut input| {
            input.key = to_store(input.key);
            input
        });
        let response = self.fs.delete_object(req).await?;
        self.prune_empty_dirs(&bucket, &key);
        self.remove_side_files(&bucket, &key);
        Ok(response)
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let bucket = req.input.bucket.clone();
        let quiet = req.input.delete.quiet == Some(true);
        let keys: Vec<String> = req
            .input
            .delete
            .objects
            .iter()
            .map(|o| to_store(o.key.clone()))
            .collect();
        let req = req.map_input(|mut input| {
            for o in &mut input.delete.objects {
                o.key = to_store(std::mem::take(&mut o.key));
            }
            input
        });
        let mut response = self.fs.delete_objects(req).await?;
        for key in &keys {
            self.prune_empty_dirs(&bucket, key);
            self.remove_side_files(&bucket, key);
        }
        // Quiet mode answers with the errors alone, as S3 does (s3s-fs lists every key): an
        // answer naming a key XML cannot carry would be unreadable.
        if quiet {
            response.output.deleted = None;
        }
        for d in response.output.deleted.iter_mut().flatten() {
            d.key = d.key.take().map(from_store);
        }
        for e in response.output.errors.iter_mut().flatten() {
            e.key = e.key.take().map(from_store);
        }
        Ok(response)
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let asked = asks_url_encoding(req.input.encoding_type.as_ref());
        let mut response = self.fs.list_objects_v2(req).await?;
        let o = &mut response.output;
        restore_keys(&mut o.contents);
        o.encoding_type = encode_answer(
            asked,
            &mut o.contents,
            &mut o.common_prefixes,
            [&mut o.prefix, &mut o.start_after],
        );
        Ok(response)
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        let asked = asks_url_encoding(req.input.encoding_type.as_ref());
        let mut response = self.fs.list_objects(req).await?;
        let o = &mut response.output;
        restore_keys(&mut o.contents);
        o.encoding_type = encode_answer(
            asked,
            &mut o.contents,
            &mut o.common_prefixes,
            [&mut o.prefix, &mut o.marker],
        );
        Ok(response)
    }
}

fn asks_url_encoding(encoding: Option<&EncodingType>) -> bool {
    encoding.is_some_and(|e| e.as_str() == EncodingType::URL)
}

/// s3s-fs echoes `encoding-type=url` yet sends keys as they are: where the request asked, the
/// answer's keys, prefixes and the `names` that echo keys are encoded here, as S3 does, so that
/// keys XML cannot carry still list (and a client that decodes gets the right names). Returns
/// the encoding the answer declares.
fn encode_answer<const N: usize>(
    asked: bool,
    contents: &mut Option<Vec<Object>>,
    prefixes: &mut Option<Vec<CommonPrefix>>,
    names: [&mut Option<String>; N],
) -> Option<EncodingType> {
    use crate::s3::key_encoding::encode;
    if !asked {
        return None;
    }
    let keys = (contents.iter_mut().flatten()).map(|o| &mut o.key);
    let folders = (prefixes.iter_mut().flatten()).map(|p| &mut p.prefix);
    for name in keys.chain(folders).chain(names) {
        *name = name.take().map(|n| encode(&n));
    }
    Some(EncodingType::from_static(EncodingType::URL))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_files_are_named_as_s3s_fs_names_them() {
        assert_eq!(url_safe_base64("cl-test"), "Y2wtdGVzdA");
        assert_eq!(url_safe_base64("data/sub/c"), "ZGF0YS9zdWIvYw");
        assert_eq!(url_safe_base64("\u{fb}\u{ff}"), "w7vDvw");
    }

    #[test]
    fn only_uuids_name_an_upload_file() {
        assert!(uuid_shaped("0b2f9c6e-3f1a-4c1e-9a57-2d2c1f0e8b11"));
        assert!(!uuid_shaped("an-upload-that-completed"));
        assert!(!uuid_shaped("../../../../etc/passwd-0000000000000"));
        assert!(!uuid_shaped("0b2f9c6e/3f1a-4c1e-9a57-2d2c1f0e8b11"));
    }

    #[test]
    fn marker_names_round_trip() {
        assert_eq!(to_store("a/b/".into()), "a/b/.skiff-folder");
        assert_eq!(to_store("a/b".into()), "a/b");
        assert_eq!(from_store("a/b/.skiff-folder".into()), "a/b/");
        assert_eq!(from_store("a/x.skiff-folder".into()), "a/x.skiff-folder");
        assert_eq!(from_store(to_store("top/".into())), "top/");
    }
}
