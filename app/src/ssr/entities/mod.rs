//! A SeaORM entity for every table. The inventory types' entities are generated from their
//! descriptions in `schema.rs` (`generated/`, by `make entities`; `codegen` writes them and a
//! test keeps them current), with the hand-written glue the engine uses beside them
//! (`inventory`). The other tables' entities are written by hand here; their enums stored as
//! text are `DeriveActiveEnum`s defined with the shared data shapes (`crate::model`). An
//! unknown stored value is an error — [`stored`] names its table, column and value — and
//! `tests/entities.rs` checks every entity against the tables the migrations build, on SQLite
//! and PostgreSQL.

pub mod codegen;
pub mod generated;
pub mod inventory;

pub mod api_token;
pub mod change_log;
pub mod daily_count;
pub mod job_log;
pub mod job_run;
pub mod login_attempt;
pub mod month_end_count;
pub mod session;
pub mod setting;
pub mod site_mapping;
pub mod snapshot;
pub mod snapshot_raw;
pub mod user;

use sea_orm::DbErr;

/// The columns that hold an enum, by the enum's Rust name: (enum, table, column). An unknown
/// value read from one of them is reported with its place.
const ENUM_COLUMNS: &[(&str, &str, &str)] = &[
    ("Role", "users", "role"),
    ("Action", "change_log", "action"),
    ("JobType", "job_runs", "kind"),
    ("Source", "job_runs", "source"),
    ("Trigger", "job_runs", "trigger"),
    ("JobStatus", "job_runs", "status"),
    ("LogLevel", "job_logs", "level"),
    ("Source", "snapshots", "source"),
    ("Classification", "snapshots", "classification"),
    ("Source", "snapshot_raw", "source"),
    ("Source", "site_mappings", "source"),
    ("MappingMethod", "site_mappings", "method"),
    ("Source", "daily_counts", "source"),
    ("Classification", "daily_counts", "classification"),
    ("Source", "month_end_counts", "source"),
    ("Classification", "month_end_counts", "classification"),
];

/// Name the place of an unknown stored enum value: SeaORM says "unexpected value for JobType
/// enum: bogus"; this says "job_runs.kind holds 'bogus', which this version of Census does not
/// know". `table` is the table the read was from. Other errors pass unchanged.
pub fn stored(table: &str, e: DbErr) -> DbErr {
    let msg = match &e {
        DbErr::Type(m) => m.clone(),
        DbErr::Query(q) => q.to_string(),
        _ => return e,
    };
    let Some(rest) = msg
        .find("unexpected value for ")
        .map(|i| &msg[i + "unexpected value for ".len()..])
    else {
        return e;
    };
    let Some((enum_name, value)) = rest.split_once(" enum: ") else {
        return e;
    };
    let column = ENUM_COLUMNS
        .iter()
        .find(|(n, t, _)| *n == enum_name && *t == table)
        .map(|(_, _, c)| *c)
        .or_else(|| inventory_enum_column(table, enum_name))
        .unwrap_or("?");
    DbErr::Type(format!(
        "{table}.{column} holds '{value}', which this version of Census does not know ({enum_name})"
    ))
}

/// The column of a generated inventory entity that holds enum `enum_name`.
fn inventory_enum_column(table: &str, enum_name: &str) -> Option<&'static str> {
    use crate::schema::FieldType;
    let res = crate::schema::RESOURCES.iter().find(|r| r.table == table)?;
    res.fields.iter().find_map(|f| match f.ty {
        FieldType::Choice(_) if codegen::camel(f.name) == enum_name => Some(f.name),
        FieldType::AnyRef { columns, .. } if codegen::camel(columns[0]) == enum_name => {
            Some(columns[0])
        }
        _ => None,
    })
}

/// `stored` for a result read from `E`'s table.
pub trait Stored<T> {
    fn stored<E: sea_orm::EntityTrait + Default>(self) -> Result<T, DbErr>;
}

impl<T> Stored<T> for Result<T, DbErr> {
    fn stored<E: sea_orm::EntityTrait + Default>(self) -> Result<T, DbErr> {
        self.map_err(|e| stored(sea_orm::EntityName::table_name(&E::default()), e))
    }
}

/// The kind of value a column holds, as far as the database and the engine care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Int,
    Text,
    Bool,
    Date,
    DateTime,
    Blob,
    Json,
}

impl ValueKind {
    /// The kind of a SeaORM column type; None for a type no entity uses.
    pub fn of(t: &sea_orm::ColumnType) -> Option<ValueKind> {
        use sea_orm::ColumnType as T;
        Some(match t {
            T::BigInteger | T::Integer | T::SmallInteger | T::TinyInteger => ValueKind::Int,
            T::String(_) | T::Text | T::Char(_) => ValueKind::Text,
            T::Boolean => ValueKind::Bool,
            T::Date => ValueKind::Date,
            T::DateTime | T::Timestamp | T::TimestampWithTimeZone => ValueKind::DateTime,
            T::Binary(_) | T::VarBinary(_) | T::Blob => ValueKind::Blob,
            T::Json | T::JsonBinary => ValueKind::Json,
            _ => return None,
        })
    }

