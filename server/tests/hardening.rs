//! Issue 9's faults, each sent to every door it can reach, on SQLite and PostgreSQL: numbers out
//! of range, panics and time limits, malformed and oversized requests, the JSON shape of every
//! error status, text one database cannot store, contradictory input, cross-site writes,
//! security headers, credentials in URLs, and writes or reads waiting on a busy writer.

use app::model::history::Source;
use app::ssr::db::Db;
use app::ssr::sources::ninja::NinjaSettings;
use app::ssr::sources::{BaseUrl, Secret, SettingType};
use app::ssr::testing::TestDb;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::routing::get;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::config::{Config, JobsConfig};
use server_fn::ServerFn;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tower::ServiceExt;

const ORIGIN: &str = "http://localhost";
const EVIL: &str = "https://evil.example";

struct T {
    app: Router,
    db: Db,
    admin: String,
    editor: String,
    viewer: String,
    /// Set when the slow test handler's work was dropped (cancelled).
    cancelled: Arc<AtomicBool>,
}

#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", self.status, self.text))
    }
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    /// The documented error shape: JSON with a non-empty `error` sentence.
    fn assert_error_shape(&self, what: &str) {
        assert!(
            self.header("content-type").starts_with("application/json"),
            "{what}: {} content-type {:?}: {}",
            self.status,
            self.header("content-type"),
            self.text
        );
        let j = self.json();
        assert!(
            j["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{what}: {}",
            self.text
        );
    }
}

