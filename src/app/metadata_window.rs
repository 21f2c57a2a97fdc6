//! "Edit metadata and tags…" on an object: its content type, cache control, content
//! disposition and user metadata (changed by copying the object onto itself with the REPLACE
//! directive, as S3 requires), and its tags (PutObjectTagging, no copy). What was read is kept
//! beside what is typed, so only a real change is sent.

use poll_promise::Promise;

use super::task;
use super::widgets::Shown;
use crate::s3::copy::{CopyChanges, CopyOptions, ObjectHeaders, copy_object};
use crate::s3::objects::{ObjectDetails, object_details, object_tags, set_object_tags};
use crate::s3::{Connection, S3Error};

/// The fields as read and as edited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    pub content_type: String,
    pub cache_control: String,
    pub content_disposition: String,
    /// User metadata and tags, as rows the user edits (empty names are dropped on save).
    pub metadata: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    /// Kept as read: the edit does not offer them, the copy must not lose them.
    content_encoding: Option<String>,
    content_language: Option<String>,
}

impl Fields {
    fn of(details: &ObjectDetails, tags: Vec<(String, String)>) -> Self {
        Self {
            content_type: details.content_type.clone().unwrap_or_default(),
            cache_control: details.cache_control.clone().unwrap_or_default(),
            content_disposition: details.content_disposition.clone().unwrap_or_default(),
            metadata: details.user_metadata.clone().into_iter().collect(),
            tags,
            content_encoding: details.content_encoding.clone(),
            content_language: details.content_language.clone(),
        }
    }

    /// The headers as a REPLACE copy sets them.
    pub fn headers(&self) -> ObjectHeaders {
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        ObjectHeaders {
            content_type: some(&self.content_type),
            cache_control: some(&self.cache_control),
            content_disposition: some(&self.content_disposition),
            content_encoding: self.content_encoding.clone(),
            content_language: self.content_language.clone(),
            metadata: named(&self.metadata).into_iter().collect(),
        }
    }

    pub fn headers_differ(&self, read: &Fields) -> bool {
        self.headers() != read.headers()
    }

    pub fn tags_differ(&self, read: &Fields) -> bool {
        named(&self.tags) != named(&read.tags)
    }

    /// What S3 would refuse, said before anything is sent.
    pub fn problem(&self) -> Option<String> {
        let tags = named(&self.tags);
        if tags.len() > 10 {
            return Some("An object carries at most 10 tags.".into());
        }
        if let Some((k, _)) = tags.iter().find(|(k, v)| k.len() > 128 || v.len() > 256) {
            return Some(format!(
                "Tag {k}: names hold at most 128 characters, values 256."
            ));
        }
        let metadata = named(&self.metadata);
        if let Some((k, problem)) = (metadata.iter())
            .find_map(|(k, _)| super::transfer_choices::metadata_key_problem(k).map(|p| (k, p)))
        {
            return Some(format!("Metadata {k}: {problem}."));
        }
        let bytes: usize = named(&self.metadata)
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum();
        (bytes > 2048).then(|| "User metadata holds at most 2 KB in all.".into())
    }
}

/// The rows with a name, trimmed, in order.
fn named(rows: &[(String, String)]) -> Vec<(String, String)> {
    rows.iter()
        .filter(|(k, _)| !k.trim().is_empty())
        .map(|(k, v)| (k.trim().to_owned(), v.clone()))
        .collect()
}

type Read = Result<Fields, S3Error>;

pub struct MetadataWindow {
    connection: Connection,
    bucket: String,
    key: String,
    reading: Option<Promise<Read>>,
    read: Option<Fields>,
    edited: Fields,
    error: Option<String>,
    saving: Option<Promise<Result<String, S3Error>>>,
    saved: Option<String>,
    /// The object changed: the browser lists it again.
    pub changed: bool,
}

impl MetadataWindow {
    pub fn open(ctx: &egui::Context, connection: Connection, bucket: &str, key: &str) -> Self {
        let (c, b, k) = (connection.clone(), bucket.to_owned(), key.to_owned());
        let reading = task::spawn(ctx, async move {
            let details = object_details(&c, &b, &k).await?;
            let tags = match object_tags(&c, &b, &k).await {
                Ok(tags) => tags,
                Err(S3Error::Unsupported { .. }) => Vec::new(),
                Err(e) => return Err(e),
            };
            Ok(Fields::of(&details, tags))
        });
        Self {
            connection,
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            reading: Some(reading),
            read: None,
            edited: Fields::default(),
            error: None,
            saving: None,
            saved: None,
            changed: false,
        }
    }

