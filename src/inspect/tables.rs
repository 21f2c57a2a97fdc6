//! The Inspector's tables as text rows, the same for the desktop's grids and `skiff inspect`.

use super::{CheckpointSummary, DtypeTotal, ParquetSummary, TensorInfo};
use crate::format::{human_bytes, thousands};

pub struct TextTable {
    pub headers: &'static [&'static str],
    pub rows: Vec<Vec<String>>,
}

/// Each leaf column: type, codecs, encodings, size, nulls, min and max.
pub fn parquet_columns(p: &ParquetSummary) -> TextTable {
    let rows = p
        .columns
        .iter()
        .map(|c| {
            vec![
                c.path.clone(),
                c.logical_type
                    .clone()
                    .unwrap_or_else(|| c.physical_type.clone()),
                c.compressions.join(" "),
                c.encodings.join(" "),
                human_bytes(c.compressed_bytes),
                c.nulls.map_or("?".into(), thousands),
                c.min.clone().unwrap_or_default(),
                c.max.clone().unwrap_or_default(),
            ]
        })
        .collect();
    TextTable {
        headers: &[
            "column",
            "type",
            "compression",
            "encodings",
            "size",
            "nulls",
            "min",
            "max",
        ],
        rows,
    }
}

pub fn parquet_row_groups(p: &ParquetSummary) -> TextTable {
    let rows = p
        .row_groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            vec![
                i.to_string(),
                thousands(g.rows.max(0) as u64),
                human_bytes(g.compressed_bytes),
                human_bytes(g.uncompressed_bytes),
            ]
        })
        .collect();
    TextTable {
        headers: &["#", "rows", "compressed", "uncompressed"],
        rows,
    }
}

pub fn dtypes(by: &[DtypeTotal]) -> TextTable {
    let rows = by
        .iter()
        .map(|d| {
            vec![
                d.dtype.clone(),
                thousands(d.parameters),
                human_bytes(d.bytes),
            ]
        })
        .collect();
    TextTable {
        headers: &["dtype", "parameters", "bytes"],
        rows,
    }
}

pub fn tensors(list: &[TensorInfo]) -> TextTable {
    let rows = list
        .iter()
        .map(|t| {
            let shape: Vec<String> = t.shape.iter().map(u64::to_string).collect();
            vec![
                t.name.clone(),
                t.dtype.clone(),
                format!("[{}]", shape.join(", ")),
                human_bytes(t.bytes),
            ]
        })
        .collect();
    TextTable {
        headers: &["name", "dtype", "shape", "bytes"],
        rows,
    }
}

/// A checkpoint's shards, each with its header's verdict ("ok" or why not).
pub fn shards(c: &CheckpointSummary) -> TextTable {
    let rows = c
        .shards
        .iter()
        .map(|s| {
            vec![
                s.key.clone(),
                human_bytes(s.object_bytes),
                thousands(s.tensors as u64),
                thousands(s.parameters),
                s.error.clone().unwrap_or_else(|| "ok".into()),
            ]
        })
        .collect();
    TextTable {
        headers: &["shard", "size", "tensors", "parameters", "header"],
        rows,
    }
}
