//! collectd's plain text protocol: parsing commands and formatting replies.

pub mod error;
pub mod identifier;
pub mod number;
pub mod option;
pub mod tokenize;

pub use error::Error;
pub use identifier::Identifier;
pub use tokenize::{Fields, MAX_LINE, Scratch, split};
