//! Bodies of the ESipa JSON binding, read by the IPA (answers) and by an eIM (requests): whatever reads
//! must survive writing it out again.
#![no_main]

use euiccd::remote::esipa_json::{
    FUNCTIONS, decode_answer, decode_request, encode_answer, encode_request,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let function = FUNCTIONS[usize::from(selector) % FUNCTIONS.len()];
    if let Ok(Some(answer)) = decode_answer(function, body) {
        let again = encode_answer(&answer).expect("a decoded answer encodes");
        let text = again.map(|v| v.to_string()).unwrap_or_default();
        let back = decode_answer(function, text.as_bytes()).expect("our own answer decodes");
        assert_eq!(back, Some(answer), "{function} answer changed");
    }
    if let Ok(request) = decode_request(function, body) {
        let (name, value) = encode_request(&request).expect("a decoded request encodes");
        assert_eq!(name, function);
        let back =
            decode_request(name, value.to_string().as_bytes()).expect("our own request decodes");
        assert_eq!(back, request, "{function} request changed");
    }
});
