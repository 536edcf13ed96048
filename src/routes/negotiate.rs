//! Content negotiation for the greeting: HTML for browsers, JSON when asked for, text otherwise.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Json,
    Text,
}

/// Picks the format from an `Accept` header. HTML and JSON are chosen only when named
/// explicitly (`text/html`, `application/json`); wildcards such as curl's `*/*` give text.
/// The highest quality wins; on a tie the explicitly named type wins over a wildcard.
pub fn negotiate(accept: Option<&str>) -> Format {
    let Some(accept) = accept else {
        return Format::Text;
    };
    let mut best = (Format::Text, 0.0_f32, 0_u8);
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts.filter_map(parse_quality).next().unwrap_or(1.0);
        let (format, specificity) = match media.as_str() {
            "text/html" => (Format::Html, 2),
            "application/json" => (Format::Json, 2),
            "text/plain" => (Format::Text, 2),
            "text/*" | "*/*" => (Format::Text, 1),
            _ => continue,
        };
        if quality > 0.0 && (quality > best.1 || (quality == best.1 && specificity > best.2)) {
            best = (format, quality, specificity);
        }
    }
    best.0
}

fn parse_quality(param: &str) -> Option<f32> {
    let (name, value) = param.split_once('=')?;
    if !name.trim().eq_ignore_ascii_case("q") {
        return None;
    }
    let q: f32 = value.trim().parse().ok()?;
    (0.0..=1.0).contains(&q).then_some(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_get_html() {
        let firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(negotiate(Some(firefox)), Format::Html);
    }

    #[test]
    fn cases() {
        let cases = [
            (None, Format::Text),
            (Some("*/*"), Format::Text),
            (Some(""), Format::Text),
            (Some("application/json"), Format::Json),
            (Some("APPLICATION/JSON; charset=utf-8"), Format::Json),
            (Some("text/plain, application/json;q=0.5"), Format::Text),
            (
                Some("application/json;q=0.5, text/html;q=0.9"),
                Format::Html,
            ),
            (Some("text/html;q=0"), Format::Text),
            (Some("image/png"), Format::Text),
            (Some("*/*;q=0.5, application/json;q=0.5"), Format::Json),
            (Some(";;;,,q=x"), Format::Text),
        ];
        for (accept, expected) in cases {
            assert_eq!(negotiate(accept), expected, "Accept: {accept:?}");
        }
    }
}
