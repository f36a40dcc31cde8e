//! Site unification: the names NinjaOne and ThreatLocker use for where devices are
//! (organisations and their locations) and the Census site each maps to. Names that match a
//! site after normalisation map automatically; an editor maps the rest. A location follows its
//! organisation unless an editor maps it on its own. Mapping later re-attributes the snapshots
//! and rollups already recorded.

use super::super::changelog::{self, Action, Change};
use super::super::{Ctx, now};
use super::rules::normalize_site_name;
use super::{rollup, rows, site_label, site_names};
use crate::error::AppError;
use crate::model::history::{MappingMethod, SiteMappingDto, Source};
use crate::ssr::entities::{Stored, site_mapping, snapshot};
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Debug)]
struct Entry {
    id: i64,
    site_id: Option<i64>,
    method: Option<MappingMethod>,
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
            && e.method == Some(MappingMethod::Manual)
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
    #[derive(FromQueryResult)]
    struct Site {
        id: i64,
        name: String,
    }
    let mut idx: HashMap<String, Option<i64>> = HashMap::new();
    for site in rows::<Site, _>(conn, "SELECT id, name FROM sites", vec![]).await? {
        idx.entry(normalize_site_name(&site.name))
            .and_modify(|e| *e = None)
            .or_insert(Some(site.id));
    }
    Ok(idx)
}

