//! Plain-text renderings shared by the GUI and the command line.

/// `1.5 MiB`: binary units, one decimal below 10, none above.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// `text` with every character that could steer a terminal or hide what a line says written out
/// as an escape: C0 controls, DEL and C1 controls as `\x1b`, bidirectional overrides and
/// isolates as `\u{202e}`. Keys, bucket names and server messages pass through this wherever
/// they reach a terminal, a CSV file or a log.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    escape_except(text, None)
}

/// As [`escape_controls`], keeping `\n` as the line break it is: for whole messages.
pub fn escape_lines(text: &str) -> std::borrow::Cow<'_, str> {
    escape_except(text, Some('\n'))
}

fn escape_except(text: &str, keep: Option<char>) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| Some(c) != keep && needs_escape(c);
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !unsafe_char(c) => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether `c` could steer a terminal or hide what a line says (see [`escape_controls`]).
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `1,234,567` for exact counts and sizes.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 object`, `1,234 objects`: a count with its noun in the right number.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `2026-11-25 09:24:16` (UTC) from seconds since the Unix epoch.
pub fn utc_datetime(epoch_secs: i64) -> String {
    datetime_in(epoch_secs, &jiff::tz::TimeZone::UTC)
}

/// As [`utc_datetime`], in the system's time zone (`TZ`, else the system's setting), as
/// `aws s3 ls` prints dates.
#[cfg(not(target_arch = "wasm32"))]
pub fn local_datetime(epoch_secs: i64) -> String {
    datetime_in(epoch_secs, &jiff::tz::TimeZone::system())
}

fn datetime_in(epoch_secs: i64, zone: &jiff::tz::TimeZone) -> String {
    match jiff::Timestamp::from_second(epoch_secs) {
        Ok(t) => t
            .to_zoned(zone.clone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        // Beyond year 9999: no server sends it, and no panic for one that does.
        Err(_) => "????-??-?? ??:??:??".to_owned(),
    }
}

/// `3.2 MiB/s`
pub fn rate(bytes_per_sec: f64) -> String {
    format!("{}/s", human_bytes(bytes_per_sec.max(0.0) as u64))
}

/// `12 s left`, `3 min 20 s left`, `2 h 5 min left`: the time left, rounded up, so that a
/// transfer with bytes still to go never says it has none.
pub fn time_left(secs: f64) -> String {
    let secs = secs.max(0.0).ceil() as u64;
    match secs {
        0 => "done in a moment".to_owned(),
        1..60 => format!("{secs} s left"),
        60..3600 if secs.is_multiple_of(60) => format!("{} min left", secs / 60),
        60..3600 => format!("{} min {} s left", secs / 60, secs % 60),
        _ => {
            let minutes = secs.div_ceil(60);
            match minutes % 60 {
                0 => format!("{} h left", minutes / 60),
                m => format!("{} h {m} min left", minutes / 60),
            }
        }
    }
}

/// The `name=value` pairs of a URL's query, decoded (`+` is a space, `%XX` a byte).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
                .then(|| Some(hex(bytes[i + 1])? * 16 + hex(bytes[i + 2])?))
                .flatten();
            match (bytes[i], escaped) {
                (_, Some(byte)) => {
                    out.push(byte);
                    i += 2;
                }
                (b'+', None) => out.push(b' '),
                (b, None) => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// A CSV line of `fields`, each as [`csv_field`] makes it, ended by a newline.
pub fn csv_line(fields: &[&str]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// A field as a spreadsheet can take it: control characters escaped (`\x0a`), a leading `=`,
/// `+`, `-` or `@` neutralised with a `'` so that a key is never run as a formula, and quoted
/// when it holds a comma or quote (RFC 4180).
pub fn csv_field(field: &str) -> String {
    let mut field = crate::format::escape_controls(field).into_owned();
    if field.starts_with(['=', '+', '-', '@']) {
        field.insert(0, '\'');
    }
    if field.contains([',', '"']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_escaped() {
        assert_eq!(escape_controls("plain/key ü.txt"), "plain/key ü.txt");
        assert_eq!(escape_controls("a\x1b[31m\nb"), "a\\x1b[31m\\x0ab");
        assert_eq!(escape_controls("x\x7f\u{9b}y\tz"), "x\\x7f\\x9by\\x09z");
        assert_eq!(
            escape_controls("evil\u{202e}txt.exe"),
            "evil\\u{202e}txt.exe"
        );
        assert_eq!(escape_lines("one\ntwo\r\x07"), "one\ntwo\\x0d\\x07");
    }

    #[test]
    fn time_left_rounds_up() {
        assert_eq!(time_left(0.0), "done in a moment");
        assert_eq!(time_left(0.49), "1 s left");
        assert_eq!(time_left(12.2), "13 s left");
        assert_eq!(time_left(120.0), "2 min left");
        assert_eq!(time_left(200.0), "3 min 20 s left");
        assert_eq!(time_left(3599.0), "59 min 59 s left");
        assert_eq!(time_left(3599.5), "1 h left");
        assert_eq!(time_left(7500.0), "2 h 5 min left");
        assert_eq!(time_left(f64::NAN), "done in a moment");
    }

    #[test]
    fn query_strings_decode() {
        assert_eq!(
            query_pairs("bucket=ml-data&prefix=raw%2F2026%20v2%2F&x=a+b&bad=%zz%"),
            vec![
                ("bucket".into(), "ml-data".into()),
                ("prefix".into(), "raw/2026 v2/".into()),
                ("x".into(), "a b".into()),
                ("bad".into(), "%zz%".into()),
            ]
        );
        assert_eq!(query_pairs("k=%C3%BC"), vec![("k".into(), "ü".into())]);
        assert!(query_pairs("").is_empty());
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1024), "1.0 KiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(human_bytes(200 * 1024 * 1024 * 1024), "200 GiB");
        assert_eq!(human_bytes(u64::MAX), "16 EiB");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn dates() {
        assert_eq!(utc_datetime(0), "1970-01-01 00:00:00");
        assert_eq!(utc_datetime(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(utc_datetime(1_795_598_656), "2026-11-25 09:24:16");
        assert_eq!(utc_datetime(-1), "1969-12-31 23:59:59");
    }
}
