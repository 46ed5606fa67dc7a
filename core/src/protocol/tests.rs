//! Whole-line tests of `parse`: collectd's own vectors and every error text.

use std::string::String;
use std::vec::Vec;

use super::*;
use crate::dataset::{DataSet, DataSets, DataSource};
use crate::time::Time;
use crate::value::{DsType, Value};

/// collectd's mock data set: `MAGIC value:DERIVE:0:U`.
const MAGIC: DataSet<'static> = DataSet {
    name: "MAGIC",
    sources: &[DataSource::new("value", DsType::Derive, 0.0, f64::NAN)],
};
const GAUGE: DataSet<'static> = DataSet {
    name: "gauge",
    sources: &[DataSource::new("value", DsType::Gauge, f64::NAN, f64::NAN)],
};
const LOAD: DataSet<'static> = DataSet {
    name: "load",
    sources: &[
        DataSource::new("shortterm", DsType::Gauge, 0.0, 5000.0),
        DataSource::new("midterm", DsType::Gauge, 0.0, 5000.0),
        DataSource::new("longterm", DsType::Gauge, 0.0, 5000.0),
    ],
};

struct Types;

impl DataSets for Types {
    fn get(&self, name: &[u8]) -> Option<&DataSet<'_>> {
        [&MAGIC, &GAUGE, &LOAD]
            .into_iter()
            .find(|ds| ds.name.as_bytes() == name)
    }
}

/// Parse `line` and hand the result to `f`.
fn with<R>(line: &[u8], f: impl FnOnce(Result<Option<Command<'_>>, Error<'_>>) -> R) -> R {
    let mut scratch = Scratch::new();
    f(parse(line, &mut scratch, &Types))
}

/// Return the error reply for `line`, which must fail.
fn err(line: &str) -> String {
    with(line.as_bytes(), |r| {
        let e = r.expect_err(line);
        let mut out = Vec::new();
        e.write_reply(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    })
}

/// Return what kind of command `line` is, which must parse.
fn kind(line: &str) -> &'static str {
    with(line.as_bytes(), |r| match r {
        Ok(Some(Command::Getval(_))) => "GETVAL",
        Ok(Some(Command::Listval)) => "LISTVAL",
        Ok(Some(Command::Putval(_))) => "PUTVAL",
        Ok(Some(Command::Putnotif(_))) => "PUTNOTIF",
        Ok(Some(Command::Flush(_))) => "FLUSH",
        Ok(None) => "none",
        Err(e) => panic!("{line:?}: {e}"),
    })
}

/// The value lists of a PUTVAL as (time, interval, values).
type Lists = Vec<(Time, Option<Time>, Vec<Value>)>;

fn putval(line: &str) -> Lists {
    with(line.as_bytes(), |r| match r {
        Ok(Some(Command::Putval(p))) => {
            let lists: Lists = p
                .value_lists()
                .map(|l| (l.time(), l.interval(), l.values().collect()))
                .collect();
            assert_eq!(lists.len(), p.value_list_count());
            lists
        }
        other => panic!("{line:?}: {other:?}"),
    })
}

