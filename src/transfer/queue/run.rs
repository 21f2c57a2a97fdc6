//! One run of one job: the destination check, then the transfer, with its news sent to the
//! queue.

use std::sync::atomic::Ordering;

use super::{Change, Conflict, Direction, Job, JobEvent, JobState};
use crate::runtime::Events;
use crate::s3::Connection;
use crate::transfer::job::{IfExists, upload_destination};
use crate::transfer::{
    Scheduler, TransferError, download_destination, download_object_within, upload_file_pausable,
};

/// Where one run of a job sends its news.
#[derive(Clone)]
pub(super) struct News {
    pub(super) id: u64,
    pub(super) run: u64,
    pub(super) events: Events<JobEvent>,
}

impl News {
    pub(super) async fn send(&mut self, change: Change) {
        let (id, run) = (self.id, self.run);
        // Stamped when it happens: the queue may take several at once, and a job's rate is its
        // bytes over the time it really ran.
        let at = std::time::Instant::now();
        self.events
            .send(JobEvent {
                id,
                run,
                change,
                at,
            })
            .await;
    }
}

/// One job from its destination check to its last byte; the state it ends in.
pub(super) async fn run_job(
    connection: &Connection,
    scheduler: &Scheduler,
    job: &Job,
    news: &mut News,
) -> Result<JobState, TransferError> {
    let conflict = *job.conflict.lock().expect("job lock");
    let policy = match conflict {
        Conflict::Decided(policy) => policy,
        // Asking needs to know first: the check below reports an existing destination.
        Conflict::Ask => IfExists::Skip,
    };
    let mut options = job.options.clone();
    options.if_exists = policy;
    match job.direction {
        Direction::Upload => {
            let Some(key) = upload_destination(connection, &job.bucket, &job.key, policy).await?
            else {
                return Ok(match conflict {
                    Conflict::Ask => JobState::Exists,
                    Conflict::Decided(_) => JobState::Skipped,
                });
            };
            if key != job.key {
                news.send(Change::LandsAs(key.clone())).await;
            }
            let object = crate::s3::object_io::ObjectRef::new(connection, &job.bucket, &key);
            let (progress, pause) = (&job.progress, &job.pause);
            upload_file_pausable(&object, scheduler, &job.local, &options, progress, pause).await?;
        }
        Direction::Download => {
            let Some(dest) = download_destination(&job.local, policy) else {
                return Ok(match conflict {
                    Conflict::Ask => JobState::Exists,
                    Conflict::Decided(_) => JobState::Skipped,
                });
            };
            if dest != job.local {
                news.send(Change::LandsAs(dest.display().to_string())).await;
            }
            let at = crate::s3::object_read::ObjectAt {
                bucket: &job.bucket,
                key: &job.key,
                version_id: job.version_id.as_deref(),
            };
            if let Ok((size, _)) = crate::s3::object_read::size_and_etag(connection, at).await {
                job.progress.bytes_total.store(size, Ordering::Relaxed);
            }
            let object = crate::s3::object_io::ObjectRef::new(connection, &job.bucket, &job.key)
                .at_version(job.version_id.as_deref());
            download_object_within(
                &object,
                scheduler,
                &dest,
                &job.within,
                &options,
                &job.progress,
            )
            .await?;
        }
    }
    Ok(JobState::Done)
}
