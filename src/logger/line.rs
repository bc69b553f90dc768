//! One event as one line, in the shape `tracing-subscriber`'s formatters gave it:
//! - plain: `2026-12-07T02:31:07.123456Z  INFO euiccd::daemon: message key=value`;
//! - journald: `<6>euiccd::daemon: message key=value` (sd-daemon(3) priority prefix, no timestamp: the journal
//!   adds both);
//! - JSON: `{"fields":{"message":"…","key":"value"},"level":"INFO","target":"euiccd::daemon","timestamp":"…"}`.

use euiccd_core::rfc3339::{Fraction, Rfc3339};
use serde_json::{Map, Value};
use std::fmt::{self, Write};
use std::time::SystemTime;
use tracing::field::{Field, Visit};
use tracing::{Event, Level};

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Timestamped human-readable lines.
    Plain,
    /// A `<N>` syslog priority prefix and no timestamp.
    Journald,
    /// One JSON object per line.
    Json,
}

impl Format {
    /// The line for `event` at `now`, with its newline.
    pub(crate) fn line(self, event: &Event<'_>, now: SystemTime) -> String {
        let metadata = event.metadata();
        let level = *metadata.level();
        let mut line = String::new();
        match self {
            Format::Plain => {
                let _ = write!(
                    line,
                    "{} {level:>5} {}: ",
                    Rfc3339(now, Fraction::Micros),
                    metadata.target()
                );
                event.record(&mut TextFields::new(&mut line));
            }
            Format::Journald => {
                let _ = write!(line, "<{}>{}: ", priority(level), metadata.target());
                event.record(&mut TextFields::new(&mut line));
            }
            Format::Json => {
                let mut fields = JsonFields(Map::new());
                event.record(&mut fields);
                let mut object = Map::new();
                object.insert(
                    "timestamp".into(),
                    Rfc3339(now, Fraction::Micros).to_string().into(),
                );
                object.insert("level".into(), level.as_str().into());
                object.insert("fields".into(), Value::Object(fields.0));
                object.insert("target".into(), metadata.target().into());
                line = Value::Object(object).to_string();
            }
        }
        line.push('\n');
        line
    }
}

/// The syslog priority of a level: err 3, warning 4, info 6, debug 7.
fn priority(level: Level) -> u8 {
    match level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        _ => 7,
    }
}

/// A field's name as written in the source, without a raw identifier's `r#`.
fn name(field: &Field) -> &str {
    field.name().trim_start_matches("r#")
}

/// `message key=value …`: the message as it is, strings quoted, other values as `Debug` shows them.
struct TextFields<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> TextFields<'a> {
    fn new(out: &'a mut String) -> Self {
        Self { out, first: true }
    }
}

impl Visit for TextFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let out = &mut *self.out;
        if !std::mem::take(&mut self.first) {
            out.push(' ');
        }
        let _ = match field.name() {
            "message" => write!(out, "{value:?}"),
            _ => write!(out, "{}={value:?}", name(field)),
        };
    }
}

/// The fields as a JSON object: numbers and booleans as such, strings and everything else as strings.
struct JsonFields(Map<String, Value>);

impl Visit for JsonFields {
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(name(field).into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(name(field).into(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(name(field).into(), value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(name(field).into(), value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(name(field).into(), format!("{value:?}").into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn levels_map_to_syslog_priorities() {
        let priorities: Vec<u8> = [
            Level::ERROR,
            Level::WARN,
            Level::INFO,
            Level::DEBUG,
            Level::TRACE,
        ]
        .into_iter()
        .map(priority)
        .collect();
        assert_eq!(priorities, [3, 4, 6, 7, 7]);
    }

    /// The lines a subscriber in `format` writes for the events `log` emits.
    fn lines(format: Format, log: impl FnOnce()) -> Vec<String> {
        struct Capture(Format, Arc<Mutex<Vec<String>>>);
        impl tracing::Subscriber for Capture {
            fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
                true
            }
            fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
                tracing::span::Id::from_u64(1)
            }
            fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
            fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
            fn event(&self, event: &Event<'_>) {
                let at = UNIX_EPOCH + Duration::from_secs(1_796_610_667);
                self.1.lock().unwrap().push(self.0.line(event, at));
            }
            fn enter(&self, _: &tracing::span::Id) {}
            fn exit(&self, _: &tracing::span::Id) {}
        }
        let seen = Arc::new(Mutex::new(Vec::new()));
        tracing::subscriber::with_default(Capture(format, Arc::clone(&seen)), log);
        Arc::try_unwrap(seen).unwrap().into_inner().unwrap()
    }

    fn events() {
        let port = "/dev/ttyUSB2";
        tracing::warn!(target: "euiccd::modem", %port, attempt = 3, busy = true, "port not available yet");
        tracing::info!(target: "euiccd::daemon", eim = "eim-1", "poll done");
    }

    #[test]
    fn plain_lines_carry_time_level_target_message_and_fields() {
        assert_eq!(
            lines(Format::Plain, events),
            [
                "2026-12-07T02:31:07.000000Z  WARN euiccd::modem: port not available yet \
                 port=/dev/ttyUSB2 attempt=3 busy=true\n",
                "2026-12-07T02:31:07.000000Z  INFO euiccd::daemon: poll done eim=\"eim-1\"\n",
            ]
        );
    }

    #[test]
    fn journald_lines_start_with_the_priority_and_have_no_time() {
        assert_eq!(
            lines(Format::Journald, events),
            [
                "<4>euiccd::modem: port not available yet port=/dev/ttyUSB2 attempt=3 busy=true\n",
                "<6>euiccd::daemon: poll done eim=\"eim-1\"\n",
            ]
        );
    }

    #[test]
    fn json_lines_are_objects_with_typed_fields() {
        let lines = lines(Format::Json, events);
        let first: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(first["level"], "WARN");
        assert_eq!(first["target"], "euiccd::modem");
        assert_eq!(first["timestamp"], "2026-12-07T02:31:07.000000Z");
        assert_eq!(first["fields"]["message"], "port not available yet");
        assert_eq!(first["fields"]["port"], "/dev/ttyUSB2");
        assert_eq!(first["fields"]["attempt"], 3);
        assert_eq!(first["fields"]["busy"], true);
        assert!(lines[0].ends_with("}\n") && !lines[0][..lines[0].len() - 1].contains('\n'));
    }
}
