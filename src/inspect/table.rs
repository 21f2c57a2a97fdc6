//! Tables from text: CSV and TSV (the delimiter sniffed, quoted fields as RFC 4180 has them),
//! and JSON Lines (each record's top-level fields as columns).

use serde::Serialize;

use super::json_tree::{self, JsonNode};
use super::text::TextPreview;

/// Cells keep this many characters.
const CELL_CHARS: usize = 200;
/// Notes on odd rows stop here.
const MAX_NOTES: usize = 20;
const MAX_COLUMNS: usize = 200;

#[derive(Debug, Clone, Serialize)]
pub struct TablePreview {
    /// "CSV", "TSV" or "JSONL".
    pub format: String,
    pub delimiter: Option<String>,
    pub encoding: String,
    pub decompressed: Option<String>,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Rows that do not fit the header, and lines that could not be read.
    pub notes: Vec<String>,
    /// More rows follow the ones shown.
    pub more: bool,
    /// The first JSON Lines record, whole.
    pub record: Option<JsonNode>,
}

impl TablePreview {
    /// No rows yet, of `format`, from `text`.
    fn of(format: &str, text: &TextPreview) -> TablePreview {
        TablePreview {
            format: format.to_owned(),
            delimiter: None,
            encoding: text.encoding.clone(),
            decompressed: text.decompressed.clone(),
            columns: Vec::new(),
            rows: Vec::new(),
            notes: Vec::new(),
            more: false,
            record: None,
        }
    }
}

/// The delimiter that splits the first lines into the same number of fields most often.
pub fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best = (b',', 0usize, 0usize);
    for delimiter in [b',', b'\t', b';', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| count_outside_quotes(l, delimiter))
            .collect();
        let Some(&first) = counts.first().filter(|&&n| n > 0) else {
            continue;
        };
        let agreeing = counts.iter().filter(|&&n| n == first).count();
        if (agreeing, first) > (best.1, best.2) {
            best = (delimiter, agreeing, first);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, delimiter: u8) -> usize {
    let mut quoted = false;
    line.bytes()
        .filter(|&b| {
            if b == b'"' {
                quoted = !quoted;
            }
            b == delimiter && !quoted
        })
        .count()
}

