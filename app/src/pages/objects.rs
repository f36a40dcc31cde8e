//! The pages of every inventory object type, rendered from `schema`: list (search, filters,
//! sorting, paging, bulk selection, CSV export), detail (fields, related objects, history),
//! create/edit forms, delete confirmation and bulk edit/delete.

use crate::api::objects::*;
use crate::components::*;
use crate::error::AppError;
use crate::model::ObjectDto;
use crate::pages::NotFound;
use crate::pages::auth::action_errors;
use crate::schema::{Field, FieldType, Kind, Resource as Res, capitalize};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};
use leptos_router::params::ParamsMap;

fn kind_param() -> Memo<Option<Kind>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("kind").and_then(|s| Kind::from_slug(&s)))
}

fn id_param() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|s| s.parse().ok()))
}

/// Wraps a page that needs a known kind; unknown paths get the 404 page.
fn with_kind<V: IntoView + 'static>(
    f: impl Fn(&'static Res) -> V + Send + Sync + 'static,
) -> impl IntoView {
    let kind = kind_param();
    move || match kind.get() {
        Some(k) => f(k.res()).into_any(),
        None => view! { <NotFound /> }.into_any(),
    }
}

#[component]
fn Forbidden(#[prop(into)] what: String) -> impl IntoView {
    set_status(403);
    view! { <ErrorBox err=AppError::forbidden(&what) /> }
}

// ---------------------------------------------------------------------------------------------
// List

#[component]
pub fn ObjectListPage() -> impl IntoView {
    with_kind(|res| view! { <ObjectList res /> })
}

