//! The OpenAPI 3 document, generated from the same object descriptions (`app::schema`) that
//! drive validation and queries, and filled in route by route as `rest` registers them.

use app::schema::{Field, FieldType, Resource};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub struct Spec {
    paths: BTreeMap<String, Map<String, Value>>,
    schemas: Map<String, Value>,
}

impl Default for Spec {
    fn default() -> Self {
        Self::new()
    }
}

impl Spec {
    pub fn new() -> Spec {
        Spec {
            paths: BTreeMap::new(),
            schemas: Map::new(),
        }
    }
    pub fn add(&mut self, path: &str, method: &str, op: Value) {
        self.paths
            .entry(path.to_string())
            .or_default()
            .insert(method.to_string(), op);
    }
    pub fn schema(&mut self, name: &str, s: Value) {
        self.schemas.insert(name.to_string(), s);
    }
    /// The document. Every operation also gets the errors the HTTP layer answers for any
    /// request (`crate::protect`, `crate::listener`): 414 (address over 16 KiB), 431 (headers
    /// over the HTTP library's buffer), 500 (an internal error, with a
    /// request id), 503 (time limit or busy database, with `Retry-After`), and for operations
    /// with a body 413 (over 2 MiB) and 415 (not JSON).
    pub fn finish(self) -> Value {
        let paths: Map<String, Value> = self
            .paths
            .into_iter()
            .map(|(k, mut ops)| {
                for op in ops.values_mut() {
                    let has_body = op.get("requestBody").is_some();
                    if let Some(responses) = op["responses"].as_object_mut() {
                        let mut codes = vec!["414", "431", "500", "503"];
                        if has_body {
                            codes.extend(["413", "415"]);
                        }
                        for (code, r) in errors(&codes) {
                            responses.entry(code).or_insert(r);
                        }
                    }
                }
                (k, Value::Object(ops))
            })
            .collect();
        json!({
            "openapi": "3.0.3",
            "info": {
                "title": "Census API",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "The inventory of what an organisation owns and runs. Authenticate with \
                    `Authorization: Bearer <token>` (tokens are created on the API tokens page or with \
                    `census token create`); a request acts with the token owner's role. Lists take the \
                    filters named like the fields (repeat a filter to match any of several values; \
                    `null` matches an empty reference), `q` for search, `ordering` (a field, `-` for \
                    descending, comma-separated), `limit` (default 50, at most 1000) and `offset`. \
                    Errors are `{\"error\": ..., \"fields\": {...}}`."
            },
            "servers": [{"url": "/"}],
            "security": [{"bearer": []}],
            "paths": paths,
            "components": {
                "schemas": self.schemas,
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "An API token"}}
            }
        })
    }
}

fn name(res: &Resource) -> String {
    res.singular
        .split(' ')
        .map(app::schema::capitalize)
        .collect()
}

pub(crate) fn r(schema: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{schema}")})
}

