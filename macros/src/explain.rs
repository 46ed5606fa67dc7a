//! Word collie-core's verdicts on ids and text as the derive's messages.
//!
//! Whether a value is valid is decided by `collie_core::chart` alone, so the
//! derive accepts exactly what `Chart::validate` accepts. This module only
//! words a refusal and, to point at the offending character, asks core
//! about each character on its own.

use collie_core::chart::{self, MAX_ID_LEN, MAX_TEXT_LEN};
use collie_core::netdata::{Error, Field, Problem};

/// What to say about an id's characters when core refuses one.
const ID_CHARS: &str =
    "which Netdata rejects or rewrites; use only ASCII letters, digits, `_` and `-`";

/// Return why `id` is not a valid chart type, chart id or dimension id.
///
/// `field` is `Field::Type`, `Field::ChartId` or `Field::DimensionId`.
pub fn id(id: &str, field: Field) -> Result<(), String> {
    let check = |s: &str| match field {
        Field::Type => chart::check_type(s),
        _ => chart::check_id(s, field),
    };
    check(id).map_err(|err| match err {
        Error::Invalid(_, Problem::Empty) => "must not be empty".into(),
        Error::Invalid(_, Problem::TooLong) => format!("is longer than {MAX_ID_LEN} bytes"),
        Error::Invalid(_, Problem::BadChar) => match first_refused(id, |s| check(s).is_ok()) {
            Some(c) => format!("contains {c:?}, {ID_CHARS}"),
            None => problem(err),
        },
        _ => problem(err),
    })
}

/// Return why `context` is not a valid context (empty, or ids separated by dots).
pub fn context(context: &str) -> Result<(), String> {
    chart::check_context(context).map_err(|err| match err {
        Error::Invalid(_, Problem::TooLong) => format!("is longer than {MAX_ID_LEN} bytes"),
        Error::Invalid(_, Problem::BadChar) => {
            "must be ids separated by single dots, using only ASCII letters, digits, `_` and `-`"
                .into()
        }
        _ => problem(err),
    })
}

/// Return why `name` is not a valid chart label name.
pub fn label_name(name: &str) -> Result<(), String> {
    chart::check_label_name(name).map_err(|err| match err {
        Error::Invalid(_, Problem::Empty | Problem::TooLong) => {
            format!("must be 1 to {MAX_ID_LEN} bytes")
        }
        Error::Invalid(_, Problem::BadChar) => {
            match first_refused(name, |s| chart::check_label_name(s).is_ok()) {
                Some(c) => {
                    format!("contains {c:?}; use only ASCII letters, digits, `_`, `-` and `.`")
                }
                None => problem(err),
            }
        }
        _ => problem(err),
    })
}

/// Return why `text` cannot be quoted on a plugins.d line as `field`.
pub fn text(text: &str, field: Field) -> Result<(), String> {
    chart::check_text(text, field).map_err(|err| match err {
        Error::Invalid(_, Problem::TooLong) => format!("is longer than {MAX_TEXT_LEN} bytes"),
        Error::Invalid(_, Problem::BothQuotes) => {
            "contains both ' and \"; Netdata has no escapes inside quotes, so use only one kind"
                .into()
        }
        // Core refuses a character, or a trailing backslash, which is also
        // refused on its own and so is skipped when looking for the character.
        Error::Invalid(_, Problem::BadChar) => {
            let refused = |s: &str| s != "\\" && chart::check_text(s, field).is_err();
            if text.chars().any(|c| refused(c.encode_utf8(&mut [0; 4]))) {
                "contains a control character, which would break the line".into()
            } else if text.ends_with('\\') {
                "ends with a backslash, which would hide the closing quote".into()
            } else {
                problem(err)
            }
        }
        _ => problem(err),
    })
}

/// Return the first character of `s` that `accepts` refuses on its own.
fn first_refused(s: &str, accepts: impl Fn(&str) -> bool) -> Option<char> {
    s.chars().find(|c| !accepts(c.encode_utf8(&mut [0; 4])))
}