// cmds_test.c (5.12). collie has no default host, so the vectors that set
// one (3, 11 and 17) fail like their counterparts without one.
#[test]
fn collectd_cmds_test_vectors() {
    let ok = [
        ("FLUSH", "FLUSH"),
        ("FLUSH identifier=myhost/magic/MAGIC", "FLUSH"),
        ("FLUSH timeout=123 plugin=\"A\"", "FLUSH"),
        ("GETVAL myhost/magic/MAGIC", "GETVAL"),
        ("LISTVAL", "LISTVAL"),
        ("PUTVAL myhost/magic/MAGIC N:42", "PUTVAL"),
        ("PUTVAL myhost/magic/MAGIC 1234:42", "PUTVAL"),
        ("PUTVAL myhost/magic/MAGIC 1234:42 2345:23", "PUTVAL"),
        ("PUTVAL myhost/magic/MAGIC interval=2 1234:42", "PUTVAL"),
        (
            "PUTVAL myhost/magic/MAGIC interval=2 1234:42 interval=5 2345:23",
            "PUTVAL",
        ),
        (
            "PUTVAL myhost/magic/MAGIC meta:KEY=\"string_value\" 1234:42",
            "PUTVAL",
        ),
        (
            "PUTVAL myhost/magic/MAGIC meta:KEY='string_value' 1234:42",
            "PUTVAL",
        ),
        // Vector 33, commented out in collectd: collie ignores unknown options.
        ("PUTVAL myhost/magic/MAGIC invalid=2 1234:42", "PUTVAL"),
    ];
    for (line, want) in ok {
        assert_eq!(kind(line), want, "{line}");
    }
    let bad = [
        (
            "FLUSH identifier=magic/MAGIC",
            "-1 Invalid identifier `magic'.\n",
        ),
        (
            "FLUSH myhost/magic/MAGIC",
            "-1 Invalid option string `myhost/magic/MAGIC'.\n",
        ),
        (
            "FLUSH timeout=A",
            "-1 Invalid value for option `timeout': A\n",
        ),
        (
            "FLUSH identifier=invalid",
            "-1 Invalid identifier `invalid'.\n",
        ),
        (
            "FLUSH invalid=option",
            "-1 Cannot parse option `invalid'.\n",
        ),
        (
            "GETVAL magic/MAGIC",
            "-1 Cannot parse identifier `magic/MAGIC'.\n",
        ),
        ("GETVAL", "-1 Missing identifier.\n"),
        ("GETVAL invalid", "-1 Cannot parse identifier `invalid'.\n"),
        (
            "LISTVAL invalid",
            "-1 Garbage after end of command: `invalid'.\n",
        ),
        (
            "PUTVAL magic/MAGIC N:42",
            "-1 Cannot parse identifier `magic/MAGIC'.\n",
        ),
        ("PUTVAL", "-1 Missing identifier and/or value-list.\n"),
        (
            "PUTVAL invalid N:42",
            "-1 Cannot parse identifier `invalid'.\n",
        ),
        (
            "PUTVAL myhost/magic/MAGIC A:42",
            "-1 Parsing the values string failed.\n",
        ),
        (
            "PUTVAL myhost/magic/MAGIC 1234:A",
            "-1 Parsing the values string failed.\n",
        ),
        (
            "PUTVAL myhost/magic/MAGIC",
            "-1 Missing identifier and/or value-list.\n",
        ),
        (
            "PUTVAL 1234:A",
            "-1 Missing identifier and/or value-list.\n",
        ),
        (
            "PUTVAL myhost/magic/UNKNOWN 1234:42",
            "-1 Type `UNKNOWN' isn't defined.\n",
        ),
        ("INVALID", "-1 Unknown command: INVALID\n"),
        ("INVALID interval=2", "-1 Unknown command: INVALID\n"),
    ];
    for (line, want) in bad {
        assert_eq!(err(line), want, "{line}");
    }
}

// putval_test.c (collectd main), with a host since collie has no default.
#[test]
fn collectd_putval_test_vectors() {
    let one = Some(Time::from_secs(1));
    assert_eq!(
        putval("PUTVAL example.com//MAGIC interval=1 1685945973:281000"),
        [(
            Time::from_secs(1685945973),
            one,
            std::vec![Value::Derive(281000)]
        )]
    );
    assert_eq!(
        putval("PUTVAL example.com//MAGIC interval=1 1685945973:281000 1685945974:562000"),
        [
            (
                Time::from_secs(1685945973),
                one,
                std::vec![Value::Derive(281000)]
            ),
            (
                Time::from_secs(1685945974),
                one,
                std::vec![Value::Derive(562000)]
            ),
        ]
    );
}

