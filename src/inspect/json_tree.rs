//! JSON as a tree for the Inspector, from the head of a file as well as from a whole one: a
//! parse that stops where the bytes stop (closing what is open), with a depth and a node bound,
//! and without recursion, so that no file can exhaust the stack or the memory.

use serde::{Serialize, Serializer};

use super::InspectError;

/// Deeper than this is refused: no file meant to be read by people nests further.
pub const MAX_DEPTH: usize = 512;
/// The tree stops growing here, marked cut.
pub const MAX_NODES: usize = 200_000;
/// Longer strings keep their start.
const MAX_STRING_CHARS: usize = 16 << 10;

#[derive(Debug, Clone, PartialEq)]
pub enum JsonNode {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<JsonNode>),
    Object(Vec<(String, JsonNode)>),
    /// The read ended here.
    Cut,
}

impl JsonNode {
    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            JsonNode::Null => Value::Null,
            JsonNode::Bool(b) => Value::Bool(*b),
            JsonNode::Number(n) => serde_json::from_str(n).unwrap_or(Value::String(n.clone())),
            JsonNode::String(s) => Value::String(s.clone()),
            JsonNode::Array(items) => Value::Array(items.iter().map(JsonNode::to_value).collect()),
            JsonNode::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value()))
                    .collect(),
            ),
            JsonNode::Cut => Value::String("…".into()),
        }
    }

    /// One line for a table cell or a collapsed node.
    pub fn summary(&self) -> String {
        match self {
            JsonNode::Null => "null".into(),
            JsonNode::Bool(b) => b.to_string(),
            JsonNode::Number(n) => n.clone(),
            JsonNode::String(s) => s.clone(),
            JsonNode::Array(items) => format!("[{} items]", items.len()),
            JsonNode::Object(fields) => format!("{{{} fields}}", fields.len()),
            JsonNode::Cut => "…".into(),
        }
    }
}

impl Serialize for JsonNode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

enum Frame {
    Array(Vec<JsonNode>),
    Object(Vec<(String, JsonNode)>, Option<String>),
}

#[derive(Clone, Copy, PartialEq)]
enum Want {
    Value,
    ValueOrClose,
    KeyOrClose,
    Key,
    Colon,
    CommaOrClose,
}

/// The tree of `text`, and whether it is cut (the text is a head, or the node bound was hit).
/// `complete` says `text` is the whole file: then a syntax error or an early end is an error.
pub fn parse(text: &str, complete: bool) -> Result<(JsonNode, bool), InspectError> {
    let mut p = Parser {
        s: text.as_bytes(),
        pos: 0,
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut want = Want::Value;
    let mut root = None;
    let mut nodes = 0usize;
    let mut cut = false;
    loop {
        p.skip_space();
        let Some(c) = p.peek() else { break };
        if root.is_some() {
            if complete {
                return Err(p.error("more follows the first value (is it JSON Lines?)"));
            }
            break;
        }
        if nodes >= MAX_NODES {
            cut = true;
            break;
        }
        let value = match want {
            Want::ValueOrClose if c == b']' => {
                p.pos += 1;
                Some(close(&mut stack))
            }
            Want::KeyOrClose if c == b'}' => {
                p.pos += 1;
                Some(close(&mut stack))
            }
            Want::Value | Want::ValueOrClose => match c {
                b'{' | b'[' => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(InspectError::invalid(
                            "JSON",
                            format!("it nests deeper than {MAX_DEPTH} levels"),
                        ));
                    }
                    p.pos += 1;
                    if c == b'{' {
                        stack.push(Frame::Object(Vec::new(), None));
                        want = Want::KeyOrClose;
                    } else {
                        stack.push(Frame::Array(Vec::new()));
                        want = Want::ValueOrClose;
                    }
                    nodes += 1;
                    None
                }
                _ => match p.scalar()? {
                    Some(v) => Some(v),
                    None => break,
                },
            },
            Want::KeyOrClose | Want::Key => {
                if c != b'"' {
                    return Err(p.error("expected a key in double quotes"));
                }
                let Some(key) = p.string()? else { break };
                if let Some(Frame::Object(_, pending)) = stack.last_mut() {
                    *pending = Some(key);
                }
                want = Want::Colon;
                None
            }
            Want::Colon => {
                if c != b':' {
                    return Err(p.error("expected ':' after a key"));
                }
                p.pos += 1;
                want = Want::Value;
                None
            }
            Want::CommaOrClose => match (c, stack.last()) {
                (b',', Some(Frame::Array(_))) => {
                    p.pos += 1;
                    want = Want::Value;
                    None
                }
                (b',', Some(Frame::Object(..))) => {
                    p.pos += 1;
                    want = Want::Key;
                    None
                }
                (b']', Some(Frame::Array(_))) | (b'}', Some(Frame::Object(..))) => {
                    p.pos += 1;
                    Some(close(&mut stack))
                }
                _ => return Err(p.error("expected ',' or the end of the array or object")),
            },
        };
        if let Some(v) = value {
            nodes += 1;
            root = attach(&mut stack, v).or(root.take());
            want = Want::CommaOrClose;
        }
    }
    if let Some(root) = root.filter(|_| stack.is_empty()) {
        return Ok((root, cut));
    }
    if complete && !cut {
        return Err(InspectError::invalid(
            "JSON",
            if stack.is_empty() {
                "the file holds no value".to_owned()
            } else {
                "it ends inside an array or object".to_owned()
            },
        ));
    }
    Ok((close_head(stack), true))
}

