//! "❄ Restore for reading…" in the details of an archived object (GLACIER, DEEP_ARCHIVE): how
//! many days the readable copy stays and the retrieval tier, then RestoreObject; the details'
//! "Restore" field then says whether it is under way or until when the copy is readable.

use poll_promise::Promise;

use crate::app::task;
use crate::s3::objects::{ObjectDetails, restore_object};
use crate::s3::{Connection, S3Error};

/// The retrieval tiers, with what each costs in time.
const TIERS: &[(&str, &str)] = &[
    ("Expedited", "minutes (GLACIER only)"),
    ("Standard", "3–5 hours (12 for DEEP_ARCHIVE)"),
    ("Bulk", "5–12 hours (48 for DEEP_ARCHIVE), cheapest"),
];

pub struct RestoreForm {
    days: u32,
    tier: &'static str,
    asking: Option<(String, Promise<Result<bool, S3Error>>)>,
    said: Option<(String, Result<String, String>)>,
}

impl Default for RestoreForm {
    fn default() -> Self {
        Self {
            days: 7,
            tier: "Standard",
            asking: None,
            said: None,
        }
    }
}

/// Whether objects of this class must be restored before a GET.
pub fn is_archived(details: &ObjectDetails) -> bool {
    matches!(
        details.storage_class.as_deref(),
        Some("GLACIER" | "DEEP_ARCHIVE")
    )
}

/// The form, for an archived object; `true` once a restore was asked (the details are read
/// again to show its status).
pub fn restore_ui(
    ui: &mut egui::Ui,
    form: &mut RestoreForm,
    (connection, bucket): (&Connection, &str),
    details: &ObjectDetails,
) -> bool {
    let mut asked = false;
    if let Some((key, promise)) = form.asking.take() {
        match promise.try_take() {
            Ok(result) => {
                let said = result
                    .map(|started| match started {
                        true => "Restore asked for: the details say when it is ready.".into(),
                        false => "A restore is already under way.".into(),
                    })
                    .map_err(|e| e.with_hint());
                form.said = Some((key, said));
                asked = true;
            }
            Err(promise) => form.asking = Some((key, promise)),
        }
    }
    ui.add_space(8.0);
    ui.label(egui::RichText::new("❄ Archived: restore to read it").strong());
    ui.horizontal(|ui| {
        ui.label("Readable for");
        ui.add(
            egui::DragValue::new(&mut form.days)
                .range(1..=365)
                .suffix(" days"),
        );
    });
    egui::ComboBox::from_id_salt("restore-tier")
        .selected_text(form.tier)
        .show_ui(ui, |ui| {
            for (tier, takes) in TIERS {
                ui.selectable_value(&mut form.tier, tier, format!("{tier}: {takes}"));
            }
        });
    let busy = form.asking.is_some();
    if ui
        .add_enabled(!busy, egui::Button::new("❄ Restore for reading"))
        .clicked()
    {
        let (c, b, k) = (connection.clone(), bucket.to_owned(), details.key.clone());
        let (days, tier) = (form.days as i32, form.tier);
        let promise = task::spawn(ui.ctx(), async move {
            restore_object(&c, &b, &k, days, tier).await
        });
        form.asking = Some((details.key.clone(), promise));
    }
    if busy {
        ui.spinner();
    }
    match &form.said {
        Some((key, Ok(text))) if *key == details.key => {
            ui.label(format!("✔ {text}"));
        }
        Some((key, Err(text))) if *key == details.key => {
            ui.colored_label(ui.visuals().error_fg_color, text.as_str());
        }
        _ => {}
    }
    asked
}
