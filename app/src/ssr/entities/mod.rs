//! A SeaORM entity for every table. All are written by hand (none is generated); enums stored as
//! text are `DeriveActiveEnum`s defined with the shared data shapes (`crate::model`), so an
//! unknown stored value is an error — [`stored`] names its table, column and value.
//! `tests::entities_match_the_migrated_tables` checks every entity against the database the
//! migrations build, on SQLite and PostgreSQL.

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
        .unwrap_or("?");
    DbErr::Type(format!(
        "{table}.{column} holds '{value}', which this version of Census does not know ({enum_name})"
    ))
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
            "jsonb" | "json" | "json_text" => ValueKind::Json,
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

/// Every entity, described.
pub fn all() -> Vec<TableDesc> {
    vec![
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
    ]
}
