//! How collectd identifiers become Netdata charts and dimensions.
//!
//! An identifier `host/plugin[-plugin_instance]/type[-type_instance]` maps to:
//!
//! - chart `<plugin>[_<plugin_instance>].<type>`, with `__<host>` appended to
//!   the id when the host is not collied's own host name, so several hosts
//!   sending the same plugin and type get one chart each;
//! - one dimension per type instance and data source: the type instance for
//!   a data set of one source, else `<type_instance>_<source>` (or just the
//!   source name without a type instance); `value` when neither is given;
//! - labels `host`, `plugin`, `plugin_instance`, `type` (the non-empty ones),
//!   context `collectd.<plugin>.<type>`;
//! - title, units and family as Netdata's own chart of the same thing has
//!   them for well-known plugins and types (`load/load` is "System Load
//!   Average" in `load`, `interface-eth0/if_octets` "Bandwidth" in `eth0`,
//!   from the `KNOWN` table); otherwise the type made readable as the title
//!   (`http_requests` → "Http requests"), units by type or data source type,
//!   family `<type>`. Instance and host are not repeated in the title: they
//!   are in the chart id and the labels.
//!
//! Ids keep `[A-Za-z0-9_-]` and turn every other byte into `_`. Two
//! identifiers that sanitise to the same chart or dimension id are kept
//! apart by a `_2`, `_3`, … suffix on the later one (see
//! [`output`](crate::output)).
//!
//! Values: GAUGE is sent ×1000 with divisor 1000 (`absolute`, three
//! decimals, rounded); DERIVE and COUNTER are sent raw with `incremental`,
//! so Netdata computes the rate; ABSOLUTE is sent as the per-second rate
//! collectd computes for it (count ÷ seconds since the previous value), ×1000
//! with divisor 1000.

use collie_core::chart::{Algorithm, MAX_ID_LEN};
use collie_core::value::{DsType, Value};

/// The fixed-point factor of GAUGE and ABSOLUTE values.
pub const SCALE: i64 = 1000;

/// The parts of a cache key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyParts {
    /// The host.
    pub host: String,
    /// The plugin name.
    pub plugin: String,
    /// The plugin instance, possibly empty.
    pub plugin_instance: String,
    /// The type (data set) name.
    pub type_: String,
    /// The type instance, possibly empty.
    pub type_instance: String,
}

impl KeyParts {
    /// Split a normalised key `host/plugin[-pi]/type[-ti]`, as the cache stores it.
    pub fn split(key: &[u8]) -> KeyParts {
        let key = String::from_utf8_lossy(key);
        let mut parts = key.splitn(3, '/');
        let host = parts.next().unwrap_or_default();
        let (plugin, plugin_instance) = instance(parts.next().unwrap_or_default());
        let (type_, type_instance) = instance(parts.next().unwrap_or_default());
        KeyParts {
            host: host.to_string(),
            plugin: plugin.to_string(),
            plugin_instance: plugin_instance.to_string(),
            type_: type_.to_string(),
            type_instance: type_instance.to_string(),
        }
    }

    /// Return the key of the chart this identifier belongs to: all but the type instance.
    pub fn group(&self) -> String {
        let mut g = format!("{}/{}", self.host, self.plugin);
        if !self.plugin_instance.is_empty() {
            g.push('-');
            g.push_str(&self.plugin_instance);
        }
        g.push('/');
        g.push_str(&self.type_);
        g
    }
}

fn instance(part: &str) -> (&str, &str) {
    part.split_once('-').unwrap_or((part, ""))
}

/// Turn `text` into a Netdata id: `[A-Za-z0-9_-]`, `_` for anything else, at most `max` bytes.
pub fn sanitize_id(text: &str, max: usize) -> String {
    sanitize(text, max, |c| c == '_' || c == '-')
}

/// Keep ASCII letters, digits and what `keep` accepts, turn anything else into `_`; at most `max` (ASCII) characters, never empty.
pub fn sanitize(text: &str, max: usize, keep: impl Fn(char) -> bool) -> String {
    let mut id: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || keep(c) {
                c
            } else {
                '_'
            }
        })
        .take(max)
        .collect();
    if id.is_empty() {
        id.push('_');
    }
    id
}

