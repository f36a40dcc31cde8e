//! Values of inventory objects as the generic engine holds them: one typed [`Cell`] per field of
//! the type's [`Resource`], converted from and to the type's entity model (generated code in
//! `ssr::entities::inventory`), to the API's JSON, to CSV text and to the change log.

use crate::schema::{Field, FieldType, Kind, Resource};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;
use sea_orm::DbErr;
use serde_json::{Map, Value};

/// One field's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Null,
    /// Whole numbers, references, and decimals and money in their smallest unit
    /// (10^-scale of the field).
    Int(i64),
    /// Text of every kind: plain, long, slug, choice value, addresses, time zone, colour,
    /// currency code.
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    Time(DateTime<Utc>),
    /// A JSON object.
    Json(Map<String, Value>),
    /// A reference to an object of one of several types.
    Obj(Kind, i64),
    /// A set of references: ids, sorted, each once.
    Set(Vec<i64>),
}

impl std::hash::Hash for Cell {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        std::mem::discriminant(self).hash(h);
        match self {
            Cell::Null => {}
            Cell::Int(n) => n.hash(h),
            Cell::Text(s) => s.hash(h),
            Cell::Bool(b) => b.hash(h),
            Cell::Date(d) => d.hash(h),
            Cell::Time(t) => t.hash(h),
            Cell::Json(m) => Value::Object(m.clone()).to_string().hash(h),
            Cell::Obj(k, id) => (k, id).hash(h),
            Cell::Set(ids) => ids.hash(h),
        }
    }
}

macro_rules! from_value {
    ($($t:ty => $v:ident),* $(,)?) => {$(
        impl From<$t> for Cell {
            fn from(x: $t) -> Cell {
                Cell::$v(x.into())
            }
        }
        impl From<Option<$t>> for Cell {
            fn from(x: Option<$t>) -> Cell {
                x.map_or(Cell::Null, Cell::from)
            }
        }
    )*};
}
from_value!(i64 => Int, String => Text, bool => Bool, NaiveDate => Date, DateTime<Utc> => Time);

impl From<Value> for Cell {
    fn from(v: Value) -> Cell {
        match v {
            Value::Object(m) => Cell::Json(m),
            Value::Null => Cell::Null,
            // Stored JSON that is not an object is wrapped, never lost.
            other => {
                let mut m = Map::new();
                m.insert("value".into(), other);
                Cell::Json(m)
            }
        }
    }
}

impl From<Option<Value>> for Cell {
    fn from(v: Option<Value>) -> Cell {
        v.map_or(Cell::Null, Cell::from)
    }
}

