//! collie's built-in modules, each a derived collector bound to a source.
//!
//! | module | source | what it charts |
//! |---|---|---|
//! | [`weather`] | simple | a simulated weather station |
//! | [`httpjson`] | url | numbers picked from a JSON document |
//! | [`redis`] | socket | Redis `INFO`: clients, memory, commands, hits |
//! | [`nginxlog`] | log | nginx responses by status class, bytes sent |
//! | [`command`] | command | numbers from `key value` lines of a command |

pub mod charts;
pub mod command;
pub mod httpjson;
pub mod nginxlog;
pub mod redis;
pub mod weather;

use crate::jobs::Registry;

/// Register every built-in module.
pub fn register_all(registry: &mut Registry) {
    registry
        .register::<weather::Station>()
        .register::<httpjson::HttpJson>()
        .register::<redis::Redis>()
        .register::<nginxlog::NginxLog>()
        .register::<command::CommandModule>();
}

/// A registry of the built-in modules.
pub fn builtin() -> Registry {
    let mut r = Registry::new();
    register_all(&mut r);
    r
}
