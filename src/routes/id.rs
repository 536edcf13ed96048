//! Parsing of the `{id}` path segment of `/greeting/{id}`.
use percent_encoding::percent_decode_str;

/// Why an id was refused; the message is shown to the client (it never echoes the input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("id is empty")]
    Empty,
    #[error("id is not valid percent-encoded UTF-8")]
    NotUtf8,
    #[error("id contains control characters")]
    ControlCharacter,
    #[error("id must be positive")]
    NotPositive,
    #[error("id must be a whole number")]
    Fractional,
    #[error("id is out of range (largest is 9223372036854775807)")]
    OutOfRange,
    #[error("id must be a positive integer")]
    NotANumber,
}

/// Parses the raw (still percent-encoded) path segment into a positive 64-bit id.
pub fn parse_greeting_id(raw: &str) -> Result<i64, IdError> {
    let decoded = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| IdError::NotUtf8)?;
    let id = decoded.as_ref();
    if id.is_empty() {
        return Err(IdError::Empty);
    }
    if id.chars().any(char::is_control) {
        return Err(IdError::ControlCharacter);
    }
    if let Some(digits) = id.strip_prefix('-') {
        if is_number(digits) {
            return Err(IdError::NotPositive);
        }
        return Err(IdError::NotANumber);
    }
    if let Some((whole, fraction)) = id.split_once('.') {
        if is_digits(whole) && is_digits(fraction) {
            return Err(IdError::Fractional);
        }
        return Err(IdError::NotANumber);
    }
    if !is_digits(id) {
        return Err(IdError::NotANumber);
    }
    match id.parse::<i64>() {
        Ok(0) => Err(IdError::NotPositive),
        Ok(id) => Ok(id),
        Err(_) => Err(IdError::OutOfRange),
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Digits with an optional fraction: "-5" and "-1.5" are numbers that are not positive.
fn is_number(s: &str) -> bool {
    match s.split_once('.') {
        Some((whole, fraction)) => is_digits(whole) && is_digits(fraction),
        None => is_digits(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_positive_integers() {
        assert_eq!(parse_greeting_id("1"), Ok(1));
        assert_eq!(parse_greeting_id("007"), Ok(7));
        assert_eq!(parse_greeting_id("9223372036854775807"), Ok(i64::MAX));
        assert_eq!(parse_greeting_id("%31%32"), Ok(12));
    }

    #[test]
    fn names_what_is_wrong() {
        let cases = [
            ("", IdError::Empty),
            ("abc", IdError::NotANumber),
            ("0", IdError::NotPositive),
            ("-1", IdError::NotPositive),
            ("-1.5", IdError::NotPositive),
            ("1.5", IdError::Fractional),
            ("9223372036854775808", IdError::OutOfRange),
            ("%00", IdError::ControlCharacter),
            ("1%0A", IdError::ControlCharacter),
            ("%ff", IdError::NotUtf8),
            ("+1", IdError::NotANumber),
            ("1e3", IdError::NotANumber),
            (" 1", IdError::NotANumber),
            ("1/2", IdError::NotANumber),
        ];
        for (raw, expected) in cases {
            assert_eq!(parse_greeting_id(raw), Err(expected), "input {raw:?}");
        }
    }
}
