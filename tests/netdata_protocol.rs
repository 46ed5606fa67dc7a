//! Golden plugins.d output of derived collectors, checked line by line and
//! by a strict validator of what Netdata 1.37 accepts.

mod support_netdata;

use collie::chart::{Chart, ChartState, Collector as _, Dimension};
use collie::netdata::{self, Error, Field, Plugin, Problem, Scope, Writer};
use collie::sink::SliceSink;
use support_netdata::{split_words, validate};

/// The weather station of the python.d guide.
#[allow(clippy::duplicated_attributes)]
#[derive(collie::Collector, Default)]
#[collector(type = "weather_station", priority = 90000)]
#[chart(
    id = "temp_current",
    title = "Temperature",
    units = "Celsius",
    family = "TEMP",
    context = "weather_station.temperature"
)]
#[chart(
    id = "temp_stats",
    title = "Temperature statistics",
    units = "Celsius",
    family = "TEMP",
    context = "weather_station.temperature_stats"
)]
#[chart(
    id = "humid_current",
    title = "Humidity",
    units = "percentage",
    family = "HUMIDITY",
    context = "weather_station.humidity",
    chart_type = "area",
    label(sensor = "garden's")
)]
struct Station {
    #[dim(chart = "temp_current", id = "current", precision = 1)]
    temperature: Option<f64>,
    #[dim(chart = "temp_stats", id = "min", precision = 2)]
    min: Option<f64>,
    #[dim(chart = "temp_stats", id = "max", precision = 2)]
    max: Option<f64>,
    #[dim(chart = "temp_stats", id = "avg", name = "average", precision = 2)]
    avg: Option<f64>,
    #[dim(
        chart = "humid_current",
        id = "humidity",
        name = "relative",
        precision = 1
    )]
    humidity: Option<f64>,
}

