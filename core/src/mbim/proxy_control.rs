//! libmbim's proxy control service (`838cf7fb-8d0d-4d7f-871e-d71dbefbb39b`): the first command a client
//! sends to `mbim-proxy` names the control device the proxy opens (or shares, if it already has it open)
//! and how long the proxy waits for the device's answers.

use super::Uuid;
use super::buffer::Builder;

/// The service's UUID.
pub const SERVICE: Uuid = Uuid([
    0x83, 0x8c, 0xf7, 0xfb, 0x8d, 0x0d, 0x4d, 0x7f, 0x87, 0x1e, 0xd7, 0x1d, 0xbe, 0xfb, 0xb3, 0x9b,
]);

/// CONFIGURATION: set the device path and the timeout; the answer has an empty information buffer.
pub const CID_CONFIGURATION: u32 = 1;

/// CONFIGURATION set: the device at `path` (as UTF-16LE), answers awaited for `timeout_secs`.
pub fn configuration(path: &str, timeout_secs: u32) -> Vec<u8> {
    Builder::default().string(path).u32(timeout_secs).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_layout() {
        let info = configuration("/dev/a", 30);
        let mut want = vec![12, 0, 0, 0, 12, 0, 0, 0, 30, 0, 0, 0];
        for unit in "/dev/a".encode_utf16() {
            want.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(info, want);
        assert_eq!(SERVICE.to_string(), "838cf7fb-8d0d-4d7f-871e-d71dbefbb39b");
    }
}
