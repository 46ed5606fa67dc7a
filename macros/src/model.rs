//! Parse and check the derive input into a model of charts and dimensions.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::meta::ParseNestedMeta;
use syn::{Data, DeriveInput, Fields, LitInt, LitStr, Path, Type};

use collie_core::chart::{Algorithm, ChartType};
use collie_core::netdata::Field;

use crate::ctxt::Ctxt;
use crate::explain;

const COLLECTOR_KEYS: &str = "`crate`, `type`, `priority`";
const CHART_KEYS: &str = "`id`, `name`, `title`, `units`, `family`, `context`, `chart_type`, \
     `type`, `priority`, `update_every`, `obsolete`, `detail`, `hidden`, `store_first`, `label(..)`";
const DIM_KEYS: &str =
    "`chart`, `id`, `name`, `algorithm`, `multiplier`, `divisor`, `precision`, `hidden`";
/// List `names` as `"a", "b" or "c"`.
fn one_of<const N: usize>(names: [&str; N]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Largest `precision`: 10^12 still leaves ±9.2 million for the integer part.
const MAX_PRECISION: u32 = 12;

/// A text value and where it was written.
#[derive(Clone)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

impl Text {
    fn from_lit(lit: &LitStr) -> Text {
        Text {
            value: lit.value(),
            span: lit.span(),
        }
    }
}

/// The whole collector.
pub struct Collector {
    pub krate: TokenStream,
    pub charts: Vec<Chart>,
}

/// One `#[chart(..)]`.
pub struct Chart {
    pub id: Text,
    pub type_: String,
    pub name: String,
    pub title: String,
    pub units: String,
    pub family: String,
    pub context: String,
    /// Variant name of `ChartType`.
    pub chart_type: ChartType,
    pub priority: u32,
    pub update_every: u32,
    pub obsolete: bool,
    pub detail: bool,
    pub hidden: bool,
    pub store_first: bool,
    pub labels: Vec<(String, String)>,
    pub dims: Vec<Dim>,
}

/// One dimension, after arrays are expanded.
pub struct Dim {
    pub id: String,
    pub name: String,
    /// Variant name of `Algorithm`.
    pub algorithm: Algorithm,
    pub multiplier: i64,
    pub divisor: i64,
    pub hidden: bool,
    /// The expression reading the value, e.g. `&self.temp` or `&self.cores[2]`.
    pub access: TokenStream,
    /// Power of ten the value is scaled by before rounding.
    pub scale: i64,
    /// Span of the field's (element) type, for type errors.
    pub ty_span: Span,
}

/// What a field's type is, as far as syntax tells.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Int,
    Float,
    /// A type alias or a user type: trusted to implement `DimensionValue`.
    Other,
}

/// Classify a scalar type, or explain why it cannot hold a value.
fn classify(ty: &Type) -> Result<Kind, String> {
    match ty {
        Type::Paren(p) => classify(&p.elem),
        Type::Group(g) => classify(&g.elem),
        Type::Reference(r) => classify(&r.elem),
        Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return Ok(Kind::Other);
            };
            let name = last.ident.to_string();
            match name.as_str() {
                "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
                | "u128" | "usize" => Ok(Kind::Int),
                "f32" | "f64" => Ok(Kind::Float),
                "Option" => match &last.arguments {
                    syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => {
                        match args.args.first() {
                            Some(syn::GenericArgument::Type(inner)) => classify(inner),
                            _ => Ok(Kind::Other),
                        }
                    }
                    _ => Ok(Kind::Other),
                },
                "String" | "str" | "bool" | "char" | "Vec" | "Box" | "Cow" | "HashMap"
                | "BTreeMap" | "HashSet" | "BTreeSet" | "Duration" | "Instant" | "SystemTime" => {
                    Err(format!(
                        "`{name}` is not a numeric type; a dimension field must be an integer, \
                         `f32`/`f64`, an `Option` of one, or an array of those"
                    ))
                }
                _ => Ok(Kind::Other),
            }
        }
        Type::Array(_) => Err("arrays of arrays are not supported; use one array per chart".into()),
        _ => Err(format!(
            "`{}` is not a numeric type; a dimension field must be an integer, `f32`/`f64`, \
             an `Option` of one, or an array of those",
            ty.to_token_stream()
        )),
    }
}

/// Skip the value of an unknown key (`= expr` or `(..)`), so parsing can go on.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.input.parse::<syn::Token![=]>()?;
    }
    while !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
        meta.input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

