//! What a cleanup did: counts, bytes, each failure with its reason, and exports of every entry
//! as CSV or JSON.

use serde::Serialize;

use super::inventory::UploadInfo;
use super::plan::{DeleteTarget, VersionMode};

/// Something that was not deleted, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// `object`, `upload` or `bucket`.
    pub kind: &'static str,
    pub key: String,
    pub version_id: Option<String>,
    /// The service's error code where it gave one.
    pub code: String,
    pub reason: String,
}

impl Failure {
    pub fn object(target: &DeleteTarget, code: &str, reason: &str) -> Self {
        Self {
            kind: "object",
            key: target.key.clone(),
            version_id: target.version_id.clone(),
            code: code.to_owned(),
            reason: reason.to_owned(),
        }
    }

    pub fn upload(upload: &UploadInfo, reason: &str) -> Self {
        Self {
            kind: "upload",
            key: upload.key.clone(),
            version_id: None,
            code: String::new(),
            reason: reason.to_owned(),
        }
    }

    pub fn bucket(bucket: &str, code: &str, reason: &str) -> Self {
        Self {
            kind: "bucket",
            key: bucket.to_owned(),
            version_id: None,
            code: code.to_owned(),
            reason: reason.to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub scope: String,
    pub bucket: String,
    pub mode: Option<VersionMode>,
    pub planned_objects: u64,
    pub planned_bytes: u64,
    pub deleted_objects: u64,
    pub deleted_bytes: u64,
    /// Planned objects not sent yet (the run was stopped).
    pub not_sent_objects: u64,
    pub planned_uploads: u64,
    pub aborted_uploads: u64,
    /// `None` when the plan keeps the bucket.
    pub bucket_deleted: Option<bool>,
    pub stopped: bool,
    pub requests: u64,
    pub failures: Vec<Failure>,
}

impl Report {
    /// Everything planned was done.
    pub fn is_complete(&self) -> bool {
        self.failures.is_empty()
            && !self.stopped
            && self.not_sent_objects == 0
            && self.aborted_uploads == self.planned_uploads
            && self.bucket_deleted != Some(false)
    }

    /// One paragraph for the command line and the report's heading.
    pub fn summary(&self) -> String {
        use crate::format::{human_bytes, thousands};
        let (verb, noun) = match self.mode {
            Some(VersionMode::AllVersions) => ("Deleted", "versions and delete markers"),
            Some(VersionMode::DeleteMarkersOnly) => ("Added delete markers to", "objects"),
            None => ("Deleted", "objects"),
        };
        let mut text = format!(
            "{verb} {} of {} {noun}",
            thousands(self.deleted_objects),
            thousands(self.planned_objects),
        );
        if self.mode != Some(VersionMode::DeleteMarkersOnly) {
            text += &format!(" ({})", human_bytes(self.deleted_bytes));
        }
        if self.planned_uploads > 0 {
            text += &format!(
                ", aborted {} of {} incomplete uploads",
                thousands(self.aborted_uploads),
                thousands(self.planned_uploads)
            );
        }
        match self.bucket_deleted {
            Some(true) => text += &format!(", deleted the bucket {}", self.bucket),
            Some(false) => text += &format!(", kept the bucket {}", self.bucket),
            None => {}
        }
        text.push('.');
        if !self.failures.is_empty() {
            text += &format!(" {} failed.", thousands(self.failures.len() as u64));
        }
        if self.stopped {
            text += &format!(
                " Stopped with {} objects not sent: run it again to continue.",
                thousands(self.not_sent_objects)
            );
        }
        text
    }
}

/// One line of an export: an object, version, upload or the bucket, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub kind: &'static str,
    pub key: String,
    pub version_id: Option<String>,
    pub size_bytes: Option<u64>,
    /// `deleted`, `failed` or `not run`.
    pub outcome: &'static str,
    pub reason: String,
}

#[derive(Serialize)]
struct JsonExport<'a> {
    report: &'a Report,
    entries: &'a [Entry],
}

/// Where every cleanup run, in the app or on the command line, leaves a CSV of what it did: an
/// audit trail beside Skiff's other files.
#[cfg(not(target_arch = "wasm32"))]
pub fn audit_dir() -> std::path::PathBuf {
    crate::local_data::data_dir().join("cleanup-reports")
}

/// Writes `csv`, a run's report on `bucket`, into `dir` under the bucket's name and the time;
/// the file's path.
#[cfg(not(target_arch = "wasm32"))]
pub fn save_audit_copy(
    dir: &std::path::Path,
    bucket: &str,
    csv: &str,
) -> std::io::Result<std::path::PathBuf> {
    let stamp = crate::format::utc_datetime(crate::runtime::now_secs()).replace([' ', ':'], "-");
    // Two runs in one second on one bucket keep both copies.
    let mut n = 1;
    loop {
        let name = match n {
            1 => format!("{bucket}-{stamp}.csv"),
            n => format!("{bucket}-{stamp}-{n}.csv"),
        };
        let path = dir.join(name);
        match crate::local_data::write_private(&path, csv.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            result => return result.map(|()| path),
        }
    }
}

pub fn to_json(report: &Report, entries: &[Entry]) -> String {
    serde_json::to_string_pretty(&JsonExport { report, entries })
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

pub fn to_csv(entries: &[Entry]) -> String {
    let mut out = String::from("kind,key,version_id,size_bytes,outcome,reason\n");
    for e in entries {
        let row = [
            e.kind.to_owned(),
            e.key.clone(),
            e.version_id.clone().unwrap_or_default(),
            e.size_bytes.map(|s| s.to_string()).unwrap_or_default(),
            e.outcome.to_owned(),
            e.reason.clone(),
        ];
        let row: Vec<&str> = row.iter().map(String::as_str).collect();
        out += &crate::format::csv_line(&row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_awkward_keys() {
        let entry = |key: &str| Entry {
            kind: "object",
            key: key.into(),
            version_id: Some("v1".into()),
            size_bytes: Some(3),
            outcome: "failed",
            reason: "access denied".into(),
        };
        assert_eq!(
            to_csv(&[entry("a,b \"c\"\nd\x1b[2J")]),
            "kind,key,version_id,size_bytes,outcome,reason\n\
             object,\"a,b \"\"c\"\"\\x0ad\\x1b[2J\",v1,3,failed,access denied\n"
        );
    }

    #[test]
    fn csv_fields_are_never_formulas() {
        for (key, field) in [
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("data/=x", "data/=x"),
        ] {
            let entry = Entry {
                kind: "object",
                key: key.into(),
                version_id: None,
                size_bytes: None,
                outcome: "deleted",
                reason: String::new(),
            };
            let csv = to_csv(&[entry]);
            assert_eq!(
                csv.lines().nth(1),
                Some(format!("object,{field},,,deleted,").as_str())
            );
        }
    }
}
