//! Value identifiers: `host/plugin[-instance]/type[-instance]`.

use crate::sink::{Sink, SinkFull};

use super::scan::find_byte;

/// Components are shorter than this many bytes (collectd's `DATA_MAX_NAME_LEN`).
pub const MAX_PART_LEN: usize = 128;

/// A borrowed view of an identifier, split as collectd splits it.
///
/// The host ends at the first `/` and the plugin part at the second; all
/// that follows is the type part, which may itself hold `/`. Each instance
/// starts at the first `-` of its part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identifier<'a> {
    /// The whole identifier as given (after unquoting).
    pub raw: &'a [u8],
    /// The host name.
    pub host: &'a [u8],
    /// The plugin name.
    pub plugin: &'a [u8],
    /// The plugin instance; empty when absent.
    pub plugin_instance: &'a [u8],
    /// The type, which names a data set.
    pub type_: &'a [u8],
    /// The type instance; empty when absent.
    pub type_instance: &'a [u8],
}

impl<'a> Identifier<'a> {
    /// Split `raw` into its parts, or return `None` if it has fewer than two `/`.
    #[inline]
    pub fn parse(raw: &'a [u8]) -> Option<Identifier<'a>> {
        let (host, rest) = split_once(raw, b'/')?;
        let (plugin_part, type_part) = split_once(rest, b'/')?;
        Some(Self::from_parts(raw, host, plugin_part, type_part))
    }

    /// Build an identifier from `raw` cut at its first two `/` into host, plugin part and type part.
    #[inline]
    pub(crate) fn from_parts(
        raw: &'a [u8],
        host: &'a [u8],
        plugin_part: &'a [u8],
        type_part: &'a [u8],
    ) -> Identifier<'a> {
        let (plugin, plugin_instance) = split_instance(plugin_part);
        let (type_, type_instance) = split_instance(type_part);
        Identifier {
            raw,
            host,
            plugin,
            plugin_instance,
            type_,
            type_instance,
        }
    }

    /// Return whether any length-checked part is [`MAX_PART_LEN`] bytes or longer.
    ///
    /// collectd checks the host, plugin and both instances, not the type.
    #[inline]
    pub fn is_too_long(&self) -> bool {
        [
            self.host,
            self.plugin,
            self.plugin_instance,
            self.type_instance,
        ]
        .iter()
        .any(|p| p.len() >= MAX_PART_LEN)
    }

    /// Write the name collectd stores this value under.
    ///
    /// Each part has its `/` escaped as collectd's `escape_slashes` does
    /// (a leading `/` dropped, the rest turned into `_`, a lone `/` into
    /// `root`), and an empty instance drops its `-`.
    pub fn write_key<S: Sink + ?Sized>(&self, out: &mut S) -> Result<(), SinkFull> {
        if self.raw_is_key() {
            return out.put(self.raw);
        }
        put_escaped(out, self.host)?;
        out.put(b"/")?;
        put_escaped(out, self.plugin)?;
        if !self.plugin_instance.is_empty() {
            out.put(b"-")?;
            put_escaped(out, self.plugin_instance)?;
        }
        out.put(b"/")?;
        put_escaped(out, self.type_)?;
        if !self.type_instance.is_empty() {
            out.put(b"-")?;
            put_escaped(out, self.type_instance)?;
        }
        Ok(())
    }
}

impl Identifier<'_> {
    /// Return whether `raw` is already the key: its parts lie in it in order, apart by their `/` and `-`, and none holds a `/`.
    ///
    /// An instance that is empty although its `-` was given (`p-`) is
    /// dropped from the key, and a `/` in the type part is escaped, so
    /// neither is ever the key as written.
    #[inline]
    fn raw_is_key(&self) -> bool {
        let raw = self.raw;
        let offset = |part: &[u8]| (part.as_ptr() as usize).wrapping_sub(raw.as_ptr() as usize);
        // `part` must start at `at`, right after `sep`; return where it ends.
        let follows = |at: usize, sep: u8, part: &[u8]| {
            (raw.get(at) == Some(&sep) && offset(part) == at + 1).then_some(at + 1 + part.len())
        };
        let host = self.host.len();
        if offset(self.host) != 0 {
            return false;
        }
        let Some(mut at) = follows(host, b'/', self.plugin) else {
            return false;
        };
        if !self.plugin_instance.is_empty() {
            let Some(end) = follows(at, b'-', self.plugin_instance) else {
                return false;
            };
            at = end;
        }
        let type_start = at + 1;
        let Some(mut at) = follows(at, b'/', self.type_) else {
            return false;
        };
        if !self.type_instance.is_empty() {
            let Some(end) = follows(at, b'-', self.type_instance) else {
                return false;
            };
            at = end;
        }
        // The separators were checked; no part may hold another `/`.
        at == raw.len()
            && find_byte(raw, b'/') == Some(host)
            && find_byte(raw.get(host + 1..).unwrap_or_default(), b'/')
                == Some(type_start - host - 2)
            && find_byte(raw.get(type_start..).unwrap_or_default(), b'/').is_none()
    }
}

