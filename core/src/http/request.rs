//! The `POST` a client sends: request line, the header fields, and the body, in one buffer so that a small
//! request leaves in one write (one TLS record).

use super::{is_field_byte, is_token};

/// A request field that cannot be sent as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid HTTP request {0}")]
pub struct InvalidRequest(pub &'static str);

/// A `POST` to send, with only the fields a protocol binding names: `Host`, `User-Agent`, `Content-Type`, the
/// caller's own (such as `X-Admin-Protocol`) and `Content-Length`, in that order and nothing else.
#[derive(Debug, Clone, Copy)]
pub struct Post<'a> {
    /// The `Host` field: the server's name, and its port when not the scheme's default (RFC 9110 §7.2).
    pub host: &'a str,
    /// The path (origin form, RFC 9112 §3.2.1), e.g. `/gsma/rsp2/asn1`.
    pub path: &'a str,
    /// The `User-Agent` field.
    pub user_agent: &'a str,
    /// The `Content-Type` field.
    pub content_type: &'a str,
    /// More fields, names as they are to be sent (lower case, as HTTP/2 would require).
    pub fields: &'a [(&'a str, &'a str)],
}

impl Post<'_> {
    /// The request with `body`: head and body in one buffer. Names must be tokens, values free of control
    /// characters (so no field can end early or smuggle another, RFC 9112 §5), the path an origin form.
    pub fn encode(&self, body: &[u8]) -> Result<Vec<u8>, InvalidRequest> {
        let visible = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_graphic());
        if !self.path.starts_with('/') || !visible(self.path) {
            return Err(InvalidRequest("path"));
        }
        if !visible(self.host) {
            return Err(InvalidRequest("host"));
        }
        let length = body.len().to_string();
        let fields = [
            ("host", self.host),
            ("user-agent", self.user_agent),
            ("content-type", self.content_type),
        ];
        let content_length = [("content-length", length.as_str())];
        let all = fields.iter().chain(self.fields).chain(&content_length);
        let mut out = Vec::with_capacity(128 + body.len());
        out.extend_from_slice(b"POST ");
        out.extend_from_slice(self.path.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");
        for (name, value) in all {
            if !is_token(name.as_bytes()) {
                return Err(InvalidRequest("field name"));
            }
            if !value.bytes().all(is_field_byte) {
                return Err(InvalidRequest("field value"));
            }
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(body);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post<'a>(fields: &'a [(&'a str, &'a str)]) -> Post<'a> {
        Post {
            host: "eim.example.com",
            path: "/gsma/rsp2/asn1",
            user_agent: "gsma-rsp-ipad",
            content_type: "application/x-gsma-rsp-asn1",
            fields,
        }
    }

    #[test]
    fn a_post_carries_the_binding_fields_then_its_body() {
        let bytes = post(&[("x-admin-protocol", "gsma/rsp/v2.1.0")])
            .encode(b"\xbf\x4f\x00")
            .unwrap();
        assert_eq!(
            bytes,
            b"POST /gsma/rsp2/asn1 HTTP/1.1\r\n\
              host: eim.example.com\r\n\
              user-agent: gsma-rsp-ipad\r\n\
              content-type: application/x-gsma-rsp-asn1\r\n\
              x-admin-protocol: gsma/rsp/v2.1.0\r\n\
              content-length: 3\r\n\
              \r\n\xbf\x4f\x00"
        );
    }

    #[test]
    fn an_empty_body_has_a_zero_length() {
        let bytes = post(&[]).encode(b"").unwrap();
        assert!(bytes.ends_with(b"content-length: 0\r\n\r\n"));
    }

    #[test]
    fn nothing_can_end_a_field_or_the_request_line_early() {
        for (name, value, what) in [
            ("x-a", "v\r\nx-b: w", "field value"),
            ("x-a", "v\n", "field value"),
            ("x-a", "v\0", "field value"),
            ("x a", "v", "field name"),
            ("x:a", "v", "field name"),
            ("", "v", "field name"),
        ] {
            assert_eq!(
                post(&[(name, value)]).encode(b""),
                Err(InvalidRequest(what))
            );
        }
        let mut bad = post(&[]);
        bad.path = "/a b";
        assert_eq!(bad.encode(b""), Err(InvalidRequest("path")));
        bad.path = "a";
        assert_eq!(bad.encode(b""), Err(InvalidRequest("path")));
        let mut bad = post(&[]);
        bad.host = "eim.example.com\r\nx: y";
        assert_eq!(bad.encode(b""), Err(InvalidRequest("host")));
        let mut bad = post(&[]);
        bad.user_agent = "a\rb";
        assert_eq!(bad.encode(b""), Err(InvalidRequest("field value")));
    }
}
