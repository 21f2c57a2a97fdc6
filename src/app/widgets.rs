//! Small widgets used across panels.

use egui::{Color32, RichText};

/// An error as users read it: what went wrong, what to do, and a retry button.
pub fn error_card(ui: &mut egui::Ui, message: &str, hint: &str, on_retry: impl FnOnce()) {
    egui::Frame::group(ui.style())
        .fill(ui.visuals().extreme_bg_color)
        .stroke(egui::Stroke::new(1.0, ui.visuals().error_fg_color))
        .inner_margin(10.0)
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new("⚠")
                        .color(ui.visuals().error_fg_color)
                        .size(18.0),
                );
                ui.label(RichText::new(message).strong());
            });
            hint_ui(ui, hint);
            if ui.button("⟳ Retry").clicked() {
                on_retry();
            }
        });
}

/// What the user can do about `error`: the engine's hint, and where this app does the same.
pub fn s3_hint(error: &crate::s3::S3Error) -> String {
    let hint = error.hint();
    match error {
        crate::s3::S3Error::BlockedByBrowser {
            bucket: Some(_), ..
        } => format!(
            "{hint}\nWhere the bucket already lets this page in, ⚙ Bucket settings › Web access \
             writes the same rule."
        ),
        _ => hint,
    }
}

/// A hint, line by line; a line that is a command to run (`aws …`, `skiff …`) is shown as code
/// with a button that copies it, since it is long and must be exact.
fn hint_ui(ui: &mut egui::Ui, hint: &str) {
    for line in hint.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with("aws ") || line.starts_with("skiff ") {
            ui.horizontal(|ui| {
                if ui
                    .button("Copy command")
                    .on_hover_text("Copies the command to the clipboard")
                    .clicked()
                {
                    ui.ctx().copy_text(line.to_owned());
                }
                ui.add(egui::Label::new(RichText::new(line).monospace()).wrap());
            });
        } else {
            ui.label(RichText::new(line).color(hint_color(ui)));
        }
    }
}

/// A wizard's steps in a row, `1. Name › 2. Region › …`, the current one highlighted.
pub fn steps_bar(ui: &mut egui::Ui, titles: &[&str], current: usize) {
    ui.horizontal_wrapped(|ui| {
        for (i, title) in titles.iter().enumerate() {
            let text = RichText::new(format!("{}. {title}", i + 1));
            ui.label(if i == current {
                text.strong().color(ui.visuals().selection.stroke.color)
            } else {
                text.weak()
            });
            if i + 1 < titles.len() {
                ui.label(RichText::new("›").weak());
            }
        }
    });
}

fn hint_color(ui: &egui::Ui) -> Color32 {
    ui.visuals().weak_text_color()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    #[test]
    fn a_command_in_a_hint_can_be_copied() {
        let command = "aws s3api put-bucket-cors --bucket team-data --cors-configuration '{}'";
        let hint = format!("Allow this page on the bucket with this CORS rule:\n{command}\n");
        let mut harness = Harness::new_ui(|ui| {
            super::error_card(ui, "The browser refused the request.", &hint, || {})
        });
        harness.run();
        assert!(
            harness.query_by_label(command).is_some(),
            "the command is shown whole"
        );
        harness.get_by_label("Copy command").click();
        // The frame that handles the click is the one whose output carries the copy.
        harness.step();
        let copied: Vec<String> = harness
            .output()
            .platform_output
            .commands
            .iter()
            .filter_map(|c| match c {
                egui::OutputCommand::CopyText(text) => Some(text.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(copied, [command]);
    }
}

/// What a window that only opens and closes says after it was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Open,
    Closed,
}

impl Shown {
    pub fn open_while(open: bool) -> Self {
        if open { Self::Open } else { Self::Closed }
    }
}

/// Hands a frame's events, one by one, to `apply` (a flow's update and the effects it asks
/// for); the outcome the last event that closed the window gave. The frame just drawn shows the
/// state before them, so a frame that had events asks for one more.
pub fn apply_events<E, O>(
    ctx: &egui::Context,
    events: Vec<E>,
    mut apply: impl FnMut(E) -> Option<O>,
) -> Option<O> {
    if !events.is_empty() {
        ctx.request_repaint();
    }
    events
        .into_iter()
        .fold(None, |outcome, event| apply(event).or(outcome))
}

/// Problems the user should see but nothing can retry (a folder that could not be read, a
/// download that could not start), each with what to do, until dismissed.
pub fn problems_ui(ui: &mut egui::Ui, problems: &mut Vec<String>) {
    if problems.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new("⚠")
                .color(ui.visuals().error_fg_color)
                .size(16.0),
        );
        ui.vertical(|ui| {
            for problem in problems.iter() {
                ui.label(problem);
            }
        });
        if ui.button("Dismiss").clicked() {
            problems.clear();
        }
    });
}

/// A dialog window: centred on the screen when it first opens, not collapsible.
pub fn dialog(ctx: &egui::Context, title: impl Into<egui::WidgetText>) -> egui::Window<'static> {
    egui::Window::new(title)
        .collapsible(false)
        .pivot(egui::Align2::CENTER_CENTER)
        .default_pos(ctx.content_rect().center())
}

/// Name/value rows the user edits, each with a remove button and what is wrong with its name
/// (`problem`), and an "add" button below.
pub fn key_value_rows_ui(
    ui: &mut egui::Ui,
    rows: &mut Vec<(String, String)>,
    add_label: &str,
    problem: impl Fn(&str) -> Option<String>,
) {
    let mut remove = None;
    for (i, (key, value)) in rows.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(key)
                    .hint_text("name")
                    .desired_width(140.0),
            );
            ui.add(
                egui::TextEdit::singleline(value)
                    .hint_text("value")
                    .desired_width(200.0),
            );
            if ui.small_button("✖").on_hover_text("Remove").clicked() {
                remove = Some(i);
            }
            if let Some(problem) = problem(key) {
                ui.colored_label(ui.visuals().warn_fg_color, format!("not sent: {problem}"));
            }
        });
    }
    if let Some(i) = remove {
        rows.remove(i);
    }
    if ui.small_button(add_label).clicked() {
        rows.push((String::new(), String::new()));
    }
}
