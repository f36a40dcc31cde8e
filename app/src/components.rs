//! Reusable UI pieces: error boxes, field errors, status badges, the pager, sortable headers,
//! form fields driven by the schema, and the change table. Every list and form page is built
//! from these rather than from copies.

use crate::error::{AppError, FieldErrors};
use crate::model::{ChangeDto, Me, ObjectDto, RefOptions};
use crate::schema::{Field, FieldType, Kind};
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::params::ParamsMap;

/// The signed-in user, loaded once by the layout; pages await it inside their `Suspend`.
#[derive(Clone, Copy)]
pub struct MeResource(pub Resource<Result<Option<Me>, AppError>>);

pub fn me_resource() -> Resource<Result<Option<Me>, AppError>> {
    expect_context::<MeResource>().0
}

/// The `:id` of the current address, if it is a number.
pub fn id_param() -> Memo<Option<i64>> {
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|s| s.parse().ok()))
}

/// `value` (drawn from the address: its query, some of its parameters), followed while the
/// address is still this page's (`here(path)`), kept as it was once the user has moved on. A
/// page stays on screen while the next page's code loads (lazy routes) and would otherwise fetch
/// its data again with the next page's address (`/devices` refetching its list with the bulk
/// editor's `?op=…&all=1`: a 400, and an error flashing before the next page shows). Pages key
/// their resources on this, not on the raw query.
pub fn while_here<T>(
    here: impl Fn(&str) -> bool + Send + Sync + 'static,
    value: impl Fn() -> T + Send + Sync + 'static,
) -> Memo<T>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let location = leptos_router::hooks::use_location();
    Memo::new(move |prev: Option<&T>| match prev {
        Some(p)
            if !location
                .pathname
                .with(|path| here(path.trim_end_matches('/'))) =>
        {
            p.clone()
        }
        _ => value(),
    })
}