fn cell(s: &str) -> String {
    match s.char_indices().nth(CELL_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

pub fn delimited(text: &TextPreview, tsv: bool, rows: usize) -> TablePreview {
    let delimiter = if tsv {
        b'\t'
    } else {
        sniff_delimiter(&text.text)
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.text.as_bytes());
    let mut records = reader.byte_records();
    let mut table = TablePreview::of(if delimiter == b'\t' { "TSV" } else { "CSV" }, text);
    table.delimiter = Some(match delimiter {
        b'\t' => "tab".to_owned(),
        d => (d as char).to_string(),
    });
    let fields = |r: &csv::ByteRecord| -> Vec<String> {
        r.iter()
            .take(MAX_COLUMNS)
            .map(|f| cell(&String::from_utf8_lossy(f)))
            .collect()
    };
    match records.next() {
        Some(Ok(header)) => table.columns = fields(&header),
        Some(Err(e)) => table.notes.push(format!("the header cannot be read: {e}")),
        None => return table,
    }
    let header_fields = table.columns.len();
    // Every row of the head is checked for its field count; the first `rows` are kept. The
    // last record of a head may be cut, so each is held back until the next one shows.
    let mut pending = None;
    for record in records {
        if let Some(done) = pending.take() {
            if table.rows.len() < rows {
                table.rows.push(done);
            } else {
                table.more = true;
            }
        }
        match record {
            Ok(r) => {
                if r.len() != header_fields && table.notes.len() < MAX_NOTES {
                    let line = r.position().map_or(0, |p| p.line());
                    table.notes.push(format!(
                        "line {line} has {} fields where the header has {header_fields}",
                        r.len()
                    ));
                }
                pending = Some(fields(&r));
            }
            Err(e) => {
                if table.notes.len() < MAX_NOTES {
                    table.notes.push(format!("a row cannot be read: {e}"));
                }
            }
        }
    }
    match pending {
        Some(last) if text.complete && table.rows.len() < rows => table.rows.push(last),
        Some(_) => table.more = true,
        None => {}
    }
    table
}

pub fn json_lines(text: &TextPreview, rows: usize) -> TablePreview {
    let mut table = TablePreview::of("JSONL", text);
    let mut records: Vec<serde_json::Value> = Vec::new();
    let mut lines = text.text.lines().enumerate().peekable();
    while let Some((n, line)) = lines.next() {
        let last_of_head = lines.peek().is_none() && !text.complete;
        if line.trim().is_empty() || last_of_head {
            table.more |= last_of_head;
            continue;
        }
        if records.len() == rows {
            table.more = true;
            break;
        }
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(v) => {
                if table.record.is_none() {
                    table.record = json_tree::parse(line, true).ok().map(|(node, _)| node);
                }
                records.push(v);
            }
            Err(e) if table.notes.len() < MAX_NOTES => {
                table.notes.push(format!("line {} is not JSON: {e}", n + 1));
            }
            Err(_) => {}
        }
    }
    for record in &records {
        match record {
            serde_json::Value::Object(fields) => {
                for k in fields.keys() {
                    if !table.columns.contains(k) && table.columns.len() < MAX_COLUMNS {
                        table.columns.push(k.clone());
                    }
                }
            }
            _ if !table.columns.iter().any(|c| c == "value") => {
                table.columns.push("value".to_owned())
            }
            _ => {}
        }
    }
    let render = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => cell(s),
        other => cell(&other.to_string()),
    };
    table.rows = records
        .iter()
        .map(|record| {
            table
                .columns
                .iter()
                .map(|c| match record {
                    serde_json::Value::Object(fields) => {
                        fields.get(c).map(render).unwrap_or_default()
                    }
                    other if c == "value" => render(other),
                    _ => String::new(),
                })
                .collect()
        })
        .collect();
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str, complete: bool) -> TextPreview {
        TextPreview {
            encoding: "UTF-8".into(),
            decompressed: None,
            text: s.into(),
            object_bytes_read: s.len() as u64,
            complete,
        }
    }

    #[test]
    fn csv_with_quoted_fields_and_a_ragged_row() {
        let csv = "id;name;note\n1;\"Smith; John\";\"said \"\"hi\"\"\"\n2;Ann\n3;Bo;x\n";
        let t = delimited(&text(csv, true), false, 50);
        assert_eq!(t.delimiter.as_deref(), Some(";"));
        assert_eq!(t.columns, ["id", "name", "note"]);
        assert_eq!(t.rows[0], ["1", "Smith; John", "said \"hi\""]);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.notes, ["line 3 has 2 fields where the header has 3"]);
        assert!(!t.more);
    }

    #[test]
    fn a_head_holds_back_its_cut_last_row() {
        let t = delimited(&text("a,b\n1,2\n3,4\n5,", false), false, 50);
        assert_eq!(t.rows, [["1", "2"], ["3", "4"]]);
        assert!(t.more);
        let t = delimited(&text("a\tb\n1\t2\n3\t4\n", true), false, 1);
        assert_eq!((t.format.as_str(), t.rows.len(), t.more), ("TSV", 1, true));
    }

    #[test]
    fn json_lines_become_columns() {
        let jl = "{\"a\": 1, \"b\": \"x\"}\n{\"a\": 2, \"c\": [1,2]}\nnot json\n{\"a\": 3";
        let t = json_lines(&text(jl, false), 50);
        assert_eq!(t.columns, ["a", "b", "c"]);
        assert_eq!(t.rows, [["1", "x", ""], ["2", "", "[1,2]"]]);
        assert_eq!(t.notes.len(), 1);
        assert!(t.notes[0].starts_with("line 3 is not JSON"));
        assert!(t.more);
        assert!(matches!(t.record, Some(JsonNode::Object(ref f)) if f.len() == 2));
    }
}
