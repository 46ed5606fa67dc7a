//! collectd's plain text protocol: parsing commands and formatting replies.

pub mod command;
pub mod error;
pub mod flush;
pub mod getval;
pub mod identifier;
pub mod number;
pub mod option;
pub mod putnotif;
pub mod putval;
pub mod tokenize;
pub mod values;

#[cfg(test)]
mod tests;

pub use command::{Command, parse};
pub use error::Error;
pub use flush::Flush;
pub use getval::Getval;
pub use identifier::Identifier;
pub use putnotif::{Putnotif, Severity};
pub use putval::Putval;
pub use tokenize::{Fields, MAX_LINE, Scratch, split};
pub use values::{ValueList, Values};
