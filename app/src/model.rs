//! Data shapes shared by the browser and the server (no database types cross here).

pub mod history;

use crate::schema::Kind;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

history::stored_enum! {
    /// What a user may do: read, change the inventory, or also manage users and settings.
    pub enum Role {
        Viewer,
        Editor,
        Admin,
    }
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn can_write(self) -> bool {
        self >= Role::Editor
    }
    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
    pub fn describe(self) -> &'static str {
        match self {
            Role::Viewer => "read everything",
            Role::Editor => "read and change the inventory",
            Role::Admin => "also manage users, tokens and settings",
        }
    }
}

/// The signed-in user as the pages see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

/// A brief reference to another object (its type too when a field can point at several).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefDto {
    pub id: i64,
    pub display: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
}

/// One inventory object: its field values by the API's keys (references as ids, an any-type
/// reference as `<name>_type` and `<name>_id`, a set as ids, decimals and dates as text) and
/// the display names of what it refers to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjectDto {
    pub kind: Kind,
    pub id: i64,
    pub display: String,
    pub values: BTreeMap<String, Value>,
    /// Reference field name (`site_id`, `assigned_object`) → the referenced object.
    pub refs: BTreeMap<String, RefDto>,
    /// Set field name (`tag_ids`) → its members, in name order.
    #[serde(default)]
    pub sets: BTreeMap<String, Vec<RefDto>>,
    pub created_at: String,
    pub updated_at: String,
}

impl ObjectDto {
    /// The value of a field as text for display ("" when empty).
    pub fn text(&self, field: &str) -> String {
        match self.values.get(field) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListPage {
    pub count: u64,
    pub offset: u64,
    pub limit: u64,
    pub rows: Vec<ObjectDto>,
}

/// Objects of another type that point at this one (a site's devices, …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RelatedList {
    pub kind: Kind,
    pub field: String,
    /// The list filter that shows them all (`site_id=3`).
    pub filter: String,
    pub label: String,
    pub count: u64,
    pub rows: Vec<ObjectDto>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeDto {
    pub id: i64,
    pub time: String,
    pub request_id: String,
    pub user_id: Option<i64>,
    pub username: String,
    pub object_type: String,
    pub object_id: i64,
    pub object_repr: String,
    pub action: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// The objects the values refer to, keyed `kind:id` (`site:2`), named as they were when
    /// the change was made.
    #[serde(default)]
    pub refs: std::collections::BTreeMap<String, RefName>,
}

/// An object a change refers to: its name at the time of the change (None when Census never
/// knew it), and whether it has been deleted since.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefName {
    pub name: Option<String>,
    pub deleted: bool,
}

/// A piece of a change's value as shown: text, and the page it links to.
pub type Shown = (String, Option<String>);

/// References of change-log object types outside the inventory schema: (object type, field,
/// the kind it refers to). The history hub's site mappings name a site by `site_id`.
pub const EXTRA_REFS: &[(&str, &str, crate::schema::Kind)] =
    &[("site_mapping", "site_id", crate::schema::Kind::Site)];

/// What field `name` of a change-log `object_type` refers to: the kind, and whether the value is
/// a set of ids. Inventory types answer from their schema, others from [`EXTRA_REFS`].
#[cfg(feature = "ssr")]
pub fn reference_of(object_type: &str, name: &str) -> Option<(crate::schema::Kind, bool)> {
    use crate::schema::{FieldType, Kind};
    match Kind::parse(object_type).and_then(|k| k.res().field(name)) {
        Some(f) => match f.ty {
            FieldType::Ref(k) => Some((k, false)),
            FieldType::RefSet { kind, .. } => Some((kind, true)),
            _ => None,
        },
        None => EXTRA_REFS
            .iter()
            .find(|(t, n, _)| *t == object_type && *n == name)
            .map(|(_, _, k)| (*k, false)),
    }
}

impl ChangeDto {
    /// The label of the changed object's field `name`: the schema's label, else the name in
    /// words (`daily_retention_days` → "Daily retention days", `site_id` → "Site").
    pub fn field_label(&self, name: &str) -> String {
        crate::schema::Kind::parse(&self.object_type)
            .and_then(|k| k.res().field(name))
            .map(|f| f.label.to_string())
            .unwrap_or_else(|| {
                let words = name.strip_suffix("_id").unwrap_or(name).replace('_', " ");
                crate::schema::capitalize(&words)
            })
    }

