//! Writes the inventory entities (`entities/generated/`) from the type descriptions in
//! `schema.rs`, so the two cannot drift: `make entities` rewrites them, and the test
//! `generated_entities_are_current` fails while they differ from what this would write.
//! The database side is checked by `tests/entities.rs` against the migrated tables.

use crate::schema::{Field, FieldType, RESOURCES, Resource};
use std::collections::BTreeMap;
use std::fmt::Write;

/// `dark-fiber` → `DarkFiber`, `site_group` → `SiteGroup`.
pub(crate) fn camel(s: &str) -> String {
    s.split(['-', '_', ' '])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            let first = c.next().expect("non-empty").to_ascii_uppercase();
            std::iter::once(first).chain(c).collect::<String>()
        })
        .collect()
}

/// A Rust field name for a column (`type` is a keyword).
fn ident(column: &str) -> String {
    match column {
        "type" => "type_".into(),
        c => c.to_string(),
    }
}

fn attr(column: &str, extra: &[&str]) -> String {
    let mut parts: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    if ident(column) != column {
        parts.insert(0, format!("column_name = \"{column}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("    #[sea_orm({})]\n", parts.join(", "))
    }
}

fn opt(t: &str, required: bool) -> String {
    if required {
        t.to_string()
    } else {
        format!("Option<{t}>")
    }
}

/// The module name of a type (`site_group`).
pub fn module(res: &Resource) -> &'static str {
    res.kind.as_str()
}

/// The join table's columns of a set field: (`device_id`, `tag_id`).
pub fn join_columns(owner: &Resource, f: &Field) -> (String, String) {
    match f.ty {
        FieldType::RefSet { kind, .. } => (
            format!("{}_id", owner.kind.as_str()),
            format!("{}_id", kind.as_str()),
        ),
        _ => panic!("{} is not a set", f.name),
    }
}

fn enum_def(name: &str, doc: &str, values: &[&str]) -> String {
    let mut out = format!(
        "/// {doc}\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]\n\
         #[sea_orm(rs_type = \"String\", db_type = \"Text\")]\npub enum {name} {{\n"
    );
    for v in values {
        let _ = writeln!(
            out,
            "    #[sea_orm(string_value = \"{v}\")]\n    {},",
            camel(v)
        );
    }
    out.push_str("}\n\n");
    out
}

fn entity(res: &'static Resource) -> String {
    let mut enums = String::new();
    let mut cols = String::new();
    let mut cells = String::new();
    for f in res.fields {
        let name = f.name;
        match f.ty {
            _ if f.computed => {
                let _ = writeln!(cells, "                Cell::Null, // {name}: computed");
                continue;
            }
            FieldType::RefSet { table, .. } => {
                let _ = writeln!(
                    cells,
                    "                Cell::Set(vec![]), // {name}: {table}"
                );
                continue;
            }
            FieldType::AnyRef { kinds, columns, .. } => {
                let e = camel(columns[0]);
                let values: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                enums.push_str(&enum_def(
                    &e,
                    &format!("The types `{name}` can refer to."),
                    &values,
                ));
                let _ = write!(
                    cols,
                    "    pub {}: {},\n    pub {}: {},\n",
                    columns[0],
                    opt(&e, f.required),
                    columns[1],
                    opt("i64", f.required)
                );
                let (t, id) = if f.required {
                    (
                        format!("Some(self.{}.to_value())", columns[0]),
                        format!("Some(self.{})", columns[1]),
                    )
                } else {
                    (
                        format!("self.{}.map(|t| t.to_value())", columns[0]),
                        format!("self.{}", columns[1]),
                    )
                };
                let _ = writeln!(cells, "                Cell::obj({t}, {id})?,");
                continue;
            }
            FieldType::Choice(choices) => {
                let e = camel(name);
                let values: Vec<&str> = choices.iter().map(|c| c.0).collect();
                enums.push_str(&enum_def(&e, &format!("The values of `{name}`."), &values));
                let _ = writeln!(
                    cols,
                    "{}    pub {}: {},",
                    attr(name, &[]),
                    ident(name),
                    opt(&e, f.required)
                );
                let conv = if f.required {
                    format!("Cell::from(self.{}.to_value())", ident(name))
                } else {
                    format!("Cell::from(self.{}.map(|v| v.to_value()))", ident(name))
                };
                let _ = writeln!(cells, "                {conv},");
                continue;
            }
            _ => {}
        }
        let (rust, extra): (&str, &[&str]) = match f.ty {
            FieldType::Text
            | FieldType::Slug
            | FieldType::Ipv4
            | FieldType::Ipv6
            | FieldType::Mac
            | FieldType::TimeZone
            | FieldType::Colour
            | FieldType::Currency => ("String", &[]),
            FieldType::LongText => ("String", &["column_type = \"Text\""]),
            FieldType::Int { .. }
            | FieldType::Ref(_)
            | FieldType::Decimal { .. }
            | FieldType::Money { .. } => ("i64", &[]),
            FieldType::Bool => ("bool", &[]),
            FieldType::Date => ("Date", &[]),
            FieldType::DateTime => ("DateTimeUtc", &[]),
            FieldType::Json => ("Json", &["column_type = \"JsonBinary\""]),
            FieldType::Choice(_) | FieldType::AnyRef { .. } | FieldType::RefSet { .. } => {
                unreachable!("handled above")
            }
        };
        let doc = match f.ty {
            FieldType::Decimal { scale, .. } => format!("    /// In units of 10^-{scale}.\n"),
            FieldType::Money { .. } => "    /// In ten-thousandths of the currency.\n".into(),
            _ => String::new(),
        };
        let _ = writeln!(
            cols,
            "{doc}{}    pub {}: {},",
            attr(name, extra),
            ident(name),
            opt(rust, f.not_null())
        );
        if f.has_key() {
            let _ = write!(
                cols,
                "    /// `{name}`, case-folded (`text::fold`).\n    pub {name}_key: {},\n",
                opt("String", f.not_null())
            );
        }
        let _ = writeln!(cells, "                Cell::from(self.{}),", ident(name));
    }
    let mut out = format!(
        "//! @generated by `make entities` from `app/src/schema.rs` (the {} type): do not edit.\n\
         //! Its behaviour is hand-written: `entities/inventory.rs` and `services/rules/`.\n\n\
         use crate::ssr::entities::inventory::Record;\n\
         use crate::ssr::services::objects::cells::{{Cell, Row}};\n\
         use sea_orm::entity::prelude::*;\n\n",
        res.singular
    );
    out.push_str(&enums);
    let _ = write!(
        out,
        "#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]\n\
         #[sea_orm(table_name = \"{}\")]\n\
         pub struct Model {{\n    #[sea_orm(primary_key)]\n    pub id: i64,\n{cols}\
         \x20   /// What free-text search looks in: the search fields, case-folded.\n\
         \x20   #[sea_orm(column_type = \"Text\")]\n    pub search_text: String,\n\
         \x20   pub created_at: DateTimeUtc,\n    pub updated_at: DateTimeUtc,\n}}\n\n\
         #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\npub enum Relation {{}}\n\n\
         impl ActiveModelBehavior for ActiveModel {{}}\n\n\
         impl Record for Model {{\n\
         \x20   fn into_row(self) -> Result<Row, DbErr> {{\n\
         \x20       Ok(Row {{\n            id: self.id,\n            cells: vec![\n{cells}\
         \x20           ],\n            created_at: self.created_at,\n            updated_at: self.updated_at,\n\
         \x20       }})\n    }}\n}}\n",
        res.table
    );
    out
}

fn join_entity(owner: &'static Resource, f: &'static Field) -> (String, String) {
    let FieldType::RefSet { table, kind } = f.ty else {
        unreachable!("a set")
    };
    let (a, b) = join_columns(owner, f);
    let text = format!(
        "//! @generated by `make entities` from `app/src/schema.rs`: do not edit.\n\
         //! The {} of each {} (`{}.{}`).\n\n\
         use sea_orm::entity::prelude::*;\n\n\
         #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]\n\
         #[sea_orm(table_name = \"{table}\")]\n\
         pub struct Model {{\n\
         \x20   #[sea_orm(primary_key, auto_increment = false)]\n    pub {a}: i64,\n\
         \x20   #[sea_orm(primary_key, auto_increment = false)]\n    pub {b}: i64,\n}}\n\n\
         #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\npub enum Relation {{}}\n\n\
         impl ActiveModelBehavior for ActiveModel {{}}\n",
        kind.res().plural,
        owner.singular,
        owner.kind.as_str(),
        f.name,
    );
    (table.to_string(), text)
}

/// Every generated file: path under `entities/generated/` → text.
pub fn files() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut modules = vec![];
    let mut tables = String::new();
    let mut joins = String::new();
    let mut describes = String::new();
    for res in RESOURCES {
        let m = module(res);
        out.insert(format!("{m}.rs"), entity(res));
        modules.push(m.to_string());
        let _ = writeln!(
            tables,
            "        Kind::{:?} => &EntityTable::<{m}::Entity>::NEW,",
            res.kind
        );
        let _ = writeln!(describes, "        describe::<{m}::Entity>(),");
        for f in res.fields {
            if let FieldType::RefSet { .. } = f.ty {
                let (table, text) = join_entity(res, f);
                let (a, b) = join_columns(res, f);
                out.insert(format!("{table}.rs"), text);
                modules.push(table.clone());
                let _ = writeln!(
                    joins,
                    "        \"{table}\" => Some(Join {{\n            table: {table}::Entity.into_iden(),\n            \
                     owner: {table}::Column::{}.into_iden(),\n            target: {table}::Column::{}.into_iden(),\n        }}),",
                    camel(&a),
                    camel(&b)
                );
                let _ = writeln!(describes, "        describe::<{table}::Entity>(),");
            }
        }
    }
    modules.sort();
    let mut m = String::from(
        "//! @generated by `make entities` from `app/src/schema.rs`: do not edit.\n\
         //! The inventory's entities, one module per type and per set's join table.\n\n",
    );
    for name in &modules {
        let _ = writeln!(m, "pub mod {name};");
    }
    let _ = write!(
        m,
        "\nuse super::inventory::{{EntityTable, Join, Table}};\n\
         use super::{{TableDesc, describe}};\n\
         use crate::schema::Kind;\n\
         use sea_orm::sea_query::IntoIden;\n\n\
         /// The entity of an inventory type.\n\
         #[allow(unreachable_patterns)]\n\
         pub fn table(kind: Kind) -> &'static dyn Table {{\n    match kind {{\n{tables}        \
         _ => panic!(\"no entity for {{kind:?}}: run `make entities`\"),\n    }}\n}}\n\n\
         /// The join table of a set field, by table name.\n\
         pub fn join(table: &str) -> Option<Join> {{\n    match table {{\n{joins}        _ => None,\n    }}\n}}\n\n\
         /// Every inventory entity, described.\n\
         pub fn all() -> Vec<TableDesc> {{\n    vec![\n{describes}    ]\n}}\n"
    );
    out.insert("mod.rs".into(), m);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text as `cargo fmt` leaves it.
    fn rustfmt(text: &str) -> String {
        use std::io::Write as _;
        let mut child = std::process::Command::new("rustfmt")
            .args(["--edition", "2024", "--emit", "stdout"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("rustfmt runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("rustfmt reads");
        let out = child.wait_with_output().expect("rustfmt ends");
        assert!(
            out.status.success(),
            "rustfmt refused the generated code:\n{text}"
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    }

    /// `make entities` (CENSUS_WRITE_ENTITIES=1) writes the files; otherwise they must match.
    #[test]
    fn generated_entities_are_current() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ssr/entities/generated");
        let write = std::env::var("CENSUS_WRITE_ENTITIES").is_ok_and(|v| v == "1");
        let mut stale = vec![];
        let files: BTreeMap<String, String> = files()
            .into_iter()
            .map(|(name, text)| (name, rustfmt(&text)))
            .collect();
        for (name, text) in &files {
            let path = dir.join(name);
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if &current != text {
                if write {
                    std::fs::create_dir_all(&dir).unwrap();
                    std::fs::write(&path, text).unwrap();
                } else {
                    stale.push(name.clone());
                }
            }
        }
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if !files.contains_key(&name) {
                if write {
                    std::fs::remove_file(e.path()).unwrap();
                } else {
                    stale.push(format!("{name} (no longer described)"));
                }
            }
        }
        assert!(
            stale.is_empty(),
            "the inventory entities differ from app/src/schema.rs: {}; run `make entities`",
            stale.join(", ")
        );
    }
}
