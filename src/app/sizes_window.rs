//! "📊 Sizes…": what a prefix holds, folder by folder and by storage class, as bars and as a
//! table, with a monthly storage estimate from a price table the user may edit. The scan streams
//! (the table fills as pages arrive) and stops on demand.

use egui::{Color32, RichText};

use super::widgets::Shown;
use crate::format::{human_bytes, thousands};
use crate::pricing::{PriceTable, approx_usd, usd};
use crate::s3::Connection;
use crate::s3::listing::StorageClass;
use crate::sizes::{FolderRow, Sizes, SizesEvent, SizesJob, SizesRequest, folder_rows};

pub struct SizesWindow {
    bucket: String,
    prefix: String,
    job: Option<SizesJob>,
    sizes: Option<Sizes>,
    error: Option<String>,
    prices: PriceTable,
    editing_prices: bool,
    /// Where reports go on the desktop (a CSV export lands there), and what came of the last.
    reports_dir: Option<std::path::PathBuf>,
    exported: Option<String>,
}

/// Bars of a class, in a fixed order of colours.
fn class_colour(class: StorageClass) -> Color32 {
    match class {
        StorageClass::Standard => Color32::from_rgb(66, 133, 244),
        StorageClass::IntelligentTiering => Color32::from_rgb(52, 168, 83),
        StorageClass::StandardIa | StorageClass::OnezoneIa => Color32::from_rgb(251, 188, 5),
        StorageClass::GlacierIr => Color32::from_rgb(0, 172, 193),
        StorageClass::Glacier | StorageClass::DeepArchive => Color32::from_rgb(121, 85, 72),
        _ => Color32::from_rgb(158, 158, 158),
    }
}

const NONCURRENT: Color32 = Color32::from_rgb(171, 71, 188);
const UPLOADS: Color32 = Color32::from_rgb(234, 67, 53);

impl SizesWindow {
    pub fn open(
        ctx: &egui::Context,
        connection: &Connection,
        (bucket, prefix): (&str, &str),
        prices: PriceTable,
        reports_dir: Option<std::path::PathBuf>,
    ) -> Self {
        let mut request = SizesRequest::new(bucket, prefix);
        request.versions = true;
        let notify = super::task::notifier(ctx);
        Self {
            bucket: bucket.to_owned(),
            prefix: request.prefix.clone(),
            job: Some(SizesJob::start(connection, request, notify)),
            sizes: None,
            error: None,
            prices,
            editing_prices: false,
            reports_dir,
            exported: None,
        }
    }

    fn poll(&mut self) {
        let Some(job) = &mut self.job else { return };
        while let Some(event) = job.try_next() {
            match event {
                SizesEvent::Progress(sizes) => self.sizes = Some(*sizes),
                SizesEvent::Done(sizes) => {
                    self.sizes = Some(*sizes);
                    self.job = None;
                    return;
                }
                SizesEvent::Failed(e) => {
                    self.error = Some(e.with_hint());
                    self.job = None;
                    return;
                }
            }
        }
    }