fn run(writer: &mut Writer<'_, Station>, station: &Station, now_us: u64) -> String {
    let mut out = Vec::new();
    writer.update(station, now_us, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn weather_first_cycles_are_exact() {
    let mut writer = Writer::new(
        Plugin::new()
            .with_plugin("weather.plugin", "weather")
            .unwrap(),
    );
    let mut station = Station {
        temperature: Some(21.46),
        min: Some(18.255),
        max: Some(24.75),
        avg: Some(21.5),
        humidity: Some(64.3),
    };
    let first = run(&mut writer, &station, 5_000_000);
    assert_eq!(
        first,
        "\
CHART weather_station.temp_current '' 'Temperature' 'Celsius' 'TEMP' 'weather_station.temperature' line 90000 1 '' 'weather.plugin' 'weather'
DIMENSION current 'current' absolute 1 10 ''
BEGIN weather_station.temp_current
SET current = 215
END
CHART weather_station.temp_stats '' 'Temperature statistics' 'Celsius' 'TEMP' 'weather_station.temperature_stats' line 90001 1 '' 'weather.plugin' 'weather'
DIMENSION min 'min' absolute 1 100 ''
DIMENSION max 'max' absolute 1 100 ''
DIMENSION avg 'average' absolute 1 100 ''
BEGIN weather_station.temp_stats
SET min = 1826
SET max = 2475
SET avg = 2150
END
CHART weather_station.humid_current '' 'Humidity' 'percentage' 'HUMIDITY' 'weather_station.humidity' area 90002 1 '' 'weather.plugin' 'weather'
CLABEL sensor \"garden's\" 1
CLABEL_COMMIT
DIMENSION humidity 'relative' absolute 1 10 ''
BEGIN weather_station.humid_current
SET humidity = 643
END
"
    );

    // Next cycle: no definitions, measured microseconds, and a gap.
    station.temperature = Some(-0.05);
    station.humidity = None;
    let second = run(&mut writer, &station, 6_000_123);
    assert_eq!(
        second,
        "\
BEGIN weather_station.temp_current 1000123
SET current = -1
END
BEGIN weather_station.temp_stats 1000123
SET min = 1826
SET max = 2475
SET avg = 2150
END
"
    );

    // The humidity chart skipped a cycle, so its interval covers two.
    station.humidity = Some(70.0);
    let third = run(&mut writer, &station, 7_000_000);
    assert!(
        third.ends_with("BEGIN weather_station.humid_current 2000000\nSET humidity = 700\nEND\n")
    );

    let all = format!("{first}{second}{third}");
    let report = validate(&all).unwrap();
    assert_eq!(report.charts.len(), 3);
    assert_eq!(report.updates.len(), 8);
}

#[test]
fn charts_without_values_are_neither_defined_nor_begun() {
    let mut writer = Writer::<Station>::new(Plugin::new());
    let station = Station {
        humidity: Some(50.0),
        ..Station::default()
    };
    let out = run(&mut writer, &station, 0);
    assert!(!out.contains("temp_current"));
    assert!(out.contains("CHART weather_station.humid_current"));
    assert!(writer.state(0).is_some_and(|s| !s.is_defined()));
    validate(&out).unwrap();
}

#[test]
fn redefine_and_obsolete_send_definitions_again() {
    let mut writer = Writer::<Station>::new(Plugin::new().with_type("paris").unwrap());
    let station = Station {
        temperature: Some(20.0),
        ..Station::default()
    };
    let mut stream = run(&mut writer, &station, 0);
    writer.redefine();
    let again = run(&mut writer, &station, 1_000_000);
    assert!(again.starts_with("CHART paris.temp_current "));
    assert!(again.contains("BEGIN paris.temp_current 1000000\n"));
    stream += &again;

    let mut out = Vec::new();
    writer.obsolete_all(&mut out).unwrap();
    let obsolete = String::from_utf8(out).unwrap();
    // Only the chart that was ever defined is obsoleted.
    assert_eq!(obsolete.matches("CHART ").count(), 1, "{obsolete}");
    assert!(obsolete.starts_with("CHART paris.temp_current '' 'Temperature' "));
    assert!(obsolete.lines().next().unwrap().ends_with(" 'obsolete'"));
    stream += &obsolete;

    // Data after obsoletion re-creates the chart, with a fresh interval.
    let back = run(&mut writer, &station, 9_000_000);
    assert!(back.starts_with("CHART paris.temp_current "));
    assert!(back.contains("BEGIN paris.temp_current\n"));
    stream += &back;

    let report = validate(&stream).unwrap();
    assert_eq!(report.charts["paris.temp_current"].options, "");
}

#[test]
fn define_all_sends_every_chart_up_front() {
    let mut writer = Writer::<Station>::new(Plugin::new());
    let mut out = Vec::new();
    writer.define_all(&mut out).unwrap();
    netdata::variable(&mut out, Scope::Chart, "max_temp", 35.5).unwrap();
    netdata::keepalive(&mut out).unwrap();
    netdata::disable(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let report = validate(&text).unwrap();
    assert_eq!(report.charts.len(), 3);
    assert!(report.disabled);
    assert_eq!(
        report.charts["weather_station.temp_stats"].dims,
        ["min", "max", "avg"]
    );
    assert_eq!(
        report.charts["weather_station.temp_stats"].divisors["avg"],
        100
    );
    assert!(text.contains("VARIABLE CHART max_temp = 35.5\n"));
}

#[derive(collie::Collector)]
#[collector(type = "cpu")]
#[chart(id = "cores", title = "Per core", units = "%", chart_type = "stacked")]
struct Cpu {
    #[dim(id = "core{}", name = "core {}", precision = 1)]
    cores: [f32; 3],
    #[dim(id = "irq", algorithm = "incremental", multiplier = -1, hidden)]
    irq: u64,
}

#[test]
fn arrays_expand_to_numbered_dimensions() {
    let dims: Vec<_> = Cpu::CHARTS[0]
        .dimensions
        .iter()
        .map(|d| (d.id, d.name))
        .collect();
    assert_eq!(
        dims,
        [
            ("core0", "core 0"),
            ("core1", "core 1"),
            ("core2", "core 2"),
            ("irq", "")
        ]
    );
    let mut writer = Writer::new(Plugin::new());
    let mut out = Vec::new();
    let cpu = Cpu {
        cores: [12.25, f32::NAN, 99.96],
        irq: 7,
    };
    writer.update(&cpu, 0, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        "\
CHART cpu.cores '' 'Per core' '%' '' '' stacked 70000 1 ''
DIMENSION core0 'core 0' absolute 1 10 ''
DIMENSION core1 'core 1' absolute 1 10 ''
DIMENSION core2 'core 2' absolute 1 10 ''
DIMENSION irq 'irq' incremental -1 1 'hidden'
BEGIN cpu.cores
SET core0 = 123
SET core2 = 1000
SET irq = 7
END
"
    );
    validate(&text).unwrap();
}

/// A hand-written collector whose second chart Netdata could not parse.
struct Broken;

impl collie::chart::Collector for Broken {
    const CHARTS: &'static [Chart<'static>] = &[
        Chart::new("t", "good").dimensions(&[Dimension::new("a")]),
        Chart::new("t", "bad")
            .title("it's \"quoted\"")
            .dimensions(&[Dimension::new("a")]),
        Chart::new("t", "later").dimensions(&[Dimension::new("a")]),
    ];
    type State = [ChartState; 3];
    const INITIAL_STATE: Self::State = [ChartState::NEW; 3];
    fn value(&self, _: usize, _: usize) -> Option<i64> {
        Some(1)
    }
}

#[test]
fn an_unrepresentable_chart_is_refused_without_partial_output() {
    let mut writer = Writer::<Broken>::new(Plugin::new());
    assert_eq!(
        writer.check(),
        Err(Error::Invalid(Field::Title, Problem::BothQuotes))
    );
    let mut out = Vec::new();
    assert_eq!(
        writer.update(&Broken, 0, &mut out),
        Err(Error::Invalid(Field::Title, Problem::BothQuotes))
    );
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        "CHART t.good '' '' '' '' '' line 70000 1 ''\nDIMENSION a 'a' absolute 1 1 ''\nBEGIN t.good\nSET a = 1\nEND\n"
    );
    validate(&text).unwrap();
    assert!(writer.state(0).unwrap().is_defined());
    assert!(!writer.state(1).unwrap().is_defined());
}

#[test]
fn a_full_fixed_buffer_is_an_error_not_a_cut_line() {
    let mut buf = [0u8; 64];
    let mut sink = SliceSink::new(&mut buf);
    let mut writer = Writer::<Station>::new(Plugin::new());
    let station = Station {
        temperature: Some(1.0),
        ..Station::default()
    };
    assert_eq!(writer.update(&station, 0, &mut sink), Err(Error::SinkFull));
    assert!(sink.is_empty());
    let mut big = [0u8; 1024];
    let mut sink = SliceSink::new(&mut big);
    assert_eq!(writer.update(&station, 0, &mut sink), Ok(1));
    validate(core::str::from_utf8(sink.as_bytes()).unwrap()).unwrap();
}

#[test]
fn the_low_level_api_refuses_undeclared_dimensions() {
    const C: Chart<'static> = Chart::new("t", "c").dimensions(&[Dimension::new("x")]);
    let plugin = Plugin::new();
    let mut out = Vec::new();
    plugin.define(&mut out, &C, 0, false).unwrap();
    let mut update = plugin.begin(&mut out, &C, None).unwrap();
    assert_eq!(update.set("y", Some(1)), Err(Error::UndeclaredDimension));
    update.set("x", Some(2)).unwrap();
    update.end().unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains("SET y"));
    validate(&text).unwrap();
}

