//! How the Inspector draws each kind of content, the same in the panel and in its window.

use egui::{RichText, Ui};

use super::{Inspector, Prepared};
use crate::format::{human_bytes, thousands};
use crate::inspect::{
    CheckpointSummary, DEFAULT_ROWS, GgufSummary, ImagePreview, Inspection, JsonNode,
    ParquetSummary, Preview, SafetensorsSummary, TablePreview,
};

/// Children of a JSON node listed before "… more".
const JSON_CHILDREN: usize = 200;

impl Inspector {
    /// The Inspector's section of the details panel.
    pub fn panel_ui(&mut self, ui: &mut Ui) {
        self.contents_ui(ui, "panel");
    }

    /// The Inspector in a window of its own; `open` is cleared when it is closed.
    pub fn window(&mut self, ctx: &egui::Context, open: &mut bool) {
        let name = self.key.rsplit('/').next().unwrap_or(&self.key);
        let title = match &self.version_id {
            Some(v) => format!(
                "Inside {name} (version {})",
                v.chars().take(12).collect::<String>()
            ),
            None => format!("Inside {name}"),
        };
        // The current object's window and an earlier version's may be open together.
        egui::Window::new(title)
            .id(egui::Id::unique((
                "inspector window",
                self.version_id.is_some(),
            )))
            .open(open)
            .default_size([760.0, 520.0])
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .resizable(true)
            .show(ctx, |ui| self.contents_ui(ui, "window"));
    }

    fn contents_ui(&mut self, ui: &mut Ui, place: &str) {
        self.poll();
        let ctx = ui.ctx().clone();
        let found = match &self.found {
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Looking inside…");
                });
                return;
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e.to_string());
                ui.label(RichText::new(e.hint()).small());
                return;
            }
            Some(Ok(found)) => found,
        };
        ui.label(RichText::new(found.format.label()).strong());
        ui.label(
            RichText::new(found.read.describe())
                .small()
                .weak(),
        )
        .on_hover_text(
            "What Skiff read of the object to show this: range requests, never a whole download",
        );
        ui.add_space(4.0);
        let mut asked = Asked::Nothing;
        egui::ScrollArea::both()
            .id_salt(("inspector", place))
            .auto_shrink([false, true])
            .max_height(ui.available_height())
            .show(ui, |ui| {
                asked = preview_ui(
                    ui,
                    found,
                    &self.prepared,
                    &mut self.texture,
                    self.more.is_some(),
                );
            });
        if let Some(e) = &self.more_error {
            ui.colored_label(ui.visuals().error_fg_color, e.to_string());
        }
        match asked {
            Asked::Rows => self.load_rows(&ctx, DEFAULT_ROWS),
            Asked::MoreText => self.load_more_text(&ctx),
            Asked::Nothing => {}
        }
    }
}

enum Asked {
    Nothing,
    Rows,
    MoreText,
}