async fn load<C: ConnectionTrait>(conn: &C, source: Source) -> Result<Resolver, DbErr> {
    let mut r = Resolver::default();
    let found = site_mapping::Entity::find()
        .filter(site_mapping::Column::Source.eq(source))
        .all(conn)
        .await
        .stored::<site_mapping::Entity>()?;
    for m in found {
        r.rows.insert(
            (m.org_name, m.location_name),
            Entry {
                id: m.id,
                site_id: m.site_id,
                method: m.method,
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
                // The count of the latest day seen; the span of days seen.
                use site_mapping::Column as M;
                site_mapping::Entity::update_many()
                    .col_expr(
                        M::DeviceCount,
                        Expr::case(Expr::col(M::LastSeen).lte(date), n)
                            .finally(Expr::col(M::DeviceCount))
                            .into(),
                    )
                    .col_expr(
                        M::LastSeen,
                        Expr::case(Expr::col(M::LastSeen).lt(date), date)
                            .finally(Expr::col(M::LastSeen))
                            .into(),
                    )
                    .col_expr(
                        M::FirstSeen,
                        Expr::case(Expr::col(M::FirstSeen).gt(date), date)
                            .finally(Expr::col(M::FirstSeen))
                            .into(),
                    )
                    .filter(M::Id.eq(e.id))
                    .exec(conn)
                    .await?;
                // An unmapped organisation whose site has been created since maps now.
                if e.method.is_none() && e.site_id.is_none() && auto.is_some() {
                    site_mapping::Entity::update_many()
                        .col_expr(site_mapping::Column::SiteId, Expr::value(auto))
                        .col_expr(
                            site_mapping::Column::Method,
                            Expr::value(MappingMethod::Auto),
                        )
                        .col_expr(site_mapping::Column::UpdatedAt, Expr::value(t))
                        .filter(site_mapping::Column::Id.eq(e.id))
                        .exec(conn)
                        .await?;
                    e.site_id = auto;
                    e.method = Some(MappingMethod::Auto);
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
                let method = auto.map(|_| MappingMethod::Auto);
                let id = site_mapping::ActiveModel {
                    source: Set(source),
                    org_name: Set(org.clone()),
                    location_name: Set(loc.clone()),
                    site_id: Set(auto),
                    method: Set(method),
                    device_count: Set(n),
                    first_seen: Set(date),
                    last_seen: Set(date),
                    created_at: Set(t),
                    updated_at: Set(t),
                    ..Default::default()
                }
                .insert(conn)
                .await?
                .id;
                changes.push(Change {
                    object_type: "site_mapping".into(),
                    object_id: id,
                    repr: describe(source, &org, &loc),
                    action: Action::Create,
                    before: None,
                    after: Some(
                        serde_json::json!({"site_id": auto, "method": method.map(MappingMethod::as_str)})
                            .to_string(),
                    ),
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
    let mut q = site_mapping::Entity::find();
    if let Some(s) = source {
        q = q.filter(site_mapping::Column::Source.eq(s));
    }
    let found = q
        .order_by_asc(site_mapping::Column::Source)
        .order_by_asc(Func::lower(Expr::col(site_mapping::Column::OrgName)))
        .order_by_asc(site_mapping::Column::LocationName)
        .all(conn)
        .await
        .stored::<site_mapping::Entity>()?;
    let mut resolvers: HashMap<Source, Resolver> = HashMap::new();
    for s in Source::ALL {
        if source.is_none_or(|x| x == s) {
            resolvers.insert(s, load(conn, s).await?);
        }
    }
    let mut out = vec![];
    for m in found {
        out.push(SiteMappingDto {
            id: m.id,
            source: m.source,
            effective_site_id: resolvers
                .get(&m.source)
                .and_then(|x| x.site(&m.org_name, &m.location_name)),
            effective_site_name: String::new(),
            org_name: m.org_name,
            location_name: m.location_name,
            site_id: m.site_id,
            site_name: None,
            method: m.method,
            device_count: m.device_count,
            first_seen: m.first_seen.to_string(),
            last_seen: m.last_seen.to_string(),
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
    if site_mapping::Entity::find_by_id(id)
        .one(&ctx.db.conn)
        .await
        .stored::<site_mapping::Entity>()?
        .is_none()
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
    let w = ctx.db.writer().await?;
    let txn = w.begin().await?;
    let row = site_mapping::Entity::find_by_id(id)
        .one(&txn)
        .await
        .stored::<site_mapping::Entity>()?
        .ok_or_else(|| AppError::NotFound(format!("There is no site mapping #{id}.")))?;
    let source = row.source;
    let org = row.org_name;
    let loc = row.location_name;
    let before_site = row.site_id;
    let before_method = row.method;
    let (new_site, method) = match site_id {
        Some(s) => {
            #[derive(FromQueryResult)]
            struct Site {
                #[allow(dead_code)]
                id: i64,
            }
            let exists: Vec<Site> =
                rows(&txn, "SELECT id FROM sites WHERE id = ?", vec![s.into()]).await?;
            if exists.is_empty() {
                return Err(AppError::field(
                    "site_id",
                    format!("There is no site #{s}."),
                ));
            }
            (Some(s), Some(MappingMethod::Manual))
        }
        None if loc.is_empty() => {
            let auto = site_index(&txn)
                .await?
                .get(&normalize_site_name(&org))
                .copied()
                .flatten();
            (auto, auto.map(|_| MappingMethod::Auto))
        }
        None => (None, None),
    };
    site_mapping::Entity::update_many()
        .col_expr(site_mapping::Column::SiteId, Expr::value(new_site))
        .col_expr(site_mapping::Column::Method, Expr::value(method))
        .col_expr(site_mapping::Column::UpdatedAt, Expr::value(now()))
        .filter(site_mapping::Column::Id.eq(id))
        .exec(&txn)
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
                serde_json::json!({"site_id": before_site, "method": before_method.map(MappingMethod::as_str)})
                    .to_string(),
            ),
            after: Some(
                serde_json::json!({"site_id": new_site, "method": method.map(MappingMethod::as_str)})
                    .to_string(),
            ),
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
    let of_org = || {
        snapshot::Entity::find()
            .filter(snapshot::Column::Source.eq(source))
            .filter(snapshot::Column::OrgName.eq(org))
    };
    let current: Vec<(String, Option<i64>)> = of_org()
        .select_only()
        .columns([snapshot::Column::LocationName, snapshot::Column::SiteId])
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    let mut changed = 0;
    for (loc, now_site) in current {
        let site = resolver.site(org, &loc);
        if site == now_site {
            continue;
        }
        changed += snapshot::Entity::update_many()
            .col_expr(snapshot::Column::SiteId, Expr::value(site))
            .filter(snapshot::Column::Source.eq(source))
            .filter(snapshot::Column::OrgName.eq(org))
            .filter(snapshot::Column::LocationName.eq(loc))
            .exec(conn)
            .await?
            .rows_affected;
    }
    if changed == 0 {
        return Ok(());
    }
    let dates: Vec<NaiveDate> = of_org()
        .select_only()
        .column(snapshot::Column::SnapshotDate)
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    rollup::recount(conn, &dates).await
}

/// Used by tests and the demo: the mapping ids of a source's organisation names.
pub async fn ids_by_org<C: ConnectionTrait>(
    conn: &C,
    source: Source,
    orgs: &[&str],
) -> Result<HashMap<String, i64>, DbErr> {
    let found: Vec<(String, i64)> = site_mapping::Entity::find()
        .select_only()
        .columns([site_mapping::Column::OrgName, site_mapping::Column::Id])
        .filter(site_mapping::Column::Source.eq(source))
        .filter(site_mapping::Column::LocationName.eq(""))
        .filter(site_mapping::Column::OrgName.is_in(orgs.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(found.into_iter().collect())
}