    /// Draws the window; the price table when the user changed it, to keep.
    pub fn show(&mut self, ctx: &egui::Context) -> (Shown, Option<PriceTable>) {
        self.poll();
        let before = self.prices.clone();
        let mut open = true;
        super::widgets::dialog(
            ctx,
            format!("Sizes of s3://{}/{}", self.bucket, self.prefix),
        )
        .default_width(760.0)
        .open(&mut open)
        .show(ctx, |ui| {
            self.status_ui(ui);
            if let Some(error) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, error.as_str());
            }
            if let Some(sizes) = self.sizes.take() {
                let (rows, total) = folder_rows(&sizes, &self.prices);
                bars_ui(ui, &rows);
                table_ui(ui, &rows, &total, &sizes);
                self.cost_ui(ui, &sizes, &total);
                largest_ui(ui, &sizes);
                self.sizes = Some(sizes);
            }
            if self.editing_prices {
                prices_ui(ui, &mut self.prices);
            }
        });
        let edited = (self.prices != before).then(|| self.prices.clone());
        (Shown::open_while(open), edited)
    }

    fn status_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| match (&self.job, &self.sizes) {
            (Some(job), _) => {
                ui.spinner();
                let progress = job.progress();
                let seen = progress.entries.load(std::sync::atomic::Ordering::Relaxed);
                ui.label(format!("Scanning: {} entries so far", thousands(seen)));
                if ui.button("Stop").clicked() {
                    job.stop();
                }
            }
            (None, Some(sizes)) if !sizes.complete => {
                ui.colored_label(ui.visuals().warn_fg_color, "Stopped: these are the totals of what was scanned.");
            }
            (None, Some(sizes)) => {
                let mut notes = Vec::new();
                if !sizes.versions_listed {
                    notes.push("this endpoint lists no versions");
                }
                if !sizes.uploads_listed {
                    notes.push("this endpoint lists no incomplete uploads");
                }
                let text = if notes.is_empty() {
                    "Scanned: current objects, noncurrent versions, delete markers and incomplete uploads.".to_owned()
                } else {
                    format!("Scanned ({}).", notes.join("; "))
                };
                ui.label(text);
            }
            (None, None) => {}
        });
    }

    fn cost_ui(&mut self, ui: &mut egui::Ui, sizes: &Sizes, total: &FolderRow) {
        ui.horizontal_wrapped(|ui| {
            let plus = if total.unpriced {
                " (some classes have no price)"
            } else {
                ""
            };
            ui.strong(format!("{} a month{plus}", approx_usd(total.usd_per_month)));
            ui.label(
                RichText::new(format!(
                    "An estimate of storage only: no requests, retrievals or transfer. Prices: {}. \
                     This scan made {} ({}).",
                    self.prices.source,
                    crate::format::count(sizes.requests, "LIST request", "LIST requests"),
                    approx_usd(self.prices.list_usd(sizes.requests))
                ))
                .weak(),
            );
        });
        ui.horizontal(|ui| {
            if ui
                .selectable_label(self.editing_prices, "Edit prices…")
                .clicked()
            {
                self.editing_prices = !self.editing_prices;
            }
            // The CSV is made when asked for, not every frame.
            let csv = || crate::sizes::to_csv(sizes, &self.prices);
            if ui.button("Copy as CSV").clicked() {
                ui.ctx().copy_text(csv());
                self.exported = Some("Copied the table as CSV.".into());
            }
            if let Some(dir) = &self.reports_dir
                && ui.button("Export CSV").clicked()
            {
                self.exported = Some(export(dir, &self.bucket, &csv()));
            }
            if let Some(text) = &self.exported {
                ui.label(text.as_str());
            }
        });
    }
}

fn export(dir: &std::path::Path, bucket: &str, csv: &str) -> String {
    let stamp = crate::format::utc_datetime(crate::runtime::now_secs()).replace([' ', ':'], "-");
    let path = dir.join(format!("skiff-sizes-{bucket}-{stamp}.csv"));
    match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, csv)) {
        Ok(()) => format!("Exported to {}.", path.display()),
        Err(e) => format!("Could not write {}: {e}", path.display()),
    }
}

/// One bar per folder (the 12 largest), its length the stored bytes, split by class, with
/// noncurrent versions and incomplete uploads in their own colours.
fn bars_ui(ui: &mut egui::Ui, rows: &[FolderRow]) {
    let largest = rows.first().map_or(0, |r| r.stored_bytes).max(1);
    let (label_width, bar_height) = (180.0, 16.0);
    for row in rows.iter().take(12) {
        ui.horizontal(|ui| {
            let name = if row.folder.is_empty() {
                "(files here)"
            } else {
                row.folder.as_str()
            };
            let (rect, _) =
                ui.allocate_exact_size(egui::vec2(label_width, bar_height), egui::Sense::hover());
            ui.painter().text(
                rect.left_center(),
                egui::Align2::LEFT_CENTER,
                truncate(name, 26),
                egui::FontId::proportional(12.0),
                ui.visuals().text_color(),
            );
            let width = (ui.available_width() - 90.0).max(50.0);
            let (bar, response) =
                ui.allocate_exact_size(egui::vec2(width, bar_height), egui::Sense::hover());
            let mut x = bar.left();
            let mut segments: Vec<(Color32, u64, String)> = (row.by_class.iter())
                .map(|(c, t)| (class_colour(*c), t.bytes, c.as_str().to_owned()))
                .collect();
            segments.push((
                NONCURRENT,
                row.noncurrent.bytes,
                "noncurrent versions".into(),
            ));
            segments.push((UPLOADS, row.uploads.bytes, "incomplete uploads".into()));
            let mut hover = Vec::new();
            for (colour, bytes, what) in segments.into_iter().filter(|s| s.1 > 0) {
                let w = width * bytes as f32 / largest as f32;
                let segment = egui::Rect::from_min_size(
                    egui::pos2(x, bar.top()),
                    egui::vec2(w.max(1.0), bar_height),
                );
                ui.painter().rect_filled(segment, 2.0, colour);
                x += w;
                hover.push(format!("{what}: {}", human_bytes(bytes)));
            }
            response.on_hover_text(hover.join("\n"));
            ui.label(human_bytes(row.stored_bytes));
        });
    }
    if rows.len() > 12 {
        ui.label(
            RichText::new(format!(
                "… and {} smaller folders in the table",
                rows.len() - 12
            ))
            .weak(),
        );
    }
    ui.horizontal_wrapped(|ui| {
        for (colour, what) in [
            (class_colour(StorageClass::Standard), "STANDARD"),
            (class_colour(StorageClass::StandardIa), "IA"),
            (class_colour(StorageClass::GlacierIr), "GLACIER_IR"),
            (class_colour(StorageClass::Glacier), "archive"),
            (NONCURRENT, "noncurrent"),
            (UPLOADS, "incomplete uploads"),
        ] {
            ui.label(RichText::new("■").color(colour));
            ui.label(RichText::new(what).small());
        }
    });
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let kept: String = text.chars().take(chars - 1).collect();
    format!("{kept}…")
}