/// A cell of the wrong kind for its column: a programming error, reported, never guessed.
fn mismatch(what: &str, c: &Cell) -> DbErr {
    DbErr::Custom(format!("expected {what}, the engine holds {c:?}"))
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
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Cell::Date(d) => Some(*d),
            _ => None,
        }
    }
    pub fn ids(&self) -> &[i64] {
        match self {
            Cell::Set(v) => v,
            _ => &[],
        }
    }

    // --- into entity values (used by the generated entity code) ---------------------------

    pub fn opt_i64(&self) -> Result<Option<i64>, DbErr> {
        match self {
            Cell::Null => Ok(None),
            Cell::Int(n) => Ok(Some(*n)),
            c => Err(mismatch("a whole number", c)),
        }
    }
    pub fn req_i64(&self) -> Result<i64, DbErr> {
        self.opt_i64()?
            .ok_or_else(|| mismatch("a whole number", self))
    }
    pub fn opt_string(&self) -> Result<Option<String>, DbErr> {
        match self {
            Cell::Null => Ok(None),
            Cell::Text(s) => Ok(Some(s.clone())),
            c => Err(mismatch("text", c)),
        }
    }
    pub fn req_string(&self) -> Result<String, DbErr> {
        self.opt_string()?.ok_or_else(|| mismatch("text", self))
    }
    pub fn opt_bool(&self) -> Result<Option<bool>, DbErr> {
        match self {
            Cell::Null => Ok(None),
            Cell::Bool(b) => Ok(Some(*b)),
            c => Err(mismatch("true or false", c)),
        }
    }
    pub fn req_bool(&self) -> Result<bool, DbErr> {
        self.opt_bool()?
            .ok_or_else(|| mismatch("true or false", self))
    }
    pub fn opt_date(&self) -> Result<Option<NaiveDate>, DbErr> {
        match self {
            Cell::Null => Ok(None),
            Cell::Date(d) => Ok(Some(*d)),
            c => Err(mismatch("a date", c)),
        }
    }
    pub fn req_date(&self) -> Result<NaiveDate, DbErr> {
        self.opt_date()?.ok_or_else(|| mismatch("a date", self))
    }
    pub fn opt_time(&self) -> Result<Option<DateTime<Utc>>, DbErr> {
        match self {
            Cell::Null => Ok(None),
            Cell::Time(t) => Ok(Some(*t)),
            c => Err(mismatch("a date and time", c)),
        }
    }
    pub fn req_time(&self) -> Result<DateTime<Utc>, DbErr> {
        self.opt_time()?
            .ok_or_else(|| mismatch("a date and time", self))
    }
    pub fn opt_json(&self) -> Result<Option<Value>, DbErr> {
        match self {
            Cell::Null => Ok(None),
            Cell::Json(m) => Ok(Some(Value::Object(m.clone()))),
            c => Err(mismatch("a JSON object", c)),
        }
    }
    pub fn req_json(&self) -> Result<Value, DbErr> {
        self.opt_json()?
            .ok_or_else(|| mismatch("a JSON object", self))
    }
    /// The type name and id of an any-type reference.
    pub fn opt_obj(&self) -> Result<Option<(String, i64)>, DbErr> {
        match self {
            Cell::Null => Ok(None),
            Cell::Obj(k, id) => Ok(Some((k.as_str().to_string(), *id))),
            c => Err(mismatch("a reference", c)),
        }
    }

    /// A reference read back from its two columns; an unknown type name is an error.
    pub fn obj(kind: Option<String>, id: Option<i64>) -> Result<Cell, DbErr> {
        match (kind, id) {
            (Some(k), Some(id)) => Kind::parse(&k)
                .map(|k| Cell::Obj(k, id))
                .ok_or_else(|| DbErr::Type(format!("unknown object type '{k}'"))),
            _ => Ok(Cell::Null),
        }
    }

    // --- out ----------------------------------------------------------------------------------

    /// The value as the API writes it (an any-type reference as its id; its type is written
    /// beside it by the caller).
    pub fn to_json(&self, field: &Field) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Int(n) => match field.ty {
                FieldType::Decimal { .. } | FieldType::Money { .. } => {
                    Value::String(format_units(*n, field))
                }
                _ => Value::from(*n),
            },
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Date(d) => Value::String(d.to_string()),
            Cell::Time(t) => Value::String(fmt_instant(*t)),
            Cell::Json(m) => Value::Object(m.clone()),
            Cell::Obj(_, id) => Value::from(*id),
            Cell::Set(ids) => Value::from(ids.clone()),
        }
    }

    /// The value as one line of text: CSV cells and messages ("" when empty).
    pub fn to_text(&self, field: &Field) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Bool(b) => b.to_string(),
            Cell::Json(m) => Value::Object(m.clone()).to_string(),
            Cell::Obj(k, id) => format!("{}:{id}", k.as_str()),
            Cell::Set(ids) => ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
            other => match other.to_json(field) {
                Value::String(s) => s,
                v => v.to_string(),
            },
        }
    }

    /// The database value of a one-column field (typed NULLs keep PostgreSQL happy).
    pub fn to_sql(&self, field: &Field) -> sea_orm::Value {
        use sea_orm::Value as V;
        match (self, field.ty) {
            (Cell::Int(n), _) => V::BigInt(Some(*n)),
            (Cell::Text(s), _) => V::String(Some(s.clone())),
            (Cell::Bool(b), _) => V::Bool(Some(*b)),
            (Cell::Date(d), _) => V::ChronoDate(Some(*d)),
            (Cell::Time(t), _) => V::ChronoDateTimeUtc(Some(*t)),
            (Cell::Json(m), _) => V::Json(Some(Box::new(Value::Object(m.clone())))),
            (Cell::Obj(_, id), _) => V::BigInt(Some(*id)),
            (Cell::Set(_), _) => V::BigInt(None),
            (Cell::Null, t) => match t {
                FieldType::Bool => V::Bool(None),
                FieldType::Date => V::ChronoDate(None),
                FieldType::DateTime => V::ChronoDateTimeUtc(None),
                FieldType::Json => V::Json(None),
                _ if field.is_int() => V::BigInt(None),
                _ => V::String(None),
            },
        }
    }

    /// The order of two values of the same kind (numbers, dates, instants, text); `None` for
    /// values of different kinds or kinds without an order.
    pub fn partial_cmp_same(&self, other: &Cell) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Cell::Int(a), Cell::Int(b)) => Some(a.cmp(b)),
            (Cell::Date(a), Cell::Date(b)) => Some(a.cmp(b)),
            (Cell::Time(a), Cell::Time(b)) => Some(a.cmp(b)),
            (Cell::Text(a), Cell::Text(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// Key for case-insensitive comparisons (uniqueness): text folded like `text::fold`.
    pub fn fold(&self) -> Cell {
        match self {
            Cell::Text(s) => Cell::Text(super::super::text::fold(s)),
            other => other.clone(),
        }
    }
}

/// An instant as the API writes it: RFC 3339 in UTC, to the second (`2026-11-30T14:05:00Z`).
pub fn fmt_instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A decimal field's stored units as text: `50087451` of a 6-place field is `"50.087451"`;
/// money shows the cents its currency has (at least two places).
pub fn format_units(units: i64, field: &Field) -> String {
    let d = Decimal::new(units, field.scale());
    match field.ty {
        FieldType::Money { .. } => {
            let mut d = d.normalize();
            if d.scale() < 2 {
                d.rescale(2);
            }
            d.to_string()
        }
        _ => d.normalize().to_string(),
    }
}

/// One object as the engine holds it.
#[derive(Clone, Debug)]
pub struct Row {
    pub id: i64,
    /// One cell per field of the resource, in its order (computed fields are Null here).
    pub cells: Vec<Cell>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A field name the engine does not know for a type: a programming error in a rule, reported
/// with both names, never a silent NULL.
fn unknown(res: &Resource, name: &str) -> String {
    format!("{} has no field '{name}'", res.singular)
}

/// The position of field `name`; panics naming the type and the field when there is none
/// (names in rules are fixed strings, so a test run finds a misspelling at once).
pub fn position(res: &Resource, name: &str) -> usize {
    res.fields
        .iter()
        .position(|f| f.name == name)
        .unwrap_or_else(|| panic!("{}", unknown(res, name)))
}

pub fn get<'a>(cells: &'a [Cell], res: &Resource, name: &str) -> &'a Cell {
    &cells[position(res, name)]
}

