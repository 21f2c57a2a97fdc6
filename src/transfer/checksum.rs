//! The checksums S3 keeps with an object, and checking bytes against them: parts of a ranged
//! download as they arrive, or a local file ("Verify"). Only CRCs: a CRC of parts fetched in
//! any order combines into the CRC of the whole, so a download checks a whole-object value
//! without reading its file again.
//!
//! Who stores which: Skiff uploads with CRC32C; boto3 (and what is built on it) since 2025 with
//! CRC32; S3 itself adds CRC64NVME to every object written without another checksum.

use std::io::Read;
use std::path::Path;

use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use crc_fast::{CrcAlgorithm, Digest};
use serde::{Deserialize, Serialize};

use super::plan;

/// A CRC algorithm S3 stores. Kept by name in download journals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartChecksum {
    Crc32c,
    Crc64Nvme,
    Crc32,
}

impl PartChecksum {
    /// S3's name for it, as in `x-amz-checksum-crc32c`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Crc32c => "CRC32C",
            Self::Crc64Nvme => "CRC64NVME",
            Self::Crc32 => "CRC32",
        }
    }

    fn algorithm(self) -> CrcAlgorithm {
        match self {
            Self::Crc32c => CrcAlgorithm::Crc32Iscsi,
            Self::Crc64Nvme => CrcAlgorithm::Crc64Nvme,
            Self::Crc32 => CrcAlgorithm::Crc32IsoHdlc,
        }
    }

    /// The checksum of `bytes`.
    pub fn of(self, bytes: &[u8]) -> u64 {
        crc_fast::checksum(self.algorithm(), bytes)
    }

    /// The checksum of bytes whose first part has checksum `a` and whose `b_len`-byte rest has
    /// checksum `b`.
    fn combine(self, a: u64, b: u64, b_len: u64) -> u64 {
        crc_fast::checksum_combine(self.algorithm(), a, b, b_len)
    }

    /// The checksum in S3's form: base64 of its big-endian bytes.
    pub fn encode(self, crc: u64) -> String {
        let bytes = crc.to_be_bytes();
        aws_smithy_types::base64::encode(&bytes[8 - self.width_bytes()..])
    }

    fn width_bytes(self) -> usize {
        match self {
            Self::Crc64Nvme => 8,
            Self::Crc32c | Self::Crc32 => 4,
        }
    }

    /// The checksum of the file at `path`, read in 8 MiB blocks.
    fn of_file(self, path: &Path) -> std::io::Result<u64> {
        let mut file = std::fs::File::open(path)?;
        let mut hasher = PartHasher::new(Some(self));
        let mut buffer = vec![0u8; 8 * plan::MIB as usize];
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                return Ok(hasher.finish());
            }
            hasher.update(&buffer[..n]);
        }
    }
}

/// The checksum of one downloaded part of an object, in the download's [`PartChecksum`].
pub struct PartCrc {
    pub start: u64,
    pub len: u64,
    pub crc: u64,
}

/// The running checksum of the part being received; off when the object has none to check.
pub struct PartHasher(Option<Box<Digest>>);

impl PartHasher {
    pub fn new(checksum: Option<PartChecksum>) -> Self {
        Self(checksum.map(|c| Box::new(Digest::new(c.algorithm()))))
    }

    pub fn update(&mut self, bytes: &[u8]) {
        if let Some(digest) = &mut self.0 {
            digest.update(bytes);
        }
    }

    /// The checksum of the bytes so far (0 when off), starting afresh for the next part.
    pub fn finish(&mut self) -> u64 {
        let Some(digest) = &mut self.0 else {
            return 0;
        };
        let crc = digest.finalize();
        digest.reset();
        crc
    }
}

/// A CRC an object carries. An object with none (or only SHA-1 or SHA-256, which do not combine)
/// has its size checked, nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredChecksum {
    /// The CRC of the whole object.
    Full {
        algorithm: PartChecksum,
        value: String,
    },
    /// The CRC of the `parts` upload parts' CRCs (S3 shows it as `value-N`).
    Composite {
        algorithm: PartChecksum,
        value: String,
        parts: u64,
    },
}

