//! Tests of the exposition writer and the names.

use std::string::String;
use std::vec::Vec;

use super::name::*;
use super::*;
use crate::network::identifier;
use crate::time::Time;

fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut v = Vec::new();
    f(&mut v);
    String::from_utf8(v).unwrap()
}

#[test]
fn names_are_made_valid() {
    assert_eq!(
        text(|v| write_name_part(v, b"a.b-c:d", true).unwrap()),
        "a_b_c:d"
    );
    assert_eq!(text(|v| write_name_part(v, b"0x", true).unwrap()), "_0x");
    assert_eq!(text(|v| write_name_part(v, b"0x", false).unwrap()), "0x");
    assert_eq!(text(|v| write_label_name(v, b"a:b").unwrap()), "a_b");
    assert_eq!(text(|v| write_label_name(v, b"9").unwrap()), "_9");
    assert_eq!(text(|v| write_label_name(v, "é".as_bytes()).unwrap()), "__");
}

#[test]
fn label_values_are_escaped_and_made_utf8() {
    assert_eq!(
        text(|v| write_label_value(v, b"a\\b\"c\nd").unwrap()),
        "a\\\\b\\\"c\\nd"
    );
    assert_eq!(
        text(|v| write_label_value(v, b"ok\xff\xfeend\xc3").unwrap()),
        "ok\u{FFFD}\u{FFFD}end\u{FFFD}"
    );
    assert_eq!(text(|v| write_label_value(v, "é".as_bytes()).unwrap()), "é");
    assert_eq!(text(|v| write_help(v, b"a \"b\"\n").unwrap()), "a \"b\"\\n");
}

#[test]
fn collectd_families_and_labels_follow_write_prometheus() {
    let family =
        |p: &[u8], t: &[u8], ds: &[u8]| text(|v| write_collectd_family(v, p, t, ds).unwrap());
    assert_eq!(
        family(b"room", b"temperature", b"value"),
        "collectd_room_temperature"
    );
    assert_eq!(
        family(b"interface", b"if_octets", b"rx"),
        "collectd_interface_if_octets_rx"
    );
    assert_eq!(family(b"cpu", b"cpu", b"value"), "collectd_cpu");
    assert_eq!(
        family(b"load", b"load", b"shortterm"),
        "collectd_load_shortterm"
    );
    let id = identifier(b"h", b"cpu", b"0", b"cpu", b"idle");
    let labels = collectd_labels(&id);
    assert_eq!(
        &labels[..],
        &[
            (&b"cpu"[..], &b"0"[..]),
            (b"type", b"idle"),
            (b"instance", b"h")
        ]
    );
    let id = identifier(b"h", b"app", b"", b"derive", b"requests");
    let labels = collectd_labels(&id);
    assert_eq!(
        &labels[..],
        &[(&b"app"[..], &b"requests"[..]), (b"instance", b"h")]
    );
}

#[test]
fn both_formats() {
    let write = |format| {
        text(|v| {
            let mut e = Exposition::new(v, format);
            e.family(b"collectd_app_derive", Kind::Counter, b"help \\ me", b"")
                .unwrap();
            let labels: [(&[u8], &[u8]); 1] = [(b"instance", b"h")];
            e.sample(
                b"collectd_app_derive",
                Kind::Counter,
                &labels,
                Number::Signed(-5),
                Some(Time::from_secs(1_700_000_000)),
            )
            .unwrap();
            e.family(b"t", Kind::Gauge, b"", b"celsius").unwrap();
            for f in [21.5, f64::NAN, f64::INFINITY, 1e300, 1e-9, 0.0] {
                e.sample(b"t", Kind::Gauge, &[], Number::Float(f), None)
                    .unwrap();
            }
            e.family(b"u", Kind::Untyped, b"", b"").unwrap();
            e.finish().unwrap();
        })
    };
    assert_eq!(
        write(Format::Text),
        "# HELP collectd_app_derive_total help \\\\ me\n\
         # TYPE collectd_app_derive_total counter\n\
         collectd_app_derive_total{instance=\"h\"} -5 1700000000000\n\
         # TYPE t gauge\n\
         t 21.5\nt NaN\nt +Inf\nt 1e300\nt 1e-9\nt 0\n\
         # TYPE u untyped\n"
    );
    assert_eq!(
        write(Format::OpenMetrics),
        "# HELP collectd_app_derive help \\\\ me\n\
         # TYPE collectd_app_derive counter\n\
         collectd_app_derive_total{instance=\"h\"} -5 1700000000.000\n\
         # TYPE t gauge\n\
         # UNIT t celsius\n\
         t 21.5\nt NaN\nt +Inf\nt 1e300\nt 1e-9\nt 0\n\
         # TYPE u unknown\n\
         # EOF\n"
    );
}