fn preview_ui(
    ui: &mut Ui,
    found: &Inspection,
    prepared: &Prepared,
    texture: &mut Option<egui::TextureHandle>,
    loading: bool,
) -> Asked {
    let mut asked = Asked::Nothing;
    match &found.preview {
        Preview::Empty => {
            ui.label("The object is empty.");
        }
        Preview::Text(t) => {
            let mut about = t.encoding.clone();
            if let Some(c) = &t.decompressed {
                about.push_str(&format!(", decompressed from {c}"));
            }
            ui.label(
                RichText::new(format!(
                    "{about} · {} lines",
                    thousands(prepared.lines.len() as u64)
                ))
                .small(),
            );
            numbered_lines_ui(ui, &prepared.lines);
            if !t.complete && more_button(ui, loading, "Load more") {
                asked = Asked::MoreText;
            }
        }
        Preview::Binary(b) => {
            ui.label(match &b.magic {
                Some(m) => format!("Its first bytes say: {m}."),
                None => "Binary data of no kind Skiff knows.".to_owned(),
            });
            numbered_lines_ui(ui, &prepared.lines);
        }
        Preview::Table(t) => table_preview_ui(ui, t),
        Preview::Json(j) => {
            if j.truncated {
                ui.label(
                    RichText::new("The head of the document: … marks where the read stopped.")
                        .small(),
                );
            }
            json_ui(ui, "$", &j.root, 0);
        }
        Preview::Parquet(p) => {
            if parquet_ui(ui, p, prepared, loading) {
                asked = Asked::Rows;
            }
        }
        Preview::Safetensors(s) => safetensors_ui(ui, s, prepared),
        Preview::Checkpoint(c) => checkpoint_ui(ui, c, prepared),
        Preview::Gguf(g) => gguf_ui(ui, g, prepared),
        Preview::Npy(n) => {
            let shape: Vec<String> = n.shape.iter().map(u64::to_string).collect();
            grid_ui(
                ui,
                "npy",
                &["", ""],
                &[
                    vec!["dtype".into(), n.dtype.clone()],
                    vec!["shape".into(), format!("({})", shape.join(", "))],
                    vec![
                        "order".into(),
                        if n.fortran_order {
                            "Fortran (column-major)"
                        } else {
                            "C (row-major)"
                        }
                        .into(),
                    ],
                    vec!["data".into(), human_bytes(n.data_bytes)],
                ],
            );
        }
        Preview::Image(i) => image_ui(ui, i, texture),
    }
    asked
}

fn more_button(ui: &mut Ui, loading: bool, label: &str) -> bool {
    if loading {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Reading…");
        });
        return false;
    }
    ui.button(label).clicked()
}

/// Lines with their numbers, laid out only where they show.
fn numbered_lines_ui(ui: &mut Ui, lines: &[String]) {
    let height = ui.text_style_height(&egui::TextStyle::Monospace);
    let width = lines.len().max(1).to_string().len();
    egui::ScrollArea::vertical()
        .id_salt("lines")
        .max_height(420.0)
        .auto_shrink([false, true])
        .show_rows(ui, height, lines.len(), |ui, range| {
            for n in range {
                let text = format!(
                    "{:>width$}  {}",
                    n + 1,
                    crate::format::escape_controls(&lines[n])
                );
                ui.add(egui::Label::new(RichText::new(text).monospace()).extend());
            }
        });
}

/// Rows shown at once before a table scrolls, laying out only the rows in view.
const ROWS_AT_ONCE: usize = 200;

/// One of the answer's prepared tables; a long one (a checkpoint's tensors) scrolls.
fn table_ui(ui: &mut Ui, id: &str, prepared: &Prepared) {
    let Some(table) = prepared.table(id) else {
        return;
    };
    if table.rows.len() <= ROWS_AT_ONCE {
        return grid_ui(ui, id, table.headers, &table.rows);
    }
    let height = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
    egui::ScrollArea::vertical()
        .id_salt(id)
        .max_height(420.0)
        .show_rows(ui, height, table.rows.len(), |ui, range| {
            grid_ui(ui, id, table.headers, &table.rows[range]);
        });
}

fn grid_ui(ui: &mut Ui, id: &str, headers: &[&str], rows: &[Vec<String>]) {
    egui::Grid::new(id)
        .striped(true)
        .num_columns(headers.len())
        .show(ui, |ui| {
            if headers.iter().any(|h| !h.is_empty()) {
                for h in headers {
                    ui.label(RichText::new(*h).strong());
                }
                ui.end_row();
            }
            for row in rows {
                for cell in row {
                    ui.label(crate::format::escape_controls(cell));
                }
                ui.end_row();
            }
        });
}