impl StoredChecksum {
    /// The ways to read the checksum a HEAD shows: one, none, or for a multipart object whose
    /// value is neither marked full-object nor `…-N` (S3 never answers so; some servers store
    /// such values), both readings.
    pub fn readings(head: &HeadObjectOutput) -> Vec<Self> {
        let stored = [
            (PartChecksum::Crc32c, head.checksum_crc32_c()),
            (PartChecksum::Crc32, head.checksum_crc32()),
            (PartChecksum::Crc64Nvme, head.checksum_crc64_nvme()),
        ]
        .into_iter()
        .find_map(|(algorithm, value)| value.map(|v| (algorithm, v)));
        let Some((algorithm, stored)) = stored else {
            return Vec::new();
        };
        if let Some((value, n)) = stored.split_once('-') {
            return n
                .parse()
                .map(|parts| Self::Composite {
                    algorithm,
                    value: value.to_owned(),
                    parts,
                })
                .into_iter()
                .collect();
        }
        let full = Self::Full {
            algorithm,
            value: stored.to_owned(),
        };
        // CRC64NVME has no composite form.
        let marked_full = head.checksum_type()
            == Some(&aws_sdk_s3::types::ChecksumType::FullObject)
            || algorithm == PartChecksum::Crc64Nvme;
        match etag_part_count(head) {
            Some(parts) if !marked_full => vec![
                full,
                Self::Composite {
                    algorithm,
                    value: stored.to_owned(),
                    parts,
                },
            ],
            _ => vec![full],
        }
    }

    /// What to take of each part to check this.
    pub fn part_checksum(&self) -> PartChecksum {
        match self {
            Self::Full { algorithm, .. } | Self::Composite { algorithm, .. } => *algorithm,
        }
    }

    /// The part count of a composite checksum.
    pub fn composite_parts(&self) -> Option<u64> {
        match self {
            Self::Composite { parts, .. } => Some(*parts),
            _ => None,
        }
    }

    /// Whether the `fetched` parts (sorted, contiguous, with checksums of
    /// [`Self::part_checksum`]) carry the stored checksum, or `None` when they cannot tell: a
    /// composite checksum over other parts than the upload's.
    fn check(&self, fetched: &[PartCrc]) -> Option<bool> {
        match self {
            Self::Full { algorithm, value } => {
                let whole = fetched
                    .iter()
                    .fold(0, |acc, p| algorithm.combine(acc, p.crc, p.len));
                Some(algorithm.encode(whole) == *value)
            }
            Self::Composite {
                algorithm,
                value,
                parts,
            } => (fetched.len() as u64 == *parts).then(|| {
                algorithm.encode(composite(*algorithm, fetched.iter().map(|p| p.crc))) == *value
            }),
        }
    }