/// A head's tree: what is open closed, the place the read ended marked.
fn close_head(mut stack: Vec<Frame>) -> JsonNode {
    let mut tail = JsonNode::Cut;
    while let Some(frame) = stack.pop() {
        tail = match frame {
            Frame::Array(mut items) => {
                items.push(tail);
                JsonNode::Array(items)
            }
            Frame::Object(mut fields, pending) => {
                fields.push((pending.unwrap_or_else(|| "…".into()), tail));
                JsonNode::Object(fields)
            }
        };
    }
    tail
}

/// Ends the innermost container, as a value.
fn close(stack: &mut Vec<Frame>) -> JsonNode {
    match stack.pop() {
        Some(Frame::Array(items)) => JsonNode::Array(items),
        Some(Frame::Object(fields, _)) => JsonNode::Object(fields),
        None => JsonNode::Null,
    }
}

/// Puts a finished value into its container; at the top, it is the root (returned).
fn attach(stack: &mut [Frame], value: JsonNode) -> Option<JsonNode> {
    match stack.last_mut() {
        None => Some(value),
        Some(Frame::Array(items)) => {
            items.push(value);
            None
        }
        Some(Frame::Object(fields, pending)) => {
            fields.push((pending.take().unwrap_or_default(), value));
            None
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn error(&self, what: &str) -> InspectError {
        let before = &self.s[..self.pos.min(self.s.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        InspectError::invalid("JSON", format!("line {line}, column {column}: {what}"))
    }

    /// A string, number or literal; `None` where the text ends inside it.
    fn scalar(&mut self) -> Result<Option<JsonNode>, InspectError> {
        let c = self.peek().unwrap_or(b' ');
        if c == b'"' {
            return Ok(self.string()?.map(JsonNode::String));
        }
        for (word, node) in [
            ("true", JsonNode::Bool(true)),
            ("false", JsonNode::Bool(false)),
            ("null", JsonNode::Null),
        ] {
            let rest = &self.s[self.pos..];
            if rest.starts_with(word.as_bytes()) {
                self.pos += word.len();
                return Ok(Some(node));
            }
            if word.as_bytes().starts_with(rest) {
                return Ok(None);
            }
        }
        if c == b'-' || c.is_ascii_digit() {
            let start = self.pos;
            while matches!(
                self.peek(),
                Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
            ) {
                self.pos += 1;
            }
            if self.pos == self.s.len() {
                return Ok(None);
            }
            let number = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or_default();
            if number.parse::<f64>().is_err() {
                self.pos = start;
                return Err(self.error("not a number"));
            }
            return Ok(Some(JsonNode::Number(number.to_owned())));
        }
        Err(self.error("expected a value"))
    }

    /// A string at `pos` (its opening quote); `None` where the text ends inside it.
    fn string(&mut self) -> Result<Option<String>, InspectError> {
        self.pos += 1;
        let mut out = String::new();
        let mut chars = 0usize;
        loop {
            let Some(c) = self.peek() else {
                return Ok(None);
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    if chars > MAX_STRING_CHARS {
                        out.push('…');
                    }
                    return Ok(Some(out));
                }
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos + 1) else {
                        return Ok(None);
                    };
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => match self.unicode_escape()? {
                            Some(ch) => ch,
                            None => return Ok(None),
                        },
                        _ => return Err(self.error("an unknown escape in a string")),
                    };
                    if e != b'u' {
                        self.pos += 2;
                    }
                    chars += 1;
                    if chars <= MAX_STRING_CHARS {
                        out.push(ch);
                    }
                }
                _ => {
                    let len = utf8_len(c);
                    let Some(bytes) = self.s.get(self.pos..self.pos + len) else {
                        return Ok(None);
                    };
                    chars += 1;
                    if chars <= MAX_STRING_CHARS {
                        out.push_str(std::str::from_utf8(bytes).unwrap_or("\u{fffd}"));
                    }
                    self.pos += len;
                }
            }
        }
    }

    /// `\uXXXX` (and its low surrogate), at `pos`.
    fn unicode_escape(&mut self) -> Result<Option<char>, InspectError> {
        let hex = |p: &Parser, at: usize| -> Result<Option<u32>, InspectError> {
            let Some(digits) = p.s.get(at..at + 4) else {
                return Ok(None);
            };
            let digits = std::str::from_utf8(digits).unwrap_or("x");
            u32::from_str_radix(digits, 16)
                .map(Some)
                .map_err(|_| p.error("a bad \\u escape"))
        };
        let Some(high) = hex(self, self.pos + 2)? else {
            return Ok(None);
        };
        self.pos += 6;
        if (0xd800..0xdc00).contains(&high) {
            if self.s.get(self.pos..self.pos + 2) == Some(b"\\u") {
                let Some(low) = hex(self, self.pos + 2)? else {
                    return Ok(None);
                };
                self.pos += 6;
                let code = 0x10000 + ((high - 0xd800) << 10) + (low.wrapping_sub(0xdc00) & 0x3ff);
                return Ok(Some(char::from_u32(code).unwrap_or('\u{fffd}')));
            }
            return Ok(Some('\u{fffd}'));
        }
        Ok(Some(char::from_u32(high).unwrap_or('\u{fffd}')))
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, complete: bool) -> (serde_json::Value, bool) {
        let (node, cut) = parse(text, complete).unwrap();
        (node.to_value(), cut)
    }

    #[test]
    fn whole_documents_parse_as_serde_json_does() {
        let doc = r#"{"a": [1, -2.5e3, true, null, "x\"y\u00e9\ud83d\ude00"], "b": {}, "c": []}"#;
        let (v, cut) = value(doc, true);
        assert_eq!(v, serde_json::from_str::<serde_json::Value>(doc).unwrap());
        assert!(!cut);
    }

    #[test]
    fn a_head_closes_what_is_open() {
        let (v, cut) = value(r#"{"rows": [{"id": 1, "name": "ab"#, false);
        assert!(cut);
        assert_eq!(v, serde_json::json!({"rows": [{"id": 1, "name": "…"}]}));
        let (v, _) = value(r#"[1, 2, tr"#, false);
        assert_eq!(v, serde_json::json!([1, 2, "…"]));
    }

    #[test]
    fn bad_documents_get_a_place_and_a_reason() {
        let e = parse("{\n  \"a\": 1,\n  b: 2}", true)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "not a valid JSON file: line 3, column 3: expected a key in double quotes"
        );
        let e = parse("{\"a\": 1", true).unwrap_err().to_string();
        assert!(e.contains("ends inside"), "{e}");
        let e = parse("{} {}", true).unwrap_err().to_string();
        assert!(e.contains("JSON Lines"), "{e}");
    }

    #[test]
    fn a_document_nested_100000_deep_is_refused_without_recursion() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        let e = parse(&deep, true).unwrap_err().to_string();
        assert_eq!(e, "not a valid JSON file: it nests deeper than 512 levels");
    }

    #[test]
    fn the_tree_stops_at_its_node_bound() {
        let many = format!("[{}0]", "0,".repeat(MAX_NODES + 10));
        let (node, cut) = parse(&many, true).unwrap();
        assert!(cut);
        let JsonNode::Array(items) = node else {
            panic!()
        };
        assert!(items.len() < MAX_NODES + 1);
    }
}
