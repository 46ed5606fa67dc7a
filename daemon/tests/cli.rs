//! `collied check` and `collied debug` as a user runs them, and jobs inside the running daemon.
//!
//! Every message a user sees for a bad main file or a bad module file is
//! pinned here: file, line, column, suggestion and exit code.

mod common;
#[path = "../../tests/support_netdata/mod.rs"]
mod support_netdata;

use std::fs;
use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{COLLIED, Collied, Options, read_until, temp_dir};

/// A weather job whose readings hold at 21.5 °C and 64.3 %.
const FIXED_WEATHER: &str = "jobs:\n  - name: station\n    fixed: true\n";

/// Run `collied args…` on `main` (as DIR/collie.yaml) and `modules` (as DIR/collie.d/<name>.yaml); return the exit code, stdout and stderr with DIR for the directory.
fn collied(args: &[&str], main: &str, modules: &[(&str, &str)]) -> (i32, String, String) {
    let dir = temp_dir("collied-cli");
    fs::write(dir.join("collie.yaml"), main).unwrap();
    fs::create_dir_all(dir.join("collie.d")).unwrap();
    for (name, text) in modules {
        fs::write(dir.join(format!("collie.d/{name}.yaml")), text).unwrap();
    }
    let out = Command::new(COLLIED)
        .args(args)
        .arg("--config")
        .arg(dir.join("collie.yaml"))
        .env_remove("NETDATA_USER_CONFIG_DIR")
        .env_remove("NETDATA_STOCK_CONFIG_DIR")
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).replace(&dir.display().to_string(), "DIR");
    fs::remove_dir_all(&dir).unwrap();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn check_pins_mistakes_in_the_main_file() {
    let (code, out, err) = collied(&["check"], "socket: /tmp/x.sock\ndefault_rn: false\n", &[]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "DIR/collie.yaml:2:1: unknown key `default_rn`, did you mean `default_run`?\n"
    );
    assert_eq!(out, "", "nothing is described when the file is invalid");

    let (code, _, err) = collied(&["check"], "modules:\n  weathr: true\n", &[]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "DIR/collie.yaml:2:3: modules: unknown module `weathr`, did you mean `weather`?\n"
    );

    let (code, _, err) = collied(&["check"], "modules:\n  zzz: true\n", &[]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "DIR/collie.yaml:2:3: modules: unknown module `zzz`; known modules: command, httpjson, \
         nginxlog, redis, weather\n"
    );

    let (code, _, err) = collied(&["check"], "netdata:\n  enabld: true\n", &[]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "DIR/collie.yaml:2:3: netdata: unknown key `enabld`, did you mean `enabled`?\n"
    );
}

#[test]
fn check_pins_mistakes_in_module_files() {
    let main = "default_run: false\nmodules:\n  weather: true\n  redis: true\n";
    let (code, out, err) = collied(
        &["check"],
        main,
        &[
            ("weather", "jobs:\n  - name: station\n    fixd: true\n"),
            ("redis", "prot: 6379\n"),
            // Not enabled: never read.
            ("nginxlog", "not: [valid\n"),
        ],
    );
    assert_eq!(code, 2, "{out}");
    assert_eq!(
        err,
        "DIR/collie.d/weather.yaml:3:5: jobs[0]: unknown key `fixd`, did you mean `fixed`?\n\
         DIR/collie.d/redis.yaml:1:1: unknown key `prot`, did you mean `port`?\n"
    );
    let (code, _, err) = collied(
        &["check"],
        main,
        &[("weather", "update_every: 0\n"), ("redis", "")],
    );
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "DIR/collie.d/weather.yaml:1:1: job `weather`: `update_every` must be at least 1\n"
    );
}

