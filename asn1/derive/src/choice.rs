//! CHOICE: an enum whose variants hold one value (or none: a NULL alternative).

use crate::attrs::{self, TagSpec};
use crate::lower_camel;
use crate::tags::{self, Tagged};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{DataEnum, Fields, Ident, Type};

pub(crate) fn expand(
    ident: &Ident,
    asn1_name: &str,
    tag: Option<TagSpec>,
    data: &DataEnum,
) -> syn::Result<TokenStream> {
    let mut encode_consts = Vec::new();
    let mut encode = Vec::new();
    // The known alternatives as `walk::Alternative`s, and the decode of each, in the same order.
    let mut alternatives = Vec::new();
    let mut decode = Vec::new();
    let mut to_jer = Vec::new();
    let mut from_jer = Vec::new();
    let mut other = None;
    let mut generate = Vec::new();
    // The tags of every alternative (for `TAGS`), and of the known ones (for the distinct-tags check).
    let mut parts = Vec::new();
    let mut tagged = Vec::new();
    for (k, v) in data.variants.iter().enumerate() {
        let a = attrs::parse(&v.attrs)?;
        if a.default.is_some() || a.size.is_some() {
            return Err(syn::Error::new_spanned(
                v,
                "DEFAULT and SIZE are for SEQUENCE components",
            ));
        }
        let vident = &v.ident;
        let name = a.name.clone().unwrap_or_else(|| lower_camel(vident));
        let ft_const = Ident::new(&format!("__FT{k}"), Span::call_site());
        match &v.fields {
            Fields::Unit => {
                let spec = a.tag.filter(|_| !a.explicit).ok_or_else(|| {
                    syn::Error::new_spanned(
                        v,
                        "a unit alternative (NULL) needs an implicit tag, e.g. `universal = 5`",
                    )
                })?;
                let null: Type = syn::parse_quote!(::euicc_asn1::Null);
                let t = tags::tag(spec, tags::constructed(&null));
                let ft = quote!(::euicc_asn1::FieldTag::Implicit(#t));
                encode_consts.push(quote!(const #ft_const: ::euicc_asn1::Tag = #t;));
                parts.push(quote!(#ft.tag_set::<#null>()));
                let fts = [ft];
                tagged.push(Tagged::new(&name, &null, &fts));
                encode.push(quote!(Self::#vident => w.tlv(#ft_const, |_| {}),));
                alternatives.push(alternative(&name, &null, &fts));
                decode.push(
                    quote!(field_tag.decode::<#null>(&chosen.tlv, cx).map(|_| Self::#vident)),
                );
                to_jer
                    .push(quote!(Self::#vident => (#name, ::euicc_asn1::serde_json::Value::Null),));
                generate.push(quote!(Self::#vident));
                from_jer.push(quote!(#name => { <::euicc_asn1::Null as ::euicc_asn1::Jer>::from_jer(v).map_err(|e| e.in_field(#name))?; Ok(Self::#vident) }));
            }
            Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                let ty = &f.unnamed[0].ty;
                if a.other {
                    other = Some(vident.clone());
                    parts.push(quote!(::euicc_asn1::TagSet::ANY));
                    encode.push(quote!(Self::#vident(raw) => ::euicc_asn1::Asn1::encode(raw, w),));
                    to_jer.push(
                        quote!(Self::#vident(raw) => (#name, ::euicc_asn1::Jer::to_jer(raw)),),
                    );
                    from_jer.push(quote!(#name => Ok(Self::#vident(<#ty as ::euicc_asn1::Jer>::from_jer(v).map_err(|e| e.in_field(#name))?)),));
                    continue;
                }
                let ft = tags::field_tag(&a, ty, v)?;
                let fts = tags::decode_tags(&a, ty, v)?;
                encode_consts.push(quote!(const #ft_const: ::euicc_asn1::FieldTag = #ft;));
                let item = Tagged::new(&name, ty, &fts);
                parts.extend(item.sets.iter().cloned());
                tagged.push(item);
                encode.push(quote!(Self::#vident(v) => #ft_const.encode::<#ty>(v, w),));
                alternatives.push(alternative(&name, ty, &fts));
                decode.push(quote!(field_tag.decode::<#ty>(&chosen.tlv, cx).map(Self::#vident)));
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
    // X.680 clause 29: the alternatives of a CHOICE have distinct tags, or the first match would win.
    let pairs: Vec<_> = (0..tagged.len())
        .flat_map(|i| (i + 1..tagged.len()).map(move |j| (i, j)))
        .collect();
    let distinct = tags::distinct(&tagged, &pairs, |a, b| {
        format!(
            "CHOICE {asn1_name}: alternatives `{a}` and `{b}` can have the same tag, so a decoder cannot \
             tell them apart"
        )
    });
    // A tagged CHOICE is explicitly tagged (X.680 §31.2.7), so constructed; an untagged one starts with
    // the tag of one of its alternatives.
    let (tag_const, tags_const) = match tag {
        Some(t) => {
            let t = tags::tag(t, quote!(true));
            (quote!(Some(#t)), TokenStream::new())
        }
        None => (
            quote!(None),
            quote! {
                const TAGS: ::euicc_asn1::TagSet = {
                    const PARTS: &[::euicc_asn1::TagSet] = &[#(#parts),*];
                    const FLAT: [::euicc_asn1::Tag; ::euicc_asn1::TagSet::count(PARTS)] =
                        ::euicc_asn1::TagSet::flatten(PARTS);
                    ::euicc_asn1::TagSet::choice(&FLAT, PARTS)
                };
            },
        ),
    };
    let fallback = match &other {
        Some(o) => {
            quote!(Ok(Self::#o(<::euicc_asn1::Raw as ::euicc_asn1::Asn1>::decode_content(&chosen.tlv, cx)?)))
        }
        None => quote!(Err(chosen.unknown())),
    };
    // The decode of each known alternative by its index in `ALTERNATIVES`, the last one as `_`; none when
    // there is no known alternative.
    let last = decode.pop();
    let known = last.map(|last| {
        let index = 0..decode.len();
        quote! {
            if let Some((index, field_tag)) = chosen.known {
                return match index {
                    #(#index => #decode,)*
                    _ => #last,
                }
                .map_err(|e| e.in_field(ALTERNATIVES[index].name));
            }
        }
    });
    let tagged_choice = tag.is_some();
    Ok(quote! {
        impl ::euicc_asn1::Asn1 for #ident {
            const NAME: &'static str = #asn1_name;
            const TAG: Option<::euicc_asn1::Tag> = #tag_const;
            #tags_const
            fn encode_content(&self, w: &mut ::euicc_asn1::Writer) {
                #(#encode_consts)*
                match self { #(#encode)* }
            }
            fn decode_content(tlv: &::euicc_asn1::Tlv<'_>, cx: &mut ::euicc_asn1::Ctx) -> Result<Self, ::euicc_asn1::DecodeError> {
                const ALTERNATIVES: &[::euicc_asn1::walk::Alternative] = &[#(#alternatives),*];
                let chosen = ::euicc_asn1::walk::choice(tlv, cx, #tagged_choice, ALTERNATIVES)?;
                #known
                #fallback
            }
        }
        #distinct
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

/// The `walk::Alternative` of an alternative named `name` of type `ty`, decoded under `decode_tags`.
fn alternative(name: &str, ty: &Type, decode_tags: &[TokenStream]) -> TokenStream {
    quote! {
        ::euicc_asn1::walk::Alternative {
            name: #name,
            taggings: &[#(::euicc_asn1::walk::Tagging::new::<#ty>(#decode_tags)),*],
        }
    }
}
