//! collectd's plain text protocol: parsing commands and formatting replies.

pub mod identifier;

pub use identifier::Identifier;
