//! `#[derive(Asn1)]` for euicc-asn1: generates the `Asn1` (BER/DER) and `Jer` (JSON) implementations of
//! SEQUENCE structs, tagged newtypes and CHOICE enums from one declaration, so that the tags, the
//! component names and the optionality of a type are written once.
//!
//! Attributes:
//! - on the type: `#[asn1(tag = 0xBF51)]` (the type's own tag; SEQUENCE `0x30` by default for structs,
//!   untagged for enums) and `#[asn1(name = "EuiccPackageRequest")]` (the ASN.1 name; the Rust name by default);
//! - on a field or variant: `#[asn1(tag = 0x80)]` (implicit tag), `#[asn1(explicit = 0xA0)]`,
//!   `#[asn1(name = "euiccCiPKIdListForVerification")]` (the component name; lowerCamelCase of the Rust name
//!   by default), `#[asn1(tag = 0xA6, alias = 0xA8)]` (a further implicit tag accepted on decoding and never
//!   encoded: the tag a withdrawn edition of the specification assigned) and, on one enum variant holding
//!   `Raw`, `#[asn1(other)]` to keep unknown alternatives.
//!
//! A field of type `Option<T>` is OPTIONAL. Components are matched in declaration order, so several may share
//! a tag. SGP.32 modules are extensible, so components this model does not know are skipped on decoding, but
//! only at the extension point: after the last known component of the encoding. An unknown component
//! followed by a known one is a decoding error (`UnknownComponent`), because there it is far more likely a
//! component modelled with the wrong tag than an extension, and skipping it would read it as absent.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::{
    Attribute, Data, DeriveInput, Fields, GenericArgument, Ident, LitInt, LitStr, PathArguments,
    Type,
};

