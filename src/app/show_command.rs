//! "Show command": the AWS CLI command, boto3 snippet and `skiff` command that do what an action
//! in the app does, each with a Copy button, for the connection on screen.

use egui::RichText;

use crate::s3::commands::{Action, Equivalents, Place, equivalents};
use crate::transfer::job::{Direction, JobRow};

#[derive(Clone, Copy, PartialEq, Eq, Default)]
enum Tool {
    #[default]
    AwsCli,
    Boto3,
    Skiff,
}

pub struct ShowCommand {
    what: String,
    commands: Equivalents,
}

impl ShowCommand {
    pub fn open(action: &Action, place: &Place) -> Self {
        Self {
            what: describe(action),
            commands: equivalents(action, place),
        }
    }

    /// Draws the window; `false` once closed.
    pub fn show(&mut self, ctx: &egui::Context) -> bool {
        let mut open = true;
        crate::app::widgets::dialog(ctx, "Show command")
            .default_width(640.0)
            .open(&mut open)
            .show(ctx, |ui| {
                ui.label(RichText::new(&self.what).strong());
                commands_ui(ui, &self.commands);
            });
        open
    }
}

/// The three tools as tabs, the chosen one's text, and Copy. The tab chosen is remembered per
/// place the widget is drawn.
pub fn commands_ui(ui: &mut egui::Ui, commands: &Equivalents) {
    let id = ui.make_persistent_id("command-tool");
    let mut tool: Tool = ui.data(|d| d.get_temp(id)).unwrap_or_default();
    ui.horizontal(|ui| {
        for (choice, label) in [
            (Tool::AwsCli, "AWS CLI"),
            (Tool::Boto3, "boto3"),
            (Tool::Skiff, "skiff"),
        ] {
            ui.selectable_value(&mut tool, choice, label);
        }
    });
    ui.data_mut(|d| d.insert_temp(id, tool));
    let text = match tool {
        Tool::AwsCli => &commands.aws_cli,
        Tool::Boto3 => &commands.boto3,
        Tool::Skiff => &commands.skiff,
    };
    egui::ScrollArea::vertical()
        .max_height(320.0)
        .show(ui, |ui| {
            let mut shown = text.as_str();
            ui.add(
                egui::TextEdit::multiline(&mut shown)
                    .code_editor()
                    .desired_width(f32::INFINITY),
            );
        });
    if ui.button("📋 Copy").clicked() {
        ui.ctx().copy_text(text.clone());
    }
    ui.label(
        RichText::new(
            "Credentials come from the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
             or a profile), as these tools read them; for the local sandbox, \
             “Copy AWS CLI settings” in the connection menu gives the export line.",
        )
        .weak(),
    );
}

fn describe(action: &Action) -> String {
    match action {
        Action::List { bucket, prefix, .. } => format!("List s3://{bucket}/{prefix}"),
        Action::Upload {
            local, bucket, key, ..
        } => format!("Upload {local} to s3://{bucket}/{key}"),
        Action::Download { bucket, keys, .. } => match keys.as_slice() {
            [one] => format!("Download s3://{bucket}/{one}"),
            many => format!("Download {} objects from s3://{bucket}", many.len()),
        },
        Action::Delete { bucket, keys } => match keys.as_slice() {
            [one] => format!("Delete s3://{bucket}/{one}"),
            many => format!("Delete {} objects from s3://{bucket}", many.len()),
        },
        Action::DeletePrefix { bucket, prefix } => {
            format!("Delete everything under s3://{bucket}/{prefix}")
        }
        Action::PurgeVersions { bucket, prefix } => {
            format!("Delete every version under s3://{bucket}/{prefix} for good")
        }
        Action::AbortUploads { bucket, prefix } => {
            format!("Abort the incomplete uploads under s3://{bucket}/{prefix}")
        }
        Action::EmptyBucket { bucket } => format!("Empty s3://{bucket}"),
        Action::DeleteBucket { bucket } => format!("Empty and delete s3://{bucket}"),
        Action::ShareLink { bucket, key, .. } => format!("A share link to s3://{bucket}/{key}"),
    }
}

/// The action a transfer in the queue carries out.
pub fn action_of(job: &JobRow) -> Action {
    let key = job.landed_as.clone().unwrap_or_else(|| job.key.clone());
    let parent = |key: &str| key[..key.rfind('/').map_or(0, |i| i + 1)].to_owned();
    match job.direction {
        Direction::Upload => Action::Upload {
            local: job.local.clone(),
            is_folder: false,
            bucket: job.bucket.clone(),
            key,
        },
        Direction::Download => {
            let folder = std::path::Path::new(&job.local)
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| ".".into());
            Action::Download {
                bucket: job.bucket.clone(),
                relative_to: parent(&job.key),
                keys: vec![job.key.clone()],
                folder,
            }
        }
    }
}
