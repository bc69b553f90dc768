//! The answer to a request, read incrementally as the connection delivers it: [`ResponseReader`] takes the
//! bytes in pieces of any size and says when the response is complete and whether the connection may carry
//! another request.
//!
//! RFC 9112 as a user agent applies it:
//! - lines end in CRLF or a bare LF (§2.2); a bare CR elsewhere is invalid;
//! - the status line is `HTTP/1.x NNN [reason]` (§4); a minor version above 1 is read as 1.1 (RFC 9110 §2.5);
//! - fields are `name: value` with no space before the colon (§5.1), and an obs-fold continues the previous
//!   value with a space (§5.2);
//! - interim 1xx answers (`100 Continue`, `103 Early Hints`) are skipped (RFC 9110 §15.2); `101` is an error;
//! - the body (§6.3): none for `204` and `304`; chunked when `Transfer-Encoding` is `chunked` (which overrides
//!   any `Content-Length`, and the connection is then not reused); else `Content-Length` bytes (several equal
//!   values are one, differing ones an error); else everything until the server closes;
//! - chunks (§7.1): a hexadecimal size, extensions (tolerated, bounded), the data and a line end; after the
//!   last chunk a trailer section (tolerated, bounded like a head, and dropped);
//! - persistence (§9.3): an HTTP/1.1 answer without `Connection: close` and with a delimited body leaves the
//!   connection usable; an HTTP/1.0 answer never does (this client never asks for keep-alive).

use super::{Error, MAX_FIELDS, MAX_HEAD, is_field_byte, is_token};

/// The longest line a chunk size and its extensions may take.
const MAX_CHUNK_LINE: usize = 1024;

/// The protocol version of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// HTTP/1.0: the connection closes after this answer.
    Http10,
    /// HTTP/1.1 (or a later HTTP/1.x, read as 1.1).
    Http11,
}

/// A header field of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The name in lower case (names are case-insensitive, RFC 9110 §5.1).
    pub name: String,
    /// The value, without leading and trailing whitespace. Not necessarily UTF-8 (obs-text).
    pub value: Vec<u8>,
}

/// A complete answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The version of its status line.
    pub version: Version,
    /// The status code of the final (non-1xx) answer.
    pub status: u16,
    /// Its header fields, in the order received (trailer fields are dropped).
    pub fields: Vec<Field>,
    /// The body, with the chunked framing removed.
    pub body: Vec<u8>,
    /// Whether the connection may carry the next request (RFC 9112 §9.3).
    pub persistent: bool,
}

impl Response {
    /// The value of the first field named `name` (any case).
    pub fn field(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .map(|f| f.value.as_slice())
    }

    /// Every element of the comma-separated lists in the fields named `name`, trimmed (RFC 9110 §5.6.1).
    fn list<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fields
            .iter()
            .filter(move |f| f.name == name)
            .flat_map(|f| f.value.split(|&b| b == b','))
            .map(trim)
            .filter(|element| !element.is_empty())
    }
}

/// Where the reader is in the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// The status line of a (final or interim) answer.
    StatusLine,
    /// The header fields.
    Fields,
    /// `n` body bytes still to come.
    Length(u64),
    /// The body runs until the server closes.
    UntilClose,
    /// A chunk's size line.
    ChunkSize,
    /// `n` bytes of chunk data still to come.
    ChunkData(u64),
    /// The line end after a chunk's data.
    ChunkEnd,
    /// The trailer section after the last chunk.
    Trailers,
    /// The answer is whole.
    Complete,
    /// An error ended the reading; it is repeated.
    Failed(Error),
}

/// Reads one answer from pieces of bytes (see the module documentation).
#[derive(Debug)]
pub struct ResponseReader {
    max_body: usize,
    state: State,
    /// The line being collected (status line, field, chunk size, trailer), line end included.
    line: Vec<u8>,
    /// Bytes of every head so far, interim ones included.
    head_bytes: usize,
    /// Bytes of chunk extensions and trailer fields so far.
    framing_bytes: usize,
    trailer_fields: usize,
    response: Response,
    /// Whether the framing itself forbids reuse (read-to-close body, `Transfer-Encoding` beside
    /// `Content-Length`).
    close_after: bool,
}

