//! The simulator's own GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 section 6.2.1 and
//! 6.2.1.1), encode side only: the simulated modem writes SMS-DELIVER PDUs with it, and the IPA's decoder
//! (which has its own table) must read them back. Written as a match per table row so that it shares no
//! data with the decoder.

/// The escape to the extension table.
const ESCAPE: u8 = 0x1B;

/// The septets for `c`: one from the default alphabet, or the escape and one from the extension table;
/// `None` when GSM 7-bit has no such character (the message then goes as UCS2).
pub fn septets(c: char) -> Option<Vec<u8>> {
    if let Some(code) = default_alphabet(c) {
        return Some(vec![code]);
    }
    extension(c).map(|code| vec![ESCAPE, code])
}

/// The default alphabet, by column of the 23.038 table.
fn default_alphabet(c: char) -> Option<u8> {
    // Letters and digits sit where ASCII has them.
    if c.is_ascii_alphanumeric() {
        return Some(c as u8);
    }
    Some(match c {
        // Column 0.
        '@' => 0x00,
        '£' => 0x01,
        '$' => 0x02,
        '¥' => 0x03,
        'è' => 0x04,
        'é' => 0x05,
        'ù' => 0x06,
        'ì' => 0x07,
        'ò' => 0x08,
        'Ç' => 0x09,
        '\n' => 0x0A,
        'Ø' => 0x0B,
        'ø' => 0x0C,
        '\r' => 0x0D,
        'Å' => 0x0E,
        'å' => 0x0F,
        // Column 1 (0x1B is the escape).
        'Δ' => 0x10,
        '_' => 0x11,
        'Φ' => 0x12,
        'Γ' => 0x13,
        'Λ' => 0x14,
        'Ω' => 0x15,
        'Π' => 0x16,
        'Ψ' => 0x17,
        'Σ' => 0x18,
        'Θ' => 0x19,
        'Ξ' => 0x1A,
        'Æ' => 0x1C,
        'æ' => 0x1D,
        'ß' => 0x1E,
        'É' => 0x1F,
        // Columns 2 and 3: ASCII punctuation, except the currency sign in place of the dollar.
        ' ' | '!' | '"' | '#' | '%' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | '-' | '.'
        | '/' | ':' | ';' | '<' | '=' | '>' | '?' => c as u8,
        '¤' => 0x24,
        // Columns 4 to 7: the letters, with accented ones where ASCII has brackets.
        '¡' => 0x40,
        'Ä' => 0x5B,
        'Ö' => 0x5C,
        'Ñ' => 0x5D,
        'Ü' => 0x5E,
        '§' => 0x5F,
        '¿' => 0x60,
        'ä' => 0x7B,
        'ö' => 0x7C,
        'ñ' => 0x7D,
        'ü' => 0x7E,
        'à' => 0x7F,
        _ => return None,
    })
}

/// The extension table (after the escape).
fn extension(c: char) -> Option<u8> {
    Some(match c {
        '\u{0C}' => 0x0A,
        '^' => 0x14,
        '{' => 0x28,
        '}' => 0x29,
        '\\' => 0x2F,
        '[' => 0x3C,
        '~' => 0x3D,
        ']' => 0x3E,
        '|' => 0x40,
        '€' => 0x65,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn every_code_is_used_once() {
        let mut seen = BTreeMap::new();
        for code in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            if let Some(septets) = septets(c) {
                assert!(septets.iter().all(|&s| s < 0x80), "{c:?}");
                if let Some(other) = seen.insert(septets.clone(), c) {
                    panic!("{other:?} and {c:?} share {septets:02X?}");
                }
            }
        }
        // 127 characters in the default alphabet (0x1B is the escape) and 10 in the extension table.
        assert_eq!(seen.len(), 127 + 10);
        assert!(!seen.contains_key(&vec![ESCAPE]));
    }

    #[test]
    fn spot_checks_from_the_table() {
        assert_eq!(septets('@'), Some(vec![0x00]));
        assert_eq!(septets('$'), Some(vec![0x02]));
        assert_eq!(septets('¤'), Some(vec![0x24]));
        assert_eq!(septets('A'), Some(vec![0x41]));
        assert_eq!(septets('z'), Some(vec![0x7A]));
        assert_eq!(septets('€'), Some(vec![0x1B, 0x65]));
        assert_eq!(septets('`'), None);
        assert_eq!(septets('П'), None);
    }
}
