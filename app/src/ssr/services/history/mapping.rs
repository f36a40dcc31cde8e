//! Site unification: the names NinjaOne and ThreatLocker use for where devices are
//! (organisations and their locations) and the Census site each maps to. Names that match a
//! site after normalisation map automatically; an editor maps the rest. A location follows its
//! organisation unless an editor maps it on its own. Mapping later re-attributes the snapshots
//! and rollups already recorded.

use super::super::changelog::{self, Action, Change};
use super::super::{Ctx, now};
use super::rules::normalize_site_name;
use super::{exec, marks, query, rollup, site_label, site_names};
use crate::error::AppError;
use crate::model::history::{SiteMappingDto, Source};
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr};
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Debug)]
struct Entry {
    id: i64,
    site_id: Option<i64>,
    method: Option<String>,
}

/// Source name → site, for one source.
#[derive(Clone, Debug, Default)]
pub struct Resolver {
    rows: HashMap<(String, String), Entry>,
}

impl Resolver {
    /// A location mapped on its own wins; otherwise the organisation's site.
    pub fn site(&self, org: &str, location: &str) -> Option<i64> {
        if !location.is_empty()
            && let Some(e) = self.rows.get(&(org.to_string(), location.to_string()))
            && e.method.as_deref() == Some("manual")
        {
            return e.site_id;
        }
        self.rows
            .get(&(org.to_string(), String::new()))
            .and_then(|e| e.site_id)
    }

    pub fn organizations(&self) -> usize {
        self.rows.keys().filter(|(_, l)| l.is_empty()).count()
    }
}

/// Sites by normalised name; names two sites share are left out (no guessing).
async fn site_index<C: ConnectionTrait>(conn: &C) -> Result<HashMap<String, Option<i64>>, DbErr> {
    let mut idx: HashMap<String, Option<i64>> = HashMap::new();
    for r in query(conn, "SELECT id, name FROM sites", vec![]).await? {
        let id: i64 = r.try_get_by_index(0)?;
        let name: String = r.try_get_by_index(1)?;
        idx.entry(normalize_site_name(&name))
            .and_modify(|e| *e = None)
            .or_insert(Some(id));
    }
    Ok(idx)
}

async fn load<C: ConnectionTrait>(conn: &C, source: Source) -> Result<Resolver, DbErr> {
    let mut r = Resolver::default();
    for row in query(
        conn,
        "SELECT id, org_name, location_name, site_id, method FROM site_mappings WHERE source = ?",
        vec![source.as_str().into()],
    )
    .await?
    {
        r.rows.insert(
            (row.try_get_by_index(1)?, row.try_get_by_index(2)?),
            Entry {
                id: row.try_get_by_index(0)?,
                site_id: row.try_get_by_index(3)?,
                method: row.try_get_by_index(4)?,
            },
        );
    }
    Ok(r)
}

fn describe(source: Source, org: &str, location: &str) -> String {
    if location.is_empty() {
        format!("{} organisation {org}", source.label())
    } else {
        format!("{} location {org} / {location}", source.label())
    }
}

/// Record the names seen on `date` (with device counts), map new organisations whose name
/// matches a site, and return the resolver for the day's rows.
pub async fn register<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    source: Source,
    date: NaiveDate,
    names: &[(String, String)],
) -> Result<Resolver, DbErr> {
    let mut counts: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (org, loc) in names {
        *counts.entry((org.clone(), String::new())).or_default() += 1;
        if !loc.is_empty() {
            *counts.entry((org.clone(), loc.clone())).or_default() += 1;
        }
    }
    let mut resolver = load(conn, source).await?;
    let sites = site_index(conn).await?;
    let t = now();
    let mut changes = vec![];
    for ((org, loc), n) in counts {
        let auto = if loc.is_empty() {
            sites.get(&normalize_site_name(&org)).copied().flatten()
        } else {
            None
        };
        let key = (org.clone(), loc.clone());
        match resolver.rows.get_mut(&key) {
            Some(e) => {
                exec(
                    conn,
                    "UPDATE site_mappings SET device_count = CASE WHEN last_seen <= ? THEN ? ELSE device_count END, \
                     last_seen = CASE WHEN last_seen < ? THEN ? ELSE last_seen END, \
                     first_seen = CASE WHEN first_seen > ? THEN ? ELSE first_seen END WHERE id = ?",
                    vec![
                        date.into(),
                        n.into(),
                        date.into(),
                        date.into(),
                        date.into(),
                        date.into(),
                        e.id.into(),
                    ],
                )
                .await?;
                // An unmapped organisation whose site has been created since maps now.
                if e.method.is_none() && e.site_id.is_none() && auto.is_some() {
                    exec(
                        conn,
                        "UPDATE site_mappings SET site_id = ?, method = 'auto', updated_at = ? WHERE id = ?",
                        vec![auto.into(), t.into(), e.id.into()],
                    )
                    .await?;
                    e.site_id = auto;
                    e.method = Some("auto".into());
                    changes.push(Change {
                        object_type: "site_mapping".into(),
                        object_id: e.id,
                        repr: describe(source, &org, &loc),
                        action: Action::Update,
                        before: Some(r#"{"site_id":null,"method":null}"#.into()),
                        after: Some(format!(
                            r#"{{"site_id":{},"method":"auto"}}"#,
                            auto.unwrap_or(0)
                        )),
                    });
                }
            }
            None => {
                let method = auto.map(|_| "auto".to_string());
                let rows = query(
                    conn,
                    "INSERT INTO site_mappings (source, org_name, location_name, site_id, method, device_count, \
                     first_seen, last_seen, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    vec![
                        source.as_str().into(),
                        org.clone().into(),
                        loc.clone().into(),
                        auto.into(),
                        method.clone().into(),
                        n.into(),
                        date.into(),
                        date.into(),
                        t.into(),
                        t.into(),
                    ],
                )
                .await?;
                let id: i64 = rows
                    .first()
                    .ok_or_else(|| DbErr::RecordNotInserted)?
                    .try_get_by_index(0)?;
                changes.push(Change {
                    object_type: "site_mapping".into(),
                    object_id: id,
                    repr: describe(source, &org, &loc),
                    action: Action::Create,
                    before: None,
                    after: Some(serde_json::json!({"site_id": auto, "method": method}).to_string()),
                });
                resolver.rows.insert(
                    key,
                    Entry {
                        id,
                        site_id: auto,
                        method,
                    },
                );
            }
        }
    }
    changelog::record(conn, ctx, changes).await?;
    Ok(resolver)
}

