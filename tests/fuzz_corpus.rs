//! Replay the fuzzer's seed corpus (and any saved crash) as a normal test.
//!
//! The property checked is the fuzz target's own (`fuzz/fuzz_targets/check.rs`),
//! so CI covers it even where libFuzzer is not run.

#[path = "../fuzz/fuzz_targets/check.rs"]
mod check;
#[path = "../fuzz/fuzz_targets/check_network.rs"]
mod check_network;

use std::path::Path;

#[test]
fn seed_corpus_and_regressions_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut inputs = 0;
    for dir in ["corpus/seed", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("readable corpus directory").path();
            let data = std::fs::read(&path).expect("readable corpus file");
            check::check(&data);
            inputs += 1;
        }
    }
    assert!(inputs >= 50, "only {inputs} seed inputs were found");
}

#[test]
fn network_seed_corpus_holds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/network-seed");
    let mut inputs = 0;
    for entry in std::fs::read_dir(dir).expect("the network seed corpus is there") {
        let data = std::fs::read(entry.expect("readable corpus directory").path())
            .expect("readable corpus file");
        check_network::check(&data);
        inputs += 1;
    }
    assert!(inputs >= 15, "only {inputs} network seed inputs were found");
}
