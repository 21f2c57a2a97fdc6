//! The Inspector in the details panel, and larger in a window of its own (Space, as Quick Look
//! does): what the selected object holds, from a few range reads done by `crate::inspect`.
//! First the cheap part; a large Parquet file's rows and more text on request.

mod view;

use poll_promise::Promise;

use crate::app::task;
use crate::inspect::{
    self, InspectError, InspectOptions, Inspection, Preview, ReadSummary, Reader, TEXT_BYTES,
    TextTable, tables,
};
use crate::s3::Connection;

/// One object's inspection and what was asked of it since.
pub struct Inspector {
    pub key: String,
    pub version_id: Option<String>,
    reader: Reader,
    first: Option<Promise<Result<Inspection, InspectError>>>,
    found: Option<Result<Inspection, InspectError>>,
    /// A Parquet file's first rows, or more text, while they are read.
    more: Option<Promise<Result<Preview, InspectError>>>,
    more_error: Option<InspectError>,
    /// The image, once on the GPU.
    texture: Option<egui::TextureHandle>,
    /// What the view draws, worked out once when an answer arrives, not every frame.
    prepared: Prepared,
}

impl Inspector {
    pub fn start(
        ctx: &egui::Context,
        connection: &Connection,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
        size: u64,
    ) -> Inspector {
        let reader = inspect::bucket_reader(connection, bucket, key, version_id, size);
        let first = {
            let reader = reader.clone();
            task::spawn(ctx, async move {
                inspect::inspect(&reader, InspectOptions::first_look(size)).await
            })
        };
        Inspector {
            key: key.to_owned(),
            version_id: version_id.map(str::to_owned),
            reader,
            first: Some(first),
            found: None,
            more: None,
            more_error: None,
            texture: None,
            prepared: Prepared::default(),
        }
    }

    pub fn is_of(&self, key: &str, version_id: Option<&str>) -> bool {
        self.key == key && self.version_id.as_deref() == version_id
    }

    /// Takes in what has arrived.
    fn poll(&mut self) {
        if let Some(found) = task::take_ready(&mut self.first) {
            self.set_found(found);
        }
        if let Some(more) = task::take_ready(&mut self.more) {
            match (more, self.found.as_mut()) {
                (Ok(preview), Some(Ok(inspection))) => {
                    inspection.read =
                        ReadSummary::of(&self.reader.stats, &preview, self.reader.size);
                    inspection.preview = preview;
                    self.prepared = Prepared::of(&inspection.preview);
                }
                (Err(e), _) => self.more_error = Some(e),
                _ => {}
            }
        }
    }

    fn set_found(&mut self, found: Result<Inspection, InspectError>) {
        self.prepared = match &found {
            Ok(inspection) => Prepared::of(&inspection.preview),
            Err(_) => Prepared::default(),
        };
        self.texture = None;
        self.found = Some(found);
    }

    /// Reads the first rows of a Parquet file.
    fn load_rows(&mut self, ctx: &egui::Context, rows: usize) {
        let Some(Ok(Inspection {
            preview: Preview::Parquet(summary),
            ..
        })) = &self.found
        else {
            return;
        };
        let (reader, mut summary) = (self.reader.clone(), summary.clone());
        self.more_error = None;
        self.more = Some(task::spawn(ctx, async move {
            summary.sample = Some(inspect::first_rows(&reader, &summary, rows).await?);
            Ok(Preview::Parquet(summary))
        }));
    }

    /// Reads the next part of a text, or a larger head of a compressed one.
    fn load_more_text(&mut self, ctx: &egui::Context) {
        let Some(Ok(Inspection {
            preview: Preview::Text(shown),
            ..
        })) = &self.found
        else {
            return;
        };
        let (reader, shown) = (self.reader.clone(), shown.clone());
        self.more_error = None;
        self.more = Some(task::spawn(ctx, async move {
            if shown.decompressed.is_some() {
                let mut options = InspectOptions::first_look(reader.size);
                options.text_bytes = shown.text.len() as u64 + TEXT_BYTES;
                return Ok(inspect::inspect(&reader, options).await?.preview);
            }
            Ok(Preview::Text(
                inspect::text::more_text(&reader, &shown, TEXT_BYTES).await?,
            ))
        }));
    }
}

/// An answer's text lines and tables, as the view draws them.
#[derive(Default)]
struct Prepared {
    /// Text or hex, a line each.
    lines: Vec<String>,
    tables: Vec<(&'static str, TextTable)>,
}

impl Prepared {
    fn of(preview: &Preview) -> Prepared {
        let (lines, tables) = match preview {
            Preview::Text(t) => (t.text.lines().map(str::to_owned).collect(), Vec::new()),
            Preview::Binary(b) => (inspect::text::hex_lines(&b.head, 0), Vec::new()),
            Preview::Parquet(p) => (
                Vec::new(),
                vec![
                    ("parquet columns", tables::parquet_columns(p)),
                    ("row groups", tables::parquet_row_groups(p)),
                ],
            ),
            Preview::Safetensors(s) => (
                Vec::new(),
                vec![
                    ("dtypes", tables::dtypes(&s.by_dtype)),
                    ("tensors", tables::tensors(&s.tensors)),
                ],
            ),
            Preview::Checkpoint(c) => (
                Vec::new(),
                vec![
                    ("dtypes", tables::dtypes(&c.by_dtype)),
                    ("shards", tables::shards(c)),
                ],
            ),
            Preview::Gguf(g) => (Vec::new(), vec![("tensors", tables::tensors(&g.tensors))]),
            _ => (Vec::new(), Vec::new()),
        };
        Prepared { lines, tables }
    }

    fn table(&self, id: &str) -> Option<&TextTable> {
        self.tables
            .iter()
            .find(|(name, _)| *name == id)
            .map(|(_, t)| t)
    }
}
