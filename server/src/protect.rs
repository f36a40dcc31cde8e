//! What every request passes before any handler, and every response after: limits on the
//! address and the body, refusal of cross-site writes, the security headers, and one shape for
//! every error on `/api/` (Census's own errors and those of the HTTP layer: 405, 413, 414, 415,
//! a server function's arguments that do not decode).

use crate::AppState;
use app::error::AppError;
use app::ssr::auth::{CspNonce, RequestMeta};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

/// The largest request body: 2 MiB (a bulk create of about a thousand objects).
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// The longest request address (path and query): 16 KiB. Longer ones answer 414. (Addresses
/// over 64 KiB are refused by the HTTP library itself before Census sees them, with an empty
/// 414.)
pub const MAX_URI: usize = 16 * 1024;
/// Seconds a client is asked to wait before retrying a 503.
const RETRY_AFTER_SECS: &str = "5";

/// True for the paths whose errors are JSON (the REST API, server functions, metrics, health).
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/api" || path == "/metrics" || path == "/health"
}

/// An error raised outside a handler (limits, time limit, panic, cross-site refusal): the REST
/// shape `{"error": …}` (with `request_id` for 5xx) on API paths, a short page elsewhere.
/// 503 carries `Retry-After`.
pub fn error_response(
    path: &str,
    code: StatusCode,
    message: &str,
    request_id: Option<&str>,
) -> Response {
    let mut res = if is_api(path) {
        let mut body = serde_json::json!({ "error": message });
        if let (true, Some(id)) = (code.is_server_error(), request_id) {
            body["request_id"] = id.into();
        }
        (code, axum::Json(body)).into_response()
    } else {
        // Messages are Census's own sentences and request ids are [A-Za-z0-9-]: nothing to
        // escape.
        let reference = request_id
            .map(|id| format!("<p>Reference: <code>{id}</code></p>"))
            .unwrap_or_default();
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Census: {code}</title>\
             <link rel=\"stylesheet\" href=\"{}\"></head><body><main class=\"page\">\
             <h1>{}</h1><p>{message}</p>{reference}<p><a href=\"/\">Home</a></p></main></body></html>",
            crate::assets::stylesheet(),
            code.canonical_reason().unwrap_or("Error"),
        );
        (
            code,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page,
        )
            .into_response()
    };
    if code == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECS),
        );
    }
    res
}

fn request_id(req: &Request<Body>) -> Option<String> {
    req.extensions()
        .get::<RequestMeta>()
        .map(|m| m.request_id.clone())
}

