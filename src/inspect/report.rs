//! An inspection in plain text, as `skiff inspect` prints it.

use std::fmt::Write;

use super::tables;
use super::tensors::DtypeTotal;
use super::text::hex_lines;
use super::{Inspection, Preview, TensorInfo};
use crate::format::{human_bytes, thousands};

/// Widest a column of a printed table grows.
const COLUMN_CHARS: usize = 40;

pub fn render(inspection: &Inspection, location: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{location}\n{}, {} ({})",
        inspection.format.label(),
        human_bytes(inspection.object_bytes),
        inspection.read.describe()
    );
    let _ = writeln!(out);
    match &inspection.preview {
        Preview::Empty => out.push_str("The object is empty.\n"),
        Preview::Text(t) => {
            let _ = writeln!(
                out,
                "Encoding: {}{}",
                t.encoding,
                decompressed(&t.decompressed)
            );
            let _ = writeln!(out);
            out.push_str(&t.text);
            if !t.text.ends_with('\n') {
                out.push('\n');
            }
            if !t.complete {
                out.push_str("… (the rest is not shown: skiff cat prints it all)\n");
            }
        }
        Preview::Table(t) => table_preview(&mut out, t),
        Preview::Json(j) => {
            let pretty = serde_json::to_string_pretty(&j.root.to_value()).unwrap_or_default();
            out.push_str(&pretty);
            out.push('\n');
            if j.truncated {
                out.push_str("… (the head of the document; \"…\" marks where the read stopped)\n");
            }
        }
        Preview::Parquet(p) => parquet(&mut out, p),
        Preview::Safetensors(s) => {
            let _ = writeln!(
                out,
                "{} tensors, {} parameters, header {}",
                thousands(s.tensors.len() as u64),
                thousands(s.parameters),
                human_bytes(s.header_bytes)
            );
            dtypes(&mut out, &s.by_dtype);
            pairs(&mut out, "Metadata", &s.metadata);
            tensors(&mut out, &s.tensors);
        }
        Preview::Checkpoint(c) => checkpoint(&mut out, c),
        Preview::Gguf(g) => {
            let _ = writeln!(
                out,
                "GGUF version {}, {} tensors, {} parameters, header {}",
                g.version,
                thousands(g.tensors.len() as u64),
                thousands(g.parameters),
                human_bytes(g.header_bytes)
            );
            pairs(&mut out, "Summary", &g.highlights);
            pairs(&mut out, "Metadata", &g.metadata);
            tensors(&mut out, &g.tensors);
        }
        Preview::Npy(n) => {
            let shape: Vec<String> = n.shape.iter().map(u64::to_string).collect();
            let _ = writeln!(
                out,
                "dtype {}, shape ({}), {} order, format version {}, {} of data",
                n.dtype,
                shape.join(", "),
                if n.fortran_order {
                    "Fortran (column-major)"
                } else {
                    "C (row-major)"
                },
                n.version,
                human_bytes(n.data_bytes)
            );
        }
        Preview::Image(i) => {
            let _ = writeln!(out, "{} image, {} × {} pixels", i.format, i.width, i.height);
            if let Some(note) = &i.note {
                let _ = writeln!(out, "{note}");
            }
        }
        Preview::Binary(b) => {
            let _ = writeln!(
                out,
                "{}",
                b.magic
                    .as_deref()
                    .map_or("Binary data of no kind Skiff knows.".to_owned(), |m| {
                        format!("Its first bytes say: {m}.")
                    })
            );
            let _ = writeln!(out);
            for line in hex_lines(&b.head[..b.head.len().min(256)], 0) {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}

fn table_preview(out: &mut String, t: &super::TablePreview) {
    let _ = writeln!(
        out,
        "{}{}, {} columns, encoding {}{}",
        t.format,
        t.delimiter
            .as_deref()
            .map(|d| format!(" (delimiter {d})"))
            .unwrap_or_default(),
        t.columns.len(),
        t.encoding,
        decompressed(&t.decompressed)
    );
    for note in &t.notes {
        let _ = writeln!(out, "Note: {note}");
    }
    let _ = writeln!(out);
    table(out, &t.columns, &t.rows);
    if t.more {
        let _ = writeln!(out, "… more rows follow");
    }
}

fn checkpoint(out: &mut String, c: &super::CheckpointSummary) {
    let _ = writeln!(
        out,
        "{} shards, {} tensors, {} parameters, {} of tensor data{}",
        c.shards.len(),
        thousands(c.tensors as u64),
        thousands(c.parameters),
        human_bytes(c.tensor_bytes),
        c.index_total_size
            .map(|t| format!(" (the index says {})", human_bytes(t)))
            .unwrap_or_default()
    );
    dtypes(out, &c.by_dtype);
    let _ = writeln!(out, "\nShards:");
    print(out, &tables::shards(c));
    if c.missing_count > 0 {
        let _ = writeln!(
            out,
            "\n{} named by the index in no shard:",
            crate::format::count(c.missing_count as u64, "tensor", "tensors")
        );
        for m in &c.missing {
            let _ = writeln!(out, "  {m}");
        }
    }
}

fn decompressed(d: &Option<String>) -> String {
    d.as_deref()
        .map(|c| format!(", decompressed from {c}"))
        .unwrap_or_default()
}

fn parquet(out: &mut String, p: &super::ParquetSummary) {
    let _ = writeln!(
        out,
        "{} rows in {} row groups, {}, format version {}, footer {}{}",
        thousands(p.rows.max(0) as u64),
        p.row_groups.len(),
        p.describe_columns(),
        p.version,
        human_bytes(p.footer_bytes),
        if p.page_index { ", page index" } else { "" }
    );
    if let Some(by) = &p.created_by {
        let _ = writeln!(out, "Written by {by}");
    }
    for codec in &p.missing_codecs {
        let _ = writeln!(
            out,
            "This build cannot decompress {codec}: no rows from its pages."
        );
    }
    let _ = writeln!(out, "\n{}", p.schema.trim_end());
    let _ = writeln!(out, "\nColumns:");
    print(out, &tables::parquet_columns(p));
    let _ = writeln!(out, "\nRow groups:");
    print(out, &tables::parquet_row_groups(p));
    pairs(out, "Key-value metadata", &p.key_values);
    if let Some(e) = &p.rows_error {
        let _ = writeln!(out, "\nNo rows: {e}");
    }
    if let Some(sample) = &p.sample {
        let _ = writeln!(
            out,
            "\nFirst {} rows (from {} row group{}):",
            sample.rows.len(),
            sample.row_groups_read,
            if sample.row_groups_read == 1 { "" } else { "s" }
        );
        table(out, &sample.columns, &sample.rows);
    }
}

fn dtypes(out: &mut String, by: &[DtypeTotal]) {
    let _ = writeln!(out);
    print(out, &tables::dtypes(by));
}

fn tensors(out: &mut String, list: &[TensorInfo]) {
    let _ = writeln!(out, "\nTensors:");
    print(out, &tables::tensors(list));
}

fn print(out: &mut String, t: &tables::TextTable) {
    let headers: Vec<String> = t.headers.iter().map(|h| h.to_string()).collect();
    table(out, &headers, &t.rows);
}

fn pairs(out: &mut String, title: &str, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{title}:");
    for (k, v) in pairs {
        let _ = writeln!(out, "  {k}: {}", crate::format::escape_controls(v));
    }
}

/// Columns padded to their widest cell (up to a bound), two spaces apart.
pub fn table(out: &mut String, headers: &[String], rows: &[Vec<String>]) {
    let fit = |s: &str| -> String {
        let s = crate::format::escape_controls(s);
        match s.char_indices().nth(COLUMN_CHARS) {
            Some((at, _)) => format!("{}…", &s[..at]),
            None => s.into_owned(),
        }
    };
    let cells: Vec<Vec<String>> = std::iter::once(headers)
        .chain(rows.iter().map(Vec::as_slice))
        .map(|r| r.iter().map(|c| fit(c)).collect())
        .collect();
    let mut widths = vec![0; headers.len()];
    for row in &cells {
        for (i, c) in row.iter().enumerate().take(widths.len()) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    for row in &cells {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .take(widths.len())
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
}
