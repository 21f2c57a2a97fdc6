//! Facts about an object's bytes that both the desktop and the browser engine send with them.

/// CRC32C as S3 headers carry it: base64 of the big-endian value.
pub fn crc32c_base64(bytes: &[u8]) -> String {
    aws_smithy_types::base64::encode(crc32c::crc32c(bytes).to_be_bytes())
}

/// A content type from the file name, for objects that browsers and tools open correctly: the
/// formats datasets and checkpoints come in first, then mime_guess's table of the rest.
pub fn guess_content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let data_format = match ext.as_str() {
        // Plain text that a browser should show rather than offer to save.
        "md" | "log" => Some("text/plain"),
        "tsv" => Some("text/tab-separated-values"),
        "jsonl" | "ndjson" => Some("application/x-ndjson"),
        "yaml" | "yml" => Some("application/yaml"),
        "parquet" => Some("application/vnd.apache.parquet"),
        "zst" => Some("application/zstd"),
        "gz" => Some("application/gzip"),
        _ => None,
    };
    data_format
        .or_else(|| mime_guess::from_ext(&ext).first_raw())
        .unwrap_or("application/octet-stream")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_from_names() {
        assert_eq!(
            guess_content_type("a/b/part-0001.parquet"),
            "application/vnd.apache.parquet"
        );
        assert_eq!(guess_content_type("notes.MD"), "text/plain");
        assert_eq!(guess_content_type("weights"), "application/octet-stream");
        assert_eq!(guess_content_type("train.jsonl"), "application/x-ndjson");
        assert_eq!(guess_content_type("shard.csv"), "text/csv");
        assert_eq!(guess_content_type("a.json"), "application/json");
        assert_eq!(guess_content_type("logs.tar.gz"), "application/gzip");
        // From mime_guess's table, which the old 20-entry match did not know.
        assert_eq!(guess_content_type("plot.svg"), "image/svg+xml");
        assert_eq!(guess_content_type("clip.mp4"), "video/mp4");
        assert_eq!(guess_content_type("page.webp"), "image/webp");
    }
}