#[test]
fn commands_ignore_case_and_surrounding_whitespace() {
    assert_eq!(kind("getval h/p/MAGIC"), "GETVAL");
    assert_eq!(kind("GetVal h/p/MAGIC"), "GETVAL");
    assert_eq!(kind("  \tlistval"), "LISTVAL");
    assert_eq!(kind("LISTVAL\r\n"), "LISTVAL");
    assert_eq!(kind("LISTVAL\r\r\n\n"), "LISTVAL");
    assert_eq!(kind("LISTVAL   "), "LISTVAL");
    assert_eq!(kind("flush\n"), "FLUSH");
    assert_eq!(kind("PutNotif severity=okay time=1 message=m"), "PUTNOTIF");
    assert_eq!(kind("PUTVAL h/p/MAGIC N:1\r\n"), "PUTVAL");
}

#[test]
fn empty_and_blank_lines_are_no_command() {
    for line in ["", "\n", "\r\n", "   ", " \t \r\n"] {
        assert_eq!(kind(line), "none", "{line:?}");
    }
}

#[test]
fn a_nul_byte_anywhere_is_refused() {
    for line in [
        "\0GETVAL",
        "\0\x01\x02",
        "LISTVAL\0 garbage",
        "GETVAL\0",
        "GETVAL a/b/c\0d",
        "GETVAL \"a/b/c\"\0",
        "PUTVAL h/p/gauge N:1\0",
        "PUTVAL h/p/gauge N:1\0 N:2",
        "   \0",
    ] {
        assert_eq!(err(line), "-1 Line holds a NUL byte.\n", "{line:?}");
    }
}

#[test]
fn unknown_command_echoes_the_first_word() {
    assert_eq!(err("\"GETVAL\" a/b/c"), "-1 Unknown command: \"GETVAL\"\n");
    assert_eq!(err("  FOO\tbar"), "-1 Unknown command: FOO\n");
    assert_eq!(
        err("GETTHRESHOLD a/b/c"),
        "-1 Unknown command: GETTHRESHOLD\n"
    );
    assert_eq!(
        err("GETVAL\x0bh/p/MAGIC"),
        "-1 Unknown command: GETVAL\x0bh/p/MAGIC\n"
    );
    with(b"\xfe\xff x", |r| {
        assert_eq!(r, Err(Error::UnknownCommand(b"\xfe\xff")))
    });
}

