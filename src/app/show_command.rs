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

/// How many lines of a command the window draws.
const SHOWN_LINES: usize = 200;

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
    // A download of every row of a large listing is a command of as many lines: drawing them
    // all would cost each frame. The window shows the head; Copy takes the whole.
    let cut = text
        .match_indices('\n')
        .nth(SHOWN_LINES - 1)
        .map_or(text.len(), |(at, _)| at);
    egui::ScrollArea::vertical()
        .max_height(320.0)
        .show(ui, |ui| {
            let mut shown = &text[..cut];
            ui.add(
                egui::TextEdit::multiline(&mut shown)
                    .code_editor()
                    .desired_width(f32::INFINITY),
            );
        });
    if cut < text.len() {
        ui.label(RichText::new("… more lines follow: 📋 Copy takes the whole command.").weak());
    }
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
        Action::Sync {
            source,
            destination,
            ..
        } => format!("Sync {source} to {destination}"),
        Action::Relocate {
            moving,
            from_bucket,
            to_bucket,
            pairs,
        } => {
            let verb = if *moving { "Move" } else { "Copy" };
            match pairs.as_slice() {
                [(from, to)] => {
                    format!("{verb} s3://{from_bucket}/{from} to s3://{to_bucket}/{to}")
                }
                many => format!(
                    "{verb} {} items of s3://{from_bucket} to s3://{to_bucket}",
                    many.len()
                ),
            }
        }
        Action::SetClass {
            bucket,
            items,
            class,
        } => {
            format!("Change {} items of s3://{bucket} to {class}", items.len())
        }
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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;

    /// A command of thousands of lines draws its head only, and Copy still takes all of it.
    #[test]
    fn a_long_command_shows_its_head_and_copies_whole() {
        let lines: Vec<String> = (0..5000)
            .map(|i| format!("aws s3 cp s3://b/k{i} ./k{i}"))
            .collect();
        let commands = Equivalents {
            aws_cli: lines.join("\n"),
            boto3: String::new(),
            skiff: String::new(),
        };
        let whole = commands.aws_cli.clone();
        let mut harness = Harness::new_ui(move |ui| commands_ui(ui, &commands));
        harness.run();
        assert!(
            harness
                .query_by_label_contains("more lines follow")
                .is_some()
        );
        let shown: Vec<_> = harness
            .query_all_by_value("aws s3 cp s3://b/k4999 ./k4999")
            .collect();
        assert!(shown.is_empty(), "the tail is not drawn");
        harness.get_by_label("📋 Copy").click();
        harness.step();
        let copied: Vec<String> = (harness.output().platform_output.commands.iter())
            .filter_map(|c| match c {
                egui::OutputCommand::CopyText(text) => Some(text.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(copied, [whole]);
    }
}
