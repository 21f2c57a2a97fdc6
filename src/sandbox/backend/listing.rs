//! Listings from the in-memory index (a B-tree of keys): a page starts where the marker points
//! and reads only what it returns, so it costs the same at key 1 and at key 1,000,000.
//! ListObjectsV2 and V1, ListObjectVersions, ListBuckets, with prefixes, delimiters, markers and
//! `encoding-type=url`.

use std::collections::BTreeMap;
use std::ops::Bound;

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use super::model::Version;
use super::objects::bucket;
use super::storage::Storage;
use super::{etag, timestamp};

/// One entry of a page: a key and the versions of it the page shows, or a common prefix.
enum Entry<'a> {
    Key(&'a str, Vec<&'a Version>),
    Prefix(String),
}

struct Page<'a> {
    entries: Vec<Entry<'a>>,
    truncated: bool,
    /// The key (or common prefix) and version the next page starts after.
    next: Option<(String, Option<String>)>,
}

/// Where the keys that start with `prefix` end: the least string above all of them (its last
/// character raised by one, `a/` to `a0`), or nowhere when every character is the largest.
/// Not `prefix + U+10FFFF`: a key may go on past that character.
fn past(prefix: &str) -> Bound<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Bound::Included(chars.into_iter().collect());
        }
    }
    Bound::Unbounded
}

/// Walks keys from `after` (exclusive) under `prefix`, folding keys into common prefixes at
/// `delimiter`, and takes up to `max` entries; `versions_of` says which versions of a key show
/// (none: the key is skipped). `after_version` resumes inside a key's versions.
fn walk<'a>(
    keys: &'a BTreeMap<String, Vec<Version>>,
    (prefix, delimiter): (&str, Option<&str>),
    (after, after_version): (Option<&str>, Option<&str>),
    max: usize,
    versions_of: impl Fn(&'a [Version]) -> Vec<&'a Version>,
) -> Page<'a> {
    let delimiter = delimiter.filter(|d| !d.is_empty());
    let mut start = match after {
        // A marker that is itself a common prefix resumes after everything under it.
        Some(marker)
            if delimiter.is_some_and(|d| marker.ends_with(d) && marker.starts_with(prefix))
                && after_version.is_none() =>
        {
            past(marker)
        }
        Some(marker) if after_version.is_some() => Bound::Included(marker.to_owned()),
        Some(marker) if marker >= prefix => Bound::Excluded(marker.to_owned()),
        _ => Bound::Included(prefix.to_owned()),
    };
    let mut page = Page {
        entries: Vec::new(),
        truncated: false,
        next: None,
    };
    let mut taken = 0;
    let mut skip_versions_until = after_version.zip(after);
    'keys: loop {
        if start == Bound::Unbounded {
            break; // past the largest possible key
        }
        let mut range = keys.range::<String, _>((start.clone(), Bound::Unbounded));
        let Some((key, versions)) = range.next() else {
            break;
        };
        if !key.starts_with(prefix) {
            break;
        }
        if let Some(d) = delimiter
            && let Some(at) = key[prefix.len()..].find(d)
        {
            let common = &key[..prefix.len() + at + d.len()];
            if taken == max {
                page.truncated = true;
                break;
            }
            let shows = keys
                .range::<String, _>((Bound::Included(common.to_owned()), past(common)))
                .any(|(_, vs)| !versions_of(vs).is_empty());
            if shows {
                page.entries.push(Entry::Prefix(common.to_owned()));
                page.next = Some((common.to_owned(), None));
                taken += 1;
            }
            start = past(common);
            continue;
        }
        let mut shown = versions_of(versions);
        if let Some((version, marker_key)) = skip_versions_until.take()
            && marker_key == key
        {
            match shown.iter().position(|v| v.version_id == version) {
                Some(i) => {
                    shown.drain(..=i);
                }
                None => shown.clear(),
            }
        }
        start = Bound::Excluded(key.clone());
        if shown.is_empty() {
            continue;
        }
        let mut kept = Vec::new();
        for version in shown {
            if taken == max {
                page.truncated = true;
                if !kept.is_empty() {
                    page.entries.push(Entry::Key(key, kept));
                }
                break 'keys;
            }
            kept.push(version);
            page.next = Some((key.clone(), Some(version.version_id.clone())));
            taken += 1;
        }
        page.entries.push(Entry::Key(key, kept));
    }
    if !page.truncated {
        page.next = None;
    }
    page
}