struct Drop_(Arc<AtomicBool>);
impl Drop for Drop_ {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn jobs_with_credentials_in_url() -> JobsConfig {
    JobsConfig::default().with(
        Source::Ninja,
        NinjaSettings {
            url: BaseUrl::parse("CENSUS_NINJA_URL", "http://apiuser:hunter2pass@127.0.0.1:9")
                .unwrap(),
            client_id: "census-test".into(),
            client_secret: Secret::new("s3cret"),
            scope: "monitoring".into(),
        },
    )
}

fn app_with(db: &Db, config: Config, cancelled: Arc<AtomicBool>) -> Router {
    // Handlers that misbehave, behind the real middleware.
    let extra = Router::new()
        .route(
            "/api/v1/test-panic",
            get(|| async {
                if true {
                    panic!("deliberate test panic");
                }
                ""
            }),
        )
        .route(
            "/test-panic-page",
            get(|| async {
                if true {
                    panic!("deliberate test panic");
                }
                ""
            }),
        )
        .route(
            "/api/v1/test-slow",
            get(move || {
                let guard = Drop_(cancelled.clone());
                async move {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    drop(guard);
                    "finished"
                }
            }),
        );
    server::router_with(server::AppState::new(db.clone(), config), extra)
}

fn config() -> Config {
    let mut c = Config::defaults("", jobs_with_credentials_in_url());
    c.request_timeout = Duration::from_secs(2);
    c
}

async fn setup(db: &TestDb) -> T {
    let secrets = app::ssr::testing::users_with_tokens(&db.db).await;
    let cancelled = Arc::new(AtomicBool::new(false));
    T {
        app: app_with(&db.db, config(), cancelled.clone()),
        db: db.db.clone(),
        admin: secrets[0].clone(),
        editor: secrets[1].clone(),
        viewer: secrets[2].clone(),
        cancelled,
    }
}

/// A request: method, address, headers, body.
async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: Body,
) -> Reply {
    let mut b = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let res = app.clone().oneshot(b.body(body).unwrap()).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A page as a browser asks for it, signed in with `token`.
async fn page(app: &Router, uri: &str, token: &str) -> Reply {
    send(
        app,
        Method::GET,
        uri,
        &[("authorization", &bearer(token)), ("accept", "text/html")],
        Body::empty(),
    )
    .await
}

impl T {
    async fn get(&self, uri: &str, token: &str) -> Reply {
        send(
            &self.app,
            Method::GET,
            uri,
            &[("authorization", &bearer(token))],
            Body::empty(),
        )
        .await
    }
    async fn json(&self, method: Method, uri: &str, token: &str, body: &Value) -> Reply {
        send(
            &self.app,
            method,
            uri,
            &[
                ("authorization", &bearer(token)),
                ("content-type", "application/json"),
            ],
            Body::from(body.to_string()),
        )
        .await
    }
    /// A server function called as the browser's JavaScript calls it (form-encoded arguments).
    async fn server_fn(&self, path: &str, token: &str, form: &str) -> Reply {
        send(
            &self.app,
            Method::POST,
            path,
            &[
                ("authorization", &bearer(token)),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            Body::from(form.to_string()),
        )
        .await
    }
    /// Sign in through the login form; the session cookie.
    async fn sign_in(&self, username: &str) -> String {
        let r = send(
            &self.app,
            Method::POST,
            app::api::auth::Login::PATH,
            &[
                ("host", "localhost"),
                ("origin", ORIGIN),
                ("accept", "text/html"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            Body::from(format!("username={username}&password=password123&next=%2F")),
        )
        .await;
        assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
        r.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("census_session="))
            .map(|v| v.split(';').next().unwrap().to_string())
            .expect("a session cookie")
    }
}

/// Every numeric parameter of every list, past what the database takes: 400 naming it.
async fn numbers_out_of_range_are_400_naming_the_parameter(db: &TestDb) {
    let t = setup(db).await;
    let doc = server::rest::document();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        if path.contains('{') {
            continue;
        }
        let params: Vec<&str> = op["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        for name in ["offset", "limit"] {
            if !params.contains(&name) {
                continue;
            }
            for value in [
                "9223372036854775808",
                "99999999999999999999999",
                "-1",
                "1e3",
            ] {
                let r = t.get(&format!("{path}?{name}={value}"), &t.admin).await;
                assert_eq!(
                    r.status,
                    StatusCode::BAD_REQUEST,
                    "{path} {name}={value}: {}",
                    r.text
                );
                r.assert_error_shape(path);
                assert!(r.json()["fields"][name].is_array(), "{path}: {}", r.text);
                checked += 1;
            }
        }
    }
    assert!(checked >= 40, "{checked}");
    // Range filters and ids too.
    let r = t
        .get("/api/v1/devices/?purchase_price__gte=1e400", &t.admin)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = t
        .get("/api/v1/devices/?site_id=99999999999999999999", &t.admin)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = t.get("/api/v1/sites/99999999999999999999/", &t.admin).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    r.assert_error_shape("id out of range");
    // The pages answer too (the change log page never answered before).
    let cookie = t.sign_in("viewer").await;
    for page in [
        "/changes?offset=9223372036854775808",
        "/devices?offset=9223372036854775808",
        "/devices?limit=99999999999999999999",
    ] {
        let r = send(
            &t.app,
            Method::GET,
            page,
            &[("cookie", &cookie), ("accept", "text/html")],
            Body::empty(),
        )
        .await;
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::BAD_REQUEST,
            "{page}: {}",
            r.status
        );
        assert!(r.text.contains("must be a number"), "{page}: {}", r.text);
    }
}

/// A panic is a 500 with the request id; a request past its time limit is a 503 with
/// Retry-After, and its work is dropped.
async fn panics_and_time_limits(db: &TestDb) {
    let t = setup(db).await;
    let r = t.get("/api/v1/test-panic", &t.viewer).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    r.assert_error_shape("panic");
    let id = r.header("x-request-id").to_string();
    assert!(!id.is_empty());
    assert_eq!(r.json()["request_id"], id.as_str());
    assert!(
        !r.text.contains("deliberate"),
        "the panic message is not shown"
    );
    // On a page: a page, with the reference.
    let r = page(&t.app, "/test-panic-page", &t.viewer).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.header("content-type").starts_with("text/html"));
    assert!(r.text.contains(r.header("x-request-id")));

    let r = t.get("/api/v1/test-slow", &t.viewer).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    r.assert_error_shape("time limit");
    assert!(!r.header("retry-after").is_empty());
    assert!(
        t.cancelled.load(Ordering::SeqCst),
        "the handler's work was dropped"
    );
    // The server still answers.
    assert_eq!(
        t.get("/api/v1/tenants/", &t.viewer).await.status,
        StatusCode::OK
    );
}

