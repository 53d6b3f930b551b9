//! Splitting a shell line into words, as a POSIX shell quotes them: `'single'` keeps
//! everything, `"double"` keeps all but `\"` and `\\`, a backslash outside quotes keeps the
//! next character, and whitespace separates words.

/// The words of `line`.
///
/// # Errors
///
/// A quote left open.
pub(crate) fn split(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    // Whether a word has begun: `''` is an empty word, not none.
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("a ' is not closed".to_owned()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("a \" is not closed".to_owned()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("a \" is not closed".to_owned()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    word.push(c);
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn quotes_and_escapes_as_in_a_shell() {
        assert_eq!(split("  ls -l  /app ").unwrap(), ["ls", "-l", "/app"]);
        assert_eq!(
            split(r#"set /a 'two words' "x\"y" a\ b"#).unwrap(),
            ["set", "/a", "two words", "x\"y", "a b"]
        );
        assert_eq!(split("create /e ''").unwrap(), ["create", "/e", ""]);
        assert_eq!(split(r#"get "\n""#).unwrap(), ["get", "\\n"]);
        assert!(split("set /a 'open").is_err());
        assert!(split("set /a \"open").is_err());
        assert_eq!(split("").unwrap(), Vec::<String>::new());
    }
}
