//! How the queue takes its jobs' news: only through `poll`, only for the run that sent it.

use super::*;

fn queue() -> TransferQueue {
    let endpoint = crate::s3::StaticEndpoint {
        endpoint: "http://127.0.0.1:9".into(),
        region: "us-east-1".into(),
        access_key_id: "a".into(),
        secret_access_key: "b".into(),
    };
    let connection = crate::s3::client::static_connection("t", &endpoint, true);
    TransferQueue::new(
        connection,
        TransferOptions::default(),
        crate::runtime::no_notify(),
    )
}

/// A job in the list as a start leaves it, without a task behind it.
fn listed(queue: &mut TransferQueue, id: u64, runs: u64) -> Arc<Job> {
    let job = Arc::new(Job {
        id,
        direction: Direction::Upload,
        local: PathBuf::from("a.bin"),
        within: PathBuf::from("."),
        bucket: "b".into(),
        key: "a.bin".into(),
        version_id: None,
        progress: Arc::default(),
        options: TransferOptions::default(),
        conflict: Mutex::new(Conflict::Ask),
        landed_as: Mutex::new(None),
        state: Mutex::new(JobState::Queued),
        times: Mutex::new((None, None)),
        pause: Pause::default(),
        run: Mutex::new(None),
        runs: runs.into(),
    });
    queue.jobs.push(job.clone());
    job
}

fn send(queue: &TransferQueue, id: u64, run: u64, change: Change) {
    let mut events = queue.events.clone();
    let at = std::time::Instant::now();
    futures::executor::block_on(events.send(JobEvent {
        id,
        run,
        change,
        at,
    }));
}

#[test]
fn news_changes_a_job_only_when_polled_and_only_from_its_current_run() {
    let mut queue = queue();
    let job = listed(&mut queue, 1, 2);
    send(&queue, 1, 2, Change::Running);
    assert_eq!(job.state(), JobState::Queued, "nothing changes before poll");
    // The first run, paused, says so after the second has begun.
    send(&queue, 1, 1, Change::Ended(JobState::Paused));
    send(&queue, 1, 2, Change::LandsAs("a (1).bin".into()));
    queue.poll();
    assert_eq!(job.state(), JobState::Running);
    assert_eq!(job.landed_as().as_deref(), Some("a (1).bin"));
    send(&queue, 1, 2, Change::Ended(JobState::Done));
    queue.poll();
    assert_eq!(job.state(), JobState::Done);
}

#[test]
fn news_of_a_job_cleared_from_the_list_is_dropped() {
    let mut queue = queue();
    let kept = listed(&mut queue, 1, 1);
    listed(&mut queue, 2, 1);
    let last = listed(&mut queue, 3, 1);
    queue.jobs.remove(1);
    send(&queue, 2, 1, Change::Ended(JobState::Done));
    send(&queue, 3, 1, Change::Ended(JobState::Skipped));
    queue.poll();
    assert_eq!(kept.state(), JobState::Queued);
    assert_eq!(last.state(), JobState::Skipped);
}

/// A job's rate is its bytes over the time its task ran, even when the queue takes its start
/// and its end in one poll (a fast download once showed "287 GiB/s").
#[test]
fn a_rate_counts_the_time_the_task_ran_not_when_the_queue_looked() {
    let mut queue = queue();
    let job = listed(&mut queue, 1, 1);
    let started = std::time::Instant::now();
    let mut events = queue.events.clone();
    for (change, at) in [
        (Change::Running, started),
        (
            Change::Ended(JobState::Done),
            started + std::time::Duration::from_secs(2),
        ),
    ] {
        futures::executor::block_on(events.send(JobEvent {
            id: 1,
            run: 1,
            change,
            at,
        }));
    }
    job.progress.bytes_done.store(4 << 20, Ordering::Relaxed);
    queue.poll();
    assert_eq!(job.state(), JobState::Done);
    assert_eq!(job.rate(), (2 << 20) as f64);
}
