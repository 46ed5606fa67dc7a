//! Module and main files: defaults, overrides, alternatives, and strict errors at file:line:column.

mod jobs_support;

use std::path::Path;

use collied::config::{ConfigDirs, parse_main_file};
use collied::jobs::JobSpec;
use collied::modules::builtin;
use jobs_support::Scratch;

fn load(module: &str, text: &str) -> Result<Vec<JobSpec>, String> {
    builtin()
        .parse_module(module, Path::new("collie.d/x.yaml"), text)
        .map_err(|e| e.to_string())
}

fn err(module: &str, text: &str) -> String {
    load(module, text).expect_err("the file is refused")
}

#[test]
fn jobs_take_module_defaults_and_override_them() {
    let jobs = load(
        "redis",
        "\
# defaults for every job
update_every: 5
timeout: 0.5
jobs:
  - name: local
  - name: remote
    host: 10.0.0.1
    update_every: 10
    penalty: false
  - name: sock
    unix_socket: /run/redis.sock
",
    )
    .unwrap();
    let summary: Vec<_> = jobs
        .iter()
        .map(|j| {
            let s = &j.settings;
            (
                s.name.as_str(),
                s.update_every,
                s.penalty,
                s.priority,
                j.source.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("local", 5, true, 60000, "tcp localhost:6379"),
            ("remote", 10, false, 60000, "tcp 10.0.0.1:6379"),
            ("sock", 5, true, 60000, "unix socket /run/redis.sock"),
        ]
    );
    assert_eq!(jobs[1].settings.full_name(), "redis_remote");
    assert_eq!(jobs[0].file.as_deref(), Some(Path::new("collie.d/x.yaml")));
}

#[test]
fn a_file_without_jobs_is_one_job_and_an_empty_file_the_default_job() {
    let jobs = load("nginxlog", "path: /tmp/access.log\nupdate_every: 3\n").unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (
            jobs[0].settings.name.as_str(),
            jobs[0].settings.update_every
        ),
        ("nginxlog", 3)
    );
    assert_eq!(jobs[0].settings.full_name(), "nginxlog");
    assert_eq!(jobs[0].source, "new lines of /tmp/access.log");
    let jobs = load("weather", "# nothing but a comment\n").unwrap();
    assert_eq!(jobs[0].settings.name, "weather");
    assert_eq!(load("weather", "jobs: []\n").unwrap().len(), 0);
    let jobs = load("weather", "jobs:\n  - name: my station\n").unwrap();
    assert_eq!(jobs[0].settings.full_name(), "weather_my_station");
}

#[test]
fn unknown_keys_are_placed_and_a_near_one_suggested() {
    assert_eq!(
        err(
            "redis",
            "update_every: 5\njobs:\n  - name: local\n    updte_every: 2\n"
        ),
        "collie.d/x.yaml:4:5: jobs[0]: unknown key `updte_every`, did you mean `update_every`?"
    );
    assert_eq!(
        err("redis", "updte_every: 5\n"),
        "collie.d/x.yaml:1:1: unknown key `updte_every`, did you mean `update_every`?"
    );
    assert_eq!(
        err("redis", "jobs:\n  - name: local\n    colour: 0\n"),
        "collie.d/x.yaml:3:5: jobs[0]: unknown key `colour`; known keys: autodetection_retry, \
         chart_cleanup, host, keep_alive, name, password, penalty, port, priority, request, \
         timeout, unix_socket, update_every"
    );
    // Inside a module's nested settings too.
    assert_eq!(
        err(
            "command",
            "jobs:\n  - name: x\n    command: ls\n    charts:\n      - id: a\n        tittle: b\n        dimensions: []\n"
        ),
        "collie.d/x.yaml:6:9: jobs[0].charts[0]: unknown key `tittle`, did you mean `title`?"
    );
    assert_eq!(
        err(
            "httpjson",
            "jobs:\n  - name: x\n    url: http://h/\n    usr: me\n"
        ),
        "collie.d/x.yaml:4:5: jobs[0]: unknown key `usr`, did you mean `user`?"
    );
}

#[test]
fn wrong_values_are_placed_at_the_value() {
    assert_eq!(
        err("redis", "jobs:\n  - name: local\n    update_every: two\n"),
        "collie.d/x.yaml:3:19: jobs[0].update_every: invalid type: string \"two\", expected u32"
    );
    assert_eq!(
        err("redis", "jobs:\n  - name: local\n    port: 70000\n"),
        "collie.d/x.yaml:3:11: jobs[0].port: invalid value: integer `70000`, expected u16"
    );
    assert_eq!(
        err("command", "jobs:\n  - name: x\n    command: ls | wc -l\n"),
        "collie.d/x.yaml:3:14: jobs[0].command: command `ls | wc -l` contains `|`: commands run \
         without a shell, so `&`, `|`, `;`, `>` and `<` are refused (no shell is used: they \
         would reach the program as text)"
    );
}

