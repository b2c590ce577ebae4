//! The repository's copy of the contract fixtures must not drift from the team's.

use std::collections::BTreeMap;
use std::path::Path;

use super::fixtures::{shared_dir, vendored_dir};

fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                found.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

#[test]
fn the_vendored_contracts_equal_the_shared_ones_when_both_are_present() {
    let shared = shared_dir();
    if !shared.is_dir() {
        return; // A clone without the team's shared folder tests against the copy alone.
    }
    let (theirs, ours) = (files(&shared), files(&vendored_dir()));
    let differing: Vec<_> =
        theirs.keys().chain(ours.keys()).filter(|name| theirs.get(*name) != ours.get(*name)).collect();
    assert!(
        differing.is_empty(),
        "tests/fixtures/contracts differs from ../shared/contracts in {differing:?}; refresh it with\n  rm -r tests/fixtures/contracts && cp -r ../shared/contracts tests/fixtures/contracts"
    );
}
