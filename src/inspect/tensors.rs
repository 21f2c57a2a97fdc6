//! Checkpoints from their headers: safetensors (and a sharded checkpoint from its index and its
//! shards' headers), GGUF, NumPy `.npy`. Only the header is read, however large the tensors.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use futures::StreamExt;
use serde::Serialize;

use super::{InspectError, Reader};

/// safetensors refuses headers larger than this itself.
const MAX_SAFETENSORS_HEADER: u64 = 100_000_000;
/// GGUF headers (with their vocabularies) are read up to this size.
const MAX_GGUF_HEADER: u64 = 256 << 20;
const MAX_SHARDS: usize = 2000;
/// Names listed of tensors the index names but no shard holds.
const MAX_LISTED_MISSING: usize = 100;

#[derive(Debug, Clone, Serialize)]
pub struct TensorInfo {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<u64>,
    pub bytes: u64,
}

impl TensorInfo {
    pub fn parameters(&self) -> u64 {
        self.shape.iter().fold(1u64, |n, d| n.saturating_mul(*d))
    }
}

/// Parameters and bytes of one dtype.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DtypeTotal {
    pub dtype: String,
    pub parameters: u64,
    pub bytes: u64,
}

fn totals_by_dtype<'a>(tensors: impl Iterator<Item = &'a TensorInfo>) -> Vec<DtypeTotal> {
    let mut by: BTreeMap<String, DtypeTotal> = BTreeMap::new();
    for t in tensors {
        let total = by.entry(t.dtype.clone()).or_insert_with(|| DtypeTotal {
            dtype: t.dtype.clone(),
            ..DtypeTotal::default()
        });
        total.parameters = total.parameters.saturating_add(t.parameters());
        total.bytes = total.bytes.saturating_add(t.bytes);
    }
    by.into_values().collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct SafetensorsSummary {
    pub header_bytes: u64,
    pub tensors: Vec<TensorInfo>,
    pub parameters: u64,
    pub by_dtype: Vec<DtypeTotal>,
    pub metadata: Vec<(String, String)>,
}

/// A safetensors header: 8 bytes of length, then that much JSON.
pub async fn safetensors(reader: &Reader, head: Bytes) -> Result<SafetensorsSummary, InspectError> {
    const WHAT: &str = "safetensors";
    if head.len() < 8 {
        return Err(InspectError::invalid(
            WHAT,
            "it is shorter than its 8-byte header length",
        ));
    }
    let n = u64::from_le_bytes(head[..8].try_into().unwrap_or_default());
    if n > MAX_SAFETENSORS_HEADER {
        return Err(InspectError::invalid(
            WHAT,
            format!("its header length ({n} bytes) is larger than safetensors allows (100 MB)"),
        ));
    }
    if n + 8 > reader.size {
        return Err(InspectError::invalid(
            WHAT,
            format!(
                "its header length ({n} bytes) exceeds the object ({} bytes)",
                reader.size
            ),
        ));
    }
    let header = if head.len() as u64 >= n + 8 {
        head.slice(8..(n + 8) as usize)
    } else {
        let rest = reader.read(head.len() as u64..n + 8).await?;
        Bytes::from([&head[8..], &rest[..]].concat())
    };
    let metadata: safetensors::tensor::Metadata = serde_json::from_slice(&header)
        .map_err(|e| InspectError::invalid(WHAT, format!("its header is not valid: {e}")))?;
    let data_end = 8 + n + metadata.data_len() as u64;
    if data_end > reader.size {
        return Err(InspectError::invalid(
            WHAT,
            format!(
                "its tensors end at byte {data_end}, past the end of the object ({} bytes): it is truncated",
                reader.size
            ),
        ));
    }
    let infos = metadata.tensors();
    let tensors: Vec<TensorInfo> = metadata
        .offset_keys()
        .into_iter()
        .filter_map(|name| {
            let info = infos.get(&name)?;
            Some(TensorInfo {
                dtype: format!("{:?}", info.dtype),
                shape: info.shape.iter().map(|&d| d as u64).collect(),
                bytes: (info.data_offsets.1 - info.data_offsets.0) as u64,
                name,
            })
        })
        .collect();
    let mut extra: Vec<(String, String)> = metadata
        .metadata()
        .as_ref()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    extra.sort();
    Ok(SafetensorsSummary {
        header_bytes: n,
        parameters: tensors
            .iter()
            .map(TensorInfo::parameters)
            .fold(0, u64::saturating_add),
        by_dtype: totals_by_dtype(tensors.iter()),
        tensors,
        metadata: extra,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct ShardSummary {
    pub key: String,
    pub object_bytes: u64,
    pub tensors: usize,
    pub parameters: u64,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckpointSummary {
    pub shards: Vec<ShardSummary>,
    pub tensors: usize,
    pub parameters: u64,
    pub tensor_bytes: u64,
    pub by_dtype: Vec<DtypeTotal>,
    /// `metadata.total_size` of the index, to compare with the shards' bytes.
    pub index_total_size: Option<u64>,
    /// Tensors the index names that their shard does not hold (the first of them).
    pub missing: Vec<String>,
    pub missing_count: usize,
}

/// A shard's size and header.
type ShardHeader = (u64, SafetensorsSummary);

#[derive(serde::Deserialize)]
struct Index {
    #[serde(default)]
    metadata: serde_json::Map<String, serde_json::Value>,
    weight_map: BTreeMap<String, String>,
}

/// A sharded checkpoint: its index, then each shard's header beside it.
pub async fn checkpoint(reader: &Reader, index: &str) -> Result<CheckpointSummary, InspectError> {
    let index: Index = serde_json::from_str(index).map_err(|e| {
        InspectError::invalid("safetensors index", format!("it has no weight_map: {e}"))
    })?;
    let folder = reader.key.rsplit_once('/').map_or("", |(f, _)| f);
    let shard_names: BTreeSet<String> = index.weight_map.values().cloned().collect();
    if shard_names.len() > MAX_SHARDS {
        return Err(InspectError::invalid(
            "safetensors index",
            format!(
                "it names {} shards, more than Skiff reads ({MAX_SHARDS})",
                shard_names.len()
            ),
        ));
    }
    let headers: Vec<(String, Result<ShardHeader, InspectError>)> =
        futures::stream::iter(shard_names)
            .map(|name| {
                let key = if folder.is_empty() {
                    name.clone()
                } else {
                    format!("{folder}/{name}")
                };
                async move {
                    let result = async {
                        let (shard, head) = reader.open_sibling(&key, 64 << 10).await?;
                        let summary = safetensors(&shard, head).await?;
                        Ok((shard.size, summary))
                    }
                    .await;
                    (name, result)
                }
            })
            .buffered(8)
            .collect()
            .await;
    let mut summary = CheckpointSummary {
        shards: Vec::new(),
        tensors: 0,
        parameters: 0,
        tensor_bytes: 0,
        by_dtype: Vec::new(),
        index_total_size: index.metadata.get("total_size").and_then(|v| v.as_u64()),
        missing: Vec::new(),
        missing_count: 0,
    };
    let mut held: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut all = Vec::new();
    for (name, result) in &headers {
        let shard = match result {
            Ok((object_bytes, s)) => {
                held.insert(name, s.tensors.iter().map(|t| t.name.as_str()).collect());
                all.extend(s.tensors.iter());
                ShardSummary {
                    key: name.clone(),
                    object_bytes: *object_bytes,
                    tensors: s.tensors.len(),
                    parameters: s.parameters,
                    error: None,
                }
            }
            Err(e) => ShardSummary {
                key: name.clone(),
                object_bytes: 0,
                tensors: 0,
                parameters: 0,
                error: Some(e.to_string()),
            },
        };
        summary.shards.push(shard);
    }
    for (tensor, shard) in &index.weight_map {
        let found = held
            .get(shard.as_str())
            .is_some_and(|names| names.contains(tensor.as_str()));
        if !found {
            summary.missing_count += 1;
            if summary.missing.len() < MAX_LISTED_MISSING {
                summary.missing.push(format!("{tensor} (in {shard})"));
            }
        }
    }
    summary.tensors = all.len();
    summary.parameters = all
        .iter()
        .map(|t| t.parameters())
        .fold(0, u64::saturating_add);
    summary.tensor_bytes = all.iter().map(|t| t.bytes).fold(0, u64::saturating_add);
    summary.by_dtype = totals_by_dtype(all.into_iter());
    Ok(summary)
}

#[derive(Debug, Clone, Serialize)]
pub struct GgufSummary {
    pub version: u32,
    pub header_bytes: u64,
    /// The keys people look for first, named in words.
    pub highlights: Vec<(String, String)>,
    pub metadata: Vec<(String, String)>,
    pub tensors: Vec<TensorInfo>,
    pub parameters: u64,
}

/// A GGUF header, read in growing windows until it parses.
pub async fn gguf(reader: &Reader, head: Bytes) -> Result<GgufSummary, InspectError> {
    let mut window = head;
    loop {
        match parse_gguf(&window, reader.size) {
            Ok(summary) => return Ok(summary),
            Err(GgufError::Invalid(detail)) => return Err(InspectError::invalid("GGUF", detail)),
            Err(GgufError::NeedMore) => {
                let have = window.len() as u64;
                if have >= reader.size || have >= MAX_GGUF_HEADER {
                    let detail = if have >= reader.size {
                        "it ends inside its header (truncated)".to_owned()
                    } else {
                        "its header is larger than Skiff reads (256 MiB)".to_owned()
                    };
                    return Err(InspectError::invalid("GGUF", detail));
                }
                let next = (have * 4).min(reader.size).min(MAX_GGUF_HEADER);
                let more = reader.read(have..next).await?;
                window = Bytes::from([&window[..], &more[..]].concat());
            }
        }
    }
}

enum GgufError {
    NeedMore,
    Invalid(String),
}

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: u64) -> Result<&[u8], GgufError> {
        let end = (self.at as u64).checked_add(n).ok_or(GgufError::NeedMore)?;
        if end > self.b.len() as u64 {
            return Err(GgufError::NeedMore);
        }
        let s = &self.b[self.at..end as usize];
        self.at = end as usize;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, GgufError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().unwrap_or_default(),
        ))
    }

    fn u64(&mut self) -> Result<u64, GgufError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().unwrap_or_default(),
        ))
    }

    fn string(&mut self) -> Result<String, GgufError> {
        let n = self.u64()?;
        if n > 64 << 20 {
            return Err(GgufError::Invalid(format!(
                "a string of {n} bytes in its header"
            )));
        }
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }

    /// A value of `kind`, in words.
    fn value(&mut self, kind: u32) -> Result<String, GgufError> {
        Ok(match kind {
            0 => self.take(1)?[0].to_string(),
            1 => (self.take(1)?[0] as i8).to_string(),
            2 => u16::from_le_bytes(self.take(2)?.try_into().unwrap_or_default()).to_string(),
            3 => i16::from_le_bytes(self.take(2)?.try_into().unwrap_or_default()).to_string(),
            4 => self.u32()?.to_string(),
            5 => (self.u32()? as i32).to_string(),
            6 => f32::from_bits(self.u32()?).to_string(),
            7 => (self.take(1)?[0] != 0).to_string(),
            8 => clip(&self.string()?, 200),
            9 => {
                let item = self.u32()?;
                let n = self.u64()?;
                if item == 9 || n > 1 << 32 {
                    return Err(GgufError::Invalid(format!(
                        "an array of {n} items of type {item}"
                    )));
                }
                let mut shown = Vec::new();
                for i in 0..n {
                    let v = self.value(item)?;
                    if i < 8 {
                        shown.push(v);
                    }
                }
                let kind = GGUF_VALUE_NAMES.get(item as usize).unwrap_or(&"?");
                if n <= 8 {
                    format!("[{}]", shown.join(", "))
                } else {
                    format!("[{} × {kind}]", crate::format::thousands(n))
                }
            }
            10 => self.u64()?.to_string(),
            11 => (self.u64()? as i64).to_string(),
            12 => f64::from_bits(self.u64()?).to_string(),
            other => {
                return Err(GgufError::Invalid(format!(
                    "a value of unknown type {other}"
                )));
            }
        })
    }
}

