//! The inventory types' entities as the generic engine uses them: resolve a field name to the
//! entity's column (an unknown name is an error), read rows through the entity's model (so a
//! stored value the entity does not know — a status, a type name — is an error naming its
//! place), and name join tables. The entities themselves are generated (`generated/`).

use super::TableDesc;
use crate::schema::{Kind, Resource};
use crate::ssr::services::objects::cells::Row;
use sea_orm::sea_query::{DynIden, IntoIden};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use std::marker::PhantomData;
use std::str::FromStr;

/// A generated model that turns into the engine's row (one cell per field of its type).
pub trait Record {
    fn into_row(self) -> Result<Row, DbErr>;
}

/// A set field's join table: the table and its owner and target columns.
pub struct Join {
    pub table: DynIden,
    pub owner: DynIden,
    pub target: DynIden,
}

/// An inventory table, through its entity.
#[async_trait::async_trait]
pub trait Table: Send + Sync {
    fn kind(&self) -> Kind;
    fn resource(&self) -> &'static Resource {
        self.kind().res()
    }
    fn table(&self) -> DynIden;
    /// The entity's column called `name`; an error (naming type and name) when it has none.
    fn column(&self, name: &str) -> Result<DynIden, DbErr>;
    fn describe(&self) -> TableDesc;
    /// Rows by id, in no particular order, read through the entity's model.
    async fn load(
        &self,
        db: &sea_orm::DatabaseExecutor<'_>,
        ids: &[i64],
    ) -> Result<Vec<Row>, DbErr>;
}

/// The [`Table`] of entity `E`.
pub struct EntityTable<E>(PhantomData<fn() -> E>);

impl<E> EntityTable<E> {
    pub const NEW: Self = EntityTable(PhantomData);
}

#[async_trait::async_trait]
impl<E> Table for EntityTable<E>
where
    E: EntityTrait + Default,
    E::Model: Record + Send + Sync,
{
    fn kind(&self) -> Kind {
        let t = E::default().table_name();
        crate::schema::RESOURCES
            .iter()
            .find(|r| r.table == t)
            .map(|r| r.kind)
            .unwrap_or_else(|| panic!("{t} is not an inventory table"))
    }

    fn table(&self) -> DynIden {
        E::default().into_iden()
    }

    fn column(&self, name: &str) -> Result<DynIden, DbErr> {
        E::Column::from_str(name)
            .map(IntoIden::into_iden)
            .map_err(|_| {
                DbErr::Custom(format!(
                    "the {} entity has no column '{name}'",
                    E::default().table_name()
                ))
            })
    }

    fn describe(&self) -> TableDesc {
        super::describe::<E>()
    }

    async fn load(
        &self,
        db: &sea_orm::DatabaseExecutor<'_>,
        ids: &[i64],
    ) -> Result<Vec<Row>, DbErr> {
        let id = E::Column::from_str("id")
            .map_err(|_| DbErr::Custom("an inventory entity without id".into()))?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(900) {
            let models = E::find()
                .filter(id.is_in(chunk.iter().copied()))
                .all(db)
                .await
                .map_err(|e| super::stored(E::default().table_name(), e))?;
            for m in models {
                out.push(m.into_row()?);
            }
        }
        Ok(out)
    }
}

/// The entity of every inventory type (generated).
pub fn table(kind: Kind) -> &'static dyn Table {
    super::generated::table(kind)
}
