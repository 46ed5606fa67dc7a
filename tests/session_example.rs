//! examples/session.rs answers the sample session, and says plainly when it cannot read its input.

#[path = "support/examples.rs"]
mod examples;

use std::process::Command;

#[test]
fn answers_the_sample_and_names_a_missing_file() {
    let out = Command::new(examples::built("session")).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("< 0 Success: 1 value has been dispatched."),
        "{text}"
    );

    let out = Command::new(examples::built("session"))
        .arg("no/such/file.txt")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "session: no/such/file.txt: No such file or directory (os error 2)\n"
    );
}
