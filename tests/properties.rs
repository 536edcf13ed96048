//! Property tests of the pure request-parsing functions.
use hello_server::{Format, IdError, negotiate, parse_greeting_id};
use proptest::prelude::*;

fn percent_encode_all(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

proptest! {
    #[test]
    fn every_positive_i64_round_trips(n in 1_i64..=i64::MAX) {
        prop_assert_eq!(parse_greeting_id(&n.to_string()), Ok(n));
        prop_assert_eq!(parse_greeting_id(&percent_encode_all(&n.to_string())), Ok(n));
    }

    #[test]
    fn zero_and_negative_are_not_positive(n in i64::MIN..=0) {
        prop_assert_eq!(parse_greeting_id(&n.to_string()), Err(IdError::NotPositive));
    }

    #[test]
    fn beyond_i64_is_out_of_range(extra in 1_u64..=u64::MAX) {
        let n = i64::MAX as u128 + extra as u128;
        prop_assert_eq!(parse_greeting_id(&n.to_string()), Err(IdError::OutOfRange));
    }

    #[test]
    fn arbitrary_input_never_panics_and_accepts_only_digits(raw in any::<String>()) {
        if let Ok(id) = parse_greeting_id(&raw) {
            prop_assert!(id > 0);
            let decoded = percent_encoding::percent_decode_str(&raw).decode_utf8().unwrap();
            prop_assert!(decoded.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn control_characters_are_refused(prefix in "[0-9]{0,5}", c in prop::char::range('\u{0}', '\u{1f}'), suffix in "[0-9]{0,5}") {
        let raw = percent_encode_all(&format!("{prefix}{c}{suffix}"));
        prop_assert_eq!(parse_greeting_id(&raw), Err(IdError::ControlCharacter));
    }

    #[test]
    fn negotiate_never_panics(accept in any::<Option<String>>()) {
        let _ = negotiate(accept.as_deref());
    }

    #[test]
    fn only_explicit_html_or_json_leave_text(accept in "[a-z*/;=., 0-9]{0,60}") {
        prop_assume!(!accept.contains("text/html") && !accept.contains("application/json"));
        prop_assert_eq!(negotiate(Some(&accept)), Format::Text);
    }

    #[test]
    fn the_preferred_of_html_and_json_wins(q_html in 1_u32..=1000, q_json in 1_u32..=1000) {
        prop_assume!(q_html != q_json);
        let accept = format!("text/html;q={}, application/json;q={}, */*;q=0.001", q_html as f32 / 1000.0, q_json as f32 / 1000.0);
        let expected = if q_html > q_json { Format::Html } else { Format::Json };
        prop_assert_eq!(negotiate(Some(&accept)), expected);
    }
}