fn table_ui(ui: &mut egui::Ui, rows: &[FolderRow], total: &FolderRow, sizes: &Sizes) {
    egui::ScrollArea::vertical()
        .max_height(240.0)
        .id_salt("sizes-table")
        .show(ui, |ui| {
            egui::Grid::new("sizes-grid").striped(true).show(ui, |ui| {
                for title in [
                    "Folder",
                    "Objects",
                    "Size",
                    "By class",
                    "Noncurrent",
                    "Markers",
                    "Uploads",
                    "$/month",
                ] {
                    ui.strong(title);
                }
                ui.end_row();
                for row in rows.iter().chain([total]) {
                    let name = match (row.folder.as_str(), std::ptr::eq(row, total)) {
                        (_, true) => "Total".to_owned(),
                        ("", false) => "(files here)".to_owned(),
                        (folder, false) => folder.to_owned(),
                    };
                    ui.label(name);
                    ui.label(thousands(row.current.count));
                    ui.label(human_bytes(row.current.bytes));
                    let classes: Vec<String> = (row.by_class.iter())
                        .map(|(c, t)| format!("{} {}", c.as_str(), human_bytes(t.bytes)))
                        .collect();
                    ui.label(classes.join(", "));
                    let dash = |shown: bool, text: String| if shown { text } else { "—".into() };
                    ui.label(dash(
                        sizes.versions_listed,
                        format!(
                            "{} ({})",
                            thousands(row.noncurrent.count),
                            human_bytes(row.noncurrent.bytes)
                        ),
                    ));
                    ui.label(dash(sizes.versions_listed, thousands(row.delete_markers)));
                    ui.label(dash(
                        sizes.uploads_listed,
                        format!(
                            "{} ({})",
                            thousands(row.uploads.count),
                            human_bytes(row.uploads.bytes)
                        ),
                    ));
                    ui.label(usd(row.usd_per_month));
                    ui.end_row();
                }
            });
        });
}

fn largest_ui(ui: &mut egui::Ui, sizes: &Sizes) {
    if sizes.largest.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(format!("The {} largest objects", sizes.largest.len())).show(
        ui,
        |ui| {
            egui::Grid::new("sizes-largest")
                .striped(true)
                .show(ui, |ui| {
                    for object in &sizes.largest {
                        ui.label(human_bytes(object.size_bytes));
                        ui.label(object.class.as_str());
                        ui.label(object.key.as_str());
                        ui.end_row();
                    }
                });
        },
    );
}

/// The price table, editable: for another region or provider.
fn prices_ui(ui: &mut egui::Ui, prices: &mut PriceTable) {
    ui.separator();
    ui.label("US dollars per GB-month (10⁹ bytes), by storage class:");
    egui::Grid::new("sizes-prices").show(ui, |ui| {
        for (class, price) in prices.usd_per_gb_month.iter_mut() {
            ui.label(class.as_str());
            ui.add(
                egui::DragValue::new(price)
                    .speed(0.0005)
                    .range(0.0..=10.0)
                    .max_decimals(5),
            );
            ui.end_row();
        }
        ui.label("LIST requests, per 1,000");
        ui.add(
            egui::DragValue::new(&mut prices.list_usd_per_1000)
                .speed(0.0005)
                .range(0.0..=10.0)
                .max_decimals(5),
        );
        ui.end_row();
    });
    ui.horizontal(|ui| {
        let label = ui.label("Source:");
        ui.add(egui::TextEdit::singleline(&mut prices.source).desired_width(420.0))
            .labelled_by(label.id);
        if ui.button("AWS list prices").clicked() {
            *prices = PriceTable::default();
        }
    });
}
