//! Facts about an object's bytes that both the desktop and the browser engine send with them.

/// CRC32C as S3 headers carry it: base64 of the big-endian value.
pub fn crc32c_base64(bytes: &[u8]) -> String {
    aws_smithy_types::base64::encode(crc32c::crc32c(bytes).to_be_bytes())
}

/// A content type from the file name, for objects that browsers and tools open correctly.
pub fn guess_content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "md" | "log" => "text/plain",
        "csv" => "text/csv",
        "tsv" => "text/tab-separated-values",
        "json" => "application/json",
        "jsonl" | "ndjson" => "application/x-ndjson",
        "html" | "htm" => "text/html",
        "xml" => "application/xml",
        "yaml" | "yml" => "application/yaml",
        "parquet" => "application/vnd.apache.parquet",
        "gz" => "application/gzip",
        "zst" => "application/zstd",
        "tar" => "application/x-tar",
        "zip" => "application/zip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
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
    }
}
