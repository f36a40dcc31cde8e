//! The pages of every inventory object type, rendered from `schema`: list (search, filters,
//! sorting, paging, bulk selection, CSV export), detail (fields, related objects, history),
//! create/edit forms, delete confirmation and bulk edit/delete.
//!
//! Each page creates its resources and actions once, in the component body, and renders inside
//! one `Suspense`; nothing that loads data is created inside a closure that re-renders.

use crate::api::objects::*;
use crate::components::*;
use crate::error::AppError;
use crate::model::ObjectDto;
use crate::pages::NotFound;
use crate::pages::auth::action_errors;
use crate::schema::{Field, FieldType, Kind, Panel, Resource as Res, capitalize};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};
use leptos_router::params::ParamsMap;

crate::pages::lazy_page!(
    ObjectFormRoute => ObjectFormPage,
    ObjectDeleteRoute => ObjectDeletePage,
    BulkRoute => BulkPage,
);

fn kind_param() -> Memo<Option<Kind>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("kind").and_then(|s| Kind::from_slug(&s)))
}

/// A page's data for a known object type and id; unknown types and ids are "not found".
fn not_found<T>(what: &str) -> Result<T, AppError> {
    Err(AppError::NotFound(format!("There is no such {what}.")))
}

/// The page body for a failed load: 404 for unknown types, else the error.
fn failed(kind: Option<Kind>, e: AppError) -> AnyView {
    if kind.is_none() {
        view! { <NotFound /> }.into_any()
    } else {
        view! { <ErrorBox err=e /> }.into_any()
    }
}

const LOADING: fn() -> AnyView = || view! { <p class="muted">"Loading…"</p> }.into_any();

// ---------------------------------------------------------------------------------------------
// List

