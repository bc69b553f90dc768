//! An error and its causes as one line, each said once.
//!
//! The rule for the error types of this crate: a variant either says its cause in its own message or
//! returns it as its `source`, never both. Printing is then a walk down the sources: `what failed: why:
//! the root cause`. A cause whose text the line already holds is skipped, so an error of another crate
//! that breaks the rule is still said once.

/// `error: its source: …`, each text once.
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
