//! The one error policy: every service, server function and REST handler speaks `AppError`,
//! which maps to an HTTP status, to a JSON body `{"error", "fields"}` and to a server-function
//! error the pages can show beside the fields.

use serde::{Deserialize, Serialize};
use server_fn::error::{FromServerFnError, ServerFnErrorErr};
use std::collections::BTreeMap;

/// Field name → messages.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// The errors of one element of a bulk request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemError {
    pub index: usize,
    pub error: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: FieldErrors,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum AppError {
    #[error("Sign in to continue.")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// Bad input: a message, the messages per field, the failing elements of a bulk request,
    /// and (for forms) the submitted values so a page re-rendered without JavaScript keeps them.
    #[error("{message}")]
    Invalid {
        message: String,
        #[serde(default)]
        fields: FieldErrors,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        items: Vec<ItemError>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        values: BTreeMap<String, String>,
    },
    /// The request is valid but conflicts with the data (delete protection, stale state).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    Internal(String),
    /// Census cannot serve the request now (the database is busy with a long write, or the
    /// request ran past its time limit); the client may try again later (`Retry-After`).
    #[error("{0}")]
    Unavailable(String),
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::Invalid {
            message: message.into(),
            fields: FieldErrors::new(),
            items: vec![],
            values: BTreeMap::new(),
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut fields = FieldErrors::new();
        fields.insert(field.to_string(), vec![message.clone()]);
        AppError::Invalid {
            message: format!("{}: {message}", field),
            fields,
            items: vec![],
            values: BTreeMap::new(),
        }
    }

    pub fn fields(fields: FieldErrors) -> Self {
        let message = summarize(&fields);
        AppError::Invalid {
            message,
            fields,
            items: vec![],
            values: BTreeMap::new(),
        }
    }

    /// The database is busy with another write: 503, try again shortly.
    pub fn busy() -> Self {
        AppError::Unavailable(
            "Census is busy with another write; nothing was saved. Try again in a few seconds."
                .into(),
        )
    }

    pub fn forbidden(what: &str) -> Self {
        AppError::Forbidden(format!("You do not have permission to {what}."))
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Invalid { .. } => 400,
            AppError::Conflict(_) => 409,
            AppError::TooManyRequests(_) => 429,
            AppError::Internal(_) => 500,
            AppError::Unavailable(_) => 503,
        }
    }

    /// Field messages, empty for errors that are not about fields.
    pub fn field_errors(&self) -> FieldErrors {
        match self {
            AppError::Invalid { fields, .. } => fields.clone(),
            _ => FieldErrors::new(),
        }
    }

    /// Attach the submitted form values (kept across a no-JavaScript round trip).
    pub fn with_values(self, submitted: BTreeMap<String, String>) -> Self {
        match self {
            AppError::Invalid {
                message,
                fields,
                items,
                ..
            } => AppError::Invalid {
                message,
                fields,
                items,
                values: submitted,
            },
            other => other,
        }
    }

    pub fn submitted_values(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            AppError::Invalid { values, .. } if !values.is_empty() => Some(values),
            _ => None,
        }
    }

    /// The body of a server function's error: the REST shape ([`AppError::to_json`]) with the
    /// error's own encoding beside it (`kind`, `detail`), which the pages decode.
    pub fn to_server_fn_json(&self) -> serde_json::Value {
        let mut body = self.to_json();
        if let (Some(out), Ok(serde_json::Value::Object(own))) =
            (body.as_object_mut(), serde_json::to_value(self))
        {
            out.extend(own);
        }
        body
    }

    /// The JSON body of a REST error response.
    pub fn to_json(&self) -> serde_json::Value {
        let mut body = serde_json::json!({ "error": self.to_string() });
        if let AppError::Invalid { fields, items, .. } = self {
            body["fields"] = serde_json::to_value(fields).unwrap_or_default();
            if !items.is_empty() {
                body["errors"] = serde_json::to_value(items).unwrap_or_default();
            }
        }
        body
    }
}

/// "name: this field is required; slug: …"
pub fn summarize(fields: &FieldErrors) -> String {
    let mut parts: Vec<String> = fields
        .iter()
        .flat_map(|(f, msgs)| msgs.iter().map(move |m| format!("{f}: {m}")))
        .collect();
    if parts.len() > 3 {
        let more = parts.len() - 3;
        parts.truncate(3);
        parts.push(format!("and {more} more"));
    }
    if parts.is_empty() {
        "The input is not valid.".into()
    } else {
        format!("Please correct the input ({}).", parts.join("; "))
    }
}

impl FromServerFnError for AppError {
    type Encoder = crate::api::TextJson;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => {
                AppError::invalid(format!("The request is not valid: {m}"))
            }
            ServerFnErrorErr::Request(_) => {
                AppError::Internal("Census could not be reached. Check your connection.".into())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_and_status() {
        let e = AppError::field("name", "this field is required");
        assert_eq!(e.status(), 400);
        let j = e.to_json();
        assert_eq!(j["fields"]["name"][0], "this field is required");
        assert!(j["error"].as_str().unwrap().contains("name"));
        let e = AppError::Conflict("site HQ has 1 device".into());
        assert_eq!(e.status(), 409);
        assert_eq!(
            e.to_json(),
            serde_json::json!({"error": "site HQ has 1 device"})
        );
    }

    #[test]
    fn round_trips_through_the_server_fn_encoding() {
        let e = AppError::field("slug", "bad")
            .with_values([("slug".to_string(), "A B".to_string())].into());
        let back = AppError::de(e.ser());
        assert_eq!(back, e);
        assert_eq!(back.submitted_values().unwrap()["slug"], "A B");
        // The documented shape sent by the server decodes to the same error.
        let shaped = e.to_server_fn_json();
        assert_eq!(shaped["fields"]["slug"][0], "bad");
        assert!(shaped["error"].as_str().unwrap().contains("slug"));
        let back = AppError::de(server_fn::Bytes::from(shaped.to_string()));
        assert_eq!(back, e);
    }
}
