//! The command-line parser: a declarative table per command ([`Command`], [`Opt`], [`Arg`]) walked by one
//! generic function ([`parse`]), which also writes every `--help` from the same tables.
//!
//! Hand-written instead of clap because of size. On the router build (x86_64, release,
//! `--no-default-features`, `cargo bloat`) clap cost 180 KiB of code: clap_builder 112 KiB, clap_lex, strsim
//! and anstyle 4 KiB, and its derive output in this crate 64 KiB; this parser and its builders cost 29 KiB.
//! Replacing it took 164 KB off .text and 211 KB off the stripped binary (4,652,584 to 4,441,992 B).
//! A tokenizer crate (lexopt) would replace only the loop in [`parse`]; the tables, the checks and the help
//! are this module's either way. The CLI is a few dozen long options: no short options but `-h`/`-V`, no
//! colours, no suggestions.
//!
//! Syntax, as clap's: `--name value` or `--name=value`; a value that starts with `-` (but a negative
//! number) only in the second form; `--` ends the options; `--json` (global) anywhere; a parent's options before its subcommand;
//! `-h`/`--help` and `help [COMMAND]...` at every level, `-V`/`--version` at the top. A usage error is bad
//! input: exit code 2, one line naming the argument.

use std::ffi::{OsStr, OsString};
use std::fmt::{self, Display};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::str::FromStr;

/// One `--long` option of a command.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opt {
    /// The name after `--`.
    long: &'static str,
    /// The value's name in help (`<FILE>`); `None` for a flag.
    value: Option<&'static str>,
    /// One line for `--help`.
    help: &'static str,
    /// The value when the option is absent.
    default: Option<&'static str>,
    /// The value when the option is given without one (`--system-ca`); the value is then optional.
    missing: Option<&'static str>,
    /// Must be given.
    required: bool,
    /// May be repeated.
    many: bool,
    /// Each value is a comma-separated list (implies `many`).
    csv: bool,
    /// Only together with this other option.
    requires: Option<&'static str>,
    /// Never together with this other option.
    conflicts: Option<&'static str>,
}

impl Opt {
    /// `--long`, a flag.
    pub(crate) const fn flag(long: &'static str, help: &'static str) -> Self {
        Self {
            long,
            value: None,
            help,
            default: None,
            missing: None,
            required: false,
            many: false,
            csv: false,
            requires: None,
            conflicts: None,
        }
    }

    /// `--long VALUE`, optional.
    pub(crate) const fn value(long: &'static str, value: &'static str, help: &'static str) -> Self {
        let mut opt = Self::flag(long, help);
        opt.value = Some(value);
        opt
    }

    /// With this value when absent.
    pub(crate) const fn default(mut self, default: &'static str) -> Self {
        self.default = Some(default);
        self
    }

    /// With this value when given alone.
    pub(crate) const fn missing(mut self, missing: &'static str) -> Self {
        self.missing = Some(missing);
        self
    }

    /// Mandatory.
    pub(crate) const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Repeatable.
    pub(crate) const fn many(mut self) -> Self {
        self.many = true;
        self
    }

    /// Repeatable, and each value a comma-separated list.
    pub(crate) const fn csv(mut self) -> Self {
        self.many = true;
        self.csv = true;
        self
    }

    /// Only with `--other`.
    pub(crate) const fn requires(mut self, other: &'static str) -> Self {
        self.requires = Some(other);
        self
    }

    /// Never with `--other`.
    pub(crate) const fn conflicts(mut self, other: &'static str) -> Self {
        self.conflicts = Some(other);
        self
    }
}

impl Display for Opt {
    /// `--long <VALUE>` as errors and help name it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.value, self.missing) {
            (None, _) => write!(f, "--{}", self.long),
            (Some(value), None) => write!(f, "--{} <{value}>", self.long),
            (Some(value), Some(_)) => write!(f, "--{} [<{value}>]", self.long),
        }
    }
}