impl ResponseReader {
    /// A reader for one answer whose body may take at most `max_body` bytes.
    pub fn new(max_body: usize) -> Self {
        Self {
            max_body,
            state: State::StatusLine,
            line: Vec::new(),
            head_bytes: 0,
            framing_bytes: 0,
            trailer_fields: 0,
            response: Response {
                version: Version::Http11,
                status: 0,
                fields: Vec::new(),
                body: Vec::new(),
                persistent: false,
            },
            close_after: false,
        }
    }

    /// Reads `input`, the next bytes from the connection; returns how many belong to this answer (all of
    /// them until it is complete; bytes after its end are not taken).
    pub fn push(&mut self, input: &[u8]) -> Result<usize, Error> {
        if let State::Failed(error) = &self.state {
            return Err(error.clone());
        }
        let mut at = 0;
        while at < input.len() && self.state != State::Complete {
            match self.step(&input[at..]) {
                Ok(taken) => at += taken,
                Err(error) => {
                    self.state = State::Failed(error.clone());
                    return Err(error);
                }
            }
        }
        Ok(at)
    }

    /// The server closed the connection: that ends a body read to the close; anywhere else the answer is
    /// cut short.
    pub fn close(&mut self) -> Result<(), Error> {
        let outcome = match &self.state {
            State::Complete => return Ok(()),
            State::Failed(error) => return Err(error.clone()),
            State::UntilClose => Ok(()),
            State::StatusLine if self.head_bytes == 0 => Err(Error::Closed),
            _ => Err(Error::Truncated),
        };
        self.state = match &outcome {
            Ok(()) => State::Complete,
            Err(error) => State::Failed(error.clone()),
        };
        outcome
    }

    /// Whether the answer is whole.
    pub fn is_complete(&self) -> bool {
        self.state == State::Complete
    }

    /// The answer, once complete.
    pub fn into_response(self) -> Option<Response> {
        match self.state {
            State::Complete => Some(self.response),
            _ => None,
        }
    }

    /// Takes what it can of `input` (at least one byte) in the current state.
    fn step(&mut self, input: &[u8]) -> Result<usize, Error> {
        match self.state {
            State::StatusLine | State::Fields => {
                let budget = MAX_HEAD - self.head_bytes;
                let (taken, whole) =
                    collect_line(&mut self.line, input, budget).ok_or(Error::HeadTooLarge)?;
                self.head_bytes += taken;
                if whole {
                    self.head_line()?;
                }
                Ok(taken)
            }
            State::Length(left) | State::ChunkData(left) => {
                let taken = usize::try_from(left).map_or(input.len(), |left| left.min(input.len()));
                self.response.body.extend_from_slice(&input[..taken]);
                let left = left - taken as u64;
                self.state = match (&self.state, left) {
                    (State::Length(_), 0) => State::Complete,
                    (State::Length(_), left) => State::Length(left),
                    (_, 0) => State::ChunkEnd,
                    (_, left) => State::ChunkData(left),
                };
                Ok(taken)
            }
            State::UntilClose => {
                if input.len() > self.max_body - self.response.body.len() {
                    return Err(Error::BodyTooLarge(self.max_body));
                }
                self.response.body.extend_from_slice(input);
                Ok(input.len())
            }
            State::ChunkSize => {
                let budget = MAX_CHUNK_LINE - self.line.len();
                let (taken, whole) =
                    collect_line(&mut self.line, input, budget).ok_or(Error::Chunk)?;
                if whole {
                    self.chunk_size_line()?;
                }
                Ok(taken)
            }
            State::ChunkEnd => {
                let budget = 2 - self.line.len();
                let (taken, whole) =
                    collect_line(&mut self.line, input, budget).ok_or(Error::Chunk)?;
                if whole {
                    if !line_content(&self.line).is_empty() {
                        return Err(Error::Chunk);
                    }
                    self.line.clear();
                    self.state = State::ChunkSize;
                }
                Ok(taken)
            }
            State::Trailers => {
                let budget = MAX_HEAD - self.framing_bytes;
                let (taken, whole) = collect_line(&mut self.line, input, budget)
                    .ok_or(Error::ChunkFramingTooLarge)?;
                self.framing_bytes += taken;
                if whole {
                    self.trailer_line()?;
                }
                Ok(taken)
            }
            State::Complete | State::Failed(_) => Ok(0),
        }
    }

