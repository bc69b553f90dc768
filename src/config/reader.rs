//! Reading a parsed TOML document key by key, with errors that name the key and its line.
//!
//! Why by hand rather than serde's derive over `toml`'s deserializer: on the router build (mipsel musl,
//! `scripts/size-crates.sh`, 2026-12-07) the derived `Deserialize` impls of the configuration's tables and the
//! deserializer instances they pulled in were about 207 KB of code, 5% of the binary, for a file read at start
//! and on SIGHUP. `toml` still parses the document (`DeTable`, its parser without the serde layer); the
//! tables' readers (`tables.rs`) walk it with the few typed getters below.

use super::load::ConfigError;
use std::fmt::Display;
use std::path::PathBuf;
use std::str::FromStr;
use toml::de::{DeTable, DeValue};

/// A table of the document at a key path (`modem`, `eim[0]`; empty for the document itself).
pub(super) struct Table<'a, 'i> {
    text: &'a str,
    path: String,
    entries: &'a DeTable<'i>,
}

/// One value of the document at its key path.
pub(super) struct Field<'a, 'i> {
    text: &'a str,
    path: String,
    value: &'a DeValue<'i>,
    start: usize,
}

/// What a configuration file says in a place where the reader expected something else.
type Read<T> = Result<T, ConfigError>;

impl<'a, 'i> Table<'a, 'i> {
    /// The document's top-level table; `text` is the document, for line numbers.
    pub(super) fn document(text: &'a str, entries: &'a DeTable<'i>) -> Self {
        Self {
            text,
            path: String::new(),
            entries,
        }
    }

    /// The table's entries in the order of the file, each with its key's path.
    pub(super) fn fields(&self) -> impl Iterator<Item = (&'a str, Field<'a, 'i>)> + '_ {
        self.entries.iter().map(|(key, value)| {
            let name: &'a str = key.get_ref();
            let field = Field {
                text: self.text,
                path: self.key_path(name),
                value: value.get_ref(),
                start: value.span().start,
            };
            (name, field)
        })
    }

    /// The value of a key the table must have, or an error naming it.
    pub(super) fn required<T>(&self, value: Option<T>, key: &str) -> Read<T> {
        value.ok_or_else(|| ConfigError::Invalid {
            key: self.key_path(key),
            reason: "missing".into(),
        })
    }

    /// The path of `key` in this table (`modem.baud`; `baud` in the document itself).
    fn key_path(&self, key: &str) -> String {
        match self.path.is_empty() {
            true => key.to_owned(),
            false => format!("{}.{key}", self.path),
        }
    }
}

impl<'a, 'i> Field<'a, 'i> {
    /// An error about this value: its key, what is wrong, and its line in the file.
    pub(super) fn error(&self, reason: impl Display) -> ConfigError {
        let line = 1 + self.text[..self.start.min(self.text.len())]
            .bytes()
            .filter(|&b| b == b'\n')
            .count();
        ConfigError::Invalid {
            key: self.path.clone(),
            reason: format!("{reason} (line {line})"),
        }
    }

    /// The error for a key the table does not have.
    pub(super) fn unknown(&self) -> ConfigError {
        self.error("unknown key")
    }

    fn expected(&self, what: &str) -> ConfigError {
        let found = match self.value {
            DeValue::String(_) => "a string",
            DeValue::Integer(_) => "an integer",
            DeValue::Float(_) => "a float",
            DeValue::Boolean(_) => "a boolean",
            DeValue::Datetime(_) => "a date",
            DeValue::Array(_) => "an array",
            DeValue::Table(_) => "a table",
        };
        self.error(format_args!("expected {what}, found {found}"))
    }

    /// A string.
    pub(super) fn string(&self) -> Read<String> {
        match self.value {
            DeValue::String(text) => Ok(text.to_string()),
            _ => Err(self.expected("a string")),
        }
    }

    /// A file path (a string).
    pub(super) fn path(&self) -> Read<PathBuf> {
        self.string().map(PathBuf::from)
    }

    /// `true` or `false`.
    pub(super) fn boolean(&self) -> Read<bool> {
        match self.value {
            DeValue::Boolean(value) => Ok(*value),
            _ => Err(self.expected("true or false")),
        }
    }

    /// An integer that fits `T`.
    pub(super) fn integer<T: TryFrom<i64>>(&self) -> Read<T> {
        let DeValue::Integer(integer) = self.value else {
            return Err(self.expected("an integer"));
        };
        i64::from_str_radix(integer.as_str(), integer.radix())
            .ok()
            .and_then(|value| T::try_from(value).ok())
            .ok_or_else(|| self.error(format_args!("{integer} is out of range")))
    }

    /// A string that `T` parses; its parse error says what was expected.
    pub(super) fn parsed<T: FromStr>(&self) -> Read<T>
    where
        T::Err: Display,
    {
        self.string()?.parse().map_err(|e| self.error(e))
    }

    /// One of `names`, spelled exactly.
    pub(super) fn choice<T: Copy>(&self, names: &[(&str, T)]) -> Read<T> {
        let text = self.string()?;
        names
            .iter()
            .find(|(name, _)| *name == text)
            .map(|&(_, value)| value)
            .ok_or_else(|| {
                let known: Vec<&str> = names.iter().map(|(name, _)| *name).collect();
                self.error(format_args!("{text:?} is not one of {}", known.join(", ")))
            })
    }

    /// An array, each item read by `item` (its path is `key[index]`).
    pub(super) fn list<T>(&self, mut item: impl FnMut(&Field<'a, 'i>) -> Read<T>) -> Read<Vec<T>> {
        let DeValue::Array(items) = self.value else {
            return Err(self.expected("an array"));
        };
        items
            .iter()
            .enumerate()
            .map(|(index, value)| {
                item(&Field {
                    text: self.text,
                    path: format!("{}[{index}]", self.path),
                    value: value.get_ref(),
                    start: value.span().start,
                })
            })
            .collect()
    }

    /// A table (`[name]`, an inline `{ … }` or an item of `[[name]]`).
    pub(super) fn table(&self) -> Read<Table<'a, 'i>> {
        match self.value {
            DeValue::Table(entries) => Ok(Table {
                text: self.text,
                path: self.path.clone(),
                entries,
            }),
            _ => Err(self.expected("a table")),
        }
    }
}
