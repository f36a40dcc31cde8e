//! Server functions, one file per area. Each is thin: who is asking → one service → a DTO.
//! Errors carry their HTTP status; a form posted without JavaScript gets its error back in the
//! page it came from.

pub mod auth;
pub mod history;
pub mod misc;
pub mod objects;
pub mod tokens;
pub mod users;

use serde::{Serialize, de::DeserializeOwned};
use server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};

/// JSON, as server_fn's own encoding, but decoded from text: hydrated resources decode from
/// text too, so the browser bundle carries one JSON deserializer per type instead of two.
pub struct TextJson;

impl ContentType for TextJson {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for TextJson {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for TextJson {
    type Error = serde_json::Error;
    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for TextJson {
    type Error = serde_json::Error;
    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde::de::Error::custom)?;
        serde_json::from_str(text)
    }
}

/// The output encoding of every server function.
pub type Out = server_fn::codec::Post<TextJson>;

/// A value that, for hydration, can leave out what the server-rendered page already holds as
/// it is and the browser only ever replaces with newer data (a chart's SVG).
pub trait Hydrated {
    /// The value as the browser needs it to hydrate the page.
    fn for_hydration(&self) -> Self;
}

impl<T: Hydrated, E: Clone> Hydrated for Result<T, E> {
    fn for_hydration(&self) -> Self {
        match self {
            Ok(v) => Ok(v.for_hydration()),
            Err(e) => Err(e.clone()),
        }
    }
}

/// A resource encoding: JSON of [`Hydrated::for_hydration`], so a page does not carry its
/// markup twice (once as HTML, once as a string in the hydration data).
pub struct HydrationJson;

impl<T: Hydrated + Serialize> codee::Encoder<T> for HydrationJson {
    type Error = serde_json::Error;
    type Encoded = String;
    fn encode(val: &T) -> Result<String, Self::Error> {
        serde_json::to_string(&val.for_hydration())
    }
}

impl<T: DeserializeOwned> codee::Decoder<T> for HydrationJson {
    type Error = serde_json::Error;
    type Encoded = str;
    fn decode(val: &str) -> Result<T, Self::Error> {
        serde_json::from_str(val)
    }
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use crate::error::AppError;
    use crate::ssr::auth::{Auth, RequestMeta};
    use crate::ssr::db::Db;
    use crate::ssr::services::Ctx;
    use axum::http::request::Parts;
    use leptos::prelude::use_context;

    pub fn db() -> Result<Db, AppError> {
        use_context::<Db>().ok_or_else(|| AppError::Internal("no database in context".into()))
    }

    pub fn meta() -> RequestMeta {
        use_context::<Parts>()
            .and_then(|p| p.extensions.get::<RequestMeta>().cloned())
            .unwrap_or_else(|| RequestMeta {
                request_id: crate::ssr::services::new_request_id(),
                client_addr: "unknown".into(),
            })
    }

    pub fn auth() -> Auth {
        use_context::<Parts>()
            .and_then(|p| p.extensions.get::<Auth>().cloned())
            .unwrap_or_default()
    }

    /// The service context of a signed-in request, or `Unauthorized`.
    pub fn ctx() -> Result<Ctx, AppError> {
        let actor = auth().actor.ok_or(AppError::Unauthorized)?;
        Ok(Ctx::new(db()?, actor, meta().request_id))
    }

    /// Give an error its HTTP status, except on a plain form post (which is redirected back to
    /// its page with the error in the URL).
    pub fn fail(e: AppError) -> AppError {
        if let (Some(parts), Some(res)) = (
            use_context::<Parts>(),
            use_context::<leptos_axum::ResponseOptions>(),
        ) {
            let form_post = parts.uri.path().starts_with("/api/")
                && parts
                    .headers
                    .get(axum::http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("text/html"));
            if !form_post {
                res.set_status(
                    axum::http::StatusCode::from_u16(e.status())
                        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
                );
            }
        }
        e
    }

    /// Run a server function body, mapping its error through `fail`.
    pub async fn run<T, F>(f: F) -> Result<T, AppError>
    where
        F: std::future::Future<Output = Result<T, AppError>>,
    {
        f.await.map_err(fail)
    }

    pub fn redirect(to: &str) {
        leptos_axum::redirect(to);
    }

    /// Only same-site paths are followed after sign-in.
    pub fn safe_next(next: &str) -> String {
        if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/api/") {
            next.to_string()
        } else {
            "/".to_string()
        }
    }
}