fn key_name(meta: &ParseNestedMeta) -> String {
    meta.path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// Record `value` in `slot`, or an error if the key was already given.
fn set_once<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta) {
    if slot.is_some() {
        cx.spanned(&meta.path, format!("duplicate `{}`", key_name(meta)));
    } else {
        *slot = Some(value);
    }
}

fn parse_str(meta: &ParseNestedMeta) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

fn parse_int<N>(meta: &ParseNestedMeta) -> syn::Result<(N, LitInt)>
where
    N: std::str::FromStr,
    N::Err: std::fmt::Display,
{
    let lit: LitInt = meta.value()?.parse()?;
    Ok((lit.base10_parse()?, lit))
}

/// Parse a signed integer literal, allowing a leading `-`.
fn parse_signed(meta: &ParseNestedMeta) -> syn::Result<(i64, Span)> {
    let input = meta.value()?;
    let neg: Option<syn::Token![-]> = input.parse()?;
    let lit: LitInt = input.parse()?;
    let v: i64 = lit.base10_parse()?;
    Ok((if neg.is_some() { -v } else { v }, lit.span()))
}

/// Return the text of `lit`, recording an error if core refuses it as `field`.
fn check_text(cx: &mut Ctxt, lit: &LitStr, what: &str, field: Field) -> String {
    let v = lit.value();
    if let Err(p) = explain::text(&v, field) {
        cx.spanned(lit, format!("{what} {p}"));
    }
    v
}

/// Return the id in `lit`, recording an error if core refuses it as `field`.
fn check_id(cx: &mut Ctxt, lit: &LitStr, what: &str, field: Field) -> String {
    let v = lit.value();
    if let Err(p) = explain::id(&v, field) {
        cx.spanned(lit, format!("{what} {p}"));
    }
    v
}

#[derive(Default)]
struct CollectorAttr {
    krate: Option<TokenStream>,
    type_: Option<String>,
    priority: Option<u32>,
}

fn parse_collector_attr(cx: &mut Ctxt, attr: &syn::Attribute, out: &mut CollectorAttr) {
    let r = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("crate") {
            let input = meta.value()?;
            let path: Path = if input.peek(LitStr) {
                input.parse::<LitStr>()?.parse()?
            } else {
                input.parse()?
            };
            set_once(cx, &mut out.krate, path.to_token_stream(), &meta);
        } else if meta.path.is_ident("type") {
            let lit = parse_str(&meta)?;
            let v = check_id(cx, &lit, "chart type", Field::Type);
            set_once(cx, &mut out.type_, v, &meta);
        } else if meta.path.is_ident("priority") {
            let (v, _) = parse_int::<u32>(&meta)?;
            set_once(cx, &mut out.priority, v, &meta);
        } else {
            cx.push(meta.error(format!(
                "unknown collector attribute `{}`; expected one of {COLLECTOR_KEYS}",
                key_name(&meta)
            )));
            skip_value(&meta)?;
        }
        Ok(())
    });
    if let Err(e) = r {
        cx.push(e);
    }
}

#[derive(Default)]
struct ChartAttr {
    id: Option<LitStr>,
    type_: Option<String>,
    name: Option<String>,
    title: Option<String>,
    units: Option<String>,
    family: Option<String>,
    context: Option<String>,
    chart_type: Option<ChartType>,
    priority: Option<u32>,
    update_every: Option<u32>,
    obsolete: Option<bool>,
    detail: Option<bool>,
    hidden: Option<bool>,
    store_first: Option<bool>,
    labels: Vec<(String, String)>,
}