fn field_schema(f: &Field) -> Value {
    let mut s = match f.ty {
        FieldType::Text | FieldType::LongText => json!({"type": "string", "maxLength": f.max_len}),
        FieldType::Slug => {
            json!({"type": "string", "maxLength": f.max_len, "pattern": "^[a-z0-9_-]+$"})
        }
        FieldType::Int { min, max } => {
            json!({"type": "integer", "format": "int64", "minimum": min, "maximum": max})
        }
        FieldType::Bool => json!({"type": "boolean"}),
        FieldType::Date => json!({"type": "string", "format": "date"}),
        FieldType::DateTime => json!({"type": "string", "format": "date-time",
            "description": "RFC 3339; stored and written in UTC"}),
        FieldType::Decimal { scale, min, max } => json!({"type": "string",
            "pattern": format!("^-?[0-9]+(\\.[0-9]{{1,{scale}}})?$"),
            "description": format!("an exact decimal from {min} to {max}, at most {scale} digits after the point (a number is accepted too)")}),
        FieldType::Money { currency } => {
            json!({"type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,4})?$",
            "description": format!("an exact amount in the currency of `{currency}`, with at most its minor-unit digits (a number is accepted too)")})
        }
        FieldType::Currency => json!({"type": "string", "pattern": "^[A-Z]{3}$",
            "description": "ISO 4217 currency code"}),
        FieldType::Json => json!({"type": "object", "additionalProperties": true}),
        FieldType::Colour => json!({"type": "string", "pattern": "^[0-9a-f]{6}$",
            "description": "six hex digits, e.g. 9e9e9e (`#` and upper case accepted on input)"}),
        FieldType::Choice(c) => {
            json!({"type": "string", "enum": c.iter().map(|x| x.0).collect::<Vec<_>>()})
        }
        FieldType::Ref(k) => {
            json!({"type": "integer", "format": "int64", "description": format!("id of a {}", k.res().singular)})
        }
        FieldType::AnyRef { .. } => json!({"type": "integer", "format": "int64"}),
        FieldType::RefSet { kind, .. } => json!({"type": "array", "uniqueItems": true,
            "items": {"type": "integer", "format": "int64"},
            "description": format!("ids of {}", kind.res().plural)}),
        FieldType::Ipv4 => json!({"type": "string", "format": "ipv4"}),
        FieldType::Ipv6 => json!({"type": "string", "format": "ipv6"}),
        FieldType::Mac => {
            json!({"type": "string", "pattern": "^([0-9a-f]{2}:){5}[0-9a-f]{2}$", "description": "read in lowercase colon form; written in any common form"})
        }
        FieldType::TimeZone => json!({"type": "string", "description": "IANA time zone name"}),
    };
    let obj = s.as_object_mut().expect("object");
    obj.insert("title".into(), json!(f.label));
    if !f.help.is_empty() && !obj.contains_key("description") {
        obj.insert("description".into(), json!(f.help));
    }
    if !f.required && !matches!(f.ty, FieldType::RefSet { .. }) {
        obj.insert("nullable".into(), json!(true));
    }
    if f.computed {
        obj.insert("readOnly".into(), json!(true));
    }
    s
}