/// Turn `text` into something Netdata can quote: no control characters, no double quotes, no trailing backslash.
pub fn sanitize_text(text: &str) -> String {
    let mut t: String = text
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '"' { '\'' } else { c })
        .take(200)
        .collect();
    while t.ends_with('\\') {
        t.pop();
    }
    t
}

/// Longest id before a collision suffix is added.
pub const ID_ROOM: usize = MAX_ID_LEN - 8;

/// What a chart for an identifier is called and how it is described.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartNames {
    /// The part before the dot.
    pub type_: String,
    /// The part after the dot.
    pub id: String,
    /// The title.
    pub title: String,
    /// The units.
    pub units: String,
    /// The submenu.
    pub family: String,
    /// The context.
    pub context: String,
    /// Chart labels, name and value.
    pub labels: Vec<(String, String)>,
}

/// How Netdata's own collectors present a well-known collectd type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Known {
    /// The collectd plugin, or `""` for a type whatever plugin sends it.
    plugin: &'static str,
    /// The collectd type.
    type_: &'static str,
    /// The chart title.
    title: &'static str,
    /// The units; `""` for what [`units`] says.
    units: &'static str,
    /// The submenu; `""` for the plugin instance (as Netdata has one per
    /// interface, disk or mount point), or the type without one.
    family: &'static str,
}

const fn known(
    plugin: &'static str,
    type_: &'static str,
    title: &'static str,
    units: &'static str,
    family: &'static str,
) -> Known {
    Known {
        plugin,
        type_,
        title,
        units,
        family,
    }
}

/// Titles, units and families of well-known collectd plugins and types,
/// after Netdata's proc.plugin (`system.load`, `system.ram`, `net.<iface>`,
/// `disk.<disk>`, …) and python.d sensors. Units stay those of the values as
/// collectd sends them (bytes, not MiB or kilobits), since the values are
/// passed on unscaled. Plugin-specific entries come first.
#[rustfmt::skip]
const KNOWN: &[Known] = &[
    known("load", "load", "System Load Average", "load", "load"),
    known("uptime", "uptime", "System Uptime", "seconds", "uptime"),
    known("memory", "memory", "System RAM", "bytes", "ram"),
    known("swap", "swap", "System Swap", "bytes", "swap"),
    // Per core (`cpu-0`); all cores together without a plugin instance.
    known("cpu", "cpu", "Core utilization", "jiffies/s", "cpu"),
    known("cpu", "percent", "Core utilization", "percentage", "cpu"),
    known("contextswitch", "contextswitch", "CPU Context Switches", "context switches/s", "processes"),
    known("processes", "ps_state", "System Processes", "processes", "processes"),
    known("processes", "fork_rate", "Started Processes", "processes/s", "processes"),
    known("entropy", "entropy", "Available Entropy", "entropy", "entropy"),
    known("df", "df_complex", "Disk Space Usage", "bytes", ""),
    known("df", "df_inodes", "Disk Files (inodes) Usage", "inodes", ""),
    known("df", "percent_bytes", "Disk Space Usage", "percentage", ""),
    known("df", "percent_inodes", "Disk Files (inodes) Usage", "percentage", ""),
    known("", "if_octets", "Bandwidth", "bytes/s", ""),
    known("", "if_packets", "Packets", "packets/s", ""),
    known("", "if_errors", "Interface Errors", "errors/s", ""),
    known("", "if_dropped", "Interface Drops", "drops/s", ""),
    known("", "disk_octets", "Disk I/O Bandwidth", "bytes/s", ""),
    known("", "disk_ops", "Disk Completed I/O Operations", "operations/s", ""),
    known("", "disk_merged", "Disk Merged Operations", "merged operations/s", ""),
    known("", "cpu", "CPU utilization", "jiffies/s", "cpu"),
    known("", "cpufreq", "Current CPU Frequency", "Hz", "cpufreq"),
    known("", "memory", "Memory usage", "bytes", "memory"),
    known("", "temperature", "Temperature", "Celsius", "temperature"),
    known("", "voltage", "Voltage", "Volts", "voltage"),
    known("", "current", "Current", "Ampere", "current"),
    known("", "power", "Power", "Watt", "power"),
    known("", "fanspeed", "Fans speed", "Rotations/min", "fans"),
    known("", "humidity", "Humidity", "percentage", "humidity"),
    known("", "users", "Logged-in users", "users", "users"),
];