#[test]
fn check_lists_the_jobs_that_would_run() {
    let (code, out, err) = collied(
        &["check"],
        "socket: /tmp/x.sock\ndefault_run: false\nmodules:\n  weather: true\n  redis: true\n",
        &[
            ("weather", FIXED_WEATHER),
            (
                "redis",
                "update_every: 5\njobs:\n  - name: local\n    unix_socket: /run/r.sock\n  - name: local\n",
            ),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let jobs: Vec<&str> = out.lines().filter(|l| l.starts_with("job ")).collect();
    assert_eq!(
        jobs,
        [
            "job weather[station]: computed by the module, every 1 s, from DIR/collie.d/weather.yaml",
            "job redis[local]: unix socket /run/r.sock, every 5 s, from DIR/collie.d/redis.yaml",
            "job redis[local] (if the one above fails): tcp localhost:6379, every 5 s, from DIR/collie.d/redis.yaml",
        ]
    );
    assert!(out.ends_with("configuration is valid\n"), "{out}");

    // Without a module file, a module runs its default job, if it has one.
    let (code, out, _) = collied(
        &["check"],
        "default_run: false\nmodules:\n  redis: true\n  weather: true\n",
        &[],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains(
            "job redis[redis]: tcp localhost:6379, every 1 s, module defaults (no module file)\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("note: weather: no collie.d/weather.yaml found, so no jobs\n"),
        "{out}"
    );
}

#[test]
fn debug_runs_a_builtin_module_once() {
    let (code, out, err) = collied(
        &["debug", "weather", "--once"],
        "socket: /tmp/x.sock\n",
        &[("weather", FIXED_WEATHER)],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines()
            .filter(|l| !l.contains("check passed"))
            .collect::<Vec<_>>(),
        [
            "weather[station]: computed by the module, every 1 s (DIR/collie.d/weather.yaml)",
            "  weather_station.temp_current \"Temperature\" (Celsius)",
            "    current  21.5  (collected 215 × 1 ÷ 10)",
            "  weather_station.temp_stats \"Temperature statistics\" (Celsius)",
            "    min      21.5  (collected 2150 × 1 ÷ 100)",
            "    max      21.5  (collected 2150 × 1 ÷ 100)",
            "    average  21.5  (collected 2150 × 1 ÷ 100)",
            "  weather_station.humid_current \"Humidity\" (percentage)",
            "    relative  64.3  (collected 643 × 1 ÷ 10)",
        ]
    );

    let (code, out, _) = collied(
        &["debug", "command", "--once"],
        "",
        &[(
            "command",
            "jobs:\n  - name: q\n    command: printf 'ready 4\\n'\n    charts:\n      - id: jobs\n        dimensions:\n          - key: ready\n",
        )],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("    ready  4\n"), "{out}");

    let (code, out, _) = collied(&["debug", "wether", "--once"], "", &[]);
    assert_eq!(code, 1);
    assert_eq!(out, "unknown module `wether`, did you mean `weather`?\n");
}

#[test]
fn help_and_version_come_from_clap() {
    let out = Command::new(COLLIED).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for word in ["check", "debug", "--config", "--socket", "collie.d"] {
        assert!(help.contains(word), "{word} missing from:\n{help}");
    }
    let out = Command::new(COLLIED).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("collied {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn jobs_run_inside_the_daemon_and_their_values_are_in_the_cache() {
    let dir = temp_dir("collied-jobs");
    fs::create_dir_all(dir.join("collie.d")).unwrap();
    fs::write(dir.join("collie.d/weather.yaml"), FIXED_WEATHER).unwrap();
    let socket = dir.join("collied.sock");
    let c = Collied::start_in(
        dir,
        socket,
        Options {
            yaml: "hostname: h\ndefault_run: false\nmodules: {weather: true}\n\
                   netdata: {internal_charts: false}\n",
            ..Options::default()
        },
    );
    let id = "h/weather-station/gauge-temp_current_current";
    let mut conn = c.connect();
    let deadline = Instant::now() + Duration::from_secs(10);
    let reply = loop {
        conn.write_all(format!("GETVAL {id}\n").as_bytes()).unwrap();
        let reply = read_until(&mut conn, Duration::from_secs(5), |t| {
            t.contains("value=") || t.starts_with("-1")
        });
        if reply.contains("value=") {
            break reply;
        }
        assert!(Instant::now() < deadline, "{reply:?}\n{}", c.stderr());
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        reply.starts_with("1 Value found\nvalue=2.150000e+01"),
        "{reply:?}"
    );

    std::thread::sleep(Duration::from_millis(1500));
    let stdout = c.stdout();
    let report = support_netdata::validate(&stdout).expect("valid plugins.d");
    assert!(
        report.charts.contains_key("weather_station.temp_current"),
        "{stdout}"
    );
    assert!(
        report.charts.keys().all(|k| !k.contains("weather-station")),
        "a job's values are charted once, by the job: {:?}",
        report.charts.keys()
    );
}

/// The long options `help` lists (`--name`), without `--help` and `--version`.
fn long_options(help: &str) -> std::collections::BTreeSet<String> {
    help.split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| w.split('=').next().unwrap().to_owned())
        .filter(|w| w != "--help" && w != "--version")
        .collect()
}

fn help(args: &[&str]) -> String {
    let out = Command::new(COLLIED).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_readme_usage_agrees_with_every_help() {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let start = readme
        .find("```text\ncollied [")
        .expect("the README's usage block");
    let block = &readme[start + 8..];
    let block = &block[..block.find("```").unwrap()];
    let main = help(&["--help"]);
    assert!(main.contains("collied <N> [NETDATA OPTIONS]"), "{main}");
    assert_eq!(
        help(&["1", "--help"]),
        main,
        "`collied 1 --help` is help too"
    );
    // Each subcommand `collied --help` names has a README line with exactly its options.
    let commands: Vec<&str> = main
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|&c| c != "help")
        .collect();
    assert_eq!(commands, ["check", "debug", "install-plugin"]);
    for command in commands {
        let line = block
            .lines()
            .find(|l| l.starts_with(&format!("collied {command} ")))
            .unwrap_or_else(|| panic!("no README line for `collied {command}`"));
        let usage = line.split('#').next().unwrap();
        assert_eq!(
            long_options(usage),
            long_options(&help(&[command, "--help"])),
            "README: {line}"
        );
    }
    let run = block.lines().next().unwrap();
    assert_eq!(long_options(run), long_options(&main), "README: {run}");
    assert!(block.contains("collied <N>") && block.contains("collied --help | --version"));
}

#[test]
fn check_reports_every_problem_start_would_meet() {
    let (code, out, err) = collied(
        &["check"],
        "intreval: 1\nsokcet: x.sock\nmodules:\n  wether: true\n",
        &[],
    );
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "DIR/collie.yaml:1:1: unknown key `intreval`, did you mean `interval`?\n\
         DIR/collie.yaml:2:1: unknown key `sokcet`, did you mean `socket`?\n\
         DIR/collie.yaml:4:3: modules: unknown module `wether`, did you mean `weather`?\n"
    );
    let (code, out, err) = collied(
        &["check"],
        "socket: /nonexistent/dir/c.sock\ntypes_db: [/nonexistent/types.db]\nexec:\n  \
         - {user: no-such-user-here, command: /nonexistent/program}\n  \
         - {user: nobody, command: no-such-program-anywhere}\n",
        &[],
    );
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "DIR/collie.yaml: socket /nonexistent/dir/c.sock: the directory /nonexistent/dir does not exist\n\
         /nonexistent/types.db: cannot read: No such file or directory (os error 2)\n\
         DIR/collie.yaml: exec[0] (/nonexistent/program): no user \"no-such-user-here\"\n\
         DIR/collie.yaml: exec[0]: `/nonexistent/program` is not an executable file\n\
         DIR/collie.yaml: exec[1]: `no-such-program-anywhere` is not an executable file in PATH\n"
    );
}