fn table_preview_ui(ui: &mut Ui, t: &TablePreview) {
    let mut about = format!("{} · {} columns", t.format, t.columns.len());
    if let Some(d) = &t.delimiter {
        about.push_str(&format!(" · delimiter {d}"));
    }
    about.push_str(&format!(" · {}", t.encoding));
    if let Some(c) = &t.decompressed {
        about.push_str(&format!(", decompressed from {c}"));
    }
    ui.label(RichText::new(about).small());
    for note in &t.notes {
        ui.label(
            RichText::new(format!("⚠ {note}"))
                .small()
                .color(ui.visuals().warn_fg_color),
        );
    }
    let headers: Vec<&str> = t.columns.iter().map(String::as_str).collect();
    grid_ui(ui, "table", &headers, &t.rows);
    if t.more {
        ui.label(
            RichText::new(format!("The first {} rows.", t.rows.len()))
                .small()
                .weak(),
        );
    }
    if let Some(record) = &t.record {
        egui::CollapsingHeader::new("First record").show(ui, |ui| json_ui(ui, "record", record, 0));
    }
}

fn json_ui(ui: &mut Ui, name: &str, node: &JsonNode, depth: usize) {
    let count = match node {
        JsonNode::Array(items) => items.len(),
        JsonNode::Object(fields) => fields.len(),
        leaf => {
            ui.label(format!(
                "{name}: {}",
                crate::format::escape_controls(&leaf.summary())
            ));
            return;
        }
    };
    egui::CollapsingHeader::new(format!("{name}: {}", node.summary()))
        .id_salt((name, depth, ui.next_auto_id()))
        .default_open(depth < 2)
        .show(ui, |ui| {
            // Only an open node's children are laid out, and only the first of them.
            match node {
                JsonNode::Array(items) => {
                    for (i, child) in items.iter().enumerate().take(JSON_CHILDREN) {
                        json_ui(ui, &format!("[{i}]"), child, depth + 1);
                    }
                }
                JsonNode::Object(fields) => {
                    for (key, child) in fields.iter().take(JSON_CHILDREN) {
                        json_ui(ui, key, child, depth + 1);
                    }
                }
                _ => {}
            }
            if count > JSON_CHILDREN {
                ui.label(format!(
                    "… {} more",
                    thousands((count - JSON_CHILDREN) as u64)
                ));
            }
        });
}

/// Returns whether the first rows were asked for.
fn parquet_ui(ui: &mut Ui, p: &ParquetSummary, prepared: &Prepared, loading: bool) -> bool {
    ui.label(format!(
        "{} rows · {} row groups · {} · footer {}{}",
        thousands(p.rows.max(0) as u64),
        p.row_groups.len(),
        p.describe_columns(),
        human_bytes(p.footer_bytes),
        if p.page_index { " · page index" } else { "" }
    ));
    if let Some(by) = &p.created_by {
        ui.label(RichText::new(format!("Written by {by}")).small().weak());
    }
    for codec in &p.missing_codecs {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!("This build cannot decompress {codec}: the schema and statistics show, the rows cannot."),
        );
    }
    egui::CollapsingHeader::new("Columns")
        .default_open(true)
        .show(ui, |ui| {
            table_ui(ui, "parquet columns", prepared);
        });
    let mut asked = false;
    egui::CollapsingHeader::new("First rows")
        .default_open(true)
        .show(ui, |ui| match &p.sample {
            Some(sample) => {
                let headers: Vec<&str> = sample.columns.iter().map(String::as_str).collect();
                grid_ui(ui, "parquet rows", &headers, &sample.rows);
            }
            None => {
                if let Some(e) = &p.rows_error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                if p.missing_codecs.is_empty() {
                    let label = format!("Read the first {DEFAULT_ROWS} rows");
                    asked = more_button(ui, loading, &label);
                }
            }
        });
    egui::CollapsingHeader::new("Schema").show(ui, |ui| {
        ui.label(RichText::new(p.schema.trim_end()).monospace());
    });
    egui::CollapsingHeader::new(format!("Row groups ({})", p.row_groups.len())).show(ui, |ui| {
        table_ui(ui, "row groups", prepared);
    });
    if !p.key_values.is_empty() {
        egui::CollapsingHeader::new("Key-value metadata")
            .show(ui, |ui| pairs_ui(ui, "kv", &p.key_values));
    }
    asked
}

