//! Derive macro for euicc-asn1 (work in progress).
