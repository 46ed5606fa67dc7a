//! The `network` section: collectd's binary protocol over UDP, received and sent.

use std::fmt;
use std::path::PathBuf;

use collie_core::network::{DEFAULT_PACKET_SIZE, SecurityLevel};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

/// Receive buffer asked of the kernel for each listening socket by default, in bytes.
pub const DEFAULT_RECEIVE_BUFFER: usize = 4 << 20;

/// UDP addresses to receive on, upstreams to send to, and whether received values go on.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
    /// Addresses to receive collectd's binary protocol on.
    pub listen: Vec<ListenConfig>,
    /// Upstreams that every stored value is sent to.
    pub servers: Vec<ServerConfig>,
    /// Also send values received from `listen` (collectd's `Forward`).
    pub forward: bool,
}

/// One UDP address to receive on.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, try_from = "RawListen")]
pub struct ListenConfig {
    /// `host:port`, or `[v6]:port`.
    pub address: String,
    /// Which packets are taken: none, sign or encrypt.
    #[serde(serialize_with = "show_level")]
    pub security_level: SecurityLevel,
    /// `user: password` lines; needed for sign and encrypt.
    pub auth_file: Option<PathBuf>,
    /// Bytes of receive buffer to ask the kernel for.
    pub receive_buffer: usize,
}

/// One upstream to send to.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, try_from = "RawServer")]
pub struct ServerConfig {
    /// `host:port`, or `[v6]:port`.
    pub address: String,
    /// How packets are protected: none, sign or encrypt.
    #[serde(serialize_with = "show_level")]
    pub security_level: SecurityLevel,
    /// The user to sign or encrypt as.
    pub username: Option<String>,
    /// That user's password.
    pub password: Option<String>,
    /// Largest packet to send, in bytes (collectd's `MaxPacketSize`).
    pub max_packet_size: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawListen {
    #[serde(deserialize_with = "address")]
    address: String,
    #[serde(default, deserialize_with = "level")]
    security_level: SecurityLevel,
    #[serde(default)]
    auth_file: Option<PathBuf>,
    #[serde(default = "default_receive_buffer", deserialize_with = "buffer")]
    receive_buffer: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    #[serde(deserialize_with = "address")]
    address: String,
    #[serde(default, deserialize_with = "level")]
    security_level: SecurityLevel,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default = "default_packet_size", deserialize_with = "packet_size")]
    max_packet_size: usize,
}

impl TryFrom<RawListen> for ListenConfig {
    type Error = String;
    fn try_from(r: RawListen) -> Result<Self, String> {
        if r.security_level != SecurityLevel::None && r.auth_file.is_none() {
            return Err(format!(
                "security_level {} needs an auth_file",
                r.security_level.as_str()
            ));
        }
        Ok(ListenConfig {
            address: r.address,
            security_level: r.security_level,
            auth_file: r.auth_file,
            receive_buffer: r.receive_buffer,
        })
    }
}

impl TryFrom<RawServer> for ServerConfig {
    type Error = String;
    fn try_from(r: RawServer) -> Result<Self, String> {
        let secured = r.security_level != SecurityLevel::None;
        if secured && (r.username.as_deref().is_none_or(str::is_empty) || r.password.is_none()) {
            return Err(format!(
                "security_level {} needs a username and a password",
                r.security_level.as_str()
            ));
        }
        Ok(ServerConfig {
            address: r.address,
            security_level: r.security_level,
            username: r.username,
            password: r.password,
            max_packet_size: r.max_packet_size,
        })
    }
}

fn default_receive_buffer() -> usize {
    DEFAULT_RECEIVE_BUFFER
}

fn default_packet_size() -> usize {
    DEFAULT_PACKET_SIZE
}

fn show_level<S: Serializer>(level: &SecurityLevel, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(level.as_str())
}

/// A value of a string-keyed choice, with the accepted names in the error.
struct Choice;

impl de::Visitor<'_> for Choice {
    type Value = SecurityLevel;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("one of none, sign, encrypt")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<SecurityLevel, E> {
        [
            SecurityLevel::None,
            SecurityLevel::Sign,
            SecurityLevel::Encrypt,
        ]
        .into_iter()
        .find(|l| l.as_str().eq_ignore_ascii_case(v))
        .ok_or_else(|| {
            E::custom(format!(
                "unknown security_level `{v}`; use none, sign or encrypt"
            ))
        })
    }
}