    /// A whole line of a head: the status line, a field, or the empty line that ends the head.
    fn head_line(&mut self) -> Result<(), Error> {
        let line = std::mem::take(&mut self.line);
        let content = line_content(&line);
        if self.state == State::StatusLine {
            // Stray line ends before a status line (after a previous body) are skipped, as httparse does.
            if content.is_empty() {
                self.line = line;
                self.line.clear();
                return Ok(());
            }
            let (version, status) = status_line(content)?;
            self.response.version = version;
            self.response.status = status;
            self.state = State::Fields;
        } else if content.is_empty() {
            self.head_ended()?;
        } else {
            add_field(&mut self.response.fields, content)?;
        }
        self.line = line;
        self.line.clear();
        Ok(())
    }

    /// The empty line after the fields: skips an interim answer, or decides how the body is framed.
    fn head_ended(&mut self) -> Result<(), Error> {
        let response = &mut self.response;
        match response.status {
            101 => return Err(Error::SwitchingProtocols),
            100..=199 => {
                response.fields.clear();
                self.state = State::StatusLine;
                return Ok(());
            }
            _ => {}
        }
        let chunked = response.field("transfer-encoding").is_some();
        let length = response.field("content-length").map(|_| {
            let mut lengths = response.list("content-length").map(content_length);
            let first = lengths.next().unwrap_or(Err(Error::ContentLength))?;
            match lengths.all(|length| length == Ok(first)) {
                true => Ok(first),
                false => Err(Error::ContentLength),
            }
        });
        self.state = if matches!(response.status, 204 | 304) {
            State::Complete
        } else if chunked {
            let mut codings = response.list("transfer-encoding");
            let only_chunked = codings
                .next()
                .is_some_and(|c| c.eq_ignore_ascii_case(b"chunked"))
                && codings.next().is_none();
            if !only_chunked || response.version == Version::Http10 {
                return Err(Error::TransferEncoding);
            }
            self.close_after = length.is_some();
            State::ChunkSize
        } else {
            match length.transpose()? {
                Some(length) if length > self.max_body as u64 => {
                    return Err(Error::BodyTooLarge(self.max_body));
                }
                Some(0) => State::Complete,
                Some(length) => State::Length(length),
                None => {
                    self.close_after = true;
                    State::UntilClose
                }
            }
        };
        let close = response
            .list("connection")
            .any(|option| option.eq_ignore_ascii_case(b"close"));
        response.persistent = response.version == Version::Http11 && !close && !self.close_after;
        Ok(())
    }

    /// A whole chunk-size line: the size, then extensions (RFC 9112 §7.1.1), which are only counted.
    fn chunk_size_line(&mut self) -> Result<(), Error> {
        let content = line_content(&self.line);
        let digits = content.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if digits == 0 {
            return Err(Error::Chunk);
        }
        let extensions = trim(&content[digits..]);
        if !extensions.is_empty()
            && (extensions[0] != b';' || !extensions.iter().all(|&b| is_field_byte(b)))
        {
            return Err(Error::Chunk);
        }
        self.framing_bytes += extensions.len();
        if self.framing_bytes > MAX_HEAD {
            return Err(Error::ChunkFramingTooLarge);
        }
        let room = (self.max_body - self.response.body.len()) as u64;
        let size = content[..digits]
            .iter()
            .try_fold(0u64, |size, &digit| {
                let value = (digit as char).to_digit(16)?;
                size.checked_mul(16)?.checked_add(u64::from(value))
            })
            .filter(|&size| size <= room)
            .ok_or(Error::BodyTooLarge(self.max_body))?;
        self.line.clear();
        self.state = match size {
            0 => State::Trailers,
            size => State::ChunkData(size),
        };
        Ok(())
    }

