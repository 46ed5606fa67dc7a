//! The log source: starts at the end, returns whole new lines, follows rotation and truncation.

mod jobs_support;

use std::fs::OpenOptions;
use std::io::Write;

use collied::source::{Log, LogConfig, Source};
use jobs_support::Scratch;

fn append(path: &std::path::Path, text: &str) {
    let mut f = OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

#[test]
fn follows_appends_rotation_and_truncation() {
    let dir = Scratch::new("log");
    let path = dir.write("access.log", "old 1\nold 2\n");
    let mut log = Log::open(&LogConfig { path: path.clone() }).unwrap();
    assert_eq!(
        log.fetch().unwrap(),
        Vec::<String>::new(),
        "starts at the end"
    );

    append(&path, "a\nb\npart");
    assert_eq!(log.fetch().unwrap(), ["a", "b"]);
    append(&path, "ial\r\n");
    assert_eq!(log.fetch().unwrap(), ["partial"]);

    // Rotation: lines written to the old file before the rename are not
    // lost, and the new file is read from its start.
    append(&path, "last of old\n");
    std::fs::rename(&path, dir.path("access.log.1")).unwrap();
    append(&dir.path("access.log.1"), "late to old\n");
    std::fs::write(&path, "new 1\n").unwrap();
    assert_eq!(
        log.fetch().unwrap(),
        ["last of old", "late to old", "new 1"]
    );
    append(&path, "new 2\n");
    assert_eq!(log.fetch().unwrap(), ["new 2"]);

    // Truncation: start again at 0.
    std::fs::write(&path, "").unwrap();
    assert_eq!(log.fetch().unwrap(), Vec::<String>::new());
    append(&path, "after truncate\n");
    assert_eq!(log.fetch().unwrap(), ["after truncate"]);

    // Rotated away and not yet recreated: nothing, and no error.
    std::fs::rename(&path, dir.path("access.log.2")).unwrap();
    assert_eq!(log.fetch().unwrap(), Vec::<String>::new());
    std::fs::write(&path, "back\n").unwrap();
    assert_eq!(log.fetch().unwrap(), ["back"]);
}

#[test]
fn a_missing_file_fails_the_open() {
    let dir = Scratch::new("log-missing");
    let path = dir.path("nope.log");
    let e = Log::open(&LogConfig { path: path.clone() }).unwrap_err();
    // An absent file is news, not a fault: the job says so calmly.
    assert_eq!(
        e.downcast_ref::<collied::source::Absent>(),
        Some(&collied::source::Absent::File(path.display().to_string()))
    );
    assert_eq!(e.to_string(), format!("no file {}", path.display()));
    assert_eq!(
        Log::validate(&LogConfig::default()).unwrap_err(),
        "`path` is required"
    );
}