fn max_keys(asked: Option<i32>) -> S3Result<usize> {
    match asked {
        Some(n) if n < 0 => Err(s3_error!(InvalidArgument, "max-keys must be 0 or more")),
        Some(n) => Ok((n as usize).min(1000)),
        None => Ok(1000),
    }
}

fn url_encoded(encoding: Option<&EncodingType>) -> bool {
    encoding.is_some_and(|e| e.as_str() == "url")
}

/// `text` as the listing returns it.
fn shown(text: &str, encode: bool) -> String {
    if encode {
        crate::s3::key_encoding::encode(text)
    } else {
        text.to_owned()
    }
}

fn current(versions: &[Version]) -> Vec<&Version> {
    versions
        .first()
        .filter(|v| !v.delete_marker)
        .into_iter()
        .collect()
}

fn object(key: &str, v: &Version, encode: bool) -> Object {
    Object {
        key: Some(shown(key, encode)),
        size: Some(v.size as i64),
        e_tag: Some(etag(v)),
        last_modified: Some(timestamp(v.last_modified_ms)),
        storage_class: Some(ObjectStorageClass::from(v.storage_class().to_owned())),
        checksum_algorithm: checksum_algorithms(v),
        checksum_type: v.checksums.kind.clone().map(ChecksumType::from),
        ..Default::default()
    }
}

fn checksum_algorithms(v: &Version) -> Option<Vec<ChecksumAlgorithm>> {
    let c = &v.checksums;
    let names = [
        ("CRC32", c.crc32.is_some()),
        ("CRC32C", c.crc32c.is_some()),
        ("CRC64NVME", c.crc64nvme.is_some()),
        ("SHA1", c.sha1.is_some()),
        ("SHA256", c.sha256.is_some()),
    ];
    let found: Vec<_> = (names.into_iter())
        .filter(|(_, on)| *on)
        .map(|(n, _)| ChecksumAlgorithm::from(n.to_owned()))
        .collect();
    (!found.is_empty()).then_some(found)
}

/// A page of current objects as ListObjects (V1 and V2) answers it.
fn objects_and_prefixes(page: &Page<'_>, encode: bool) -> (Vec<Object>, Vec<CommonPrefix>) {
    let (mut contents, mut prefixes) = (Vec::new(), Vec::new());
    for entry in &page.entries {
        match entry {
            Entry::Key(key, versions) => {
                contents.extend(versions.iter().map(|v| object(key, v, encode)))
            }
            Entry::Prefix(p) => prefixes.push(CommonPrefix {
                prefix: Some(shown(p, encode)),
            }),
        }
    }
    (contents, prefixes)
}

fn token_of(next: &(String, Option<String>)) -> String {
    super::body::hex(next.0.as_bytes())
}

fn token_from(token: &str) -> S3Result<String> {
    let bytes = (0..token.len())
        .step_by(2)
        .map(|i| {
            token
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>();
    bytes
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            s3_error!(
                InvalidArgument,
                "The continuation token provided is incorrect"
            )
        })
}

pub async fn list_objects_v2(
    storage: &Storage,
    req: S3Request<ListObjectsV2Input>,
) -> S3Result<S3Response<ListObjectsV2Output>> {
    let input = req.input;
    let max = max_keys(input.max_keys)?;
    let encode = url_encoded(input.encoding_type.as_ref());
    let prefix = input.prefix.clone().unwrap_or_default();
    let after = match &input.continuation_token {
        Some(token) => Some(token_from(token)?),
        None => input.start_after.clone(),
    };
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    let page = walk(
        &state.keys,
        (&prefix, input.delimiter.as_deref()),
        (after.as_deref(), None),
        max,
        current,
    );
    let (contents, prefixes) = objects_and_prefixes(&page, encode);
    let output = ListObjectsV2Output {
        name: Some(input.bucket),
        prefix: Some(shown(&prefix, encode)),
        delimiter: input.delimiter.map(|d| shown(&d, encode)),
        max_keys: Some(max as i32),
        key_count: Some((contents.len() + prefixes.len()) as i32),
        continuation_token: input.continuation_token,
        start_after: input.start_after.map(|s| shown(&s, encode)),
        is_truncated: Some(page.truncated),
        next_continuation_token: page.next.as_ref().map(token_of),
        contents: Some(contents),
        common_prefixes: (!prefixes.is_empty()).then_some(prefixes),
        encoding_type: input.encoding_type,
        ..Default::default()
    };
    Ok(S3Response::new(output))
}

