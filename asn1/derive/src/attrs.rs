//! The `#[asn1(...)]` attributes of a type, a SEQUENCE component or a CHOICE alternative, parsed.

use proc_macro2::Ident;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{Attribute, Expr, LitInt, LitStr, Token};

/// The largest tag number a four-octet identifier holds (`euicc_asn1::Tag::MAX_NUMBER`).
const MAX_TAG_NUMBER: u32 = (1 << 21) - 1;

/// The class of a tag, by the keyword that names it in an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Universal,
    Application,
    Context,
    Private,
}

impl Class {
    const KEYWORDS: [(&'static str, Class); 4] = [
        ("universal", Class::Universal),
        ("application", Class::Application),
        ("context", Class::Context),
        ("private", Class::Private),
    ];

    fn named(path: &syn::Path) -> Option<Class> {
        Self::KEYWORDS
            .iter()
            .find(|(keyword, _)| path.is_ident(keyword))
            .map(|(_, class)| *class)
    }

    /// The variant of `euicc_asn1::Class`.
    pub(crate) fn variant(self) -> Ident {
        let name = match self {
            Class::Universal => "Universal",
            Class::Application => "Application",
            Class::Context => "Context",
            Class::Private => "Private",
        };
        Ident::new(name, proc_macro2::Span::call_site())
    }

    fn keyword(self) -> &'static str {
        Self::KEYWORDS
            .iter()
            .find(|(_, class)| *class == self)
            .map_or("context", |(keyword, _)| keyword)
    }
}

/// A tag as the specification's modules write it (`[APPLICATION 26]`, `[3]`): the constructed bit is not
/// part of it, the derive takes it from the tagged type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TagSpec {
    pub(crate) class: Class,
    pub(crate) number: u32,
}

/// A SIZE constraint, bounds inclusive.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SizeSpec {
    pub(crate) min: usize,
    pub(crate) max: Option<usize>,
}

/// Everything one `#[asn1(...)]` list (or several) says about an item.
#[derive(Default)]
pub(crate) struct Attrs {
    /// `context = 3` and the like: the item's tag.
    pub(crate) tag: Option<TagSpec>,
    /// `explicit`: the tag wraps the component's own encoding instead of replacing its tag.
    pub(crate) explicit: bool,
    /// `alias(context = 8)`: further implicit tags accepted on decoding and never encoded.
    pub(crate) aliases: Vec<TagSpec>,
    /// `name = "..."`: the ASN.1 name, where lowerCamelCase of the Rust name is not it.
    pub(crate) name: Option<String>,
    /// `other`: the CHOICE alternative that keeps unknown alternatives.
    pub(crate) other: bool,
    /// `default = expr`: the DEFAULT value of a SEQUENCE component.
    pub(crate) default: Option<Expr>,
    /// `size(1..=16)`: the SIZE constraint of a SEQUENCE component.
    pub(crate) size: Option<SizeSpec>,
}

/// Parses the `asn1` attributes among `list`.
pub(crate) fn parse(list: &[Attribute]) -> syn::Result<Attrs> {
    let mut out = Attrs::default();
    for attr in list.iter().filter(|a| a.path().is_ident("asn1")) {
        attr.parse_nested_meta(|meta| {
            if let Some(class) = Class::named(&meta.path) {
                if out.tag.is_some() {
                    return Err(meta.error(
                        "one tag per item; a further tag accepted on decoding is `alias(...)`",
                    ));
                }
                out.tag = Some(tag_spec(class, &meta)?);
            } else if meta.path.is_ident("tag") {
                return Err(hex_tag_error(&meta, false));
            } else if meta.path.is_ident("explicit") {
                if meta.input.peek(Token![=]) {
                    return Err(hex_tag_error(&meta, true));
                }
                out.explicit = true;
            } else if meta.path.is_ident("alias") {
                meta.parse_nested_meta(|inner| {
                    let class = Class::named(&inner.path)
                        .ok_or_else(|| inner.error("an alias is a tag: `alias(context = 8)`"))?;
                    out.aliases.push(tag_spec(class, &inner)?);
                    Ok(())
                })?;
            } else if meta.path.is_ident("name") {
                out.name = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("other") {
                out.other = true;
            } else if meta.path.is_ident("default") {
                out.default = Some(meta.value()?.parse::<Expr>()?);
            } else if meta.path.is_ident("size") {
                let content;
                syn::parenthesized!(content in meta.input);
                out.size = Some(size_spec(&content)?);
            } else {
                return Err(meta.error("unknown asn1 attribute"));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

fn tag_spec(class: Class, meta: &ParseNestedMeta<'_>) -> syn::Result<TagSpec> {
    let lit = meta.value()?.parse::<LitInt>()?;
    let number: u32 = lit.base10_parse()?;
    if number > MAX_TAG_NUMBER {
        return Err(syn::Error::new_spanned(
            lit,
            "tag number too large: more than four identifier octets",
        ));
    }
    Ok(TagSpec { class, number })
}

/// The error for a tag written as its encoded octets (`tag = 0xA3`), the form this derive took before
/// tags were written as class and number; it names the attribute to write instead.
fn hex_tag_error(meta: &ParseNestedMeta<'_>, explicit: bool) -> syn::Error {
    let written = match meta.value().and_then(|v| v.parse::<LitInt>()) {
        Ok(lit) => lit,
        Err(e) => return e,
    };
    let suggestion = written
        .base10_parse::<u32>()
        .ok()
        .and_then(decode_octets)
        .map(|spec| {
            let explicit = if explicit { ", explicit" } else { "" };
            format!(
                "write `{} = {}{explicit}`",
                spec.class.keyword(),
                spec.number
            )
        })
        .unwrap_or_else(|| "write the class and number, e.g. `context = 3`".to_owned());
    syn::Error::new_spanned(
        written,
        format!(
            "a tag is written as its class and number, not its encoded octets: {suggestion} (the \
             constructed bit comes from the type)"
        ),
    )
}

/// The class and number of a tag given as its encoded identifier octets, for the error message above.
fn decode_octets(octets: u32) -> Option<TagSpec> {
    let bytes: Vec<u8> = octets
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    let (first, rest) = bytes.split_first().unwrap_or((&0, &[]));
    let class = [
        Class::Universal,
        Class::Application,
        Class::Context,
        Class::Private,
    ][usize::from(first >> 6)];
    let number = if first & 0x1F == 0x1F {
        rest.iter()
            .fold(0u32, |n, b| (n << 7) | u32::from(b & 0x7F))
    } else if rest.is_empty() {
        u32::from(first & 0x1F)
    } else {
        return None;
    };
    Some(TagSpec { class, number })
}

/// `size(16)`, `size(1..=16)` or `size(1..)`.
fn size_spec(input: ParseStream<'_>) -> syn::Result<SizeSpec> {
    let min_lit: LitInt = input.parse()?;
    let min = min_lit.base10_parse()?;
    let max = if input.peek(Token![..=]) {
        input.parse::<Token![..=]>()?;
        let max_lit: LitInt = input.parse()?;
        let max = max_lit.base10_parse()?;
        if max < min {
            return Err(syn::Error::new_spanned(max_lit, "an empty SIZE range"));
        }
        Some(max)
    } else if input.peek(Token![..]) {
        input.parse::<Token![..]>()?;
        if !input.is_empty() {
            return Err(input.error("SIZE bounds are inclusive: write `size(a..=b)`"));
        }
        None
    } else {
        Some(min)
    };
    Ok(SizeSpec { min, max })
}
