//! Frame CPU time of the transfer queue panel while 10,000 small files upload to the sandbox,
//! headless. A benchmark, not a test: it reports, it does not judge.
//!
//! Run: `cargo bench --bench queue_frames`

use std::time::Instant;

use skiff::sandbox::{RunningSandbox, SandboxOptions};
use skiff::transfer::TransferOptions;
use skiff::transfer::queue::TransferQueue;

const FILES: usize = 10_000;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _entered = runtime.enter();
    let store = tempfile::tempdir().unwrap();
    let sandbox = runtime
        .block_on(RunningSandbox::start(SandboxOptions::new(store.path())))
        .unwrap();
    let connection = skiff::s3::client::static_connection("bench", &sandbox.endpoint, true);
    runtime
        .block_on(skiff::s3::bucket_setup::create_bucket(&connection, "queue"))
        .unwrap();
    let local = tempfile::tempdir().unwrap();
    let folder = local.path().join("shards");
    for i in 0..FILES {
        let dir = folder.join(format!("{:02}", i % 50));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("part-{i:05}.jsonl")), vec![b'x'; 1024]).unwrap();
    }

    let ctx = egui::Context::default();
    let mut queue = TransferQueue::new(
        connection,
        TransferOptions::default(),
        skiff::runtime::no_notify(),
    );
    let queued_at = Instant::now();
    let count = queue.upload_path(folder, "queue", "").unwrap();
    assert_eq!(count, FILES);

    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 800.0));
    let (mut busy_ms, mut idle_ms) = (Vec::new(), Vec::new());
    let mut done_after = None;
    for frame in 0..100_000 {
        let input = egui::RawInput {
            screen_rect: Some(screen),
            time: Some(frame as f64 / 60.0),
            ..Default::default()
        };
        let start = Instant::now();
        queue.poll();
        let output = ctx.run_ui(input, |ui| {
            egui::Panel::bottom("transfers")
                .resizable(true)
                .show(ui, |ui| {
                    skiff::app::transfer_panel::queue_ui(ui, &mut queue)
                });
        });
        let _meshes = ctx.tessellate(output.shapes, output.pixels_per_point);
        let elapsed = start.elapsed().as_secs_f64() * 1000.0;
        let totals = queue.totals();
        let finished = totals.done + totals.failed == FILES;
        if frame >= 30 {
            if done_after.is_none() {
                busy_ms.push(elapsed);
            } else {
                idle_ms.push(elapsed);
            }
        }
        if finished && done_after.is_none() {
            done_after = Some(queued_at.elapsed().as_secs_f64());
            assert_eq!(totals.failed, 0, "every upload lands");
        }
        if idle_ms.len() >= 300 {
            break;
        }
        // Frames at most 60 a second, as a window would draw them.
        std::thread::sleep(std::time::Duration::from_millis(16).saturating_sub(start.elapsed()));
    }
    busy_ms.sort_by(|a, b| a.total_cmp(b));
    idle_ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "10,000 files of 1 KiB uploaded to the in-process sandbox in {:.1} s",
        done_after.unwrap_or(0.0)
    );
    println!("frames while uploading:  {}", busy_ms.len());
    println!(
        "frame CPU p50 / p99 / max while uploading: {:.2} / {:.2} / {:.2} ms",
        percentile(&busy_ms, 0.5),
        percentile(&busy_ms, 0.99),
        busy_ms.last().copied().unwrap_or(0.0)
    );
    println!(
        "frame CPU p50 / p99 with 10,000 finished rows: {:.2} / {:.2} ms",
        percentile(&idle_ms, 0.5),
        percentile(&idle_ms, 0.99)
    );
}