pub async fn list_objects(
    storage: &Storage,
    req: S3Request<ListObjectsInput>,
) -> S3Result<S3Response<ListObjectsOutput>> {
    let input = req.input;
    let max = max_keys(input.max_keys)?;
    let encode = url_encoded(input.encoding_type.as_ref());
    let prefix = input.prefix.clone().unwrap_or_default();
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    let page = walk(
        &state.keys,
        (&prefix, input.delimiter.as_deref()),
        (input.marker.as_deref(), None),
        max,
        current,
    );
    let (contents, prefixes) = objects_and_prefixes(&page, encode);
    let output = ListObjectsOutput {
        name: Some(input.bucket),
        prefix: Some(shown(&prefix, encode)),
        delimiter: input.delimiter.map(|d| shown(&d, encode)),
        marker: Some(input.marker.map(|m| shown(&m, encode)).unwrap_or_default()),
        max_keys: Some(max as i32),
        is_truncated: Some(page.truncated),
        next_marker: page.next.map(|(k, _)| shown(&k, encode)),
        contents: Some(contents),
        common_prefixes: (!prefixes.is_empty()).then_some(prefixes),
        encoding_type: input.encoding_type,
        ..Default::default()
    };
    Ok(S3Response::new(output))
}

pub async fn list_object_versions(
    storage: &Storage,
    req: S3Request<ListObjectVersionsInput>,
) -> S3Result<S3Response<ListObjectVersionsOutput>> {
    let input = req.input;
    let max = max_keys(input.max_keys)?;
    let encode = url_encoded(input.encoding_type.as_ref());
    let prefix = input.prefix.clone().unwrap_or_default();
    let mut buckets = storage.lock();
    let state = bucket(&mut buckets, &input.bucket)?;
    let page = walk(
        &state.keys,
        (&prefix, input.delimiter.as_deref()),
        (
            input.key_marker.as_deref(),
            input.version_id_marker.as_deref(),
        ),
        max,
        |versions| versions.iter().collect(),
    );
    let (mut objects, mut markers, mut prefixes) = (Vec::new(), Vec::new(), Vec::new());
    for entry in &page.entries {
        match entry {
            Entry::Key(key, versions) => {
                let latest = state.latest(key).map(|v| v.version_id.as_str());
                for v in versions {
                    let is_latest = Some(v.version_id.as_str()) == latest;
                    if v.delete_marker {
                        markers.push(DeleteMarkerEntry {
                            key: Some(shown(key, encode)),
                            version_id: Some(v.version_id.clone()),
                            is_latest: Some(is_latest),
                            last_modified: Some(timestamp(v.last_modified_ms)),
                            ..Default::default()
                        });
                    } else {
                        objects.push(ObjectVersion {
                            key: Some(shown(key, encode)),
                            version_id: Some(v.version_id.clone()),
                            is_latest: Some(is_latest),
                            size: Some(v.size as i64),
                            e_tag: Some(etag(v)),
                            last_modified: Some(timestamp(v.last_modified_ms)),
                            storage_class: Some(ObjectVersionStorageClass::from(
                                v.storage_class().to_owned(),
                            )),
                            checksum_algorithm: checksum_algorithms(v),
                            checksum_type: v.checksums.kind.clone().map(ChecksumType::from),
                            ..Default::default()
                        });
                    }
                }
            }
            Entry::Prefix(p) => prefixes.push(CommonPrefix {
                prefix: Some(shown(p, encode)),
            }),
        }
    }
    let (next_key, next_version) = page.next.unzip();
    let output = ListObjectVersionsOutput {
        name: Some(input.bucket),
        prefix: Some(shown(&prefix, encode)),
        delimiter: input.delimiter.map(|d| shown(&d, encode)),
        key_marker: Some(
            input
                .key_marker
                .map(|m| shown(&m, encode))
                .unwrap_or_default(),
        ),
        version_id_marker: Some(input.version_id_marker.unwrap_or_default()),
        max_keys: Some(max as i32),
        is_truncated: Some(page.truncated),
        next_key_marker: next_key.map(|k| shown(&k, encode)),
        next_version_id_marker: next_version.flatten(),
        versions: (!objects.is_empty()).then_some(objects),
        delete_markers: (!markers.is_empty()).then_some(markers),
        common_prefixes: (!prefixes.is_empty()).then_some(prefixes),
        encoding_type: input.encoding_type,
        ..Default::default()
    };
    Ok(S3Response::new(output))
}