/// Return core's own wording of a problem, for the cases worded nowhere else.
fn problem(err: Error) -> String {
    match err {
        Error::Invalid(_, problem) => problem.as_str().into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts around the edges of core's rules.
    const SAMPLES: &[&str] = &[
        "",
        "temp_current",
        "a.b",
        "a b",
        "a-b_C9",
        "it's",
        "it's \"x\"",
        "tab\there",
        "new\nline",
        "del\u{7f}",
        "nel\u{85}",
        "bidi\u{202e}",
        "naïve",
        "back\\",
        "back\\slash",
        "\\",
        "ctl\u{1}\\",
        "weather_station.temperature",
        "a..b",
        ".a",
        "_collect_job",
        "k8s.namespace",
    ];

    #[test]
    fn verdicts_are_cores() {
        let long_id = "a".repeat(MAX_ID_LEN + 1);
        let long_text = "a".repeat(MAX_TEXT_LEN + 1);
        let mut samples: Vec<&str> = SAMPLES.to_vec();
        samples.extend([long_id.as_str(), long_text.as_str()]);
        for s in samples {
            assert_eq!(
                id(s, Field::Type).is_ok(),
                chart::check_type(s).is_ok(),
                "{s:?}"
            );
            for f in [Field::ChartId, Field::DimensionId] {
                assert_eq!(id(s, f).is_ok(), chart::check_id(s, f).is_ok(), "{s:?}");
            }
            assert_eq!(context(s).is_ok(), chart::check_context(s).is_ok(), "{s:?}");
            assert_eq!(
                label_name(s).is_ok(),
                chart::check_label_name(s).is_ok(),
                "{s:?}"
            );
            for f in [Field::ChartName, Field::Title, Field::DimensionName] {
                assert_eq!(text(s, f).is_ok(), chart::check_text(s, f).is_ok(), "{s:?}");
            }
        }
    }

    #[test]
    fn messages_name_the_problem() {
        assert_eq!(id("", Field::ChartId).unwrap_err(), "must not be empty");
        assert_eq!(
            id("temp.current", Field::ChartId).unwrap_err(),
            format!("contains '.', {ID_CHARS}")
        );
        assert_eq!(
            id("naïve", Field::DimensionId).unwrap_err(),
            format!("contains 'ï', {ID_CHARS}")
        );
        assert_eq!(
            id(&"a".repeat(MAX_ID_LEN + 1), Field::Type).unwrap_err(),
            "is longer than 200 bytes"
        );
        assert!(context("a..b").unwrap_err().starts_with("must be ids"));
        assert_eq!(
            label_name("a:b").unwrap_err(),
            "contains ':'; use only ASCII letters, digits, `_`, `-` and `.`"
        );
        assert_eq!(label_name("").unwrap_err(), "must be 1 to 200 bytes");
        assert!(
            text("a\u{1}b", Field::Title)
                .unwrap_err()
                .contains("control character")
        );
        assert!(
            text("ctl\u{1}\\", Field::Title)
                .unwrap_err()
                .contains("control character")
        );
        assert!(
            text("back\\", Field::Title)
                .unwrap_err()
                .contains("backslash")
        );
        assert!(text("\\", Field::Title).unwrap_err().contains("backslash"));
        assert!(
            text("it's \"x\"", Field::Title)
                .unwrap_err()
                .contains("both ' and \"")
        );
    }

    #[test]
    fn control_characters_are_bytes_below_space_and_del() {
        for c in ['\0', '\t', '\n', '\r', '\u{1f}', '\u{7f}'] {
            assert!(text(&format!("a{c}b"), Field::ChartName).is_err(), "{c:?}");
        }
        // `char::is_control` calls these control characters; core does not,
        // and the derive follows core.
        for c in ['\u{80}', '\u{85}', '\u{9f}'] {
            assert!(c.is_control());
            assert_eq!(text(&format!("a{c}b"), Field::ChartName), Ok(()), "{c:?}");
        }
    }
}
