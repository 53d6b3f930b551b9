//! Data given on the command line: the argument itself, a file, or stdin when the argument
//! is `-`.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

use crate::exit::Failure;

/// The bytes of a data argument or file (clap lets through at most one): a file's contents,
/// stdin to its end for `-`, the argument as it is otherwise, and empty data for neither.
///
/// # Errors
///
/// A [`Failure`] when the file or stdin cannot be read.
pub(crate) fn data(argument: Option<&str>, file: Option<&Path>) -> Result<Vec<u8>, Failure> {
    if let Some(file) = file {
        return fs::read(file).map_err(|e| Failure::io(format!("reading {}", file.display()), &e));
    }
    match argument {
        None => Ok(Vec::new()),
        Some("-") => {
            let mut data = Vec::new();
            io::stdin()
                .lock()
                .read_to_end(&mut data)
                .map_err(|e| Failure::io("reading stdin", &e))?;
            Ok(data)
        }
        Some(text) => Ok(text.as_bytes().to_vec()),
    }
}
