//! What a cleanup covers (its scope and filters), said exactly, and what the user types to
//! confirm it.

use serde::{Deserialize, Serialize};

use crate::s3::listing::StorageClass;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// Exactly these keys (the browser's selection, or `skiff rm` of one key); a key ending in
    /// `/` is a selected folder, with everything under it.
    Objects { bucket: String, keys: Vec<String> },
    /// Every key that starts with `prefix`, exactly as written: `data` also matches `data-old/x`.
    Prefix { bucket: String, prefix: String },
    /// Every object, version, delete marker and incomplete upload in the bucket (Empty).
    Bucket { bucket: String },
    /// Only the incomplete multipart uploads under `prefix`.
    Uploads { bucket: String, prefix: String },
    /// Empty the bucket, then delete it.
    DeleteBucket { bucket: String },
}

impl Scope {
    pub fn bucket(&self) -> &str {
        match self {
            Self::Objects { bucket, .. }
            | Self::Prefix { bucket, .. }
            | Self::Bucket { bucket }
            | Self::Uploads { bucket, .. }
            | Self::DeleteBucket { bucket } => bucket,
        }
    }

    /// The key prefix every listing of this scope starts from.
    pub fn list_prefix(&self) -> &str {
        match self {
            Self::Prefix { prefix, .. } | Self::Uploads { prefix, .. } => prefix,
            _ => "",
        }
    }

    /// Whether `key` lies inside the scope (before filters).
    pub fn contains(&self, key: &str) -> bool {
        match self {
            Self::Objects { keys, .. } => keys
                .iter()
                .any(|k| k == key || (k.ends_with('/') && key.starts_with(k.as_str()))),
            Self::Prefix { prefix, .. } | Self::Uploads { prefix, .. } => key.starts_with(prefix),
            Self::Bucket { .. } | Self::DeleteBucket { .. } => true,
        }
    }

    /// Empty bucket and Delete bucket: every version of every key goes.
    pub fn is_whole_bucket(&self) -> bool {
        matches!(self, Self::Bucket { .. } | Self::DeleteBucket { .. })
    }

    /// Whether objects go (all but the uploads-only scope).
    pub fn deletes_objects(&self) -> bool {
        !matches!(self, Self::Uploads { .. })
    }

    /// Incomplete uploads are aborted for whole buckets and the uploads scope; a prefix or a
    /// selection leaves them, since one may be an upload running right now.
    pub fn aborts_uploads(&self) -> bool {
        matches!(
            self,
            Self::Bucket { .. } | Self::DeleteBucket { .. } | Self::Uploads { .. }
        )
    }

    /// One line that says exactly what the scope covers.
    pub fn describe(&self) -> String {
        match self {
            Self::Objects { bucket, keys } if keys.len() == 1 && !keys[0].ends_with('/') => {
                format!("the object s3://{bucket}/{}", keys[0])
            }
            Self::Objects { bucket, keys } if keys.iter().any(|k| k.ends_with('/')) => {
                let folders = keys.iter().filter(|k| k.ends_with('/')).count();
                format!(
                    "{} selected items in s3://{bucket}, {} with everything under {}",
                    keys.len(),
                    crate::format::count(folders as u64, "folder", "folders"),
                    if folders == 1 { "it" } else { "them" }
                )
            }
            Self::Objects { bucket, keys } => {
                format!("{} selected objects in s3://{bucket}", keys.len())
            }
            Self::Prefix { bucket, prefix } if prefix.is_empty() => {
                format!("every object in s3://{bucket}")
            }
            Self::Prefix { bucket, prefix } if prefix.ends_with('/') => {
                format!("everything under s3://{bucket}/{prefix}")
            }
            Self::Prefix { bucket, prefix } => format!(
                "every key in s3://{bucket} that starts with “{prefix}”: \
                 “{prefix}” itself, “{prefix}/…” and also names like “{prefix}-old/…”"
            ),
            Self::Bucket { bucket } => format!(
                "everything in s3://{bucket}: objects, old versions, delete markers \
                 and incomplete uploads"
            ),
            Self::Uploads { bucket, prefix } => {
                format!("incomplete multipart uploads under s3://{bucket}/{prefix}")
            }
            Self::DeleteBucket { bucket } => {
                format!("the bucket {bucket} itself, after everything in it")
            }
        }
    }

    /// What the user must type to confirm, or `None` where a plain "yes" is enough.
    pub fn confirmation_text(&self) -> Option<String> {
        match self {
            Self::Bucket { bucket } | Self::DeleteBucket { bucket } => Some(bucket.clone()),
            Self::Prefix { bucket, prefix } if prefix.is_empty() => Some(bucket.clone()),
            Self::Prefix { prefix, .. } => Some(prefix.clone()),
            // Folders among the selected items: as with a folder alone, more is typed.
            Self::Objects { keys, .. } if keys.iter().any(|k| k.ends_with('/')) => {
                Some("delete".into())
            }
            Self::Objects { .. } | Self::Uploads { .. } => None,
        }
    }

    /// Whether `typed` confirms this scope: the exact text, spaces around it forgiven.
    pub fn is_confirmed_by(&self, typed: &str) -> bool {
        typed_confirms(self.confirmation_text().as_deref(), typed)
    }
}

