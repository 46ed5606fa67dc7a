//! collectd's auth files: one `user: password` per line.
//!
//! Blank lines and lines starting with `#` are skipped; the user and the
//! password are trimmed of spaces and tabs.

/// Iterate the entries of an auth file's text as `(line number, user, password)`.
///
/// A line with no `:`, or with an empty user, is `Err(line number)`.
pub fn entries(text: &[u8]) -> impl Iterator<Item = Result<(usize, &[u8], &[u8]), usize>> {
    text.split(|&b| b == b'\n')
        .enumerate()
        .filter_map(|(i, line)| {
            let line = trim(line);
            if line.is_empty() || line.starts_with(b"#") {
                return None;
            }
            let number = i + 1;
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                return Some(Err(number));
            };
            let (user, password) = (trim(&line[..colon]), trim(&line[colon + 1..]));
            Some(if user.is_empty() {
                Err(number)
            } else {
                Ok((number, user, password))
            })
        })
}

/// Return the password of `user` in an auth file's text; the last entry wins.
pub fn password<'a>(text: &'a [u8], user: &[u8]) -> Option<&'a [u8]> {
    entries(text)
        .flatten()
        .filter(|(_, u, _)| *u == user)
        .last()
        .map(|(_, _, p)| p)
}

fn trim(s: &[u8]) -> &[u8] {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r');
    let start = s.iter().position(|b| !space(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !space(b)).map_or(start, |e| e + 1);
    &s[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_users_and_passwords() {
        let text = b"# users\nalice: s3cret\n\n  bob :  two words \r\nbroken line\n: nobody\nalice:again\n";
        let all: std::vec::Vec<_> = entries(text).collect();
        assert_eq!(all[0], Ok((2, &b"alice"[..], &b"s3cret"[..])));
        assert_eq!(all[1], Ok((4, &b"bob"[..], &b"two words"[..])));
        assert_eq!(all[2], Err(5));
        assert_eq!(all[3], Err(6));
        assert_eq!(password(text, b"alice"), Some(&b"again"[..]));
        assert_eq!(password(text, b"bob"), Some(&b"two words"[..]));
        assert_eq!(password(text, b"carol"), None);
    }
}
