//! The README's example of testing with the embedded server is the guide's, which rustdoc
//! compiles: this keeps the two the same, so the README's code compiles as a user writes it.

use std::path::Path;

/// The body of the first fenced block opened with `fence` in `text`.
fn first_block<'a>(text: &'a str, fence: &str) -> &'a str {
    let start = text.find(fence).expect("a code block") + fence.len() + 1;
    let end = start + text[start..].find("\n```").expect("the block's end") + 1;
    &text[start..end]
}

#[test]
fn the_readme_embedded_server_example_is_the_compiled_guide_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let section = &readme[readme
        .find("## Testing your code without Java")
        .expect("the README's embedded-server section")..];
    let guide = std::fs::read_to_string(root.join("chapters/10-testing.md")).unwrap();
    let chapter = &guide[guide.find("## Without Java").expect("the guide's section")..];
    assert_eq!(
        first_block(section, "```rust,no_run"),
        first_block(chapter, "```rust,no_run"),
        "the README's example differs from the guide's (compiled) one"
    );
}
