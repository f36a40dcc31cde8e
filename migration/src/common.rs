//! Column, table and index helpers shared by the migrations.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

pub fn id() -> ColumnDef {
    ColumnDef::new("id")
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}
pub fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).string().null().to_owned()
}
pub fn text_req(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).string().not_null().to_owned()
}
pub fn long(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().to_owned()
}
pub fn int(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().null().to_owned()
}
pub fn int_req(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}
pub fn ts(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}
pub fn ts_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

/// A reference column's foreign key. `NO ACTION` keeps the database a safety net behind the
/// service layer's delete protection (which names what points at an object).
pub fn fk(
    table: &'static str,
    column: &'static str,
    to: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(to, "id")
        .on_delete(ForeignKeyAction::NoAction)
        .to_owned()
}

pub struct Tbl {
    name: &'static str,
    cols: Vec<ColumnDef>,
    fks: Vec<(&'static str, &'static str)>,
    /// Foreign keys whose lookups another index serves.
    unindexed: Vec<(&'static str, &'static str)>,
}

impl Tbl {
    pub fn new(name: &'static str) -> Self {
        Tbl {
            name,
            cols: vec![id()],
            fks: vec![],
            unindexed: vec![],
        }
    }
    pub fn col(mut self, c: ColumnDef) -> Self {
        self.cols.push(c);
        self
    }
    pub fn r#ref(mut self, column: &'static str, to: &'static str, required: bool) -> Self {
        self.cols.push(if required {
            int_req(column)
        } else {
            int(column)
        });
        self.fks.push((column, to));
        self
    }
    pub fn unindexed_ref(mut self, column: &'static str, to: &'static str, required: bool) -> Self {
        self.cols.push(if required {
            int_req(column)
        } else {
            int(column)
        });
        self.unindexed.push((column, to));
        self
    }
    pub fn stamped(mut self) -> Self {
        self.cols.push(ts("created_at"));
        self.cols.push(ts("updated_at"));
        self
    }
    pub async fn create(self, m: &SchemaManager<'_>) -> Result<(), DbErr> {
        let mut t = Table::create();
        t.table(self.name);
        for c in self.cols {
            t.col(c);
        }
        for (column, to) in self.fks.iter().chain(&self.unindexed) {
            t.foreign_key(&mut fk(self.name, column, to));
        }
        m.create_table(t.to_owned()).await?;
        for (column, _) in &self.fks {
            index(m, self.name, &[column]).await?;
        }
        Ok(())
    }
}

pub async fn index(m: &SchemaManager<'_>, table: &str, cols: &[&str]) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(format!("ix_{table}_{}", cols.join("_")))
        .table(ToString::to_string(table));
    for c in cols {
        i.col(ToString::to_string(c));
    }
    m.create_index(i.to_owned()).await
}

/// Raw index DDL: expression indexes (`lower(name)`) read the same on SQLite and PostgreSQL.
pub async fn raw(m: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    m.get_connection().execute_unprepared(sql).await.map(|_| ())
}