#[component]
fn ObjectList(res: &'static Res) -> impl IntoView {
    let location = use_location();
    let query = use_query_map();
    let data = Resource::new(
        move || location.search.get(),
        move |q| fetch_list(res.kind, q),
    );
    let path = format!("/{}", res.slug);
    let title = capitalize(res.plural);
    let editor = can_write();
    view! {
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
                <a
                    href=move || {
                        let mut q = with_params(&query.read(), &[("offset", None), ("limit", None)]);
                        if !q.is_empty() {
                            q.push('&');
                        }
                        format!("/api/v1/{}/?{q}format=csv", res.slug)
                    }
                    class="btn"
                    rel="external"
                    download=format!("{}.csv", res.slug)
                >
                    "Export CSV"
                </a>
            </div>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    let params = query.get();
                    match data.await {
                        Ok(v) => view! { <ListBody res view=v params path editor /> }.into_any(),
                        Err(e) => {
                            view! {
                                <FilterBar res params=params.clone() options=vec![] path=path.clone() />
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
    view! {
        <FilterBar res params=params.clone() options=view.options path=path.clone() />
        <form method="get" action=format!("/{}/bulk", res.slug) class="bulk-form">
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
                                    view! { <SortHeader label=f.label key=f.base_name() path=path.clone() params=params.clone() /> }
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
        </form>
        <Pager count offset=page.offset limit=page.limit path params />
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
    let active = filters
        .iter()
        .any(|f| params.get(f.name).is_some_and(|v| !v.is_empty()))
        || !q.is_empty();
    view! {
        <form method="get" action=path.clone() class="filter-bar" role="search">
            <div class="field grow">
                <label for="filter-q">"Search"</label>
                <input id="filter-q" type="search" name="q" value=q placeholder=format!("Search {}", res.plural) />
            </div>
            {filters
                .into_iter()
                .map(|f| {
                    let value = params.get(f.name).unwrap_or_default();
                    let id = format!("filter-{}", f.name);
                    let control = match f.ty {
                        FieldType::Choice(choices) => view! {
                            <select id=id.clone() name=f.name>
                                <option value="">"Any"</option>
                                {choices
                                    .iter()
                                    .map(|(v, l)| view! { <option value=*v selected=value == *v>{*l}</option> })
                                    .collect_view()}
                            </select>
                        }
                        .into_any(),
                        FieldType::Ref(k) => match options_of(&options, k).filter(|o| !o.truncated) {
                            Some(o) => view! {
                                <select id=id.clone() name=f.name>
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
                            None => view! { <input id=id.clone() name=f.name type="number" min="1" value=value placeholder="id" /> }.into_any(),
                        },
                        _ => view! { <input id=id.clone() name=f.name value=value /> }.into_any(),
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
            {ordering.map(|o| view! { <input type="hidden" name="ordering" value=o /> })}
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">
                    "Apply"
                </button>
                {active.then(|| view! { <a href=path.clone() class="btn btn-ghost">"Reset"</a> })}
            </div>
        </form>
    }
}

// ---------------------------------------------------------------------------------------------
// Detail

#[component]
pub fn ObjectDetailPage() -> impl IntoView {
    with_kind(|res| view! { <ObjectDetailView res /> })
}

#[component]
fn ObjectDetailView(res: &'static Res) -> impl IntoView {
    let id = id_param();
    let data = Resource::new(
        move || id.get(),
        move |id| async move {
            match id {
                Some(id) => fetch_object(res.kind, id).await,
                None => Err(AppError::NotFound(format!(
                    "There is no such {}.",
                    res.singular
                ))),
            }
        },
    );
    let editor = can_write();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorBox err=e /> }.into_any(),
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
                                        .map(|r| view! { <Related rel=r parent=res id=o.id editor /> })
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
            })}
        </Suspense>
    }
}

#[component]
fn Related(
    rel: crate::model::RelatedList,
    parent: &'static Res,
    id: i64,
    editor: bool,
) -> impl IntoView {
    let res = rel.kind.res();
    let all = format!("/{}?{}={id}", res.slug, rel.field);
    // A new object here starts placed in this one.
    let add = (editor && (rel.kind != parent.kind || rel.field == "parent_id"))
        .then(|| format!("/{}/new?{}={id}", res.slug, rel.field));
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
pub fn ObjectNewPage() -> impl IntoView {
    with_kind(|res| view! { <ObjectForm res id=None /> })
}

#[component]
pub fn ObjectEditPage() -> impl IntoView {
    let id = id_param();
    with_kind(move |res| {
        view! { {move || id.get().map(|id| view! { <ObjectForm res id=Some(id) /> })} }
    })
}

#[component]
fn ObjectForm(res: &'static Res, id: Option<i64>) -> impl IntoView {
    if !can_write() {
        return view! { <Forbidden what=format!("change {}", res.plural) /> }.into_any();
    }
    let data = Resource::new(move || id, move |id| fetch_form(res.kind, id));
    let action = ServerAction::<SaveObject>::new();
    let state = action_errors(action);
    let query = use_query_map();
    let heading = match id {
        Some(_) => format!("Edit {}", res.singular),
        None => format!("Add {}", res.singular),
    };
    let cancel = match id {
        Some(id) => format!("/{}/{}", res.slug, id),
        None => format!("/{}", res.slug),
    };
    view! {
        <Title text=format!("{heading} · Census") />
        <h1>{heading.clone()}</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let cancel = cancel.clone();
                Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <ErrorBox err=e /> }.into_any(),
                        Ok(fv) => {
                            view! {
                                {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
                                <ActionForm action=action attr:class="object-form card">
                                    <input type="hidden" name="kind" value=res.kind.as_str() />
                                    {id.map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> })}
                                    {
                                        let fv = fv.clone();
                                        move || {
                                            let (_, errors, submitted) = state();
                                            res.fields
                                                .iter()
                                                .map(|f| {
                                                    let value = submitted
                                                        .get(f.name)
                                                        .cloned()
                                                        .or_else(|| fv.object.as_ref().map(|o| o.text(f.name)))
                                                        .or_else(|| query.read().get(f.name))
                                                        .unwrap_or_else(|| default_value(f));
                                                    let options = f.ref_kind().and_then(|k| options_of(&fv.options, k));
                                                    view! { <FieldInput field=f value options=options errors=errors.clone() /> }
                                                })
                                                .collect_view()
                                        }
                                    }
                                    <div class="form-actions">
                                        <button type="submit" class="btn btn-primary">
                                            "Save"
                                        </button>
                                        <a href=cancel.clone() class="btn btn-ghost">
                                            "Cancel"
                                        </a>
                                    </div>
                                </ActionForm>
                            }
                                .into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}

/// What a new object's form starts with.
fn default_value(f: &Field) -> String {
    match (f.name, f.ty) {
        ("status", _) => "active".into(),
        ("units", _) => "42".into(),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Delete

#[component]
pub fn ObjectDeletePage() -> impl IntoView {
    let id = id_param();
    with_kind(move |res| view! { {move || id.get().map(|id| view! { <ObjectDelete res id /> })} })
}

#[component]
fn ObjectDelete(res: &'static Res, id: i64) -> impl IntoView {
    if !can_write() {
        return view! { <Forbidden what=format!("delete {}", res.plural) /> }.into_any();
    }
    let data = Resource::new(move || id, move |id| fetch_object(res.kind, id));
    let action = ServerAction::<DeleteObject>::new();
    let state = action_errors(action);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorBox err=e /> }.into_any(),
                    Ok(d) => {
                        let name = d.object.display.clone();
                        view! {
                            <Title text=format!("Delete {name} · Census") />
                            <h1>{format!("Delete {} {name}?", res.singular)}</h1>
                            {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
                            <ActionForm action=action attr:class="card narrow-card">
                                <p>"This removes it from the inventory. The change log keeps a record."</p>
                                <input type="hidden" name="kind" value=res.kind.as_str() />
                                <input type="hidden" name="id" value=id.to_string() />
                                <div class="form-actions">
                                    <button type="submit" class="btn btn-danger">
                                        "Delete"
                                    </button>
                                    <a href=format!("/{}/{}", res.slug, id) class="btn btn-ghost">
                                        "Cancel"
                                    </a>
                                </div>
                            </ActionForm>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
    .into_any()
}

// ---------------------------------------------------------------------------------------------
// Bulk

#[component]
pub fn BulkPage() -> impl IntoView {
    with_kind(|res| view! { <Bulk res /> })
}

#[component]
fn Bulk(res: &'static Res) -> impl IntoView {
    if !can_write() {
        return view! { <Forbidden what=format!("change {}", res.plural) /> }.into_any();
    }
    let location = use_location();
    let query = use_query_map();
    let data = Resource::new(
        move || location.search.get(),
        move |q| fetch_bulk(res.kind, q),
    );
    let edit = ServerAction::<BulkEdit>::new();
    let delete = ServerAction::<BulkDelete>::new();
    let edit_state = action_errors(edit);
    let delete_state = action_errors(delete);
    let op = move || query.read().get("op").unwrap_or_else(|| "edit".into());
    let selection = move || with_params(&query.read(), &[("op", None)]);
    let editable: Vec<&'static Field> = res
        .fields
        .iter()
        .filter(|f| {
            !matches!(
                f.name,
                "name" | "slug" | "circuit_id" | "asset_tag" | "parent_id"
            )
        })
        .collect();
    view! {
        <Title text=format!("Bulk change {} · Census", res.plural) />
        <nav class="crumbs">
            <a href=format!("/{}", res.slug)>{capitalize(res.plural)}</a>
            " / "
        </nav>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let editable = editable.clone();
                Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <ErrorBox err=e /> }.into_any(),
                        Ok(p) if p.count == 0 => {
                            view! {
                                <h1>"Nothing selected"</h1>
                                <p>
                                    {format!("Select {} in the list first.", res.plural)} " "
                                    <a href=format!("/{}", res.slug)>"Back to the list"</a>
                                </p>
                            }
                                .into_any()
                        }
                        Ok(p) => {
                            let summary = view! {
                                <p>
                                    <b>{format!("{} {}", p.count, if p.count == 1 { res.singular } else { res.plural })}</b>
                                    " selected: " {p.names.join(", ")} {(p.count > p.names.len() as u64).then_some(", …")}
                                </p>
                            };
                            if op() == "delete" {
                                view! {
                                    <h1>{format!("Delete {} {}?", p.count, res.plural)}</h1>
                                    {summary}
                                    {move || delete_state().0.map(|e| view! { <ErrorBox err=e /> })}
                                    <ActionForm action=delete attr:class="card narrow-card">
                                        <input type="hidden" name="kind" value=res.kind.as_str() />
                                        <input type="hidden" name="selection" value=selection />
                                        <p>"All of them are deleted, or none if any is still in use."</p>
                                        <div class="form-actions">
                                            <button type="submit" class="btn btn-danger">
                                                {format!("Delete {} {}", p.count, res.plural)}
                                            </button>
                                            <a href=format!("/{}", res.slug) class="btn btn-ghost">"Cancel"</a>
                                        </div>
                                    </ActionForm>
                                }
                                    .into_any()
                            } else {
                                let options = p.options.clone();
                                view! {
                                    <h1>{format!("Edit {} {}", p.count, res.plural)}</h1>
                                    {summary}
                                    {move || edit_state().0.map(|e| view! { <ErrorBox err=e /> })}
                                    <ActionForm action=edit attr:class="object-form card">
                                        <input type="hidden" name="kind" value=res.kind.as_str() />
                                        <input type="hidden" name="selection" value=selection />
                                        <p class="muted">"Fields left empty keep their values. Tick “clear” to empty a field."</p>
                                        {
                                            let editable = editable.clone();
                                            move || {
                                                let (_, errors, submitted) = edit_state();
                                                editable
                                                    .iter()
                                                    .map(|f| {
                                                        let value = submitted.get(f.name).cloned().unwrap_or_default();
                                                        let options = f.ref_kind().and_then(|k| options_of(&options, k));
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
                                            }
                                        }
                                        <div class="form-actions">
                                            <button type="submit" class="btn btn-primary">
                                                {format!("Apply to {} {}", p.count, res.plural)}
                                            </button>
                                            <a href=format!("/{}", res.slug) class="btn btn-ghost">"Cancel"</a>
                                        </div>
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                        }
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}
