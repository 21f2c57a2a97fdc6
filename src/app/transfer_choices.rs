//! What the user chose for new transfers: storage class, content type, user metadata, and what
//! happens when the destination already exists. Kept with the browser; [`engine_options`] turns
//! it into what the transfer queues take.

use egui::RichText;

use crate::s3::listing::StorageClass;
use crate::transfer::job::Conflict;
use crate::transfer::{IfExists, TransferOptions};

/// What a transfer does when its destination (key or local file) exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WhenExists {
    /// Hold those transfers and ask, once for all of them.
    #[default]
    Ask,
    Overwrite,
    Skip,
    /// Keep both: the new one becomes `name (1).ext`.
    KeepBoth,
}

impl WhenExists {
    pub fn label(self) -> &'static str {
        match self {
            Self::Ask => "Ask me",
            Self::Overwrite => "Overwrite",
            Self::Skip => "Skip",
            Self::KeepBoth => "Keep both (rename)",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferChoices {
    /// `None`: the bucket's default class.
    pub storage_class: Option<StorageClass>,
    /// Empty: guessed from each file's extension.
    pub content_type: String,
    /// User metadata rows as typed (`x-amz-meta-KEY: VALUE`).
    pub metadata: Vec<(String, String)>,
    pub when_exists: WhenExists,
}

/// Why a metadata key cannot be sent as an `x-amz-meta-` header, if it cannot.
pub fn metadata_key_problem(key: &str) -> Option<&'static str> {
    if key.trim().is_empty() {
        return Some("a key is needed");
    }
    if !key
        .trim()
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Some("letters, digits, - and _ only");
    }
    None
}

impl TransferChoices {
    /// The metadata rows that can be sent (keys lowercased, as S3 stores them).
    pub fn metadata_pairs(&self) -> Vec<(String, String)> {
        self.metadata
            .iter()
            .filter(|(k, _)| metadata_key_problem(k).is_none())
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.clone()))
            .collect()
    }

    pub fn content_type(&self) -> Option<String> {
        let t = self.content_type.trim();
        (!t.is_empty()).then(|| t.to_owned())
    }

    /// A short line of what differs from the defaults, for the toolbar.
    pub fn summary(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(class) = self.storage_class {
            parts.push(class.as_str().to_owned());
        }
        if let Some(t) = self.content_type() {
            parts.push(t);
        }
        let meta = self.metadata_pairs().len();
        if meta > 0 {
            parts.push(format!("{meta} metadata"));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }

    pub fn ui(&mut self, ui: &mut egui::Ui) {
        egui::Grid::new("transfer-choices")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                ui.label("Storage class:");
                egui::ComboBox::from_id_salt("upload-class")
                    .selected_text(
                        self.storage_class
                            .map_or("bucket default", StorageClass::as_str),
                    )
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.storage_class, None, "bucket default");
                        for class in [
                            StorageClass::Standard,
                            StorageClass::IntelligentTiering,
                            StorageClass::StandardIa,
                            StorageClass::OnezoneIa,
                            StorageClass::GlacierIr,
                            StorageClass::Glacier,
                            StorageClass::DeepArchive,
                        ] {
                            ui.selectable_value(
                                &mut self.storage_class,
                                Some(class),
                                class.as_str(),
                            );
                        }
                    });
                ui.end_row();
                let label = ui.label("Content type:");
                ui.add(
                    egui::TextEdit::singleline(&mut self.content_type)
                        .hint_text("guessed from the name")
                        .desired_width(200.0),
                )
                .labelled_by(label.id);
                ui.end_row();
                ui.label("When it exists:");
                egui::ComboBox::from_id_salt("when-exists")
                    .selected_text(self.when_exists.label())
                    .show_ui(ui, |ui| {
                        for choice in [
                            WhenExists::Ask,
                            WhenExists::Overwrite,
                            WhenExists::Skip,
                            WhenExists::KeepBoth,
                        ] {
                            ui.selectable_value(&mut self.when_exists, choice, choice.label());
                        }
                    });
                ui.end_row();
            });
        ui.label(RichText::new("User metadata (x-amz-meta-…)").strong());
        super::widgets::key_value_rows_ui(ui, &mut self.metadata, "+ Add metadata", |key| {
            metadata_key_problem(key).map(str::to_owned)
        });
        ui.label(
            RichText::new("Storage class, content type and metadata apply to uploads.").weak(),
        );
    }
}

/// The engine's options and conflict answer for what the user chose.
pub fn engine_options(choices: &TransferChoices) -> (TransferOptions, Conflict) {
    let options = TransferOptions {
        storage_class: choices.storage_class.map(|c| c.as_str().to_owned()),
        content_type: choices.content_type(),
        metadata: choices.metadata_pairs(),
        record_downloads: true,
        ..TransferOptions::default()
    };
    let conflict = match choices.when_exists {
        WhenExists::Ask => Conflict::Ask,
        WhenExists::Overwrite => Conflict::Decided(IfExists::Overwrite),
        WhenExists::Skip => Conflict::Decided(IfExists::Skip),
        WhenExists::KeepBoth => Conflict::Decided(IfExists::Rename),
    };
    (options, conflict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_rows_that_cannot_be_sent_are_left_out() {
        let choices = TransferChoices {
            metadata: vec![
                ("Owner".into(), "jd".into()),
                ("bad key".into(), "x".into()),
                ("".into(), "y".into()),
                ("run_id-2".into(), "42".into()),
            ],
            ..TransferChoices::default()
        };
        assert_eq!(
            choices.metadata_pairs(),
            [
                ("owner".to_owned(), "jd".to_owned()),
                ("run_id-2".to_owned(), "42".to_owned())
            ]
        );
        assert_eq!(choices.summary().as_deref(), Some("2 metadata"));
        assert_eq!(
            metadata_key_problem("bad key"),
            Some("letters, digits, - and _ only")
        );
    }
}
