//! "🔗 Share link…": a presigned link to an object with an expiry the user picks (15 minutes to
//! 7 days), copied to the clipboard, and when it really stops working: a link signed with
//! temporary credentials dies with them.

use egui::RichText;
use poll_promise::Promise;

use crate::app::task;
use crate::app::widgets::Shown;
use crate::s3::share::{EXPIRY_CHOICES, ShareLink, share_link};
use crate::s3::{Connection, S3Error};

pub struct ShareWindow {
    connection: Connection,
    bucket: String,
    key: String,
    expires_secs: u64,
    making: Option<Promise<Result<ShareLink, S3Error>>>,
    made: Option<Result<ShareLink, S3Error>>,
}

impl ShareWindow {
    pub fn open(connection: Connection, bucket: &str, key: &str) -> Self {
        Self {
            connection,
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            expires_secs: 24 * 3600,
            making: None,
            made: None,
        }
    }

    fn make(&mut self, ctx: &egui::Context) {
        let (connection, bucket, key, secs) = (
            self.connection.clone(),
            self.bucket.clone(),
            self.key.clone(),
            self.expires_secs,
        );
        self.made = None;
        self.making = Some(task::spawn(ctx, async move {
            share_link(&connection, &bucket, &key, None, secs).await
        }));
    }

    pub fn show(&mut self, ctx: &egui::Context) -> (Shown, Option<crate::s3::commands::Action>) {
        if let Some(made) = task::take_ready(&mut self.making) {
            if let Ok(link) = &made {
                ctx.copy_text(link.url.clone());
            }
            self.made = Some(made);
        }
        let mut open = true;
        let mut show_command = None;
        crate::app::widgets::dialog(ctx, "Share link")
            .default_width(520.0)
            .open(&mut open)
            .show(ctx, |ui| {
                ui.label(format!("s3://{}/{}", self.bucket, self.key));
                ui.label(
                    RichText::new(
                        "Anyone who has the link can download the object until it expires, \
                         without credentials.",
                    )
                    .weak(),
                );
                ui.horizontal(|ui| {
                    let label = ui.label("Works for:");
                    let chosen = EXPIRY_CHOICES
                        .iter()
                        .find(|(secs, _)| *secs == self.expires_secs)
                        .map_or("", |(_, name)| name);
                    egui::ComboBox::from_id_salt("share-expiry")
                        .selected_text(chosen)
                        .show_ui(ui, |ui| {
                            for (secs, name) in EXPIRY_CHOICES {
                                ui.selectable_value(&mut self.expires_secs, secs, name);
                            }
                        })
                        .response
                        .labelled_by(label.id);
                    let making = self.making.is_some();
                    if ui
                        .add_enabled(!making, egui::Button::new("Create link"))
                        .clicked()
                    {
                        self.make(ui.ctx());
                    }
                    if ui.button("</> Show command").clicked() {
                        show_command = Some(crate::s3::commands::Action::ShareLink {
                            bucket: self.bucket.clone(),
                            key: self.key.clone(),
                            expires_secs: self.expires_secs,
                        });
                    }
                });
                if self.making.is_some() {
                    ui.spinner();
                }
                match &self.made {
                    Some(Ok(link)) => link_ui(ui, link),
                    Some(Err(e)) => {
                        ui.colored_label(ui.visuals().error_fg_color, e.to_string());
                        ui.label(e.hint());
                    }
                    None => {}
                }
            });
        (Shown::open_while(open), show_command)
    }
}

fn link_ui(ui: &mut egui::Ui, link: &ShareLink) {
    let mut url = link.url.as_str();
    ui.add(
        egui::TextEdit::multiline(&mut url)
            .code_editor()
            .desired_rows(3)
            .desired_width(f32::INFINITY),
    );
    ui.horizontal(|ui| {
        ui.label("✔ Copied to the clipboard.");
        if ui.button("📋 Copy again").clicked() {
            ui.ctx().copy_text(link.url.clone());
        }
    });
    let until = crate::format::local_datetime(link.works_until_secs());
    if link.cut_short() {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "⚠ It stops working at {until}, when the temporary credentials that signed it \
                 expire, not at {}.",
                crate::format::local_datetime(link.expires_at_secs)
            ),
        );
    } else {
        ui.label(format!("It works until {until}."));
    }
}
