//! "Verify a local copy": does a file on this computer hold the same bytes as an object? The size,
//! then the CRC32C, CRC32 or CRC64NVME S3 stored, without downloading the object (desktop).

use egui::RichText;
use poll_promise::Promise;

use super::file_dialog::{FilePick, PickKind};
use crate::app::widgets::Shown;
use crate::app::{FileDialogs, task};
use crate::s3::Connection;
use crate::transfer::{TransferError, Verdict, verify_file};

pub struct VerifyWindow {
    connection: Connection,
    pub bucket: String,
    pub key: String,
    pub path: String,
    file_dialogs: FileDialogs,
    browsing: Option<FilePick>,
    checking: Option<Promise<Result<Verdict, TransferError>>>,
    /// The path checked and what came of it.
    outcome: Option<(String, Result<Verdict, TransferError>)>,
}

impl VerifyWindow {
    pub fn open(
        connection: Connection,
        bucket: &str,
        key: &str,
        file_dialogs: FileDialogs,
    ) -> Self {
        Self {
            file_dialogs,
            connection,
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            path: String::new(),
            browsing: None,
            checking: None,
            outcome: None,
        }
    }

    fn check(&mut self, ctx: &egui::Context) {
        let path = std::path::PathBuf::from(self.path.trim());
        let (connection, bucket, key) = (
            self.connection.clone(),
            self.bucket.clone(),
            self.key.clone(),
        );
        self.outcome = None;
        self.checking = Some(task::spawn(ctx, async move {
            verify_file(&connection, &path, &bucket, &key).await
        }));
    }

    pub fn show(&mut self, ctx: &egui::Context) -> Shown {
        if let Some(mut pick) = self.browsing.take() {
            match pick.poll(ctx).map(|mut paths| paths.pop()) {
                Some(Some(path)) => {
                    self.path = path.display().to_string();
                    self.check(ctx);
                }
                Some(None) => {}
                None => self.browsing = Some(pick),
            }
        }
        if let Some(p) = self.checking.take() {
            match p.try_take() {
                Ok(result) => self.outcome = Some((self.path.trim().to_owned(), result)),
                Err(p) => self.checking = Some(p),
            }
        }
        let mut open = true;
        crate::app::widgets::dialog(ctx, "Verify a local copy")
            .default_width(520.0)
            .open(&mut open)
            .show(ctx, |ui| {
                ui.label(format!(
                    "Compare a file with s3://{}/{}",
                    self.bucket, self.key
                ));
                ui.label(
                    RichText::new(
                        "Checks the size, then the CRC32C, CRC32 or CRC64NVME stored with the object; \
                         nothing is downloaded.",
                    )
                    .weak(),
                );
                ui.horizontal(|ui| {
                    let label = ui.label("Local file:");
                    let edit = ui
                        .add(
                            egui::TextEdit::singleline(&mut self.path)
                                .hint_text("/path/to/the/file")
                                .desired_width(300.0),
                        )
                        .labelled_by(label.id);
                    if ui.button("Browse…").clicked() {
                        self.browsing = Some(FilePick::open(
                            ctx,
                            self.file_dialogs,
                            "The local copy to verify",
                            PickKind::File,
                        ));
                    }
                    let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    let ready = !self.path.trim().is_empty() && self.checking.is_none();
                    if (ui.add_enabled(ready, egui::Button::new("Verify")).clicked() || enter)
                        && ready
                    {
                        self.check(ctx);
                    }
                });
                if self.checking.is_some() {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Reading the file…");
                    });
                }
                if let Some((path, result)) = &self.outcome {
                    let ok = ui.visuals().selection.stroke.color;
                    match result {
                        Ok(Verdict::Identical { checksum }) => {
                            ui.colored_label(
                                ok,
                                format!("✔ Identical: {path} has the same size and {checksum}."),
                            );
                        }
                        Ok(Verdict::SizeOnly { why }) => {
                            ui.colored_label(
                                ui.visuals().warn_fg_color,
                                format!("⚠ Same size; {why}, so the bytes were not compared."),
                            );
                        }
                        Ok(Verdict::Different { reason }) => {
                            ui.colored_label(
                                ui.visuals().error_fg_color,
                                format!("✖ Different: {reason}."),
                            );
                        }
                        Err(e) => {
                            ui.colored_label(ui.visuals().error_fg_color, e.to_string());
                            ui.label(e.hint());
                        }
                    }
                }
            });
        Shown::open_while(open)
    }
}
