//! `#[derive(Asn1)]` for euicc-asn1: generates the `Asn1` (BER/DER) and `Jer` (JSON) implementations of
//! SEQUENCE structs, tagged newtypes and CHOICE enums from one declaration, so that the tags, the
//! component names, the optionality and the constraints of a type are written once.
//!
//! Attributes, written as the specification's modules write them:
//! - a tag, on the type or on a component or alternative: `#[asn1(context = 3)]` (`[3]`),
//!   `#[asn1(application = 26)]` (`[APPLICATION 26]`), `#[asn1(private = 3)]`, `#[asn1(universal = 5)]`.
//!   The constructed bit is not written: it comes from the tagged type's `Asn1::CONSTRUCTED`, in a constant
//!   expression, so `[3]` on a SEQUENCE is `A3` and on an INTEGER `83`. Numbers from 31 on take the
//!   multi-octet form (`context = 32` on a SEQUENCE is `BF20`, `application = 73` on an OCTET STRING `5F49`).
//!   On a struct the tag replaces SEQUENCE's `30`; on a newtype it is implicit; on an enum it makes a tagged
//!   CHOICE (explicit, so constructed). A component's tag is implicit, or explicit with
//!   `#[asn1(context = 0, explicit)]`;
//! - `#[asn1(name = "euiccCiPKIdListForVerification")]`: the ASN.1 name (lowerCamelCase of the Rust name by
//!   default for components, the Rust name for types);
//! - `#[asn1(context = 6, alias(context = 8))]`: a further implicit tag accepted on decoding and never
//!   encoded, the tag a withdrawn edition of the specification assigned;
//! - `#[asn1(other)]` on one enum variant holding `Raw`: keeps unknown alternatives;
//! - `#[asn1(default = 2)]` on a SEQUENCE component (not an `Option`): DEFAULT. Absent decodes to the
//!   default; a value equal to it is left out of DER (X.690 §11.5) and of JER;
//! - `#[asn1(size(1..=16))]`, `size(10)` or `size(1..)` on an OCTET STRING, UTF8String, BIT STRING or
//!   SEQUENCE OF component: the SIZE constraint, checked when decoding BER or JER
//!   (`DecodeErrorKind::SizeOutOfRange`).
//!
//! A field of type `Option<T>` is OPTIONAL. Components are matched in declaration order, so mandatory ones
//! may share a tag. SGP.32 modules are extensible, so components this model does not know are skipped on
//! decoding, but only at the extension point: after the last known component of the encoding. An unknown
//! component followed by a known one is a decoding error (`UnknownComponent`), because there it is far more
//! likely a component modelled with the wrong tag than an extension, and skipping it would read it as
//! absent.
//!
//! Tags a decoder could confuse are compile errors, checked by a constant assertion over the computed
//! tags: two alternatives of a CHOICE, and in a SEQUENCE an OPTIONAL or DEFAULT component and any component
//! up to and including the next mandatory one (X.680 clauses 25 and 29). The euicc-asn1 crate documentation
//! shows each rejection.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod attrs;
mod choice;
mod newtype;
mod sequence;
mod tags;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use syn::{Data, DeriveInput, Fields, GenericArgument, Ident, PathArguments, Type};

/// Derives `euicc_asn1::Asn1` and `euicc_asn1::Jer` (and, under the deriving crate's `testgen` feature,
/// `euicc_asn1::testgen::Generate`) from the declaration and its `#[asn1(...)]` attributes.
#[proc_macro_derive(Asn1, attributes(asn1))]
pub fn derive_asn1(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// The ASN.1 name of a component: lowerCamelCase of the Rust name.
fn lower_camel(ident: &Ident) -> String {
    let s = ident.to_string();
    let mut out = String::new();
    let mut upper = false;
    for (i, c) in s.chars().enumerate() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else if i == 0 {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `T` of an `Option<T>` field: an OPTIONAL component.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    if seg.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let top = attrs::parse(&input.attrs)?;
    let ident = &input.ident;
    if top.explicit
        || top.other
        || top.default.is_some()
        || top.size.is_some()
        || !top.aliases.is_empty()
    {
        return Err(syn::Error::new_spanned(
            ident,
            "on a type, `#[asn1]` takes a tag and a name only",
        ));
    }
    let asn1_name = top.name.clone().unwrap_or_else(|| ident.to_string());
    match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => sequence::expand(ident, &asn1_name, top.tag, &named.named),
            Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => {
                newtype::expand(ident, &asn1_name, top.tag, &unnamed.unnamed[0].ty)
            }
            _ => Err(syn::Error::new_spanned(
                ident,
                "Asn1 structs need named fields or exactly one unnamed field",
            )),
        },
        Data::Enum(e) => choice::expand(ident, &asn1_name, top.tag, e),
        Data::Union(_) => Err(syn::Error::new_spanned(
            ident,
            "Asn1 cannot be derived for unions",
        )),
    }
}