/// Server functions with arguments that do not decode: 400 naming the field.
async fn malformed_server_function_calls_are_400(db: &TestDb) {
    use app::api::objects::{FetchObject, SaveObject};
    let t = setup(db).await;
    for (path, form, field) in [
        (app::api::auth::Login::PATH, "", "username"),
        (FetchObject::PATH, "kind=bogus&id=1", "kind"),
        (FetchObject::PATH, "kind=site&id=abc", "id"),
        (FetchObject::PATH, "kind=site&id=99999999999999999999", "id"),
        (SaveObject::PATH, "id=1", "kind"),
    ] {
        let r = if path == app::api::auth::Login::PATH {
            send(
                &t.app,
                Method::POST,
                path,
                &[("content-type", "application/x-www-form-urlencoded")],
                Body::from(form),
            )
            .await
        } else {
            t.server_fn(path, &t.editor, form).await
        };
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{path} {form}: {}",
            r.text
        );
        r.assert_error_shape(path);
        assert!(r.text.contains(field), "{path} {form}: {}", r.text);
    }
    // A server function that does not exist.
    let r = t.server_fn("/api/no_such_function", &t.editor, "").await;
    assert!(r.status.is_client_error(), "{}", r.status);
    r.assert_error_shape("unknown server function");
}

/// Bodies over the limit, declared or chunked, on REST and server functions: 413.
async fn oversized_bodies_are_413(db: &TestDb) {
    let t = setup(db).await;
    let big = format!("{{\"name\":\"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let r = t
        .json(
            Method::POST,
            "/api/v1/tenants/",
            &t.editor,
            &serde_json::from_str(&big).unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    r.assert_error_shape("declared");
    // Chunked: no Content-Length.
    let chunks: Vec<Result<String, std::io::Error>> =
        (0..40).map(|_| Ok("x".repeat(100 * 1024))).collect();
    let r = send(
        &t.app,
        Method::POST,
        "/api/v1/tenants/",
        &[
            ("authorization", &bearer(&t.editor)),
            ("content-type", "application/json"),
        ],
        Body::from_stream(futures_util::stream::iter(chunks)),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    r.assert_error_shape("chunked");
    let r = t
        .server_fn(
            app::api::objects::SaveObject::PATH,
            &t.editor,
            &format!("kind=tenant&values[name]={}", "x".repeat(3 * 1024 * 1024)),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    r.assert_error_shape("server function");
    // Nothing was created.
    assert_eq!(
        t.get("/api/v1/tenants/", &t.viewer).await.json()["count"],
        0
    );
}

/// Every status Census sends on /api/ has the documented JSON shape.
async fn every_error_status_has_the_json_shape(db: &TestDb) {
    let t = setup(db).await;
    let long = format!("/api/v1/tenants/?name={}", "x".repeat(20_000));
    let none: &[(&str, &str)] = &[];
    let cases: Vec<(StatusCode, Reply)> = vec![
        (
            StatusCode::BAD_REQUEST,
            t.get("/api/v1/tenants/?colour=red", &t.viewer).await,
        ),
        (
            StatusCode::UNAUTHORIZED,
            send(&t.app, Method::GET, "/api/v1/tenants/", none, Body::empty()).await,
        ),
        (
            StatusCode::FORBIDDEN,
            t.json(
                Method::POST,
                "/api/v1/tenants/",
                &t.viewer,
                &json!({"name": "A"}),
            )
            .await,
        ),
        (
            StatusCode::NOT_FOUND,
            t.get("/api/v1/widgets/", &t.viewer).await,
        ),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            send(
                &t.app,
                Method::DELETE,
                "/api/v1/changes/",
                &[("authorization", &bearer(&t.admin))],
                Body::empty(),
            )
            .await,
        ),
        (StatusCode::URI_TOO_LONG, t.get(&long, &t.viewer).await),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            send(
                &t.app,
                Method::POST,
                "/api/v1/tenants/",
                &[
                    ("authorization", &bearer(&t.editor)),
                    ("content-type", "text/plain"),
                ],
                Body::from(r#"{"name":"A"}"#),
            )
            .await,
        ),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            t.get("/api/v1/test-panic", &t.viewer).await,
        ),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            t.get("/api/v1/test-slow", &t.viewer).await,
        ),
    ];
    for (want, r) in &cases {
        assert_eq!(r.status, *want, "{}", r.text);
        r.assert_error_shape(want.as_str());
    }
    let r = &cases[4].1;
    assert!(
        r.json()["error"].as_str().unwrap().contains("DELETE"),
        "{}",
        r.text
    );
    assert!(r.header("allow").contains("GET"), "{:?}", r.headers);
    // 409: delete protection.
    let site = t
        .json(
            Method::POST,
            "/api/v1/sites/",
            &t.editor,
            &json!({"name": "HQ", "slug": "hq"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let r = t
        .json(
            Method::POST,
            "/api/v1/locations/",
            &t.editor,
            &json!({"name": "Floor 1", "slug": "floor-1", "site_id": site}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = send(
        &t.app,
        Method::DELETE,
        &format!("/api/v1/sites/{site}/"),
        &[("authorization", &bearer(&t.editor))],
        Body::empty(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    r.assert_error_shape("409");
    // 429: sign-in throttling (the login server function).
    let mut last = None;
    for _ in 0..12 {
        let r = send(
            &t.app,
            Method::POST,
            app::api::auth::Login::PATH,
            &[("content-type", "application/x-www-form-urlencoded")],
            Body::from("username=viewer&password=wrong-password"),
        )
        .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            last = Some(r);
            break;
        }
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        r.assert_error_shape("a wrong password, from a server function");
    }
    let r = last.expect("sign-in is throttled");
    r.assert_error_shape("429");
}

/// Control characters other than tab and newline are refused in every text, the same way on
/// both databases; a form's CRLF line breaks are line breaks.
async fn text_with_control_characters_is_refused(db: &TestDb) {
    let t = setup(db).await;
    // REST bodies, field by field.
    for (uri, body, field) in [
        (
            "/api/v1/tokens/",
            json!({"description": "a\u{0}b"}),
            "description",
        ),
        ("/api/v1/tenants/", json!({"name": "a\u{7}b"}), "name"),
        (
            "/api/v1/tenants/",
            json!({"name": "T", "description": "x\u{0}"}),
            "description",
        ),
        (
            "/api/v1/devices/",
            json!({"name": "d1", "comments": "a\u{0}b"}),
            "comments",
        ),
        (
            "/api/v1/devices/",
            json!({"name": "d1", "comments": "a\u{1b}[31m"}),
            "comments",
        ),
        (
            "/api/v1/devices/",
            json!({"name": "d1", "custom_fields": {"k": "a\u{0}"}}),
            "custom_fields",
        ),
        (
            "/api/v1/devices/",
            json!({"name": "d1", "custom_fields": {"k\u{0}": 1}}),
            "custom_fields",
        ),
    ] {
        let r = t.json(Method::POST, uri, &t.admin, &body).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{uri} {body}: {}",
            r.text
        );
        assert!(
            r.json()["fields"][field].is_array(),
            "{uri} {body}: {}",
            r.text
        );
    }
    // Tab, newline and CRLF are text; CRLF is stored as a newline.
    let site = t
        .json(
            Method::POST,
            "/api/v1/sites/",
            &t.editor,
            &json!({"name": "HQ", "slug": "hq"}),
        )
        .await
        .json()["id"]
        .clone();
    let r = t
        .json(
            Method::POST,
            "/api/v1/devices/",
            &t.editor,
            &json!({"name": "d2", "site_id": site, "comments": "line 1\r\nline\t2\rline 3"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["comments"], "line 1\nline\t2\nline 3");
    // Query strings, on every door: filters, search, the change log, pages.
    for uri in [
        "/api/v1/tenants/?name=a%00b",
        "/api/v1/search/?q=%00",
        "/api/v1/changes/?user=a%00",
        "/api/v1/devices/?q=%FF%FE",
    ] {
        let r = t.get(uri, &t.viewer).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}: {}", r.text);
        r.assert_error_shape(uri);
        assert!(
            r.json()["fields"]
                .as_object()
                .is_some_and(|f| !f.is_empty()),
            "{uri}: {}",
            r.text
        );
    }
    let r = page(&t.app, "/devices?q=a%00b", &t.viewer).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Server function arguments (sign-in names are looked up in the database).
    let r = send(
        &t.app,
        Method::POST,
        app::api::auth::Login::PATH,
        &[("content-type", "application/x-www-form-urlencoded")],
        Body::from("username=adm%00in&password=x"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.json()["fields"]["username"].is_array(), "{}", r.text);
    // The page's code reads the refusal as the function's own error (its `kind`), and a form
    // posted without JavaScript goes back to its page with the error and what was typed (the
    // control character taken out) in the address.
    let decoded: app::error::AppError = serde_json::from_str(&r.text)
        .unwrap_or_else(|e| panic!("not a server function error ({e}): {}", r.text));
    assert!(decoded.field_errors().contains_key("username"));
    let r = send(
        &t.app,
        Method::POST,
        app::api::auth::Login::PATH,
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("accept", "text/html"),
            ("referer", "http://localhost/login?next=%2Fsites"),
        ],
        Body::from("username=adm%07in&password=x"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let back = r.header("location");
    assert!(back.starts_with("/login?next=%2Fsites&"), "{back}");
    let shown = send(
        &t.app,
        Method::GET,
        back,
        &[("accept", "text/html")],
        Body::empty(),
    )
    .await;
    assert!(shown.text.contains("control character"), "{}", shown.text);
    assert!(shown.text.contains(r#"value="admin""#), "{}", shown.text);
    // Settings: patterns are text with limits.
    for (patterns, why) in [
        (json!(["ok", "bad\u{0}"]), "control"),
        (
            json!((0..101).map(|i| format!("p{i}")).collect::<Vec<_>>()),
            "count",
        ),
        (json!(["x".repeat(101)]), "length"),
    ] {
        let r = t
            .json(
                Method::PATCH,
                "/api/v1/settings/history",
                &t.admin,
                &json!({"extra_spare_patterns": patterns}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{why}: {}", r.text);
        assert!(
            r.json()["fields"]["extra_spare_patterns"].is_array(),
            "{why}: {}",
            r.text
        );
    }
    let r = t
        .json(
            Method::PATCH,
            "/api/v1/settings/history",
            &t.admin,
            &json!({"extra_spare_patterns": (0..100).map(|i| format!("p{i}")).collect::<Vec<_>>()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Nothing half-written: no tenant, one device, one token per user.
    assert_eq!(
        t.get("/api/v1/tenants/", &t.viewer).await.json()["count"],
        0
    );
    assert_eq!(
        t.get("/api/v1/devices/", &t.viewer).await.json()["count"],
        1
    );
}

/// Unknown choices, inverted ranges and contradictory ids are 400, not ignored.
async fn contradictory_input_is_400(db: &TestDb) {
    let t = setup(db).await;
    for uri in [
        "/api/v1/changes/?action=bogus",
        "/api/v1/changes/?since=2026-02-01&until=2026-01-01",
        "/api/v1/jobs/?status=exploded",
        "/api/v1/devices/?status=bogus",
        "/api/v1/devices/?purchase_date__gte=2026-02-01&purchase_date__lte=2026-01-01",
        // A parameter that takes one value, given twice: which was meant cannot be known.
        "/api/v1/devices/?q=a&q=b",
        "/api/v1/search/?q=a&q=b",
        "/api/v1/changes/?user=a&user=b",
        "/api/v1/tenants/?offset=0&offset=5",
        "/api/v1/dashboard/devices?source=ninja&source=threatlocker",
    ] {
        let r = t.get(uri, &t.admin).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}: {}", r.text);
        r.assert_error_shape(uri);
    }
    let r = t
        .json(
            Method::POST,
            "/api/v1/jobs/",
            &t.admin,
            &json!({"kind": "rollup", "params": {"from": "2026-02-01", "to": "2026-01-01"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let id = t
        .json(
            Method::POST,
            "/api/v1/tenants/",
            &t.editor,
            &json!({"name": "Acme"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let uri = format!("/api/v1/tenants/{id}/");
    let r = t
        .json(
            Method::PATCH,
            &uri,
            &t.editor,
            &json!({"id": id + 1, "name": "Other"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.json()["fields"]["id"].is_array());
    assert_eq!(t.get(&uri, &t.viewer).await.json()["name"], "Acme");
    let r = t
        .json(
            Method::PATCH,
            &uri,
            &t.editor,
            &json!({"id": id, "name": "Acme 2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// A write authenticated by the session cookie is refused unless it comes from Census's own
/// origin, on every door; API tokens are not cookies and are not affected.
async fn cross_site_writes_are_refused(db: &TestDb) {
    let t = setup(db).await;
    // Sign-in from another site: refused, no session.
    let r = send(
        &t.app,
        Method::POST,
        app::api::auth::Login::PATH,
        &[
            ("host", "localhost"),
            ("origin", EVIL),
            ("accept", "text/html"),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Body::from("username=editor&password=password123"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(r.headers.get(header::SET_COOKIE).is_none());
    let cookie = t.sign_in("editor").await;
    let save = app::api::objects::SaveObject::PATH;
    let form = "kind=tenant&values[name]=Evil+Corp";
    for (origin_header, origin, want) in [
        ("origin", EVIL, StatusCode::FORBIDDEN),
        ("origin", "null", StatusCode::FORBIDDEN),
        (
            "referer",
            "https://evil.example/page",
            StatusCode::FORBIDDEN,
        ),
        (
            "origin",
            "http://localhost.evil.example",
            StatusCode::FORBIDDEN,
        ),
        ("x-none", "", StatusCode::FORBIDDEN),
    ] {
        let mut headers = vec![
            ("host", "localhost"),
            ("cookie", cookie.as_str()),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        if origin_header != "x-none" {
            headers.push((origin_header, origin));
        }
        let r = send(&t.app, Method::POST, save, &headers, Body::from(form)).await;
        assert_eq!(
            r.status, want,
            "server function, {origin_header}: {origin}: {}",
            r.text
        );
        r.assert_error_shape("cross-site server function");
        // The REST API with the cookie.
        let mut headers = vec![
            ("host", "localhost"),
            ("cookie", cookie.as_str()),
            ("content-type", "application/json"),
        ];
        if origin_header != "x-none" {
            headers.push((origin_header, origin));
        }
        let r = send(
            &t.app,
            Method::POST,
            "/api/v1/tenants/",
            &headers,
            Body::from(r#"{"name":"Evil Corp"}"#),
        )
        .await;
        assert_eq!(
            r.status, want,
            "REST, {origin_header}: {origin}: {}",
            r.text
        );
    }
    // A form post without JavaScript from another site: refused too.
    let r = send(
        &t.app,
        Method::POST,
        save,
        &[
            ("host", "localhost"),
            ("cookie", cookie.as_str()),
            ("origin", EVIL),
            ("accept", "text/html"),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Body::from(form),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // text/plain is what a page elsewhere can send without asking: never taken by REST.
    let r = send(
        &t.app,
        Method::POST,
        "/api/v1/tenants/",
        &[
            ("host", "localhost"),
            ("cookie", cookie.as_str()),
            ("origin", ORIGIN),
            ("content-type", "text/plain"),
        ],
        Body::from(r#"{"name":"Evil Corp"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        t.get("/api/v1/tenants/", &t.viewer).await.json()["count"],
        0
    );
    // From Census itself: accepted (Origin, or Referer alone).
    for (h, v) in [
        ("origin", ORIGIN),
        ("referer", "http://localhost/tenants/new"),
    ] {
        let r = send(
            &t.app,
            Method::POST,
            "/api/v1/tenants/",
            &[
                ("host", "localhost"),
                ("cookie", cookie.as_str()),
                (h, v),
                ("content-type", "application/json"),
            ],
            Body::from(json!({"name": format!("Own {h}")}).to_string()),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{h}: {}", r.text);
    }
    let r = send(
        &t.app,
        Method::POST,
        save,
        &[
            ("host", "localhost"),
            ("cookie", cookie.as_str()),
            ("origin", ORIGIN),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Body::from("kind=tenant&values[name]=Own+form"),
    )
    .await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.text
    );
    // A token is not sent by browsers on their own: any origin.
    let r = send(
        &t.app,
        Method::POST,
        "/api/v1/tenants/",
        &[
            ("authorization", &bearer(&t.editor)),
            ("origin", EVIL),
            ("content-type", "application/json"),
        ],
        Body::from(r#"{"name":"Script"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        t.get("/api/v1/tenants/", &t.viewer).await.json()["count"],
        4
    );
    // Behind a proxy that rewrites Host: the configured origin is trusted, others are not.
    let mut c = config();
    c.trusted_origins = vec!["https://census.example.com".into()];
    let proxied = app_with(&t.db, c, Arc::default());
    for (origin, want) in [
        ("https://census.example.com", StatusCode::CREATED),
        (
            "https://census.example.com.evil.example",
            StatusCode::FORBIDDEN,
        ),
    ] {
        let r = send(
            &proxied,
            Method::POST,
            "/api/v1/tenants/",
            &[
                ("host", "10.0.0.5:3000"),
                ("cookie", cookie.as_str()),
                ("origin", origin),
                ("content-type", "application/json"),
            ],
            Body::from(json!({"name": format!("Proxied {origin}")}).to_string()),
        )
        .await;
        assert_eq!(r.status, want, "{origin}: {}", r.text);
    }
}

/// The security headers are on every response: pages (with a nonce the hydration script
/// carries), JSON, errors, static files.
async fn security_headers_on_every_response(db: &TestDb) {
    let t = setup(db).await;
    let page = page(&t.app, "/tenants", &t.viewer).await;
    let login = send(
        &t.app,
        Method::GET,
        "/login",
        &[("accept", "text/html")],
        Body::empty(),
    )
    .await;
    let api = t.get("/api/v1/tenants/", &t.viewer).await;
    let error = send(&t.app, Method::GET, "/api/v1/tenants/", &[], Body::empty()).await;
    let missing = send(&t.app, Method::GET, "/pkg/none.js", &[], Body::empty()).await;
    let health = send(&t.app, Method::GET, "/health", &[], Body::empty()).await;
    for (what, r) in [
        ("page", &page),
        ("login", &login),
        ("api", &api),
        ("error", &error),
        ("static", &missing),
        ("health", &health),
    ] {
        assert!(!r.header("content-security-policy").is_empty(), "{what}");
        assert!(
            r.header("content-security-policy")
                .contains("frame-ancestors 'none'"),
            "{what}"
        );
        assert_eq!(r.header("x-frame-options"), "DENY", "{what}");
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(r.header("referrer-policy"), "same-origin", "{what}");
        assert_eq!(
            r.header("strict-transport-security"),
            "",
            "{what}: HTTP only"
        );
    }
    for (what, r) in [("page", &page), ("login", &login)] {
        assert_eq!(r.status, StatusCode::OK, "{what}");
        let csp = r.header("content-security-policy");
        assert!(
            csp.contains("'wasm-unsafe-eval'") && !csp.contains("'unsafe-eval'"),
            "{csp}"
        );
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|s| s.split('\'').next())
            .expect("a nonce");
        assert!(nonce.len() >= 22, "{nonce}");
        // Every inline script carries it.
        let scripts = r.text.matches("<script").count();
        assert!(scripts > 0, "{what}");
        assert_eq!(
            r.text.matches(&format!("nonce=\"{nonce}\"")).count(),
            scripts,
            "{what}: {}",
            r.text
        );
    }
    // A fresh nonce per response.
    let again = send(
        &t.app,
        Method::GET,
        "/login",
        &[("accept", "text/html")],
        Body::empty(),
    )
    .await;
    assert_ne!(
        again.header("content-security-policy"),
        login.header("content-security-policy")
    );
    // HSTS when served over HTTPS.
    let mut c = config();
    c.cookie_secure = true;
    let secure = app_with(&t.db, c, Arc::default());
    let r = send(&secure, Method::GET, "/health", &[], Body::empty()).await;
    assert!(
        r.header("strict-transport-security")
            .starts_with("max-age=")
    );
}

/// Credentials in a source's URL are never shown.
async fn credentials_in_urls_are_masked(db: &TestDb) {
    let t = setup(db).await;
    let r = t.get("/api/v1/sources/", &t.viewer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!r.text.contains("hunter2pass"), "{}", r.text);
    assert!(r.text.contains("apiuser:***@127.0.0.1:9"), "{}", r.text);
    let page = page(&t.app, "/sources", &t.viewer).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("hunter2pass"));
    let cfg = jobs_with_credentials_in_url();
    assert!(!format!("{cfg:?}").contains("hunter2pass"));
}

/// Reads never wait for a writer; a write that cannot get the database in time is a 503 with
/// Retry-After (SQLite's single writer held by a long write).
async fn a_busy_writer_stalls_nobody(db: &TestDb) {
    let t = setup(db).await;
    if t.db.backend() != sea_orm::DbBackend::Sqlite {
        return;
    }
    // A token used for the first time would record its use: not while the gate is held.
    let writer = t.db.writer().await.unwrap();
    let read = tokio::time::timeout(Duration::from_secs(5), t.get("/api/v1/tenants/", &t.viewer))
        .await
        .expect("a read with a token does not wait for the writer");
    assert_eq!(read.status, StatusCode::OK);
    // A write waits at most WRITE_WAIT, then 503 (this router's time limit is longer).
    let mut c = config();
    c.request_timeout = Duration::from_secs(60);
    let app = app_with(&t.db, c, Arc::default());
    let r = send(
        &app,
        Method::POST,
        "/api/v1/tenants/",
        &[
            ("authorization", &bearer(&t.editor)),
            ("content-type", "application/json"),
        ],
        Body::from(r#"{"name":"Waits"}"#),
    )
    .await;
    drop(writer);
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    r.assert_error_shape("busy");
    assert!(!r.header("retry-after").is_empty());
    assert_eq!(
        t.get("/api/v1/tenants/", &t.viewer).await.json()["count"],
        0
    );
}

app::db_tests!(
    numbers_out_of_range_are_400_naming_the_parameter,
    panics_and_time_limits,
    malformed_server_function_calls_are_400,
    oversized_bodies_are_413,
    every_error_status_has_the_json_shape,
    text_with_control_characters_is_refused,
    contradictory_input_is_400,
    cross_site_writes_are_refused,
    security_headers_on_every_response,
    credentials_in_urls_are_masked,
    a_busy_writer_stalls_nobody,
);

/// Through a real `census serve`: what the HTTP library refuses before Census sees the request
/// (an address over its 64 KiB limit) is JSON too, and the connection's client address reaches
/// the application.
async fn refusals_before_the_application_are_json(db: &TestDb) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_census"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("CENSUS_DATABASE_URL", &db.url)
        .env("CENSUS_LOG", "info")
        .env("CENSUS_LOG_FORMAT", "json")
        .env("CENSUS_SCHEDULE_NINJA", "off")
        .env("CENSUS_SCHEDULE_THREATLOCKER", "off")
        .env("CENSUS_SCHEDULE_RETENTION", "off")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("census serve starts")
            .unwrap()
            .expect("census serve keeps running");
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split('"').next().unwrap().to_string();
        }
    };
    let raw = |target: String| {
        let addr = addr.clone();
        async move {
            let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
            let req = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            let _ = s.write_all(req.as_bytes()).await;
            let mut out = Vec::new();
            let _ = s.read_to_end(&mut out).await;
            String::from_utf8_lossy(&out).into_owned()
        }
    };
    for (len, limit) in [(20_000, "Census"), (70_000, "library")] {
        let answer = raw(format!("/api/v1/tenants/?q={}", "a".repeat(len))).await;
        assert!(answer.starts_with("HTTP/1.1 414"), "{limit}: {answer}");
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
        let j: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("{limit}: {answer}"));
        assert!(
            j["error"].as_str().is_some_and(|e| e.contains("16 KiB")),
            "{answer}"
        );
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("content-type: application/json")
        );
    }
    let health = raw("/health".into()).await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains("\"status\":\"ok\""));
    // The access log names the client (the connection's address reached the application).
    let logged = loop {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("a log line")
            .unwrap()
            .unwrap();
        if line.contains("\"/health\"") {
            break line;
        }
    };
    assert!(logged.contains("\"client\":\"127.0.0.1\""), "{logged}");
    let _ = child.start_kill();
}

app::db_tests!(refusals_before_the_application_are_json);

/// Building a router while pages render on other threads stalls none of them. Listing the
/// router's pages renders the app with Leptos's resource loading switched off for the whole
/// process; a page rendering meanwhile waited for its data until its time limit (503). Census
/// lists its pages once per process.
#[test]
fn building_a_router_stalls_no_page() {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let done = Arc::new(AtomicBool::new(false));
    let builders: Vec<_> = (0..2)
        .map(|_| {
            let done = done.clone();
            std::thread::spawn(move || {
                runtime().block_on(async {
                    let t = app::ssr::testing::open("sqlite").await.unwrap();
                    while !done.load(Ordering::Relaxed) {
                        let _ = server::router(server::AppState::new(t.db.clone(), config()));
                        tokio::task::yield_now().await;
                    }
                })
            })
        })
        .collect();
    let renderers: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(move || {
                runtime().block_on(async {
                    let t = app::ssr::testing::open("sqlite").await.unwrap();
                    let tokens = app::ssr::testing::users_with_tokens(&t.db).await;
                    let app = server::router(server::AppState::new(t.db.clone(), config()));
                    for _ in 0..40 {
                        let p = page(&app, "/devices", &tokens[2]).await;
                        assert_eq!(p.status, StatusCode::OK, "{}", p.text);
                    }
                })
            })
        })
        .collect();
    let results: Vec<_> = renderers.into_iter().map(|h| h.join()).collect();
    done.store(true, Ordering::Relaxed);
    for b in builders {
        b.join().unwrap();
    }
    for r in results {
        r.unwrap();
    }
}
