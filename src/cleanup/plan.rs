//! The plan an inventory fixes: exactly which objects, versions and uploads a run deletes, and
//! whether the bucket goes too. Nothing that appears after the scan is touched.

use serde::{Deserialize, Serialize};

use super::inventory::{Inventory, ItemKind, UploadInfo, Versioning};
use super::scope::Scope;

/// On a versioned bucket, what "delete" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum VersionMode {
    /// Every version and delete marker goes: the data is gone for good and stops costing money.
    #[default]
    AllVersions,
    /// Each current object gets a delete marker: it disappears from listings, every version stays
    /// (and is billed) and can be restored by deleting the marker.
    DeleteMarkersOnly,
}

/// One object, or one version of it, to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteTarget {
    pub key: String,
    /// `None` deletes the current object (on a versioned bucket: adds a delete marker).
    pub version_id: Option<String>,
    pub size_bytes: u64,
    pub is_delete_marker: bool,
    /// For a delete of the current object (no version id), when the scan saw it last change:
    /// an object written again since is new data, which the run leaves alone. A version is
    /// deleted by its id, which names exactly the bytes the scan saw.
    pub scanned_modified_secs: Option<i64>,
}

/// Exactly what an execution will do, fixed by the inventory: what appears later is left alone.
#[derive(Debug, Clone)]
pub struct CleanupPlan {
    pub scope: Scope,
    pub mode: Option<VersionMode>,
    pub objects: Vec<DeleteTarget>,
    pub uploads: Vec<UploadInfo>,
    pub delete_bucket: bool,
}

impl CleanupPlan {
    /// `mode` matters only for a versioned bucket; elsewhere every object is simply deleted.
    pub fn from_inventory(inventory: &Inventory, mode: VersionMode) -> Self {
        let versioned = inventory.versioning == Versioning::Versioned;
        let objects = inventory
            .items
            .iter()
            .filter(|item| match (versioned, mode) {
                (true, VersionMode::AllVersions) => true,
                _ => item.kind == ItemKind::Current,
            })
            .map(|item| DeleteTarget {
                key: item.key.clone(),
                version_id: match (versioned, mode) {
                    (true, VersionMode::AllVersions) => item.version_id.clone(),
                    _ => None,
                },
                size_bytes: item.size_bytes,
                is_delete_marker: item.kind == ItemKind::DeleteMarker,
                scanned_modified_secs: match (versioned, mode) {
                    (true, VersionMode::AllVersions) => None,
                    _ => Some(item.last_modified_secs),
                },
            })
            .collect();
        Self {
            scope: inventory.scope.clone(),
            mode: versioned.then_some(mode),
            objects,
            uploads: if inventory.scope.aborts_uploads() {
                inventory.uploads.clone()
            } else {
                Vec::new()
            },
            delete_bucket: matches!(inventory.scope, Scope::DeleteBucket { .. }),
        }
    }

    pub fn bucket(&self) -> &str {
        self.scope.bucket()
    }

    /// Bytes that stop being stored: none for delete markers added over kept versions.
    pub fn bytes_freed(&self) -> u64 {
        let objects: u64 = match self.mode {
            Some(VersionMode::DeleteMarkersOnly) => 0,
            _ => self.objects.iter().map(|t| t.size_bytes).sum(),
        };
        objects + self.uploads.iter().filter_map(|u| u.bytes).sum::<u64>()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.uploads.is_empty() && !self.delete_bucket
    }

