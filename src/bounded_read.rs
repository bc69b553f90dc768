//! Reading an operator-supplied file with a size limit.
//!
//! The size in the file's metadata is no bound: a character device (`/dev/zero`), a FIFO or a file that grows
//! while it is read reports 0 or too little. Every file the operator names (configuration, trust anchors, keys,
//! certificates, scenario and identity files) is read through [`read`], which stops after the limit plus one
//! byte and refuses the file if that byte arrived.

use std::io::Read;
use std::path::Path;

/// The error inside the [`std::io::Error`] that [`read`] returns for a file over its limit.
#[derive(Debug, thiserror::Error)]
#[error("larger than {limit} bytes")]
pub(crate) struct TooLarge {
    /// The limit, bytes.
    pub(crate) limit: u64,
}

/// Reads the whole of `path`, at most `limit` bytes; a longer file is an [`std::io::ErrorKind::InvalidData`]
/// error carrying [`TooLarge`].
pub(crate) fn read(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            TooLarge { limit },
        ));
    }
    Ok(bytes)
}

/// [`read`] for a text file: the bytes must be UTF-8.
pub(crate) fn read_to_string(path: &Path, limit: u64) -> std::io::Result<String> {
    String::from_utf8(read(path, limit)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
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
        // /dev/zero reports length 0 and never ends: reading it must stop at limit + 1.
        let error = read(Path::new("/dev/zero"), 4096).unwrap_err();
        assert!(is_too_large(&error), "{error}");
        assert_eq!(error.to_string(), "larger than 4096 bytes");
    }

    #[test]
    fn a_file_at_the_limit_is_read_and_one_byte_more_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, [b'a'; 10]).unwrap();
        assert_eq!(read(&path, 10).unwrap().len(), 10);
        assert_eq!(read_to_string(&path, 10).unwrap(), "a".repeat(10));
        assert!(is_too_large(&read(&path, 9).unwrap_err()));
        let missing = read(&dir.path().join("none"), 10).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        assert!(!is_too_large(&missing));
    }
}