    /// A whole line of the trailer section: a field (checked, counted and dropped) or the end.
    fn trailer_line(&mut self) -> Result<(), Error> {
        let content = line_content(&self.line);
        if content.is_empty() {
            self.state = State::Complete;
        } else {
            self.trailer_fields += 1;
            if self.trailer_fields > MAX_FIELDS {
                return Err(Error::TooManyFields);
            }
            let starts_fold = matches!(content[0], b' ' | b'\t');
            if !starts_fold && split_field(content).is_none() {
                return Err(Error::Field);
            }
        }
        self.line.clear();
        Ok(())
    }
}

/// Appends to `line` the bytes of `input` up to and including the first LF; returns how many it took and
/// whether the line is now whole, or `None` when that would take more than `budget` bytes.
fn collect_line(line: &mut Vec<u8>, input: &[u8], budget: usize) -> Option<(usize, bool)> {
    let (taken, whole) = match input.iter().position(|&b| b == b'\n') {
        Some(end) => (end + 1, true),
        None => (input.len(), false),
    };
    if taken > budget {
        return None;
    }
    line.extend_from_slice(&input[..taken]);
    Some((taken, whole))
}

/// A whole line without its line end (CRLF, or a bare LF, RFC 9112 §2.2).
fn line_content(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `bytes` without leading and trailing spaces and tabs (OWS, RFC 9110 §5.6.3).
fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(start, |end| end + 1);
    &bytes[start..end]
}

/// `HTTP/1.x SP 3DIGIT [SP reason-phrase]` (RFC 9112 §4; a missing reason phrase is tolerated, as its content
/// is to be ignored anyway).
fn status_line(line: &[u8]) -> Result<(Version, u16), Error> {
    let version = match line.get(..8) {
        Some(b"HTTP/1.0") => Version::Http10,
        Some([b'H', b'T', b'T', b'P', b'/', b'1', b'.', minor]) if minor.is_ascii_digit() => {
            Version::Http11
        }
        Some(prefix) if prefix.starts_with(b"HTTP/") => return Err(Error::Version),
        _ => return Err(Error::StatusLine),
    };
    let status = match &line[8..] {
        [b' ', code @ (b'1'..=b'9'), tens, ones, rest @ ..]
            if tens.is_ascii_digit()
                && ones.is_ascii_digit()
                && (rest.is_empty() || rest[0] == b' ')
                && rest.iter().all(|&b| is_field_byte(b)) =>
        {
            [code, tens, ones].iter().fold(0u16, |status, digit| {
                status * 10 + u16::from(**digit - b'0')
            })
        }
        _ => return Err(Error::StatusLine),
    };
    Ok((version, status))
}

/// A `name: value` line split and checked (RFC 9112 §5): a token name right before the colon, a value of
/// field characters, trimmed.
fn split_field(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = line.iter().position(|&b| b == b':')?;
    let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
    (is_token(name) && value.iter().all(|&b| is_field_byte(b))).then_some((name, value))
}

/// Adds the field `line` to `fields`, or continues the last one's value (obs-fold, RFC 9112 §5.2).
fn add_field(fields: &mut Vec<Field>, line: &[u8]) -> Result<(), Error> {
    if matches!(line[0], b' ' | b'\t') {
        let continued = trim(line);
        let last = fields.last_mut().ok_or(Error::Field)?;
        if !continued.iter().all(|&b| is_field_byte(b)) {
            return Err(Error::Field);
        }
        if !continued.is_empty() {
            last.value.push(b' ');
            last.value.extend_from_slice(continued);
        }
        return Ok(());
    }
    let (name, value) = split_field(line).ok_or(Error::Field)?;
    if fields.len() == MAX_FIELDS {
        return Err(Error::TooManyFields);
    }
    fields.push(Field {
        name: name
            .iter()
            .map(|&b| char::from(b.to_ascii_lowercase()))
            .collect(),
        value: value.to_vec(),
    });
    Ok(())
}

/// One element of `Content-Length`: decimal digits (RFC 9110 §8.6).
fn content_length(element: &[u8]) -> Result<u64, Error> {
    if element.is_empty() || !element.iter().all(u8::is_ascii_digit) {
        return Err(Error::ContentLength);
    }
    element
        .iter()
        .try_fold(0u64, |length, digit| {
            length.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
        })
        .ok_or(Error::ContentLength)
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