#[test]
fn incomplete_jobs_are_placed_at_the_job() {
    assert_eq!(
        err("redis", "jobs:\n  - name: local\n    update_every: 0\n"),
        "collie.d/x.yaml:2:5: jobs[0]: job `local`: `update_every` must be at least 1"
    );
    assert_eq!(
        err(
            "httpjson",
            "jobs:\n  - name: x\n    charts:\n      - id: a\n        dimensions:\n          - key: a\n"
        ),
        "collie.d/x.yaml:2:5: jobs[0]: job `x`: `url` is required"
    );
    assert_eq!(
        err("command", "jobs:\n  - name: x\n    command: ls\n"),
        "collie.d/x.yaml:2:5: jobs[0]: job `x`: `charts` needs at least one chart"
    );
    assert_eq!(
        err(
            "command",
            "jobs:\n  - name: x\n    command: ls\n    charts:\n      - id: a.b\n        dimensions:\n          - key: k\n"
        ),
        "collie.d/x.yaml:2:5: jobs[0]: job `x`: chart `a.b`: chart id holds a character Netdata rejects"
    );
    assert_eq!(
        err("weather", "jobs:\n  - name: a/b\n"),
        "collie.d/x.yaml:2:5: jobs[0]: job `a/b`: name `a/b` may only hold letters, digits, `_`, `-` and spaces"
    );
}

#[test]
fn every_unknown_key_and_module_is_reported_at_once() {
    let names = builtin().names();
    let text = "intreval: 10\nsokcet: x.sock\nnetdata:\n  enabled: true\nmodules:\n  reds: true\n  weather: true\n  nginx_log: false\n";
    let errors = parse_main_file(Path::new("collie.yaml"), text, &names).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "collie.yaml:1:1: unknown key `intreval`, did you mean `interval`?",
            "collie.yaml:2:1: unknown key `sokcet`, did you mean `socket`?",
            "collie.yaml:6:3: modules: unknown module `reds`, did you mean `redis`?",
            "collie.yaml:8:3: modules: unknown module `nginx_log`, did you mean `nginxlog`?",
        ]
    );
}

#[test]
fn the_main_file_names_only_known_modules() {
    let names = builtin().names();
    let main = parse_main_file(
        Path::new("collie.yaml"),
        "default_run: false\nmodules:\n  redis: true\n",
        &names,
    )
    .unwrap();
    assert!(main.enabled("redis") && !main.enabled("weather"));
    let e =
        parse_main_file(Path::new("collie.yaml"), "modules:\n  reds: true\n", &names).unwrap_err();
    assert_eq!(
        e[0].to_string(),
        "collie.yaml:2:3: modules: unknown module `reds`, did you mean `redis`?"
    );
    let e = parse_main_file(
        Path::new("collie.yaml"),
        "modules:\n  mysql: true\n",
        &names,
    )
    .unwrap_err();
    assert_eq!(
        e[0].to_string(),
        "collie.yaml:2:3: modules: unknown module `mysql`; known modules: command, httpjson, nginxlog, redis, weather"
    );
    let e = parse_main_file(Path::new("collie.yaml"), "default_rn: true\n", &names).unwrap_err();
    assert_eq!(
        e[0].to_string(),
        "collie.yaml:1:1: unknown key `default_rn`, did you mean `default_run`?"
    );
    let e =
        parse_main_file(Path::new("collie.yaml"), "modules:\n  redis: yes\n", &names).unwrap_err();
    assert_eq!(
        e[0].to_string(),
        "collie.yaml:2:10: modules.redis: invalid type: string \"yes\", expected a boolean"
    );
}

#[test]
fn files_are_found_in_the_user_then_the_stock_directory() {
    let user = Scratch::new("cfg-user");
    let stock = Scratch::new("cfg-stock");
    user.write(
        "collie.yaml",
        "default_run: false\nmodules:\n  weather: true\n  redis: true\n  command: true\n",
    );
    stock.write("collie.yaml", "default_run: true\n");
    user.write("collie.d/weather.yaml", "jobs:\n  - name: mine\n");
    stock.write("collie.d/weather.yaml", "jobs:\n  - name: stock\n");
    stock.write("collie.d/redis.yaml", "jobs:\n  - name: from_stock\n");
    let dirs = ConfigDirs {
        user: Some(user.0.clone()),
        stock: Some(stock.0.clone()),
    };
    let loaded = builtin().load(&dirs).unwrap();
    let names: Vec<_> = loaded.jobs.iter().map(|j| j.label()).collect();
    assert_eq!(names, ["weather[mine]", "redis[from_stock]"]);
    assert_eq!(
        loaded.notes,
        ["command: no collie.d/command.yaml found, so no jobs"]
    );

    // Errors of every file are gathered.
    user.write("collie.d/weather.yaml", "jobs:\n  - nme: x\n");
    user.write("collie.d/redis.yaml", "prot: 1\n");
    let errors: Vec<String> = builtin()
        .load(&dirs)
        .unwrap_err()
        .iter()
        .map(|e| e.to_string().replace(&user.0.display().to_string(), "USER"))
        .collect();
    assert_eq!(
        errors,
        [
            "USER/collie.d/weather.yaml:2:5: jobs[0]: unknown key `nme`, did you mean `name`?",
            "USER/collie.d/redis.yaml:1:1: unknown key `prot`, did you mean `port`?",
        ]
    );
}
