//! The listing's table: sortable headers, virtualised rows that fill in page by page, clicks
//! that select (with Ctrl/Cmd and Shift), a right-click menu on rows and on the empty part, and
//! rows dragged onto a folder.

use egui::{Align, Layout, RichText, Sense};
use egui_extras::{Column, TableBuilder, TableRow};

use super::context::{DraggedRows, MenuAction};
use super::{Browser, ListStatus, ROW_HEIGHT};
use crate::app::rows::{Sort, SortKey};
use crate::app::selection::ClickKind;
use crate::format::{human_bytes, thousands, utc_datetime};

/// What the rows said this frame; acted on once the table is drawn.
#[derive(Default)]
struct RowNews {
    new_sort: Option<Sort>,
    clicked: Option<(usize, ClickKind)>,
    context_clicked: Option<usize>,
    menu: Option<MenuAction>,
    dropped_on: Option<String>,
}

/// How a click of this frame was made: the modifiers of the release itself, since held keys
/// may be let go within the same frame.
fn click_kind(ui: &egui::Ui) -> ClickKind {
    let modifiers = ui.input(|i| {
        (i.events.iter().rev())
            .find_map(|e| match e {
                egui::Event::PointerButton {
                    pressed: false,
                    modifiers,
                    ..
                } => Some(*modifiers),
                _ => None,
            })
            .unwrap_or(i.modifiers)
    });
    ClickKind {
        toggle: modifiers.command,
        range: modifiers.shift,
    }
}

/// A column header that sorts by `key`, its arrow showing the order in use.
fn sort_header_ui(ui: &mut egui::Ui, label: &str, key: SortKey, sort: Sort, news: &mut RowNews) {
    let arrow = match (sort.key == key, sort.descending) {
        (true, false) => " ⏶",
        (true, true) => " ⏷",
        _ => "",
    };
    let text = RichText::new(format!("{label}{arrow}")).strong();
    if ui.add(egui::Button::new(text).frame(false)).clicked() {
        news.new_sort = Some(Sort {
            key,
            descending: sort.key == key && !sort.descending,
        });
    }
}

impl Browser {
    pub(super) fn table_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if self.rows.is_empty()
            && !self.is_loading()
            && !matches!(self.status, ListStatus::Failed { .. })
        {
            ui.add_space(24.0);
            ui.vertical_centered(|ui| {
                ui.label(RichText::new("Nothing here yet").heading());
                ui.label("Create a folder, or upload files into this prefix.");
            });
            return;
        }
        let mut news = RowNews::default();
        let kind = click_kind(ui);
        // Under the rows: a right-click on the empty part of the table.
        let background = ui.interact(
            ui.available_rect_before_wrap(),
            ui.scope_id().with("table-background"),
            Sense::click(),
        );
        background.context_menu(|ui| {
            if let Some(action) = self.background_menu_ui(ui) {
                news.menu = Some(action);
            }
        });
        let scroll_to = std::mem::take(&mut self.scroll_to_cursor)
            .then(|| self.selection.cursor())
            .flatten();
        let sort = self.rows.sort();
        // Selectable labels would take the clicks meant for the row.
        ui.style_mut().interaction.selectable_labels = false;
        let mut table = TableBuilder::new(ui)
            .id_salt("listing")
            .striped(true)
            .resizable(true)
            .sense(Sense::click_and_drag());
        if let Some(row) = scroll_to {
            table = table.scroll_to_row(row, None);
        }
        table
            .cell_layout(Layout::left_to_right(Align::Center))
            .column(
                Column::remainder()
                    .at_least(160.0)
                    .clip(true)
                    .resizable(false),
            )
            .column(Column::initial(90.0).at_least(60.0).clip(true))
            .column(Column::initial(150.0).at_least(80.0).clip(true))
            .column(Column::initial(140.0).at_least(60.0).clip(true))
            .header(ROW_HEIGHT, |mut row| {
                row.col(|ui| sort_header_ui(ui, "Name", SortKey::Name, sort, &mut news));
                row.col(|ui| sort_header_ui(ui, "Size", SortKey::Size, sort, &mut news));
                row.col(|ui| {
                    sort_header_ui(ui, "Last modified", SortKey::Modified, sort, &mut news)
                });
                row.col(|ui| {
                    ui.label(RichText::new("Storage class").strong());
                });
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, self.rows.visible_len(), |row| {
                    self.row_ui(row, kind, &mut news);
                });
            });
        if let Some(sort) = news.new_sort {
            self.rows.set_sort(sort);
        }
        if let Some(index) = news.context_clicked {
            self.context_click(&ctx, index);
        }
        if let Some((index, kind)) = news.clicked {
            self.click_row(&ctx, index, kind);
        }
        if let Some(folder) = news.dropped_on {
            self.drop_on_folder(&folder);
        }
        if let Some(action) = news.menu {
            self.menu_action(&ctx, action);
        }
    }

    fn row_ui(&self, mut row: TableRow<'_, '_>, kind: ClickKind, news: &mut RowNews) {
        let Some(r) = self.rows.visible(row.index()) else {
            return;
        };
        let name = self.rows.display_name(r);
        row.set_selected(self.selection.contains(&r.key));
        if r.is_folder {
            row.col(|ui| {
                ui.label(format!("📁 {name}"));
            });
            row.col(|_| {});
            row.col(|_| {});
            row.col(|_| {});
        } else {
            row.col(|ui| {
                ui.label(format!("📄 {name}"));
            });
            row.col(|ui| {
                ui.label(human_bytes(r.size_bytes))
                    .on_hover_text(format!("{} bytes", thousands(r.size_bytes)));
            });
            row.col(|ui| {
                ui.label(utc_datetime(r.modified_secs)).on_hover_text("UTC");
            });
            row.col(|ui| {
                ui.label(r.storage_class.as_str());
            });
        }
        let index = row.index();
        let response = row.response();
        if response.clicked() {
            news.clicked = Some((index, kind));
        }
        if response.secondary_clicked() {
            news.context_clicked = Some(index);
        }
        if response.drag_started() {
            // Dragged with the selection, or alone when not in it.
            news.context_clicked = Some(index);
            response.dnd_set_drag_payload(DraggedRows);
        }
        if response.dragged() {
            let n = self.selection.len().max(1);
            let items = crate::format::count(n as u64, "item", "items");
            response.show_tooltip_text(format!("Move {items}: drop on a folder"));
        }
        if r.is_folder && response.dnd_hover_payload::<DraggedRows>().is_some() {
            // The folder the rows would land in, outlined above the table.
            let layer =
                egui::LayerId::new(egui::Order::Foreground, egui::Id::unique("drop-target"));
            let stroke = response.ctx.global_style().visuals.selection.stroke;
            response.ctx.layer_painter(layer).rect_stroke(
                response.rect,
                2.0,
                stroke,
                egui::StrokeKind::Inside,
            );
        }
        if r.is_folder && response.dnd_release_payload::<DraggedRows>().is_some() {
            news.dropped_on = Some(r.key.to_string());
        }
        response.context_menu(|ui| {
            if let Some(action) = self.row_menu_ui(ui, &r.key, r.is_folder) {
                news.menu = Some(action);
            }
        });
    }
}