#[component]
pub fn ObjectListPage() -> impl IntoView {
    let kind = kind_param();
    let location = use_location();
    let query = use_query_map();
    let me = me_resource();
    let here = move |p: &str| {
        kind.get()
            .is_some_and(|k| p == format!("/{}", k.res().slug))
    };
    let search = while_here(here, move || location.search.get());
    let data = Resource::new(
        move || (kind.get(), search.get()),
        |(k, q)| async move {
            match k {
                Some(k) => fetch_list(k, q).await,
                None => not_found("page"),
            }
        },
    );
    view! {
        <Suspense fallback=LOADING>
            {move || {
                let k = kind.get();
                let params = query.get();
                Suspend::new(async move {
                    let editor = me.await.ok().flatten().is_some_and(|m| m.role.can_write());
                    let (Some(k), result) = (k, data.await) else {
                        return view! { <NotFound /> }.into_any();
                    };
                    let res = k.res();
                    let path = format!("/{}", res.slug);
                    let title = capitalize(res.plural);
                    let csv = {
                        let mut q = with_params(&params, &[("offset", None), ("limit", None)]);
                        if !q.is_empty() {
                            q.push('&');
                        }
                        format!("/api/v1/{}/?{q}format=csv", res.slug)
                    };
                    let head = view! {
                        <Title text=format!("{title} · Census") />
                        <div class="page-head">
                            <h1>{title.clone()}</h1>
                            <div class="actions">
                                {editor
                                    .then(|| {
                                        view! {
                                            <a href=format!("/{}/new", res.slug) class="btn btn-primary">
                                                {format!("Add {}", res.singular)}
                                            </a>
                                        }
                                    })}
                                <a href=csv class="btn" rel="external" download=format!("{}.csv", res.slug)>
                                    "Export CSV"
                                </a>
                            </div>
                        </div>
                    };
                    match result {
                        Ok(v) => view! { {head} <ListBody res view=v params path editor /> }.into_any(),
                        Err(e) => {
                            view! {
                                {head}
                                <FilterBar res params options=vec![] path />
                                <ErrorBox err=e />
                            }
                                .into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn ListBody(
    res: &'static Res,
    view: ListView,
    params: ParamsMap,
    path: String,
    editor: bool,
) -> impl IntoView {
    let columns: Vec<&'static Field> = res
        .fields
        .iter()
        .filter(|f| f.column && f.name != res.title)
        .collect();
    let page = view.page;
    let filtered = params
        .clone()
        .into_iter()
        .any(|(k, v)| !matches!(k.as_ref(), "limit" | "offset" | "ordering") && !v.is_empty());
    let all_query = with_params(
        &params,
        &[
            ("limit", None),
            ("offset", None),
            ("ordering", None),
            ("op", None),
        ],
    );
    let count = page.count;
    let shown = page.rows.len();
    let (pager_path, pager_params) = (path.clone(), params.clone());
    view! {
        <FilterBar res params=params.clone() options=view.options path=path.clone() />
        <Form method="get" action=format!("/{}/bulk", res.slug) attr:class="bulk-form">
            {editor
                .then(|| {
                    view! {
                        <div class="bulk-bar">
                            <span class="muted">"Selected rows:"</span>
                            <button type="submit" name="op" value="edit" class="btn btn-small">
                                "Edit selected"
                            </button>
                            <button type="submit" name="op" value="delete" class="btn btn-small btn-danger">
                                "Delete selected"
                            </button>
                            {(count > 0)
                                .then(|| {
                                    let q = if all_query.is_empty() { String::new() } else { format!("&{all_query}") };
                                    let what = if filtered { "matching the filter" } else { "in total" };
                                    view! {
                                        <span class="bulk-all">
                                            {format!("All {count} {} {what}: ", res.plural)}
                                            <a href=format!("/{}/bulk?op=edit&all=1{q}", res.slug)>"edit"</a>
                                            " · "
                                            <a href=format!("/{}/bulk?op=delete&all=1{q}", res.slug)>"delete"</a>
                                        </span>
                                    }
                                })}
                        </div>
                    }
                })}
            <div class="table-wrap">
                <table class="table objects">
                    <thead>
                        <tr>
                            {editor.then(|| view! { <th class="check"><span class="sr-only">"Select"</span></th> })}
                            <SortHeader label=res.title_field().label key=res.title path=path.clone() params=params.clone() />
                            {columns
                                .iter()
                                .map(|f| {
                                    if sortable(f) {
                                        view! { <SortHeader label=f.label key=f.base_name() path=path.clone() params=params.clone() /> }.into_any()
                                    } else {
                                        view! { <th scope="col">{f.label}</th> }.into_any()
                                    }
                                })
                                .collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {(shown == 0)
                            .then(|| {
                                view! {
                                    <tr>
                                        <td colspan=(columns.len() + 2).to_string() class="muted empty">
                                            {format!("No {} found.", res.plural)}
                                        </td>
                                    </tr>
                                }
                            })}
                        {page
                            .rows
                            .into_iter()
                            .map(|o| {
                                let id = o.id;
                                let link = format!("/{}/{}", res.slug, id);
                                let cols = columns.clone();
                                view! {
                                    <tr>
                                        {editor
                                            .then(|| {
                                                view! {
                                                    <td class="check">
                                                        <input
                                                            type="checkbox"
                                                            name="id"
                                                            value=id.to_string()
                                                            aria-label=format!("Select {}", o.display)
                                                        />
                                                    </td>
                                                }
                                            })}
                                        <td data-label=res.title_field().label class="title">
                                            <a href=link>{o.display.clone()}</a>
                                        </td>
                                        {cols
                                            .into_iter()
                                            .map(|f| {
                                                view! {
                                                    <td data-label=f.label>
                                                        <FieldValue field=f obj=o.clone() />
                                                    </td>
                                                }
                                            })
                                            .collect_view()}
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </Form>
        <Pager count offset=page.offset limit=page.limit path=pager_path params=pager_params />
    }
}

/// Search box and filters of a list page: a GET form, so filtering works without JavaScript
/// and the URL can be bookmarked.
#[component]
fn FilterBar(
    res: &'static Res,
    params: ParamsMap,
    options: Vec<crate::model::RefOptions>,
    path: String,
) -> impl IntoView {
    let filters: Vec<&'static Field> = res
        .fields
        .iter()
        .filter(|f| f.filter)
        .chain(res.via_site_filters())
        .collect();
    let limit = params.get("limit");
    let ordering = params.get("ordering");
    let q = params.get("q").unwrap_or_default();
    let set = |k: &str| params.get(k).is_some_and(|v| !v.is_empty());
    let active = filters.iter().any(|f| {
        set(f.name)
            || (f.ty.ranged()
                && (set(&format!("{}__gte", f.name)) || set(&format!("{}__lte", f.name))))
    }) || !q.is_empty();
    view! {
        <Form method="get" action=path.clone() attr:class="filter-bar" attr:role="search">
            <div class="field grow">
                <label for="filter-q">"Search"</label>
                <input id="filter-q" type="search" name="q" value=q.clone() prop:value=q.clone() placeholder=format!("Search {}", res.plural) />
            </div>
            {filters
                .into_iter()
                .map(|f| {
                    let value = params.get(f.name).unwrap_or_default();
                    let id = format!("filter-{}", f.name);
                    let control = match f.ty {
                        FieldType::Choice(choices) => view! {
                            <select id=id.clone() name=f.name prop:value=value.clone()>
                                <option value="">"Any"</option>
                                {choices
                                    .iter()
                                    .map(|(v, l)| view! { <option value=*v selected=value == *v>{*l}</option> })
                                    .collect_view()}
                            </select>
                        }
                        .into_any(),
                        FieldType::Bool => view! {
                            <select id=id.clone() name=f.name prop:value=value.clone()>
                                <option value="">"Any"</option>
                                <option value="true" selected=value == "true">"Yes"</option>
                                <option value="false" selected=value == "false">"No"</option>
                            </select>
                        }
                        .into_any(),
                        FieldType::Ref(k) | FieldType::RefSet { kind: k, .. } => match options_of(&options, k).filter(|o| !o.truncated) {
                            Some(o) => view! {
                                <select id=id.clone() name=f.name prop:value=value.clone()>
                                    <option value="">"Any"</option>
                                    {(!f.required)
                                        .then(|| view! { <option value="null" selected=value == "null">"(none)"</option> })}
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
                            None => view! { <input id=id.clone() name=f.name type="number" min="1" value=value.clone() prop:value=value placeholder="id" /> }.into_any(),
                        },
                        _ if f.ty.ranged() => {
                            // A range: from and to (`<name>__gte`, `<name>__lte`).
                            let (from_k, to_k) = (format!("{}__gte", f.name), format!("{}__lte", f.name));
                            let (from, to) = (params.get(&from_k).unwrap_or_default(), params.get(&to_k).unwrap_or_default());
                            let t = if matches!(f.ty, FieldType::Date) { "date" } else { "text" };
                            view! {
                                <span class="range">
                                    <input id=id.clone() name=from_k type=t value=from.clone() prop:value=from aria-label=format!("{} from", f.label) />
                                    " – "
                                    <input name=to_k type=t value=to.clone() prop:value=to aria-label=format!("{} to", f.label) />
                                </span>
                            }
                            .into_any()
                        }
                        _ => view! { <input id=id.clone() name=f.name value=value.clone() prop:value=value /> }.into_any(),
                    };
                    view! {
                        <div class="field">
                            <label for=id>{f.label}</label>
                            {control}
                        </div>
                    }
                })
                .collect_view()}
            {limit.map(|l| view! { <input type="hidden" name="limit" value=l /> })}
            <SortChoice res ordering=ordering.unwrap_or_default() />
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">
                    "Apply"
                </button>
                {active.then(|| view! { <a href=path.clone() class="btn btn-ghost">"Reset"</a> })}
            </div>
        </Form>
    }
}

// ---------------------------------------------------------------------------------------------
// Detail

#[component]
pub fn ObjectDetailPage() -> impl IntoView {
    let kind = kind_param();
    let id = id_param();
    let me = me_resource();
    let data = Resource::new(
        move || (kind.get(), id.get()),
        |(k, id)| async move {
            match (k, id) {
                (Some(k), Some(id)) => fetch_object(k, id).await,
                _ => not_found("object"),
            }
        },
    );
    view! {
        <Suspense fallback=LOADING>
            {move || {
                let k = kind.get();
                Suspend::new(async move {
                    let editor = me.await.ok().flatten().is_some_and(|m| m.role.can_write());
                    let Some(res) = k.map(Kind::res) else {
                        return view! { <NotFound /> }.into_any();
                    };
                    match data.await {
                        Err(e) => failed(k, e),
                        Ok(d) => {
                            let o = d.object.clone();
                            let base = format!("/{}/{}", res.slug, o.id);
                            let status = res.field("status").map(|f| (f, o.text("status")));
                            view! {
                                <Title text=format!("{} · {} · Census", o.display, capitalize(res.singular)) />
                                <nav class="crumbs">
                                    <a href=format!("/{}", res.slug)>{capitalize(res.plural)}</a>
                                    " / "
                                </nav>
                                <div class="page-head">
                                    <h1>
                                        {o.display.clone()}
                                        {status.map(|(f, v)| view! { " " <Badge field=f value=v /> })}
                                    </h1>
                                    {editor
                                        .then(|| {
                                            view! {
                                                <div class="actions">
                                                    <a href=format!("{base}/edit") class="btn btn-primary">"Edit"</a>
                                                    <a href=format!("{base}/delete") class="btn btn-danger">"Delete"</a>
                                                </div>
                                            }
                                        })}
                                </div>
                                <div class="detail-grid">
                                    <section class="card">
                                        <h2>{capitalize(res.singular)}</h2>
                                        <dl class="props">
                                            {res
                                                .fields
                                                .iter()
                                                .map(|f| {
                                                    view! {
                                                        <dt>{f.label}</dt>
                                                        <dd>
                                                            <FieldValue field=f obj=o.clone() />
                                                        </dd>
                                                    }
                                                })
                                                .collect_view()}
                                            <dt>"Created"</dt>
                                            <dd>{o.created_at.replace('T', " ")}</dd>
                                            <dt>"Last updated"</dt>
                                            <dd>{o.updated_at.replace('T', " ")}</dd>
                                        </dl>
                                    </section>
                                    <div class="related">
                                        {d
                                            .related
                                            .into_iter()
                                            .map(|r| view! { <Related rel=r parent=res editor /> })
                                            .collect_view()}
                                        {res
                                            .panels
                                            .iter()
                                            .map(|p| match p {
                                                Panel::SeenBySources => view! { <crate::pages::history::LastSeenBySources device_id=o.id /> },
                                            })
                                            .collect_view()}
                                    </div>
                                </div>
                                <section class="card">
                                    <h2>
                                        "History "
                                        <small class="muted">
                                            {format!("({} change{})", d.history_count, if d.history_count == 1 { "" } else { "s" })}
                                        </small>
                                    </h2>
                                    <ChangeTable rows=d.history />
                                    {(d.history_count > 20)
                                        .then(|| {
                                            view! {
                                                <a href=format!(
                                                    "/changes?object_type={}&object_id={}",
                                                    res.kind.as_str(),
                                                    o.id,
                                                )>"All changes"</a>
                                            }
                                        })}
                                </section>
                            }
                                .into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Related(rel: crate::model::RelatedList, parent: &'static Res, editor: bool) -> impl IntoView {
    let res = rel.kind.res();
    let all = format!("/{}?{}", res.slug, rel.filter);
    // A new object here starts placed in this one.
    let add = (editor && (rel.kind != parent.kind || rel.field == "parent_id"))
        .then(|| format!("/{}/new?{}", res.slug, rel.filter));
    let status = res.field("status");
    view! {
        <section class="card related-list">
            <h2>
                {rel.label.clone()} " " <span class="count">{rel.count}</span>
            </h2>
            {if rel.rows.is_empty() {
                view! { <p class="muted">"None."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain">
                        {rel
                            .rows
                            .into_iter()
                            .map(|o: ObjectDto| {
                                let st = status.map(|f| (f, o.text("status")));
                                view! {
                                    <li>
                                        <a href=format!("/{}/{}", res.slug, o.id)>{o.display.clone()}</a>
                                        {st.map(|(f, v)| view! { " " <Badge field=f value=v /> })}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            <p class="related-links">
                {(rel.count > 0).then(|| view! { <a href=all.clone()>{format!("View all {}", rel.count)}</a> })}
                {add.map(|h| view! { <a href=h class="add-link">{format!("+ Add {}", res.singular)}</a> })}
            </p>
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// Forms

#[component]
pub fn ObjectFormPage() -> impl IntoView {
    let kind = kind_param();
    let params = use_params_map();
    let query = use_query_map();
    let action = ServerAction::<SaveObject>::new();
    let state = action_errors(action);
    // `None`: a new object; `Some(None)`: an id that is not a number.
    let id = Memo::new(move |_| params.read().get("id").map(|s| s.parse::<i64>().ok()));
    let data = Resource::new(
        move || (kind.get(), id.get()),
        |(k, id)| async move {
            match (k, id) {
                (Some(k), None) => fetch_form(k, None).await,
                (Some(k), Some(Some(id))) => fetch_form(k, Some(id)).await,
                _ => not_found("object"),
            }
        },
    );
    view! {
        <Suspense fallback=LOADING>
            {move || {
                let k = kind.get();
                let id = id.get().flatten();
                Suspend::new(async move {
                    let Some(res) = k.map(Kind::res) else {
                        return view! { <NotFound /> }.into_any();
                    };
                    let heading = match id {
                        Some(_) => format!("Edit {}", res.singular),
                        None => format!("Add {}", res.singular),
                    };
                    let cancel = match id {
                        Some(id) => format!("/{}/{}", res.slug, id),
                        None => format!("/{}", res.slug),
                    };
                    let head = view! {
                        <Title text=format!("{heading} · Census") />
                        <h1>{heading.clone()}</h1>
                    };
                    let fv = match data.await {
                        Ok(fv) => fv,
                        Err(e) => return view! { {head} {failed(k, e)} }.into_any(),
                    };
                    view! {
                        {head}
                        {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
                        <ActionForm action=action attr:class="object-form card">
                            <input type="hidden" name="kind" value=res.kind.as_str() />
                            {id.map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> })}
                            {move || {
                                let (_, errors, submitted) = state();
                                res.writable_fields()
                                    .map(|f| {
                                        let value = submitted_text(f, &submitted)
                                            .or_else(|| fv.object.as_ref().map(|o| form_text(f, o)))
                                            .or_else(|| keyed_text(f, |k| query.read_untracked().get(k)))
                                            .unwrap_or_else(|| f.default.unwrap_or_default().to_string());
                                        let options = f.option_kind().and_then(|k| options_of(&fv.options, k));
                                        view! { <FieldInput field=f value options=options errors=errors.clone() /> }
                                    })
                                    .collect_view()
                            }}
                            <div class="form-actions">
                                <button type="submit" class="btn btn-primary">
                                    "Save"
                                </button>
                                <a href=cancel class="btn btn-ghost">
                                    "Cancel"
                                </a>
                            </div>
                        </ActionForm>
                    }
                        .into_any()
                })
            }}
        </Suspense>
    }
}

/// What the form sent for a field, when it was sent back with errors (a set from its ticked
/// members).
fn submitted_text(
    f: &'static Field,
    submitted: &std::collections::BTreeMap<String, String>,
) -> Option<String> {
    if let FieldType::RefSet { .. } = f.ty {
        let prefix = format!("{}.", f.name);
        let ids: Vec<&str> = submitted
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .collect();
        if !ids.is_empty() || submitted.contains_key(f.name) {
            let typed = submitted.get(f.name).map(String::as_str).unwrap_or("");
            let mut all: Vec<&str> = ids;
            if !typed.trim().is_empty() {
                all.push(typed);
            }
            return Some(all.join(","));
        }
        return None;
    }
    keyed_text(f, |k| submitted.get(k).cloned())
}

/// The list's order as a choice. On a phone, where the column headers are not shown, this is how
/// a list is sorted; on a wider screen it is hidden (the headers sort) and only carries the
/// current order through the filter form. An order given in the address that is not one of the
/// choices (`name,-status`) is kept as a choice of its own.
#[component]
fn SortChoice(res: &'static Res, ordering: String) -> impl IntoView {
    let mut choices: Vec<(String, String)> = std::iter::once(res.title_field())
        .chain(
            res.fields
                .iter()
                .filter(|f| f.column && f.name != res.title && sortable(f)),
        )
        .flat_map(|f| {
            let key = f.base_name();
            [
                (key.to_string(), format!("{} ↑", f.label)),
                (format!("-{key}"), format!("{} ↓", f.label)),
            ]
        })
        .collect();
    choices.insert(0, (String::new(), "Default order".into()));
    if !choices.iter().any(|(v, _)| *v == ordering) {
        choices.push((ordering.clone(), ordering.clone()));
    }
    let options = choices
        .into_iter()
        .map(|(v, l)| {
            let selected = v == ordering;
            view! { <option value=v selected=selected>{l}</option> }
        })
        .collect_view();
    view! {
        <div class="field sort-choice">
            <label for="filter-ordering">"Sort by"</label>
            <select id="filter-ordering" name="ordering" prop:value=ordering>
                {options}
            </select>
        </div>
    }
}

/// Whether a list can be ordered by a field.
fn sortable(f: &Field) -> bool {
    f.stored() && !matches!(f.ty, FieldType::Json | FieldType::AnyRef { .. })
}

// ---------------------------------------------------------------------------------------------
// Delete

#[component]
pub fn ObjectDeletePage() -> impl IntoView {
    let kind = kind_param();
    let id = id_param();
    // Only editors get it, so viewers see "no permission" (403).
    let data = Resource::new(
        move || (kind.get(), id.get()),
        |(k, id)| async move {
            match (k, id) {
                (Some(k), Some(id)) => fetch_deletable(k, id).await,
                _ => not_found("object"),
            }
        },
    );
    let action = ServerAction::<DeleteObject>::new();
    let state = action_errors(action);
    view! {
        <Suspense fallback=LOADING>
            {move || {
                let k = kind.get();
                Suspend::new(async move {
                    let Some(res) = k.map(Kind::res) else {
                        return view! { <NotFound /> }.into_any();
                    };
                    let o = match data.await {
                        Ok(o) => o,
                        Err(e) => return failed(k, e),
                    };
                    let name = o.display.clone();
                    view! {
                        <Title text=format!("Delete {name} · Census") />
                        <h1>{format!("Delete {} {name}?", res.singular)}</h1>
                        {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
                        <ActionForm action=action attr:class="card narrow-card">
                            <p>"This removes it from the inventory. The change log keeps a record."</p>
                            <input type="hidden" name="kind" value=res.kind.as_str() />
                            <input type="hidden" name="id" value=o.id.to_string() />
                            <div class="form-actions">
                                <button type="submit" class="btn btn-danger">
                                    "Delete"
                                </button>
                                <a href=format!("/{}/{}", res.slug, o.id) class="btn btn-ghost">
                                    "Cancel"
                                </a>
                            </div>
                        </ActionForm>
                    }
                        .into_any()
                })
            }}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------------------------
// Bulk

/// "1 site" / "3 sites".
fn n_of(n: u64, res: &Res) -> String {
    crate::schema::count_noun(n, res)
}

#[component]
pub fn BulkPage() -> impl IntoView {
    let kind = kind_param();
    let location = use_location();
    let query = use_query_map();
    let here = move |p: &str| {
        kind.get()
            .is_some_and(|k| p == format!("/{}/bulk", k.res().slug))
    };
    let search = while_here(here, move || location.search.get());
    let data = Resource::new(
        move || (kind.get(), search.get()),
        |(k, q)| async move {
            match k {
                Some(k) => fetch_bulk(k, q).await,
                None => not_found("page"),
            }
        },
    );
    let edit = ServerAction::<BulkEdit>::new();
    let delete = ServerAction::<BulkDelete>::new();
    let edit_state = action_errors(edit);
    let delete_state = action_errors(delete);
    view! {
        <Suspense fallback=LOADING>
            {move || {
                let k = kind.get();
                let params = query.get();
                Suspend::new(async move {
                    let Some(res) = k.map(Kind::res) else {
                        return view! { <NotFound /> }.into_any();
                    };
                    let op = params.get("op").unwrap_or_else(|| "edit".into());
                    let selection = with_params(&params, &[("op", None)]);
                    let crumbs = view! {
                        <Title text=format!("Bulk change {} · Census", res.plural) />
                        <nav class="crumbs">
                            <a href=format!("/{}", res.slug)>{capitalize(res.plural)}</a>
                            " / "
                        </nav>
                    };
                    let p = match data.await {
                        Ok(p) => p,
                        Err(e) => return view! { {crumbs} {failed(k, e)} }.into_any(),
                    };
                    if p.count == 0 {
                        return view! {
                            {crumbs}
                            <h1>"Nothing selected"</h1>
                            <p>
                                {format!("Select {} in the list first.", res.plural)} " "
                                <a href=format!("/{}", res.slug)>"Back to the list"</a>
                            </p>
                        }
                            .into_any();
                    }
                    let what = n_of(p.count, res);
                    let summary = view! {
                        <p>
                            <b>{what.clone()}</b>
                            " selected: " {p.names.join(", ")} {(p.count > p.names.len() as u64).then_some(", …")}
                        </p>
                    };
                    if op == "delete" {
                        return view! {
                            {crumbs}
                            <h1>{format!("Delete {what}?")}</h1>
                            {summary}
                            {move || delete_state().0.map(|e| view! { <ErrorBox err=e /> })}
                            <ActionForm action=delete attr:class="card narrow-card">
                                <input type="hidden" name="kind" value=res.kind.as_str() />
                                <input type="hidden" name="selection" value=selection />
                                <p>"All of them are deleted, or none if any is still in use."</p>
                                <div class="form-actions">
                                    <button type="submit" class="btn btn-danger">
                                        {format!("Delete {what}")}
                                    </button>
                                    <a href=format!("/{}", res.slug) class="btn btn-ghost">"Cancel"</a>
                                </div>
                            </ActionForm>
                        }
                            .into_any();
                    }
                    // Fields that must be unique alone, a tree's parent and what only one object
                    // can point at are changed one object at a time.
                    let editable: Vec<&'static Field> = res
                        .writable_fields()
                        .filter(|f| {
                            !res.is_unique_alone(f.name)
                                && f.name != "parent_id"
                                && !matches!(f.ty, FieldType::AnyRef { .. })
                        })
                        .collect();
                    let options = p.options;
                    view! {
                        {crumbs}
                        <h1>{format!("Edit {what}")}</h1>
                        {summary}
                        {move || edit_state().0.map(|e| view! { <ErrorBox err=e /> })}
                        <ActionForm action=edit attr:class="object-form card">
                            <input type="hidden" name="kind" value=res.kind.as_str() />
                            <input type="hidden" name="selection" value=selection />
                            <p class="muted">"Fields left empty keep their values. Tick “clear” to empty a field."</p>
                            {move || {
                                let (_, errors, submitted) = edit_state();
                                editable
                                    .iter()
                                    .map(|f| {
                                        let value = submitted.get(f.name).cloned().unwrap_or_default();
                                        let options = f.option_kind().and_then(|k| options_of(&options, k));
                                        view! {
                                            <div class="bulk-field">
                                                <FieldInput
                                                    field=f
                                                    value
                                                    options=options
                                                    errors=errors.clone()
                                                    optional=true
                                                    empty_label="(leave unchanged)"
                                                />
                                                {(!f.required)
                                                    .then(|| {
                                                        view! {
                                                            <label class="clear">
                                                                <input type="checkbox" name=format!("clear[{}]", f.name) value="1" />
                                                                " clear"
                                                            </label>
                                                        }
                                                    })}
                                            </div>
                                        }
                                    })
                                    .collect_view()
                            }}
                            <div class="form-actions">
                                <button type="submit" class="btn btn-primary">
                                    {format!("Apply to {what}")}
                                </button>
                                <a href=format!("/{}", res.slug) class="btn btn-ghost">"Cancel"</a>
                            </div>
                        </ActionForm>
                    }
                        .into_any()
                })
            }}
        </Suspense>
    }
}
