//! `redis`: Redis `INFO` over TCP or a Unix socket.

use serde::{Deserialize, Serialize};

use crate::jobs::{JobInfo, Module, SourceConfig};
use crate::source::{BoxError, Socket};

/// Job keys of the redis module (besides the socket source's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    /// Sent with `AUTH` before `INFO` when set.
    pub password: Option<String>,
}

/// What Redis reports in `INFO`.
// Clippy mistakes charts sharing `units`/`family` for duplicated attributes
// (rust-clippy#12923).
#[allow(clippy::duplicated_attributes)]
#[derive(collie_macros::Collector, Debug, Default)]
#[collector(crate = collie_core, type = "redis", priority = 60000)]
#[chart(
    id = "operations",
    title = "Processed commands",
    units = "commands/s",
    family = "commands",
    context = "redis.operations"
)]
#[chart(
    id = "hit_rate",
    title = "Keyspace lookups",
    units = "lookups/s",
    family = "keyspace",
    context = "redis.keyspace_lookups",
    chart_type = "stacked"
)]
#[chart(
    id = "memory",
    title = "Memory usage",
    units = "MiB",
    family = "memory",
    context = "redis.memory"
)]
#[chart(
    id = "net",
    title = "Bandwidth",
    units = "kilobits/s",
    family = "network",
    context = "redis.net",
    chart_type = "area"
)]
#[chart(
    id = "keys",
    title = "Keys in all databases",
    units = "keys",
    family = "keyspace",
    context = "redis.keys"
)]
#[chart(
    id = "clients",
    title = "Clients",
    units = "clients",
    family = "connections",
    context = "redis.clients"
)]
#[chart(
    id = "connections",
    title = "Accepted and rejected (maxclients limit) connections",
    units = "connections/s",
    family = "connections",
    context = "redis.connections"
)]
pub struct Redis {
    #[dim(
        chart = "operations",
        id = "total_commands_processed",
        name = "processed",
        algorithm = "incremental"
    )]
    commands: Option<u64>,
    #[dim(
        chart = "hit_rate",
        id = "keyspace_hits",
        name = "hits",
        algorithm = "incremental"
    )]
    hits: Option<u64>,
    #[dim(
        chart = "hit_rate",
        id = "keyspace_misses",
        name = "misses",
        algorithm = "incremental"
    )]
    misses: Option<u64>,
    #[dim(chart = "memory", id = "used_memory", name = "used", divisor = 1048576)]
    used_memory: Option<u64>,
    #[dim(
        chart = "net",
        id = "total_net_input_bytes",
        name = "received",
        algorithm = "incremental",
        multiplier = 8,
        divisor = 1000
    )]
    net_in: Option<u64>,
    #[dim(chart = "net", id = "total_net_output_bytes", name = "sent", algorithm = "incremental", multiplier = -8, divisor = 1000)]
    net_out: Option<u64>,
    #[dim(chart = "keys", id = "keys")]
    keys: Option<u64>,
    #[dim(chart = "keys", id = "expires")]
    expires: Option<u64>,
    #[dim(chart = "clients", id = "connected_clients", name = "connected")]
    connected_clients: Option<u64>,
    #[dim(chart = "clients", id = "blocked_clients", name = "blocked")]
    blocked_clients: Option<u64>,
    #[dim(
        chart = "connections",
        id = "total_connections_received",
        name = "accepted",
        algorithm = "incremental"
    )]
    connections_received: Option<u64>,
    #[dim(
        chart = "connections",
        id = "rejected_connections",
        name = "rejected",
        algorithm = "incremental"
    )]
    connections_rejected: Option<u64>,
}

/// Encode a command as a RESP array of bulk strings.
fn resp(words: &[&str]) -> String {
    let mut s = format!("*{}\r\n", words.len());
    for w in words {
        s.push_str(&format!("${}\r\n{w}\r\n", w.len()));
    }
    s
}

/// Return whether `buf` holds whole replies up to an error or a bulk string (the `INFO` reply).
pub fn complete(buf: &[u8]) -> bool {
    let mut rest = buf;
    loop {
        let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
            return false;
        };
        match rest[0] {
            // `+OK` of AUTH: the INFO reply follows.
            b'+' => rest = &rest[eol + 2..],
            b'$' => {
                let Some(len) = std::str::from_utf8(&rest[1..eol])
                    .ok()
                    .and_then(|l| l.parse::<i64>().ok())
                else {
                    return true;
                };
                let Ok(len) = usize::try_from(len) else {
                    return true;
                };
                return rest.len() >= eol + 2 + len + 2;
            }
            _ => return true,
        }
        if rest.is_empty() {
            return false;
        }
    }
}

