//! SEQUENCE: a struct with named fields.

use crate::attrs::{self, SizeSpec, TagSpec};
use crate::tags::{self, Tagged};
use crate::{lower_camel, option_inner};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::punctuated::Punctuated;
use syn::{Field, Ident, Token};

/// A `SizeRange` constant.
fn size_range(size: SizeSpec) -> TokenStream {
    let min = size.min;
    let max = match size.max {
        Some(max) => quote!(Some(#max)),
        None => quote!(None),
    };
    quote!(::euicc_asn1::SizeRange { min: #min, max: #max })
}

pub(crate) fn expand(
    ident: &Ident,
    asn1_name: &str,
    tag: Option<TagSpec>,
    fields: &Punctuated<Field, Token![,]>,
) -> syn::Result<TokenStream> {
    let mut encode = Vec::new();
    let mut decls = Vec::new();
    let mut components = Vec::new();
    let mut slots = Vec::new();
    let mut build = Vec::new();
    let mut to_jer = Vec::new();
    let mut from_jer = Vec::new();
    let mut names = Vec::new();
    let mut generate = Vec::new();
    let mut tagged = Vec::new();
    let mut optional_flags = Vec::new();
    let mut encode_consts = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let a = attrs::parse(&f.attrs)?;
        let fident = f
            .ident
            .as_ref()
            .ok_or_else(|| syn::Error::new_spanned(f, "unnamed field"))?;
        if a.other {
            return Err(syn::Error::new_spanned(
                f,
                "`other` is for a CHOICE alternative",
            ));
        }
        let name = a.name.clone().unwrap_or_else(|| lower_camel(fident));
        let (inner, optional) = match option_inner(&f.ty) {
            Some(t) => (t, true),
            None => (&f.ty, false),
        };
        if optional && a.default.is_some() {
            return Err(syn::Error::new_spanned(
                f,
                "a DEFAULT component holds a value, not an Option: absent decodes to the default",
            ));
        }
        let ft = tags::field_tag(&a, inner, f)?;
        let fts = tags::decode_tags(&a, inner, f)?;
        tagged.push(Tagged::new(&name, inner, &fts));
        let mandatory = !optional && a.default.is_none();
        optional_flags.push(!mandatory);
        let slot = Ident::new(&format!("__f{i}"), Span::call_site());
        // The tags as constants, so that they are computed (and checked) at compile time.
        let ft_const = Ident::new(&format!("__FT{i}"), Span::call_site());
        encode_consts.push(quote!(const #ft_const: ::euicc_asn1::FieldTag = #ft;));
        components.push(quote! {
            ::euicc_asn1::walk::Component {
                name: #name,
                taggings: &[#(::euicc_asn1::walk::Tagging::new::<#inner>(#fts)),*],
                mandatory: #mandatory,
            }
        });
        names.push(name.clone());

        // SIZE: checked on every value read, from BER or from JER.
        let size = a.size.map(size_range);
        slots.push(match &size {
            Some(range) => quote!(&mut ::euicc_asn1::walk::Bounded(&mut #slot, #range)),
            None => quote!(&mut #slot),
        });
        let check_jer = size.as_ref().map(|range| {
            quote! {
                #range.check(&value)
                    .map_err(|kind| ::euicc_asn1::JerError::new(kind.to_string()).in_field(#name))?;
            }
        });
        let generate_value = match &size {
            Some(range) => {
                quote!(<#inner as ::euicc_asn1::testgen::GenerateSized>::generate_sized(g, #range))
            }
            None => quote!(<#inner as ::euicc_asn1::testgen::Generate>::generate(g)),
        };
        let read_jer = quote! {
            {
                let value = <#inner as ::euicc_asn1::Jer>::from_jer(v).map_err(|e| e.in_field(#name))?;
                #check_jer
                value
            }
        };

        if optional {
            generate.push(quote!(#fident: if g.coin() { Some(#generate_value) } else { None }));
            encode.push(
                quote! { if let Some(v) = &self.#fident { #ft_const.encode::<#inner>(v, w); } },
            );
            build.push(quote! { #fident: #slot });
            to_jer.push(quote! { if let Some(v) = &self.#fident { map.insert(#name.into(), ::euicc_asn1::Jer::to_jer(v)); } });
            from_jer.push(quote! {
                #fident: match map.get(#name) {
                    Some(v) => Some(#read_jer),
                    None => None,
                }
            });
        } else if let Some(default) = &a.default {
            // DER leaves a value equal to the DEFAULT out (X.690 §11.5), and so does JER here, as the
            // reference implementation does.
            let default = quote!(::core::convert::identity::<#inner>(#default));
            generate.push(quote!(#fident: #generate_value));
            encode.push(quote! { if self.#fident != #default { #ft_const.encode::<#inner>(&self.#fident, w); } });
            build.push(quote! { #fident: #slot.unwrap_or_else(|| #default) });
            to_jer.push(quote! { if self.#fident != #default { map.insert(#name.into(), ::euicc_asn1::Jer::to_jer(&self.#fident)); } });
            from_jer.push(quote! {
                #fident: match map.get(#name) {
                    Some(v) => #read_jer,
                    None => #default,
                }
            });
        } else {
            generate.push(quote!(#fident: #generate_value));
            encode.push(quote! { #ft_const.encode::<#inner>(&self.#fident, w); });
            // `walk::sequence` fails where a mandatory component is absent.
            build.push(quote!(#fident: #slot.expect("walk::sequence fills mandatory slots")));
            to_jer.push(
                quote! { map.insert(#name.into(), ::euicc_asn1::Jer::to_jer(&self.#fident)); },
            );
            from_jer.push(quote! {
                #fident: {
                    let v = map.get(#name).ok_or_else(|| ::euicc_asn1::JerError::new(concat!("missing component ", #name)))?;
                    #read_jer
                }
            });
        }
        decls.push(quote! { let mut #slot: Option<#inner> = None; });
    }

    // X.680 clause 25: the tags of a run of OPTIONAL or DEFAULT components and of the component after it
    // must differ, or a decoder cannot tell which one it has (mandatory components in a row may share one:
    // they are read in order).
    let mut pairs = Vec::new();
    for (i, optional) in optional_flags.iter().enumerate() {
        if !optional {
            continue;
        }
        for (j, later_optional) in optional_flags.iter().enumerate().skip(i + 1) {
            pairs.push((i, j));
            if !later_optional {
                break;
            }
        }
    }
    let distinct = tags::distinct(&tagged, &pairs, |a, b| {
        format!(
            "SEQUENCE {asn1_name}: components `{a}` and `{b}` can have the same tag, and `{a}` may be \
             absent, so a decoder cannot tell them apart"
        )
    });
    let tag = match tag {
        Some(t) => tags::tag(t, quote!(true)),
        None => quote!(::euicc_asn1::Tag::SEQUENCE),
    };
    Ok(quote! {
        impl ::euicc_asn1::Asn1 for #ident {
            const NAME: &'static str = #asn1_name;
            const TAG: Option<::euicc_asn1::Tag> = Some(#tag);
            fn encode_content(&self, w: &mut ::euicc_asn1::Writer) {
                #(#encode_consts)*
                #(#encode)*
            }
            fn decode_content(tlv: &::euicc_asn1::Tlv<'_>, cx: &mut ::euicc_asn1::Ctx) -> Result<Self, ::euicc_asn1::DecodeError> {
                const COMPONENTS: &[::euicc_asn1::walk::Component] = &[#(#components),*];
                #(#decls)*
                let slots: &mut [&mut dyn ::euicc_asn1::walk::Slot] = &mut [#(#slots),*];
                ::euicc_asn1::walk::sequence(tlv, cx, COMPONENTS, slots)?;
                Ok(Self { #(#build),* })
            }
        }
        #distinct
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