/// 414 for an address over [`MAX_URI`]; 413 for a body over [`MAX_BODY`], whether it declares
/// its length or is sent in chunks (which are read here, up to the limit).
pub async fn limits(req: Request<Body>, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let uri_len = req
        .uri()
        .path_and_query()
        .map_or(path.len(), |pq| pq.as_str().len());
    if uri_len > MAX_URI {
        return error_response(
            &path,
            StatusCode::URI_TOO_LONG,
            &format!(
                "The address is {uri_len} bytes long; Census takes at most 16 KiB ({MAX_URI} bytes). Send fewer or shorter parameters."
            ),
            None,
        );
    }
    let too_large = || {
        error_response(
            &path,
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "The request body is larger than {} MiB; send it in smaller parts.",
                MAX_BODY / (1024 * 1024)
            ),
            None,
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(n) if n > MAX_BODY as u64 => return too_large(),
        Some(_) => return next.run(req).await,
        None => {}
    }
    if axum::body::HttpBody::size_hint(req.body()).upper() == Some(0) {
        return next.run(req).await;
    }
    match buffered(req, &path).await {
        Ok((parts, bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(Some(res)) => res,
        Err(None) => too_large(),
    }
}

/// A request's head and its body read into memory (at most [`MAX_BODY`]): `Err(None)` when it
/// is larger, `Err(Some(400))` when it could not be read.
async fn buffered(
    req: Request<Body>,
    path: &str,
) -> Result<(axum::http::request::Parts, Bytes), Option<Response>> {
    let (parts, body) = req.into_parts();
    match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => Ok((parts, b.to_bytes())),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(None),
        Err(_) => Err(Some(error_response(
            path,
            StatusCode::BAD_REQUEST,
            "The request body could not be read to its end.",
            None,
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// Text in query strings and forms

/// One `name=value` of a query string or form, percent-decoded (`+` is a space); `Err` when
/// the bytes are not UTF-8.
fn decode_component(b: &[u8]) -> Result<String, ()> {
    let spaced: Vec<u8> = b
        .iter()
        .map(|&c| if c == b'+' { b' ' } else { c })
        .collect();
    percent_encoding::percent_decode(&spaced)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| ())
}

/// Every name and value of a query string or form body is UTF-8 text without refused control
/// characters ([`app::ssr::services::text::check_controls`]; a form's `\r\n` line breaks are
/// line breaks). Errors name the parameter.
pub fn check_form(encoded: &[u8]) -> Result<(), AppError> {
    use app::ssr::services::text::{check_controls, normalize_newlines};
    for piece in encoded.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match piece.iter().position(|b| *b == b'=') {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, &b""[..]),
        };
        let name = decode_component(k).map_err(|_| {
            AppError::invalid(
                "A parameter name is not valid UTF-8 text (check its percent-encoding).",
            )
        })?;
        if let Err(e) = check_controls(&name) {
            return Err(AppError::invalid(format!("A parameter name {e}.")));
        }
        let value = decode_component(v).map_err(|_| {
            AppError::field(
                &name,
                "is not valid UTF-8 text (check its percent-encoding)",
            )
        })?;
        check_controls(&normalize_newlines(&value)).map_err(|e| AppError::field(&name, e))?;
    }
    Ok(())
}

/// A refused request's answer. A server function's caller gets what the function's own errors
/// give it, so the page shows the error in place: the page's code the function's error
/// encoding (with the REST keys beside it), a form posted without JavaScript a redirect back to
/// its page with the error — and what was sent, control characters taken out — in the address
/// (Leptos's `__err` round trip). Other API paths get the REST shape, pages a short page.
fn refuse(path: &str, headers: &HeaderMap, sent: Option<&[u8]>, e: &AppError) -> Response {
    if is_server_fn(path) {
        let e = match sent {
            Some(body) => e.clone().with_values(submitted(body)),
            None => e.clone(),
        };
        let html = header_str(headers, header::ACCEPT).is_some_and(|a| a.contains("text/html"));
        if html && let Some(back) = back_to(headers, path, &e) {
            return (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response();
        }
        let code = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
        return (code, axum::Json(e.to_server_fn_json())).into_response();
    }
    if is_api(path) {
        crate::middleware::json_error(e)
    } else {
        let code = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
        error_response(path, code, &e.to_string(), None)
    }
}

/// Server functions live under `/api/` beside the REST API (`/api/v1/`).
fn is_server_fn(path: &str) -> bool {
    path.starts_with("/api/") && !path.starts_with("/api/v1")
}

/// A form body's fields as text with control characters (but tab and newline) removed: what
/// the user typed, shown again beside the error.
fn submitted(body: &[u8]) -> std::collections::BTreeMap<String, String> {
    let clean = |b: &[u8]| {
        decode_component(b)
            .unwrap_or_else(|()| String::from_utf8_lossy(b).into_owned())
            .chars()
            .filter(|c| !c.is_control() || *c == '\t' || *c == '\n')
            .collect::<String>()
    };
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|piece| match piece.iter().position(|b| *b == b'=') {
            Some(i) => (clean(&piece[..i]), clean(&piece[i + 1..])),
            None => (clean(piece), String::new()),
        })
        .collect()
}

/// The page a form came from (`Referer`, its path and query only: never another site) with
/// server function `path`'s error `e` in the address, as Leptos answers a function's own error.
fn back_to(headers: &HeaderMap, path: &str, e: &AppError) -> Option<String> {
    let referer: axum::http::Uri = header_str(headers, header::REFERER)?.parse().ok()?;
    let local = format!(
        "http://census.invalid{}",
        referer.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    let with_error = server_fn::error::ServerFnUrlError::new(path, e.clone())
        .to_url(&local)
        .ok()?;
    Some(match with_error.query() {
        Some(q) => format!("{}?{q}", with_error.path()),
        None => with_error.path().to_string(),
    })
}

/// [`check_form`] on the query string of every request and on form bodies
/// (`application/x-www-form-urlencoded`: server functions and forms posted without
/// JavaScript): 400 naming the parameter. Runs after [`limits`], so a body is at most
/// [`MAX_BODY`].
pub async fn text_input(req: Request<Body>, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if let Some(q) = req.uri().query()
        && let Err(e) = check_form(q.as_bytes())
    {
        return refuse(&path, req.headers(), None, &e);
    }
    let form = header_str(req.headers(), header::CONTENT_TYPE)
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form || safe_method(req.method()) {
        return next.run(req).await;
    }
    // After `limits` the body is in memory already (or declared within the limit).
    let (parts, bytes) = match buffered(req, &path).await {
        Ok(read) => read,
        Err(res) => {
            return res.unwrap_or_else(|| {
                error_response(
                    &path,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The request body is too large.",
                    None,
                )
            });
        }
    };
    if let Err(e) = check_form(&bytes) {
        return refuse(&path, &parts.headers, Some(&bytes), &e);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

// ---------------------------------------------------------------------------------------------
// Cross-site requests

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn has_session_cookie(h: &HeaderMap) -> bool {
    h.get_all(header::COOKIE).iter().any(|v| {
        v.to_str().is_ok_and(|c| {
            c.split(';')
                .any(|kv| kv.trim_start().starts_with("census_session="))
        })
    })
}

/// The origin a request says it comes from: `Origin`, else the origin of `Referer`.
fn claimed_origin(h: &HeaderMap) -> Option<String> {
    if let Some(o) = header_str(h, header::ORIGIN) {
        return Some(o.trim().to_ascii_lowercase());
    }
    let referer = header_str(h, header::REFERER)?;
    let url = reqwest::Url::parse(referer.trim()).ok()?;
    Some(url.origin().ascii_serialization())
}

/// Whether `origin` is Census's own: the request's `Host` (or `X-Forwarded-Host` behind a
/// trusted proxy; HTTP/2's `:authority` when there is no `Host`) over HTTP or HTTPS (HTTPS only when the cookie is Secure), or a configured
/// trusted origin. A browser sets `Host` itself, so a page elsewhere cannot claim it.
fn own_origin(state: &AppState, h: &HeaderMap, authority: Option<&str>, origin: &str) -> bool {
    if state.config.trusted_origins.iter().any(|t| t == origin) {
        return true;
    }
    let host = state
        .config
        .trust_proxy
        .then(|| header_str(h, "x-forwarded-host".parse().expect("header name")))
        .flatten()
        .and_then(|v| v.split(',').next())
        .or_else(|| header_str(h, header::HOST))
        .or(authority)
        .map(|v| v.trim().to_ascii_lowercase());
    let Some(host) = host else {
        return false;
    };
    let Ok(url) = reqwest::Url::parse(origin) else {
        return false;
    };
    let scheme_ok = match url.scheme() {
        "https" => true,
        "http" => !state.config.cookie_secure,
        _ => false,
    };
    // Compare the serialised origins, so default ports and letter case agree.
    let own = reqwest::Url::parse(&format!("{}://{host}", url.scheme()))
        .map(|u| u.origin().ascii_serialization());
    scheme_ok && own.is_ok_and(|own| own == url.origin().ascii_serialization())
}

fn safe_method(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Refuse a state-changing request a browser may have sent on another site's behalf: one that
/// is not authenticated by `Authorization` (API tokens are never sent by a browser on its own)
/// and either names a foreign origin in `Origin`/`Referer`, or carries the session cookie
/// without naming any origin. Answers 403. (Source: the OWASP cross-site request forgery
/// cheat sheet, "verifying origin with standard headers".)
pub async fn same_origin(
    State(state): State<AppState>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let h = req.headers();
    if safe_method(req.method()) || h.contains_key(header::AUTHORIZATION) {
        return next.run(req).await;
    }
    let authority = req.uri().authority().map(|a| a.as_str());
    let refusal = match claimed_origin(h) {
        Some(o) if own_origin(&state, h, authority, &o) => None,
        Some(o) => Some(format!(
            "Cross-site request refused: it comes from {o}, not from Census's own address. \
             (Behind a proxy that changes the address, add it to CENSUS_TRUSTED_ORIGINS.)"
        )),
        None if has_session_cookie(h) => Some(
            "Cross-site request refused: a signed-in write must name its origin \
             (the Origin or Referer header), as browsers do."
                .to_string(),
        ),
        None => None,
    };
    match refusal {
        None => next.run(req).await,
        Some(message) => {
            tracing::warn!(target: "census::http", path = req.uri().path(), "cross-site request refused");
            error_response(req.uri().path(), StatusCode::FORBIDDEN, &message, None)
        }
    }
}

/// REST writes take JSON only (a form or `text/plain` body is what a cross-site page can send
/// without asking): 415 otherwise.
pub async fn json_bodies(req: Request<Body>, next: Next) -> Response {
    let path = req.uri().path();
    let write = matches!(*req.method(), Method::POST | Method::PATCH);
    // An empty body is the handler's to refuse (400, "send a JSON object").
    let has_body = axum::body::HttpBody::size_hint(req.body()).upper() != Some(0);
    if write && has_body && path.starts_with("/api/v1/") {
        let json = header_str(req.headers(), header::CONTENT_TYPE)
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|t| t == "application/json" || t.ends_with("+json"));
        if !json {
            return error_response(
                path,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the request body as JSON, with Content-Type: application/json.",
                None,
            );
        }
    }
    next.run(req).await
}

// ---------------------------------------------------------------------------------------------
// Security headers

/// 122 random bits (a version 4 UUID from the operating system's generator), in hex.
fn new_nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The policy of a page: scripts and WebAssembly from Census only (`'wasm-unsafe-eval'` lets
/// the page compile its own WebAssembly), inline script only with this response's nonce (the
/// hydration script), styles from Census (inline style attributes allowed: charts use them),
/// no plug-ins, no framing, forms post to Census only.
fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of everything else (JSON, CSV, static files): nothing may run or embed it.
const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// Security headers on every response: `Content-Security-Policy` (a fresh nonce per page, given
/// to the render through [`CspNonce`]), `X-Frame-Options: DENY`, `X-Content-Type-Options:
/// nosniff`, `Referrer-Policy: same-origin`, and `Strict-Transport-Security` (one year) when
/// the session cookie is Secure (Census is served over HTTPS).
pub async fn security_headers(
    State(state): State<AppState>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let page = !is_api(path) && !path.starts_with("/pkg/");
    let nonce = page.then(new_nonce);
    if let Some(n) = &nonce {
        req.extensions_mut().insert(CspNonce(n.clone()));
    }
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = match (&nonce, html) {
        (Some(n), true) => page_policy(n),
        _ => DATA_POLICY.to_string(),
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&policy) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if state.config.cookie_secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

// ---------------------------------------------------------------------------------------------
// One error shape on /api/

/// The largest error body read back to reshape it.
const MAX_ERROR_BODY: usize = 1024 * 1024;

/// Every error on an API path in the documented shape `{"error": …, "fields"?: …}` (5xx with
/// `request_id`, 503 with `Retry-After`):
/// - a server function's error (its own encoding) gets its status from the error (arguments
///   that do not decode are 400, not 500) and the REST keys beside its own;
/// - an error the HTTP layer answered in text or with no body (405 from the router, a
///   rejection) becomes JSON.
pub async fn shape_errors(req: Request<Body>, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if !is_api(&path) {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let request_id = request_id(&req);
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let server_fn = !path.starts_with("/api/v1");
    if is_json && !server_fn && !status.is_server_error() {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = Limited::new(body, MAX_ERROR_BODY)
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let decoded: Option<AppError> = (server_fn && is_json)
        .then(|| serde_json::from_slice::<AppError>(&bytes).ok())
        .flatten();
    let (code, mut body) = if let Some(e) = decoded {
        let code = StatusCode::from_u16(e.status()).unwrap_or(status);
        (code, e.to_server_fn_json())
    } else if is_json {
        let body = serde_json::from_slice(&bytes)
            .ok()
            .filter(serde_json::Value::is_object)
            .unwrap_or_else(|| serde_json::json!({ "error": generic_message(status) }));
        (status, body)
    } else {
        let message = match status {
            // The router adds `Allow` after this layer has run: point to it.
            StatusCode::METHOD_NOT_ALLOWED => format!(
                "{method} is not allowed here; the Allow header lists the methods that are."
            ),
            _ => {
                // A short plain-text reason from the HTTP layer (an extractor's rejection) is
                // kept; anything else is replaced by the status's sentence.
                let text = String::from_utf8_lossy(&bytes).trim().to_string();
                if !text.is_empty() && text.len() <= 500 && !text.contains('<') {
                    text
                } else {
                    generic_message(status).to_string()
                }
            }
        };
        (status, serde_json::json!({ "error": message }))
    };
    if let (true, Some(id)) = (code.is_server_error(), &request_id) {
        body["request_id"] = id.clone().into();
    }
    parts.status = code;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if code == StatusCode::SERVICE_UNAVAILABLE && !parts.headers.contains_key(header::RETRY_AFTER) {
        parts.headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECS),
        );
    }
    Response::from_parts(parts, Body::from(body.to_string()))
}

/// A sentence for a status the HTTP layer answered without one.
fn generic_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "The request is not valid.",
        401 => "Sign in to continue.",
        403 => "You do not have permission to do this.",
        404 => "There is nothing at this address.",
        405 => "This method is not allowed here.",
        409 => "The request conflicts with the current data.",
        413 => "The request body is too large.",
        414 => "The address is too long.",
        415 => "The request body is not in a format this endpoint takes (send JSON).",
        429 => "Too many requests; wait a moment and try again.",
        503 => "Census cannot answer now; try again in a few seconds.",
        _ if status.is_server_error() => "Census hit an internal error.",
        _ => "The request could not be served.",
    }
}