fn level<'de, D: Deserializer<'de>>(d: D) -> Result<SecurityLevel, D::Error> {
    d.deserialize_str(Choice)
}

/// A `host:port` string, checked for its shape (the name is resolved at start).
struct Address;

impl de::Visitor<'_> for Address {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an address as host:port or [v6]:port")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        if v.parse::<std::net::SocketAddr>().is_ok() {
            return Ok(v.to_owned());
        }
        match v.rsplit_once(':') {
            Some((host, port))
                if !host.is_empty() && !host.contains(':') && port.parse::<u16>().is_ok() =>
            {
                Ok(v.to_owned())
            }
            _ => Err(E::custom(format!(
                "`{v}` is not an address: use host:port, such as 127.0.0.1:25826 or [::1]:25826"
            ))),
        }
    }
}

pub(super) fn address<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_str(Address)
}

fn whole_in<'de, D: Deserializer<'de>>(d: D, min: u64, max: u64) -> Result<usize, D::Error> {
    let n = u64::deserialize(d)?;
    if n < min || n > max {
        return Err(de::Error::custom(format!(
            "{n} is out of range: use {min} to {max}"
        )));
    }
    usize::try_from(n).map_err(de::Error::custom)
}

fn buffer<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    whole_in(d, 4096, 1 << 30)
}

fn packet_size<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    // collectd takes 1024 to 65535; the upper end is what UDP carries.
    whole_in(d, 1024, 65507)
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn err(text: &str) -> String {
        Config::parse(text, "c.yaml").unwrap_err().to_string()
    }

    #[test]
    fn the_documented_shape_parses() {
        let c = Config::parse(
            "network:\n  listen:\n    - address: \"127.0.0.1:25826\"\n      security_level: none\n      auth_file: /etc/collie/passwd\n  servers:\n    - address: \"[::1]:25827\"\n      security_level: encrypt\n      username: collie\n      password: secret\n  forward: true\n",
            "c.yaml",
        )
        .unwrap();
        let n = &c.network;
        assert_eq!(n.listen[0].address, "127.0.0.1:25826");
        assert_eq!(n.listen[0].receive_buffer, super::DEFAULT_RECEIVE_BUFFER);
        assert_eq!(n.servers[0].security_level.as_str(), "encrypt");
        assert_eq!(n.servers[0].max_packet_size, 1452);
        assert!(n.forward);
        assert!(Config::default().network.listen.is_empty());
    }

    #[test]
    fn mistakes_have_a_place() {
        let e = err(
            "network:\n  listen:\n    - address: \"127.0.0.1:25826\"\n      security_levle: sign\n",
        );
        assert!(e.starts_with("c.yaml:4:7: "), "{e}");
        assert!(e.contains("did you mean `security_level`"), "{e}");
        let e = err(
            "network:\n  listen:\n    - address: \"127.0.0.1:25826\"\n      security_level: signed\n",
        );
        assert!(e.starts_with("c.yaml:4:23: "), "{e}");
        assert!(e.contains("use none, sign or encrypt"), "{e}");
        let e = err("network:\n  servers:\n    - address: \"localhost\"\n");
        assert!(e.starts_with("c.yaml:3:16: "), "{e}");
        assert!(e.contains("is not an address"), "{e}");
        let e = err(
            "network:\n  listen:\n    - address: \"127.0.0.1:1\"\n      security_level: sign\n",
        );
        assert_eq!(
            e,
            "c.yaml:3:5: network.listen: security_level sign needs an auth_file"
        );
        let e = err(
            "network:\n  servers:\n    - address: \"127.0.0.1:1\"\n      security_level: encrypt\n      username: u\n",
        );
        assert!(e.contains("needs a username and a password"), "{e}");
        let e = err(
            "network:\n  servers:\n    - address: \"127.0.0.1:1\"\n      max_packet_size: 100\n",
        );
        assert!(e.contains("use 1024 to 65507"), "{e}");
    }
}
