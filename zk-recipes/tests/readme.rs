//! The README's recipe examples are the crate docs' examples, which rustdoc compiles: this
//! keeps the two the same, so the README's code compiles as a user writes it.

use std::path::Path;

/// The bodies of the fenced code blocks opened with `fence` in `text`.
fn blocks(text: &str, fence: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim() == fence => current = Some(String::new()),
            None => {}
            Some(_) if line.trim() == "```" => found.extend(current.take()),
            Some(body) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    found
}

#[test]
fn the_readme_recipe_examples_are_the_compiled_crate_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let start = readme.find("## Recipes\n").expect("a recipes section");
    let end = start + readme[start..].find("\n## ").expect("a section after it") + 1;
    let from_readme = blocks(&readme[start..end], "```rust");
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let docs: String = lib
        .lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| format!("{}\n", line.strip_prefix(' ').unwrap_or(line)))
        .collect();
    let from_docs = blocks(&docs, "```no_run");
    assert!(!from_readme.is_empty());
    for example in &from_readme {
        assert!(
            from_docs.contains(example),
            "a README recipe example is not in the crate docs:\n{example}"
        );
    }
}