/// All names of one source (or every source), organisations first with their locations.
pub async fn list(ctx: &Ctx, source: Option<Source>) -> Result<Vec<SiteMappingDto>, AppError> {
    let conn = &ctx.db.conn;
    let mut sql = "SELECT id, source, org_name, location_name, site_id, method, device_count, first_seen, last_seen \
                   FROM site_mappings"
        .to_string();
    let mut values = vec![];
    if let Some(s) = source {
        sql.push_str(" WHERE source = ?");
        values.push(s.as_str().into());
    }
    sql.push_str(" ORDER BY source, lower(org_name), location_name");
    let rows = query(conn, &sql, values).await?;
    let mut resolvers: HashMap<Source, Resolver> = HashMap::new();
    for s in Source::ALL {
        if source.is_none_or(|x| x == s) {
            resolvers.insert(s, load(conn, s).await?);
        }
    }
    let mut out = vec![];
    for r in &rows {
        let src = Source::parse(&r.try_get_by_index::<String>(1)?).unwrap_or(Source::Ninja);
        let org: String = r.try_get_by_index(2)?;
        let loc: String = r.try_get_by_index(3)?;
        let first: NaiveDate = r.try_get_by_index(7)?;
        let last: NaiveDate = r.try_get_by_index(8)?;
        out.push(SiteMappingDto {
            id: r.try_get_by_index(0)?,
            source: src,
            effective_site_id: resolvers.get(&src).and_then(|x| x.site(&org, &loc)),
            effective_site_name: String::new(),
            org_name: org,
            location_name: loc,
            site_id: r.try_get_by_index(4)?,
            site_name: None,
            method: r.try_get_by_index(5)?,
            device_count: r.try_get_by_index(6)?,
            first_seen: first.to_string(),
            last_seen: last.to_string(),
        });
    }
    let ids = out
        .iter()
        .flat_map(|m| [m.site_id, m.effective_site_id])
        .flatten()
        .collect::<std::collections::BTreeSet<i64>>();
    let names = site_names(conn, ids).await?;
    for m in &mut out {
        m.site_name = m.site_id.map(|i| site_label(Some(i), &names));
        m.effective_site_name = site_label(m.effective_site_id, &names);
    }
    Ok(out)
}

/// Map a source name to a site (or, with None, undo an editor's mapping: the name goes back
/// to automatic matching). Snapshots and rollups already recorded follow the new mapping.
/// Map source name `id` to a new site called `name` (created first, through the objects
/// service; a name error is reported on `new_site`).
pub async fn set_new_site(ctx: &Ctx, id: i64, name: &str) -> Result<SiteMappingDto, AppError> {
    ctx.require_write("map source names to sites")?;
    // An unknown mapping creates no site.
    if query(
        &ctx.db.conn,
        "SELECT id FROM site_mappings WHERE id = ?",
        vec![id.into()],
    )
    .await?
    .is_empty()
    {
        return Err(AppError::NotFound(format!(
            "There is no site mapping #{id}."
        )));
    }
    let mut v = super::super::objects::Values::new();
    v.insert("name".into(), serde_json::Value::String(name.trim().into()));
    let site = super::super::objects::create(ctx, crate::schema::Kind::Site.res(), v)
        .await
        .map_err(|e| match e {
            AppError::Invalid { fields, .. } if fields.contains_key("name") => {
                AppError::field("new_site", fields["name"].join(" "))
            }
            e => e,
        })?;
    set(ctx, id, Some(site.id)).await
}

