//! Census: the Leptos application (routes, pages, components, server functions) and, behind the
//! `ssr` feature, the domain services and persistence.

pub mod error;
pub mod model;
pub mod schema;

#[cfg(feature = "ssr")]
pub mod ssr;
