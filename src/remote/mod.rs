//! HTTPS clients of the servers the IPA talks to (ES9+: SGP.22 §6.5 over HTTPS as §2.6.6 secures it; ESipa: SGP.32
//! §6.1, §6.3, §6.4).
//!
//! - [`tls`]: the rustls client configuration (ring provider, trust anchors from files, brainpool diagnosis).
//! - [`https`]: one keep-alive HTTP/1.1 connection over TLS, bounded bodies, per-request timeouts.
//! - [`es9p`]: the ES9+ JSON binding towards an SM-DP+ (typed functions, status codes with readable text).
//! - [`wire`]: bytes on the wire and TLS handshakes, counted per client, by direction and part.
//! - [`esipa`]: ESipa over the ASN.1 binding towards an eIM (SGP.32 v1.0 and v1.2 layouts).
//! - [`esipa_json`]: the ESipa JSON binding's bodies, converted to and from the ASN.1 messages.
//! - [`events`]: upstream events as CloudEvents batches over HTTPS.
//! - [`esipa_es9`]: the ES9+ functions of a download relayed by the eIM over ESipa (indirect download).

pub mod es9p;
pub mod esipa;
pub(crate) mod esipa_es9;
pub mod esipa_json;
pub(crate) mod events;
pub mod https;
pub mod tls;
pub(crate) mod wire;