#[test]
fn tokenizer_errors_reach_the_reply() {
    assert_eq!(err(r#"GETVAL "a/b/c"#), "-1 Unterminated quoted string.\n");
    assert_eq!(
        err(r#"PUTVAL "a/b/MAGIC\"#),
        "-1 Backslash at end of string.\n"
    );
    assert_eq!(
        err(r#"LISTVAL """#),
        "-1 Garbage after end of command: `'.\n"
    );
}

#[test]
fn getval_views_and_errors() {
    with(br#"GETVAL "my host/cpu-0/MAGIC-idle""#, |r| {
        let Ok(Some(Command::Getval(g))) = r else {
            panic!("{r:?}")
        };
        assert_eq!(g.identifier().raw, b"my host/cpu-0/MAGIC-idle");
        assert_eq!(g.identifier().plugin_instance, b"0");
        assert_eq!(g.data_set().name, "MAGIC");
    });
    assert_eq!(
        err("GETVAL a/b/MAGIC extra"),
        "-1 Garbage after identifier: `extra'.\n"
    );
    assert_eq!(
        err("GETVAL a/b/MAGIC \"x y\""),
        "-1 Garbage after identifier: `x y'.\n"
    );
    // collie fix: a single line, no blank line after it.
    assert_eq!(err("GETVAL a/b/nope-x"), "-1 Type `nope' is unknown.\n");
    // GETVAL does not check lengths.
    let long = std::format!("GETVAL {}/p/MAGIC", "h".repeat(300));
    assert_eq!(kind(&long), "GETVAL");
}

#[test]
fn putval_errors() {
    assert_eq!(
        err("PUTVAL a/b/nope 1:1"),
        "-1 Type `nope' isn't defined.\n"
    );
    let long = std::format!("PUTVAL a/b/MAGIC-{} 1:1", "i".repeat(128));
    assert_eq!(err(&long), "-1 Identifier too long.\n");
    let fits = std::format!("PUTVAL a/b/MAGIC-{} 1:1", "i".repeat(127));
    assert_eq!(kind(&fits), "PUTVAL");
    // Too long is checked before the type.
    let long = std::format!("PUTVAL {}/b/nope 1:1", "h".repeat(128));
    assert_eq!(err(&long), "-1 Identifier too long.\n");
    // collie fixes: trailing garbage and wrong value counts are errors.
    assert_eq!(
        err("PUTVAL a/b/MAGIC 1:42abc"),
        "-1 Parsing the values string failed.\n"
    );
    assert_eq!(
        err("PUTVAL a/b/load 1:1"),
        "-1 Parsing the values string failed.\n"
    );
    assert_eq!(
        err("PUTVAL a/b/MAGIC 1:1:2"),
        "-1 Parsing the values string failed.\n"
    );
    assert_eq!(
        err("PUTVAL a/b/MAGIC 1"),
        "-1 Parsing the values string failed.\n"
    );
    assert_eq!(
        err("PUTVAL a/b/MAGIC 1:U"),
        "-1 Parsing the values string failed.\n"
    );
    assert_eq!(
        err("PUTVAL a/b/MAGIC 0:5"),
        "-1 Parsing the values string failed.\n"
    );
    // All or nothing: a bad list anywhere fails the whole command.
    assert_eq!(
        err("PUTVAL a/b/MAGIC 1:1 2:2 3:x"),
        "-1 Parsing the values string failed.\n"
    );
}

#[test]
fn putval_options_apply_to_later_lists() {
    let lists = putval(
        "PUTVAL h/p/MAGIC 1:1 interval=10 2:2 INTERVAL=0 interval=-1 interval=x 3:3 interval=2.5s 4:4",
    );
    let intervals: Vec<_> = lists.iter().map(|l| l.1).collect();
    let ten = Some(Time::from_secs(10));
    assert_eq!(intervals, [None, ten, ten, Some(Time::from_secs_f64(2.5))]);
    let lists = putval(
        "PUTVAL h/p/MAGIC interval=5 meta:k=\"v w\" \"meta:q=\\\"s\\\"\" unknown=1 N:0x10 1.5:010",
    );
    assert_eq!(
        lists,
        [
            (
                Time::ZERO,
                Some(Time::from_secs(5)),
                std::vec![Value::Derive(16)]
            ),
            (
                Time::from_secs_f64(1.5),
                Some(Time::from_secs(5)),
                std::vec![Value::Derive(8)]
            ),
        ]
    );
}

#[test]
fn putval_with_options_only_has_no_lists() {
    with(b"PUTVAL h/p/MAGIC interval=10", |r| {
        let Ok(Some(Command::Putval(p))) = r else {
            panic!("{r:?}")
        };
        assert_eq!(p.value_list_count(), 0);
        assert_eq!(p.value_lists().count(), 0);
    });
}

#[test]
fn putval_multi_source_and_quoted_identifier() {
    let lists = putval("PUTVAL \"h/p/load\" 1700000000:1.5:U:-2 N::3:4:5");
    assert_eq!(lists.len(), 2);
    assert_eq!(lists[0].0, Time::from_secs(1700000000));
    assert!(
        matches!(lists[0].2[..], [Value::Gauge(a), Value::Gauge(b), Value::Gauge(c)]
        if a == 1.5 && b.is_nan() && c == -2.0)
    );
    assert_eq!(
        lists[1].2,
        [Value::Gauge(3.0), Value::Gauge(4.0), Value::Gauge(5.0)]
    );
    with(br#"PUTVAL testhost/test/"MAGIC-with space" 1:2"#, |r| {
        let Ok(Some(Command::Putval(p))) = r else {
            panic!("{r:?}")
        };
        assert_eq!(p.identifier().type_instance, b"with space");
        assert_eq!(p.data_set().name, "MAGIC");
    });
}

#[test]
fn flush_views() {
    with(
        b"FLUSH plugin=a PLUGIN=b identifier=h/p/t identifier=h/q/t-i timeout=-3 plugin=c",
        |r| {
            let Ok(Some(Command::Flush(f))) = r else {
                panic!("{r:?}")
            };
            assert_eq!(f.plugins().collect::<Vec<_>>(), [&b"a"[..], b"b", b"c"]);
            let ids: Vec<_> = f.identifiers().map(|i| i.raw).collect();
            assert_eq!(ids, [&b"h/p/t"[..], b"h/q/t-i"]);
            assert_eq!(f.flush_count(), 6);
            assert_eq!(f.timeout_secs(), 0.0);
        },
    );
    with(b"FLUSH", |r| {
        let Ok(Some(Command::Flush(f))) = r else {
            panic!("{r:?}")
        };
        assert_eq!(f.flush_count(), 1);
        assert_eq!(f.plugins().count(), 0);
    });
    with(b"FLUSH timeout=1.5s identifier=h/p/t", |r| {
        let Ok(Some(Command::Flush(f))) = r else {
            panic!("{r:?}")
        };
        assert_eq!(f.timeout_secs(), 1.5);
        assert_eq!(f.flush_count(), 1);
    });
    assert_eq!(
        err("FLUSH timeout=inf"),
        "-1 Invalid value for option `timeout': inf\n"
    );
    assert_eq!(
        err("FLUSH timeout="),
        "-1 Invalid value for option `timeout': \n"
    );
    assert_eq!(
        err("FLUSH Timeout=nan"),
        "-1 Invalid value for option `timeout': nan\n"
    );
    assert_eq!(err("FLUSH plugin=a =b"), "-1 Invalid option string `=b'.\n");
    assert_eq!(
        err("FLUSH identifier=h/gauge"),
        "-1 Invalid identifier `h'.\n"
    );
    assert_eq!(
        err("FLUSH identifier=/gauge"),
        "-1 Invalid identifier `'.\n"
    );
}

fn putnotif<R>(line: &str, f: impl FnOnce(&Putnotif<'_>) -> R) -> R {
    with(line.as_bytes(), |r| match r {
        Ok(Some(Command::Putnotif(p))) => f(&p),
        other => panic!("{line:?}: {other:?}"),
    })
}

#[test]
fn putnotif_views() {
    putnotif(
        "PUTNOTIF severity=Failure time=1700000000.5 message=down host=h plugin=p type=t",
        |p| {
            assert_eq!(p.severity(), Severity::Failure);
            assert_eq!(p.time(), Time::from_secs_f64(1700000000.5));
            assert_eq!(p.message(), b"down");
            assert_eq!(
                (p.host(), p.plugin(), p.type_()),
                (&b"h"[..], &b"p"[..], &b"t"[..])
            );
            assert_eq!(
                (p.plugin_instance(), p.type_instance()),
                (&b""[..], &b""[..])
            );
            assert_eq!(p.meta().count(), 0);
        },
    );
    let line = r#"PUTNOTIF  message="disk \"sda\" is \\ full"  SEVERITY=warning time=1 s:dev="sda 1" s:e="" HOST=a host="b c"  "#;
    putnotif(line, |p| {
        assert_eq!(p.severity(), Severity::Warning);
        assert_eq!(p.message(), br#"disk "sda" is \ full"#);
        assert_eq!(p.host(), b"b c");
        assert_eq!(
            p.meta().collect::<Vec<_>>(),
            [(&b"dev"[..], &b"sda 1"[..]), (b"e", b"")]
        );
    });
    // An unquoted value may hold quotes and backslashes after its first byte.
    putnotif(
        r#"PUTNOTIF severity=okay time=1 message=a"b\c plugin_instance="x""#,
        |p| {
            assert_eq!(p.message(), br#"a"b\c"#);
            assert_eq!(p.time(), Time::from_secs(1));
            assert_eq!(p.plugin_instance(), b"x");
        },
    );
    let long = std::format!(
        "PUTNOTIF severity=okay time=1 message={} type_instance={}",
        "m".repeat(300),
        "t".repeat(200)
    );
    putnotif(&long, |p| {
        assert_eq!(p.message().len(), 255);
        assert_eq!(p.type_instance().len(), 127);
    });
}

#[test]
fn putnotif_errors() {
    let cases = [
        ("PUTNOTIF", "-1 Option `severity' missing.\n"),
        (
            "PUTNOTIF time=1 message=m",
            "-1 Option `severity' missing.\n",
        ),
        (
            "PUTNOTIF severity=okay message=m",
            "-1 Option `time' missing.\n",
        ),
        (
            "PUTNOTIF severity=okay time=0 message=m",
            "-1 Option `time' missing.\n",
        ),
        (
            "PUTNOTIF severity=okay time=1",
            "-1 No message or message of length 0 given.\n",
        ),
        (
            "PUTNOTIF severity=okay time=1 message=\"\"",
            "-1 No message or message of length 0 given.\n",
        ),
        (
            "PUTNOTIF severity=okay time=1 message=m message=\"\"",
            "-1 No message or message of length 0 given.\n",
        ),
        (
            "PUTNOTIF severity=bad time=1 message=m",
            "-1 Error parsing option `severity'\n",
        ),
        (
            "PUTNOTIF severity=okay time=1x message=m",
            "-1 Error parsing option `time'\n",
        ),
        (
            "PUTNOTIF severity=okay time=1 message=m foo=bar",
            "-1 Error parsing option `foo'\n",
        ),
        (
            "PUTNOTIF severity=okay time=1 message=m i:k=5",
            "-1 Error parsing option `i:k'\n",
        ),
        (
            "PUTNOTIF severity=okay time=1 message=m s:=5",
            "-1 Error parsing option `s:'\n",
        ),
        (
            "PUTNOTIF severity=okay time=1 message=m S:k=5",
            "-1 Error parsing option `S:k'\n",
        ),
        (
            "PUTNOTIF severity=okay time=1 message=hello world",
            "-1 Malformed option.\n",
        ),
        (
            "PUTNOTIF severity= time=1 message=m",
            "-1 Malformed option.\n",
        ),
        (
            "PUTNOTIF severity=okay time=1 message=",
            "-1 Malformed option.\n",
        ),
        (
            "PUTNOTIF severity=okay time=1 message=\"m\"x",
            "-1 Malformed option.\n",
        ),
        (
            "PUTNOTIF severity=okay time=1 message=\"m",
            "-1 Malformed option.\n",
        ),
        (
            "PUTNOTIF severity=okay time=1 message=\"m\\",
            "-1 Malformed option.\n",
        ),
        (
            "PUTNOTIF severity=okay time=1 message=\"",
            "-1 Malformed option.\n",
        ),
        ("PUTNOTIF severity=okay time=1 =m", "-1 Malformed option.\n"),
        (
            "PUTNOTIF severity=okay time=1 mess-age=m",
            "-1 Malformed option.\n",
        ),
        // Options are checked in order: the first bad one decides.
        (
            "PUTNOTIF severity=bad message=hello world",
            "-1 Error parsing option `severity'\n",
        ),
        ("PUTNOTIF junk severity=bad", "-1 Malformed option.\n"),
    ];
    for (line, want) in cases {
        assert_eq!(err(line), want, "{line}");
    }
}

#[test]
fn lines_over_the_limit_are_refused() {
    let line = std::format!("PUTVAL h/p/MAGIC {}", "1:1 ".repeat(300));
    assert!(line.trim_end().len() > MAX_LINE);
    assert_eq!(err(&line), "-1 Line too long (over 1024 bytes).\n");
    let mut line = std::format!("LISTVAL{}", " ".repeat(MAX_LINE - 7));
    assert_eq!(kind(&line), "LISTVAL");
    line.push_str("\r\n");
    assert_eq!(kind(&line), "LISTVAL");
}

#[test]
fn unquoted_views_borrow_the_line() {
    let line = b"GETVAL h/p/MAGIC";
    let mut scratch = Scratch::new();
    let Ok(Some(Command::Getval(g))) = parse(line, &mut scratch, &Types) else {
        panic!()
    };
    assert!(core::ptr::eq(
        g.identifier().raw.as_ptr(),
        line[7..].as_ptr()
    ));
}

/// Every prefix of every interesting line parses without panicking, and
/// arbitrary bytes do too.
#[test]
fn never_panics() {
    let lines: &[&[u8]] = &[
        br#"PUTVAL "h/p/load" interval=1 1700000000:1.5:U:-2 N::3:4:5"#,
        br#"PUTNOTIF  message="disk \"sda\" is \\ full"  severity=warning time=1 s:dev="sda 1""#,
        b"FLUSH plugin=a identifier=h/p/t timeout=1e400",
        br#"GETVAL "a\"b/c/MAGIC" x"#,
        b"PUTVAL h/p/MAGIC 0x:08:-:+:1e:\xff\xfe",
    ];
    for line in lines {
        for end in 0..=line.len() {
            with(&line[..end], |_| ());
        }
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let alphabet = b"PUTVALGETNOIFSHvpmcx/=:\"\\ \t\r\n0123456789.-+eUNXfa\0";
    for _ in 0..20_000 {
        let mut line = Vec::new();
        let len = (seed % 40) as usize;
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            line.push(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        let prefix: &[u8] = match seed % 4 {
            0 => b"PUTVAL h/p/load ",
            1 => b"PUTNOTIF ",
            2 => b"FLUSH ",
            _ => b"",
        };
        let full = [prefix, &line].concat();
        with(&full, |r| {
            if let Ok(Some(Command::Putval(p))) = r {
                for l in p.value_lists() {
                    assert_eq!(l.values().count(), l.len());
                }
            }
        });
    }
}

/// Describe a parse result fully, so that NaN limits compare equal and lazily read values are included.
///
/// A PUTVAL is described by what it means (identifier, data set, lists),
/// not by how its fields were cut, which differs for quoted lines.
fn describe(result: &Result<Option<Command<'_>>, Error<'_>>) -> String {
    let Ok(Some(Command::Putval(p))) = result else {
        return std::format!("{result:?}");
    };
    let mut out = std::format!("Putval {:?} {:?}", p.identifier(), p.data_set());
    for list in p.value_lists() {
        let values: Vec<Value> = list.values().collect();
        out += &std::format!("|{:?} {:?} {values:?}", list.time(), list.interval());
    }
    out += &std::format!("|{}", p.value_list_count());
    out
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
    /// The PUTVAL fast path answers exactly as the general parser, whenever it answers.
    #[test]
    fn fast_path_matches_the_general_parser(
        word in proptest::sample::select(&["PUTVAL", "putval", "PutVal", "PUTVALX"][..]),
        seps in proptest::collection::vec(
            proptest::sample::select(&[" ", "\t", "  ", " \x0b", "\x0c ", "\r"][..]), 6),
        quoted in proptest::bool::ANY,
        host in proptest::sample::select(&[
            "h", "web-01.example.net", "a\x01b", "", "h\"q\"", "my host", "a\\b", "t\tab",
        ][..]),
        plugin in proptest::sample::select(&["cpu", "cpu-0", "", "p-a-b", "x!"][..]),
        type_ in proptest::sample::select(&[
            "gauge", "load", "if_octets", "counter", "derive", "absolute", "nope", "gauge-x",
            "load-a/b", "memory-used",
        ][..]),
        fields in proptest::collection::vec(proptest::sample::select(&[
            "interval=10", "INTERVAL=5", "meta:x=y", "1700000000:42", "N:1", "N:U", "1:0x10",
            "0:5:42", "1:1:2:3", "N:1.5:.5:5.", "1::2", ":1:2", "1:2:", "1:-5", "1:+5", "1:08",
            "1:0", "1e3:1", "1.5:1", "1700000000.123:7", "1.:2", "9.99999999999999999999999:1", "1:1e3", "99999999999999999999:1", "1:99999999999999999999",
            "N:nan", "1:2\0junk", "1:\"2\"", "x=1", "1:U:U", "-1:1", "N:-.5:+0.:9", "1:.",
        ][..]), 0..4),
        tail in proptest::sample::select(&["", "\r\n", "\n", " ", "\0 1:2"][..]),
    ) {
        let q = if quoted { "\"" } else { "" };
        let mut line = std::format!("{word}{}{q}{host}/{plugin}/{type_}{q}", seps[0]);
        for (field, sep) in fields.iter().zip(&seps[1..]) {
            line += sep;
            line += field;
        }
        line += tail;
        let line = line.as_bytes();
        if let Some(quick) = putval::Putval::parse_line_quick(line, &crate::dataset::BUILTIN) {
            let mut scratch = Scratch::new();
            let general = command::parse_general(line, &mut scratch, &crate::dataset::BUILTIN);
            proptest::prop_assert_eq!(describe(&Ok(Some(Command::Putval(quick)))), describe(&general));
            // A list found on the way is the general parser's only value list.
            if let (Some(only), Ok(Some(Command::Putval(general)))) = (quick.only_list(), general) {
                let mut lists = general.value_lists();
                let list = lists.next().unwrap();
                proptest::prop_assert!(lists.next().is_none());
                let read = |l: &values::ValueList<'_>| {
                    std::format!("{:?} {:?} {:?}", l.time(), l.interval(), l.values().collect::<Vec<_>>())
                };
                proptest::prop_assert_eq!(read(only), read(&list));
            }
        }
    }
}

#[test]
fn fast_path_takes_the_common_lines() {
    let line = b"PUTVAL web-01/cpu-0/cpu-user interval=10 1700000000:42\r\n";
    let quick = putval::Putval::parse_line_quick(line, &crate::dataset::BUILTIN).unwrap();
    let mut scratch = Scratch::new();
    let general = command::parse_general(line, &mut scratch, &crate::dataset::BUILTIN);
    assert_eq!(
        describe(&Ok(Some(Command::Putval(quick)))),
        describe(&general)
    );
    let quoted = b"PUTVAL \"my host/exec/gauge-x\" interval=5 N:42.5";
    let quick = putval::Putval::parse_line_quick(quoted, &crate::dataset::BUILTIN).unwrap();
    assert_eq!(quick.identifier().host, b"my host");
    let only = quick.only_list().unwrap();
    assert!(only.values().eq([Value::Gauge(42.5)]));
    assert_eq!(only.interval(), Some(crate::time::Time::from_secs(5)));
    for line in [
        &b"PUTVAL \"h/p/gau\\ge\" 1:2"[..],
        b"PUTVAL \"h/p/gauge 1:2",
        b"PUTVAL h/p/\"gauge\" 1:2",
        b" PUTVAL h/p/gauge 1:2",
        b"PUTVAL h/p/gauge",
        b"PUTVAL h/p/nope 1:2",
        b"GETVAL h/p/gauge",
    ] {
        assert!(putval::Putval::parse_line_quick(line, &crate::dataset::BUILTIN).is_none());
    }
}
