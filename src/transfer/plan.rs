//! How an object is cut into parts, within S3's multipart limits.

pub const MIB: u64 = 1024 * 1024;
/// S3's smallest part (every part but the last).
pub const MIN_PART_SIZE_BYTES: u64 = 5 * MIB;
/// S3's largest part.
pub const MAX_PART_SIZE_BYTES: u64 = 5 * 1024 * MIB;
pub const MAX_PARTS: u64 = 10_000;
/// S3's largest object.
pub const MAX_OBJECT_SIZE_BYTES: u64 = 5 * 1024 * 1024 * MIB;
/// Skiff's default part size; larger objects get larger parts to stay within 10,000.
pub const DEFAULT_PART_SIZE_BYTES: u64 = 8 * MIB;
/// Below this, one PUT; at or above it, multipart.
pub const DEFAULT_MULTIPART_THRESHOLD_BYTES: u64 = 16 * MIB;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartPlan {
    pub object_size_bytes: u64,
    pub part_size_bytes: u64,
    pub part_count: u64,
}

impl PartPlan {
    /// Byte range `[start, end)` of part `index` (0-based).
    pub fn range(&self, index: u64) -> (u64, u64) {
        let start = index * self.part_size_bytes;
        (
            start,
            (start + self.part_size_bytes).min(self.object_size_bytes),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{size_bytes} bytes is more than S3's 5 TiB limit for one object.")]
    TooLarge { size_bytes: u64 },
}

/// Part size = max(configured, ceil(size / 10,000)), rounded up to whole MiB, kept within
/// 5 MiB..5 GiB.
/// The parts an earlier multipart upload used, from its first part's size and its part count
/// (every part but the last is the first's size), or `None` when they do not fit together.
pub fn upload_layout(size_bytes: u64, first_part_bytes: u64, part_count: u64) -> Option<PartPlan> {
    (first_part_bytes > 0 && part_count > 0 && size_bytes.div_ceil(first_part_bytes) == part_count)
        .then_some(PartPlan {
            object_size_bytes: size_bytes,
            part_size_bytes: first_part_bytes,
            part_count,
        })
}

pub fn plan_parts(size_bytes: u64, configured_part_size_bytes: u64) -> Result<PartPlan, PlanError> {
    if size_bytes > MAX_OBJECT_SIZE_BYTES {
        return Err(PlanError::TooLarge { size_bytes });
    }
    let needed = size_bytes.div_ceil(MAX_PARTS);
    let part = configured_part_size_bytes
        .max(needed)
        .div_ceil(MIB)
        .saturating_mul(MIB)
        .clamp(MIN_PART_SIZE_BYTES, MAX_PART_SIZE_BYTES);
    Ok(PartPlan {
        object_size_bytes: size_bytes,
        part_size_bytes: part,
        part_count: size_bytes.div_ceil(part).max(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_layout_is_taken_only_when_it_fits() {
        let p = upload_layout(30_000_000, 8 * MIB, 4).unwrap();
        assert_eq!(p.range(3), (24 * MIB, 30_000_000));
        // A server that ignored partNumber answers the whole size.
        assert_eq!(upload_layout(30_000_000, 30_000_000, 4), None);
        assert_eq!(upload_layout(30_000_000, 0, 4), None);
    }

    #[test]
    fn parts_follow_the_rules() {
        let p = plan_parts(20 * MIB + 1, DEFAULT_PART_SIZE_BYTES).unwrap();
        assert_eq!((p.part_size_bytes, p.part_count), (8 * MIB, 3));
        assert_eq!(p.range(2), (16 * MIB, 20 * MIB + 1));

        // 1 TiB at 8 MiB would need 131,072 parts: the part grows to stay within 10,000.
        let tib = 1024 * 1024 * MIB;
        let p = plan_parts(tib, DEFAULT_PART_SIZE_BYTES).unwrap();
        assert!(p.part_count <= MAX_PARTS);
        assert_eq!(p.part_size_bytes % MIB, 0);
        assert_eq!(p.part_size_bytes, 105 * MIB);

        // The largest object fits in 10,000 parts of at most 5 GiB.
        let p = plan_parts(MAX_OBJECT_SIZE_BYTES, DEFAULT_PART_SIZE_BYTES).unwrap();
        assert!(p.part_count <= MAX_PARTS && p.part_size_bytes <= MAX_PART_SIZE_BYTES);
        assert!(plan_parts(MAX_OBJECT_SIZE_BYTES + 1, DEFAULT_PART_SIZE_BYTES).is_err());

        // A part size below S3's minimum is raised; an odd one is rounded up to whole MiB.
        assert_eq!(plan_parts(100 * MIB, MIB).unwrap().part_size_bytes, 5 * MIB);
        assert_eq!(
            plan_parts(100 * MIB, 9 * MIB + 1).unwrap().part_size_bytes,
            10 * MIB
        );
        assert_eq!(
            plan_parts(0, DEFAULT_PART_SIZE_BYTES).unwrap().part_count,
            1
        );
    }
}