    /// How `value` of field `name` shows: a reference (or each of a set of them) as the name
    /// its object had then, linked while it exists, `deleted site #2` once it is gone, an
    /// empty set as "(none)"; any other value as it is. (It does not call [`reference_of`]:
    /// written that way the optimiser grew the browser's main module by 32 KB.)
    pub fn shown(&self, name: &str, value: &str) -> Vec<Shown> {
        use crate::schema::{FieldType, Kind};
        let field = Kind::parse(&self.object_type).and_then(|k| k.res().field(name));
        let ids: Option<(Kind, Vec<i64>)> = match field.map(|f| f.ty) {
            Some(FieldType::Ref(k)) => value.parse().ok().map(|id| (k, vec![id])),
            Some(FieldType::RefSet { kind, .. }) => {
                serde_json::from_str(value).ok().map(|v| (kind, v))
            }
            None => EXTRA_REFS
                .iter()
                .find(|(t, n, _)| *t == self.object_type && *n == name)
                .and_then(|(_, _, k)| value.parse().ok().map(|id| (*k, vec![id]))),
            _ => None,
        };
        let Some((kind, ids)) = ids else {
            return vec![(value.to_string(), None)];
        };
        if ids.is_empty() {
            return vec![("(none)".to_string(), None)];
        }
        let res = kind.res();
        ids.into_iter()
            .map(|id| {
                let known = self.refs.get(&format!("{}:{id}", kind.as_str()));
                let name = known
                    .and_then(|r| r.name.clone())
                    .unwrap_or_else(|| format!("#{id}"));
                match known {
                    Some(r) if r.deleted => (format!("deleted {} {name}", res.singular), None),
                    _ => (name, Some(format!("/{}/{id}", res.slug))),
                }
            })
            .collect()
    }

    /// (field, before, after) for every field that differs.
    pub fn diff(&self) -> Vec<(String, String, String)> {
        let empty = serde_json::Map::new();
        let before = self
            .before
            .as_ref()
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let after = self
            .after
            .as_ref()
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter(|k| !matches!(k.as_str(), "id" | "created_at" | "updated_at"))
            .filter_map(|k| {
                let b = blank_as_null(before.get(k));
                let a = blank_as_null(after.get(k));
                (a != b).then(|| (k.clone(), show(&b), show(&a)))
            })
            .collect()
    }
}

/// A missing value, an empty text and an empty set all read as nothing: a change between them
/// is no change.
fn blank_as_null(v: Option<&Value>) -> Value {
    match v {
        None => Value::Null,
        Some(Value::String(s)) if s.is_empty() => Value::Null,
        Some(Value::Array(a)) if a.is_empty() => Value::Null,
        Some(v) => v.clone(),
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangePage {
    pub count: u64,
    pub offset: u64,
    pub limit: u64,
    pub rows: Vec<ChangeDto>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjectDetail {
    pub object: ObjectDto,
    pub related: Vec<RelatedList>,
    pub history: Vec<ChangeDto>,
    pub history_count: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserDto {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub is_active: bool,
    pub created_at: String,
    pub last_login_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenDto {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub description: String,
    /// The first characters, enough to recognise a token; never the whole of it.
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// A token just created: the only time its secret is shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewToken {
    pub token: TokenDto,
    pub secret: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchGroup {
    pub kind: Kind,
    pub count: u64,
    pub rows: Vec<ObjectDto>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HomeCounts {
    pub counts: Vec<(Kind, u64)>,
    pub recent: Vec<ChangeDto>,
    /// Collected history exists: "/" opens the dashboard.
    #[serde(default)]
    pub has_history: bool,
}

/// Options for a reference field's select box.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefOptions {
    pub kind: Kind,
    pub options: Vec<RefDto>,
    /// More objects exist than were sent; the form falls back to typing an id.
    pub truncated: bool,
}