fn parse_chart_attr(cx: &mut Ctxt, attr: &syn::Attribute) -> ChartAttr {
    let mut c = ChartAttr::default();
    let r = attr.parse_nested_meta(|meta| {
        let p = &meta.path;
        if p.is_ident("id") {
            let lit = parse_str(&meta)?;
            check_id(cx, &lit, "chart id", Field::ChartId);
            set_once(cx, &mut c.id, lit, &meta);
        } else if p.is_ident("type") {
            let lit = parse_str(&meta)?;
            let v = check_id(cx, &lit, "chart type", Field::Type);
            set_once(cx, &mut c.type_, v, &meta);
        } else if p.is_ident("name") {
            let v = check_text(cx, &parse_str(&meta)?, "chart name", Field::ChartName);
            set_once(cx, &mut c.name, v, &meta);
        } else if p.is_ident("title") {
            let v = check_text(cx, &parse_str(&meta)?, "title", Field::Title);
            set_once(cx, &mut c.title, v, &meta);
        } else if p.is_ident("units") {
            let v = check_text(cx, &parse_str(&meta)?, "units", Field::Units);
            set_once(cx, &mut c.units, v, &meta);
        } else if p.is_ident("family") {
            let v = check_text(cx, &parse_str(&meta)?, "family", Field::Family);
            set_once(cx, &mut c.family, v, &meta);
        } else if p.is_ident("context") {
            let lit = parse_str(&meta)?;
            let v = lit.value();
            if let Err(problem) = explain::context(&v) {
                cx.spanned(&lit, format!("context {problem}"));
            }
            set_once(cx, &mut c.context, v, &meta);
        } else if p.is_ident("chart_type") {
            let lit = parse_str(&meta)?;
            match ChartType::from_name(&lit.value()) {
                Some(t) => set_once(cx, &mut c.chart_type, t, &meta),
                None => cx.spanned(
                    &lit,
                    format!(
                        "unknown chart type; expected {}",
                        one_of(ChartType::ALL.map(ChartType::as_str))
                    ),
                ),
            }
        } else if p.is_ident("priority") {
            let (v, _) = parse_int::<u32>(&meta)?;
            set_once(cx, &mut c.priority, v, &meta);
        } else if p.is_ident("update_every") {
            let (v, lit) = parse_int::<u32>(&meta)?;
            if v == 0 {
                cx.spanned(&lit, "update_every must be at least 1 second");
            }
            set_once(cx, &mut c.update_every, v, &meta);
        } else if p.is_ident("obsolete") {
            set_once(cx, &mut c.obsolete, true, &meta);
        } else if p.is_ident("detail") {
            set_once(cx, &mut c.detail, true, &meta);
        } else if p.is_ident("hidden") {
            set_once(cx, &mut c.hidden, true, &meta);
        } else if p.is_ident("store_first") {
            set_once(cx, &mut c.store_first, true, &meta);
        } else if p.is_ident("label") {
            meta.parse_nested_meta(|label| {
                let name = key_name(&label);
                if let Err(problem) = explain::label_name(&name) {
                    cx.spanned(&label.path, format!("label name {problem}"));
                }
                let lit = parse_str(&label)?;
                let value = check_text(cx, &lit, "label value", Field::LabelValue);
                if value.is_empty() {
                    cx.spanned(&lit, "label value must not be empty");
                }
                if c.labels.iter().any(|(n, _)| *n == name) {
                    cx.spanned(&label.path, format!("duplicate label `{name}`"));
                }
                c.labels.push((name, value));
                Ok(())
            })?;
        } else {
            cx.push(meta.error(format!(
                "unknown chart attribute `{}`; expected one of {CHART_KEYS}",
                key_name(&meta)
            )));
            skip_value(&meta)?;
        }
        Ok(())
    });
    if let Err(e) = r {
        cx.push(e);
    }
    c
}

#[derive(Default)]
struct DimAttr {
    chart: Option<LitStr>,
    id: Option<LitStr>,
    name: Option<LitStr>,
    algorithm: Option<Algorithm>,
    multiplier: Option<i64>,
    divisor: Option<i64>,
    precision: Option<(u32, Span)>,
    hidden: Option<bool>,
}

fn parse_dim_attr(cx: &mut Ctxt, attr: &syn::Attribute) -> DimAttr {
    let mut d = DimAttr::default();
    if matches!(attr.meta, syn::Meta::Path(_)) {
        return d;
    }
    let r = attr.parse_nested_meta(|meta| {
        let p = &meta.path;
        if p.is_ident("chart") {
            set_once(cx, &mut d.chart, parse_str(&meta)?, &meta);
        } else if p.is_ident("id") {
            set_once(cx, &mut d.id, parse_str(&meta)?, &meta);
        } else if p.is_ident("name") {
            set_once(cx, &mut d.name, parse_str(&meta)?, &meta);
        } else if p.is_ident("algorithm") {
            let lit = parse_str(&meta)?;
            match Algorithm::from_name(&lit.value()) {
                Some(a) => set_once(cx, &mut d.algorithm, a, &meta),
                None => cx.spanned(
                    &lit,
                    format!(
                        "unknown algorithm; expected {}",
                        one_of(Algorithm::ALL.map(Algorithm::as_str))
                    ),
                ),
            }
        } else if p.is_ident("multiplier") {
            let (v, span) = parse_signed(&meta)?;
            if v == 0 {
                cx.at(
                    span,
                    "multiplier must not be 0 (Netdata would silently use 1)",
                );
            }
            set_once(cx, &mut d.multiplier, v, &meta);
        } else if p.is_ident("divisor") {
            let (v, span) = parse_signed(&meta)?;
            if v == 0 {
                cx.at(span, "divisor must not be 0");
            }
            set_once(cx, &mut d.divisor, v, &meta);
        } else if p.is_ident("precision") {
            let (v, lit) = parse_int::<u32>(&meta)?;
            if v > MAX_PRECISION {
                cx.spanned(&lit, format!("precision must be at most {MAX_PRECISION}"));
            }
            set_once(cx, &mut d.precision, (v, lit.span()), &meta);
        } else if p.is_ident("hidden") {
            set_once(cx, &mut d.hidden, true, &meta);
        } else {
            cx.push(meta.error(format!(
                "unknown dimension attribute `{}`; expected one of {DIM_KEYS}",
                key_name(&meta)
            )));
            skip_value(&meta)?;
        }
        Ok(())
    });
    if let Err(e) = r {
        cx.push(e);
    }
    d
}

