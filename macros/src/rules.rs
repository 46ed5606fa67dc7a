//! Netdata's rules for ids and text, mirrored from `collie_core::chart`.

/// Longest id accepted (same as `collie_core::chart::MAX_ID_LEN`).
pub const MAX_ID_LEN: usize = 200;

/// Longest text accepted (same as `collie_core::chart::MAX_TEXT_LEN`).
pub const MAX_TEXT_LEN: usize = 1000;

/// Return why `id` is not a valid chart type, chart id or dimension id.
pub fn id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("must not be empty".into());
    }
    if id.len() > MAX_ID_LEN {
        return Some(format!("is longer than {MAX_ID_LEN} bytes"));
    }
    let bad = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))?;
    Some(format!(
        "contains {bad:?}, which Netdata rejects or rewrites; use only ASCII letters, digits, `_` and `-`"
    ))
}

/// Return why `context` is not a valid context (dot-separated ids).
pub fn context_problem(context: &str) -> Option<String> {
    if context.is_empty() {
        return None;
    }
    if context.len() > MAX_ID_LEN {
        return Some(format!("is longer than {MAX_ID_LEN} bytes"));
    }
    if context.split('.').any(|part| id_problem(part).is_some()) {
        return Some(
            "must be ids separated by single dots, using only ASCII letters, digits, `_` and `-`"
                .into(),
        );
    }
    None
}

/// Return why `name` is not a valid chart label name.
pub fn label_name_problem(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > MAX_ID_LEN {
        return Some(format!("must be 1 to {MAX_ID_LEN} bytes"));
    }
    let bad = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))?;
    Some(format!(
        "contains {bad:?}; use only ASCII letters, digits, `_`, `-` and `.`"
    ))
}

/// Return why `text` cannot be quoted on a plugins.d line.
pub fn text_problem(text: &str) -> Option<String> {
    if text.len() > MAX_TEXT_LEN {
        return Some(format!("is longer than {MAX_TEXT_LEN} bytes"));
    }
    if text.chars().any(|c| c.is_control()) {
        return Some("contains a control character, which would break the line".into());
    }
    if text.contains('\'') && text.contains('"') {
        return Some(
            "contains both ' and \"; Netdata has no escapes inside quotes, so use only one kind"
                .into(),
        );
    }
    if text.ends_with('\\') {
        return Some("ends with a backslash, which would hide the closing quote".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(id_problem("temp_current").is_none());
        assert!(id_problem("a.b").is_some());
        assert!(id_problem("").is_some());
        assert!(context_problem("weather_station.temperature").is_none());
        assert!(context_problem("a..b").is_some());
        assert!(text_problem("it's").is_none());
        assert!(text_problem("it's \"x\"").is_some());
        assert!(label_name_problem("_collect_job").is_none());
    }
}
