//! FLUSH: `FLUSH [timeout=<seconds>] [plugin=<name>]… [identifier=<id>]…`.

use super::error::Error;
use super::identifier::Identifier;
use super::number::strtod;
use super::option::split_option;
use super::tokenize::Fields;

/// A validated FLUSH: every argument is a known, well-formed option.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flush<'a> {
    args: Fields<'a>,
    timeout: f64,
}

impl<'a> Flush<'a> {
    /// Parse and validate the arguments after the `FLUSH` word.
    pub(crate) fn parse(args: Fields<'a>) -> Result<Self, Error<'a>> {
        let mut timeout = 0.0;
        for field in args {
            let (key, value) = split_option(field).ok_or(Error::InvalidOptionString(field))?;
            if key.eq_ignore_ascii_case(b"plugin") {
                // Any name is accepted, as collectd does.
            } else if key.eq_ignore_ascii_case(b"identifier") {
                if Identifier::parse(value).is_none() {
                    // collectd has cut the value at its first `/` by the time it complains.
                    let cut = value.split(|&b| b == b'/').next().unwrap_or(value);
                    return Err(Error::InvalidIdentifier(cut));
                }
            } else if key.eq_ignore_ascii_case(b"timeout") {
                // collectd reads a strtod prefix and ignores what follows it.
                let (secs, _) = strtod(value)
                    .filter(|(s, _)| s.is_finite())
                    .ok_or(Error::InvalidTimeout(value))?;
                timeout = if secs < 0.0 { 0.0 } else { secs };
            } else {
                return Err(Error::CannotParseOption(key));
            }
        }
        Ok(Flush { args, timeout })
    }

    /// Return the timeout in seconds: the last `timeout=` given, negative as zero, else zero.
    pub fn timeout_secs(&self) -> f64 {
        self.timeout
    }

    /// Iterate the `plugin=` values in order.
    pub fn plugins(&self) -> OptionValues<'a> {
        OptionValues {
            args: self.args,
            key: b"plugin",
        }
    }

    /// Iterate the `identifier=` values in order, parsed.
    pub fn identifiers(&self) -> Identifiers<'a> {
        Identifiers {
            values: OptionValues {
                args: self.args,
                key: b"identifier",
            },
        }
    }

    /// Return how many flushes to run: one per (plugin, identifier) pair, with "all" standing in for a missing list.
    ///
    /// This is the `successful` count of the `0 Done` reply when every flush succeeds.
    pub fn flush_count(&self) -> usize {
        self.plugins().count().max(1) * self.identifiers().count().max(1)
    }
}

/// An iterator over the values of one option key (matched ignoring case).
#[derive(Debug, Clone)]
pub struct OptionValues<'a> {
    args: Fields<'a>,
    key: &'static [u8],
}

impl<'a> Iterator for OptionValues<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let key = self.key;
        self.args.find_map(|f| {
            split_option(f)
                .filter(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
    }
}

/// An iterator over the `identifier=` values of a [`Flush`].
#[derive(Debug, Clone)]
pub struct Identifiers<'a> {
    values: OptionValues<'a>,
}

impl<'a> Iterator for Identifiers<'a> {
    type Item = Identifier<'a>;

    fn next(&mut self) -> Option<Identifier<'a>> {
        // Every value was checked when the command was parsed.
        self.values.find_map(Identifier::parse)
    }
}