fn lookup(plugin: &str, type_: &str) -> Option<&'static Known> {
    KNOWN
        .iter()
        .find(|k| k.type_ == type_ && (k.plugin.is_empty() || k.plugin == plugin))
}

/// A title from a type name Netdata has no chart for: `_` as spaces, first letter capitalised (`http_requests` → `Http requests`).
pub fn humanize(type_: &str) -> String {
    let words = type_.replace('_', " ");
    let words = words.trim();
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Value".to_string(),
    }
}

/// Name the chart of `parts`; `local_host` is collied's own host name.
///
/// The title says what the chart shows, as Netdata's own chart for it
/// would (`System Load Average`), or the type's name made readable for
/// types Netdata has no chart for; which instance and host it is for is in
/// the chart id and the labels, not the title.
pub fn chart_names(parts: &KeyParts, local_host: &str, ds: Option<DsType>) -> ChartNames {
    let mut type_ = parts.plugin.clone();
    if !parts.plugin_instance.is_empty() {
        type_.push('_');
        type_.push_str(&parts.plugin_instance);
    }
    let mut id = parts.type_.clone();
    if parts.host != local_host {
        id.push_str("__");
        id.push_str(&parts.host);
    }
    let known = lookup(&parts.plugin, &parts.type_);
    let title = match known {
        Some(k) if k.plugin == "cpu" && parts.plugin_instance.is_empty() => {
            "Total CPU utilization".to_string()
        }
        Some(k) => k.title.to_string(),
        None => humanize(&parts.type_),
    };
    let units = match known {
        Some(k) if !k.units.is_empty() => k.units,
        _ => units(&parts.type_, ds),
    };
    let family = match known {
        Some(k) if !k.family.is_empty() => k.family,
        Some(_) if !parts.plugin_instance.is_empty() => &parts.plugin_instance,
        _ => &parts.type_,
    };
    let mut labels = Vec::new();
    for (name, value) in [
        ("host", &parts.host),
        ("plugin", &parts.plugin),
        ("plugin_instance", &parts.plugin_instance),
        ("type", &parts.type_),
    ] {
        let value = sanitize_text(value);
        // Netdata drops a label without a value.
        if !value.is_empty() {
            labels.push((name.to_string(), value));
        }
    }
    ChartNames {
        type_: sanitize_id(&type_, ID_ROOM),
        id: sanitize_id(&id, ID_ROOM),
        title: sanitize_text(&title),
        units: units.to_string(),
        family: sanitize_text(family),
        context: format!(
            "collectd.{}.{}",
            sanitize_id(&parts.plugin, 90),
            sanitize_id(&parts.type_, 90)
        ),
        labels,
    }
}

/// Name the dimension of data source `source` (one of `sources`) of `parts`: its id and display name.
pub fn dimension_names(parts: &KeyParts, source: &str, sources: usize) -> (String, String) {
    let ti = &parts.type_instance;
    let name = match (ti.is_empty(), sources) {
        (false, 1) => ti.clone(),
        (false, _) => format!("{ti}_{source}"),
        (true, _) if source.is_empty() => "value".to_string(),
        (true, _) => source.to_string(),
    };
    (sanitize_id(&name, ID_ROOM), sanitize_text(&name))
}

/// Return how a data source type is charted: algorithm, multiplier, divisor.
pub fn algorithm(ds: DsType) -> (Algorithm, i64, i64) {
    match ds {
        DsType::Gauge | DsType::Absolute => (Algorithm::Absolute, 1, SCALE),
        DsType::Derive | DsType::Counter => (Algorithm::Incremental, 1, 1),
    }
}

/// Return the number to SET for `value`, whose cached rate is `rate`; `None` for a gap (NaN, out of range).
pub fn collected(value: Value, rate: f64) -> Option<i64> {
    match value {
        Value::Gauge(v) => scaled(v),
        Value::Derive(v) => Some(v),
        // Netdata reads collected numbers as signed 64-bit and detects
        // wrap-around on their unsigned bit pattern, so pass the bits on.
        Value::Counter(v) => Some(v as i64),
        Value::Absolute(_) => scaled(rate),
    }
}

fn scaled(v: f64) -> Option<i64> {
    let x = (v * SCALE as f64).round();
    // 2^63 is exactly representable; anything at or past it does not fit.
    (x.is_finite() && x.abs() < 9_223_372_036_854_775_808.0).then_some(x as i64)
}