/// Split `s` at the first `sep`, which is dropped.
#[inline]
fn split_once(s: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let i = find_byte(s, sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// Split a plugin or type part at its first `-` into name and instance (empty when there is no `-`).
///
/// Parts are short, so a plain byte loop beats a word-at-a-time search.
#[inline]
fn split_instance(part: &[u8]) -> (&[u8], &[u8]) {
    match part.iter().position(|&b| b == b'-') {
        Some(i) => (
            part.get(..i).unwrap_or_default(),
            part.get(i + 1..).unwrap_or_default(),
        ),
        None => (part, b""),
    }
}

fn put_escaped<S: Sink + ?Sized>(out: &mut S, part: &[u8]) -> Result<(), SinkFull> {
    if part == b"/" {
        return out.put(b"root");
    }
    let part = if part.len() > 1 {
        part.strip_prefix(b"/").unwrap_or(part)
    } else {
        part
    };
    for chunk in part.split_inclusive(|&b| b == b'/') {
        match chunk.split_last() {
            Some((b'/', head)) => {
                out.put(head)?;
                out.put(b"_")?;
            }
            _ => out.put(chunk)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(raw: &str) -> std::string::String {
        let id = Identifier::parse(raw.as_bytes()).unwrap();
        let mut v = std::vec::Vec::new();
        id.write_key(&mut v).unwrap();
        std::string::String::from_utf8(v).unwrap()
    }

    #[test]
    fn splits_like_collectd() {
        let id = Identifier::parse(b"my-host/p-a-b/gauge-c-d").unwrap();
        assert_eq!(id.host, b"my-host");
        assert_eq!(id.plugin, b"p");
        assert_eq!(id.plugin_instance, b"a-b");
        assert_eq!(id.type_, b"gauge");
        assert_eq!(id.type_instance, b"c-d");
        assert!(Identifier::parse(b"magic/MAGIC").is_none());
        assert!(Identifier::parse(b"invalid").is_none());
        let empty = Identifier::parse(b"testhost//gauge").unwrap();
        assert_eq!(empty.plugin, b"");
    }

    #[test]
    fn keys_escape_slashes() {
        assert_eq!(key("h/p/gauge-a/b"), "h/p/gauge-a_b");
        assert_eq!(key("h/p/gauge-/like/a/path"), "h/p/gauge-like_a_path");
        assert_eq!(
            key("h/p/gauge-trailing/slash/"),
            "h/p/gauge-trailing_slash_"
        );
        assert_eq!(key("h/p/gauge-foo//bar"), "h/p/gauge-foo__bar");
        assert_eq!(key("h/p/gauge-/"), "h/p/gauge-root");
        assert_eq!(key("h/p-/gauge"), "h/p/gauge");
    }

    #[test]
    fn a_key_written_whole_equals_one_written_part_by_part() {
        for raw in [
            "h/p/gauge",
            "h/p-i/gauge-t",
            "h/p-/gauge",
            "h/p/gauge-",
            "/p/gauge",
            "h//gauge",
            "h/p-a-b/gauge-c-d",
            "h/p/gauge-a/b",
            "h/p/gauge-/",
            "h/p-i/gauge/x",
            "h/-i/gauge",
        ] {
            let id = Identifier::parse(raw.as_bytes()).unwrap();
            // Without its raw bytes the key is always built part by part.
            let apart = Identifier { raw: b"", ..id };
            assert!(!apart.raw_is_key());
            let (mut whole, mut parts) = (std::vec::Vec::new(), std::vec::Vec::new());
            id.write_key(&mut whole).unwrap();
            apart.write_key(&mut parts).unwrap();
            assert_eq!(whole, parts, "{raw}");
            assert_eq!(id.raw_is_key(), whole == raw.as_bytes(), "{raw}");
        }
        assert!(Identifier::parse(b"h/p-i/gauge-t").unwrap().raw_is_key());
    }

    #[test]
    fn length_limit_is_128() {
        let ok = [b'a'; 127];
        let mut raw = std::vec::Vec::from(&b"h/p/gauge-"[..]);
        raw.extend_from_slice(&ok);
        assert!(!Identifier::parse(&raw).unwrap().is_too_long());
        raw.push(b'a');
        assert!(Identifier::parse(&raw).unwrap().is_too_long());
    }
}
