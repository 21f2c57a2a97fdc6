//! Files the Inspector's tests look inside, written by the crates of their formats (Parquet by
//! arrow-rs, safetensors by its own crate) or by hand where no writer is at hand (GGUF).

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{Int32Builder, ListBuilder, StringBuilder, StructBuilder};
use arrow_array::{ArrayRef, BinaryArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Fields, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

pub struct ParquetShape {
    pub rows: usize,
    pub row_group_rows: usize,
    pub compression: Compression,
    pub page_index: bool,
}

pub fn snappy(page_index: bool) -> ParquetShape {
    ParquetShape {
        rows: 1000,
        row_group_rows: 300,
        compression: Compression::SNAPPY,
        page_index,
    }
}

pub fn zstd() -> ParquetShape {
    ParquetShape {
        compression: Compression::ZSTD(ZstdLevel::default()),
        ..snappy(true)
    }
}

fn properties(shape: &ParquetShape) -> WriterProperties {
    let builder = WriterProperties::builder()
        .set_compression(shape.compression)
        .set_max_row_group_row_count(Some(shape.row_group_rows))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "dataset".into(),
            "fixture v1".to_owned(),
        )]));
    if shape.page_index {
        builder
            .set_statistics_enabled(EnabledStatistics::Page)
            .build()
    } else {
        builder
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_offset_index_disabled(true)
            .build()
    }
}

/// Rows `id` 0.., `name` ("name-{id}", null every 7th), `score` id/2, `tags` (a list of
/// strings) and `point` (a nullable struct of two ints).
pub fn parquet(shape: &ParquetShape) -> Vec<u8> {
    let point_fields = Fields::from(vec![
        Field::new("x", DataType::Int32, false),
        Field::new("y", DataType::Int32, false),
    ]);
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("score", DataType::Float64, false),
        Field::new(
            "tags",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            true,
        ),
        Field::new("point", DataType::Struct(point_fields.clone()), true),
    ]));
    let n = shape.rows;
    let ids = Int64Array::from_iter_values(0..n as i64);
    let names = StringArray::from_iter((0..n).map(|i| (i % 7 != 3).then(|| format!("name-{i}"))));
    let scores = Float64Array::from_iter_values((0..n).map(|i| i as f64 / 2.0));
    let mut tags = ListBuilder::new(StringBuilder::new());
    let mut points = StructBuilder::from_fields(point_fields, n);
    for i in 0..n {
        for t in 0..i % 3 {
            tags.values().append_value(format!("t{t}"));
        }
        tags.append(true);
        points
            .field_builder::<Int32Builder>(0)
            .unwrap()
            .append_value(i as i32);
        points
            .field_builder::<Int32Builder>(1)
            .unwrap()
            .append_value(-(i as i32));
        points.append(i % 5 != 0);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ids),
        Arc::new(names),
        Arc::new(scores),
        Arc::new(tags.finish()),
        Arc::new(points.finish()),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, schema, Some(properties(shape))).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    out
}

/// A large Parquet file, written to `path`: `rows` rows of an id and a blob of `blob_bytes`
/// random bytes, in row groups of `row_group_rows`, uncompressed, with a page index.
pub fn large_parquet(
    path: &std::path::Path,
    rows: usize,
    row_group_rows: usize,
    blob_bytes: usize,
) {
    use rand::RngCore;
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("blob", DataType::Binary, false),
    ]));
    let properties = WriterProperties::builder()
        .set_compression(Compression::UNCOMPRESSED)
        .set_max_row_group_row_count(Some(row_group_rows))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_dictionary_enabled(false)
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(properties)).unwrap();
    let mut rng = rand::rng();
    let batch_rows = 256;
    for start in (0..rows).step_by(batch_rows) {
        let count = batch_rows.min(rows - start);
        let mut blobs = vec![0u8; count * blob_bytes];
        rng.fill_bytes(&mut blobs);
        let ids = Int64Array::from_iter_values(start as i64..(start + count) as i64);
        let blobs = BinaryArray::from_iter_values(blobs.chunks(blob_bytes));
        let batch =
            RecordBatch::try_new(schema.clone(), vec![Arc::new(ids), Arc::new(blobs)]).unwrap();
        writer.write(&batch).unwrap();
    }
    writer.close().unwrap();
}

/// One safetensors shard holding `tensors` (name, shape) of F32 zeros, with `__metadata__`.
pub fn safetensors(tensors: &[(&str, Vec<usize>)]) -> Vec<u8> {
    let data: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
        .iter()
        .map(|(name, shape)| {
            (
                name.to_string(),
                vec![0u8; shape.iter().product::<usize>() * 4],
                shape.clone(),
            )
        })
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = data
        .iter()
        .map(|(name, bytes, shape)| {
            let view =
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), bytes)
                    .unwrap();
            (name.clone(), view)
        })
        .collect();
    let metadata = [("format".to_owned(), "pt".to_owned())]
        .into_iter()
        .collect();
    safetensors::serialize(views, Some(metadata)).unwrap()
}

/// A GGUF v3 file: llama metadata (context length, a 1000-token vocabulary, Q4_K_M) and two
/// tensors.
pub fn gguf() -> Vec<u8> {
    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend((s.len() as u64).to_le_bytes());
        out.extend(s.as_bytes());
    }
    let mut b = b"GGUF".to_vec();
    b.extend(3u32.to_le_bytes());
    b.extend(2u64.to_le_bytes());
    b.extend(4u64.to_le_bytes());
    string(&mut b, "general.architecture");
    b.extend(8u32.to_le_bytes());
    string(&mut b, "llama");
    string(&mut b, "llama.context_length");
    b.extend(4u32.to_le_bytes());
    b.extend(4096u32.to_le_bytes());
    string(&mut b, "tokenizer.ggml.tokens");
    b.extend(9u32.to_le_bytes());
    b.extend(8u32.to_le_bytes());
    b.extend(1000u64.to_le_bytes());
    for i in 0..1000 {
        string(&mut b, &format!("tok{i}"));
    }
    string(&mut b, "general.file_type");
    b.extend(4u32.to_le_bytes());
    b.extend(15u32.to_le_bytes());
    for (name, dims, kind, offset) in [
        ("token_embd.weight", [4096u64, 1000], 12u32, 0u64),
        ("output_norm.weight", [4096, 1], 0, 2_304_000),
    ] {
        string(&mut b, name);
        b.extend(2u32.to_le_bytes());
        for d in dims {
            b.extend(d.to_le_bytes());
        }
        b.extend(kind.to_le_bytes());
        b.extend(offset.to_le_bytes());
    }
    while !b.len().is_multiple_of(32) {
        b.push(0);
    }
    b.extend(vec![0u8; 2_304_000 + 4096 * 4]);
    b
}

pub fn gzip(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap()
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([(x * 4) as u8, (y * 4) as u8, 128, 255])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}