/// The two properties of an any-type reference: its type and its id.
fn any_ref_schemas(f: &Field) -> [(&'static str, Value); 2] {
    let FieldType::AnyRef { kinds, columns, .. } = f.ty else {
        unreachable!("an any-type reference")
    };
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let mut t = json!({"type": "string", "enum": kinds, "title": format!("{} (type)", f.label)});
    let mut id =
        json!({"type": "integer", "format": "int64", "title": format!("{} (id)", f.label)});
    if !f.required {
        t["nullable"] = json!(true);
        id["nullable"] = json!(true);
    }
    [(columns[0], t), (columns[1], id)]
}

fn brief() -> Value {
    r("Brief")
}

pub fn resource_schemas(res: &'static Resource, spec: &mut Spec) {
    let n = name(res);
    let mut props = Map::new();
    props.insert(
        "id".into(),
        json!({"type": "integer", "format": "int64", "readOnly": true}),
    );
    props.insert("url".into(), json!({"type": "string", "readOnly": true}));
    props.insert(
        "display".into(),
        json!({"type": "string", "readOnly": true}),
    );
    let mut write = Map::new();
    let mut required: Vec<&str> = vec![];
    for f in res.fields {
        if let FieldType::AnyRef { columns, .. } = f.ty {
            for (k, v) in any_ref_schemas(f) {
                props.insert(k.into(), v.clone());
                write.insert(k.into(), v);
            }
            props.insert(
                f.name.into(),
                json!({"allOf": [r("TypedBrief")], "nullable": !f.required, "readOnly": true}),
            );
            if f.required {
                required.extend(columns);
            }
            continue;
        }
        props.insert(f.name.into(), field_schema(f));
        if !f.computed {
            write.insert(f.name.into(), field_schema(f));
        }
        if f.is_ref() {
            props.insert(
                f.base_name().into(),
                json!({"allOf": [brief()], "nullable": true, "readOnly": true}),
            );
        }
        if let FieldType::RefSet { .. } = f.ty {
            props.insert(
                f.base_name().into(),
                json!({"type": "array", "items": brief(), "readOnly": true}),
            );
        }
        if f.required && f.default.is_none() {
            required.push(f.name);
        }
    }
    props.insert(
        "created_at".into(),
        json!({"type": "string", "format": "date-time", "readOnly": true}),
    );
    props.insert(
        "updated_at".into(),
        json!({"type": "string", "format": "date-time", "readOnly": true}),
    );
    spec.schema(&n, json!({"type": "object", "properties": props}));
    spec.schema(
        &format!("{n}Write"),
        json!({"type": "object", "properties": write, "required": required, "additionalProperties": false,
               "description": format!("A {} to create (required fields) or the fields to change (PATCH).", res.singular)}),
    );
    spec.schema(&format!("{n}List"), list_schema(&n));
}

pub(crate) fn list_schema(item: &str) -> Value {
    json!({"type": "object", "required": ["count", "next", "previous", "results"], "properties": {
        "count": {"type": "integer"},
        "next": {"type": "string", "nullable": true},
        "previous": {"type": "string", "nullable": true},
        "results": {"type": "array", "items": r(item)}
    }})
}

pub fn common_schemas(spec: &mut Spec) {
    spec.schema(
        "Brief",
        json!({"type": "object", "properties": {"id": {"type": "integer"}, "url": {"type": "string"}, "display": {"type": "string"}}}),
    );
    spec.schema(
        "TypedBrief",
        json!({"type": "object", "properties": {"id": {"type": "integer"}, "url": {"type": "string"}, "display": {"type": "string"},
            "type": {"type": "string", "description": "the object's type (`device`, `site`, …)"}}}),
    );
    spec.schema(
        "Error",
        json!({"type": "object", "required": ["error"], "properties": {
            "error": {"type": "string"},
            "request_id": {"type": "string", "description": "on 5xx: the id of the request in the server's log (also the X-Request-Id header)"},
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "errors": {"type": "array", "description": "the failing elements of a bulk create", "items": {"type": "object", "properties": {
                "index": {"type": "integer"}, "error": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}}
        }}),
    );
    spec.schema(
        "User",
        json!({"type": "object", "properties": {
            "id": {"type": "integer"}, "url": {"type": "string"}, "username": {"type": "string"},
            "role": {"type": "string", "enum": ["viewer", "editor", "admin"]}, "is_active": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"},
            "last_login_at": {"type": "string", "format": "date-time", "nullable": true}}}),
    );
    spec.schema("UserList", list_schema("User"));
    spec.schema(
        "UserCreate",
        json!({"type": "object", "required": ["username", "password"], "additionalProperties": false, "properties": {
            "username": {"type": "string", "maxLength": 64}, "password": {"type": "string", "minLength": 8, "writeOnly": true},
            "role": {"type": "string", "enum": ["viewer", "editor", "admin"], "default": "viewer"}}}),
    );
    spec.schema(
        "UserPatch",
        json!({"type": "object", "additionalProperties": false, "properties": {
            "role": {"type": "string", "enum": ["viewer", "editor", "admin"]}, "is_active": {"type": "boolean"},
            "password": {"type": "string", "minLength": 8, "writeOnly": true}}}),
    );
    spec.schema(
        "Token",
        json!({"type": "object", "properties": {
            "id": {"type": "integer"}, "url": {"type": "string"}, "user_id": {"type": "integer"}, "user": brief(),
            "description": {"type": "string"}, "prefix": {"type": "string", "description": "the first characters of the token"},
            "created_at": {"type": "string", "format": "date-time"},
            "last_used_at": {"type": "string", "format": "date-time", "nullable": true}}}),
    );
    spec.schema("TokenList", list_schema("Token"));
    spec.schema(
        "NewToken",
        json!({"allOf": [r("Token"), {"type": "object", "properties": {"token": {"type": "string", "description": "the secret; shown only in this response"}}}]}),
    );
    spec.schema(
        "TokenCreate",
        json!({"type": "object", "additionalProperties": false, "properties": {
            "user_id": {"type": "integer", "description": "default: yourself"}, "description": {"type": "string", "maxLength": 200}}}),
    );
    spec.schema(
        "Change",
        json!({"type": "object", "properties": {
            "id": {"type": "integer"}, "time": {"type": "string", "format": "date-time"}, "request_id": {"type": "string"},
            "user_id": {"type": "integer", "nullable": true}, "username": {"type": "string"},
            "object_type": {"type": "string"}, "object_id": {"type": "integer"}, "object_repr": {"type": "string"},
            "action": {"type": "string", "enum": ["create", "update", "delete"]},
            "before": {"type": "object", "nullable": true}, "after": {"type": "object", "nullable": true},
            "refs": {"type": "object", "description": "the objects the values refer to, keyed `kind:id` (`site:2`): their name when the change was made (null if never known) and whether they have been deleted since",
                "additionalProperties": {"type": "object", "properties": {"name": {"type": "string", "nullable": true}, "deleted": {"type": "boolean"}}}}}}),
    );
    spec.schema("ChangeList", list_schema("Change"));
    spec.schema(
        "SearchResults",
        json!({"type": "object", "properties": {"q": {"type": "string"}, "results": {"type": "array", "items": {"type": "object", "properties": {
            "type": {"type": "string"}, "count": {"type": "integer"}, "results": {"type": "array", "items": {"type": "object"}}}}}}}),
    );
}

pub(crate) fn json_body(schema: Value) -> Value {
    json!({"content": {"application/json": {"schema": schema}}})
}

pub(crate) fn resp(desc: &str, schema: Option<Value>) -> Value {
    match schema {
        Some(s) => json!({"description": desc, "content": {"application/json": {"schema": s}}}),
        None => json!({"description": desc}),
    }
}

pub(crate) fn errors(codes: &[&str]) -> Map<String, Value> {
    codes
        .iter()
        .map(|c| {
            let d = match *c {
                "400" => "invalid input (see `fields`)",
                "401" => "not signed in or the token is not valid",
                "403" => "the token owner's role does not allow this",
                "404" => "no such object",
                "409" => "conflicts with the data (e.g. other objects refer to it)",
                "413" => "the request body is over 2 MiB",
                "414" => "the address is over 16 KiB",
                "415" => "the request body is not JSON (`Content-Type: application/json`)",
                "431" => "the request's headers are too large",
                "429" => "too many attempts; wait and try again",
                "500" => "an internal error (the body names its `request_id`)",
                "503" => "the request ran past its time limit or the database was busy; try again after `Retry-After` seconds",
                _ => "error",
            };
            (c.to_string(), resp(d, Some(r("Error"))))
        })
        .collect()
}

pub(crate) fn op(
    tag: &str,
    id: &str,
    summary: &str,
    params: Vec<Value>,
    body: Option<Value>,
    ok: (&str, Value),
    errs: &[&str],
) -> Value {
    let mut responses = errors(errs);
    responses.insert(ok.0.to_string(), ok.1);
    let mut o =
        json!({"tags": [tag], "operationId": id, "summary": summary, "responses": responses});
    if !params.is_empty() {
        o["parameters"] = Value::Array(params);
    }
    if let Some(b) = body {
        o["requestBody"] = b;
    }
    o
}

pub(crate) fn qparam(name: &str, schema: Value, desc: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": schema, "description": desc})
}

pub(crate) fn id_param(what: &str) -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}, "description": format!("id of the {what}")})
}