impl Redis {
    /// Parse an `INFO` reply's payload.
    pub fn parse_info(&mut self, info: &str) {
        *self = Redis::default();
        let (mut keys, mut expires) = (None::<u64>, None::<u64>);
        for line in info.lines() {
            let Some((k, v)) = line.trim_end().split_once(':') else {
                continue;
            };
            let n = || v.parse::<u64>().ok();
            match k {
                "total_commands_processed" => self.commands = n(),
                "keyspace_hits" => self.hits = n(),
                "keyspace_misses" => self.misses = n(),
                "used_memory" => self.used_memory = n(),
                "total_net_input_bytes" => self.net_in = n(),
                "total_net_output_bytes" => self.net_out = n(),
                "connected_clients" => self.connected_clients = n(),
                "blocked_clients" => self.blocked_clients = n(),
                "total_connections_received" => self.connections_received = n(),
                "rejected_connections" => self.connections_rejected = n(),
                db if db.starts_with("db") && db[2..].bytes().all(|b| b.is_ascii_digit()) => {
                    for field in v.split(',') {
                        match field.split_once('=') {
                            Some(("keys", n)) => {
                                *keys.get_or_insert(0) += n.parse::<u64>().unwrap_or(0);
                            }
                            Some(("expires", n)) => {
                                *expires.get_or_insert(0) += n.parse::<u64>().unwrap_or(0);
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        // An empty keyspace section still means zero keys.
        if info.contains("# Keyspace") {
            self.keys = Some(keys.unwrap_or(0));
            self.expires = Some(expires.unwrap_or(0));
        }
    }
}

impl Module for Redis {
    const NAME: &'static str = "redis";
    type Source = Socket;
    type Config = RedisConfig;

    fn source_defaults() -> SourceConfig<Self> {
        SourceConfig::<Self> {
            port: Some(6379),
            ..Default::default()
        }
    }

    fn finish_source(source: &mut SourceConfig<Self>, config: &RedisConfig) {
        if source.request.is_empty() {
            source.request = match &config.password {
                Some(p) => resp(&["AUTH", p]) + &resp(&["INFO"]),
                None => resp(&["INFO"]),
            };
        }
        source.complete = Some(complete);
    }

    fn new(_: &RedisConfig, _: &JobInfo) -> Result<Self, BoxError> {
        Ok(Redis::default())
    }

    fn collect(&mut self, reply: Vec<u8>) -> Result<(), BoxError> {
        let text = String::from_utf8_lossy(&reply);
        let mut rest: &str = &text;
        while let Some(after) = rest.strip_prefix('+') {
            rest = after.split_once("\r\n").map_or("", |(_, r)| r);
        }
        if let Some(err) = rest.strip_prefix('-') {
            return Err(format!("redis answered: {}", err.trim_end()).into());
        }
        let Some(payload) = rest
            .strip_prefix('$')
            .and_then(|r| r.split_once("\r\n"))
            .map(|(_, p)| p)
        else {
            return Err(format!(
                "not a redis INFO reply: {:?}",
                rest.chars().take(40).collect::<String>()
            )
            .into());
        };
        self.parse_info(payload);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use collie_core::chart::Collector as _;

    #[test]
    fn completeness() {
        assert!(!complete(b""));
        assert!(!complete(b"$10\r\nabc"));
        assert!(complete(b"$3\r\nabc\r\n"));
        assert!(!complete(b"+OK\r\n"));
        assert!(!complete(b"+OK\r\n$3\r\nab"));
        assert!(complete(b"+OK\r\n$3\r\nabc\r\n"));
        assert!(complete(b"-NOAUTH Authentication required.\r\n"));
    }

    #[test]
    fn charts_read_like_go_d_s_redis() {
        let shown: Vec<(&str, &str, &str, &str)> = Redis::CHARTS
            .iter()
            .map(|c| (c.id, c.title, c.units, c.family))
            .collect();
        assert_eq!(
            shown,
            [
                ("operations", "Processed commands", "commands/s", "commands"),
                ("hit_rate", "Keyspace lookups", "lookups/s", "keyspace"),
                ("memory", "Memory usage", "MiB", "memory"),
                ("net", "Bandwidth", "kilobits/s", "network"),
                ("keys", "Keys in all databases", "keys", "keyspace"),
                ("clients", "Clients", "clients", "connections"),
                (
                    "connections",
                    "Accepted and rejected (maxclients limit) connections",
                    "connections/s",
                    "connections"
                ),
            ]
        );
    }

    #[test]
    fn parses_info() {
        let mut r = Redis::default();
        r.collect(b"$120\r\n# Clients\r\nconnected_clients:3\r\nblocked_clients:0\r\n# Keyspace\r\ndb0:keys=5,expires=1,avg_ttl=0\r\ndb2:keys=2,expires=0,avg_ttl=0\r\n\r\n".to_vec())
            .unwrap();
        let clients = Redis::CHARTS
            .iter()
            .position(|c| c.id == "clients")
            .unwrap();
        let keys = Redis::CHARTS.iter().position(|c| c.id == "keys").unwrap();
        assert_eq!(r.value(clients, 0), Some(3));
        assert_eq!(r.value(keys, 0), Some(7));
        assert_eq!(r.value(keys, 1), Some(1));
        assert!(
            r.collect(b"-NOAUTH Authentication required.\r\n".to_vec())
                .is_err()
        );
    }
}