/// Derives `euicc_asn1::Asn1` and `euicc_asn1::Jer`.
#[proc_macro_derive(Asn1, attributes(asn1))]
pub fn derive_asn1(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

#[derive(Default)]
struct Attrs {
    tag: Option<u32>,
    explicit: Option<u32>,
    name: Option<String>,
    aliases: Vec<u32>,
    other: bool,
}

fn attrs(list: &[Attribute]) -> syn::Result<Attrs> {
    let mut out = Attrs::default();
    for attr in list.iter().filter(|a| a.path().is_ident("asn1")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("tag") {
                out.tag = Some(meta.value()?.parse::<LitInt>()?.base10_parse()?);
            } else if meta.path.is_ident("explicit") {
                out.explicit = Some(meta.value()?.parse::<LitInt>()?.base10_parse()?);
            } else if meta.path.is_ident("name") {
                out.name = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("alias") {
                out.aliases
                    .push(meta.value()?.parse::<LitInt>()?.base10_parse()?);
            } else if meta.path.is_ident("other") {
                out.other = true;
            } else {
                return Err(meta.error("unknown asn1 attribute"));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

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

fn field_tag(a: &Attrs) -> TokenStream2 {
    match (a.tag, a.explicit) {
        (Some(t), _) => quote!(::euicc_asn1::FieldTag::Implicit(::euicc_asn1::Tag(#t))),
        (None, Some(t)) => quote!(::euicc_asn1::FieldTag::Explicit(::euicc_asn1::Tag(#t))),
        (None, None) => quote!(::euicc_asn1::FieldTag::Own),
    }
}

/// The field's tag followed by its decode-only aliases (implicit tags).
fn decode_tags(a: &Attrs) -> syn::Result<Vec<TokenStream2>> {
    if !a.aliases.is_empty() && a.tag.is_none() {
        return Err(syn::Error::new(
            Span::call_site(),
            "an alias needs an implicit tag (`tag = ...`) beside it",
        ));
    }
    let mut tags = vec![field_tag(a)];
    tags.extend(
        a.aliases
            .iter()
            .map(|t| quote!(::euicc_asn1::FieldTag::Implicit(::euicc_asn1::Tag(#t)))),
    );
    Ok(tags)
}

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
    let top = attrs(&input.attrs)?;
    let ident = &input.ident;
    let asn1_name = top.name.clone().unwrap_or_else(|| ident.to_string());
    match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => {
                expand_sequence(ident, &asn1_name, top.tag.unwrap_or(0x30), &named.named)
            }
            Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => {
                expand_newtype(ident, &asn1_name, top.tag, &unnamed.unnamed[0].ty)
            }
            _ => Err(syn::Error::new_spanned(
                ident,
                "Asn1 structs need named fields or exactly one unnamed field",
            )),
        },
        Data::Enum(e) => expand_choice(ident, &asn1_name, top.tag, e),
        Data::Union(_) => Err(syn::Error::new_spanned(
            ident,
            "Asn1 cannot be derived for unions",
        )),
    }
}

fn expand_sequence(
    ident: &Ident,
    asn1_name: &str,
    tag: u32,
    fields: &syn::punctuated::Punctuated<syn::Field, syn::Token![,]>,
) -> syn::Result<TokenStream2> {
    let mut encode = Vec::new();
    let mut decls = Vec::new();
    let mut arms = Vec::new();
    let mut duplicates = Vec::new();
    let mut build = Vec::new();
    let mut to_jer = Vec::new();
    let mut from_jer = Vec::new();
    let mut names = Vec::new();
    let mut generate = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let a = attrs(&f.attrs)?;
        let fident = f
            .ident
            .as_ref()
            .ok_or_else(|| syn::Error::new_spanned(f, "unnamed field"))?;
        let name = a.name.clone().unwrap_or_else(|| lower_camel(fident));
        let ft = field_tag(&a);
        let fts = decode_tags(&a)?;
        let slot = Ident::new(&format!("__f{i}"), Span::call_site());
        let (inner, optional) = match option_inner(&f.ty) {
            Some(t) => (t, true),
            None => (&f.ty, false),
        };
        names.push(name.clone());
        generate.push(if optional {
            quote!(#fident: if g.coin() { Some(<#inner as ::euicc_asn1::testgen::Generate>::generate(g)) } else { None })
        } else {
            quote!(#fident: <#inner as ::euicc_asn1::testgen::Generate>::generate(g))
        });
        if optional {
            encode.push(quote! { if let Some(v) = &self.#fident { #ft.encode::<#inner>(v, w); } });
            build.push(quote! { #fident: #slot });
            to_jer.push(quote! { if let Some(v) = &self.#fident { map.insert(#name.into(), ::euicc_asn1::Jer::to_jer(v)); } });
            from_jer.push(quote! {
                #fident: match map.get(#name) {
                    Some(v) => Some(<#inner as ::euicc_asn1::Jer>::from_jer(v).map_err(|e| e.in_field(#name))?),
                    None => None,
                }
            });
        } else {
            encode.push(quote! { #ft.encode::<#inner>(&self.#fident, w); });
            build.push(quote! {
                #fident: #slot.ok_or_else(|| tlv.error(::euicc_asn1::DecodeErrorKind::MissingField(#name)))?
            });
            to_jer.push(
                quote! { map.insert(#name.into(), ::euicc_asn1::Jer::to_jer(&self.#fident)); },
            );
            from_jer.push(quote! {
                #fident: <#inner as ::euicc_asn1::Jer>::from_jer(
                    map.get(#name).ok_or_else(|| ::euicc_asn1::JerError::new(concat!("missing component ", #name)))?
                ).map_err(|e| e.in_field(#name))?
            });
        }
        decls.push(quote! { let mut #slot: Option<#inner> = None; });
        let idx = i;
        let next_idx = i + 1;
        arms.push(quote! {
            if next <= #idx {
                if let Some(ft) = [#(#fts),*].into_iter().find(|ft| ft.matches::<#inner>(child.tag)) {
                    if let Some((offset, found)) = unknown {
                        return Err(::euicc_asn1::DecodeError::new(
                            ::euicc_asn1::DecodeErrorKind::UnknownComponent { found, before: #name },
                            offset,
                        ));
                    }
                    #slot = Some(ft.decode::<#inner>(&child, cx).map_err(|e| e.in_field(#name))?);
                    next = #next_idx;
                    continue;
                }
            }
        });
        duplicates.push(quote! {
            if [#(#fts),*].into_iter().any(|ft| ft.matches::<#inner>(child.tag)) {
                return Err(child.error(::euicc_asn1::DecodeErrorKind::DuplicateField(#name)));
            }
        });
    }
    // A repeated component is reported under the nearest preceding component it matches.
    duplicates.reverse();
    Ok(quote! {
        impl ::euicc_asn1::Asn1 for #ident {
            const NAME: &'static str = #asn1_name;
            const TAG: Option<::euicc_asn1::Tag> = Some(::euicc_asn1::Tag(#tag));
            fn encode_content(&self, w: &mut ::euicc_asn1::Writer) {
                #(#encode)*
            }
            #[allow(unused_assignments, unused_variables, unused_mut)]
            fn decode_content(tlv: &::euicc_asn1::Tlv<'_>, cx: &mut ::euicc_asn1::Ctx) -> Result<Self, ::euicc_asn1::DecodeError> {
                cx.descend(tlv.offset)?;
                #(#decls)*
                let mut next = 0usize;
                // The first component not known here (offset, tag): skipped if no known one follows.
                let mut unknown: Option<(usize, ::euicc_asn1::Tag)> = None;
                let mut children = ::euicc_asn1::ChildCursor::new(tlv);
                while let Some(child) = children.next(cx)? {
                    // Components are matched in order, so that several may share a tag (`30` certificates).
                    #(#arms)*
                    #(#duplicates)*
                    // Not known here: an extension if no known component follows.
                    if unknown.is_none() {
                        unknown = Some((child.offset, child.tag));
                    }
                }
                cx.ascend();
                Ok(Self { #(#build),* })
            }
        }
        impl ::euicc_asn1::Jer for #ident {
            fn to_jer(&self) -> ::euicc_asn1::serde_json::Value {
                let mut map = ::euicc_asn1::serde_json::Map::new();
                #(#to_jer)*
                ::euicc_asn1::serde_json::Value::Object(map)
            }
            fn from_jer(value: &::euicc_asn1::serde_json::Value) -> Result<Self, ::euicc_asn1::JerError> {
                let map = ::euicc_asn1::jer::object(value)?;
                ::euicc_asn1::jer::deny_unknown(map, &[#(#names),*])?;
                Ok(Self { #(#from_jer),* })
            }
        }
        #[cfg(feature = "testgen")]
        impl ::euicc_asn1::testgen::Generate for #ident {
            #[allow(unused_variables)]
            fn generate(g: &mut ::euicc_asn1::testgen::Gen) -> Self {
                Self { #(#generate),* }
            }
        }
    })
}

fn expand_newtype(
    ident: &Ident,
    asn1_name: &str,
    tag: Option<u32>,
    inner: &Type,
) -> syn::Result<TokenStream2> {
    let (tag_const, accepts, decode) = match tag {
        Some(t) => (
            quote!(Some(::euicc_asn1::Tag(#t))),
            quote!(tag == ::euicc_asn1::Tag(#t)),
            quote!(<#inner as ::euicc_asn1::Asn1>::decode_implicit(tlv, cx)),
        ),
        None => (
            quote!(<#inner as ::euicc_asn1::Asn1>::TAG),
            quote!(<#inner as ::euicc_asn1::Asn1>::accepts(tag)),
            quote!(<#inner as ::euicc_asn1::Asn1>::decode_content(tlv, cx)),
        ),
    };
    Ok(quote! {
        impl ::euicc_asn1::Asn1 for #ident {
            const NAME: &'static str = #asn1_name;
            const TAG: Option<::euicc_asn1::Tag> = #tag_const;
            fn accepts(tag: ::euicc_asn1::Tag) -> bool {
                #accepts
            }
            fn encode_content(&self, w: &mut ::euicc_asn1::Writer) {
                ::euicc_asn1::Asn1::encode_content(&self.0, w)
            }
            fn decode_content(tlv: &::euicc_asn1::Tlv<'_>, cx: &mut ::euicc_asn1::Ctx) -> Result<Self, ::euicc_asn1::DecodeError> {
                #decode.map(Self)
            }
        }
        impl ::euicc_asn1::Jer for #ident {
            fn to_jer(&self) -> ::euicc_asn1::serde_json::Value {
                ::euicc_asn1::Jer::to_jer(&self.0)
            }
            fn from_jer(value: &::euicc_asn1::serde_json::Value) -> Result<Self, ::euicc_asn1::JerError> {
                <#inner as ::euicc_asn1::Jer>::from_jer(value).map(Self)
            }
        }
        #[cfg(feature = "testgen")]
        impl ::euicc_asn1::testgen::Generate for #ident {
            fn generate(g: &mut ::euicc_asn1::testgen::Gen) -> Self {
                Self(<#inner as ::euicc_asn1::testgen::Generate>::generate(g))
            }
        }
    })
}

fn expand_choice(
    ident: &Ident,
    asn1_name: &str,
    tag: Option<u32>,
    data: &syn::DataEnum,
) -> syn::Result<TokenStream2> {
    let mut accepts = Vec::new();
    let mut encode = Vec::new();
    let mut decode = Vec::new();
    let mut to_jer = Vec::new();
    let mut from_jer = Vec::new();
    let mut other = None;
    let mut generate = Vec::new();
    for v in &data.variants {
        let a = attrs(&v.attrs)?;
        let vident = &v.ident;
        let name = a.name.clone().unwrap_or_else(|| lower_camel(vident));
        match &v.fields {
            Fields::Unit => {
                let t = a.tag.ok_or_else(|| {
                    syn::Error::new_spanned(v, "a unit alternative (NULL) needs a tag")
                })?;
                accepts.push(quote!(tag == ::euicc_asn1::Tag(#t)));
                encode.push(quote!(Self::#vident => w.tlv(::euicc_asn1::Tag(#t), |_| {}),));
                decode.push(quote! {
                    if alt.tag == ::euicc_asn1::Tag(#t) {
                        return <::euicc_asn1::Null as ::euicc_asn1::Asn1>::decode_content(&alt, cx)
                            .map(|_| Self::#vident).map_err(|e| e.in_field(#name));
                    }
                });
                to_jer
                    .push(quote!(Self::#vident => (#name, ::euicc_asn1::serde_json::Value::Null),));
                generate.push(quote!(Self::#vident));
                from_jer.push(quote!(#name => { <::euicc_asn1::Null as ::euicc_asn1::Jer>::from_jer(v).map_err(|e| e.in_field(#name))?; Ok(Self::#vident) }));
            }
            Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                let ty = &f.unnamed[0].ty;
                if a.other {
                    other = Some(vident.clone());
                    encode.push(quote!(Self::#vident(raw) => ::euicc_asn1::Asn1::encode(raw, w),));
                    to_jer.push(
                        quote!(Self::#vident(raw) => (#name, ::euicc_asn1::Jer::to_jer(raw)),),
                    );
                    from_jer.push(quote!(#name => Ok(Self::#vident(<#ty as ::euicc_asn1::Jer>::from_jer(v).map_err(|e| e.in_field(#name))?)),));
                    continue;
                }
                let ft = field_tag(&a);
                let fts = decode_tags(&a)?;
                accepts.push(quote!([#(#fts),*].into_iter().any(|ft| ft.matches::<#ty>(tag))));
                encode.push(quote!(Self::#vident(v) => #ft.encode::<#ty>(v, w),));
                decode.push(quote! {
                    if let Some(ft) = [#(#fts),*].into_iter().find(|ft| ft.matches::<#ty>(alt.tag)) {
                        return ft.decode::<#ty>(&alt, cx).map(Self::#vident).map_err(|e| e.in_field(#name));
                    }
                });
                to_jer.push(quote!(Self::#vident(v) => (#name, ::euicc_asn1::Jer::to_jer(v)),));
                from_jer.push(quote!(#name => Ok(Self::#vident(<#ty as ::euicc_asn1::Jer>::from_jer(v).map_err(|e| e.in_field(#name))?)),));
                generate.push(
                    quote!(Self::#vident(<#ty as ::euicc_asn1::testgen::Generate>::generate(g))),
                );
            }
            _ => {
                return Err(syn::Error::new_spanned(
                    v,
                    "CHOICE alternatives hold exactly one value or none",
                ));
            }
        }
    }
    let tag_const = match tag {
        Some(t) => quote!(Some(::euicc_asn1::Tag(#t))),
        None => quote!(None),
    };
    let accepts_fn = match (tag, &other) {
        (Some(_), _) => quote!(Self::TAG == Some(tag)),
        (None, Some(_)) => quote!(true),
        (None, None) => quote!(false #(|| #accepts)*),
    };
    let alt = if tag.is_some() {
        quote!(tlv.single_child(cx)?)
    } else {
        quote!(*tlv)
    };
    let fallback = match &other {
        Some(o) => {
            quote!(Ok(Self::#o(<::euicc_asn1::Raw as ::euicc_asn1::Asn1>::decode_content(&alt, cx)?)))
        }
        None => quote!(Err(alt.error(
            ::euicc_asn1::DecodeErrorKind::UnexpectedTag {
                found: alt.tag,
                expected: None
            }
        ))),
    };
    Ok(quote! {
        impl ::euicc_asn1::Asn1 for #ident {
            const NAME: &'static str = #asn1_name;
            const TAG: Option<::euicc_asn1::Tag> = #tag_const;
            fn accepts(tag: ::euicc_asn1::Tag) -> bool {
                #accepts_fn
            }
            fn encode_content(&self, w: &mut ::euicc_asn1::Writer) {
                match self { #(#encode)* }
            }
            fn decode_content(tlv: &::euicc_asn1::Tlv<'_>, cx: &mut ::euicc_asn1::Ctx) -> Result<Self, ::euicc_asn1::DecodeError> {
                let alt = #alt;
                #(#decode)*
                #fallback
            }
        }
        impl ::euicc_asn1::Jer for #ident {
            fn to_jer(&self) -> ::euicc_asn1::serde_json::Value {
                let (name, value) = match self { #(#to_jer)* };
                let mut map = ::euicc_asn1::serde_json::Map::new();
                map.insert(name.into(), value);
                ::euicc_asn1::serde_json::Value::Object(map)
            }
            fn from_jer(value: &::euicc_asn1::serde_json::Value) -> Result<Self, ::euicc_asn1::JerError> {
                let (name, v) = ::euicc_asn1::jer::choice(value)?;
                match name {
                    #(#from_jer)*
                    other => Err(::euicc_asn1::JerError::new(format!("unknown alternative {other}"))),
                }
            }
        }
        #[cfg(feature = "testgen")]
        impl ::euicc_asn1::testgen::Generate for #ident {
            #[allow(unused_variables)]
            fn generate(g: &mut ::euicc_asn1::testgen::Gen) -> Self {
                // Known alternatives only: an unknown one would not come back as itself.
                let alternatives: &[fn(&mut ::euicc_asn1::testgen::Gen) -> Self] = &[#(|g| #generate),*];
                alternatives[g.below(alternatives.len())](g)
            }
        }
    })
}
