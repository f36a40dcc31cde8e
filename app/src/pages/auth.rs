//! Sign-in, the one-time first-admin setup, and the account page (change own password).

use crate::api::auth::{Login, Setup};
use crate::api::users::ChangePassword;
use crate::components::{ErrorBox, Input, InputField, me_resource};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

crate::pages::lazy_page!(
    LoginRoute => LoginPage,
    SetupRoute => SetupPage,
    AccountRoute => AccountPage,
);

/// (form error, field errors, submitted values) of an action's last result.
pub fn action_errors<S>(
    action: ServerAction<S>,
) -> impl Fn() -> (
    Option<AppError>,
    crate::error::FieldErrors,
    std::collections::BTreeMap<String, String>,
) + Copy
where
    S: server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    move || match action.value().get() {
        Some(Err(e)) => {
            let fields = e.field_errors();
            let values = e.submitted_values().cloned().unwrap_or_default();
            (Some(e), fields, values)
        }
        _ => Default::default(),
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".into());
    let state = action_errors(action);
    let errors = Signal::derive(move || state().1);
    let value = Signal::derive(move || state().2.get("username").cloned().unwrap_or_default());
    view! {
        <Title text="Sign in · Census" />
        <main class="auth-page">
            <div class="auth-card">
                <h1 class="brand-big">"Census"</h1>
                <p class="muted">"Sign in to your inventory."</p>
                {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
                <ActionForm action=action>
                    <input type="hidden" name="next" value=next />
                    <InputField id="username" name="username" label="Username" input=Input::Username errors value />
                    <InputField id="password" name="password" label="Password" input=Input::CurrentPassword errors />
                    <button type="submit" class="btn btn-primary btn-block">
                        "Sign in"
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let action = ServerAction::<Setup>::new();
    let state = action_errors(action);
    let errors = Signal::derive(move || state().1);
    let value = Signal::derive(move || state().2.get("username").cloned().unwrap_or_default());
    view! {
        <Title text="Set up · Census" />
        <main class="auth-page">
            <div class="auth-card">
                <h1 class="brand-big">"Welcome to Census"</h1>
                <p>"Create the first administrator. This page is offered only once, while Census has no users."</p>
                {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
                <ActionForm action=action>
                    <InputField id="username" name="username" label="Username" input=Input::Username errors value />
                    <InputField
                        id="password"
                        name="password"
                        label="Password"
                        input=Input::NewPassword
                        errors
                        help="At least 8 characters."
                    />
                    <InputField id="confirm" name="confirm" label="Repeat the password" input=Input::NewPassword errors />
                    <button type="submit" class="btn btn-primary btn-block">
                        "Create admin and sign in"
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let state = action_errors(action);
    let errors = Signal::derive(move || state().1);
    let query = use_query_map();
    let changed = move || query.read().get("changed").is_some() && state().0.is_none();
    let me = me_resource();
    view! {
        <Title text="Your account · Census" />
        <h1>"Your account"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                me.await
                    .ok()
                    .flatten()
                    .map(|m| {
                        view! {
                            <p>
                                "Signed in as " <b>{m.username.clone()}</b> ", role " <b>{m.role.as_str()}</b>
                                " — you can " {m.role.describe()} "."
                            </p>
                        }
                    })
            })}
        </Suspense>
        <p>
            <a href="/tokens">"Manage your API tokens"</a>
        </p>
        <section class="card narrow-card">
            <h2>"Change password"</h2>
            {move || changed().then(|| view! { <div class="alert alert-ok">"Your password was changed."</div> })}
            {move || state().0.map(|e| view! { <ErrorBox err=e /> })}
            <ActionForm action=action>
                <InputField
                    id="current"
                    name="current"
                    label="Current password"
                    input=Input::CurrentPassword
                    errors
                    error_key="current_password"
                />
                <InputField id="password" name="password" label="New password" input=Input::NewPassword errors />
                <InputField id="confirm" name="confirm" label="Repeat the new password" input=Input::NewPassword errors />
                <button type="submit" class="btn btn-primary">
                    "Change password"
                </button>
            </ActionForm>
        </section>
    }
}
