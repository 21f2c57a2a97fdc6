//! Parquet through arrow-rs's own reader, fed by Skiff's range reads: the footer alone for the
//! schema and the statistics, and for the first rows only the column chunks (or, where the
//! file has an offset index, the pages) that hold them.

use std::ops::Range;
use std::sync::Arc;

use arrow_cast::display::{ArrayFormatter, FormatOptions};
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use parquet::arrow::ParquetRecordBatchStreamBuilder;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::arrow::async_reader::AsyncFileReader;
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaData, ParquetMetaDataReader};
use parquet::file::statistics::Statistics;
use serde::Serialize;

use super::{InspectError, InspectOptions, Reader};

/// The tail read at first: most footers fit, so one request is enough. Smaller would save
/// bytes on small footers and cost a second round trip on the many larger ones, which over a
/// long link costs more than the bytes.
pub(super) const FOOTER_PREFETCH_BYTES: u64 = 64 << 10;
/// A footer larger than this is refused rather than read.
const MAX_FOOTER_BYTES: u64 = 64 << 20;
const CELL_CHARS: usize = 200;

#[derive(Debug, Clone, Serialize)]
pub struct ParquetSummary {
    pub version: i32,
    pub created_by: Option<String>,
    pub rows: i64,
    /// Top-level fields; `columns` has one entry per leaf (a struct's members each).
    pub fields: usize,
    pub footer_bytes: u64,
    /// The schema as Parquet prints it (`message schema { ... }`), nested groups indented.
    pub schema: String,
    pub row_groups: Vec<RowGroupSummary>,
    pub columns: Vec<ColumnSummary>,
    pub key_values: Vec<(String, String)>,
    /// The file has an offset index, so rows can be read page by page.
    pub page_index: bool,
    /// Codecs the file uses that this build cannot decompress.
    pub missing_codecs: Vec<String>,
    pub sample: Option<RowSample>,
    /// Why the first rows read with the footer could not be (the footer's part stands).
    pub rows_error: Option<String>,
    #[serde(skip)]
    pub metadata: Option<Arc<ParquetMetaData>>,
    /// The object's last bytes, read with the footer: where a small file's rows come from.
    #[serde(skip)]
    tail: Bytes,
}