pub async fn list_buckets(
    storage: &Storage,
    _req: S3Request<ListBucketsInput>,
) -> S3Result<S3Response<ListBucketsOutput>> {
    let buckets = storage.lock();
    let list = buckets
        .values()
        .map(|b| Bucket {
            name: Some(b.record.name.clone()),
            creation_date: Some(timestamp(b.record.created_ms)),
            bucket_region: Some(crate::sandbox::SANDBOX_REGION.to_owned()),
        })
        .collect();
    Ok(S3Response::new(ListBucketsOutput {
        buckets: Some(list),
        owner: Some(Owner {
            display_name: Some("skiff".into()),
            id: Some("skiff-sandbox".into()),
        }),
        ..Default::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> BTreeMap<String, Vec<Version>> {
        names
            .iter()
            .map(|k| (k.to_string(), vec![Version::delete_marker("v".into(), 0)]))
            .map(|(k, mut v)| {
                v[0].delete_marker = false;
                (k, v)
            })
            .collect()
    }

    fn names(page: &Page<'_>) -> Vec<String> {
        page.entries
            .iter()
            .map(|e| match e {
                Entry::Key(k, _) => k.to_string(),
                Entry::Prefix(p) => p.clone(),
            })
            .collect()
    }

    #[test]
    fn pages_fold_prefixes_and_resume_after_them() {
        let index = keys(&["a/1", "a/2", "b", "c/x/1", "c/y", "d"]);
        let first = walk(&index, ("", Some("/")), (None, None), 2, current);
        assert_eq!(names(&first), ["a/", "b"]);
        assert!(first.truncated);
        let marker = first.next.unwrap().0;
        let second = walk(&index, ("", Some("/")), (Some(&marker), None), 2, current);
        assert_eq!(names(&second), ["c/", "d"]);
        assert!(!second.truncated);
        let under = walk(&index, ("c/", Some("/")), (None, None), 10, current);
        assert_eq!(names(&under), ["c/x/", "c/y"]);
        let flat = walk(&index, ("a", None), (Some("a/1"), None), 10, current);
        assert_eq!(names(&flat), ["a/2"]);
        let after_prefix = walk(&index, ("", Some("/")), (Some("a/"), None), 10, current);
        assert_eq!(names(&after_prefix), ["b", "c/", "d"]);
    }

    #[test]
    fn a_folder_ends_past_keys_that_hold_the_largest_character() {
        let odd = format!("a/{}tail", char::MAX);
        let index = keys(&["a/1", &odd, "a0", "b"]);
        let level = walk(&index, ("", Some("/")), (None, None), 10, current);
        assert_eq!(names(&level), ["a/", "a0", "b"]);
        let after = format!("a/{}", char::MAX);
        let rest = walk(&index, ("", Some("/")), (Some(&after), None), 10, current);
        assert_eq!(names(&rest), ["a/", "a0", "b"], "the key past it rolls up");
        let resumed = walk(&index, ("", Some("/")), (Some("a/"), None), 10, current);
        assert_eq!(names(&resumed), ["a0", "b"]);
        assert_eq!(past("a/"), Bound::Included("a0".into()));
        assert_eq!(past("a\u{D7FF}"), Bound::Included("a\u{E000}".into()));
        assert_eq!(
            past(&format!("a{}", char::MAX)),
            Bound::Included("b".into())
        );
        assert_eq!(past(&char::MAX.to_string()), Bound::Unbounded);
    }
}
