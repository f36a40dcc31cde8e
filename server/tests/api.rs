//! The REST API, pages and server functions through the real router, on SQLite and (with
//! `CENSUS_TEST_POSTGRES_URL`) PostgreSQL: authentication per role, filters, pagination, bulk
//! create rollback, error shapes, the change log's request ids, and the OpenAPI document.

use app::schema::RESOURCES;
use app::ssr::db::Db;
use app::ssr::testing::{self, TestDb};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::config::Config;
use tower::ServiceExt;

struct T {
    db: Db,
    backend: &'static str,
    app: Router,
    admin: String,
    editor: String,
    viewer: String,
}

fn config() -> Config {
    Config::defaults("", Default::default())
}

async fn setup(db: &TestDb) -> T {
    let secrets = testing::users_with_tokens(&db.db).await;
    let app = server::router(server::AppState::new(db.db.clone(), config()));
    T {
        db: db.db.clone(),
        backend: db.backend,
        app,
        admin: secrets[0].clone(),
        editor: secrets[1].clone(),
        viewer: secrets[2].clone(),
    }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

async fn call(
    app: &Router,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string())),
        None => b.body(Body::empty()),
    }
    .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

impl T {
    async fn get(&self, uri: &str, token: &str) -> Reply {
        call(&self.app, Method::GET, uri, Some(token), None).await
    }
    async fn post(&self, uri: &str, token: &str, body: Value) -> Reply {
        call(&self.app, Method::POST, uri, Some(token), Some(body)).await
    }
    async fn create(&self, plural: &str, body: Value) -> i64 {
        let r = self
            .post(&format!("/api/v1/{plural}/"), &self.editor, body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()["id"].as_i64().unwrap()
    }
}

async fn authentication_and_roles(db: &TestDb) {
    let t = setup(db).await;
    let be = t.backend;
    let r = call(&t.app, Method::GET, "/api/v1/sites/", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{be}");
    assert!(r.json()["error"].is_string());
    assert!(r.headers.contains_key(header::WWW_AUTHENTICATE));
    let r = call(
        &t.app,
        Method::GET,
        "/api/v1/sites/",
        Some("census_not-a-token"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.json()["error"].as_str().unwrap().contains("not valid"));
    assert_eq!(
        t.get("/api/v1/sites/", &t.viewer).await.status,
        StatusCode::OK
    );
    let r = t
        .post("/api/v1/sites/", &t.viewer, json!({"name": "HQ"}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "{be}: viewers cannot write"
    );
    assert!(r.json()["error"].as_str().unwrap().contains("permission"));
    let id = t.create("sites", json!({"name": "HQ"})).await;
    let r = call(
        &t.app,
        Method::PATCH,
        &format!("/api/v1/sites/{id}"),
        Some(&t.viewer),
        Some(json!({"name": "X"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &t.app,
        Method::DELETE,
        &format!("/api/v1/sites/{id}"),
        Some(&t.viewer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for path in ["/api/v1/users/", "/api/v1/users/1"] {
        assert_eq!(
            t.get(path, &t.editor).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert_eq!(t.get(path, &t.admin).await.status, StatusCode::OK, "{path}");
    }
    // Anyone lists their own tokens (as on the tokens page); admins everyone's.
    let own = t.get("/api/v1/tokens/", &t.editor).await.json();
    assert_eq!(own["count"], 1);
    assert_eq!(t.get("/api/v1/tokens/", &t.admin).await.json()["count"], 3);
    // Admins manage users and tokens over the API; the secret is shown once.
    let r = t
        .post(
            "/api/v1/users/",
            &t.admin,
            json!({"username": "dana", "password": "password123", "role": "editor"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let dana = r.json()["id"].as_i64().unwrap();
    assert!(!r.text.contains("password"));
    let r = t
        .post(
            "/api/v1/tokens/",
            &t.admin,
            json!({"user_id": dana, "description": "ci"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let secret = r.json()["token"].as_str().unwrap().to_string();
    let tid = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        t.post("/api/v1/regions/", &secret, json!({"name": "EU"}))
            .await
            .status,
        StatusCode::CREATED
    );
    let listed = t.get("/api/v1/tokens/", &t.admin).await;
    assert!(!listed.text.contains(&secret), "secrets are never listed");
    let r = call(
        &t.app,
        Method::DELETE,
        &format!("/api/v1/tokens/{tid}"),
        Some(&t.admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        t.get("/api/v1/regions/", &secret).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = t
        .post(
            "/api/v1/users/",
            &t.admin,
            json!({"username": "x", "password": "short", "role": "boss"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Health is public; metrics need a user.
    let r = call(&t.app, Method::GET, "/health", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["database"], true);
    assert_eq!(
        call(&t.app, Method::GET, "/metrics", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let m = t.get("/metrics", &t.viewer).await;
    assert!(
        m.text.contains("census_objects{type=\"site\"} 1"),
        "{}",
        m.text
    );
    assert!(m.text.contains(
        "census_http_requests_total{method=\"GET\",route=\"/api/v1/sites/\",status=\"200\"}"
    ));
}

async fn crud_filters_pagination_and_errors(db: &TestDb) {
    let t = setup(db).await;
    let be = t.backend;
    let eu = t.create("regions", json!({"name": "Europe"})).await;
    let cz = t
        .create("regions", json!({"name": "Czechia", "parent_id": eu}))
        .await;
    let prg = t
        .create("sites", json!({"name": "Prague", "region_id": cz}))
        .await;
    let nyc = t
        .create("sites", json!({"name": "New York", "status": "planned"}))
        .await;
    let r = t.post("/api/v1/devices/", &t.editor, json!([
        {"name": "sw1", "site_id": prg, "serial": "A1", "mac_address": "AA-BB-CC-00-11-22", "status": "active"},
        {"name": "sw2", "site_id": prg, "serial": "A2", "status": "offline"},
        {"name": "sw3", "site_id": nyc, "serial": "B1", "primary_ipv4": "10.1.1.1"}
    ])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{be}: {}", r.text);
    let created = r.json();
    assert_eq!(created[0]["mac_address"], "aa:bb:cc:00:11:22");
    assert_eq!(
        created[0]["site"]["display"], "Prague",
        "brief nested object beside site_id"
    );
    assert_eq!(created[0]["site_id"], prg);
    // All three changes share the request id of the response.
    let req_id = r.headers["x-request-id"].to_str().unwrap().to_string();
    let log = t
        .get(&format!("/api/v1/changes/?request_id={req_id}"), &t.viewer)
        .await
        .json();
    assert_eq!(log["count"], 3, "{be}");
    assert_eq!(log["results"][0]["username"], "editor");

    // `Prefer: return=minimal` answers with ids and URLs only.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/tenants/")
        .header(header::AUTHORIZATION, format!("Bearer {}", t.editor))
        .header(header::CONTENT_TYPE, "application/json")
        .header("prefer", "return=minimal")
        .body(Body::from(r#"[{"name": "T1"}, {"name": "T2"}]"#))
        .unwrap();
    let res = t.app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value =
        serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body.as_array().unwrap().len(), 2);
    assert_eq!(
        body[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        vec!["id", "url"]
    );

    // Filters named like the fields; a region includes its sub-regions.
    let names = |v: Value| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(
            t.get(&format!("/api/v1/devices/?region_id={eu}"), &t.viewer)
                .await
                .json()
        ),
        vec!["sw1", "sw2"]
    );
    assert_eq!(
        names(
            t.get(&format!("/api/v1/devices/?site_id={nyc}"), &t.viewer)
                .await
                .json()
        ),
        vec!["sw3"]
    );
    assert_eq!(
        names(
            t.get(
                "/api/v1/devices/?status=offline&status=active&ordering=-name",
                &t.viewer
            )
            .await
            .json()
        ),
        vec!["sw3", "sw2", "sw1"]
    );
    assert_eq!(
        names(
            t.get("/api/v1/devices/?q=aabb.cc00.1122", &t.viewer)
                .await
                .json()
        ),
        vec!["sw1"]
    );
    assert_eq!(
        names(t.get("/api/v1/devices/?serial=b1", &t.viewer).await.json()),
        vec!["sw3"]
    );
    let p = t.get("/api/v1/devices/?limit=2", &t.viewer).await.json();
    assert_eq!(p["count"], 3);
    assert_eq!(p["results"].as_array().unwrap().len(), 2);
    assert_eq!(p["previous"], Value::Null);
    let next = p["next"].as_str().unwrap().to_string();
    assert!(
        next.contains("offset=2") && next.contains("limit=2"),
        "{next}"
    );
    let p2 = t.get(&next, &t.viewer).await.json();
    assert_eq!(names(p2.clone()), vec!["sw3"]);
    assert_eq!(p2["next"], Value::Null);
    assert!(p2["previous"].is_string());
    // Bad filters are errors, not ignored.
    let r = t
        .get("/api/v1/devices/?colour=red&limit=5000", &t.viewer)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let e = r.json();
    assert!(
        e["fields"]["colour"].is_array() && e["fields"]["limit"].is_array(),
        "{e}"
    );

    // Get, PATCH, errors.
    let sw1 = created[0]["id"].as_i64().unwrap();
    let r = call(
        &t.app,
        Method::PATCH,
        &format!("/api/v1/devices/{sw1}"),
        Some(&t.editor),
        Some(json!({"status": "failed", "site": {"id": 1}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "failed");
    let r = call(
        &t.app,
        Method::PATCH,
        &format!("/api/v1/devices/{sw1}"),
        Some(&t.editor),
        Some(json!({"mac_address": "nope", "primary_ipv4": "1.2.3"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let e = r.json();
    assert!(e["error"].is_string());
    assert!(
        e["fields"]["mac_address"][0]
            .as_str()
            .unwrap()
            .contains("MAC")
    );
    assert!(e["fields"]["primary_ipv4"].is_array());
    assert_eq!(
        t.get(&format!("/api/v1/devices/{sw1}"), &t.viewer)
            .await
            .json()["mac_address"],
        "aa:bb:cc:00:11:22",
        "nothing changed"
    );
    assert_eq!(
        t.get("/api/v1/devices/99999", &t.viewer).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get("/api/v1/devices/abc", &t.viewer).await.status,
        StatusCode::NOT_FOUND
    );
    let r = call(
        &t.app,
        Method::POST,
        "/api/v1/devices/",
        Some(&t.editor),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = t
        .post("/api/v1/devices/", &t.editor, json!("just a string"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = call(
        &t.app,
        Method::GET,
        "/api/v1/nothing-here/",
        Some(&t.viewer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].is_string());

    // Delete protection is a 409 naming what points at the object.
    let r = call(
        &t.app,
        Method::DELETE,
        &format!("/api/v1/sites/{prg}"),
        Some(&t.editor),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{be}");
    assert_eq!(
        r.json()["error"],
        "Cannot delete: site Prague has 2 devices."
    );

    // Bulk create is all or nothing, with the index of each failing element.
    let r = t
        .post(
            "/api/v1/devices/",
            &t.editor,
            json!([
                {"name": "ok1", "site_id": nyc},
                {"name": "sw3", "site_id": nyc},
                {"name": "ok2", "site_id": 424242},
                {"name": "ok3", "site_id": nyc}
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let e = r.json();
    let idx: Vec<i64> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["index"].as_i64().unwrap())
        .collect();
    assert_eq!(idx, vec![1, 2], "{e}");
    assert!(e["errors"][0]["fields"]["name"].is_array());
    assert!(e["errors"][1]["fields"]["site_id"].is_array());
    assert_eq!(
        t.get("/api/v1/devices/", &t.viewer).await.json()["count"],
        3,
        "{be}: nothing was created"
    );

    // CSV export of the filtered list, every row.
    let r = t
        .get(
            &format!("/api/v1/devices/?site_id={prg}&format=csv&limit=1"),
            &t.viewer,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = r.text.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.text);
    assert!(lines[0].starts_with("id,name,status,role,manufacturer_id,manufacturer,"));
    assert!(lines[1].contains(",sw1,") && lines[1].contains(",Prague,"));
}

#[tokio::test]
async fn openapi_describes_every_route_served() {
    let db = testing::sqlite().await;
    let t = setup(&db).await;
    let doc = t.get("/api/v1/openapi.json", &t.viewer).await.json();
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    // Every inventory type has its collection and member paths with all of the filters.
    for res in RESOURCES {
        let coll = &paths[&format!("/api/v1/{}/", res.slug)];
        let params: Vec<&str> = coll["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for key in res
            .filter_keys()
            .into_iter()
            .chain(["q", "ordering", "limit", "offset", "format"])
        {
            assert!(
                params.contains(&key),
                "{}: filter {key} not documented",
                res.slug
            );
        }
        for m in ["get", "patch", "delete"] {
            assert!(
                paths[&format!("/api/v1/{}/{{id}}/", res.slug)][m].is_object(),
                "{} {m}",
                res.slug
            );
        }
        let name: String = res
            .singular
            .split(' ')
            .map(app::schema::capitalize)
            .collect();
        let schema = &doc["components"]["schemas"][&name]["properties"];
        for f in res.fields {
            assert!(schema[f.name].is_object(), "{name}.{} missing", f.name);
        }
    }
    // Every documented operation is served (not 404 "no endpoint", not 405).
    let site = t.create("sites", json!({"name": "S"})).await;
    let mut checked = 0;
    for (path, item) in paths {
        for (method, _) in item.as_object().unwrap() {
            // Users and tokens by an id that does not exist: revoking our own token would end the test.
            let id = if path.contains("/tokens/") || path.contains("/users/") {
                999_999
            } else {
                site
            };
            let uri = path.replace("{id}", &id.to_string());
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = matches!(method.as_str(), "post" | "patch").then(|| json!({}));
            let r = call(&t.app, m.clone(), &uri, Some(&t.admin), body.clone()).await;
            assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            // The same route without its trailing slash answers the same way.
            if let Some(bare) = uri.strip_suffix('/') {
                let again = call(&t.app, m, bare, Some(&t.admin), body).await;
                assert!(
                    again.status == r.status
                        || (method == "post" && again.status == StatusCode::BAD_REQUEST)
                        || (method == "delete" && again.status == StatusCode::NOT_FOUND),
                    "{method} {bare}: {} (with the slash: {})",
                    again.status,
                    r.status
                );
            }
            assert!(
                !r.text.contains("There is no API endpoint"),
                "{method} {path} is documented but not served"
            );
            assert_ne!(
                r.status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{method} {path}: {}",
                r.text
            );
            checked += 1;
        }
    }
    assert!(checked >= RESOURCES.len() * 5 + 10, "{checked}");
    // And what is not documented is not served.
    for (m, p) in [
        (Method::PUT, "/api/v1/sites/1"),
        (Method::GET, "/api/v1/widgets/"),
    ] {
        let r = call(&t.app, m.clone(), p, Some(&t.admin), None).await;
        assert!(
            r.status == StatusCode::NOT_FOUND || r.status == StatusCode::METHOD_NOT_ALLOWED,
            "{m} {p}: {} {}",
            r.status,
            r.text
        );
    }
}

fn cookie_of(r: &Reply) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("census_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
}

async fn page(app: &Router, uri: &str, cookie: Option<&str>) -> Reply {
    let mut b = Request::builder()
        .uri(uri)
        .header(header::ACCEPT, "text/html");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    let res = app
        .clone()
        .oneshot(b.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Sign in through the login server function as a plain HTML form (no JavaScript).
async fn sign_in(app: &Router, username: &str, password: &str) -> Reply {
    use server_fn::ServerFn;
    let req = Request::builder()
        .method(Method::POST)
        .uri(app::api::auth::Login::PATH)
        .header(header::ACCEPT, "text/html")
        .header(header::HOST, "localhost")
        .header(header::REFERER, "http://localhost/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "username={username}&password={password}&next=%2Fdevices"
        )))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    Reply {
        status,
        headers,
        text: String::new(),
    }
}

async fn pages_and_server_functions_require_sign_in(db: &TestDb) {
    // Before any user exists, every page leads to the one-time setup.
    let empty = server::router(server::AppState::new(db.db.clone(), config()));
    let r = page(&empty, "/devices", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/setup");
    assert_eq!(page(&empty, "/setup", None).await.status, StatusCode::OK);
    let t = setup(db).await;
    assert_eq!(
        page(&t.app, "/setup", None).await.headers[header::LOCATION],
        "/login"
    );
    let r = page(&t.app, "/devices?status=active", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers[header::LOCATION],
        "/login?next=%2Fdevices%3Fstatus%3Dactive"
    );
    assert_eq!(page(&t.app, "/login", None).await.status, StatusCode::OK);
    // A server function called without a session is refused.
    use server_fn::ServerFn;
    let req = Request::builder()
        .method(Method::POST)
        .uri(app::api::objects::FetchList::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("kind=device&query="))
        .unwrap();
    assert_eq!(
        t.app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // A wrong password: back to the login page with the error, no session.
    let r = sign_in(&t.app, "viewer", "wrong-password").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert!(
        r.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("__err=")
    );
    assert!(
        cookie_of(&r).is_none()
            || page(&t.app, "/devices", cookie_of(&r).as_deref())
                .await
                .status
                == StatusCode::SEE_OTHER
    );
    // The right one: a session cookie (HttpOnly, SameSite=Lax) and the page asked for.
    let r = sign_in(&t.app, "viewer", "password123").await;
    assert_eq!(r.status, StatusCode::FOUND, "{:?}", r.headers);
    assert_eq!(r.headers[header::LOCATION], "/devices");
    let set = r.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"),
        "{set}"
    );
    let cookie = cookie_of(&r).unwrap();
    let p = page(&t.app, "/devices", Some(&cookie)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.text.contains("<h1>Devices"),
        "{}",
        &p.text[..p.text.len().min(500)]
    );
    // Sessions live in the database: a second router (another instance) knows them.
    let other = server::router(server::AppState::new(t.db.clone(), config()));
    assert_eq!(
        page(&other, "/devices", Some(&cookie)).await.status,
        StatusCode::OK
    );
    // A viewer asking for an edit form gets 403, not just a hidden button.
    let p = page(&t.app, "/devices/new", Some(&cookie)).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.text.contains("You do not have permission"));
    assert_eq!(
        page(&t.app, "/users", Some(&cookie)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        page(&t.app, "/devices/12345", Some(&cookie)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        page(&t.app, "/no-such-kind", Some(&cookie)).await.status,
        StatusCode::NOT_FOUND
    );
    // The session reaches the REST API too (CSV export links).
    let r = call(
        &t.app,
        Method::GET,
        "/api/v1/devices/?format=csv",
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let req = Request::builder()
        .uri("/api/v1/devices/?format=csv")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        t.app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::OK
    );
}

/// The public contracts, identical on both databases: one list answer, one validation error,
/// one bulk-create error, and the OpenAPI document (reviewed in the diff when they change).
async fn public_contracts(db: &TestDb) {
    let t = setup(db).await;
    let hq = t
        .create(
            "sites",
            json!({"name": "HQ", "latitude": "50.087451", "longitude": "14.420671"}),
        )
        .await;
    let core = t
        .create("tags", json!({"name": "Core", "colour": "2f6fed"}))
        .await;
    t.create(
        "devices",
        json!({"name": "sw-core-01", "site_id": hq, "serial": "FOC2231X0AB", "mac_address": "0011.2233.4455",
               "purchase_date": "2024-03-01", "purchase_price": "1234.5", "currency": "EUR",
               "custom_fields": {"cost_centre": "IT-42"}, "tag_ids": [core]}),
    )
    .await;
    let r = t.get("/api/v1/devices/?ordering=name", &t.viewer).await;
    assert_eq!(r.status, StatusCode::OK);
    insta::assert_json_snapshot!("device_list", r.json(), {
        ".results[].created_at" => "[time]",
        ".results[].updated_at" => "[time]",
    });
    let r = t
        .post(
            "/api/v1/devices/",
            &t.editor,
            json!({"name": "", "site_id": 999, "purchase_price": "1.005", "currency": "EUR", "tag_ids": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    insta::assert_json_snapshot!("validation_error", r.json());
    let r = t
        .post(
            "/api/v1/sites/",
            &t.editor,
            json!([{"name": "A"}, {"name": "hq"}, {"name": "A"}, {"status": "gone"}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    insta::assert_json_snapshot!("bulk_create_error", r.json());
    let r = t.get("/api/v1/openapi.json", &t.viewer).await;
    insta::assert_json_snapshot!("openapi", r.json(), {
        ".info.version" => "[version]",
    });
}

/// The faults this API had, each answered right now.
async fn faults_of_the_typed_core(db: &TestDb) {
    let t = setup(db).await;
    let be = t.backend;
    // Trailing slashes: every verb answers with and without one.
    let a = t.create("sites", json!({"name": "A"})).await;
    let b = t.create("sites", json!({"name": "B"})).await;
    let d = t
        .create("devices", json!({"name": "sw1", "site_id": a}))
        .await;
    for uri in [
        format!("/api/v1/devices/{d}/"),
        format!("/api/v1/devices/{d}"),
    ] {
        assert_eq!(t.get(&uri, &t.viewer).await.status, StatusCode::OK, "{uri}");
        let r = call(
            &t.app,
            Method::PATCH,
            &uri,
            Some(&t.editor),
            Some(json!({"status": "offline"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text);
    }
    assert_eq!(
        t.get("/api/v1/devices", &t.viewer).await.status,
        StatusCode::OK
    );
    assert_eq!(
        t.get(&format!("/api/v1/devices/{d}/"), &t.viewer)
            .await
            .json()["url"],
        format!("/api/v1/devices/{d}/")
    );

    // Spreadsheet formulas in exports are neutralised.
    t.create(
        "devices",
        json!({"name": "evil", "site_id": a, "description": "=HYPERLINK(\"http://evil.invalid/\",\"x\")",
               "serial": "+1-555", "asset_tag": "@SUM(1+1)"}),
    )
    .await;
    let csv = t.get("/api/v1/devices/?format=csv&q=evil", &t.viewer).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.text.contains(",'+1-555,") && csv.text.contains(",'@SUM(1+1),"),
        "{}",
        csv.text
    );
    assert!(csv.text.contains("\"'=HYPERLINK("), "{}", csv.text);
    let jsonl = t
        .get("/api/v1/devices/?format=jsonl&q=evil", &t.viewer)
        .await;
    let line: Value = serde_json::from_str(jsonl.text.lines().next().unwrap()).unwrap();
    assert_eq!(line["serial"], "+1-555");
    let changes = t.get("/api/v1/changes/?format=csv", &t.viewer).await;
    assert!(
        changes.text.starts_with("id,time,request_id"),
        "{}",
        changes.text
    );

    // Case folds the same for any script: a 400 on the field, never a bare 409.
    t.create("sites", json!({"name": "ÚSTÍ", "slug": "usti"}))
        .await;
    let r = t
        .post(
            "/api/v1/sites/",
            &t.editor,
            json!({"name": "ústí", "slug": "usti-2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{be}: {}", r.text);
    assert!(r.json()["fields"]["name"].is_array());
    t.create("sites", json!({"name": "Ústí-2"})).await;
    let r = t
        .post("/api/v1/sites/", &t.editor, json!({"name": "Ústí-2"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{be}: {}", r.text);
    assert!(r.json()["fields"]["name"].is_array());
    let found = t
        .get("/api/v1/sites/?name=%C3%BAst%C3%AD", &t.viewer)
        .await
        .json();
    assert_eq!(found["count"], 1);

    // Moving a container moves what is inside it.
    let l = t
        .create("locations", json!({"name": "L", "site_id": a}))
        .await;
    let l2 = t
        .create(
            "locations",
            json!({"name": "L2", "site_id": a, "parent_id": l}),
        )
        .await;
    let r1 = t
        .create(
            "racks",
            json!({"name": "R", "site_id": a, "location_id": l2}),
        )
        .await;
    let inside = t
        .create(
            "devices",
            json!({"name": "in-rack", "site_id": a, "rack_id": r1}),
        )
        .await;
    let r = call(
        &t.app,
        Method::PATCH,
        &format!("/api/v1/locations/{l}/"),
        Some(&t.editor),
        Some(json!({"site_id": b})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for uri in [
        format!("/api/v1/locations/{l2}/"),
        format!("/api/v1/racks/{r1}/"),
        format!("/api/v1/devices/{inside}/"),
    ] {
        assert_eq!(
            t.get(&uri, &t.viewer).await.json()["site_id"],
            b,
            "{be}: {uri}"
        );
    }
    let r = call(
        &t.app,
        Method::PATCH,
        &format!("/api/v1/locations/{l2}/"),
        Some(&t.editor),
        Some(json!({"description": "fine"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Ranges and sets through the API; one paging parser refusing out-of-range numbers.
    let warranty = t
        .get("/api/v1/devices/?warranty_end__lt=2030-01-01", &t.viewer)
        .await;
    assert_eq!(warranty.json()["count"], 0);
    for uri in [
        "/api/v1/changes/?offset=9223372036854775808",
        "/api/v1/devices/?offset=9223372036854775808",
        "/api/v1/devices/?limit=0",
        "/api/v1/jobs/?limit=5000",
        "/api/v1/users/?offset=-1",
        "/api/v1/tokens/?limit=abc",
        "/api/v1/dashboard/devices?offset=9223372036854775808",
    ] {
        let r = t.get(uri, &t.admin).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}: {}", r.text);
        assert!(
            r.json()["fields"].as_object().unwrap().len() == 1,
            "{uri}: {}",
            r.text
        );
    }

    // Tokens: one policy for every door — anyone manages their own, admins everyone's.
    let mine = t
        .post(
            "/api/v1/tokens/",
            &t.viewer,
            json!({"description": "script"}),
        )
        .await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.text);
    let id = mine.json()["id"].as_i64().unwrap();
    let listed = t.get("/api/v1/tokens/", &t.viewer).await.json();
    assert!(
        listed["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["user"]["display"] == "viewer")
    );
    let all = t.get("/api/v1/tokens/", &t.admin).await.json();
    assert!(all["count"].as_i64().unwrap() > listed["count"].as_i64().unwrap());
    let admin_token = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["user"]["display"] == "admin")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        t.get(&format!("/api/v1/tokens/{admin_token}/"), &t.viewer)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = call(
        &t.app,
        Method::DELETE,
        &format!("/api/v1/tokens/{id}/"),
        Some(&t.viewer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(
        t.get("/api/v1/users/", &t.viewer).await.status,
        StatusCode::FORBIDDEN
    );
}

/// The history hub's pages are the router's components, rendered on the server: figures,
/// drill-down links and charts on the dashboard, what a source sent escaped (never markup),
/// write controls only for editors, and a form's refusal shown in place with what was sent.
async fn hub_pages_render_on_the_server(db: &TestDb) {
    use app::model::history::{Classification, Source};
    use app::ssr::services::history::snapshots::{SnapshotIn, write_day};
    use app::ssr::services::{Actor, Ctx};
    let t = setup(db).await;
    let ctx = Ctx::new(
        t.db.clone(),
        Actor {
            user_id: None,
            username: "collector".into(),
            role: app::model::Role::Admin,
        },
        "req-hub",
    );
    let fab = t.create("sites", json!({"name": "Fabrikam"})).await;
    let device = |id: &str, name: &str, org: &str| SnapshotIn {
        external_id: id.into(),
        hostname: Some(format!("host-{id}")),
        display_name: Some(name.into()),
        org_name: org.into(),
        location_name: String::new(),
        node_class: None,
        classification: Classification::Workstation,
        os_name: None,
        serial: Some(format!("SN-{id}")),
        mac_addresses: vec![],
        ip_addresses: vec![],
        last_contact: None,
        raw: json!({"id": id}),
    };
    // A Census device the collection will match by serial.
    let pc = t
        .create(
            "devices",
            json!({"name": "PC-01", "serial": "SN-1", "site_id": fab}),
        )
        .await;
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
    write_day(
        &ctx,
        Source::Ninja,
        day,
        vec![
            device("1", "PC-01", "Fabrikam"),
            device("2", "<script>alert(1)</script>", "Fabrikam"),
            device("3", "C-PC-1", "Contoso Dental"),
        ],
    )
    .await
    .unwrap();
    let editor = cookie_of(&sign_in(&t.app, "editor", "password123").await).unwrap();
    let viewer = cookie_of(&sign_in(&t.app, "viewer", "password123").await).unwrap();

    let p = page(&t.app, "/dashboard", Some(&editor)).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert!(p.text.contains("<h1>Dashboard</h1>"), "{}", p.text);
    assert!(p.text.contains(r#"data-figure="total_devices""#));
    assert!(p.text.contains(r#"data-value="3""#), "{}", t.backend);
    assert!(
        p.text.contains(&format!(
            "/dashboard/devices?date=2026-03-15&amp;site_id={fab}"
        )),
        "{}",
        p.text
    );
    assert!(p.text.contains("<svg"));
    let bars = page(&t.app, "/dashboard?dim=classification", Some(&editor)).await;
    assert!(
        bars.text.contains("classification=workstation"),
        "{}",
        bars.text
    );
    let bad = page(&t.app, "/dashboard?dim=colour", Some(&editor)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // What a source sent is text, never markup.
    let p = page(
        &t.app,
        "/dashboard/devices?date=2026-03-15&source=ninja",
        Some(&viewer),
    )
    .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!p.text.contains("<script>alert(1)"));
    assert!(p.text.contains("1–3 of 3"), "{}", p.text);

    // Jobs: an editor gets the start buttons, a viewer does not; a missing run is 404.
    let p = page(&t.app, "/jobs", Some(&editor)).await;
    assert!(
        p.text.contains(r#"data-kind="collect_ninja""#),
        "{}",
        p.text
    );
    let p = page(&t.app, "/jobs", Some(&viewer)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(!p.text.contains(r#"data-kind="collect_ninja""#));
    let p = page(&t.app, "/jobs/999999", Some(&viewer)).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);

    // Sources list their settings; site mapping lists the unmapped name only when asked.
    let p = page(&t.app, "/sources", Some(&viewer)).await;
    assert!(p.text.contains(r#"data-source="ninja""#), "{}", p.text);
    let p = page(&t.app, "/site-mapping?unmapped=1", Some(&editor)).await;
    assert!(
        p.text.contains(r#"data-mapping="Contoso Dental""#),
        "{}",
        p.text
    );
    assert!(!p.text.contains(r#"data-mapping="Fabrikam""#));

    // A refused form comes back in the address and shows in place with what was sent.
    let err = app::error::AppError::field("daily_retention_days", "Enter a whole number.")
        .with_values([("daily_retention_days".to_string(), "soon".to_string())].into());
    let url = server_fn::error::ServerFnUrlError::new(
        <app::api::history::SaveSettings as server_fn::ServerFn>::PATH,
        err,
    )
    .to_url("http://census.test/settings")
    .unwrap();
    let p = page(
        &t.app,
        &format!("/settings?{}", url.query().unwrap()),
        Some(&editor),
    )
    .await;
    assert!(p.text.contains("Enter a whole number."), "{}", p.text);
    assert!(p.text.contains(r#"value="soon""#), "{}", p.text);

    // A device's page carries what the sources saw of it.
    let p = page(&t.app, &format!("/devices/{pc}"), Some(&viewer)).await;
    assert!(p.text.contains("Seen by the sources"), "{}", p.text);
    assert!(
        p.text.contains("Last seen by NinjaOne on 2026-03-15"),
        "{}",
        p.text
    );
}

/// A bundle built with hashed file names (cargo-leptos `hash-files`, the hash file in the site
/// root): pages link the hashed script, module and stylesheet; those files are sent
/// precompressed and kept for a year; other bundle files and pages are revalidated; the hash
/// file itself is not served.
async fn bundle_files_are_cached_by_their_hashed_names(db: &TestDb) {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    let h = "AbCdEfGhIjKlMnOpQrStUv";
    std::fs::write(
        site.path().join("hash.txt"),
        format!("js: {h}\nwasm: {h}\ncss: {h}\n"),
    )
    .unwrap();
    for f in [
        "census.{h}.js",
        "census.{h}.wasm",
        "census.{h}.css",
        "plain.js",
    ] {
        std::fs::write(pkg.join(f.replace("{h}", h)), "x".repeat(4000)).unwrap();
    }
    server::assets::precompress(&pkg).unwrap();
    let mut c = config();
    c.site_root = site.path().to_path_buf();
    testing::users_with_tokens(&db.db).await;
    let app = server::router(server::AppState::new(db.db.clone(), c));

    let login = page(&app, "/login", None).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    for href in [
        format!("/pkg/census.{h}.js"),
        format!("/pkg/census.{h}.wasm"),
        format!("/pkg/census.{h}.css"),
    ] {
        assert!(login.text.contains(&href), "{href}: {}", login.text);
    }
    assert_eq!(login.headers[header::CACHE_CONTROL], "no-cache");

    let get = |uri: String| {
        let app = app.clone();
        async move {
            let req = Request::builder()
                .uri(uri)
                .header(header::ACCEPT_ENCODING, "gzip, br")
                .body(Body::empty())
                .unwrap();
            app.oneshot(req).await.unwrap()
        }
    };
    let wasm = get(format!("/pkg/census.{h}.wasm")).await;
    assert_eq!(wasm.status(), StatusCode::OK);
    assert_eq!(wasm.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(
        wasm.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let plain = get("/pkg/plain.js".into()).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(plain.headers()[header::CACHE_CONTROL], "no-cache");
    let hashes = get("/hash.txt".into()).await;
    assert_ne!(hashes.status(), StatusCode::OK);
    let body = hashes.into_body().collect().await.unwrap().to_bytes();
    assert!(!String::from_utf8_lossy(&body).contains(h));
}

app::db_tests!(
    bundle_files_are_cached_by_their_hashed_names,
    authentication_and_roles,
    crud_filters_pagination_and_errors,
    pages_and_server_functions_require_sign_in,
    public_contracts,
    faults_of_the_typed_core,
    hub_pages_render_on_the_server,
);
