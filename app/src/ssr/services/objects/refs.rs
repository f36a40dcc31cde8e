//! What the engine needs to know about the objects rows refer to — their names (for the
//! API's brief objects, lists and messages) and where they are (site and location, for the
//! placement rules) — loaded in bulk, one query per referenced type.

use super::cells::Cell;
use crate::schema::{FieldType, Kind, Resource};
use crate::ssr::entities::inventory::table;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseExecutor, DbErr};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A referenced object: its name and, for objects inside sites, where it is.
#[derive(Clone, Debug, Default)]
pub struct RefInfo {
    pub display: String,
    pub site_id: Option<i64>,
    pub location_id: Option<i64>,
}

/// Referenced objects by type and id.
#[derive(Default)]
pub struct RefCache(HashMap<Kind, HashMap<i64, RefInfo>>);

impl RefCache {
    /// Load every object the rows refer to (references, any-type references, sets), and the
    /// sites and locations of referenced locations and racks (messages name them).
    pub async fn load(
        db: &DatabaseExecutor<'_>,
        res: &'static Resource,
        rows: &[&[Cell]],
    ) -> Result<RefCache, DbErr> {
        let mut wanted: BTreeMap<Kind, BTreeSet<i64>> = BTreeMap::new();
        for (i, f) in res.fields.iter().enumerate() {
            for r in rows {
                match (f.ty, &r[i]) {
                    (FieldType::Ref(k), Cell::Int(id)) => {
                        wanted.entry(k).or_default().insert(*id);
                    }
                    (FieldType::AnyRef { .. }, Cell::Obj(k, id)) => {
                        wanted.entry(*k).or_default().insert(*id);
                    }
                    (FieldType::RefSet { kind, .. }, Cell::Set(ids)) => {
                        wanted.entry(kind).or_default().extend(ids);
                    }
                    _ => {}
                }
            }
        }
        let mut cache = RefCache::default();
        for (kind, ids) in wanted {
            cache.fetch(db, kind, ids.into_iter().collect()).await?;
        }
        let mut more: BTreeMap<Kind, BTreeSet<i64>> = BTreeMap::new();
        for infos in cache.0.values() {
            for info in infos.values() {
                if let Some(s) = info.site_id.filter(|s| cache.get(Kind::Site, *s).is_none()) {
                    more.entry(Kind::Site).or_default().insert(s);
                }
                if let Some(l) = info
                    .location_id
                    .filter(|l| cache.get(Kind::Location, *l).is_none())
                {
                    more.entry(Kind::Location).or_default().insert(l);
                }
            }
        }
        for (kind, ids) in more {
            cache.fetch(db, kind, ids.into_iter().collect()).await?;
        }
        Ok(cache)
    }

    /// Load objects of `kind` by id (those already known are loaded again).
    pub async fn fetch(
        &mut self,
        db: &DatabaseExecutor<'_>,
        kind: Kind,
        ids: Vec<i64>,
    ) -> Result<(), DbErr> {
        let target = kind.res();
        let t = table(kind);
        let has_site = target.field("site_id").is_some();
        let has_location = target.field("location_id").is_some();
        let map = self.0.entry(kind).or_default();
        for chunk in ids.chunks(900) {
            let mut q = Query::select();
            q.expr_as(Expr::col(t.column("id")?), "id")
                .expr_as(Expr::col(t.column(target.title)?), "title")
                .from(t.table())
                .and_where(Expr::col(t.column("id")?).is_in(chunk.to_vec()));
            if has_site {
                q.expr_as(Expr::col(t.column("site_id")?), "site_id");
            }
            if has_location {
                q.expr_as(Expr::col(t.column("location_id")?), "location_id");
            }
            for r in db.query_all(&q).await? {
                let id: i64 = r.try_get("", "id")?;
                let info = RefInfo {
                    display: r.try_get::<String>("", "title")?,
                    site_id: if has_site {
                        r.try_get("", "site_id")?
                    } else {
                        None
                    },
                    location_id: if has_location {
                        r.try_get("", "location_id")?
                    } else {
                        None
                    },
                };
                map.insert(id, info);
            }
        }
        Ok(())
    }

    pub fn get(&self, kind: Kind, id: i64) -> Option<&RefInfo> {
        self.0.get(&kind).and_then(|m| m.get(&id))
    }

    /// The name of an object, or `#id` when it is not (or no longer) there.
    pub fn display(&self, kind: Kind, id: i64) -> String {
        self.get(kind, id)
            .map(|i| i.display.clone())
            .unwrap_or_else(|| format!("#{id}"))
    }

    /// The name of a site for messages ("" when none).
    pub fn site_name(&self, id: Option<i64>) -> String {
        id.and_then(|id| self.get(Kind::Site, id))
            .map(|i| i.display.clone())
            .unwrap_or_default()
    }

    /// Merge objects loaded separately.
    pub fn extend(&mut self, other: RefCache) {
        for (k, m) in other.0 {
            self.0.entry(k).or_default().extend(m);
        }
    }
}

/// Names of objects of a type by id, one query per 900 (option lists, messages).
pub async fn names_of<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    ids: &[i64],
) -> Result<HashMap<i64, String>, DbErr> {
    let res = kind.res();
    let t = table(kind);
    let mut out = HashMap::new();
    for chunk in ids.chunks(900) {
        let mut q = Query::select();
        q.expr_as(Expr::col(t.column("id")?), "id")
            .expr_as(Expr::col(t.column(res.title)?), "title")
            .from(t.table())
            .and_where(Expr::col(t.column("id")?).is_in(chunk.to_vec()));
        for r in conn.query_all(&q).await? {
            out.insert(r.try_get("", "id")?, r.try_get::<String>("", "title")?);
        }
    }
    Ok(out)
}