pub fn set(cells: &mut [Cell], res: &Resource, name: &str, value: Cell) {
    cells[position(res, name)] = value;
}

impl Row {
    pub fn get(&self, res: &Resource, name: &str) -> &Cell {
        get(&self.cells, res, name)
    }
    pub fn int(&self, res: &Resource, name: &str) -> Option<i64> {
        self.get(res, name).int()
    }
    pub fn title(&self, res: &Resource) -> String {
        self.get(res, res.title).to_text(res.title_field())
    }

    /// The object as the change log records it: JSON text, written directly (bulk loads log
    /// thousands of these). Keys are the API's (an any-type reference as its two columns).
    pub fn to_json_text(&self, res: &Resource) -> String {
        let mut out = String::with_capacity(64 + self.cells.len() * 24);
        out.push_str("{\"id\":");
        out.push_str(&self.id.to_string());
        for (f, c) in res.fields.iter().zip(&self.cells) {
            if f.computed {
                continue;
            }
            if let FieldType::AnyRef { columns, .. } = f.ty {
                let (t, id) = match c {
                    Cell::Obj(k, id) => (Value::from(k.as_str()), Value::from(*id)),
                    _ => (Value::Null, Value::Null),
                };
                for (col, v) in columns.iter().zip([t, id]) {
                    out.push_str(",\"");
                    out.push_str(col);
                    out.push_str("\":");
                    out.push_str(&v.to_string());
                }
                continue;
            }
            out.push_str(",\"");
            out.push_str(f.name);
            out.push_str("\":");
            match c {
                Cell::Null => out.push_str("null"),
                Cell::Int(n) if f.scale() == 0 => out.push_str(&n.to_string()),
                Cell::Text(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
                other => out.push_str(&other.to_json(f).to_string()),
            }
        }
        out.push('}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{DEVICE, SITE, TENANT_RES};

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

    #[test]
    fn decimals_and_money_are_written_exactly() {
        let lat = SITE.field("latitude").unwrap();
        assert_eq!(format_units(50_087_451, lat), "50.087451");
        assert_eq!(format_units(-1_500_000, lat), "-1.5");
        let price = DEVICE.field("purchase_price").unwrap();
        assert_eq!(format_units(12_345_000, price), "1234.50");
        assert_eq!(format_units(10_000, price), "1.00");
        assert_eq!(format_units(12_345, price), "1.2345");
        assert_eq!(
            Cell::Int(12_345_000).to_json(price),
            Value::String("1234.50".into())
        );
    }

    #[test]
    #[should_panic(expected = "device has no field 'serail'")]
    fn an_unknown_field_name_is_an_error_not_null() {
        let cells = vec![Cell::Null; DEVICE.fields.len()];
        let _ = get(&cells, &DEVICE, "serail");
    }
}
