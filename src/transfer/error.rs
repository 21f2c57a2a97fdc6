//! What can stop a transfer, in words a user can act on.

use std::path::{Path, PathBuf};

use super::plan::PlanError;
use crate::s3::S3Error;

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error(transparent)]
    S3(#[from] S3Error),
    #[error("{path}: {source}.")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Refused to write {key:?}: {reason}.")]
    UnsafePath { key: String, reason: &'static str },
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("{path} changed while it was being uploaded.")]
    SourceChanged { path: PathBuf },
    #[error("s3://{bucket}/{key} arrived with {got} bytes, not {expected}.")]
    SizeMismatch {
        bucket: String,
        key: String,
        expected: u64,
        got: u64,
    },
    #[error(
        "s3://{bucket}/{key} arrived with other bytes than S3 stored (the checksums differ); the download was discarded."
    )]
    ChecksumMismatch { bucket: String, key: String },
    #[error("{what} is already running in another Skiff window or command.")]
    InUse { what: String },
    /// Asked for something that cannot be done as asked (two places that overlap).
    #[error("{reason}.")]
    Refused { reason: String },
}

impl TransferError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub fn hint(&self) -> String {
        match self {
            Self::S3(e) => e.hint(),
            Self::Io { .. } => "Check the path exists and that you may read or write it.".into(),
            Self::UnsafePath { .. } => {
                "The object keeps its place in the bucket; download it by itself to a name you pick."
                    .into()
            }
            Self::Plan(_) => "Split the file, or store it elsewhere.".into(),
            Self::SourceChanged { .. } | Self::SizeMismatch { .. } => "Transfer it again.".into(),
            Self::ChecksumMismatch { .. } => {
                "Download it again; if it keeps happening, the network or a proxy corrupts data."
                    .into()
            }
            Self::Refused { .. } => "Name the places again.".into(),
            Self::InUse { .. } => {
                "Let it finish there, or stop it there and start it again here: it goes on from \
                 where it stopped."
                    .into()
            }
        }
    }
}
