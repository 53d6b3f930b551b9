//! Data given on the command line: the argument itself, or stdin when it is `-`.

use std::io::{self, Read};

use crate::exit::Failure;

/// The bytes of a data argument: none is empty data, `-` reads stdin to its end, anything
/// else is taken as it is.
///
/// # Errors
///
/// A [`Failure`] when stdin cannot be read.
pub(crate) fn data(argument: Option<&str>) -> Result<Vec<u8>, Failure> {
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