pub(crate) fn paging() -> Vec<Value> {
    vec![
        qparam(
            "limit",
            json!({"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}),
            "page size",
        ),
        qparam(
            "offset",
            json!({"type": "integer", "minimum": 0, "default": 0}),
            "rows to skip",
        ),
    ]
}

fn filter_param(res: &'static Resource, key: &str) -> Value {
    let (schema, desc) = match key {
        "id" => (json!({"type": "integer"}), "object id".to_string()),
        "ancestor_id" => (
            json!({"type": "integer"}),
            format!("everything beneath this {}", res.singular),
        ),
        _ => {
            if let Some((f, [(tk, t), (ik, id)])) = res.fields.iter().find_map(|f| match f.ty {
                FieldType::AnyRef { columns, .. } if columns.contains(&key) => {
                    Some((f, any_ref_schemas(f)))
                }
                _ => None,
            }) {
                let (mut s, what) = if key == tk { (t, "type") } else { (id, "id") };
                let _ = ik;
                if let Some(o) = s.as_object_mut() {
                    o.remove("nullable");
                    o.remove("title");
                }
                (s, format!("{} ({what})", f.label))
            } else {
                let f = res
                    .field(key)
                    .or_else(|| res.via_site_filters().into_iter().find(|f| f.name == key))
                    .expect("filter field");
                let mut s = match f.ty {
                    FieldType::RefSet { .. } => json!({"type": "integer"}),
                    _ => field_schema(f),
                };
                if let Some(o) = s.as_object_mut() {
                    o.remove("nullable");
                    o.remove("title");
                    o.remove("readOnly");
                }
                let desc = match f.ty {
                    FieldType::Ref(k) if k.res().tree && !(res.tree && key == "parent_id") => {
                        format!(
                            "{}, including everything beneath it; `null` for none",
                            f.label
                        )
                    }
                    FieldType::Ref(_) if res.field(key).is_none() => {
                        format!("{} (via the site)", f.label)
                    }
                    FieldType::Ref(_) => format!("{}; `null` for none", f.label),
                    FieldType::RefSet { kind, .. } => format!(
                        "holding this {} (any of several when repeated); `null` for none",
                        kind.res().singular
                    ),
                    FieldType::Text => format!("{} (whole value, any case)", f.label),
                    _ => f.label.to_string(),
                };
                (s, desc)
            }
        }
    };
    json!({"name": key, "in": "query", "required": false, "style": "form", "explode": true,
           "schema": {"type": "array", "items": schema}, "description": format!("{desc}; repeat for any of several values")})
}

/// The range filters of a type: `<field>__gte`, `__lte`, `__gt`, `__lt` of each ranged field
/// and of the time stamps.
fn range_params(res: &'static Resource) -> Vec<Value> {
    let stamp = json!({"type": "string", "format": "date-time"});
    let mut fields: Vec<(&str, String, Value)> = res
        .fields
        .iter()
        .filter(|f| f.ty.ranged() && f.stored())
        .map(|f| {
            let mut s = field_schema(f);
            if let Some(o) = s.as_object_mut() {
                o.remove("nullable");
                o.remove("title");
            }
            (f.name, f.label.to_string(), s)
        })
        .collect();
    fields.push(("created_at", "Created".into(), stamp.clone()));
    fields.push(("updated_at", "Last updated".into(), stamp));
    let mut out = vec![];
    for (name, label, schema) in fields {
        for (suffix, what) in [
            ("gte", "at least"),
            ("lte", "at most"),
            ("gt", "more than"),
            ("lt", "less than"),
        ] {
            out.push(qparam(
                &format!("{name}__{suffix}"),
                schema.clone(),
                &format!("{label} {what} this"),
            ));
        }
    }
    out
}

pub fn collection_ops(res: &'static Resource) -> Vec<(&'static str, Value)> {
    let n = name(res);
    let tag = app::schema::capitalize(res.plural);
    let mut params = vec![
        qparam(
            "q",
            json!({"type": "string"}),
            &format!(
                "search {} ({})",
                res.plural,
                res.search
                    .iter()
                    .chain(res.search_exact)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        qparam(
            "ordering",
            json!({"type": "string"}),
            "field to order by, `-` for descending; several comma-separated",
        ),
    ];
    params.extend(paging());
    params.push(qparam(
        "format",
        json!({"type": "string", "enum": ["json", "csv", "jsonl"], "default": "json"}),
        "csv or jsonl (JSON Lines, one object per line as the API writes it): every matching object, paging ignored; in CSV, cells a spreadsheet would run as a formula start with '",
    ));
    for key in res.filter_keys() {
        params.push(filter_param(res, key));
    }
    params.extend(range_params(res));
    let list_ok = json!({"description": format!("a page of {}", res.plural), "content": {
        "application/json": {"schema": r(&format!("{n}List"))},
        "text/csv": {"schema": {"type": "string"}},
        "application/x-ndjson": {"schema": {"type": "string"}}
    }});
    let body = json_body(
        json!({"oneOf": [r(&format!("{n}Write")), {"type": "array", "items": r(&format!("{n}Write"))}]}),
    );
    vec![
        (
            "get",
            op(
                &tag,
                &format!("list_{}", res.kind.as_str()),
                &format!("List {}", res.plural),
                params,
                None,
                ("200", list_ok),
                &["400", "401"],
            ),
        ),
        (
            "post",
            op(
                &tag,
                &format!("create_{}", res.kind.as_str()),
                &format!(
                    "Create a {} (an object) or several (an array: all or nothing)",
                    res.singular
                ),
                vec![json!({"name": "Prefer", "in": "header", "required": false,
                    "schema": {"type": "string", "enum": ["return=minimal", "return=representation"]},
                    "description": "`return=minimal`: answer with only the id and URL of each created object (faster bulk loads)"})],
                Some(body),
                (
                    "201",
                    resp(
                        "created (an object or an array, as sent)",
                        Some(json!({"oneOf": [r(&n), {"type": "array", "items": r(&n)}]})),
                    ),
                ),
                &["400", "401", "403"],
            ),
        ),
    ]
}

pub fn member_ops(res: &'static Resource) -> Vec<(&'static str, Value)> {
    let n = name(res);
    let tag = app::schema::capitalize(res.plural);
    let k = res.kind.as_str();
    vec![
        (
            "get",
            op(
                &tag,
                &format!("get_{k}"),
                &format!("Get a {}", res.singular),
                vec![id_param(res.singular)],
                None,
                ("200", resp("the object", Some(r(&n)))),
                &["401", "404"],
            ),
        ),
        (
            "patch",
            op(
                &tag,
                &format!("update_{k}"),
                &format!("Change fields of a {}", res.singular),
                vec![id_param(res.singular)],
                Some(json_body(r(&format!("{n}Write")))),
                ("200", resp("the changed object", Some(r(&n)))),
                &["400", "401", "403", "404"],
            ),
        ),
        (
            "delete",
            op(
                &tag,
                &format!("delete_{k}"),
                &format!(
                    "Delete a {} (refused while other objects refer to it)",
                    res.singular
                ),
                vec![id_param(res.singular)],
                None,
                ("204", resp("deleted", None)),
                &["401", "403", "404", "409"],
            ),
        ),
    ]
}

pub fn users_collection_ops() -> Vec<(&'static str, Value)> {
    vec![
        (
            "get",
            op(
                "Users",
                "list_users",
                "List users (admins)",
                paging(),
                None,
                ("200", resp("users", Some(r("UserList")))),
                &["400", "401", "403"],
            ),
        ),
        (
            "post",
            op(
                "Users",
                "create_user",
                "Create a user (admins)",
                vec![],
                Some(json_body(r("UserCreate"))),
                ("201", resp("the user", Some(r("User")))),
                &["400", "401", "403"],
            ),
        ),
    ]
}

pub fn users_member_ops() -> Vec<(&'static str, Value)> {
    vec![
        (
            "get",
            op(
                "Users",
                "get_user",
                "Get a user (admins; anyone their own)",
                vec![id_param("user")],
                None,
                ("200", resp("the user", Some(r("User")))),
                &["401", "403", "404"],
            ),
        ),
        (
            "patch",
            op(
                "Users",
                "update_user",
                "Change a user's role, access or password (admins)",
                vec![id_param("user")],
                Some(json_body(r("UserPatch"))),
                ("200", resp("the user", Some(r("User")))),
                &["400", "401", "403", "404", "409"],
            ),
        ),
        (
            "delete",
            op(
                "Users",
                "delete_user",
                "Delete a user and their tokens (admins)",
                vec![id_param("user")],
                None,
                ("204", resp("deleted", None)),
                &["401", "403", "404", "409"],
            ),
        ),
    ]
}

pub fn tokens_collection_ops() -> Vec<(&'static str, Value)> {
    vec![
        (
            "get",
            op(
                "Tokens",
                "list_tokens",
                "List API tokens: everyone's for admins, one's own for anyone else",
                paging(),
                None,
                ("200", resp("tokens", Some(r("TokenList")))),
                &["400", "401", "403"],
            ),
        ),
        (
            "post",
            op(
                "Tokens",
                "create_token",
                "Create an API token (for oneself; admins for anyone); its secret is in this response only",
                vec![],
                Some(json_body(r("TokenCreate"))),
                (
                    "201",
                    resp("the token with its secret", Some(r("NewToken"))),
                ),
                &["400", "401", "403"],
            ),
        ),
    ]
}

pub fn tokens_member_ops() -> Vec<(&'static str, Value)> {
    vec![
        (
            "get",
            op(
                "Tokens",
                "get_token",
                "Get an API token (one's own; admins any)",
                vec![id_param("token")],
                None,
                ("200", resp("the token", Some(r("Token")))),
                &["401", "403", "404"],
            ),
        ),
        (
            "delete",
            op(
                "Tokens",
                "revoke_token",
                "Revoke an API token (one's own; admins any)",
                vec![id_param("token")],
                None,
                ("204", resp("revoked", None)),
                &["401", "403", "404"],
            ),
        ),
    ]
}

pub fn changes_ops() -> Vec<(&'static str, Value)> {
    let mut params = vec![
        qparam("user", json!({"type": "string"}), "username"),
        qparam(
            "object_type",
            json!({"type": "string"}),
            "e.g. device, site, user",
        ),
        qparam("object_id", json!({"type": "integer"}), "object id"),
        qparam(
            "action",
            json!({"type": "string", "enum": ["create", "update", "delete"]}),
            "action",
        ),
        qparam(
            "request_id",
            json!({"type": "string"}),
            "all changes of one request",
        ),
        qparam(
            "since",
            json!({"type": "string", "format": "date"}),
            "from this day (UTC)",
        ),
        qparam(
            "until",
            json!({"type": "string", "format": "date"}),
            "to this day (UTC), inclusive",
        ),
    ];
    params.extend(paging());
    vec![(
        "get",
        op(
            "Change log",
            "list_changes",
            "The change log, newest first",
            params,
            None,
            ("200", resp("changes", Some(r("ChangeList")))),
            &["400", "401"],
        ),
    )]
}

pub fn search_ops() -> Vec<(&'static str, Value)> {
    let params = vec![
        json!({"name": "q", "in": "query", "required": true, "schema": {"type": "string"}, "description": "name, serial, asset tag, IP or MAC"}),
    ];
    vec![(
        "get",
        op(
            "Search",
            "search",
            "Search every object type",
            params,
            None,
            (
                "200",
                resp("up to 10 matches per type", Some(r("SearchResults"))),
            ),
            &["400", "401"],
        ),
    )]
}

pub fn openapi_ops() -> Vec<(&'static str, Value)> {
    vec![(
        "get",
        op(
            "Meta",
            "openapi",
            "This document",
            vec![],
            None,
            (
                "200",
                resp("OpenAPI 3 document", Some(json!({"type": "object"}))),
            ),
            &["401"],
        ),
    )]
}

pub fn health_op() -> Value {
    let mut o = op(
        "Meta",
        "health",
        "Liveness and database reachability (no authentication)",
        vec![],
        None,
        (
            "200",
            resp(
                "healthy",
                Some(
                    json!({"type": "object", "properties": {"status": {"type": "string"}, "version": {"type": "string"}, "database": {"type": "boolean"}}}),
                ),
            ),
        ),
        &[],
    );
    o["security"] = json!([]);
    o["responses"]["503"] = resp("the database does not answer", None);
    o
}

pub fn metrics_op() -> Value {
    json!({"tags": ["Meta"], "operationId": "metrics", "summary": "Prometheus metrics: requests by route and status, latencies, object counts",
           "responses": {"200": {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}},
                         "401": resp("not signed in", Some(r("Error")))}})
}