fn pairs_ui(ui: &mut Ui, id: &str, pairs: &[(String, String)]) {
    egui::Grid::new(id)
        .striped(true)
        .num_columns(2)
        .show(ui, |ui| {
            for (k, v) in pairs {
                ui.label(crate::format::escape_controls(k));
                ui.label(crate::format::escape_controls(v));
                ui.end_row();
            }
        });
}

fn tensors_ui(ui: &mut Ui, count: usize, prepared: &Prepared) {
    egui::CollapsingHeader::new(format!("Tensors ({})", thousands(count as u64)))
        .show(ui, |ui| table_ui(ui, "tensors", prepared));
}

fn safetensors_ui(ui: &mut Ui, s: &SafetensorsSummary, prepared: &Prepared) {
    ui.label(format!(
        "{} tensors · {} parameters · header {}",
        thousands(s.tensors.len() as u64),
        thousands(s.parameters),
        human_bytes(s.header_bytes)
    ));
    table_ui(ui, "dtypes", prepared);
    if !s.metadata.is_empty() {
        egui::CollapsingHeader::new("Metadata")
            .default_open(true)
            .show(ui, |ui| pairs_ui(ui, "meta", &s.metadata));
    }
    tensors_ui(ui, s.tensors.len(), prepared);
}

fn checkpoint_ui(ui: &mut Ui, c: &CheckpointSummary, prepared: &Prepared) {
    ui.label(format!(
        "{} shards · {} tensors · {} parameters · {} of tensors",
        c.shards.len(),
        thousands(c.tensors as u64),
        thousands(c.parameters),
        human_bytes(c.tensor_bytes)
    ));
    if let Some(total) = c.index_total_size {
        let agrees = if total == c.tensor_bytes {
            "as the shards hold"
        } else {
            "but the shards hold otherwise"
        };
        ui.label(
            RichText::new(format!("The index says {}, {agrees}.", human_bytes(total))).small(),
        );
    }
    table_ui(ui, "dtypes", prepared);
    if c.missing_count > 0 {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "{} named by the index in no shard:",
                crate::format::count(c.missing_count as u64, "tensor", "tensors")
            ),
        );
        for m in &c.missing {
            ui.label(RichText::new(m).small());
        }
    }
    egui::CollapsingHeader::new("Shards")
        .default_open(true)
        .show(ui, |ui| {
            table_ui(ui, "shards", prepared);
        });
}

fn gguf_ui(ui: &mut Ui, g: &GgufSummary, prepared: &Prepared) {
    ui.label(format!(
        "GGUF v{} · {} tensors · {} parameters · header {}",
        g.version,
        thousands(g.tensors.len() as u64),
        thousands(g.parameters),
        human_bytes(g.header_bytes)
    ));
    pairs_ui(ui, "highlights", &g.highlights);
    egui::CollapsingHeader::new(format!("Metadata ({})", g.metadata.len()))
        .show(ui, |ui| pairs_ui(ui, "gguf meta", &g.metadata));
    tensors_ui(ui, g.tensors.len(), prepared);
}

fn image_ui(ui: &mut Ui, i: &ImagePreview, texture: &mut Option<egui::TextureHandle>) {
    ui.label(format!("{} · {} × {} pixels", i.format, i.width, i.height));
    if let Some(note) = &i.note {
        ui.label(note);
    }
    let Some(thumb) = &i.thumbnail else { return };
    let handle = texture.get_or_insert_with(|| {
        let pixels = egui::ColorImage::from_rgba_unmultiplied(
            [thumb.width as usize, thumb.height as usize],
            &thumb.rgba,
        );
        ui.ctx()
            .load_texture("inspected image", pixels, egui::TextureOptions::LINEAR)
    });
    let width = ui.available_width().min(thumb.width as f32 * 2.0).max(16.0);
    let size = egui::vec2(
        width,
        width * thumb.height as f32 / thumb.width.max(1) as f32,
    );
    ui.add(egui::Image::new((handle.id(), size)));
}