impl ParquetSummary {
    /// "5 columns", or "5 columns (6 leaf columns)" where structs or lists nest.
    pub fn describe_columns(&self) -> String {
        if self.fields == self.columns.len() {
            format!("{} columns", self.fields)
        } else {
            format!(
                "{} columns ({} leaf columns)",
                self.fields,
                self.columns.len()
            )
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RowGroupSummary {
    pub rows: i64,
    pub compressed_bytes: u64,
    pub uncompressed_bytes: u64,
}

/// One leaf column across all row groups.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnSummary {
    pub path: String,
    pub physical_type: String,
    pub logical_type: Option<String>,
    pub compressions: Vec<String>,
    pub encodings: Vec<String>,
    pub compressed_bytes: u64,
    pub uncompressed_bytes: u64,
    pub nulls: Option<u64>,
    pub min: Option<String>,
    pub max: Option<String>,
}

/// The first rows, as text.
#[derive(Debug, Clone, Serialize)]
pub struct RowSample {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Row groups the rows came from.
    pub row_groups_read: usize,
}

/// arrow-rs's reader over Skiff's range reads, with the tail read first kept to answer the
/// footer's reads from.
struct RangeFile {
    reader: Reader,
    tail: Bytes,
    tail_start: u64,
}

impl RangeFile {
    fn fetch(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        self.fetch_shared(range).boxed()
    }

    /// From the tail already read where it holds the range, else a range read.
    async fn fetch_shared(&self, range: Range<u64>) -> parquet::errors::Result<Bytes> {
        if range.start >= self.tail_start && range.end <= self.reader.size {
            let at =
                (range.start - self.tail_start) as usize..(range.end - self.tail_start) as usize;
            return Ok(self.tail.slice(at));
        }
        self.reader
            .read(range)
            .await
            .map_err(|e| ParquetError::External(Box::new(e)))
    }
}

/// Ranges closer than this are read as one: a request costs more than the bytes between.
const COALESCE_GAP_BYTES: u64 = 256 << 10;

impl AsyncFileReader for RangeFile {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        self.fetch(range)
    }

    /// The column chunks (or pages) of a read, neighbours merged and the merged reads made
    /// together.
    fn get_byte_ranges(
        &mut self,
        ranges: Vec<Range<u64>>,
    ) -> BoxFuture<'_, parquet::errors::Result<Vec<Bytes>>> {
        async move {
            let mut merged: Vec<Range<u64>> = Vec::new();
            let mut sorted = ranges.clone();
            sorted.sort_by_key(|r| r.start);
            for r in sorted {
                match merged.last_mut() {
                    Some(last) if r.start <= last.end + COALESCE_GAP_BYTES => {
                        last.end = last.end.max(r.end)
                    }
                    _ => merged.push(r),
                }
            }
            let this = &*self;
            let fetched: Vec<Bytes> = futures::stream::iter(merged.clone())
                .map(|r| this.fetch_shared(r))
                .buffered(8)
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<parquet::errors::Result<_>>()?;
            Ok(ranges
                .iter()
                .map(|r| {
                    if r.is_empty() {
                        return Bytes::new();
                    }
                    // The merged read that holds it: the first to end at or after it.
                    let i = merged.partition_point(|m| m.end < r.end);
                    let at = merged[i].start;
                    fetched[i].slice((r.start - at) as usize..(r.end - at) as usize)
                })
                .collect())
        }
        .boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        _options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        async move {
            let size = self.reader.size;
            let metadata = ParquetMetaDataReader::new()
                .load_and_finish(self, size)
                .await?;
            Ok(Arc::new(metadata))
        }
        .boxed()
    }
}

/// A Parquet error as the user reads it; a failed read stays what it was.
fn parquet_error(e: ParquetError) -> InspectError {
    if let ParquetError::External(inner) = e {
        return match inner.downcast::<InspectError>() {
            Ok(read) => *read,
            Err(other) => InspectError::invalid("Parquet", other.to_string()),
        };
    }
    let text = e.to_string();
    let detail = text.strip_prefix("Parquet error: ").unwrap_or(&text);
    InspectError::invalid("Parquet", lower_first(detail))
}