    /// Whether the file at `path` (`size` bytes) has this checksum; for a composite one, split
    /// at any of the part sizes uploaders use.
    fn matches_local(&self, path: &Path, size: u64) -> std::io::Result<bool> {
        match self {
            Self::Full { algorithm, value } => {
                Ok(algorithm.encode(algorithm.of_file(path)?) == *value)
            }
            Self::Composite {
                algorithm,
                value,
                parts,
            } => {
                for part_size in part_size_candidates(size, *parts) {
                    let crcs = part_checksums(path, *algorithm, part_size, *parts)?;
                    if algorithm.encode(composite(*algorithm, crcs.into_iter())) == *value {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }
}

/// Whether the downloaded parts (sorted, contiguous) and the file they were written to hold the
/// bytes the object's checksum `readings` describe. Only a checksum that can be checked and
/// differs refuses them: a composite over unknown parts, or a value that could be read two ways
/// and fits neither (which S3 never stores), leaves the size as the only check.
pub async fn parts_confirm(
    readings: &[StoredChecksum],
    fetched: &[PartCrc],
    path: &Path,
    size: u64,
) -> bool {
    let [only] = readings else {
        // None, or a value that reads two ways (S3 never stores one): the size is the check.
        return true;
    };
    match only.check(fetched) {
        Some(true) | None => true,
        // The download's parts may not be the upload's: the file split as uploaders split.
        Some(false) if only.composite_parts().is_some() => {
            let (stored, path) = (only.clone(), path.to_owned());
            tokio::task::spawn_blocking(move || stored.matches_local(&path, size).unwrap_or(false))
                .await
                .unwrap_or(false)
        }
        Some(false) => false,
    }
}

/// Whether a local file and an object hold the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Same size and the same checksum: `checksum` names it (CRC32C, CRC32 or CRC64NVME).
    Identical {
        checksum: &'static str,
    },
    Different {
        reason: String,
    },
    /// Same size; the checksum could not be compared, for the reason given.
    SizeOnly {
        why: String,
    },
}

/// Compares the file at `path` with the object `head` describes: the size, then its stored
/// checksum. Reads the whole file; call it off the async runtime.
pub fn compare_local(path: &Path, head: &HeadObjectOutput) -> std::io::Result<Verdict> {
    let remote_size = head.content_length().unwrap_or(0).max(0) as u64;
    let local_size = std::fs::metadata(path)?.len();
    if remote_size != local_size {
        return Ok(Verdict::Different {
            reason: format!("the file has {local_size} bytes, the object {remote_size}"),
        });
    }
    let readings = StoredChecksum::readings(head);
    let Some(algorithm) = readings.first().map(StoredChecksum::part_checksum) else {
        return Ok(Verdict::SizeOnly {
            why: "the object carries no CRC32C, CRC32 or CRC64NVME checksum".into(),
        });
    };
    for reading in &readings {
        if reading.matches_local(path, local_size)? {
            return Ok(Verdict::Identical {
                checksum: algorithm.name(),
            });
        }
    }
    Ok(if readings.len() > 1 {
        Verdict::SizeOnly {
            why: "the server's checksum for this multipart object is not one S3 would give".into(),
        }
    } else {
        Verdict::Different {
            reason: format!("the {} checksums differ", algorithm.name()),
        }
    })
}

/// The CRC of the part CRCs, each in its big-endian bytes: S3's composite checksum.
/// The checksum S3 stores for a multipart upload whose parts carried these CRC32Cs (base64, in
/// part order), or `None` if one is not a CRC32C.
pub fn composite_crc32c<'a>(
    parts: impl ExactSizeIterator<Item = &'a str>,
) -> Option<StoredChecksum> {
    let count = parts.len() as u64;
    let crcs: Option<Vec<u64>> = parts
        .map(|p| {
            let bytes: [u8; 4] = aws_smithy_types::base64::decode(p).ok()?.try_into().ok()?;
            Some(u64::from(u32::from_be_bytes(bytes)))
        })
        .collect();
    let algorithm = PartChecksum::Crc32c;
    Some(StoredChecksum::Composite {
        algorithm,
        value: algorithm.encode(composite(algorithm, crcs?.into_iter())),
        parts: count,
    })
}

pub fn composite(algorithm: PartChecksum, crcs: impl Iterator<Item = u64>) -> u64 {
    let width = algorithm.width_bytes();
    let bytes: Vec<u8> = crcs
        .flat_map(|c| c.to_be_bytes()[8 - width..].to_vec())
        .collect();
    algorithm.of(&bytes)
}

/// The part sizes that split `size` bytes into `parts` parts the way uploaders do: whole MiB
/// (Skiff, the AWS CLI), exact division, and the common fixed sizes.
fn part_size_candidates(size: u64, parts: u64) -> Vec<u64> {
    if parts == 0 {
        return Vec::new();
    }
    let mut candidates = vec![
        size.div_ceil(parts).div_ceil(plan::MIB) * plan::MIB,
        size.div_ceil(parts),
        plan::DEFAULT_PART_SIZE_BYTES,
        5 * plan::MIB,
        16 * plan::MIB,
    ];
    candidates.dedup();
    candidates.retain(|&p| p > 0 && size.div_ceil(p) == parts);
    candidates
}

/// The checksum of each `part_size` part of the file, `parts` of them.
fn part_checksums(
    path: &Path,
    algorithm: PartChecksum,
    part_size: u64,
    parts: u64,
) -> std::io::Result<Vec<u64>> {
    let mut file = std::fs::File::open(path)?;
    let mut crcs = Vec::with_capacity(parts as usize);
    let mut buffer = vec![0u8; 8 * plan::MIB as usize];
    for _ in 0..parts {
        let mut hasher = PartHasher::new(Some(algorithm));
        let mut left = part_size;
        while left > 0 {
            let want = left.min(buffer.len() as u64) as usize;
            let n = file.read(&mut buffer[..want])?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            left -= n as u64;
        }
        crcs.push(hasher.finish());
    }
    Ok(crcs)
}

/// The part count in a multipart object's ETag (`"…-N"`), or `None` for a single-part object.
fn etag_part_count(head: &HeadObjectOutput) -> Option<u64> {
    head.e_tag()
        .and_then(|e| e.trim_matches('"').rsplit_once('-'))
        .and_then(|(_, n)| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `data` in parts of 1,000 bytes, each with its checksum taken as a download takes it:
    /// through a [`PartHasher`], in uneven chunks.
    fn parts_of(data: &[u8], checksum: PartChecksum) -> Vec<PartCrc> {
        data.chunks(1000)
            .enumerate()
            .map(|(i, c)| {
                let mut hasher = PartHasher::new(Some(checksum));
                for chunk in c.chunks(333) {
                    hasher.update(chunk);
                }
                PartCrc {
                    start: i as u64 * 1000,
                    len: c.len() as u64,
                    crc: hasher.finish(),
                }
            })
            .collect()
    }

    #[test]
    fn each_algorithm_is_the_one_s3_names() {
        // The catalogue's check values (the CRC of "123456789"), so that a wrong algorithm
        // cannot pass unnoticed.
        assert_eq!(PartChecksum::Crc32c.of(b"123456789"), 0xe306_9283);
        assert_eq!(PartChecksum::Crc32.of(b"123456789"), 0xcbf4_3926);
        assert_eq!(
            PartChecksum::Crc64Nvme.of(b"123456789"),
            0xae8b_1486_0a79_9888
        );
        assert_eq!(
            PartChecksum::Crc32c.encode(u64::from(crc32c::crc32c(b"abc"))),
            aws_smithy_types::base64::encode(crc32c::crc32c(b"abc").to_be_bytes())
        );
    }

    #[test]
    fn downloaded_parts_are_checked_against_whole_and_composite_checksums() {
        let data: Vec<u8> = (0..2500u32).map(|i| (i * 13 % 251) as u8).collect();
        let mut changed = data.clone();
        changed[1234] ^= 1;
        for algorithm in [
            PartChecksum::Crc32c,
            PartChecksum::Crc32,
            PartChecksum::Crc64Nvme,
        ] {
            let fetched = parts_of(&data, algorithm);
            let full = |bytes: &[u8]| StoredChecksum::Full {
                algorithm,
                value: algorithm.encode(algorithm.of(bytes)),
            };
            assert_eq!(full(&data).check(&fetched), Some(true), "{algorithm:?}");
            assert_eq!(full(&changed).check(&fetched), Some(false), "{algorithm:?}");
            let composite_of = |bytes: &[u8]| StoredChecksum::Composite {
                algorithm,
                value: algorithm.encode(composite(
                    algorithm,
                    bytes.chunks(1000).map(|c| algorithm.of(c)),
                )),
                parts: 3,
            };
            assert_eq!(
                composite_of(&data).check(&fetched),
                Some(true),
                "{algorithm:?}"
            );
            assert_eq!(
                composite_of(&changed).check(&fetched),
                Some(false),
                "{algorithm:?}"
            );
            // Parts other than the upload's cannot tell.
            assert_eq!(
                composite_of(&data).check(&fetched[..2]),
                None,
                "{algorithm:?}"
            );
        }
    }

    #[test]
    fn a_local_file_is_checked_at_the_part_size_its_uploader_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        // 5 MiB parts (boto3's and rclone's default): 12 MiB is 3 parts, as 4 MiB parts would be.
        let data: Vec<u8> = (0..12 * plan::MIB as u32)
            .map(|i| (i % 241) as u8)
            .collect();
        std::fs::write(&path, &data).unwrap();
        let algorithm = PartChecksum::Crc32;
        let stored = StoredChecksum::Composite {
            algorithm,
            value: algorithm.encode(composite(
                algorithm,
                data.chunks(5 * plan::MIB as usize).map(|c| algorithm.of(c)),
            )),
            parts: 3,
        };
        assert!(stored.matches_local(&path, data.len() as u64).unwrap());
        let mut changed = data;
        changed[7 * plan::MIB as usize] ^= 1;
        std::fs::write(&path, &changed).unwrap();
        assert!(!stored.matches_local(&path, changed.len() as u64).unwrap());
    }
}