/// Whether `typed` is the exact `expected` text (spaces around it forgiven), or with nothing
/// to type, a "yes".
pub fn typed_confirms(expected: Option<&str>, typed: &str) -> bool {
    let typed = typed.trim();
    match expected {
        Some(expected) => typed == expected,
        None => typed.eq_ignore_ascii_case("yes") || typed.eq_ignore_ascii_case("y"),
    }
}

/// Optional narrowing of a scope. Everything that passes all set filters is in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filters {
    /// Only what was last modified (or, for uploads, started) more than this many days ago.
    pub older_than_days: Option<u32>,
    pub storage_class: Option<StorageClass>,
    /// Matched against the whole key: `*` is any run of characters (slashes too), `?` one.
    pub key_glob: Option<String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.older_than_days.is_none() && self.storage_class.is_none() && self.key_glob.is_none()
    }

    /// `class` is `None` for delete markers and uploads, which a class filter never matches.
    pub fn admits(
        &self,
        key: &str,
        modified_secs: i64,
        class: Option<StorageClass>,
        now_secs: i64,
    ) -> bool {
        if let Some(days) = self.older_than_days
            && modified_secs > now_secs - i64::from(days) * 86_400
        {
            return false;
        }
        if let Some(wanted) = self.storage_class
            && class != Some(wanted)
        {
            return false;
        }
        if let Some(glob) = &self.key_glob
            && !glob_matches(glob, key)
        {
            return false;
        }
        true
    }

    /// Uploads have no storage class yet, so a class filter does not apply to them.
    pub fn admits_upload(&self, key: &str, initiated_secs: i64, now_secs: i64) -> bool {
        Filters {
            storage_class: None,
            ..self.clone()
        }
        .admits(key, initiated_secs, None, now_secs)
    }

    /// The filters in words, for the inventory and the report.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(days) = self.older_than_days {
            parts.push(format!("older than {days} days"));
        }
        if let Some(class) = self.storage_class {
            parts.push(format!("storage class {}", class.as_str()));
        }
        if let Some(glob) = &self.key_glob {
            parts.push(format!("keys matching “{glob}”"));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// `*` matches any run of characters, `?` exactly one; everything else matches itself.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative match with backtracking to the last star: linear in practice, no recursion.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(p: &str) -> Scope {
        Scope::Prefix {
            bucket: "b".into(),
            prefix: p.into(),
        }
    }

    #[test]
    fn prefix_boundaries() {
        let data = prefix("data/");
        for (key, inside) in [
            ("data/a", true),
            ("data/sub/b", true),
            ("data/", true),
            ("data", false),
            ("data-old/a", false),
            ("dat", false),
        ] {
            assert_eq!(data.contains(key), inside, "data/ vs {key}");
        }
        let bare = prefix("data");
        for key in ["data", "data/a", "data-old/a", "database"] {
            assert!(bare.contains(key), "data vs {key}");
        }
        assert!(bare.describe().contains("data-old"), "{}", bare.describe());
        assert!(data.describe().ends_with("under s3://b/data/"));
    }

    #[test]
    fn confirmations() {
        let bucket = Scope::Bucket { bucket: "b".into() };
        assert!(bucket.is_confirmed_by(" b "));
        assert!(!bucket.is_confirmed_by("B"));
        assert!(!bucket.is_confirmed_by("yes"));
        assert!(prefix("data/").is_confirmed_by("data/"));
        assert!(!prefix("data/").is_confirmed_by("data"));
        assert_eq!(prefix("").confirmation_text().as_deref(), Some("b"));
        let objects = Scope::Objects {
            bucket: "b".into(),
            keys: vec!["k".into()],
        };
        assert!(objects.is_confirmed_by("yes"));
        assert!(!objects.is_confirmed_by("k"));
    }

    #[test]
    fn globs() {
        assert!(glob_matches("*.tmp", "a/b/c.tmp"));
        assert!(!glob_matches("*.tmp", "a/b/c.tmp.keep"));
        assert!(glob_matches("shard-??.bin", "shard-07.bin"));
        assert!(!glob_matches("shard-??.bin", "shard-7.bin"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("a*b*c", "axxbyyc"));
        assert!(!glob_matches("a*b*c", "axxbyy"));
        assert!(glob_matches("ünï*", "ünïcode"));
    }

    #[test]
    fn filters() {
        let now = 100 * 86_400;
        let f = Filters {
            older_than_days: Some(30),
            storage_class: Some(StorageClass::Standard),
            key_glob: Some("logs/*".into()),
        };
        assert!(f.admits(
            "logs/a",
            now - 31 * 86_400,
            Some(StorageClass::Standard),
            now
        ));
        assert!(!f.admits(
            "logs/a",
            now - 29 * 86_400,
            Some(StorageClass::Standard),
            now
        ));
        assert!(!f.admits("logs/a", 0, Some(StorageClass::Glacier), now));
        assert!(!f.admits("logs/a", 0, None, now));
        assert!(!f.admits("data/a", 0, Some(StorageClass::Standard), now));
        assert!(Filters::default().admits("x", now, None, now));
        assert_eq!(
            f.describe().unwrap(),
            "older than 30 days, storage class STANDARD, keys matching “logs/*”"
        );
    }
}
