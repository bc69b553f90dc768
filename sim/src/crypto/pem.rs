//! PEM parsing that tolerates several blocks in one file.
//!
//! OpenSSL writes an `EC PARAMETERS` block before the `EC PRIVATE KEY` block (the SGP.26 key files look like
//! that), and certificate files may hold a chain. The RustCrypto decoders accept exactly one block, so this
//! module finds the blocks first and hands each one to them.

use x509_cert::der::pem;

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

/// Why PEM text could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PemError {
    /// None of the wanted labels occurs in the text.
    #[error("no PEM block labelled {0}")]
    Missing(String),
    /// A block is cut off or its base64 is invalid.
    #[error("malformed PEM block: {0}")]
    Malformed(pem::Error),
    /// A `BEGIN` line without a matching `END` line.
    #[error("PEM block without END line")]
    Unterminated,
}

/// One decoded PEM block.
pub(crate) struct PemBlock {
    pub(crate) label: String,
    pub(crate) der: Vec<u8>,
}

/// Whether `bytes` look like PEM text rather than DER, so loaders can accept either.
pub(crate) fn is_pem(bytes: &[u8]) -> bool {
    bytes.trim_ascii_start().starts_with(BEGIN.as_bytes())
}

/// All blocks of `text`, in order. Text between blocks is ignored, as OpenSSL does.
pub(crate) fn blocks(text: &str) -> Result<Vec<PemBlock>, PemError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let from_begin = &rest[start..];
        let label_end = from_begin[BEGIN.len()..]
            .find(DASHES)
            .ok_or(PemError::Unterminated)?;
        let label = &from_begin[BEGIN.len()..BEGIN.len() + label_end];
        let end_line = format!("{END}{label}{DASHES}");
        let end = from_begin.find(&end_line).ok_or(PemError::Unterminated)? + end_line.len();
        let (decoded_label, der) =
            pem::decode_vec(&from_begin.as_bytes()[..end]).map_err(PemError::Malformed)?;
        out.push(PemBlock {
            label: decoded_label.to_owned(),
            der,
        });
        rest = &from_begin[end..];
    }
    Ok(out)
}

/// The DER of the first block whose label is one of `labels`.
pub(crate) fn first(text: &str, labels: &[&str]) -> Result<PemBlock, PemError> {
    blocks(text)?
        .into_iter()
        .find(|b| labels.contains(&b.label.as_str()))
        .ok_or_else(|| PemError::Missing(labels.join(" or ")))
}

/// Encodes `der` as one PEM block with LF line endings.
pub(crate) fn encode(label: &str, der: &[u8]) -> Result<String, PemError> {
    pem::encode_string(label, pem::LineEnding::LF, der).map_err(PemError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_ec_parameters_and_finds_the_key_block() {
        let text = format!(
            "{}{}",
            encode("EC PARAMETERS", &[6, 8, 42, 134, 72, 206, 61, 3, 1, 7]).unwrap(),
            encode("EC PRIVATE KEY", &[1, 2, 3]).unwrap()
        );
        let block = first(&text, &["PRIVATE KEY", "EC PRIVATE KEY"]).unwrap();
        assert_eq!(block.label, "EC PRIVATE KEY");
        assert_eq!(block.der, [1, 2, 3]);
        assert_eq!(blocks(&text).unwrap().len(), 2);
    }

    #[test]
    fn reports_missing_and_unterminated_blocks() {
        let text = encode("CERTIFICATE", &[1]).unwrap();
        assert!(matches!(
            first(&text, &["PRIVATE KEY"]),
            Err(PemError::Missing(_))
        ));
        let cut = &text[..text.len() - 10];
        assert!(matches!(blocks(cut), Err(PemError::Unterminated)));
        assert!(is_pem(b"\n -----BEGIN X-----"));
        assert!(!is_pem(&[0x30, 0x82]));
    }
}