const GGUF_VALUE_NAMES: [&str; 13] = [
    "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64",
];

fn clip(s: &str, chars: usize) -> String {
    match s.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

fn parse_gguf(b: &[u8], object_bytes: u64) -> Result<GgufSummary, GgufError> {
    let mut c = Cursor { b, at: 0 };
    if c.take(4)? != b"GGUF" {
        return Err(GgufError::Invalid("it does not start with GGUF".into()));
    }
    let version = c.u32()?;
    if !(1..=3).contains(&version) {
        return Err(GgufError::Invalid(format!("version {version} is unknown")));
    }
    let count = |c: &mut Cursor| {
        if version == 1 {
            c.u32().map(u64::from)
        } else {
            c.u64()
        }
    };
    let tensor_count = count(&mut c)?;
    let kv_count = count(&mut c)?;
    if tensor_count > 1 << 20 || kv_count > 1 << 20 {
        return Err(GgufError::Invalid(format!(
            "it claims {tensor_count} tensors and {kv_count} metadata keys"
        )));
    }
    let mut metadata = Vec::new();
    for _ in 0..kv_count {
        let key = c.string()?;
        let kind = c.u32()?;
        let value = c.value(kind)?;
        metadata.push((key, value));
    }
    let mut tensors = Vec::new();
    let mut offsets = Vec::new();
    for _ in 0..tensor_count {
        let name = c.string()?;
        let dims = c.u32()?;
        if dims > 8 {
            return Err(GgufError::Invalid(format!(
                "tensor {name} has {dims} dimensions"
            )));
        }
        let shape = (0..dims)
            .map(|_| c.u64())
            .collect::<Result<Vec<u64>, _>>()?;
        let kind = c.u32()?;
        offsets.push(c.u64()?);
        let dtype = GGML_TYPES
            .iter()
            .find(|(n, _)| *n == kind)
            .map_or_else(|| format!("type {kind}"), |(_, name)| (*name).to_owned());
        tensors.push(TensorInfo {
            name,
            dtype,
            shape,
            bytes: 0,
        });
    }
    // Each tensor's bytes run to the next one's start (the data begins aligned after the header).
    let alignment = metadata
        .iter()
        .find(|(k, _)| k == "general.alignment")
        .and_then(|(_, v)| v.parse::<u64>().ok())
        .filter(|a| *a > 0)
        .unwrap_or(32);
    let data_start = (c.at as u64).div_ceil(alignment) * alignment;
    let mut order: Vec<usize> = (0..tensors.len()).collect();
    order.sort_by_key(|&i| offsets[i]);
    for (n, &i) in order.iter().enumerate() {
        let end = order
            .get(n + 1)
            .map_or(object_bytes.saturating_sub(data_start), |&j| offsets[j]);
        tensors[i].bytes = end.saturating_sub(offsets[i]);
    }
    let get = |k: &str| {
        metadata
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let arch = get("general.architecture");
    let mut highlights = Vec::new();
    let mut add = |label: &str, value: Option<String>| {
        if let Some(v) = value {
            highlights.push((label.to_owned(), v));
        }
    };
    add("Architecture", arch.clone());
    add("Name", get("general.name"));
    if let Some(a) = &arch {
        add("Context length", get(&format!("{a}.context_length")));
        add("Embedding length", get(&format!("{a}.embedding_length")));
        add("Blocks", get(&format!("{a}.block_count")));
    }
    add("Tokenizer", get("tokenizer.ggml.model"));
    add("Vocabulary", get("tokenizer.ggml.tokens"));
    add("Merges", get("tokenizer.ggml.merges"));
    add(
        "Quantisation",
        get("general.file_type").map(|t| file_type_name(&t)),
    );
    let parameters = tensors
        .iter()
        .map(TensorInfo::parameters)
        .fold(0, u64::saturating_add);
    Ok(GgufSummary {
        version,
        header_bytes: c.at as u64,
        highlights,
        metadata,
        tensors,
        parameters,
    })
}

const GGML_TYPES: &[(u32, &str)] = &[
    (0, "F32"),
    (1, "F16"),
    (2, "Q4_0"),
    (3, "Q4_1"),
    (6, "Q5_0"),
    (7, "Q5_1"),
    (8, "Q8_0"),
    (9, "Q8_1"),
    (10, "Q2_K"),
    (11, "Q3_K"),
    (12, "Q4_K"),
    (13, "Q5_K"),
    (14, "Q6_K"),
    (15, "Q8_K"),
    (16, "IQ2_XXS"),
    (17, "IQ2_XS"),
    (18, "IQ3_XXS"),
    (19, "IQ1_S"),
    (20, "IQ4_NL"),
    (21, "IQ3_S"),
    (22, "IQ2_S"),
    (23, "IQ4_XS"),
    (24, "I8"),
    (25, "I16"),
    (26, "I32"),
    (27, "I64"),
    (28, "F64"),
    (29, "IQ1_M"),
    (30, "BF16"),
    (34, "TQ1_0"),
    (35, "TQ2_0"),
    (39, "MXFP4"),
];

/// llama.cpp's `general.file_type`, in its own words.
fn file_type_name(code: &str) -> String {
    const NAMES: &[&str] = &[
        "F32", "F16", "Q4_0", "Q4_1", "", "", "", "Q8_0", "Q5_0", "Q5_1", "Q2_K", "Q3_K_S",
        "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "IQ2_XXS", "IQ2_XS",
        "Q2_K_S", "IQ3_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ3_M", "IQ2_S", "IQ2_M",
        "IQ4_XS", "IQ1_M", "BF16",
    ];
    match code
        .parse::<usize>()
        .ok()
        .and_then(|i| NAMES.get(i))
        .filter(|n| !n.is_empty())
    {
        Some(name) => format!("{name} ({code})"),
        None => code.to_owned(),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NpySummary {
    pub version: String,
    pub dtype: String,
    pub shape: Vec<u64>,
    pub fortran_order: bool,
    pub header_bytes: u64,
    pub data_bytes: u64,
}

/// A `.npy` header: magic, version, length, then a Python dict literal.
pub fn npy(head: &[u8], object_bytes: u64) -> Result<NpySummary, InspectError> {
    let bad = |d: &str| InspectError::invalid("NumPy", d.to_owned());
    if head.len() < 10 || !head.starts_with(b"\x93NUMPY") {
        return Err(bad("it does not start with the NumPy magic"));
    }
    let (major, minor) = (head[6], head[7]);
    let (len, start) = match major {
        1 => (u16::from_le_bytes([head[8], head[9]]) as usize, 10),
        2 | 3 if head.len() >= 12 => (
            u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize,
            12,
        ),
        _ => return Err(bad(&format!("version {major}.{minor} is unknown"))),
    };
    let Some(dict) = head.get(start..start + len) else {
        return Err(bad("its header is longer than the first 64 KiB"));
    };
    let dict = String::from_utf8_lossy(dict);
    let field = |name: &str| -> Option<String> {
        let at = dict.find(&format!("'{name}'"))? + name.len() + 2;
        let rest = dict[at..].trim_start().strip_prefix(':')?.trim_start();
        let end = if rest.starts_with('(') {
            rest.find(')')? + 1
        } else if let Some(quoted) = rest.strip_prefix('\'') {
            quoted.find('\'')? + 2
        } else {
            rest.find([',', '}']).unwrap_or(rest.len())
        };
        Some(rest[..end].trim().to_owned())
    };
    let dtype = field("descr").ok_or_else(|| bad("its header names no dtype"))?;
    let shape_text = field("shape").ok_or_else(|| bad("its header names no shape"))?;
    let shape = shape_text
        .trim_matches(|c| c == '(' || c == ')')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<u64>())
        .collect::<Result<Vec<u64>, _>>()
        .map_err(|_| bad(&format!("its shape {shape_text} is not a tuple of sizes")))?;
    let header_bytes = (start + len) as u64;
    Ok(NpySummary {
        version: format!("{major}.{minor}"),
        dtype: dtype.trim_matches('\'').to_owned(),
        shape,
        fortran_order: field("fortran_order").as_deref() == Some("True"),
        header_bytes,
        data_bytes: object_bytes.saturating_sub(header_bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_headers_are_read() {
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
        let mut file = b"\x93NUMPY\x01\x00".to_vec();
        file.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        file.extend_from_slice(dict.as_bytes());
        let s = npy(&file, file.len() as u64 + 48).unwrap();
        assert_eq!(
            (s.dtype.as_str(), s.shape.as_slice(), s.fortran_order),
            ("<f4", &[3, 4][..], false)
        );
        assert_eq!(s.data_bytes, 48);
    }

    #[test]
    fn gguf_arrays_and_bad_counts() {
        let mut b = b"GGUF".to_vec();
        b.extend(3u32.to_le_bytes());
        b.extend(0u64.to_le_bytes());
        b.extend(1u64.to_le_bytes());
        let key = b"tokenizer.ggml.tokens";
        b.extend((key.len() as u64).to_le_bytes());
        b.extend(key);
        b.extend(9u32.to_le_bytes());
        b.extend(8u32.to_le_bytes());
        b.extend(10u64.to_le_bytes());
        for i in 0..10 {
            let t = format!("t{i}");
            b.extend((t.len() as u64).to_le_bytes());
            b.extend(t.as_bytes());
        }
        let Ok(s) = parse_gguf(&b, b.len() as u64) else {
            panic!("parses")
        };
        assert_eq!(
            s.highlights,
            [("Vocabulary".to_owned(), "[10 × string]".to_owned())]
        );
        assert!(matches!(
            parse_gguf(&b[..b.len() - 1], 0),
            Err(GgufError::NeedMore)
        ));
        let mut huge = b"GGUF".to_vec();
        huge.extend(3u32.to_le_bytes());
        huge.extend(u64::MAX.to_le_bytes());
        huge.extend(0u64.to_le_bytes());
        assert!(matches!(parse_gguf(&huge, 0), Err(GgufError::Invalid(_))));
    }
}
