//! Every Rust example of the README is one of the guide's, which rustdoc compiles: the
//! README's block must equal the visible lines of a guide block (rustdoc hides lines that start
//! with `# `, which wrap a fragment in a function). The README's recipe examples are checked
//! the same way against zk-recipes' crate docs, by zk-recipes' own test, so they are skipped
//! here.

use std::path::Path;

/// The bodies of the fenced Rust blocks of `text`, as lines.
fn rust_blocks(text: &str) -> Vec<Vec<&str>> {
    let mut found = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        match &mut current {
            None if line.starts_with("```rust") => current = Some(Vec::new()),
            None => {}
            Some(_) if line == "```" => found.extend(current.take()),
            Some(body) => body.push(line),
        }
    }
    found
}

/// What a reader of the rendered docs sees of a block.
fn visible<'a>(block: &[&'a str]) -> Vec<&'a str> {
    block
        .iter()
        .copied()
        .filter(|line| !(line.starts_with("# ") || *line == "#"))
        .collect()
}

#[test]
fn every_readme_example_is_a_compiled_guide_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let recipes = readme.find("## Recipes\n").expect("a recipes section");
    let after_recipes = recipes + readme[recipes..].find("\n## ").expect("a section after it");
    let outside_recipes = format!("{}{}", &readme[..recipes], &readme[after_recipes..]);

    let mut chapters = String::new();
    for entry in std::fs::read_dir(root.join("chapters")).unwrap() {
        chapters += &std::fs::read_to_string(entry.unwrap().path()).unwrap();
        chapters.push('\n');
    }
    let compiled: Vec<Vec<&str>> = rust_blocks(&chapters).iter().map(|b| visible(b)).collect();

    let examples = rust_blocks(&outside_recipes);
    assert!(examples.len() >= 8, "the README's examples were not found");
    for example in &examples {
        assert!(
            compiled.contains(example),
            "a README example is not in the guide (where it would be compiled):\n{}",
            example.join("\n")
        );
    }
}
