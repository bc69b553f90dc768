//! Tags as constant expressions, and the compile-time check that the tags a decoder has to tell apart
//! differ.

use crate::attrs::{Attrs, TagSpec};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::Type;

/// `Tag::new(class, number, constructed)`: the identifier octets, computed at compile time.
pub(crate) fn tag(spec: TagSpec, constructed: TokenStream) -> TokenStream {
    let class = spec.class.variant();
    let number = spec.number;
    quote!(::euicc_asn1::Tag::new(::euicc_asn1::Class::#class, #number, #constructed))
}

/// The constructed bit of `ty`'s encoding, which an implicit tag in its place takes over.
pub(crate) fn constructed(ty: &Type) -> TokenStream {
    quote!(<#ty as ::euicc_asn1::Asn1>::CONSTRUCTED)
}

/// How a component of type `ty` is tagged, as a `FieldTag` constant.
pub(crate) fn field_tag(a: &Attrs, ty: &Type, item: &dyn ToTokens) -> syn::Result<TokenStream> {
    Ok(match (a.tag, a.explicit) {
        (Some(t), false) => {
            let t = tag(t, constructed(ty));
            quote!(::euicc_asn1::FieldTag::Implicit(#t))
        }
        (Some(t), true) => {
            let t = tag(t, quote!(true));
            quote!(::euicc_asn1::FieldTag::Explicit(#t))
        }
        (None, false) => quote!(::euicc_asn1::FieldTag::Own),
        (None, true) => {
            return Err(syn::Error::new_spanned(
                item,
                "`explicit` needs a tag beside it: `context = 0, explicit`",
            ));
        }
    })
}

/// The component's tag followed by its decode-only aliases (implicit tags), as `FieldTag` constants.
pub(crate) fn decode_tags(
    a: &Attrs,
    ty: &Type,
    item: &dyn ToTokens,
) -> syn::Result<Vec<TokenStream>> {
    if !a.aliases.is_empty() && (a.tag.is_none() || a.explicit) {
        return Err(syn::Error::new_spanned(
            item,
            "an alias needs an implicit tag beside it: `context = 6, alias(context = 8)`",
        ));
    }
    let mut tags = vec![field_tag(a, ty, item)?];
    tags.extend(a.aliases.iter().map(|alias| {
        let t = tag(*alias, constructed(ty));
        quote!(::euicc_asn1::FieldTag::Implicit(#t))
    }));
    Ok(tags)
}

/// One component or alternative, as the distinct-tags check sees it.
pub(crate) struct Tagged {
    /// The ASN.1 name, for the error message.
    pub(crate) name: String,
    /// `TagSet` constant expressions, one per tag the decoder accepts for it.
    pub(crate) sets: Vec<TokenStream>,
}

impl Tagged {
    /// A component of type `ty` decoded under `decode_tags`.
    pub(crate) fn new(name: &str, ty: &Type, decode_tags: &[TokenStream]) -> Self {
        Self {
            name: name.to_owned(),
            sets: decode_tags
                .iter()
                .map(|ft| quote!(#ft.tag_set::<#ty>()))
                .collect(),
        }
    }
}

/// A constant item that fails to compile when two of the `pairs` of `items` could start with the same tag;
/// `message` says what that means for the pair's names.
pub(crate) fn distinct(
    items: &[Tagged],
    pairs: &[(usize, usize)],
    message: impl Fn(&str, &str) -> String,
) -> TokenStream {
    if pairs.is_empty() {
        return TokenStream::new();
    }
    let sets: Vec<_> = items
        .iter()
        .map(|item| {
            let sets = &item.sets;
            quote!(&[#(#sets),*])
        })
        .collect();
    let checks = pairs.iter().map(|&(i, j)| {
        let (a, b) = (&sets[i], &sets[j]);
        let message = message(&items[i].name, &items[j].name);
        quote!(assert!(!::euicc_asn1::TagSet::any_overlap(#a, #b), #message);)
    });
    quote! {
        const _: () = {
            #(#checks)*
        };
    }
}
