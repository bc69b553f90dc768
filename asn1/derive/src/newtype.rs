//! A newtype: a struct with one unnamed field, encoded as that field, under a tag of its own if it has one.

use crate::attrs::TagSpec;
use crate::tags;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Ident, Type};

pub(crate) fn expand(
    ident: &Ident,
    asn1_name: &str,
    tag: Option<TagSpec>,
    inner: &Type,
) -> syn::Result<TokenStream> {
    let (tag_const, tags_const, decode) = match tag {
        // An implicit tag: constructed when the inner type's encoding is.
        Some(t) => {
            let t = tags::tag(t, tags::constructed(inner));
            (
                quote!(Some(#t)),
                TokenStream::new(),
                quote!(<#inner as ::euicc_asn1::Asn1>::decode_implicit(tlv, cx)),
            )
        }
        None => (
            quote!(<#inner as ::euicc_asn1::Asn1>::TAG),
            quote!(const TAGS: ::euicc_asn1::TagSet = <#inner as ::euicc_asn1::Asn1>::TAGS;),
            quote!(<#inner as ::euicc_asn1::Asn1>::decode_content(tlv, cx)),
        ),
    };
    Ok(quote! {
        impl ::euicc_asn1::Asn1 for #ident {
            const NAME: &'static str = #asn1_name;
            const TAG: Option<::euicc_asn1::Tag> = #tag_const;
            #tags_const
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