/// Expand `{}` in a template with the array index, or append `_<index>`.
fn expand_template(template: &str, index: usize) -> String {
    if template.contains("{}") {
        template.replace("{}", &index.to_string())
    } else {
        format!("{template}_{index}")
    }
}

/// Parse and check the derive input.
///
/// On failure, return the crate path (for a fallback impl) and every error found.
pub fn parse(input: &DeriveInput) -> Result<Collector, (TokenStream, syn::Error)> {
    let mut cx = Ctxt::default();

    let mut coll = CollectorAttr::default();
    let mut chart_attrs = Vec::new();
    for attr in &input.attrs {
        if attr.path().is_ident("collector") {
            parse_collector_attr(&mut cx, attr, &mut coll);
        } else if attr.path().is_ident("chart") {
            chart_attrs.push((attr, parse_chart_attr(&mut cx, attr)));
        } else if attr.path().is_ident("dim") {
            cx.spanned(
                attr,
                "`#[dim]` belongs on a field; declare charts with `#[chart(..)]`",
            );
        }
    }

    let mut charts: Vec<Chart> = Vec::new();
    let base_priority = coll.priority;
    for (attr, c) in chart_attrs {
        let Some(id) = c.id else {
            cx.spanned(attr, "missing `id = \"...\"` in `#[chart(..)]`");
            continue;
        };
        let id = Text::from_lit(&id);
        if charts.iter().any(|other| other.id.value == id.value) {
            cx.at(id.span, format!("duplicate chart id `{}`", id.value));
            continue;
        }
        let index = u32::try_from(charts.len()).unwrap_or(u32::MAX);
        charts.push(Chart {
            type_: c.type_.or_else(|| coll.type_.clone()).unwrap_or_default(),
            name: c.name.unwrap_or_default(),
            title: c.title.unwrap_or_default(),
            units: c.units.unwrap_or_default(),
            family: c.family.unwrap_or_default(),
            context: c.context.unwrap_or_default(),
            chart_type: c.chart_type.unwrap_or_default(),
            priority: c
                .priority
                .or_else(|| base_priority.map(|b| b.saturating_add(index)))
                .unwrap_or(0),
            update_every: c.update_every.unwrap_or(0),
            obsolete: c.obsolete.unwrap_or(false),
            detail: c.detail.unwrap_or(false),
            hidden: c.hidden.unwrap_or(false),
            store_first: c.store_first.unwrap_or(false),
            labels: c.labels,
            dims: Vec::new(),
            id,
        });
    }

    let fields = match &input.data {
        Data::Struct(s) => Some(&s.fields),
        Data::Enum(e) => {
            cx.at(
                e.enum_token.span,
                "`#[derive(Collector)]` needs a struct, not an enum",
            );
            None
        }
        Data::Union(u) => {
            cx.at(
                u.union_token.span,
                "`#[derive(Collector)]` needs a struct, not a union",
            );
            None
        }
    };
    if chart_attrs_missing(&input.attrs) && fields.is_some() {
        cx.spanned(
            &input.ident,
            "a collector needs at least one `#[chart(id = \"...\", ...)]` on the struct",
        );
    }

    let empty = Fields::Unit;
    for (index, field) in fields.unwrap_or(&empty).iter().enumerate() {
        let member = match &field.ident {
            Some(ident) => quote!(#ident),
            None => {
                let i = syn::Index::from(index);
                quote!(#i)
            }
        };
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("dim")) {
            let d = parse_dim_attr(&mut cx, attr);
            add_dims(&mut cx, &mut charts, field, &member, attr, d);
        }
    }

    for chart in charts.iter().filter(|_| fields.is_some()) {
        if chart.dims.is_empty() {
            cx.at(
                chart.id.span,
                format!(
                    "chart `{}` has no dimensions; bind a field to it with `#[dim(chart = \"{}\")]`",
                    chart.id.value, chart.id.value
                ),
            );
        }
    }

    let krate = coll.krate.unwrap_or_else(|| quote!(::collie));
    match cx.check() {
        Ok(()) => Ok(Collector { krate, charts }),
        Err(e) => Err((krate, e)),
    }
}

fn chart_attrs_missing(attrs: &[syn::Attribute]) -> bool {
    !attrs.iter().any(|a| a.path().is_ident("chart"))
}

/// Bind a field (or each element of an array field) to its chart.
fn add_dims(
    cx: &mut Ctxt,
    charts: &mut [Chart],
    field: &syn::Field,
    member: &TokenStream,
    attr: &syn::Attribute,
    d: DimAttr,
) {
    // Which chart.
    let chart_index = match &d.chart {
        Some(lit) => {
            let want = lit.value();
            match charts.iter().position(|c| c.id.value == want) {
                Some(i) => Some(i),
                None => {
                    let declared: Vec<String> =
                        charts.iter().map(|c| format!("`{}`", c.id.value)).collect();
                    cx.spanned(
                        lit,
                        format!(
                            "no chart `{want}` is declared on this struct; declared: {}",
                            if declared.is_empty() {
                                "none".to_string()
                            } else {
                                declared.join(", ")
                            }
                        ),
                    );
                    None
                }
            }
        }
        None if charts.len() == 1 => Some(0),
        None => {
            if charts.len() > 1 {
                cx.spanned(
                    attr,
                    "this collector has several charts; say which with `chart = \"...\"`",
                );
            }
            None
        }
    };

    // Which type.
    let (elem_ty, array_len) = match &field.ty {
        Type::Array(arr) => {
            let len = match &arr.len {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(n),
                    ..
                }) => n.base10_parse::<usize>().ok(),
                _ => None,
            };
            if len.is_none() {
                cx.spanned(&arr.len, "array length must be an integer literal");
            }
            (&*arr.elem, Some(len.unwrap_or(0)))
        }
        ty => (ty, None),
    };
    let kind = match classify(elem_ty) {
        Ok(k) => k,
        Err(msg) => {
            cx.spanned(elem_ty, msg);
            return;
        }
    };
    let precision = match (kind, d.precision) {
        (Kind::Int, Some((_, span))) => {
            cx.at(
                span,
                "precision applies to float fields; scale an integer with `divisor` instead",
            );
            0
        }
        (Kind::Float, None) => {
            cx.spanned(
                elem_ty,
                "float dimension needs `precision = N` (digits kept after the decimal point; \
                 the value is rounded and sent with divisor 10^N)",
            );
            0
        }
        (_, Some((p, _))) => p.min(MAX_PRECISION),
        (_, None) => 0,
    };
    let scale = 10i64.pow(precision);
    let divisor = d.divisor.unwrap_or(1);
    let Some(divisor) = divisor.checked_mul(scale) else {
        cx.spanned(attr, "divisor × 10^precision overflows i64");
        return;
    };

    // Ids and names.
    let field_name = field
        .ident
        .as_ref()
        .map(|i| i.to_string().trim_start_matches("r#").to_string());
    let (id_template, id_span) = match (&d.id, &field_name) {
        (Some(lit), _) => (lit.value(), lit.span()),
        (None, Some(name)) => (
            name.clone(),
            field
                .ident
                .as_ref()
                .map_or_else(Span::call_site, |i| i.span()),
        ),
        (None, None) => {
            cx.spanned(attr, "a tuple struct field needs `id = \"...\"`");
            return;
        }
    };
    let name_template = d.name.as_ref().map(LitStr::value);
    if let (Some(lit), Some(name)) = (&d.name, &name_template)
        && let Err(p) = explain::text(name, Field::DimensionName)
    {
        cx.spanned(lit, format!("dimension name {p}"));
    }
    let algorithm = d.algorithm.unwrap_or_default();
    let multiplier = d.multiplier.unwrap_or(1);
    let hidden = d.hidden.unwrap_or(false);
    let ty_span = syn::spanned::Spanned::span(elem_ty);

    let mut new_dims = Vec::new();
    let indices: Vec<Option<usize>> = match array_len {
        Some(n) => (0..n).map(Some).collect(),
        None => vec![None],
    };
    if array_len == Some(0) {
        cx.spanned(&field.ty, "an empty array gives no dimensions");
    }
    for i in indices {
        let (id, name, access) = match i {
            Some(i) => {
                let idx = syn::Index::from(i);
                (
                    expand_template(&id_template, i),
                    name_template
                        .as_deref()
                        .map(|t| expand_template(t, i))
                        .unwrap_or_default(),
                    quote_spanned!(ty_span=> &self.#member[#idx]),
                )
            }
            None => (
                id_template.clone(),
                name_template.clone().unwrap_or_default(),
                quote_spanned!(ty_span=> &self.#member),
            ),
        };
        if let Err(p) = explain::id(&id, Field::DimensionId) {
            cx.at(id_span, format!("dimension id `{id}` {p}"));
            break;
        }
        new_dims.push(Dim {
            id,
            name,
            algorithm,
            multiplier,
            divisor,
            hidden,
            access,
            scale,
            ty_span,
        });
    }

    let Some(ci) = chart_index else { return };
    let chart = &mut charts[ci];
    for dim in new_dims {
        if chart.dims.iter().any(|other| other.id == dim.id) {
            cx.at(
                id_span,
                format!(
                    "duplicate dimension id `{}` in chart `{}`",
                    dim.id, chart.id.value
                ),
            );
            continue;
        }
        chart.dims.push(dim);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parse a derive input, returning its model or every error message.
    fn parse_input(input: DeriveInput) -> Result<Collector, Vec<String>> {
        parse(&input).map_err(|(_, err)| err.into_iter().map(|e| e.to_string()).collect())
    }

    /// Return the model, panicking with the messages if the input was refused.
    fn accepted(input: DeriveInput) -> Collector {
        match parse_input(input) {
            Ok(model) => model,
            Err(messages) => panic!("refused: {messages:?}"),
        }
    }

    #[test]
    fn chart_name_is_text_not_an_id() {
        let model = accepted(syn::parse_quote! {
            #[chart(id = "temp", name = "Outside temperature (°C)")]
            struct S {
                #[dim]
                t: i32,
            }
        });
        assert_eq!(model.charts[0].name, "Outside temperature (°C)");
    }

    #[test]
    fn control_characters_follow_core() {
        // U+0085 is `char::is_control` but no byte of it is a control byte,
        // and core accepts it.
        let model = accepted(syn::parse_quote! {
            #[chart(id = "temp", name = "a\u{85}b", title = "t\u{85}")]
            struct S {
                #[dim(name = "d\u{85}")]
                t: i32,
            }
        });
        assert_eq!(model.charts[0].name, "a\u{85}b");
        assert_eq!(model.charts[0].dims[0].name, "d\u{85}");

        let messages = parse_input(syn::parse_quote! {
            #[chart(id = "temp", name = "a\u{1}b", title = "t\u{7f}")]
            struct S {
                #[dim(name = "d\tx")]
                t: i32,
            }
        })
        .err()
        .expect("control bytes are refused");
        assert_eq!(
            messages,
            [
                "chart name contains a control character, which would break the line",
                "title contains a control character, which would break the line",
                "dimension name contains a control character, which would break the line",
            ]
        );
    }

    #[test]
    fn ids_are_refused_with_the_offending_character() {
        let messages = parse_input(syn::parse_quote! {
            #[collector(type = "weather station")]
            #[chart(id = "temp", context = "a..b", label(pod = "x", bad::key = "y"))]
            struct S {
                #[dim(id = "t{}é")]
                t: [i32; 2],
            }
        })
        .err()
        .expect("bad ids are refused");
        assert_eq!(
            messages,
            [
                "chart type contains ' ', which Netdata rejects or rewrites; \
                 use only ASCII letters, digits, `_` and `-`",
                "context must be ids separated by single dots, \
                 using only ASCII letters, digits, `_` and `-`",
                "label name contains ':'; use only ASCII letters, digits, `_`, `-` and `.`",
                "dimension id `t0é` contains 'é', which Netdata rejects or rewrites; \
                 use only ASCII letters, digits, `_` and `-`",
                "chart `temp` has no dimensions; bind a field to it with `#[dim(chart = \"temp\")]`",
            ]
        );
    }
}