#[test]
fn numbers_read_back_exactly() {
    let write = |n| {
        text(|v| {
            let mut e = Exposition::new(v, Format::Text);
            e.sample(b"x", Kind::Gauge, &[], n, None).unwrap();
        })
    };
    assert_eq!(write(Number::Signed(i64::MIN)), "x -9223372036854775808\n");
    assert_eq!(
        write(Number::Unsigned(u64::MAX)),
        "x 18446744073709551615\n"
    );
    assert_eq!(write(Number::Signed(0)), "x 0\n");
    assert_eq!(write(Number::Float(-3.0)), "x -3\n");
    assert_eq!(write(Number::Float(-0.0)), "x -0\n");
    assert_eq!(
        write(Number::Float(9007199254740992.0)),
        "x 9007199254740992\n"
    );
    assert_eq!(
        write(Number::Float(1.2345678901234568e17)),
        "x 1.2345678901234568e17\n"
    );
    for f in [
        0.1,
        -2.5e-300,
        1e300,
        123456.789,
        f64::MIN_POSITIVE,
        f64::MAX,
        -7.0,
        4503599627370497.0,
    ] {
        let line = write(Number::Float(f));
        let back: f64 = line.trim_start_matches("x ").trim().parse().unwrap();
        assert_eq!(back.to_bits(), f.to_bits(), "{line}");
    }
}

#[test]
fn accept_chooses_the_format() {
    let om = b"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    assert_eq!(Format::from_accept(om), Format::OpenMetrics);
    assert_eq!(Format::from_accept(b"text/plain"), Format::Text);
    assert_eq!(Format::from_accept(b""), Format::Text);
    assert_eq!(
        Format::from_accept(b"application/openmetrics-text;q=0.2, text/plain;q=0.9"),
        Format::Text
    );
    assert_eq!(
        Format::from_accept(b"application/openmetrics-text;q=0"),
        Format::Text
    );
}

/// remote_write's messages as prost derives them, to read back what the hand encoder wrote.
mod wire {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct WriteRequest {
        #[prost(message, repeated, tag = "1")]
        pub timeseries: std::vec::Vec<TimeSeries>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct TimeSeries {
        #[prost(message, repeated, tag = "1")]
        pub labels: std::vec::Vec<Label>,
        #[prost(message, repeated, tag = "2")]
        pub samples: std::vec::Vec<Sample>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Label {
        #[prost(string, tag = "1")]
        pub name: std::string::String,
        #[prost(string, tag = "2")]
        pub value: std::string::String,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Sample {
        #[prost(double, tag = "1")]
        pub value: f64,
        #[prost(int64, tag = "2")]
        pub timestamp: i64,
    }
}

proptest::proptest! {
    #[test]
    fn remote_write_requests_decode_with_prost(
        series in proptest::collection::vec(
            (
                proptest::collection::vec(("[a-z_]{1,12}", "\\PC{0,40}"), 1..5),
                proptest::collection::vec((proptest::num::f64::ANY, proptest::num::i64::ANY), 0..4),
            ),
            0..6,
        )
    ) {
        use prost::Message;
        let mut buf = Vec::new();
        for (labels, samples) in &series {
            let labels: Vec<(&[u8], &[u8])> =
                labels.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())).collect();
            remote_write::write_series(&mut buf, &labels, samples).unwrap();
        }
        let decoded = wire::WriteRequest::decode(&buf[..]).unwrap();
        proptest::prop_assert_eq!(decoded.timeseries.len(), series.len());
        for (got, (labels, samples)) in decoded.timeseries.iter().zip(&series) {
            let names: Vec<(String, String)> =
                got.labels.iter().map(|l| (l.name.clone(), l.value.clone())).collect();
            proptest::prop_assert_eq!(&names, labels);
            let values: Vec<(u64, i64)> =
                got.samples.iter().map(|s| (s.value.to_bits(), s.timestamp)).collect();
            let want: Vec<(u64, i64)> = samples.iter().map(|(v, t)| (v.to_bits(), *t)).collect();
            proptest::prop_assert_eq!(values, want);
        }
    }
}