/// Units of well-known collectd types, as Netdata names them; otherwise by data source type.
pub fn units(type_: &str, ds: Option<DsType>) -> &'static str {
    match type_ {
        "load" => "load",
        "memory" | "bytes" | "df_complex" | "swap" => "bytes",
        "uptime" | "duration" => "seconds",
        "percent" => "percentage",
        "temperature" => "Celsius",
        "if_octets" | "disk_octets" | "io_octets" => "bytes/s",
        "if_packets" | "io_packets" => "packets/s",
        "if_errors" => "errors/s",
        "if_dropped" => "drops/s",
        "disk_ops" => "operations/s",
        "cpu" => "jiffies/s",
        "latency" | "response_time" => "seconds",
        "users" => "users",
        "processes" | "ps_state" => "processes",
        "frequency" => "Hz",
        "voltage" => "Volts",
        "current" => "Ampere",
        "power" => "Watt",
        "fanspeed" => "Rotations/min",
        "humidity" => "percentage",
        _ => match ds {
            Some(DsType::Gauge) | None => "value",
            Some(_) => "value/s",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_at_the_first_dash() {
        let p = KeyParts::split(b"web-1/interface-eth0-vlan/if_octets");
        assert_eq!(p.host, "web-1");
        assert_eq!(p.plugin, "interface");
        assert_eq!(p.plugin_instance, "eth0-vlan");
        assert_eq!(p.type_, "if_octets");
        assert_eq!(p.type_instance, "");
        assert_eq!(p.group(), "web-1/interface-eth0-vlan/if_octets");
        let p = KeyParts::split(b"h/memory/memory-used");
        assert_eq!(
            (p.type_.as_str(), p.type_instance.as_str()),
            ("memory", "used")
        );
        assert_eq!(p.group(), "h/memory/memory");
    }

    #[test]
    fn charts_for_local_and_other_hosts() {
        let p = KeyParts::split(b"here/cpu-0/cpu-idle");
        let c = chart_names(&p, "here", Some(DsType::Derive));
        assert_eq!((c.type_.as_str(), c.id.as_str()), ("cpu_0", "cpu"));
        assert_eq!(c.title, "Core utilization");
        assert_eq!(c.context, "collectd.cpu.cpu");
        assert_eq!(c.units, "jiffies/s");
        assert_eq!(c.family, "cpu");
        assert_eq!(
            c.labels,
            [
                ("host".to_string(), "here".to_string()),
                ("plugin".to_string(), "cpu".to_string()),
                ("plugin_instance".to_string(), "0".to_string()),
                ("type".to_string(), "cpu".to_string()),
            ]
        );
        // Another host: its own chart id, the same title, the host in a label.
        let c = chart_names(&p, "elsewhere", None);
        assert_eq!(c.id, "cpu__here");
        assert_eq!(c.title, "Core utilization");
        assert_eq!(c.labels[0], ("host".to_string(), "here".to_string()));
        let all = KeyParts::split(b"here/cpu/cpu-idle");
        assert_eq!(
            chart_names(&all, "here", None).title,
            "Total CPU utilization"
        );
        let odd = KeyParts::split(b"h/my plugin.x/gauge");
        assert_eq!(chart_names(&odd, "h", None).type_, "my_plugin_x");
    }

    /// Title, units and family of a key's chart.
    fn shown(key: &str, ds: DsType) -> (String, String, String) {
        let c = chart_names(&KeyParts::split(key.as_bytes()), "h", Some(ds));
        (c.title, c.units, c.family)
    }

    fn tuf(title: &str, units: &str, family: &str) -> (String, String, String) {
        (title.to_string(), units.to_string(), family.to_string())
    }

    #[test]
    fn the_system_collector_s_charts_read_like_netdata_s() {
        use DsType::{Derive, Gauge};
        let cases = [
            (
                "h/load/load",
                Gauge,
                ("System Load Average", "load", "load"),
            ),
            (
                "h/uptime/uptime",
                Gauge,
                ("System Uptime", "seconds", "uptime"),
            ),
            (
                "h/memory/memory-used",
                Gauge,
                ("System RAM", "bytes", "ram"),
            ),
            // Per interface, disk and mount point, as Netdata's submenus are.
            (
                "h/interface-eth0/if_octets",
                Derive,
                ("Bandwidth", "bytes/s", "eth0"),
            ),
            (
                "h/interface-eth0/if_dropped",
                Derive,
                ("Interface Drops", "drops/s", "eth0"),
            ),
            (
                "h/disk-sda/disk_ops",
                Derive,
                ("Disk Completed I/O Operations", "operations/s", "sda"),
            ),
            (
                "h/df-root/df_complex-free",
                Gauge,
                ("Disk Space Usage", "bytes", "root"),
            ),
            (
                "h/sensors-coretemp/temperature-core0",
                Gauge,
                ("Temperature", "Celsius", "temperature"),
            ),
            // A system plugin's title is not given to another plugin's values of the type.
            (
                "h/redis-6379/memory",
                Gauge,
                ("Memory usage", "bytes", "memory"),
            ),
            // A type-wide entry without an instance falls back to the type as family.
            (
                "h/snmp/if_octets-port1",
                Derive,
                ("Bandwidth", "bytes/s", "if_octets"),
            ),
        ];
        for (key, ds, (title, units, family)) in cases {
            assert_eq!(shown(key, ds), tuf(title, units, family), "{key}");
        }
    }

    #[test]
    fn other_types_are_titled_by_their_name() {
        assert_eq!(humanize("http_requests"), "Http requests");
        assert_eq!(humanize("gauge"), "Gauge");
        assert_eq!(humanize(""), "Value");
        assert_eq!(
            shown("h/exec-app/gauge-queue", DsType::Gauge),
            tuf("Gauge", "value", "gauge")
        );
        assert_eq!(
            shown("h/nginx/nginx_requests", DsType::Derive),
            tuf("Nginx requests", "value/s", "nginx_requests")
        );
        // Nothing of the identifier is squeezed into the title.
        let c = chart_names(&KeyParts::split(b"web-1/exec-app/gauge"), "h", None);
        assert!(
            !c.title.contains("app") && !c.title.contains("web-1"),
            "{c:?}"
        );
        assert_eq!(
            c.labels[2],
            ("plugin_instance".to_string(), "app".to_string())
        );
    }

    #[test]
    fn labels_without_a_value_are_left_out() {
        let c = chart_names(&KeyParts::split(b"h/p-\x07/gauge"), "h", None);
        assert!(c.labels.iter().all(|(_, v)| !v.is_empty()), "{c:?}");
    }

    #[test]
    fn dimensions_by_instance_and_source() {
        let p = KeyParts::split(b"h/memory/memory-used");
        assert_eq!(dimension_names(&p, "value", 1).0, "used");
        let p = KeyParts::split(b"h/interface-eth0/if_octets");
        assert_eq!(dimension_names(&p, "rx", 2).0, "rx");
        let p = KeyParts::split(b"h/disk-sda/disk_octets-x.y");
        assert_eq!(
            dimension_names(&p, "read", 2),
            ("x_y_read".to_string(), "x.y_read".to_string())
        );
        let p = KeyParts::split(b"h/load/load");
        assert_eq!(dimension_names(&p, "shortterm", 3).0, "shortterm");
    }

    #[test]
    fn values_and_algorithms() {
        assert_eq!(collected(Value::Gauge(21.5), 21.5), Some(21500));
        assert_eq!(collected(Value::Gauge(-0.0004), 0.0), Some(0));
        assert_eq!(collected(Value::Gauge(0.0015), 0.0), Some(2));
        assert_eq!(collected(Value::Gauge(f64::NAN), f64::NAN), None);
        assert_eq!(collected(Value::Gauge(1e300), 1e300), None);
        assert_eq!(collected(Value::Derive(-5), f64::NAN), Some(-5));
        assert_eq!(collected(Value::Counter(u64::MAX), 0.0), Some(-1));
        assert_eq!(collected(Value::Absolute(50), 5.0), Some(5000));
        assert_eq!(algorithm(DsType::Gauge), (Algorithm::Absolute, 1, 1000));
        assert_eq!(algorithm(DsType::Counter), (Algorithm::Incremental, 1, 1));
    }

    #[test]
    fn sanitising() {
        assert_eq!(sanitize_id("", 10), "_");
        assert_eq!(sanitize_id("aé b", 10), "a__b");
        assert_eq!(sanitize_id("abcdef", 3), "abc");
        assert_eq!(sanitize_text("say \"hi\"\n\\"), "say 'hi'");
    }
}