/// For [`while_here`] on a page with one address: whether a path is `path`. (Named, not taken
/// from the address when the page appears: a page reached by client navigation may be built
/// before the address changes.)
pub fn at(path: &'static str) -> impl Fn(&str) -> bool + Send + Sync + Clone + 'static {
    move |p: &str| p == path
}

/// Set the HTTP status of the page being rendered on the server (no-op in the browser).
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(r) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(s) = axum::http::StatusCode::from_u16(code)
    {
        r.set_status(s);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

#[component]
pub fn ErrorBox(err: AppError) -> impl IntoView {
    let signin = matches!(err, AppError::Unauthorized);
    let items = match &err {
        AppError::Invalid { items, .. } => items.clone(),
        _ => vec![],
    };
    view! {
        <div class="alert alert-error" role="alert">
            <p>{err.to_string()}</p>
            {(!items.is_empty())
                .then(|| {
                    view! {
                        <ul>
                            {items
                                .into_iter()
                                .take(10)
                                .map(|i| view! { <li>{format!("element {}: {}", i.index, i.error)}</li> })
                                .collect_view()}
                        </ul>
                    }
                })}
            {signin.then(|| view! { <p><a href="/login">"Sign in"</a></p> })}
        </div>
    }
}

/// Messages under one form field.
#[component]
pub fn FieldErrorList(errors: FieldErrors, #[prop(into)] name: String) -> impl IntoView {
    let msgs = errors.get(&name).cloned().unwrap_or_default();
    (!msgs.is_empty()).then(|| {
        view! {
            <ul class="field-errors" id=format!("err-{name}")>
                {msgs.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
        }
    })
}

fn status_class(value: &str) -> &'static str {
    match value {
        "active" | "available" | "deployed" | "in_use" | "completed" => "badge-green",
        "planned" | "staging" | "staged" | "provisioning" | "reserved" | "inventory" | "new"
        | "authorized" | "shipped" => "badge-blue",
        "offline" | "failed" | "deprecated" | "decommissioned" | "retired" | "disposed" => {
            "badge-red"
        }
        "decommissioning" | "deprovisioning" | "loaned" | "in_maintenance" | "investigating" => {
            "badge-amber"
        }
        _ => "badge-grey",
    }
}

#[component]
pub fn Badge(field: &'static Field, #[prop(into)] value: String) -> impl IntoView {
    let label = field
        .choices()
        .iter()
        .find(|c| c.0 == value)
        .map(|c| c.1.to_string())
        .unwrap_or_else(|| value.clone());
    view! { <span class=format!("badge {}", status_class(&value))>{label}</span> }
}

/// A field's value for display: references link to their object, choices show as badges,
/// money with its currency, instants in UTC, colours as swatches, JSON pretty-printed.
#[component]
pub fn FieldValue(field: &'static Field, obj: ObjectDto) -> impl IntoView {
    let none = || view! { <span class="muted">"—"</span> }.into_any();
    match field.ty {
        FieldType::Ref(k) => {
            return match obj.refs.get(field.name) {
                Some(r) => {
                    view! { <a href=format!("/{}/{}", k.res().slug, r.id)>{r.display.clone()}</a> }
                        .into_any()
                }
                None => none(),
            };
        }
        FieldType::AnyRef { .. } => {
            return match obj
                .refs
                .get(field.name)
                .and_then(|r| r.kind.map(|k| (k, r)))
            {
                Some((k, r)) => view! {
                    <span class="muted">{crate::schema::capitalize(k.res().singular)} " "</span>
                    <a href=format!("/{}/{}", k.res().slug, r.id)>{r.display.clone()}</a>
                }
                .into_any(),
                None => none(),
            };
        }
        FieldType::RefSet { kind, .. } => {
            let members = obj.sets.get(field.name).cloned().unwrap_or_default();
            if members.is_empty() {
                return none();
            }
            return view! {
                <span class="chips">
                    {members
                        .into_iter()
                        .map(|r| view! { <a class="chip" href=format!("/{}/{}", kind.res().slug, r.id)>{r.display}</a> })
                        .collect_view()}
                </span>
            }
            .into_any();
        }
        _ => {}
    }
    let text = obj.text(field.name);
    if text.is_empty() {
        return none();
    }
    match field.ty {
        FieldType::Choice(_) if field.name == "status" => {
            view! { <Badge field value=text /> }.into_any()
        }
        FieldType::Choice(c) => {
            let label = c
                .iter()
                .find(|x| x.0 == text)
                .map(|x| x.1.to_string())
                .unwrap_or(text);
            view! { <span>{label}</span> }.into_any()
        }
        FieldType::Bool => {
            view! { <span>{if text == "true" { "Yes" } else { "No" }}</span> }.into_any()
        }
        FieldType::DateTime => {
            view! { <time datetime=text.clone()>{instant_text(&text)}</time> }.into_any()
        }
        FieldType::Money { currency } => {
            let code = obj.text(currency);
            view! { <span class="num">{format!("{text} {code}").trim().to_string()}</span> }
                .into_any()
        }
        FieldType::Decimal { .. } | FieldType::Int { .. } => {
            view! { <span class="num">{text}</span> }.into_any()
        }
        FieldType::Colour => view! {
            <span class="swatch" style=format!("background:#{text}") aria-hidden="true"></span>
            <code>{format!("#{text}")}</code>
        }
        .into_any(),
        FieldType::Json => {
            let pretty = obj
                .values
                .get(field.name)
                .and_then(|v| serde_json::to_string_pretty(v).ok())
                .unwrap_or(text);
            view! { <pre class="json">{pretty}</pre> }.into_any()
        }
        FieldType::LongText => view! { <span class="pre">{text}</span> }.into_any(),
        FieldType::Ipv4 | FieldType::Ipv6 | FieldType::Mac => {
            view! { <code>{text}</code> }.into_any()
        }
        _ => view! { <span>{text}</span> }.into_any(),
    }
}

/// `2026-11-30T14:05:00Z` as `2026-11-30 14:05 UTC`.
pub fn instant_text(rfc3339: &str) -> String {
    match rfc3339.strip_suffix('Z').and_then(|s| s.split_once('T')) {
        Some((day, time)) => format!("{day} {} UTC", time.get(..5).unwrap_or(time)),
        None => rfc3339.to_string(),
    }
}

/// What a form input shows for a field of a stored object: a set as its ids joined by commas,
/// JSON pretty-printed, an instant as a `datetime-local` value (UTC), an any-type reference
/// as `type:id`.
pub fn form_text(field: &Field, obj: &ObjectDto) -> String {
    match field.ty {
        FieldType::RefSet { .. } => obj
            .values
            .get(field.name)
            .and_then(|v| v.as_array())
            .map(|ids| {
                ids.iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default(),
        FieldType::Json => obj
            .values
            .get(field.name)
            .filter(|v| !v.is_null())
            .and_then(|v| serde_json::to_string_pretty(v).ok())
            .unwrap_or_default(),
        FieldType::DateTime => {
            let t = obj.text(field.name);
            t.strip_suffix('Z').map(str::to_string).unwrap_or(t)
        }
        FieldType::AnyRef { columns, .. } => {
            let (t, id) = (obj.text(columns[0]), obj.text(columns[1]));
            if t.is_empty() {
                String::new()
            } else {
                format!("{t}:{id}")
            }
        }
        _ => obj.text(field.name),
    }
}

/// The submitted (or prefilled) text of a field from form keys: an any-type reference's two
/// keys as `type:id`, anything else by its name.
pub fn keyed_text(field: &Field, get: impl Fn(&str) -> Option<String>) -> Option<String> {
    match field.ty {
        FieldType::AnyRef { columns, .. } => {
            let t = get(columns[0])?;
            Some(format!("{t}:{}", get(columns[1]).unwrap_or_default()))
        }
        _ => get(field.name),
    }
}

/// A query string from `params` with some keys replaced (`None` removes them).
pub fn with_params(params: &ParamsMap, set: &[(&str, Option<String>)]) -> String {
    let mut out: Vec<(String, String)> = vec![];
    for (k, v) in params.clone().into_iter() {
        // `__err`/`__path` carry a form error back to its page; they are not the page's state.
        if set.iter().any(|(s, _)| *s == k) || v.is_empty() || k.starts_with("__") {
            continue;
        }
        out.push((k.to_string(), v));
    }
    for (k, v) in set {
        if let Some(v) = v {
            out.push((k.to_string(), v.clone()));
        }
    }
    encode_query(&out)
}

pub fn encode_query(pairs: &[(String, String)]) -> String {
    let enc = |s: &str| {
        let mut o = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    o.push(b as char)
                }
                b' ' => o.push('+'),
                _ => o.push_str(&format!("%{b:02X}")),
            }
        }
        o
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn href(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// A column header that sorts by its field; clicking again reverses.
#[component]
pub fn SortHeader(
    #[prop(into)] label: String,
    #[prop(into)] key: String,
    path: String,
    params: ParamsMap,
) -> impl IntoView {
    let current = params.get("ordering").unwrap_or_default();
    let (next, mark) = if current == key {
        (format!("-{key}"), " ▲")
    } else if current == format!("-{key}") {
        (key.clone(), " ▼")
    } else {
        (key.clone(), "")
    };
    let q = with_params(&params, &[("ordering", Some(next)), ("offset", None)]);
    let sort = match mark {
        " ▲" => "ascending",
        " ▼" => "descending",
        _ => "none",
    };
    view! {
        <th aria-sort=sort>
            <a href=href(&path, &q)>{label}{mark}</a>
        </th>
    }
}

pub const PAGE_SIZES: [u64; 5] = [25, 50, 100, 250, 500];

/// Previous/next pages, the position, and a page-size chooser (a GET form, so it works without
/// JavaScript). `plain`: a plain HTML form, for pages rendered on the server outside the router.
#[component]
pub fn Pager(
    count: u64,
    offset: u64,
    limit: u64,
    path: String,
    params: ParamsMap,
    #[prop(optional)] plain: bool,
) -> impl IntoView {
    let last = count.saturating_sub(1) / limit.max(1) * limit;
    let link = |o: u64| {
        href(
            &path,
            &with_params(&params, &[("offset", (o > 0).then(|| o.to_string()))]),
        )
    };
    let prev = (offset > 0).then(|| link(offset.saturating_sub(limit)));
    let next = (offset + limit < count).then(|| link(offset + limit));
    let first = (offset > 0).then(|| link(0));
    let end = (offset + limit < count).then(|| link(last));
    let shown = if count == 0 {
        "No results".to_string()
    } else {
        format!(
            "{}–{} of {}",
            offset + 1,
            (offset + limit).min(count),
            count
        )
    };
    let hidden: Vec<(String, String)> = params
        .clone()
        .into_iter()
        .filter(|(k, _)| k != "limit" && k != "offset" && !k.starts_with("__"))
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let size = view! {
        {hidden.into_iter().map(|(k, v)| view! { <input type="hidden" name=k value=v /> }).collect_view()}
        <label>
            "Per page "
            <select name="limit">
                {PAGE_SIZES
                    .iter()
                    .map(|s| view! { <option value=s.to_string() selected=*s == limit>{s.to_string()}</option> })
                    .collect_view()}
            </select>
        </label>
        <button type="submit" class="btn btn-small">"Show"</button>
    };
    let size_form = if plain {
        view! { <form method="get" action=path.clone() class="pager-size">{size}</form> }.into_any()
    } else {
        view! { <Form method="get" action=path.clone() attr:class="pager-size">{size}</Form> }
            .into_any()
    };
    view! {
        <nav class="pager" aria-label="Pages">
            <span class="pager-links">
                {first.map(|h| view! { <a href=h class="btn btn-small" aria-label="First page">"«"</a> })}
                {prev.map(|h| view! { <a href=h class="btn btn-small" rel="prev">"‹ Previous"</a> })}
                <span class="pager-pos">{shown}</span>
                {next.map(|h| view! { <a href=h class="btn btn-small" rel="next">"Next ›"</a> })}
                {end.map(|h| view! { <a href=h class="btn btn-small" aria-label="Last page">"»"</a> })}
            </span>
            {size_form}
        </nav>
    }
}

fn input_type(field: &Field) -> &'static str {
    match field.ty {
        FieldType::Int { .. } => "number",
        FieldType::Date => "date",
        FieldType::DateTime => "datetime-local",
        _ => "text",
    }
}

/// A labelled input for one schema field. `value` is the text to show (see [`form_text`]);
/// `options` are the choices of a reference or set field (`None`: too many, so ids are typed).
#[component]
pub fn FieldInput(
    field: &'static Field,
    #[prop(into)] value: String,
    #[prop(default = None)] options: Option<RefOptions>,
    errors: FieldErrors,
    /// Input name (defaults to `values[<field>]`).
    #[prop(optional, into)]
    name: Option<String>,
    /// Not required even if the field is (bulk edit: empty means "leave as is").
    #[prop(optional)]
    optional: bool,
    /// Label of the empty choice.
    #[prop(optional, into)]
    empty_label: Option<String>,
) -> impl IntoView {
    let name = name.unwrap_or_else(|| format!("values[{}]", field.name));
    let id = format!("f-{}", field.name);
    let required = field.required && !optional;
    let error_keys: Vec<&'static str> = match field.ty {
        FieldType::AnyRef { columns, .. } => columns.to_vec(),
        _ => vec![field.name],
    };
    let has_err = error_keys.iter().any(|k| errors.contains_key(*k));
    let empty = empty_label.unwrap_or_else(|| "—".to_string());
    let input = match field.ty {
        FieldType::Choice(choices) => view! {
            <select id=id.clone() name=name required=required aria-invalid=has_err.to_string()>
                <option value="" selected=value.is_empty()>{empty}</option>
                {choices
                    .iter()
                    .map(|(v, l)| view! { <option value=*v selected=value == *v>{*l}</option> })
                    .collect_view()}
            </select>
        }
        .into_any(),
        FieldType::Bool => view! {
            <select id=id.clone() name=name required=required aria-invalid=has_err.to_string()>
                {(!required || value.is_empty())
                    .then(|| view! { <option value="" selected=value.is_empty()>{empty.clone()}</option> })}
                <option value="true" selected=value == "true">"Yes"</option>
                <option value="false" selected=value == "false">"No"</option>
            </select>
        }
        .into_any(),
        FieldType::Ref(kind) => match options.filter(|o| !o.truncated) {
            Some(o) => view! {
                <select id=id.clone() name=name required=required aria-invalid=has_err.to_string()>
                    <option value="" selected=value.is_empty()>{empty}</option>
                    {o.options
                        .into_iter()
                        .map(|r| {
                            let v = r.id.to_string();
                            let sel = v == value;
                            view! { <option value=v selected=sel>{r.display}</option> }
                        })
                        .collect_view()}
                </select>
            }
            .into_any(),
            None => view! {
                <input
                    id=id.clone()
                    name=name
                    type="number"
                    min="1"
                    value=value
                    required=required
                    placeholder=format!("{} id", kind.res().singular)
                    aria-invalid=has_err.to_string()
                />
            }
            .into_any(),
        },
        FieldType::AnyRef { kinds, columns, .. } => {
            let (t, obj_id) = value.split_once(':').unwrap_or(("", ""));
            let (t, obj_id) = (t.to_string(), obj_id.to_string());
            view! {
                <div class="any-ref">
                    <select id=id.clone() name=format!("values[{}]", columns[0]) required=required
                        aria-label=format!("{} (type)", field.label) aria-invalid=has_err.to_string()>
                        <option value="" selected=t.is_empty()>{empty}</option>
                        {kinds
                            .iter()
                            .map(|k| {
                                let sel = t == k.as_str();
                                view! { <option value=k.as_str() selected=sel>{crate::schema::capitalize(k.res().singular)}</option> }
                            })
                            .collect_view()}
                    </select>
                    <input name=format!("values[{}]", columns[1]) type="number" min="1" value=obj_id
                        required=required placeholder="id" aria-label=format!("{} (id)", field.label) />
                </div>
            }
            .into_any()
        }
        FieldType::RefSet { kind, .. } => match options.filter(|o| !o.truncated) {
            Some(o) => view! { <SetInput field name value options=o.options /> }.into_any(),
            None => view! {
                <input id=id.clone() name=name value=value
                    placeholder=format!("{} ids, separated by commas", kind.res().singular)
                    aria-invalid=has_err.to_string() />
            }
            .into_any(),
        },
        FieldType::LongText | FieldType::Json => view! {
            <textarea id=id.clone() name=name rows=if matches!(field.ty, FieldType::Json) { "6" } else { "4" }
                class:code=matches!(field.ty, FieldType::Json) aria-invalid=has_err.to_string()>{value}</textarea>
        }
        .into_any(),
        FieldType::Colour => view! {
            <input
                id=id.clone()
                name=name
                type="color"
                value=format!("#{}", if value.is_empty() { field.default.unwrap_or("9e9e9e") } else { value.as_str() })
                required=required
                aria-invalid=has_err.to_string()
            />
        }
        .into_any(),
        FieldType::Decimal { .. } | FieldType::Money { .. } => view! {
            <input
                id=id.clone()
                name=name
                type="text"
                inputmode="decimal"
                pattern="-?[0-9]+([.][0-9]+)?"
                value=value
                required=required
                aria-invalid=has_err.to_string()
            />
        }
        .into_any(),
        FieldType::Currency => view! {
            <input
                id=id.clone()
                name=name
                type="text"
                maxlength="3"
                pattern="[A-Za-z]{3}"
                autocapitalize="characters"
                class="short"
                value=value
                required=required
                aria-invalid=has_err.to_string()
            />
        }
        .into_any(),
        _ => view! {
            <input
                id=id.clone()
                name=name
                type=input_type(field)
                step=matches!(field.ty, FieldType::DateTime).then_some("1")
                value=value
                required=required
                maxlength=(field.max_len > 0 && !field.is_int() && matches!(field.ty, FieldType::Text | FieldType::Slug)).then(|| field.max_len.to_string())
                aria-invalid=has_err.to_string()
            />
        }
        .into_any(),
    };
    let utc = matches!(field.ty, FieldType::DateTime).then_some(" (UTC)");
    view! {
        <div class="field" class:has-error=has_err>
            <label for=id>{field.label}{utc}{required.then_some(" *")}</label>
            {input}
            {(!field.help.is_empty()).then(|| view! { <small class="help">{field.help}</small> })}
            {error_keys.into_iter().map(|k| view! { <FieldErrorList errors=errors.clone() name=k /> }).collect_view()}
        </div>
    }
}

/// A set of references as a list of checkboxes with a search box that narrows it (without
/// JavaScript the whole list shows). The hidden empty value marks the set as sent, so
/// unticking everything clears it; each ticked member is sent as `values[<field>.<id>]`.
#[component]
fn SetInput(
    field: &'static Field,
    name: String,
    value: String,
    options: Vec<crate::model::RefDto>,
) -> impl IntoView {
    let chosen: Vec<String> = value
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let search = RwSignal::new(String::new());
    let base = name.trim_end_matches(']').to_string();
    view! {
        <div class="set-input" id=format!("f-{}", field.name)>
            <input type="hidden" name=name.clone() value="" />
            <input
                type="search"
                class="set-search"
                placeholder="Search"
                aria-label=format!("Search {}", field.label.to_lowercase())
                on:input=move |ev| search.set(event_target_value(&ev))
            />
            <div class="set-options" role="group" aria-label=field.label>
                {options
                    .into_iter()
                    .map(|o| {
                        let checked = chosen.contains(&o.id.to_string());
                        let label = o.display.clone();
                        let lower = label.to_lowercase();
                        let hidden = move || {
                            let q = search.get().to_lowercase();
                            !q.is_empty() && !lower.contains(&q)
                        };
                        view! {
                            <label class="set-option" class:hidden=hidden>
                                <input type="checkbox" name=format!("{base}.{}]", o.id) value="on" checked=checked />
                                " "
                                {label}
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
        </div>
    }
}

/// What a plain form input is for: it sets the type, autocomplete hints and requirements.
#[derive(Clone, Copy, PartialEq)]
pub enum Input {
    Username,
    CurrentPassword,
    NewPassword,
    /// A new password that may be left empty (keep the old one).
    OptionalPassword,
    Text,
}

/// A labelled input of the sign-in, setup, account, user and token forms, with the messages
/// the last submission left for it.
#[component]
pub fn InputField(
    #[prop(into)] id: String,
    name: &'static str,
    #[prop(into)] label: String,
    input: Input,
    #[prop(into)] errors: Signal<FieldErrors>,
    /// The field name in the error, when it differs from `name`.
    #[prop(optional)]
    error_key: Option<&'static str>,
    #[prop(optional, into)] value: MaybeProp<String>,
    #[prop(optional)] help: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    /// Required even if `input` does not make it so.
    #[prop(optional)]
    required: bool,
) -> impl IntoView {
    let (kind, auto, needed) = match input {
        Input::Username => ("text", "username", true),
        Input::CurrentPassword => ("password", "current-password", true),
        Input::NewPassword => ("password", "new-password", true),
        Input::OptionalPassword => ("password", "new-password", false),
        Input::Text => ("text", "off", false),
    };
    let key = error_key.unwrap_or(name);
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=auto
                required=needed || required
                autofocus=input == Input::Username
                minlength=(input == Input::NewPassword && name == "password").then_some("8")
                maxlength=(input == Input::Text).then_some("200")
                placeholder=placeholder
                value=move || value.get().unwrap_or_default()
            />
            {help.map(|h| view! { <small class="help">{h}</small> })}
            {move || view! { <FieldErrorList errors=errors.get() name=key /> }}
        </div>
    }
}

/// The options of `kind` among loaded option lists.
pub fn options_of(all: &[RefOptions], kind: Kind) -> Option<RefOptions> {
    all.iter().find(|o| o.kind == kind).cloned()
}

fn object_link(c: &ChangeDto) -> Option<String> {
    let kind = Kind::parse(&c.object_type)?;
    (c.action != "delete").then(|| format!("/{}/{}", kind.res().slug, c.object_id))
}

/// A change's value: its pieces, comma-separated, each linked when it has a page.
fn shown_view(pieces: Vec<crate::model::Shown>) -> impl IntoView {
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, (text, link))| {
            let sep = (i > 0).then_some(", ");
            match link {
                Some(h) => view! { {sep} <a href=h>{text}</a> }.into_any(),
                None => view! { {sep} <span>{text}</span> }.into_any(),
            }
        })
        .collect_view()
}

/// Change-log rows with their field differences.
#[component]
pub fn ChangeTable(rows: Vec<ChangeDto>, #[prop(optional)] show_object: bool) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"No changes recorded."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table changes">
                <thead>
                    <tr>
                        <th>"Time (UTC)"</th>
                        <th>"User"</th>
                        <th>"Action"</th>
                        {show_object.then(|| view! { <th>"Object"</th> })}
                        <th>"Changes"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|c| {
                            let diff = c.diff();
                            let link = object_link(&c);
                            let obj = format!("{} {}", c.object_type.replace('_', " "), c.object_repr);
                            let req = format!("/changes?request_id={}", c.request_id);
                            view! {
                                <tr>
                                    <td data-label="Time">
                                        <a href=req title="All changes of this request">{c.time.replace('T', " ").replace('Z', "")}</a>
                                    </td>
                                    <td data-label="User">{c.username.clone()}</td>
                                    <td data-label="Action">
                                        <span class=format!("badge action-{}", c.action)>{c.action.clone()}</span>
                                    </td>
                                    {show_object
                                        .then(|| {
                                            view! {
                                                <td data-label="Object">
                                                    {match link {
                                                        Some(h) => view! { <a href=h>{obj}</a> }.into_any(),
                                                        None => view! { <span>{obj}</span> }.into_any(),
                                                    }}
                                                </td>
                                            }
                                        })}
                                    <td data-label="Changes">
                                        {diff.is_empty().then(|| view! { <span class="muted">"(no field values)"</span> })}
                                        <ul class="diff">
                                            {diff
                                                .into_iter()
                                                .map(|(k, b, a)| {
                                                    let before = (!b.is_empty()).then(|| c.shown(&k, &b));
                                                    let after = if a.is_empty() {
                                                        vec![("(empty)".to_string(), None)]
                                                    } else {
                                                        c.shown(&k, &a)
                                                    };
                                                    view! {
                                                        <li>
                                                            <b title=k.clone()>{c.field_label(&k)}</b>
                                                            ": "
                                                            {before.map(|b| view! { <del>{shown_view(b)}</del> " → " })}
                                                            <ins>{shown_view(after)}</ins>
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ul>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A failed page load: the error's HTTP status on the response and the error shown.
pub fn failed_view(e: AppError) -> AnyView {
    set_status(e.status());
    view! { <ErrorBox err=e /> }.into_any()
}

/// A table head of plain column titles; a title starting with `#` is a number column.
#[component]
pub fn TableHead(cols: &'static [&'static str]) -> impl IntoView {
    view! {
        <thead>
            <tr>
                {cols
                    .iter()
                    .map(|c| match c.strip_prefix('#') {
                        Some(t) if !t.is_empty() => view! { <th class="num">{t}</th> }.into_any(),
                        _ => view! { <th>{*c}</th> }.into_any(),
                    })
                    .collect_view()}
            </tr>
        </thead>
    }
}
