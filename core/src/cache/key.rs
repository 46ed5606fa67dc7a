//! Reading the parts of a normalised cache key (`host/plugin[-pi]/type[-ti]`).
//!
//! Keys are what [`Identifier::write_key`](crate::protocol::Identifier::write_key)
//! writes: slashes inside parts are already escaped, so the first two `/`
//! split the key and the first `-` of a part starts its instance.

/// Return the host part of `key`: everything before the first `/`.
pub fn host(key: &[u8]) -> &[u8] {
    parts(key).0
}

/// Return the plugin name of `key`, without its instance.
pub fn plugin(key: &[u8]) -> &[u8] {
    let part = parts(key).1;
    until(part, b'-')
}

/// Return the type name of `key`, without its instance.
pub fn type_(key: &[u8]) -> &[u8] {
    let part = parts(key).2;
    until(part, b'-')
}

fn parts(key: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let (host, rest) = split(key, b'/');
    let (plugin, type_) = split(rest, b'/');
    (host, plugin, type_)
}

fn split(s: &[u8], sep: u8) -> (&[u8], &[u8]) {
    match s.iter().position(|&b| b == sep) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, &[]),
    }
}

fn until(s: &[u8], sep: u8) -> &[u8] {
    split(s, sep).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_keys() {
        let key = b"my-host/cpu-0/cpu-idle";
        assert_eq!(host(key), b"my-host");
        assert_eq!(plugin(key), b"cpu");
        assert_eq!(type_(key), b"cpu");
        let key = b"h/load/load";
        assert_eq!(
            (host(key), plugin(key), type_(key)),
            (&b"h"[..], &b"load"[..], &b"load"[..])
        );
        assert_eq!(plugin(b"h//gauge"), b"");
        assert_eq!(plugin(b"junk"), b"");
        assert_eq!(type_(b"h/p"), b"");
    }
}
