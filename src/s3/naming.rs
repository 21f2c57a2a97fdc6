//! S3 bucket naming rules, each one named, so a user learns exactly which rule a name breaks.

/// The rule a bucket name breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameRule {
    #[error("A bucket name needs at least 3 characters.")]
    TooShort,
    #[error("A bucket name has at most 63 characters (this one has {0}).")]
    TooLong(usize),
    #[error("Use lowercase letters: '{0}' is uppercase.")]
    Uppercase(char),
    #[error("Only lowercase letters, digits, hyphens (-) and dots (.) are allowed, not '{0}'.")]
    InvalidCharacter(char),
    #[error("A bucket name must begin with a letter or a digit.")]
    BadFirstCharacter,
    #[error("A bucket name must end with a letter or a digit.")]
    BadLastCharacter,
    #[error("A bucket name cannot contain two dots in a row (..).")]
    ConsecutiveDots,
    #[error("A bucket name cannot look like an IP address (such as 192.168.5.4).")]
    IpAddress,
    #[error("A bucket name cannot start with '{0}', which S3 reserves.")]
    ReservedPrefix(&'static str),
    #[error("A bucket name cannot end with '{0}', which S3 reserves.")]
    ReservedSuffix(&'static str),
}

const RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES: [&str; 4] = ["-s3alias", "--ol-s3", "--x-s3", ".mrap"];

/// Checks every rule, reporting the first one broken.
pub fn validate_bucket_name(name: &str) -> Result<(), NameRule> {
    let len = name.chars().count();
    if len < 3 {
        return Err(NameRule::TooShort);
    }
    if len > 63 {
        return Err(NameRule::TooLong(len));
    }
    if let Some(c) = name.chars().find(|c| c.is_uppercase()) {
        return Err(NameRule::Uppercase(c));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Err(NameRule::InvalidCharacter(c));
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !alnum(name.chars().next()) {
        return Err(NameRule::BadFirstCharacter);
    }
    if !alnum(name.chars().last()) {
        return Err(NameRule::BadLastCharacter);
    }
    if name.contains("..") {
        return Err(NameRule::ConsecutiveDots);
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(NameRule::IpAddress);
    }
    if let Some(p) = RESERVED_PREFIXES.iter().find(|p| name.starts_with(*p)) {
        return Err(NameRule::ReservedPrefix(p));
    }
    if let Some(s) = RESERVED_SUFFIXES.iter().find(|s| name.ends_with(*s)) {
        return Err(NameRule::ReservedSuffix(s));
    }
    Ok(())
}

/// A name built from the user's initials, a project word, a purpose and a date
/// (`jd-llm-corpus-raw-20261125`): each part lowercased, other characters turned into hyphens,
/// and the whole cut to 63 characters.
pub fn suggest_bucket_name(parts: &[&str], date_yyyymmdd: &str) -> String {
    let mut words: Vec<String> = parts
        .iter()
        .map(|p| slug(p))
        .filter(|p| !p.is_empty())
        .collect();
    words.push(slug(date_yyyymmdd));
    let mut name = words
        .into_iter()
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if name.len() > 63 {
        name.truncate(63);
        name = name.trim_end_matches('-').to_owned();
    }
    name
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_the_rule_each_breaks() {
        use NameRule::*;
        let cases: &[(&str, Result<(), NameRule>)] = &[
            ("abc", Ok(())),
            ("my-bucket", Ok(())),
            ("my.bucket.name", Ok(())),
            ("jd-llm-corpus-raw-20261125", Ok(())),
            ("123", Ok(())),
            ("a1b", Ok(())),
            ("data-2026.v1", Ok(())),
            (&"a".repeat(63), Ok(())),
            ("x-n--ok", Ok(())),
            ("s3alias-at-start", Ok(())),
            ("192.168.5", Ok(())),
            ("999.1.1.1", Ok(())),
            ("sthree", Ok(())),
            ("amzn-s3-demo", Ok(())),
            ("mrap.bucket", Ok(())),
            ("ab", Err(TooShort)),
            ("", Err(TooShort)),
            (&"a".repeat(64), Err(TooLong(64))),
            ("MyBucket", Err(Uppercase('M'))),
            ("bucket-A", Err(Uppercase('A'))),
            ("my_bucket", Err(InvalidCharacter('_'))),
            ("my bucket", Err(InvalidCharacter(' '))),
            ("bucket/name", Err(InvalidCharacter('/'))),
            ("bücket", Err(InvalidCharacter('ü'))),
            ("bucket!", Err(InvalidCharacter('!'))),
            ("-bucket", Err(BadFirstCharacter)),
            (".bucket", Err(BadFirstCharacter)),
            ("bucket-", Err(BadLastCharacter)),
            ("bucket.", Err(BadLastCharacter)),
            ("my..bucket", Err(ConsecutiveDots)),
            ("192.168.5.4", Err(IpAddress)),
            ("10.0.0.1", Err(IpAddress)),
            ("xn--bucket", Err(ReservedPrefix("xn--"))),
            ("sthree-bucket", Err(ReservedPrefix("sthree-"))),
            ("amzn-s3-demo-bucket", Err(ReservedPrefix("amzn-s3-demo-"))),
            ("bucket-s3alias", Err(ReservedSuffix("-s3alias"))),
            ("bucket--ol-s3", Err(ReservedSuffix("--ol-s3"))),
            ("bucket--x-s3", Err(ReservedSuffix("--x-s3"))),
            ("bucket.mrap", Err(ReservedSuffix(".mrap"))),
            ("a.b", Ok(())),
            ("a-.b", Ok(())),
            ("x1-", Err(BadLastCharacter)),
        ];
        assert!(cases.len() >= 40);
        for (name, expected) in cases {
            assert_eq!(&validate_bucket_name(name), expected, "{name:?}");
        }
    }

    #[test]
    fn rules_read_as_sentences() {
        assert_eq!(
            validate_bucket_name("My_Bucket").unwrap_err().to_string(),
            "Use lowercase letters: 'M' is uppercase."
        );
        assert_eq!(
            validate_bucket_name("xn--abc").unwrap_err().to_string(),
            "A bucket name cannot start with 'xn--', which S3 reserves."
        );
    }

    #[test]
    fn suggestions_are_valid_names() {
        let name = suggest_bucket_name(&["J.D.", "LLM corpus", "raw"], "20261125");
        assert_eq!(name, "j-d-llm-corpus-raw-20261125");
        assert_eq!(
            suggest_bucket_name(&["jd", "", "raw"], "20261125"),
            "jd-raw-20261125"
        );
        let long = suggest_bucket_name(&[&"x".repeat(70)], "20261125");
        assert!(validate_bucket_name(&long).is_ok(), "{long}");
        for parts in [["JD", "Ünïcode Data", "eval"], ["--", "__", "a"]] {
            let n = suggest_bucket_name(&parts, "20261125");
            assert!(validate_bucket_name(&n).is_ok(), "{n}");
        }
    }
}