/// The footer's own words, as a reason after "its footer cannot be decoded".
fn footer_error(e: ParquetError) -> InspectError {
    match parquet_error(e) {
        InspectError::Invalid { format, detail } => InspectError::Invalid {
            format,
            detail: format!("its footer cannot be decoded ({detail})"),
        },
        other => other,
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Runs one of arrow-rs's reads so that a panic inside it, on a file crafted to cause one,
/// ends as a message.
async fn guarded<T>(
    work: impl std::future::Future<Output = Result<T, InspectError>>,
) -> Result<T, InspectError> {
    match std::panic::AssertUnwindSafe(work).catch_unwind().await {
        Ok(result) => result,
        Err(_) => Err(InspectError::invalid(
            "Parquet",
            "the reader failed on its structures",
        )),
    }
}

/// The footer: checked by hand first, so that a length pointing outside the object is said in
/// words, then decoded by arrow-rs.
async fn open(reader: &Reader) -> Result<(RangeFile, Arc<ParquetMetaData>, u64), InspectError> {
    if reader.size < 12 {
        return Err(InspectError::invalid(
            "Parquet",
            format!("{} bytes is shorter than any Parquet file", reader.size),
        ));
    }
    let tail = reader.tail(FOOTER_PREFETCH_BYTES).await?;
    let end = &tail[tail.len() - 8..];
    if &end[4..] != b"PAR1" {
        return Err(InspectError::invalid(
            "Parquet",
            "it does not end with the PAR1 mark (truncated, or not Parquet)",
        ));
    }
    let footer_bytes = u32::from_le_bytes([end[0], end[1], end[2], end[3]]) as u64;
    if footer_bytes + 12 > reader.size {
        return Err(InspectError::invalid(
            "Parquet",
            format!(
                "footer length exceeds the object ({footer_bytes} bytes of footer in a {}-byte file)",
                reader.size
            ),
        ));
    }
    if footer_bytes > MAX_FOOTER_BYTES {
        return Err(InspectError::invalid(
            "Parquet",
            format!("its footer of {footer_bytes} bytes is larger than Skiff reads (64 MiB)"),
        ));
    }
    let mut file = RangeFile {
        reader: reader.clone(),
        tail_start: reader.size - tail.len() as u64,
        tail,
    };
    let metadata = guarded(async {
        let mut load = ParquetMetaDataReader::new();
        load.try_load(&mut file, reader.size)
            .await
            .map_err(footer_error)?;
        load.finish().map_err(footer_error)
    })
    .await?;
    Ok((file, Arc::new(metadata), footer_bytes))
}

pub async fn summarize(
    reader: &Reader,
    options: InspectOptions,
) -> Result<ParquetSummary, InspectError> {
    let (file, metadata, footer_bytes) = open(reader).await?;
    let mut summary = describe(&metadata, footer_bytes);
    summary.tail = file.tail;
    if options.parquet_rows && summary.missing_codecs.is_empty() {
        // The schema and statistics stand whatever becomes of the rows.
        match first_rows(reader, &summary, options.rows).await {
            Ok(sample) => summary.sample = Some(sample),
            Err(e) => summary.rows_error = Some(e.to_string()),
        }
    }
    Ok(summary)
}

fn describe(metadata: &Arc<ParquetMetaData>, footer_bytes: u64) -> ParquetSummary {
    let file = metadata.file_metadata();
    let mut schema = Vec::new();
    parquet::schema::printer::print_schema(&mut schema, file.schema());
    let descr = file.schema_descr();
    let mut columns: Vec<ColumnSummary> = descr
        .columns()
        .iter()
        .map(|c| ColumnSummary {
            path: c.path().string(),
            physical_type: c.physical_type().to_string(),
            logical_type: c.logical_type_ref().map(|t| format!("{t:?}")),
            compressions: Vec::new(),
            encodings: Vec::new(),
            compressed_bytes: 0,
            uncompressed_bytes: 0,
            nulls: Some(0),
            min: None,
            max: None,
        })
        .collect();
    let mut bounds: Vec<(Option<Stat>, Option<Stat>)> = vec![(None, None); columns.len()];
    let mut page_index = false;
    let mut missing_codecs = Vec::new();
    for group in metadata.row_groups() {
        for (i, chunk) in group.columns().iter().enumerate().take(columns.len()) {
            let column = &mut columns[i];
            let codec = chunk.compression();
            // "ZSTD", not "ZSTD(ZstdLevel(1))": readers need the codec, not the writer's level.
            let name = codec.to_string();
            let name = name.split('(').next().unwrap_or_default().to_owned();
            if !codec_available(codec) {
                push_once(&mut missing_codecs, name.clone());
            }
            push_once(&mut column.compressions, name);
            for e in chunk.encodings() {
                push_once(&mut column.encodings, e.to_string());
            }
            column.compressed_bytes += chunk.compressed_size().max(0) as u64;
            column.uncompressed_bytes += chunk.uncompressed_size().max(0) as u64;
            page_index |= chunk.offset_index_offset().is_some();
            let stats = chunk.statistics();
            column.nulls = match (column.nulls, stats.and_then(Statistics::null_count_opt)) {
                (Some(sum), Some(n)) => Some(sum + n),
                _ => None,
            };
            let (min, max) = stats.map(extremes).unwrap_or_default();
            let (low, high) = &mut bounds[i];
            *low = Stat::pick(low.take(), min, std::cmp::Ordering::Less);
            *high = Stat::pick(high.take(), max, std::cmp::Ordering::Greater);
        }
    }
    for (column, (low, high)) in columns.iter_mut().zip(&bounds) {
        let text = column.logical_type.as_deref().is_some_and(|t| {
            t.starts_with("String") || t.starts_with("Json") || t.starts_with("Enum")
        });
        column.min = low.as_ref().map(|s| s.render(text));
        column.max = high.as_ref().map(|s| s.render(text));
    }
    ParquetSummary {
        version: file.version(),
        created_by: file.created_by().map(str::to_owned),
        rows: file.num_rows(),
        fields: file.schema().get_fields().len(),
        footer_bytes,
        schema: String::from_utf8_lossy(&schema).into_owned(),
        row_groups: metadata
            .row_groups()
            .iter()
            .map(|g| RowGroupSummary {
                rows: g.num_rows(),
                compressed_bytes: g.compressed_size().max(0) as u64,
                uncompressed_bytes: g.total_byte_size().max(0) as u64,
            })
            .collect(),
        columns,
        key_values: file
            .key_value_metadata()
            .map(|kv| {
                kv.iter()
                    .map(|kv| (kv.key.clone(), key_value(&kv.key, kv.value.as_deref())))
                    .collect()
            })
            .unwrap_or_default(),
        page_index,
        missing_codecs,
        sample: None,
        rows_error: None,
        metadata: Some(metadata.clone()),
        tail: Bytes::new(),
    }
}

/// A key-value entry's value for people: arrow-rs's own schema is base64, so it is named.
fn key_value(key: &str, value: Option<&str>) -> String {
    let value = value.unwrap_or("");
    if key == "ARROW:schema" {
        return format!("(the Arrow schema, {} characters of base64)", value.len());
    }
    clip(value, 500)
}

fn push_once(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn codec_available(codec: Compression) -> bool {
    // zstd is C, which the browser build does not compile, and brotli is left out of it for
    // its size; arrow-rs has no LZO.
    let native = cfg!(not(target_arch = "wasm32"));
    match codec {
        Compression::LZO => false,
        Compression::ZSTD(_) | Compression::BROTLI(_) => native,
        _ => true,
    }
}

fn clip(s: &str, chars: usize) -> String {
    match s.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

/// A statistic's value, comparable across row groups.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Stat {
    Bool(bool),
    Int(i64),
    Float(f64),
    Bytes(Vec<u8>),
    /// Int96 timestamps: shown, not compared.
    Other(String),
}

impl Stat {
    fn pick(current: Option<Stat>, new: Option<Stat>, keep_if: std::cmp::Ordering) -> Option<Stat> {
        match (current, new) {
            (Some(c), Some(n)) => Some(if n.partial_cmp(&c) == Some(keep_if) {
                n
            } else {
                c
            }),
            (c, n) => c.or(n),
        }
    }

    fn render(&self, text: bool) -> String {
        match self {
            Stat::Bool(b) => b.to_string(),
            Stat::Int(i) => i.to_string(),
            Stat::Float(f) => f.to_string(),
            Stat::Bytes(b) if text => clip(&String::from_utf8_lossy(b), 60),
            Stat::Bytes(b) => {
                let hex: String = b.iter().take(16).map(|x| format!("{x:02x}")).collect();
                if b.len() > 16 {
                    format!("0x{hex}…")
                } else {
                    format!("0x{hex}")
                }
            }
            Stat::Other(s) => s.clone(),
        }
    }
}

fn extremes(s: &Statistics) -> (Option<Stat>, Option<Stat>) {
    match s {
        Statistics::Boolean(v) => (
            v.min_opt().map(|x| Stat::Bool(*x)),
            v.max_opt().map(|x| Stat::Bool(*x)),
        ),
        Statistics::Int32(v) => (
            v.min_opt().map(|x| Stat::Int(*x as i64)),
            v.max_opt().map(|x| Stat::Int(*x as i64)),
        ),
        Statistics::Int64(v) => (
            v.min_opt().map(|x| Stat::Int(*x)),
            v.max_opt().map(|x| Stat::Int(*x)),
        ),
        Statistics::Int96(v) => (
            v.min_opt().map(|x| Stat::Other(x.to_string())),
            v.max_opt().map(|x| Stat::Other(x.to_string())),
        ),
        Statistics::Float(v) => (
            v.min_opt().map(|x| Stat::Float(*x as f64)),
            v.max_opt().map(|x| Stat::Float(*x as f64)),
        ),
        Statistics::Double(v) => (
            v.min_opt().map(|x| Stat::Float(*x)),
            v.max_opt().map(|x| Stat::Float(*x)),
        ),
        Statistics::ByteArray(v) => (
            v.min_opt().map(|x| Stat::Bytes(x.data().to_vec())),
            v.max_opt().map(|x| Stat::Bytes(x.data().to_vec())),
        ),
        Statistics::FixedLenByteArray(v) => (
            v.min_opt().map(|x| Stat::Bytes(x.data().to_vec())),
            v.max_opt().map(|x| Stat::Bytes(x.data().to_vec())),
        ),
    }
}

/// The first `rows` rows: only the row groups that hold them are read, and within them, where
/// the file has an offset index, only the pages.
pub async fn first_rows(
    reader: &Reader,
    summary: &ParquetSummary,
    rows: usize,
) -> Result<RowSample, InspectError> {
    if let Some(codec) = summary.missing_codecs.first() {
        return Err(InspectError::CannotDecompress {
            codec: codec.clone(),
        });
    }
    let Some(metadata) = summary.metadata.clone() else {
        return Err(InspectError::invalid("Parquet", "its footer was not kept"));
    };
    let mut file = RangeFile {
        reader: reader.clone(),
        tail: summary.tail.clone(),
        tail_start: reader.size - summary.tail.len() as u64,
    };
    guarded(async move {
        let metadata = if summary.page_index {
            let mut load = ParquetMetaDataReader::new_with_metadata((*metadata).clone())
                .with_column_index_policy(PageIndexPolicy::Skip)
                .with_offset_index_policy(PageIndexPolicy::Optional);
            load.load_page_index(&mut file)
                .await
                .map_err(parquet_error)?;
            Arc::new(load.finish().map_err(parquet_error)?)
        } else {
            metadata
        };
        let mut needed = Vec::new();
        let mut covered = 0usize;
        for (i, group) in metadata.row_groups().iter().enumerate() {
            if covered >= rows.max(1) {
                break;
            }
            if group.num_rows() > 0 {
                needed.push(i);
                covered += group.num_rows() as usize;
            }
        }
        let options = ArrowReaderOptions::new();
        let arrow = ArrowReaderMetadata::try_new(metadata, options).map_err(parquet_error)?;
        let columns: Vec<String> = arrow
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let mut stream = ParquetRecordBatchStreamBuilder::new_with_metadata(file, arrow)
            .with_row_groups(needed.clone())
            .with_limit(rows)
            .with_batch_size(rows.clamp(1, 8192))
            .build()
            .map_err(parquet_error)?;
        let mut table = Vec::new();
        let format = FormatOptions::default().with_null("null");
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(parquet_error)?;
            let formatters = batch
                .columns()
                .iter()
                .map(|a| ArrayFormatter::try_new(a.as_ref(), &format))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| InspectError::invalid("Parquet", e.to_string()))?;
            for row in 0..batch.num_rows() {
                if table.len() == rows {
                    break;
                }
                table.push(
                    formatters
                        .iter()
                        .map(|f| clip(&f.value(row).to_string(), CELL_CHARS))
                        .collect(),
                );
            }
        }
        Ok(RowSample {
            columns,
            rows: table,
            row_groups_read: needed.len(),
        })
    })
    .await
}
