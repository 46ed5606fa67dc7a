//! Generate the `Collector` impl from the checked model.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::DeriveInput;

use crate::model::Collector;

/// Generate the impl, wrapped in `const _: () = { .. };`.
pub fn expand(input: &DeriveInput, model: &Collector) -> TokenStream {
    let krate = &model.krate;
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let n = model.charts.len();

    let charts = model.charts.iter().map(|c| {
        let (type_, id, name, title, units, family, context) = (
            &c.type_,
            &c.id.value,
            &c.name,
            &c.title,
            &c.units,
            &c.family,
            &c.context,
        );
        let chart_type = crate::variant(&format!("{:?}", c.chart_type));
        let (priority, update_every) = (c.priority, c.update_every);
        let (obsolete, detail, hidden, store_first) =
            (c.obsolete, c.detail, c.hidden, c.store_first);
        let labels = c
            .labels
            .iter()
            .map(|(k, v)| quote!(#krate::chart::Label::new(#k, #v)));
        let dims = c.dims.iter().map(|d| {
            let (id, name, multiplier, divisor, hidden) =
                (&d.id, &d.name, d.multiplier, d.divisor, d.hidden);
            let algorithm = crate::variant(&format!("{:?}", d.algorithm));
            quote! {
                #krate::chart::Dimension::new(#id)
                    .name(#name)
                    .algorithm(#krate::chart::Algorithm::#algorithm)
                    .multiplier(#multiplier)
                    .divisor(#divisor)
                    .hidden(#hidden)
            }
        });
        quote! {
            #krate::chart::Chart::new(#type_, #id)
                .name(#name)
                .title(#title)
                .units(#units)
                .family(#family)
                .context(#context)
                .chart_type(#krate::chart::ChartType::#chart_type)
                .priority(#priority)
                .update_every(#update_every)
                .options(#krate::chart::ChartOptions {
                    obsolete: #obsolete,
                    detail: #detail,
                    hidden: #hidden,
                    store_first: #store_first,
                })
                .labels(&[#(#labels),*])
                .dimensions(&[#(#dims),*])
        }
    });

    let arms = model.charts.iter().enumerate().flat_map(|(ci, c)| {
        c.dims.iter().enumerate().map(move |(di, d)| {
            let access = &d.access;
            let scale = d.scale;
            // Spanned on the field's type so a type without `DimensionValue`
            // is reported there.
            let call = quote_spanned! {d.ty_span=>
                #krate::chart::DimensionValue::collected(#access, #scale)
            };
            quote!((#ci, #di) => #call,)
        })
    });

    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::chart::Collector for #ident #ty_generics #where_clause {
                const CHARTS: &'static [#krate::chart::Chart<'static>] = &[#(#charts),*];
                type State = [#krate::chart::ChartState; #n];
                const INITIAL_STATE: Self::State = [#krate::chart::ChartState::NEW; #n];
                #[inline]
                fn value(&self, chart: usize, dim: usize) -> ::core::option::Option<i64> {
                    match (chart, dim) {
                        #(#arms)*
                        _ => ::core::option::Option::None,
                    }
                }
            }
        };
    }
}

/// Generate an impl with no charts, so a failed derive causes no follow-up errors.
pub fn fallback(input: &DeriveInput, krate: &TokenStream) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::chart::Collector for #ident #ty_generics #where_clause {
                const CHARTS: &'static [#krate::chart::Chart<'static>] = &[];
                type State = [#krate::chart::ChartState; 0];
                const INITIAL_STATE: Self::State = [];
                fn value(&self, _: usize, _: usize) -> ::core::option::Option<i64> {
                    ::core::option::Option::None
                }
            }
        };
    }
}
