//! Users (admins only) and API tokens (everyone's own; all of them for admins).

use crate::api::tokens::*;
use crate::api::users::*;
use crate::components::*;
use crate::model::Role;
use crate::pages::auth::action_errors;
use leptos::prelude::*;
use leptos_meta::Title;

crate::pages::lazy_page!(
    UsersRoute => UsersPage,
    UserEditRoute => UserEditPage,
    TokensRoute => TokensPage,
);

fn fmt(t: &str) -> String {
    t.replace('T', " ").replace('Z', "")
}

fn role_select(selected: Role) -> impl IntoView {
    view! {
        <select id="role" name="role">
            {Role::ALL
                .into_iter()
                .map(|r| {
                    view! {
                        <option value=r.as_str() selected=r == selected>
                            {format!("{} — {}", r.as_str(), r.describe())}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| list_users());
    let create = ServerAction::<CreateUser>::new();
    let state = action_errors(create);
    view! {
        <Title text="Users · Census" />
        <h1>"Users"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => {
                        set_status(e.status());
                        view! { <ErrorBox err=e /> }.into_any()
                    }
                    Ok(users) => {
                        view! {
                            <div class="table-wrap">
                                <table class="table">
                                    <thead>
                                        <tr>
                                            <th>"Username"</th>
                                            <th>"Role"</th>
                                            <th>"Active"</th>
                                            <th>"Last sign-in (UTC)"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {users
                                            .into_iter()
                                            .map(|u| {
                                                view! {
                                                    <tr>
                                                        <td data-label="Username">
                                                            <a href=format!("/users/{}", u.id)>{u.username.clone()}</a>
                                                        </td>
                                                        <td data-label="Role">{u.role.as_str()}</td>
                                                        <td data-label="Active">{if u.is_active { "yes" } else { "no" }}</td>
                                                        <td data-label="Last sign-in">
                                                            {u.last_login_at.as_deref().map(fmt).unwrap_or_else(|| "never".into())}
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <section class="card narrow-card">
                                <h2>"Add a user"</h2>
                                {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
                                <ActionForm action=create>
                                    <InputField
                                        id="new-username"
                                        name="username"
                                        label="Username"
                                        input=Input::Text
                                        required=true
                                        errors=Signal::derive(move || state().1)
                                        value=Signal::derive(move || state().2.get("username").cloned().unwrap_or_default())
                                    />
                                    <InputField
                                        id="new-password"
                                        name="password"
                                        label="Password"
                                        input=Input::NewPassword
                                        errors=Signal::derive(move || state().1)
                                    />
                                    <div class="field">
                                        <label for="role">"Role"</label>
                                        {role_select(Role::Viewer)}
                                    </div>
                                    <button type="submit" class="btn btn-primary">"Add user"</button>
                                </ActionForm>
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
pub fn UserEditPage() -> impl IntoView {
    let id = id_param();
    // No user has id 0: an id that is not a number answers 404.
    let data = Resource::new(move || id.get().unwrap_or(0), get_user);
    let update = ServerAction::<UpdateUser>::new();
    let delete = ServerAction::<DeleteUser>::new();
    let ustate = action_errors(update);
    let dstate = action_errors(delete);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => {
                        set_status(e.status());
                        view! { <ErrorBox err=e /> }.into_any()
                    }
                    Ok(u) => {
                        let uid = u.id.to_string();
                        let uid2 = uid.clone();
                        view! {
                            <Title text=format!("{} · Users · Census", u.username) />
                            <nav class="crumbs"><a href="/users">"Users"</a>" / "</nav>
                            <h1>{u.username.clone()}</h1>
                            <section class="card narrow-card">
                                <h2>"Role and access"</h2>
                                {move || ustate().0.map(|e| view! { <ErrorBox err=e /> })}
                                <ActionForm action=update>
                                    <input type="hidden" name="id" value=uid />
                                    <div class="field">
                                        <label for="role">"Role"</label>
                                        {role_select(u.role)}
                                    </div>
                                    <div class="field">
                                        <label class="check-label">
                                            <input type="checkbox" name="active" value="1" checked=u.is_active />
                                            " May sign in"
                                        </label>
                                    </div>
                                    <InputField
                                        id="password"
                                        name="password"
                                        label="New password"
                                        input=Input::OptionalPassword
                                        errors=Signal::derive(move || ustate().1)
                                        help="Leave empty to keep the current password."
                                    />
                                    <button type="submit" class="btn btn-primary">"Save"</button>
                                </ActionForm>
                            </section>
                            <section class="card narrow-card">
                                <h2>"Delete user"</h2>
                                {move || dstate().0.map(|e| view! { <ErrorBox err=e /> })}
                                <ActionForm action=delete>
                                    <input type="hidden" name="id" value=uid2 />
                                    <p>"The user's API tokens are revoked with them. Their changes stay in the change log."</p>
                                    <button type="submit" class="btn btn-danger">"Delete user"</button>
                                </ActionForm>
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
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let data = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| fetch_tokens(),
    );
    let cstate = action_errors(create);
    let rstate = action_errors(revoke);
    let me = me_resource();
    view! {
        <Title text="API tokens · Census" />
        <h1>"API tokens"</h1>
        <p class="muted">
            "Scripts call the REST API with " <code>"Authorization: Bearer <token>"</code>
            " and act with the token owner's role."
        </p>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let my_id = me.await.ok().flatten().map(|m| m.id).unwrap_or_default();
                match data.await {
                    Err(e) => view! { <ErrorBox err=e /> }.into_any(),
                    Ok(v) => {
                        let admin = !v.users.is_empty();
                        view! {
                            {v
                                .new_token
                                .map(|t| {
                                    view! {
                                        <div class="alert alert-ok new-token" role="status">
                                            <p>
                                                <b>"New token created."</b>
                                                " Copy it now: it is shown only this once."
                                            </p>
                                            <input class="token-secret" readonly value=t.secret aria-label="New token" />
                                        </div>
                                    }
                                })}
                            {move || rstate().0.map(|e| view! { <ErrorBox err=e /> })}
                            <div class="table-wrap">
                                <table class="table">
                                    <thead>
                                        <tr>
                                            <th>"Token"</th>
                                            {admin.then(|| view! { <th>"User"</th> })}
                                            <th>"Description"</th>
                                            <th>"Created (UTC)"</th>
                                            <th>"Last used"</th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {v.tokens.is_empty().then(|| view! { <tr><td colspan="6" class="muted empty">"No tokens yet."</td></tr> })}
                                        {v
                                            .tokens
                                            .into_iter()
                                            .map(|t| {
                                                view! {
                                                    <tr>
                                                        <td data-label="Token"><code>{format!("{}…", t.prefix)}</code></td>
                                                        {admin.then(|| view! { <td data-label="User">{t.username.clone()}</td> })}
                                                        <td data-label="Description">{t.description.clone()}</td>
                                                        <td data-label="Created">{fmt(&t.created_at)}</td>
                                                        <td data-label="Last used">
                                                            {t.last_used_at.as_deref().map(fmt).unwrap_or_else(|| "never".into())}
                                                        </td>
                                                        <td>
                                                            <ActionForm action=revoke attr:class="inline">
                                                                <input type="hidden" name="id" value=t.id.to_string() />
                                                                <button type="submit" class="btn btn-small btn-danger">"Revoke"</button>
                                                            </ActionForm>
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <section class="card narrow-card">
                                <h2>"Create a token"</h2>
                                {move || cstate().0.map(|e| view! { <ErrorBox err=e /> })}
                                <ActionForm action=create>
                                    <InputField
                                        id="description"
                                        name="description"
                                        label="Description"
                                        input=Input::Text
                                        placeholder="what uses it"
                                        errors=Signal::derive(move || cstate().1)
                                    />
                                    {admin
                                        .then(|| {
                                            view! {
                                                <div class="field">
                                                    <label for="user_id">"For user"</label>
                                                    <select id="user_id" name="user_id">
                                                        {v
                                                            .users
                                                            .iter()
                                                            .map(|u| {
                                                                view! {
                                                                    <option value=u.id.to_string() selected=u.id == my_id>
                                                                        {format!("{} ({})", u.username, u.role.as_str())}
                                                                    </option>
                                                                }
                                                            })
                                                            .collect_view()}
                                                    </select>
                                                </div>
                                            }
                                        })}
                                    <button type="submit" class="btn btn-primary">"Create token"</button>
                                </ActionForm>
                            </section>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}
