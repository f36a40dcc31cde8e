//! An object as the REST API (and its JSON export) writes it: `id`, `url`, `display`, every
//! field by its API key in schema order — a reference as its id with a brief object beside it
//! (`"site_id": 3, "site": {"id", "url", "display"}`), an any-type reference as its type and id
//! with a brief object (`"assigned_object": {…, "type": "device"}`), a set as ids with brief
//! objects (`"tag_ids": [1], "tags": [{…}]`), decimals as strings — then the time stamps.
//! Serialized directly: lists and bulk creates write thousands of these.

use crate::model::{ObjectDto, RefDto};
use crate::schema::{FieldType, Kind, Resource};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq};
use serde_json::Value;

/// The canonical address of an object: `/api/v1/<type>/<id>/` (with the trailing slash, as
/// NetBox-style clients write it; the form without it answers the same).
pub fn url_of(res: &Resource, id: i64) -> String {
    format!("/api/v1/{}/{id}/", res.slug)
}

/// The brief object of a reference: id, URL, display name (and the type, for an any-type
/// reference).
pub struct Brief<'a>(pub Kind, pub &'a RefDto, pub bool);

impl Serialize for Brief<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(if self.2 { 4 } else { 3 }))?;
        m.serialize_entry("id", &self.1.id)?;
        m.serialize_entry("url", &url_of(self.0.res(), self.1.id))?;
        m.serialize_entry("display", &self.1.display)?;
        if self.2 {
            m.serialize_entry("type", self.0.as_str())?;
        }
        m.end()
    }
}

struct Briefs<'a>(Kind, &'a [RefDto]);

impl Serialize for Briefs<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.1.len()))?;
        for r in self.1 {
            seq.serialize_element(&Brief(self.0, r, false))?;
        }
        seq.end()
    }
}

/// An object as the API shows it.
pub struct ApiObject<'a>(pub &'static Resource, pub &'a ObjectDto);

impl Serialize for ApiObject<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (res, o) = (self.0, self.1);
        let value = |k: &str| o.values.get(k).unwrap_or(&Value::Null);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &o.id)?;
        m.serialize_entry("url", &url_of(res, o.id))?;
        m.serialize_entry("display", &o.display)?;
        for f in res.fields {
            match f.ty {
                FieldType::Ref(k) => {
                    m.serialize_entry(f.name, value(f.name))?;
                    m.serialize_entry(
                        f.base_name(),
                        &o.refs.get(f.name).map(|r| Brief(k, r, false)),
                    )?;
                }
                FieldType::AnyRef { columns, .. } => {
                    m.serialize_entry(columns[0], value(columns[0]))?;
                    m.serialize_entry(columns[1], value(columns[1]))?;
                    m.serialize_entry(
                        f.name,
                        &o.refs
                            .get(f.name)
                            .and_then(|r| r.kind.map(|k| Brief(k, r, true))),
                    )?;
                }
                FieldType::RefSet { kind, .. } => {
                    m.serialize_entry(f.name, value(f.name))?;
                    let members = o.sets.get(f.name).map(Vec::as_slice).unwrap_or(&[]);
                    m.serialize_entry(f.base_name(), &Briefs(kind, members))?;
                }
                _ => m.serialize_entry(f.name, value(f.name))?,
            }
        }
        m.serialize_entry("created_at", &o.created_at)?;
        m.serialize_entry("updated_at", &o.updated_at)?;
        m.end()
    }
}

pub fn object_json(res: &'static Resource, o: &ObjectDto) -> Value {
    serde_json::to_value(ApiObject(res, o)).unwrap_or_default()
}

/// The CSV columns of a type: its fields' values, with the name beside each reference (an
/// any-type reference as type, id and name; a set as ids and names).
pub fn csv_header(res: &Resource) -> Vec<String> {
    let mut header = vec!["id".to_string()];
    for f in res.fields {
        match f.ty {
            FieldType::AnyRef { columns, .. } => {
                header.extend(columns.iter().map(|c| c.to_string()));
                header.push(f.name.to_string());
            }
            FieldType::Ref(_) | FieldType::RefSet { .. } => {
                header.push(f.name.to_string());
                header.push(f.base_name().to_string());
            }
            _ => header.push(f.name.to_string()),
        }
    }
    header.push("created_at".into());
    header.push("updated_at".into());
    header
}

/// One object as CSV cells, in [`csv_header`] order (not yet neutralised: the export does it).
pub fn csv_row(res: &Resource, o: &ObjectDto) -> Vec<String> {
    let text = |v: Option<&Value>| match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(","),
        Some(v) => v.to_string(),
    };
    let mut rec = vec![o.id.to_string()];
    for f in res.fields {
        match f.ty {
            FieldType::AnyRef { columns, .. } => {
                rec.push(text(o.values.get(columns[0])));
                rec.push(text(o.values.get(columns[1])));
                rec.push(
                    o.refs
                        .get(f.name)
                        .map(|r| r.display.clone())
                        .unwrap_or_default(),
                );
            }
            FieldType::Ref(_) => {
                rec.push(text(o.values.get(f.name)));
                rec.push(
                    o.refs
                        .get(f.name)
                        .map(|r| r.display.clone())
                        .unwrap_or_default(),
                );
            }
            FieldType::RefSet { .. } => {
                rec.push(text(o.values.get(f.name)));
                rec.push(
                    o.sets
                        .get(f.name)
                        .map(|v| {
                            v.iter()
                                .map(|r| r.display.clone())
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .unwrap_or_default(),
                );
            }
            _ => rec.push(text(o.values.get(f.name))),
        }
    }
    rec.push(o.created_at.clone());
    rec.push(o.updated_at.clone());
    rec
}
