//! "🔗 Share link…": a presigned link to an object (or one of its versions) with an expiry the
//! user picks (15 minutes to 7 days), copied to the clipboard, and when it really stops working:
//! a link signed with temporary credentials dies with them. Several objects give a CSV of links.

use egui::RichText;
use poll_promise::Promise;

use crate::app::task;
use crate::app::widgets::Shown;
use crate::s3::share::{EXPIRY_CHOICES, ShareLink, share_link};
use crate::s3::{Connection, S3Error};

/// The links made: one per key, in the order asked.
type Links = Result<Vec<(String, ShareLink)>, S3Error>;

pub struct ShareWindow {
    connection: Connection,
    bucket: String,
    keys: Vec<String>,
    version_id: Option<String>,
    expires_secs: u64,
    making: Option<Promise<Links>>,
    made: Option<Links>,
}

impl ShareWindow {
    pub fn open(
        connection: Connection,
        bucket: &str,
        keys: Vec<String>,
        version_id: Option<String>,
    ) -> Self {
        Self {
            connection,
            bucket: bucket.to_owned(),
            keys,
            version_id,
            expires_secs: 24 * 3600,
            making: None,
            made: None,
        }
    }

    fn make(&mut self, ctx: &egui::Context) {
        let (connection, bucket, keys, version, secs) = (
            self.connection.clone(),
            self.bucket.clone(),
            self.keys.clone(),
            self.version_id.clone(),
            self.expires_secs,
        );
        self.made = None;
        self.making = Some(task::spawn(ctx, async move {
            let mut links = Vec::with_capacity(keys.len());
            for key in keys {
                let link = share_link(&connection, &bucket, &key, version.as_deref(), secs).await?;
                links.push((key, link));
            }
            Ok(links)
        }));
    }

    /// The links as CSV: `key,url,works_until` (UTC).
    fn csv(links: &[(String, ShareLink)]) -> String {
        let mut out = String::from("key,url,works_until\n");
        for (key, link) in links {
            let until = crate::format::utc_datetime(link.works_until_secs());
            out += &crate::format::csv_line(&[key, &link.url, &until]);
        }
        out
    }

    pub fn show(&mut self, ctx: &egui::Context) -> (Shown, Option<crate::s3::commands::Action>) {
        if let Some(made) = task::take_ready(&mut self.making) {
            match &made {
                Ok(links) if links.len() == 1 => ctx.copy_text(links[0].1.url.clone()),
                Ok(links) => ctx.copy_text(Self::csv(links)),
                Err(_) => {}
            }
            self.made = Some(made);
        }
        let mut open = true;
        let mut show_command = None;
        crate::app::widgets::dialog(ctx, "Share link")
            .default_width(520.0)
            .open(&mut open)
            .show(ctx, |ui| {
                match (self.keys.as_slice(), &self.version_id) {
                    ([key], None) => ui.label(format!("s3://{}/{key}", self.bucket)),
                    ([key], Some(v)) => {
                        ui.label(format!("s3://{}/{key}, version {v}", self.bucket))
                    }
                    (keys, _) => ui.label(format!(
                        "{} objects of s3://{}: a CSV of links (key, url, works until)",
                        keys.len(),
                        self.bucket
                    )),
                };
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
                    if let [key] = self.keys.as_slice()
                        && self.version_id.is_none()
                        && ui.button("</> Show command").clicked()
                    {
                        show_command = Some(crate::s3::commands::Action::ShareLink {
                            bucket: self.bucket.clone(),
                            key: key.clone(),
                            expires_secs: self.expires_secs,
                        });
                    }
                });
                if self.making.is_some() {
                    ui.spinner();
                }
                match &self.made {
                    Some(Ok(links)) if links.len() == 1 => link_ui(ui, &links[0].1),
                    Some(Ok(links)) => links_ui(ui, links),
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

/// Several links: the CSV (on the clipboard already), and when the first of them stops.
fn links_ui(ui: &mut egui::Ui, links: &[(String, ShareLink)]) {
    let csv = ShareWindow::csv(links);
    let mut shown = csv.as_str();
    egui::ScrollArea::vertical()
        .max_height(200.0)
        .show(ui, |ui| {
            ui.add(
                egui::TextEdit::multiline(&mut shown)
                    .code_editor()
                    .desired_width(f32::INFINITY),
            );
        });
    ui.horizontal(|ui| {
        ui.label(format!(
            "✔ {} links copied to the clipboard as CSV.",
            links.len()
        ));
        if ui.button("📋 Copy again").clicked() {
            ui.ctx().copy_text(csv.clone());
        }
    });
    if let Some((_, first)) = links.first() {
        let until = crate::format::local_datetime(first.works_until_secs());
        if first.cut_short() {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "⚠ They stop working at {until}, when the temporary credentials that signed \
                     them expire."
                ),
            );
        } else {
            ui.label(format!("They work until {until}."));
        }
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
