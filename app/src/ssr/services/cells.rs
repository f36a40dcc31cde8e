//! Rows of inventory tables as the generic object service sees them: one typed cell per field
//! of the resource, read from and written to SQL through sea-query.

use crate::schema::{Field, Resource};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Value as SqlValue;
use sea_orm::{DbErr, QueryResult};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

impl Cell {
    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }
    pub fn int(&self) -> Option<i64> {
        match self {
            Cell::Int(n) => Some(*n),
            _ => None,
        }
    }
    pub fn text(&self) -> Option<&str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }
    pub fn to_json(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Int(n) => Value::from(*n),
            Cell::Text(s) => Value::String(s.clone()),
        }
    }
    /// The SQL value for a column of `field`'s type (typed NULLs keep PostgreSQL happy).
    pub fn to_sql(&self, field: &Field) -> SqlValue {
        match (self, field.is_int()) {
            (Cell::Int(n), _) => SqlValue::BigInt(Some(*n)),
            (Cell::Text(s), _) => SqlValue::String(Some(s.clone())),
            (Cell::Null, true) => SqlValue::BigInt(None),
            (Cell::Null, false) => SqlValue::String(None),
        }
    }
    /// Key for case-insensitive comparisons (uniqueness).
    pub fn fold(&self) -> Cell {
        match self {
            Cell::Text(s) => Cell::Text(s.to_lowercase()),
            other => other.clone(),
        }
    }
    pub fn display(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Int(n) => n.to_string(),
            Cell::Text(s) => s.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Row {
    pub id: i64,
    pub cells: Vec<Cell>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Row {
    pub fn get(&self, res: &Resource, name: &str) -> &Cell {
        static NULL: Cell = Cell::Null;
        res.fields
            .iter()
            .position(|f| f.name == name)
            .map(|i| &self.cells[i])
            .unwrap_or(&NULL)
    }
    pub fn int(&self, res: &Resource, name: &str) -> Option<i64> {
        self.get(res, name).int()
    }
    pub fn title(&self, res: &Resource) -> String {
        self.get(res, res.title).display()
    }
    /// The object as the change log records it: JSON text, written directly (bulk loads log
    /// thousands of these).
    pub fn to_json_text(&self, res: &Resource) -> String {
        let mut out = String::with_capacity(64 + self.cells.len() * 24);
        out.push_str("{\"id\":");
        out.push_str(&self.id.to_string());
        for (f, c) in res.fields.iter().zip(&self.cells) {
            out.push_str(",\"");
            out.push_str(f.name);
            out.push_str("\":");
            match c {
                Cell::Null => out.push_str("null"),
                Cell::Int(n) => out.push_str(&n.to_string()),
                Cell::Text(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
            }
        }
        out.push('}');
        out
    }
}

pub fn set(cells: &mut [Cell], res: &Resource, name: &str, value: Cell) {
    if let Some(i) = res.fields.iter().position(|f| f.name == name) {
        cells[i] = value;
    }
}

pub fn get<'a>(cells: &'a [Cell], res: &Resource, name: &str) -> &'a Cell {
    static NULL: Cell = Cell::Null;
    res.fields
        .iter()
        .position(|f| f.name == name)
        .map(|i| &cells[i])
        .unwrap_or(&NULL)
}

/// Columns selected for a full row, in `read_row` order.
pub fn columns(res: &Resource) -> Vec<&'static str> {
    let mut cols = vec!["id"];
    cols.extend(res.fields.iter().map(|f| f.name));
    cols.push("created_at");
    cols.push("updated_at");
    cols
}

pub fn read_row(res: &Resource, r: &QueryResult) -> Result<Row, DbErr> {
    let id: i64 = r.try_get("", "id")?;
    let mut cells = Vec::with_capacity(res.fields.len());
    for f in res.fields {
        let c = if f.is_int() {
            r.try_get::<Option<i64>>("", f.name)?
                .map_or(Cell::Null, Cell::Int)
        } else {
            r.try_get::<Option<String>>("", f.name)?
                .map_or(Cell::Null, Cell::Text)
        };
        cells.push(c);
    }
    Ok(Row {
        id,
        cells,
        created_at: r.try_get("", "created_at")?,
        updated_at: r.try_get("", "updated_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::TENANT_RES;

    #[test]
    fn change_log_json_is_valid_and_escaped() {
        let row = Row {
            id: 7,
            cells: vec![
                Cell::Text("Acme \"Inc\"\n\\ ✓".into()),
                Cell::Text("acme".into()),
                Cell::Null,
            ],
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let v: Value = serde_json::from_str(&row.to_json_text(&TENANT_RES)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"id": 7, "name": "Acme \"Inc\"\n\\ ✓", "slug": "acme", "description": null})
        );
    }
}