/// A positional argument (all are mandatory).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arg {
    /// Its name in help and errors (`ICCID`).
    pub(crate) name: &'static str,
    /// One line for `--help`.
    pub(crate) help: &'static str,
    /// One or more (only the last argument).
    pub(crate) many: bool,
}

/// A command or subcommand: its options, arguments and subcommands.
#[derive(Debug)]
pub(crate) struct Command {
    /// The word that selects it.
    pub(crate) name: &'static str,
    /// What it does: the first paragraph is its line in its parent's help.
    pub(crate) about: &'static str,
    /// Its options, in groups (options shared by several commands are one group).
    pub(crate) opts: &'static [&'static [Opt]],
    /// Its positional arguments.
    pub(crate) args: &'static [Arg],
    /// Its subcommands.
    pub(crate) subcommands: &'static [&'static Command],
    /// Whether a subcommand must follow.
    pub(crate) needs_subcommand: bool,
    /// Left out of its parent's help (internal commands).
    pub(crate) hidden: bool,
}

impl Command {
    /// A command with nothing but a name and its help.
    pub(crate) const fn new(name: &'static str, about: &'static str) -> Self {
        Self {
            name,
            about,
            opts: &[],
            args: &[],
            subcommands: &[],
            needs_subcommand: false,
            hidden: false,
        }
    }

    fn opts(&self) -> impl Iterator<Item = &'static Opt> + use<> {
        self.opts.iter().flat_map(|group| group.iter())
    }

    fn opt(&self, long: &str) -> Option<&'static Opt> {
        self.opts().find(|opt| opt.long == long)
    }
}

/// The global `--json` option (accepted at every level).
const JSON: Opt = Opt::flag(
    "json",
    "Print one JSON document instead of a human-readable table.",
);

/// A command line that cannot be run: what is wrong with which argument, and whose help to read.
#[derive(Debug)]
pub(crate) struct UsageError {
    message: String,
    command: String,
}

impl Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (see '{} --help')", self.message, self.command)
    }
}

impl std::error::Error for UsageError {}

/// What the command line asks for.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// Run the command these matches name (with `--json` or not).
    Run(Matches, bool),
    /// Print this text (help or version) and exit successfully.
    Print(String),
}

/// What one command's part of the command line gave: its options, arguments and the chosen subcommand.
#[derive(Debug)]
pub(crate) struct Matches {
    spec: &'static Command,
    /// The words that lead here (`euiccd eim poll`), for messages.
    path: String,
    given: Vec<(&'static Opt, Option<OsString>)>,
    args: Vec<OsString>,
    sub: Option<Box<Matches>>,
}

impl Matches {
    fn new(spec: &'static Command, path: String) -> Self {
        Self {
            spec,
            path,
            given: Vec::new(),
            args: Vec::new(),
            sub: None,
        }
    }

    fn error(&self, message: String) -> UsageError {
        UsageError {
            message,
            command: self.path.clone(),
        }
    }

    /// This command's name.
    pub(crate) fn name(&self) -> &'static str {
        self.spec.name
    }

    /// The chosen subcommand.
    pub(crate) fn subcommand(&self) -> Option<&Matches> {
        self.sub.as_deref()
    }

    /// The chosen subcommand, where one must be.
    pub(crate) fn needed_subcommand(&self) -> Result<&Matches, UsageError> {
        self.subcommand()
            .ok_or_else(|| self.error("a subcommand is needed".into()))
    }

    /// An error for a subcommand this code does not build (a table out of step with its builder).
    pub(crate) fn unknown(&self) -> UsageError {
        self.error(format!("unrecognized subcommand '{}'", self.spec.name))
    }

