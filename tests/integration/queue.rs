//! The transfer queue: pause keeps a multipart upload for the resume, which sends only what is
//! missing; cancel leaves nothing on the server.

use crate::common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use skiff::transfer::TransferOptions;
use skiff::transfer::queue::{JobState, TransferQueue};

async fn wait_state(queue: &mut TransferQueue, id: u64, want: &JobState) {
    for _ in 0..2000 {
        queue.poll();
        if queue
            .jobs()
            .iter()
            .any(|j| j.id == id && j.state() == *want)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {id} never reached {want:?}");
}

async fn uploads_left(server: &common::TestServer, bucket: &str) -> usize {
    tokio::time::sleep(Duration::from_millis(300)).await;
    server
        .connection
        .client
        .list_multipart_uploads()
        .bucket(bucket)
        .send()
        .await
        .unwrap()
        .uploads()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_and_cancel() {
    let Some(server) = common::server("moto").await else {
        return;
    };
    let bucket = common::fresh_bucket(&server, "queue").await;
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..60u32 * 1024 * 1024).map(|i| (i % 253) as u8).collect();
    let path = dir.path().join("weights.bin");
    std::fs::write(&path, &bytes).unwrap();
    let options = TransferOptions {
        concurrency: 1,
        part_size_bytes: 5 * 1024 * 1024,
        ..TransferOptions::default()
    };
    let mut queue = TransferQueue::new(
        server.connection.clone(),
        options,
        skiff::runtime::no_notify(),
    );

    queue.upload_path(path.clone(), &bucket, "models/").unwrap();
    let job = queue.jobs()[0].clone();
    while job.progress.bytes_done.load(Ordering::Relaxed) < 15 * 1024 * 1024 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    queue.pause(job.id);
    wait_state(&mut queue, job.id, &JobState::Paused).await;
    assert_eq!(
        uploads_left(&server, &bucket).await,
        1,
        "a paused upload keeps its parts"
    );

    queue.resume(job.id);
    wait_state(&mut queue, job.id, &JobState::Done).await;
    assert!(
        job.progress.parts_resumed.load(Ordering::Relaxed) >= 3,
        "the resume skipped the sent parts"
    );
    let back = dir.path().join("back.bin");
    skiff::transfer::download_object(
        &server.connection,
        &skiff::transfer::Scheduler::default(),
        &bucket,
        "models/weights.bin",
        &back,
        &TransferOptions::default(),
        &Default::default(),
    )
    .await
    .unwrap();
    assert!(std::fs::read(&back).unwrap() == bytes);
    assert_eq!(uploads_left(&server, &bucket).await, 0);

    // Paused, then cancelled: nothing stays on the server.
    std::fs::write(dir.path().join("other.bin"), &bytes).unwrap();
    queue
        .upload_path(dir.path().join("other.bin"), &bucket, "models/")
        .unwrap();
    let job = queue.jobs()[1].clone();
    while job.progress.bytes_done.load(Ordering::Relaxed) < 10 * 1024 * 1024 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    queue.pause(job.id);
    wait_state(&mut queue, job.id, &JobState::Paused).await;
    queue.cancel(job.id);
    wait_state(&mut queue, job.id, &JobState::Cancelled).await;
    assert_eq!(
        uploads_left(&server, &bucket).await,
        0,
        "cancel removes the paused upload"
    );
    assert_eq!(queue.totals().done, 1);
}

/// An earlier version of a checkpoint, downloaded through the queue (the versions window's
/// "⬇ Download"): ranged parts of that version, never of the current one; paused, its journal
/// names the version, and a restarted app's queue resumes it from the journal alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_earlier_version_downloads_through_the_queue_and_resumes() {
    use skiff::transfer::job::{Conflict, IfExists};
    use skiff::transfer::journal::DownloadJournal;
    let Some(server) = common::server("moto").await else {
        return;
    };
    let bucket = common::versioned_bucket(&server, "queue-version").await;
    let key = "ckpt/model.bin";
    let first: Vec<u8> = (0..40u32 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    for body in [first.clone(), b"the current, small version".to_vec()] {
        skiff::s3::objects::put_bytes(&server.connection, &bucket, key, body)
            .await
            .unwrap();
    }
    let listed = server
        .connection
        .client
        .list_object_versions()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let old = listed
        .versions()
        .iter()
        .find(|v| v.size() == Some(first.len() as i64))
        .and_then(|v| v.version_id())
        .unwrap()
        .to_owned();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("model.bin");
    let options = TransferOptions {
        concurrency: 1,
        part_size_bytes: 5 * 1024 * 1024,
        ..TransferOptions::default()
    };
    let overwrite = Conflict::Decided(IfExists::Overwrite);
    let mut queue = TransferQueue::new(
        server.connection.clone(),
        options.clone(),
        skiff::runtime::no_notify(),
    );
    queue.download_with(
        &bucket,
        key,
        Some(&old),
        dest.clone(),
        dir.path(),
        overwrite,
    );
    let job = queue.jobs()[0].clone();
    while job.progress.bytes_done.load(Ordering::Relaxed) < 10 * 1024 * 1024 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    queue.pause(job.id);
    wait_state(&mut queue, job.id, &JobState::Paused).await;
    drop(queue);
    let journal: DownloadJournal = serde_json::from_slice(
        &std::fs::read(DownloadJournal::file_for(&dest)).expect("a paused download's journal"),
    )
    .unwrap();
    assert_eq!(journal.version_id.as_deref(), Some(old.as_str()));
    assert_eq!(journal.size_bytes, first.len() as u64);

    let mut restarted = TransferQueue::new(
        server.connection.clone(),
        options,
        skiff::runtime::no_notify(),
    );
    restarted.resume_unfinished_download(&journal);
    let job = restarted.jobs()[0].clone();
    let row = skiff::transfer::job::QueueView::row(&restarted, 0).unwrap();
    assert_eq!(
        row.name,
        format!("model.bin (version {})", &old[..12.min(old.len())])
    );
    wait_state(&mut restarted, job.id, &JobState::Done).await;
    assert!(
        job.progress.parts_resumed.load(Ordering::Relaxed) >= 1,
        "the resume kept parts"
    );
    assert!(
        std::fs::read(&dest).unwrap() == first,
        "the old version's bytes"
    );
}