pub async fn set(ctx: &Ctx, id: i64, site_id: Option<i64>) -> Result<SiteMappingDto, AppError> {
    ctx.require_write("map source names to sites")?;
    let w = ctx.db.writer().await;
    let txn = w.begin().await?;
    let rows = query(
        &txn,
        "SELECT source, org_name, location_name, site_id, method FROM site_mappings WHERE id = ?",
        vec![id.into()],
    )
    .await?;
    let row = rows
        .first()
        .ok_or_else(|| AppError::NotFound(format!("There is no site mapping #{id}.")))?;
    let source = Source::parse(&row.try_get_by_index::<String>(0)?)
        .ok_or_else(|| AppError::Internal("A site mapping names an unknown source.".into()))?;
    let org: String = row.try_get_by_index(1)?;
    let loc: String = row.try_get_by_index(2)?;
    let before_site: Option<i64> = row.try_get_by_index(3)?;
    let before_method: Option<String> = row.try_get_by_index(4)?;
    let (new_site, method) = match site_id {
        Some(s) => {
            let exists = query(&txn, "SELECT id FROM sites WHERE id = ?", vec![s.into()]).await?;
            if exists.is_empty() {
                return Err(AppError::field(
                    "site_id",
                    format!("There is no site #{s}."),
                ));
            }
            (Some(s), Some("manual".to_string()))
        }
        None if loc.is_empty() => {
            let auto = site_index(&txn)
                .await?
                .get(&normalize_site_name(&org))
                .copied()
                .flatten();
            (auto, auto.map(|_| "auto".to_string()))
        }
        None => (None, None),
    };
    exec(
        &txn,
        "UPDATE site_mappings SET site_id = ?, method = ?, updated_at = ? WHERE id = ?",
        vec![
            new_site.into(),
            method.clone().into(),
            now().into(),
            id.into(),
        ],
    )
    .await?;
    changelog::record(
        &txn,
        ctx,
        vec![Change {
            object_type: "site_mapping".into(),
            object_id: id,
            repr: describe(source, &org, &loc),
            action: Action::Update,
            before: Some(
                serde_json::json!({"site_id": before_site, "method": before_method}).to_string(),
            ),
            after: Some(serde_json::json!({"site_id": new_site, "method": method}).to_string()),
        }],
    )
    .await?;
    reattribute(&txn, source, &org).await?;
    txn.commit().await?;
    drop(w);
    list(ctx, Some(source))
        .await?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(|| AppError::NotFound(format!("There is no site mapping #{id}.")))
}

/// Point an organisation's recorded snapshots at the sites its names now resolve to, and
/// recount the days and months they belong to.
pub async fn reattribute<C: ConnectionTrait>(
    conn: &C,
    source: Source,
    org: &str,
) -> Result<(), DbErr> {
    let resolver = load(conn, source).await?;
    let current = query(
        conn,
        "SELECT DISTINCT location_name, site_id FROM snapshots WHERE source = ? AND org_name = ?",
        vec![source.as_str().into(), org.into()],
    )
    .await?;
    let mut changed = 0;
    for r in &current {
        let loc: String = r.try_get_by_index(0)?;
        let now_site: Option<i64> = r.try_get_by_index(1)?;
        let site = resolver.site(org, &loc);
        if site == now_site {
            continue;
        }
        changed += exec(
            conn,
            "UPDATE snapshots SET site_id = ? WHERE source = ? AND org_name = ? AND location_name = ?",
            vec![
                site.into(),
                source.as_str().into(),
                org.into(),
                loc.clone().into(),
            ],
        )
        .await?;
    }
    if changed == 0 {
        return Ok(());
    }
    let dates: Vec<NaiveDate> = query(
        conn,
        "SELECT DISTINCT snapshot_date FROM snapshots WHERE source = ? AND org_name = ?",
        vec![source.as_str().into(), org.into()],
    )
    .await?
    .iter()
    .map(|r| r.try_get_by_index::<NaiveDate>(0))
    .collect::<Result<_, _>>()?;
    rollup::recount(conn, &dates).await
}

/// Used by tests and the demo: the mapping ids of a source's organisation names.
pub async fn ids_by_org<C: ConnectionTrait>(
    conn: &C,
    source: Source,
    orgs: &[&str],
) -> Result<HashMap<String, i64>, DbErr> {
    let mut values = vec![source.as_str().into()];
    values.extend(orgs.iter().map(|o| (*o).into()));
    let rows = query(
        conn,
        &format!(
            "SELECT org_name, id FROM site_mappings WHERE source = ? AND location_name = '' AND org_name IN ({})",
            marks(orgs.len())
        ),
        values,
    )
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect()
}