#[test]
fn the_validator_rejects_what_netdata_rejects() {
    let head = "CHART t.c '' 'T' 'u' '' '' line 1 1 ''\nDIMENSION x 'x' absolute 1 1 ''\n";
    let bad = [
        "SET x = 1\n",
        "BEGIN t.nope\nEND\n",
        "BEGIN t.c\nSET y = 1\nEND\n",
        "BEGIN t.c\nSET x = 21.5\nEND\n",
        "BEGIN t.c\nSET x = 1\n",
        "PLUGIN_KEEPALIVE\n",
        "CHART t.d 'it's' 'T' 'u' '' '' line 1 1 ''\n",
        "CHART t.d '' 'T' 'u' '' '' line 1 1\n",
        "DIMENSION z 'z' absolute 1 0 ''\n",
        "CLABEL a b\n",
    ];
    validate(head).unwrap();
    for tail in bad {
        assert!(
            validate(&format!("{head}{tail}")).is_err(),
            "accepted {tail:?}"
        );
    }
    assert!(validate("DIMENSION x\n").is_err());
    assert_eq!(
        split_words("SET 'a' = 5").unwrap(),
        ["SET", "a", "5"],
        "= separates words"
    );
    assert_eq!(
        split_words("CHART a.b \"it's = x\" ''").unwrap(),
        ["CHART", "a.b", "it's = x", ""]
    );
}