    fn opt(&self, long: &str) -> &'static Opt {
        match self.spec.opt(long) {
            Some(opt) => opt,
            None => panic!("'{}' has no option --{long}", self.path),
        }
    }

    fn given_os(&self, long: &str) -> impl Iterator<Item = &OsStr> {
        let opt = self.opt(long);
        let given = self
            .given
            .iter()
            .filter(move |(o, _)| o.long == long)
            .map(|(_, value)| value.as_deref().unwrap_or(OsStr::new("")));
        let default = opt.default.filter(|_| !self.has(long)).map(OsStr::new);
        given.chain(default)
    }

    fn has(&self, long: &str) -> bool {
        self.given.iter().any(|(o, _)| o.long == long)
    }

    /// Whether the flag `--long` was given.
    pub(crate) fn flag(&self, long: &str) -> bool {
        self.opt(long);
        self.has(long)
    }

    /// The value of `--long` (or its default), as it was given.
    pub(crate) fn value_os(&self, long: &str) -> Option<&OsStr> {
        self.given_os(long).next()
    }

    /// The value of `--long` (or its default) as a path.
    pub(crate) fn path(&self, long: &str) -> Option<PathBuf> {
        self.value_os(long).map(PathBuf::from)
    }

    /// Every value of the repeatable `--long`, as paths.
    pub(crate) fn paths(&self, long: &str) -> Vec<PathBuf> {
        self.given_os(long).map(PathBuf::from).collect()
    }

    /// The value of a mandatory `--long` as a path.
    pub(crate) fn needed_path(&self, long: &str) -> Result<PathBuf, UsageError> {
        self.path(long).ok_or_else(|| self.missing(self.opt(long)))
    }

    fn missing(&self, opt: &Opt) -> UsageError {
        self.error(format!("the option '{opt}' is required"))
    }

    /// The value of `--long` (or its default), converted.
    pub(crate) fn value<T: FromStr>(&self, long: &str) -> Result<Option<T>, UsageError>
    where
        T::Err: Display,
    {
        self.value_by(long, str::parse)
    }

    /// The value of `--long` (or its default), converted by `parse`.
    pub(crate) fn value_by<T, E: Display>(
        &self,
        long: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Result<Option<T>, UsageError> {
        let opt = self.opt(long);
        self.value_os(long)
            .map(|value| self.convert(value, &opt.to_string(), &parse))
            .transpose()
    }

    /// The value of a mandatory `--long`, or one with a default, converted.
    pub(crate) fn needed<T: FromStr>(&self, long: &str) -> Result<T, UsageError>
    where
        T::Err: Display,
    {
        self.needed_by(long, str::parse)
    }

    /// The value of a mandatory `--long`, or one with a default, converted by `parse`.
    pub(crate) fn needed_by<T, E: Display>(
        &self,
        long: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Result<T, UsageError> {
        self.value_by(long, parse)?
            .ok_or_else(|| self.missing(self.opt(long)))
    }

    /// The value of `--long` (or its default), converted and within `range`.
    pub(crate) fn ranged<T>(
        &self,
        long: &str,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<T, UsageError>
    where
        T: FromStr + PartialOrd + Display,
        T::Err: Display,
    {
        let value: T = self.needed(long)?;
        if range.contains(&value) {
            return Ok(value);
        }
        Err(self.error(format!(
            "invalid value '{value}' for '{}': not in {}..={}",
            self.opt(long),
            range.start(),
            range.end()
        )))
    }

    /// Every value of the repeatable `--long` (each split at commas where the option says so), converted.
    pub(crate) fn values<T: FromStr>(&self, long: &str) -> Result<Vec<T>, UsageError>
    where
        T::Err: Display,
    {
        self.values_by(long, str::parse)
    }

    /// Every value of the repeatable `--long` (split as [`Matches::values`] does), converted by `parse`.
    pub(crate) fn values_by<T, E: Display>(
        &self,
        long: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Result<Vec<T>, UsageError> {
        let opt = self.opt(long);
        let name = opt.to_string();
        let mut values = Vec::new();
        for given in self.given_os(long) {
            match opt.csv {
                true => {
                    for part in given.as_bytes().split(|&b| b == b',') {
                        values.push(self.convert(OsStr::from_bytes(part), &name, &parse)?);
                    }
                }
                false => values.push(self.convert(given, &name, &parse)?),
            }
        }
        Ok(values)
    }

    /// The positional argument `index`, as it was given.
    pub(crate) fn arg_os(&self, index: usize) -> Result<&OsStr, UsageError> {
        self.args
            .get(index)
            .map(OsString::as_os_str)
            .ok_or_else(|| self.missing_arg(index))
    }

    fn missing_arg(&self, index: usize) -> UsageError {
        let name = self.spec.args.get(index).map_or("ARG", |arg| arg.name);
        self.error(format!("the argument '<{name}>' is required"))
    }

    /// The positional argument `index`, converted.
    pub(crate) fn arg<T: FromStr>(&self, index: usize) -> Result<T, UsageError>
    where
        T::Err: Display,
    {
        let name = self.spec.args.get(index).map_or("ARG", |arg| arg.name);
        self.convert(self.arg_os(index)?, &format!("<{name}>"), &str::parse)
    }

    /// The positional arguments from `index` on (the last argument's values), converted.
    pub(crate) fn args_from<T: FromStr>(&self, index: usize) -> Result<Vec<T>, UsageError>
    where
        T::Err: Display,
    {
        (index..self.args.len().max(index + 1))
            .map(|i| self.arg(i))
            .collect()
    }

    fn convert<T, E: Display>(
        &self,
        value: &OsStr,
        name: &str,
        parse: &impl Fn(&str) -> Result<T, E>,
    ) -> Result<T, UsageError> {
        let text = value
            .to_str()
            .ok_or_else(|| self.invalid(&value.to_string_lossy(), name, &"not UTF-8"))?;
        parse(text).map_err(|e| self.invalid(text, name, &e))
    }

    /// The error of a value that does not convert (not generic, so that each conversion stays small).
    #[cold]
    fn invalid(&self, text: &str, name: &str, why: &dyn Display) -> UsageError {
        self.error(format!("invalid value '{text}' for '{name}': {why}"))
    }

    /// The mandatory options and arguments, required subcommand, and `requires`/`conflicts` rules of this
    /// command and the subcommands chosen.
    fn validate(&self) -> Result<(), UsageError> {
        for opt in self.spec.opts() {
            if opt.required && !self.has(opt.long) {
                return Err(self.missing(opt));
            }
            if !self.has(opt.long) {
                continue;
            }
            if let Some(other) = opt.requires.filter(|other| !self.has(other)) {
                return Err(self.error(format!("'{opt}' needs '{}'", self.opt(other))));
            }
            if let Some(other) = opt.conflicts.filter(|other| self.has(other)) {
                return Err(
                    self.error(format!("'{opt}' cannot be used with '{}'", self.opt(other)))
                );
            }
        }
        if self.args.len() < self.spec.args.len() {
            return Err(self.missing_arg(self.args.len()));
        }
        match &self.sub {
            Some(sub) => sub.validate(),
            None if self.spec.needs_subcommand => Err(self.error(format!(
                "a subcommand is needed: {}",
                visible(self.spec)
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
            None => Ok(()),
        }
    }
}

/// Parses `args` (without the program name) against the command tree under `root`.
pub(crate) fn parse(
    root: &'static Command,
    version: &str,
    args: impl IntoIterator<Item = OsString>,
) -> Result<Parsed, UsageError> {
    let mut tokens = args.into_iter().peekable();
    let mut levels = vec![Matches::new(root, root.name.to_owned())];
    let mut json = false;
    let mut only_args = false;
    while let Some(token) = tokens.next() {
        let top = levels.len() == 1;
        let level = levels.last_mut().expect("the root level");
        let spec = level.spec;
        let bytes = token.as_bytes();
        if !only_args && bytes == b"--" {
            only_args = true;
            continue;
        }
        if !only_args && bytes.starts_with(b"--") {
            let (name, inline) = match bytes[2..].iter().position(|&b| b == b'=') {
                Some(at) => (
                    &bytes[2..2 + at],
                    Some(OsStr::from_bytes(&bytes[3 + at..]).to_owned()),
                ),
                None => (&bytes[2..], None),
            };
            let name = std::str::from_utf8(name).unwrap_or("");
            match name {
                "help" => return Ok(Parsed::Print(help(&levels))),
                "version" if top => {
                    return Ok(Parsed::Print(format!("{} {version}\n", root.name)));
                }
                "json" if inline.is_none() => {
                    json = true;
                    continue;
                }
                _ => {}
            }
            let opt = spec.opt(name).ok_or_else(|| unexpected(level, &token))?;
            let value = match (opt.value, inline) {
                (None, Some(_)) => {
                    return Err(level.error(format!("'{opt}' takes no value")));
                }
                (None, None) => None,
                (Some(_), Some(value)) => Some(value),
                (Some(_), None) => match tokens.next_if(|next| !looks_like_option(next)) {
                    Some(value) => Some(value),
                    None => match opt.missing {
                        Some(missing) => Some(missing.into()),
                        None => {
                            return Err(level.error(format!("a value is required for '{opt}'")));
                        }
                    },
                },
            };
            if !opt.many && level.has(opt.long) {
                return Err(level.error(format!("'{opt}' cannot be used more than once")));
            }
            level.given.push((opt, value));
            continue;
        }
        if !only_args && bytes == b"-h" {
            return Ok(Parsed::Print(help(&levels)));
        }
        if !only_args && bytes == b"-V" && top {
            return Ok(Parsed::Print(format!("{} {version}\n", root.name)));
        }
        if !only_args && looks_like_option(&token) {
            return Err(unexpected(level, &token));
        }
        if !spec.subcommands.is_empty() && spec.args.is_empty() {
            if !only_args && bytes == b"help" {
                return help_for(levels, tokens);
            }
            let sub = find_subcommand(level, &token)?;
            let path = format!("{} {}", level.path, sub.name);
            levels.push(Matches::new(sub, path));
            continue;
        }
        let takes_more = spec.args.last().is_some_and(|arg| arg.many);
        if level.args.len() < spec.args.len() || takes_more {
            level.args.push(token);
            continue;
        }
        return Err(unexpected(level, &token));
    }
    let mut matches = levels.pop().expect("the root level");
    while let Some(mut parent) = levels.pop() {
        parent.sub = Some(Box::new(matches));
        matches = parent;
    }
    matches.validate()?;
    Ok(Parsed::Run(matches, json))
}

/// Whether `token` is an option rather than a value: `-` alone (standard input, by convention) and negative
/// numbers are values.
fn looks_like_option(token: &OsString) -> bool {
    match token.as_bytes() {
        [b'-', second, ..] => !second.is_ascii_digit(),
        _ => false,
    }
}

fn unexpected(level: &Matches, token: &OsStr) -> UsageError {
    level.error(format!("unexpected argument '{}'", token.to_string_lossy()))
}

fn find_subcommand(level: &Matches, token: &OsStr) -> Result<&'static Command, UsageError> {
    level
        .spec
        .subcommands
        .iter()
        .copied()
        .find(|sub| OsStr::new(sub.name) == token)
        .ok_or_else(|| {
            level.error(format!(
                "unrecognized subcommand '{}'",
                token.to_string_lossy()
            ))
        })
}

/// `help [COMMAND]...`: the help of the command the words name.
fn help_for(
    mut levels: Vec<Matches>,
    words: impl Iterator<Item = OsString>,
) -> Result<Parsed, UsageError> {
    for word in words {
        let level = levels.last().expect("the root level");
        let sub = find_subcommand(level, &word)?;
        let path = format!("{} {}", level.path, sub.name);
        levels.push(Matches::new(sub, path));
    }
    Ok(Parsed::Print(help(&levels)))
}

/// The subcommands a command's help lists.
fn visible(spec: &Command) -> impl Iterator<Item = &'static Command> + '_ {
    spec.subcommands.iter().copied().filter(|sub| !sub.hidden)
}

/// The `--help` text of the last command of `levels`.
fn help(levels: &[Matches]) -> String {
    let level = levels.last().expect("the root level");
    let spec = level.spec;
    let mut usage = format!("Usage: {} [OPTIONS]", level.path);
    for arg in spec.args {
        usage.push_str(&format!(
            " <{}>{}",
            arg.name,
            if arg.many { "..." } else { "" }
        ));
    }
    match (spec.subcommands.is_empty(), spec.needs_subcommand) {
        (true, _) => {}
        (false, true) => usage.push_str(" <COMMAND>"),
        (false, false) => usage.push_str(" [COMMAND]"),
    }
    let mut text = format!("{}\n\n{usage}\n", spec.about);
    if !spec.subcommands.is_empty() {
        let mut rows: Vec<(String, String)> = visible(spec)
            .map(|sub| (sub.name.into(), first_paragraph(sub.about).into()))
            .collect();
        rows.push((
            "help".into(),
            "Print the help of the given subcommand(s)".into(),
        ));
        text.push_str(&table("Commands", &rows));
    }
    if !spec.args.is_empty() {
        let rows: Vec<(String, String)> = spec
            .args
            .iter()
            .map(|arg| (format!("<{}>", arg.name), arg.help.into()))
            .collect();
        text.push_str(&table("Arguments", &rows));
    }
    let mut rows: Vec<(String, String)> = spec
        .opts()
        .chain([&JSON])
        .map(|opt| {
            let help = match opt.default {
                Some(default) => format!("{} [default: {default}]", opt.help),
                None => opt.help.to_owned(),
            };
            (format!("    {opt}"), help)
        })
        .collect();
    rows.push(("-h, --help".into(), "Print help".into()));
    if levels.len() == 1 {
        rows.push(("-V, --version".into(), "Print version".into()));
    }
    text.push_str(&table("Options", &rows));
    text
}

fn first_paragraph(text: &str) -> &str {
    text.split("\n\n").next().unwrap_or(text)
}

/// A titled two-column section of help.
fn table(title: &str, rows: &[(String, String)]) -> String {
    let width = rows.iter().map(|(left, _)| left.len()).max().unwrap_or(0);
    let mut text = format!("\n{title}:\n");
    for (left, right) in rows {
        text.push_str(&format!("  {left:width$}  {right}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEAF: Command = Command {
        opts: &[&[
            Opt::value("count", "N", "How many.").default("3"),
            Opt::value("name", "NAME", "A name.").required(),
            Opt::value("tag", "TAG", "Tags.").csv(),
            Opt::value("ca", "FILE", "Files.").many(),
            Opt::value("bundle", "FILE", "A bundle.").missing("/default"),
            Opt::flag("yes", "Confirm."),
            Opt::value("needs", "X", "Needs --yes.").requires("yes"),
        ]],
        args: &[
            Arg {
                name: "FIRST",
                help: "The first.",
                many: false,
            },
            Arg {
                name: "REST",
                help: "The rest.",
                many: true,
            },
        ],
        ..Command::new("leaf", "A leaf.")
    };
    const HIDDEN: Command = Command {
        hidden: true,
        ..Command::new("secret", "Internal.")
    };
    const ROOT: Command = Command {
        opts: &[&[
            Opt::flag("sim", "Simulated.").conflicts("device"),
            Opt::value("device", "DEVICE", "A device."),
        ]],
        subcommands: &[&LEAF, &HIDDEN],
        needs_subcommand: true,
        ..Command::new("tool", "A tool.")
    };

    fn parse_ok(args: &[&str]) -> (Matches, bool) {
        match parse(&ROOT, "1.0", args.iter().map(OsString::from)) {
            Ok(Parsed::Run(matches, json)) => (matches, json),
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn error(args: &[&str]) -> String {
        match parse(&ROOT, "1.0", args.iter().map(OsString::from)) {
            Err(error) => error.to_string(),
            other => panic!("{args:?} parsed: {other:?}"),
        }
    }

    fn printed(args: &[&str]) -> String {
        match parse(&ROOT, "1.0", args.iter().map(OsString::from)) {
            Ok(Parsed::Print(text)) => text,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn options_and_arguments_in_any_order_in_both_forms() {
        let (m, json) = parse_ok(&[
            "--sim",
            "leaf",
            "a",
            "--count=7",
            "b",
            "--name",
            "n",
            "c",
            "--json",
            "--tag",
            "x,y",
            "--tag=z",
            "--ca",
            "f1",
            "--ca=f2",
            "--yes",
        ]);
        assert!(json);
        assert!(m.flag("sim"));
        assert_eq!(m.path("device"), None);
        let leaf = m.subcommand().expect("leaf");
        assert_eq!(leaf.needed::<u32>("count").unwrap(), 7);
        assert_eq!(leaf.needed::<String>("name").unwrap(), "n");
        assert_eq!(leaf.arg::<String>(0).unwrap(), "a");
        assert_eq!(leaf.args_from::<String>(1).unwrap(), ["b", "c"]);
        assert_eq!(leaf.values::<String>("tag").unwrap(), ["x", "y", "z"]);
        assert_eq!(leaf.paths("ca"), [PathBuf::from("f1"), PathBuf::from("f2")]);
        assert!(leaf.flag("yes"));
    }

    #[test]
    fn defaults_fill_what_is_absent() {
        let (m, json) = parse_ok(&["leaf", "--name", "n", "a", "b"]);
        assert!(!json);
        let leaf = m.subcommand().expect("leaf");
        assert_eq!(leaf.needed::<u32>("count").unwrap(), 3);
        assert_eq!(leaf.value::<String>("bundle").unwrap(), None);
        assert!(leaf.values::<String>("tag").unwrap().is_empty());
        assert!(!leaf.flag("yes"));
    }

    #[test]
    fn an_optional_value_takes_the_next_word_unless_it_is_an_option() {
        let bundle = |args: &[&str]| {
            let (m, _) = parse_ok(args);
            m.subcommand().unwrap().path("bundle")
        };
        let base = ["leaf", "--name", "n", "a", "b"];
        let with = |extra: &[&'static str]| [&base[..], extra].concat();
        assert_eq!(bundle(&with(&["--bundle"])), Some("/default".into()));
        assert_eq!(
            bundle(&with(&["--bundle", "--yes"])),
            Some("/default".into())
        );
        assert_eq!(bundle(&with(&["--bundle", "/mine"])), Some("/mine".into()));
        assert_eq!(bundle(&with(&["--bundle=/other"])), Some("/other".into()));
    }

    #[test]
    fn double_dash_ends_the_options_and_negative_numbers_are_values() {
        let (m, _) = parse_ok(&["leaf", "--name", "-5", "-7", "b"]);
        let leaf = m.subcommand().unwrap();
        assert_eq!(leaf.needed::<i32>("name").unwrap(), -5);
        assert_eq!(leaf.arg::<i32>(0).unwrap(), -7);
        let (m, json) = parse_ok(&["leaf", "--name", "n", "--", "--json", "-x"]);
        assert!(!json);
        let leaf = m.subcommand().unwrap();
        assert_eq!(leaf.arg::<String>(0).unwrap(), "--json");
        assert_eq!(leaf.args_from::<String>(1).unwrap(), ["-x"]);
    }

    #[test]
    fn each_usage_error_names_the_argument() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["leaf", "--name", "n", "a", "--bogus"],
                "unexpected argument '--bogus'",
            ),
            (
                &["leaf", "--name", "n", "a", "-x"],
                "unexpected argument '-x'",
            ),
            (&["nope"], "unrecognized subcommand 'nope'"),
            (
                &["leaf", "--name"],
                "a value is required for '--name <NAME>'",
            ),
            (
                &["leaf", "--name", "--yes", "a"],
                "a value is required for '--name <NAME>'",
            ),
            (
                &["leaf", "--yes=1", "--name", "n", "a"],
                "'--yes' takes no value",
            ),
            (
                &["leaf", "--name", "n", "--name", "m", "a"],
                "'--name <NAME>' cannot be used more than once",
            ),
            (&["leaf", "a"], "the option '--name <NAME>' is required"),
            (
                &["leaf", "--name", "n"],
                "the argument '<FIRST>' is required",
            ),
            (
                &["leaf", "--name", "n", "a", "--needs", "x"],
                "'--needs <X>' needs '--yes'",
            ),
            (
                &["--sim", "--device", "d", "leaf"],
                "'--sim' cannot be used with '--device <DEVICE>'",
            ),
            (&[], "a subcommand is needed: leaf"),
            (&["--name", "n", "leaf"], "unexpected argument '--name'"),
        ];
        for (args, message) in cases {
            let text = error(args);
            assert!(text.contains(message), "{args:?}: {text}");
            assert!(text.contains("--help'"), "{args:?}: {text}");
        }
    }

    #[test]
    fn bad_values_are_told_with_the_option() {
        let (m, _) = parse_ok(&["leaf", "--name", "n", "--count", "x", "a", "b"]);
        let text = m
            .subcommand()
            .unwrap()
            .needed::<u32>("count")
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("invalid value 'x' for '--count <N>'"),
            "{text}"
        );
        let (m, _) = parse_ok(&["leaf", "--name", "n", "--count", "9", "a", "b"]);
        let text = m
            .subcommand()
            .unwrap()
            .ranged::<u32>("count", 1..=8)
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("invalid value '9' for '--count <N>': not in 1..=8"),
            "{text}"
        );
        assert_eq!(
            m.subcommand()
                .unwrap()
                .ranged::<u32>("count", 1..=9)
                .unwrap(),
            9
        );
    }

    #[test]
    fn help_lists_commands_arguments_options_and_defaults() {
        let top = printed(&["--help"]);
        assert!(
            top.starts_with("A tool.\n\nUsage: tool [OPTIONS] <COMMAND>\n"),
            "{top}"
        );
        assert!(top.contains("  leaf  A leaf."), "{top}");
        assert!(!top.contains("secret"), "hidden: {top}");
        assert!(top.contains("--device <DEVICE>  A device."), "{top}");
        assert!(top.contains("-V, --version"), "{top}");
        let leaf = printed(&["leaf", "-h"]);
        assert_eq!(leaf, printed(&["help", "leaf"]));
        assert_eq!(leaf, printed(&["leaf", "--name", "n", "--help"]));
        assert!(
            leaf.contains("Usage: tool leaf [OPTIONS] <FIRST> <REST>..."),
            "{leaf}"
        );
        assert!(leaf.contains("--count <N>"), "{leaf}");
        assert!(leaf.contains("How many. [default: 3]"), "{leaf}");
        assert!(leaf.contains("--bundle [<FILE>]"), "{leaf}");
        assert!(leaf.contains("<REST>"), "{leaf}");
        assert!(leaf.contains("--json"), "the global option: {leaf}");
        assert!(!leaf.contains("--version"), "{leaf}");
        assert_eq!(printed(&["--version"]), "tool 1.0\n");
        assert_eq!(printed(&["-V"]), "tool 1.0\n");
        assert!(error(&["leaf", "--version"]).contains("unexpected argument '--version'"));
    }

    #[test]
    fn hidden_commands_still_parse() {
        let (m, _) = parse_ok(&["secret"]);
        assert_eq!(m.subcommand().unwrap().name(), "secret");
    }
}