    /// The kind of a column type as the database reports it (SQLite's declared type or
    /// PostgreSQL's `information_schema` data type).
    pub fn of_sql(declared: &str) -> Option<ValueKind> {
        let t = declared.to_ascii_lowercase();
        Some(match t.as_str() {
            "bigint" | "integer" | "int" | "smallint" => ValueKind::Int,
            "text" | "character varying" | "varchar" | "string" => ValueKind::Text,
            "boolean" | "bool" => ValueKind::Bool,
            "date" | "date_text" => ValueKind::Date,
            "timestamp with time zone" | "timestamp_with_timezone_text" | "timestamptz" => {
                ValueKind::DateTime
            }
            "blob" | "bytea" => ValueKind::Blob,
            "jsonb" | "json" | "json_text" | "jsonb_text" => ValueKind::Json,
            _ if t.starts_with("varchar") || t.starts_with("character varying") => ValueKind::Text,
            _ => return None,
        })
    }
}

/// One column of an entity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnDesc {
    pub name: String,
    /// None: a column type this check does not know (a test failure).
    pub kind: Option<ValueKind>,
    pub nullable: bool,
}

/// An entity's table and columns, for checking entities against the schema descriptions and
/// against the tables the migrations build.
#[derive(Clone, Debug)]
pub struct TableDesc {
    pub table: String,
    pub columns: Vec<ColumnDesc>,
}

/// Describe entity `E`.
pub fn describe<E: sea_orm::EntityTrait + Default>() -> TableDesc {
    use sea_orm::{ColumnTrait, IdenStatic, Iterable};
    TableDesc {
        table: E::default().table_name().to_string(),
        columns: E::Column::iter()
            .map(|c| {
                let def = c.def();
                ColumnDesc {
                    name: c.as_str().to_string(),
                    kind: ValueKind::of(def.get_column_type()),
                    nullable: def.is_null(),
                }
            })
            .collect(),
    }
}

/// The kind of value a field of an inventory type is stored as.
pub fn field_kind(f: &crate::schema::Field) -> ValueKind {
    use crate::schema::FieldType as F;
    match f.ty {
        F::Int { .. } | F::Ref(_) | F::Decimal { .. } | F::Money { .. } => ValueKind::Int,
        F::Bool => ValueKind::Bool,
        F::Date => ValueKind::Date,
        F::DateTime => ValueKind::DateTime,
        F::Json => ValueKind::Json,
        _ => ValueKind::Text,
    }
}

/// Every entity, described (the inventory's generated ones too).
pub fn all() -> Vec<TableDesc> {
    let mut v = generated::all();
    v.extend([
        describe::<api_token::Entity>(),
        describe::<change_log::Entity>(),
        describe::<daily_count::Entity>(),
        describe::<job_log::Entity>(),
        describe::<job_run::Entity>(),
        describe::<login_attempt::Entity>(),
        describe::<month_end_count::Entity>(),
        describe::<session::Entity>(),
        describe::<setting::Entity>(),
        describe::<site_mapping::Entity>(),
        describe::<snapshot::Entity>(),
        describe::<snapshot_raw::Entity>(),
        describe::<user::Entity>(),
    ]);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{FieldType, RESOURCES};

    /// Each inventory type's fields and its entity's columns agree in name, nullability and
    /// kind of value (the entities are generated from the descriptions; this catches an entity
    /// edited by hand or not regenerated, and a misspelt field).
    #[test]
    fn schema_and_entities_agree() {
        let entities = all();
        let mut problems = vec![];
        for res in RESOURCES {
            let Some(e) = entities.iter().find(|e| e.table == res.table) else {
                problems.push(format!("{}: no entity", res.table));
                continue;
            };
            let mut expected: Vec<(String, ValueKind, bool)> =
                vec![("id".into(), ValueKind::Int, false)];
            for f in res.stored_fields() {
                match f.ty {
                    FieldType::AnyRef { columns, .. } => {
                        expected.push((columns[0].into(), ValueKind::Text, !f.required));
                        expected.push((columns[1].into(), ValueKind::Int, !f.required));
                    }
                    _ => {
                        expected.push((f.name.into(), field_kind(f), !f.not_null()));
                        if f.has_key() {
                            expected.push((
                                format!("{}_key", f.name),
                                ValueKind::Text,
                                !f.not_null(),
                            ));
                        }
                    }
                }
            }
            expected.push(("search_text".into(), ValueKind::Text, false));
            expected.push(("created_at".into(), ValueKind::DateTime, false));
            expected.push(("updated_at".into(), ValueKind::DateTime, false));
            for (name, kind, nullable) in &expected {
                match e.columns.iter().find(|c| &c.name == name) {
                    None => problems.push(format!(
                        "{}.{name}: described, not in the entity",
                        res.table
                    )),
                    Some(c) => {
                        if c.kind != Some(*kind) {
                            problems.push(format!(
                                "{}.{name}: described as {kind:?}, the entity holds {:?}",
                                res.table, c.kind
                            ));
                        }
                        if c.nullable != *nullable {
                            problems.push(format!(
                                "{}.{name}: nullable {nullable} in the description, {} in the entity",
                                res.table, c.nullable
                            ));
                        }
                    }
                }
            }
            for c in &e.columns {
                if !expected.iter().any(|x| x.0 == c.name) {
                    problems.push(format!(
                        "{}.{}: in the entity, not described",
                        res.table, c.name
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