    fn save(&mut self, ctx: &egui::Context) {
        let Some(read) = &self.read else {
            return;
        };
        let (headers, tags) = (
            self.edited
                .headers_differ(read)
                .then(|| self.edited.headers()),
            self.edited
                .tags_differ(read)
                .then(|| named(&self.edited.tags)),
        );
        let (c, bucket, key) = (
            self.connection.clone(),
            self.bucket.clone(),
            self.key.clone(),
        );
        self.saved = None;
        self.saving = Some(task::spawn(ctx, async move {
            let mut done = Vec::new();
            if let Some(headers) = headers {
                let options = CopyOptions {
                    changes: CopyChanges {
                        storage_class: None,
                        headers: Some(headers),
                    },
                    ..CopyOptions::default()
                };
                copy_object(&c, (&bucket, &key), (&bucket, &key), &options).await?;
                done.push("metadata");
            }
            if let Some(tags) = tags {
                set_object_tags(&c, &bucket, &key, &tags).await?;
                done.push("tags");
            }
            Ok(match done.as_slice() {
                [] => "Nothing changed.".to_owned(),
                what => format!("Saved the {}.", what.join(" and ")),
            })
        }));
    }

    pub fn show(&mut self, ctx: &egui::Context) -> Shown {
        if let Some(read) = task::take_ready(&mut self.reading) {
            match read {
                Ok(fields) => {
                    self.edited = fields.clone();
                    self.read = Some(fields);
                }
                Err(e) => self.error = Some(e.with_hint()),
            }
        }
        if let Some(saved) = task::take_ready(&mut self.saving) {
            match saved {
                Ok(text) => {
                    self.read = Some(self.edited.clone());
                    self.saved = Some(text);
                    self.changed = true;
                }
                Err(e) => self.error = Some(e.with_hint()),
            }
        }
        let mut open = true;
        let title = format!(
            "Metadata and tags of {}",
            crate::relocate::name_of(&self.key)
        );
        super::widgets::dialog(ctx, title)
            .default_width(560.0)
            .open(&mut open)
            .show(ctx, |ui| self.contents_ui(ui));
        Shown::open_while(open)
    }

    fn contents_ui(&mut self, ui: &mut egui::Ui) {
        ui.label(format!("s3://{}/{}", self.bucket, self.key));
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error.as_str());
        }
        let Some(read) = self.read.clone() else {
            if self.error.is_none() {
                ui.spinner();
            }
            return;
        };
        let fields = &mut self.edited;
        egui::Grid::new("headers").num_columns(2).show(ui, |ui| {
            for (label, value, hint) in [
                ("Content type", &mut fields.content_type, "e.g. text/csv"),
                (
                    "Cache control",
                    &mut fields.cache_control,
                    "e.g. max-age=3600",
                ),
                (
                    "Content disposition",
                    &mut fields.content_disposition,
                    "e.g. attachment; filename=\"data.csv\"",
                ),
            ] {
                let name = ui.label(label);
                ui.add(
                    egui::TextEdit::singleline(value)
                        .hint_text(hint)
                        .desired_width(360.0),
                )
                .labelled_by(name.id);
                ui.end_row();
            }
        });
        ui.add_space(6.0);
        ui.label(egui::RichText::new("User metadata (x-amz-meta-…)").strong());
        super::widgets::key_value_rows_ui(ui, &mut fields.metadata, "+ Add an entry", |k| {
            // An empty row is dropped on save, not refused.
            let blank = k.trim().is_empty();
            (!blank)
                .then(|| super::transfer_choices::metadata_key_problem(k))?
                .map(str::to_owned)
        });
        ui.add_space(6.0);
        ui.label(egui::RichText::new("Tags").strong());
        super::widgets::key_value_rows_ui(ui, &mut fields.tags, "+ Add a tag", |_| None);
        ui.add_space(4.0);
        let headers_change = fields.headers_differ(&read);
        if headers_change {
            ui.small(
                "Saving copies the object onto itself with the new headers (on the server, \
                 no download); on a versioned bucket the old version is kept.",
            );
        }
        let problem = fields.problem();
        if let Some(problem) = &problem {
            ui.colored_label(ui.visuals().warn_fg_color, problem.as_str());
        }
        let changed = headers_change || fields.tags_differ(&read);
        ui.horizontal(|ui| {
            let can = changed && problem.is_none() && self.saving.is_none();
            if ui.add_enabled(can, egui::Button::new("💾 Save")).clicked() {
                self.error = None;
                self.save(ui.ctx());
            }
            if self.saving.is_some() {
                ui.spinner();
            }
            if let Some(saved) = &self.saved {
                ui.label(format!("✔ {saved}"));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_changes_count_and_limits_are_said_first() {
        let read = Fields {
            content_type: "text/csv".into(),
            metadata: vec![("source".into(), "wiki".into())],
            tags: vec![("team".into(), "nlp".into())],
            ..Fields::default()
        };
        let mut edited = read.clone();
        edited.metadata.push((" ".into(), "ignored".into()));
        assert!(!edited.headers_differ(&read));
        edited.tags[0].1 = "vision".into();
        assert!(edited.tags_differ(&read) && !edited.headers_differ(&read));
        edited.cache_control = "max-age=60".into();
        assert!(edited.headers_differ(&read));
        assert_eq!(
            edited.headers().cache_control.as_deref(),
            Some("max-age=60")
        );
        edited.tags = (0..11).map(|i| (format!("t{i}"), String::new())).collect();
        assert!(edited.problem().unwrap().contains("10 tags"));
    }
}