    /// What will go, in one paragraph for the confirm step and the command line.
    pub fn summary(&self) -> String {
        use crate::format::{count, human_bytes};
        let mut parts = Vec::new();
        let markers = self.objects.iter().filter(|t| t.is_delete_marker).count() as u64;
        let versions = self.objects.len() as u64 - markers;
        let object_bytes = human_bytes(self.objects.iter().map(|t| t.size_bytes).sum());
        match self.mode {
            Some(VersionMode::AllVersions) => parts.push(format!(
                "permanently delete {} ({object_bytes}) and {}",
                count(versions, "version", "versions"),
                count(markers, "delete marker", "delete markers")
            )),
            Some(VersionMode::DeleteMarkersOnly) => parts.push(format!(
                "add a delete marker to {} (every version stays, and stays billed)",
                count(self.objects.len() as u64, "object", "objects")
            )),
            None if !self.objects.is_empty() => parts.push(format!(
                "delete {} ({object_bytes})",
                count(self.objects.len() as u64, "object", "objects")
            )),
            None => {}
        }
        if !self.uploads.is_empty() {
            parts.push(format!(
                "abort {}",
                count(
                    self.uploads.len() as u64,
                    "incomplete upload",
                    "incomplete uploads"
                )
            ));
        }
        if self.delete_bucket {
            parts.push("then delete the bucket itself".into());
        }
        if parts.is_empty() {
            return format!("Nothing to delete in s3://{}.", self.bucket());
        }
        format!("In s3://{}: {}.", self.bucket(), parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cleanup::inventory::Item;
    use crate::cleanup::scope::Filters;
    use crate::s3::listing::StorageClass;

    fn item(key: &str, version: &str, kind: ItemKind, size: u64) -> Item {
        Item {
            key: key.into(),
            version_id: Some(version.into()),
            kind,
            size_bytes: size,
            last_modified_secs: 0,
            storage_class: StorageClass::Standard,
            locked: None,
        }
    }

    fn inventory(versioning: Versioning, scope: Scope) -> Inventory {
        Inventory {
            scope,
            filters: Filters::default(),
            versioning,
            items: vec![
                item("a", "v3", ItemKind::Current, 30),
                item("a", "v2", ItemKind::Noncurrent, 20),
                item("b", "m1", ItemKind::DeleteMarker, 0),
                item("b", "v1", ItemKind::Noncurrent, 10),
            ],
            uploads: vec![UploadInfo {
                key: "c".into(),
                upload_id: "u".into(),
                initiated_secs: 0,
                parts: Some(1),
                bytes: Some(5),
            }],
            uploads_listed: true,
            filtered_out: 0,
            scanned_at_secs: 0,
        }
    }

    #[test]
    fn plans_follow_the_version_choice() {
        let bucket = Scope::DeleteBucket { bucket: "b".into() };
        let all = CleanupPlan::from_inventory(
            &inventory(Versioning::Versioned, bucket.clone()),
            VersionMode::AllVersions,
        );
        assert_eq!(all.objects.len(), 4);
        assert!(all.objects.iter().all(|t| t.version_id.is_some()));
        assert_eq!(all.uploads.len(), 1);
        assert!(all.delete_bucket);
        assert_eq!(all.bytes_freed(), 65);
        assert_eq!(
            all.summary(),
            "In s3://b: permanently delete 3 versions (60 B) and 1 delete marker, \
             abort 1 incomplete upload, then delete the bucket itself."
        );

        let markers = CleanupPlan::from_inventory(
            &inventory(
                Versioning::Versioned,
                Scope::Prefix {
                    bucket: "b".into(),
                    prefix: "".into(),
                },
            ),
            VersionMode::DeleteMarkersOnly,
        );
        assert_eq!(markers.objects.len(), 1);
        assert_eq!(markers.objects[0].version_id, None);
        assert!(markers.uploads.is_empty(), "a prefix scope leaves uploads");
        assert_eq!(markers.bytes_freed(), 0);
        assert!(
            markers
                .summary()
                .contains("add a delete marker to 1 object ")
        );
    }

    #[test]
    fn unversioned_plans_ignore_the_choice() {
        let scope = Scope::Bucket { bucket: "b".into() };
        let plan = CleanupPlan::from_inventory(
            &inventory(Versioning::NotListed, scope),
            VersionMode::AllVersions,
        );
        assert_eq!(plan.mode, None);
        assert_eq!(plan.objects.len(), 1);
        assert_eq!(plan.objects[0].version_id, None);
    }
}
