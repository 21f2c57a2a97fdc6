//! Frame CPU time of the prefix browser with 1,000,000 rows loaded, scrolling, headless; and the
//! memory each listed key costs. A benchmark, not a test: it reports, it does not judge.
//!
//! Run: `cargo bench --bench browser_frames`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use skiff::app::Browser;
use skiff::app::rows::{RowStore, Sort};
use skiff::s3::listing::{ListPage, ObjectEntry, StorageClass};

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const KEYS: usize = 1_000_000;
const PREFIX: &str = "datasets/common-crawl/v3/train/";

fn page(start: usize, len: usize) -> ListPage {
    ListPage {
        prefixes: Vec::new(),
        objects: (start..start + len)
            .map(|i| ObjectEntry {
                // Typical shard names: 50 bytes with the prefix.
                key: format!("{PREFIX}shard-{i:07}.parquet"),
                size_bytes: 64 * 1024 * 1024 + (i as u64 * 7919) % 1_000_000,
                last_modified_secs: 1_790_000_000 + i as i64,
                storage_class: StorageClass::Standard,
                etag: None,
            })
            .collect(),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    // Rows arrive as 1,000 pages of 1,000 keys, as ListObjectsV2 delivers them. What stays
    // allocated once every page has been taken in is what the listing costs.
    let before = LIVE_BYTES.load(Ordering::Relaxed);
    let pages: Vec<ListPage> = (0..KEYS / 1000).map(|p| page(p * 1000, 1000)).collect();
    let load_start = Instant::now();
    let mut rows = RowStore::new(PREFIX.len(), Sort::default());
    for p in pages {
        rows.append(p);
    }
    let load_secs = load_start.elapsed().as_secs_f64();
    let after = LIVE_BYTES.load(Ordering::Relaxed);
    let key_bytes = PREFIX.len() + "shard-0000000.parquet".len();
    let bytes_per_key = (after - before) as f64 / KEYS as f64;

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _entered = runtime.enter();
    let connection = skiff::s3::client::static_connection(
        "bench",
        &skiff::s3::StaticEndpoint {
            endpoint: "http://127.0.0.1:9".into(),
            region: "us-east-1".into(),
            access_key_id: "bench".into(),
            secret_access_key: "bench".into(),
        },
        true,
    );
    let mut browser = Browser::preloaded(connection, "bench", PREFIX, rows);

    let ctx = egui::Context::default();
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 800.0));
    let mut frame_ms = Vec::new();
    let frames = 600;
    let mut vertices = 0usize;
    for frame in 0..frames + 30 {
        let mut input = egui::RawInput {
            screen_rect: Some(screen),
            time: Some(frame as f64 / 60.0),
            ..Default::default()
        };
        input
            .events
            .push(egui::Event::PointerMoved(egui::pos2(600.0, 400.0)));
        // Scroll steadily, with a long jump every 100 frames (dragging the scrollbar).
        let delta = if frame % 100 == 99 {
            -400_000.0
        } else {
            -120.0
        };
        input.events.push(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, delta),
            phase: egui::TouchPhase::Move,
            modifiers: egui::Modifiers::NONE,
            source: egui::MouseWheelSource::Wheel,
        });
        let start = Instant::now();
        let output = ctx.run_ui(input, |ui| {
            egui::CentralPanel::default().show(ui, |ui| browser.ui(ui));
        });
        let meshes = ctx.tessellate(output.shapes, output.pixels_per_point);
        let elapsed = start.elapsed().as_secs_f64() * 1000.0;
        vertices += meshes
            .iter()
            .map(|m| match &m.primitive {
                egui::epaint::Primitive::Mesh(mesh) => mesh.vertices.len(),
                egui::epaint::Primitive::Callback(_) => 0,
            })
            .sum::<usize>();
        if frame >= 30 {
            frame_ms.push(elapsed); // the first frames build font atlases
        }
    }
    frame_ms.sort_by(|a, b| a.total_cmp(b));
    let first_visible = browser.rows().visible(0).map(|r| r.key.to_string());
    assert!(first_visible.is_some(), "the table had rows to draw");
    println!(
        "vertices per frame:     {} (the visible rows are drawn)",
        vertices / (frames + 30)
    );
    println!(
        "rows loaded:            {KEYS} ({:.2} s to take in 1,000 pages)",
        load_secs
    );
    println!(
        "memory per listed key:  {bytes_per_key:.0} bytes (of which the key itself: {key_bytes} bytes)"
    );
    println!(
        "frame CPU time ({frames} frames, scrolling, layout + tessellation): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&frame_ms, 0.50),
        percentile(&frame_ms, 0.99),
        frame_ms.last().unwrap()
    );
}
