//! Reading a file the simulators are pointed at (identity, PKI, card state) with a size limit. The size in
//! the file's metadata is no bound (a FIFO, `/dev/zero`), so the read stops after the limit plus one byte.

use std::io::Read;
use std::path::Path;

/// The error inside the [`std::io::Error`] that [`read`] returns for a file over its limit.
#[derive(Debug, thiserror::Error)]
#[error("larger than {limit} bytes")]
struct TooLarge {
    limit: u64,
}

/// Reads the whole of `path`, at most `limit` bytes; a longer file is an
/// [`std::io::ErrorKind::InvalidData`] error ([`is_too_large`]).
pub(crate) fn read(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            TooLarge { limit },
        ));
    }
    Ok(bytes)
}

/// Whether `error` is [`read`]'s refusal of a file over its limit.
pub(crate) fn is_too_large(error: &std::io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<TooLarge>().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_without_a_size_is_cut_at_the_limit() {
        let error = read(Path::new("/dev/zero"), 4096).unwrap_err();
        assert!(is_too_large(&error), "{error}");
        let missing = read(Path::new("/nonexistent/euiccd-sim"), 10).unwrap_err();
        assert!(!is_too_large(&missing));
    }
}
