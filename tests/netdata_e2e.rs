//! End to end: a real Netdata runs the weather example as an external plugin
//! and the test reads the charts and values back from its HTTP API.
//!
//! Needs the `netdata` binary (Debian's `netdata` package). Without it the
//! test prints a "skipped" line and passes, unless `COLLIE_REQUIRE_PEERS` is
//! set, as in CI, where a missing Netdata is a failure. Netdata runs in the
//! foreground on a free loopback port with a private configuration in a
//! temporary directory, is stopped even when the test fails, and the whole
//! test gives up after [`DEADLINE`].

mod support_netdata;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;
use support_netdata::peer::{self, Netdata, Plugin, get, get_json};

/// The longest the whole test may take.
const DEADLINE: Duration = Duration::from_secs(120);

/// Build the weather example and return its executable.
fn build_weather() -> PathBuf {
    let out = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "build",
            "--example",
            "weather",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("run cargo build --example weather");
    assert!(out.status.success(), "cargo build --example weather failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "weather")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported no weather executable")
}

/// The values the fixed sensor produces, per chart and dimension.
const EXPECTED: &[(&str, &str, f64)] = &[
    ("weather_station.temp_current", "current", 21.5),
    ("weather_station.temp_stats", "min", 21.5),
    ("weather_station.temp_stats", "max", 21.5),
    ("weather_station.temp_stats", "avg", 21.5),
    ("weather_station.humid_current", "humidity", 64.3),
];

fn values_match(all: &Value) -> bool {
    EXPECTED.iter().all(|(chart, dim, want)| {
        all[chart]["dimensions"][dim]["value"]
            .as_f64()
            .is_some_and(|v| (v - want).abs() < 1e-6)
    })
}

#[test]
fn netdata_reads_the_weather_plugin() {
    let started = Instant::now();
    let Some(netdata) = peer::require_peer(peer::find_netdata(), "netdata") else {
        return;
    };

    let exe = build_weather();

    // The plugin's own output must already be valid before Netdata sees it.
    let out = Command::new(&exe)
        .args(["1", "--iterations", "2", "--fixed"])
        .output()
        .expect("run the weather example");
    assert!(out.status.success());
    let report = support_netdata::validate(&String::from_utf8(out.stdout).unwrap())
        .expect("weather output is valid plugins.d");
    assert_eq!(report.charts.len(), 3);
    assert_eq!(report.updates.len(), 6);

    let plugin = Plugin {
        name: "weather",
        script: format!("exec '{}' \"$@\"\n", exe.display()),
        link: None,
        options: "--fixed",
    };
    let mut guard = Netdata::start(&netdata, "collie-nd-e2e", &plugin);
    let port = guard.port;

    // Wait for the API, then for the first non-null values.
    let all = guard.poll(started + DEADLINE, |port| {
        get_json(port, "/api/v1/allmetrics?format=json").filter(values_match)
    });
    let Some(all) = all else {
        guard.keep_dir = true;
        let last = get(port, "/api/v1/allmetrics?format=json");
        panic!(
            "no expected values within {DEADLINE:?}; last allmetrics: {last:?}\nerror.log:\n{}",
            guard.log()
        );
    };

    let charts = get_json(port, "/api/v1/charts").expect("GET /api/v1/charts");
    let expect_chart = |id: &str,
                        title: &str,
                        units: &str,
                        family: &str,
                        context: &str,
                        kind: &str,
                        priority: u64| {
        let c = &charts["charts"][id];
        assert!(c.is_object(), "chart {id} missing from /api/v1/charts");
        assert!(
            c["title"].as_str().is_some_and(|t| t.starts_with(title)),
            "{id} title {}",
            c["title"]
        );
        assert_eq!(c["units"], units, "{id} units");
        assert_eq!(c["family"], family, "{id} family");
        assert_eq!(c["context"], context, "{id} context");
        assert_eq!(c["chart_type"], kind, "{id} chart type");
        assert_eq!(c["priority"], priority, "{id} priority");
    };
    expect_chart(
        "weather_station.temp_current",
        "Temperature",
        "Celsius",
        "TEMP",
        "weather_station.temperature",
        "line",
        90000,
    );
    expect_chart(
        "weather_station.temp_stats",
        "Temperature statistics",
        "Celsius",
        "TEMP",
        "weather_station.temperature_stats",
        "line",
        90001,
    );
    expect_chart(
        "weather_station.humid_current",
        "Humidity",
        "percentage",
        "HUMIDITY",
        "weather_station.humidity",
        "area",
        90002,
    );
    let avg_name = &charts["charts"]["weather_station.temp_stats"]["dimensions"]["avg"]["name"];
    assert_eq!(avg_name, "average");

    // The stored series carries the decimals too; a point is stored a
    // moment after allmetrics shows its value, so poll for it.
    let mut stored: Vec<f64> = Vec::new();
    while started.elapsed() < DEADLINE {
        stored = get_json(
            port,
            "/api/v1/data?chart=weather_station.humid_current&after=-10&format=json&options=seconds",
        )
        .map(|data| {
            data["data"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|row| row.get(1).and_then(Value::as_f64))
                .collect()
        })
        .unwrap_or_default();
        if stored.iter().any(|v| (v - 64.3).abs() < 1e-6) {
            break;
        }
        sleep(Duration::from_millis(500));
    }
    assert!(
        stored.iter().any(|v| (v - 64.3).abs() < 1e-6),
        "stored humidity {stored:?}"
    );

    let complaints = guard.complaints("weather");
    assert!(
        complaints.is_empty(),
        "netdata complained about the plugin: {complaints:#?}"
    );
    for (chart, dim, _) in EXPECTED {
        println!("{chart}.{dim} = {}", all[chart]["dimensions"][dim]["value"]);
    }
    println!("netdata e2e passed in {:?}", started.elapsed());
}
