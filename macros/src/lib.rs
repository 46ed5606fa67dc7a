//! `#[derive(Collector)]` for collie.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

/// Derive `collie_core::chart::Collector` for an annotated struct.
#[proc_macro_derive(Collector, attributes(collector, chart, dim))]
pub fn derive_collector(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
