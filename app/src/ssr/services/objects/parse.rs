//! Parsing and normalising field input: text limits, slugs, choices, references (one type,
//! any of several types, sets), numbers, exact decimals and money, dates and instants, JSON
//! objects, colours, currencies, IP and MAC addresses, time zones. Pure functions, shared by
//! every door (forms send text, the API sends JSON).

use super::cells::Cell;
use crate::schema::{Field, FieldType, Kind};
use crate::ssr::services::text;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// Keys and strings of a JSON value checked like text ([`text::check_controls`]): PostgreSQL's
/// `jsonb` refuses `\u0000`, so neither database takes it.
fn json_controls(v: &Value) -> Result<(), String> {
    match v {
        Value::String(s) => text::check_controls(s),
        Value::Array(items) => items.iter().try_for_each(json_controls),
        Value::Object(m) => m.iter().try_for_each(|(k, v)| {
            text::check_controls(k).map_err(|e| format!("key {k:?}: {e}"))?;
            json_controls(v)
        }),
        _ => Ok(()),
    }
}

/// Parse one submitted value for `field`. Empty text and JSON `null` become `Cell::Null`.
/// Money is checked against its currency by [`check_money`] once every field is known.
pub fn parse(field: &Field, v: &Value) -> Result<Cell, String> {
    match (field.ty, v) {
        (_, Value::Null) => return Ok(Cell::Null),
        (FieldType::Bool, Value::Bool(b)) => return Ok(Cell::Bool(*b)),
        (FieldType::Json, Value::Object(m)) => {
            json_controls(v)?;
            return Ok(Cell::Json(m.clone()));
        }
        (FieldType::Json, Value::String(s)) if s.trim().is_empty() => return Ok(Cell::Null),
        (FieldType::Json, Value::String(s)) => {
            return match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(m)) => {
                    json_controls(&Value::Object(m.clone()))?;
                    Ok(Cell::Json(m))
                }
                Ok(_) => Err("expected a JSON object, e.g. {\"key\": \"value\"}".into()),
                Err(e) => Err(format!("not valid JSON: {e}")),
            };
        }
        (FieldType::Json, _) => {
            return Err("expected a JSON object, e.g. {\"key\": \"value\"}".into());
        }
        (FieldType::RefSet { kind, .. }, Value::Array(items)) => {
            let mut ids = Vec::with_capacity(items.len());
            for it in items {
                ids.push(ref_id(kind, it)?);
            }
            ids.sort_unstable();
            ids.dedup();
            return Ok(Cell::Set(ids));
        }
        (FieldType::RefSet { kind, .. }, Value::String(s)) => {
            // Forms and CSV: ids separated by commas (or repeated form fields joined so).
            let mut ids = vec![];
            for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                ids.push(ref_id(kind, &Value::String(part.into()))?);
            }
            ids.sort_unstable();
            ids.dedup();
            return Ok(Cell::Set(ids));
        }
        (FieldType::RefSet { kind, .. }, _) => {
            return Err(format!("expected a list of {} ids", kind.res().singular));
        }
        (FieldType::AnyRef { .. }, _) => {
            return Err("give the object's type and id in their own fields".into());
        }
        _ => {}
    }
    let text = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) if field.is_int() || matches!(field.ty, FieldType::Text) => n.to_string(),
        Value::Bool(_) | Value::Array(_) | Value::Object(_) | Value::Number(_) => {
            return Err(match field.ty {
                FieldType::Ref(_) | FieldType::Int { .. } => "expected a whole number".into(),
                FieldType::Decimal { .. } | FieldType::Money { .. } => "expected a number".into(),
                FieldType::Bool => "expected true or false".into(),
                _ => "expected text".into(),
            });
        }
        Value::Null => unreachable!("handled above"),
    };
    if text.is_empty() {
        return Ok(Cell::Null);
    }
    match field.ty {
        FieldType::Text | FieldType::LongText => {
            let text = if matches!(field.ty, FieldType::LongText) {
                match v {
                    Value::String(s) => text::normalize_newlines(s)
                        .trim_end()
                        .trim_start_matches('\n')
                        .to_string(),
                    _ => text,
                }
            } else {
                text
            };
            if matches!(field.ty, FieldType::LongText) {
                text::check_controls(&text)?;
            }
            let n = text.chars().count();
            if n > field.max_len {
                return Err(format!("at most {} characters (got {n})", field.max_len));
            }
            if matches!(field.ty, FieldType::Text) && text.chars().any(char::is_control) {
                return Err("must be one line without control characters".into());
            }
            Ok(Cell::Text(text))
        }
        FieldType::Slug => {
            if text.len() > field.max_len {
                return Err(format!("at most {} characters", field.max_len));
            }
            if !is_slug(&text) {
                return Err("use only lowercase letters, digits, - and _".into());
            }
            Ok(Cell::Text(text))
        }
        FieldType::Int { min, max } => {
            let n: i64 = text
                .parse()
                .map_err(|_| "expected a whole number".to_string())?;
            if n < min || n > max {
                return Err(format!("must be between {min} and {max}"));
            }
            Ok(Cell::Int(n))
        }
        FieldType::Bool => parse_bool(&text).map(Cell::Bool),
        FieldType::Date => parse_date(&text).map(Cell::Date),
        FieldType::DateTime => parse_instant(&text).map(Cell::Time),
        FieldType::Decimal { scale, min, max } => {
            let units = decimal_units(&text, scale)?;
            let (lo, hi) = (
                min.saturating_mul(pow10(scale)),
                max.saturating_mul(pow10(scale)),
            );
            if units < lo || units > hi {
                return Err(format!("must be between {min} and {max}"));
            }
            Ok(Cell::Int(units))
        }
        FieldType::Money { .. } => {
            let units = decimal_units(&text, 4)?;
            if units < 0 {
                return Err("cannot be negative".into());
            }
            Ok(Cell::Int(units))
        }
        FieldType::Currency => {
            let code = text.to_ascii_uppercase();
            match iso_currency::Currency::from_code(&code) {
                Some(_) => Ok(Cell::Text(code)),
                None => Err(format!(
                    "'{text}' is not an ISO 4217 currency code (e.g. EUR, USD, CZK)"
                )),
            }
        }
        FieldType::Colour => {
            let hex = text.strip_prefix('#').unwrap_or(&text);
            if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(Cell::Text(hex.to_ascii_lowercase()))
            } else {
                Err(format!(
                    "'{text}' is not a colour as six hex digits (e.g. 9e9e9e or #2f6fed)"
                ))
            }
        }
        FieldType::Json | FieldType::RefSet { .. } | FieldType::AnyRef { .. } => {
            unreachable!("handled above")
        }
        FieldType::Ref(kind) => ref_id(kind, &Value::String(text)).map(Cell::Int),
        FieldType::Choice(choices) => {
            let lower = text.to_lowercase();
            match choices
                .iter()
                .find(|(value, label)| *value == lower || label.to_lowercase() == lower)
            {
                Some((value, _)) => Ok(Cell::Text(value.to_string())),
                None => Err(format!(
                    "'{text}' is not one of: {}",
                    choices.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
                )),
            }
        }
        FieldType::Ipv4 => Ipv4Addr::from_str(&text)
            .map(|a| Cell::Text(a.to_string()))
            .map_err(|_| format!("'{text}' is not an IPv4 address (e.g. 192.0.2.10)")),
        FieldType::Ipv6 => Ipv6Addr::from_str(&text)
            .map(|a| Cell::Text(a.to_string()))
            .map_err(|_| format!("'{text}' is not an IPv6 address (e.g. 2001:db8::10)")),
        FieldType::Mac => normalize_mac(&text).map(Cell::Text).ok_or_else(|| {
            format!("'{text}' is not a MAC address (e.g. 00:11:22:33:44:55 or 0011.2233.4455)")
        }),
        FieldType::TimeZone => chrono_tz::Tz::from_str(&text)
            .map(|tz| Cell::Text(tz.name().to_string()))
            .map_err(|_| format!("'{text}' is not a time zone name (e.g. Europe/Prague)")),
    }
}

/// The id of an object of `kind` in a reference or set.
fn ref_id(kind: Kind, v: &Value) -> Result<i64, String> {
    let bad = || format!("expected the id of a {}", kind.res().singular);
    let n = match v {
        Value::Number(n) => n.as_i64().ok_or_else(bad)?,
        Value::String(s) => s.trim().parse::<i64>().map_err(|_| bad())?,
        _ => return Err(bad()),
    };
    if n <= 0 {
        return Err(bad());
    }
    Ok(n)
}

/// The type of an any-type reference (`device`), one of `kinds`.
pub fn parse_kind(kinds: &[Kind], v: &Value) -> Result<Option<Kind>, String> {
    let s = match v {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.trim(),
        _ => return Err("expected a type name".into()),
    };
    let names = || {
        kinds
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match Kind::parse(s) {
        Some(k) if kinds.contains(&k) => Ok(Some(k)),
        _ => Err(format!("'{s}' is not one of: {}", names())),
    }
}

/// The id of an any-type reference.
pub fn parse_any_id(v: &Value) -> Result<Option<i64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::Number(n) if n.as_i64().is_some_and(|n| n > 0) => Ok(n.as_i64()),
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err("expected the id of an object".into()),
        },
        _ => Err("expected the id of an object".into()),
    }
}

/// `true`/`false` (also `yes`/`no`, `1`/`0`, `on`/`off` from forms and CSV), any case.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Ok(true),
        "false" | "no" | "0" | "off" => Ok(false),
        _ => Err(format!("'{s}' is not true or false")),
    }
}

/// `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date as YYYY-MM-DD"))
}

/// RFC 3339 with any offset (`2026-11-30T14:05:00+01:00`, seconds optional), or without one
/// meaning UTC (`2026-11-30T14:05`, `2026-11-30 14:05:00`, as a browser's datetime-local input
/// sends), or a day meaning its start in UTC (`2026-11-30`).
pub fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let offset = match s.strip_suffix(['Z', 'z']) {
        Some(rest) => format!("{rest}+00:00"),
        None => s.to_string(),
    };
    for f in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(&offset, f) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(t.and_utc());
        }
    }
    Err(format!(
        "'{s}' is not a date and time (e.g. 2026-11-30T14:05:00Z, or 2026-11-30T14:05 in UTC)"
    ))
}

fn pow10(scale: u32) -> i64 {
    10i64.pow(scale)
}

/// An exact decimal with at most `scale` digits after the point, as whole units of 10^-scale.
/// Refuses more digits than that (nothing is rounded away) and numbers in exponent form.
pub fn decimal_units(text: &str, scale: u32) -> Result<i64, String> {
    let d = Decimal::from_str_exact(text.trim())
        .map_err(|_| format!("'{text}' is not a number (e.g. 1234.56)"))?;
    if d.scale() > scale {
        return Err(format!("at most {scale} digits after the point"));
    }
    let mut d = d;
    d.rescale(scale);
    i64::try_from(d.mantissa()).map_err(|_| format!("'{text}' is too large"))
}

/// Money must come with its currency and fit the currency's minor units (ISO 4217).
pub fn check_money(amount_units: i64, currency: Option<&str>) -> Result<(), String> {
    let Some(code) = currency else {
        return Err("give the currency of the amount".into());
    };
    let digits = iso_currency::Currency::from_code(code)
        .and_then(|c| c.exponent())
        .unwrap_or(4) as u32;
    if digits < 4 && amount_units % pow10(4 - digits) != 0 {
        return Err(if digits == 0 {
            format!("{code} has no minor units: give a whole amount")
        } else {
            format!("{code} has {digits} digits after the point at most")
        });
    }
    Ok(())
}

pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A slug from a name: lowercase ASCII letters and digits, other runs become one `-`.
pub fn slugify(name: &str, max_len: usize) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' | 'å' | 'Á' | 'Ä' => 'a',
            'č' | 'ç' | 'Č' => 'c',
            'ď' | 'Ď' => 'd',
            'é' | 'è' | 'ë' | 'ê' | 'ě' | 'É' | 'Ě' => 'e',
            'í' | 'ì' | 'ï' | 'î' | 'Í' => 'i',
            'ň' | 'ñ' | 'Ň' => 'n',
            'ó' | 'ò' | 'ö' | 'ô' | 'Ó' | 'Ö' => 'o',
            'ř' | 'Ř' => 'r',
            'š' | 'ß' | 'Š' => 's',
            'ť' | 'Ť' => 't',
            'ú' | 'ù' | 'ü' | 'û' | 'ů' | 'Ú' | 'Ü' => 'u',
            'ý' | 'ÿ' | 'Ý' => 'y',
            'ž' | 'Ž' => 'z',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c == '_' {
            out.push('_');
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    trimmed
        .chars()
        .take(max_len)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// Accepts `00:11:22:33:44:55`, `00-11-22-33-44-55`, `0011.2233.4455`, `001122334455` in any
/// case; returns lowercase colon form.
pub fn normalize_mac(s: &str) -> Option<String> {
    let s = s.trim();
    let hex: String = match s.len() {
        17 => {
            let sep = s.as_bytes()[2];
            if sep != b':' && sep != b'-' {
                return None;
            }
            let parts: Vec<&str> = s.split(sep as char).collect();
            if parts.len() != 6 || parts.iter().any(|p| p.len() != 2) {
                return None;
            }
            parts.concat()
        }
        14 => {
            let parts: Vec<&str> = s.split('.').collect();
            if parts.len() != 3 || parts.iter().any(|p| p.len() != 4) {
                return None;
            }
            parts.concat()
        }
        12 => s.to_string(),
        _ => return None,
    };
    if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    Some(
        (0..6)
            .map(|i| &hex[i * 2..i * 2 + 2])
            .collect::<Vec<_>>()
            .join(":"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{DEVICE, SITE};

    fn dev(name: &str) -> &'static Field {
        DEVICE.field(name).unwrap()
    }

    #[test]
    fn mac_forms() {
        for s in [
            "00:11:22:aa:BB:cc",
            "00-11-22-AA-BB-CC",
            "0011.22aa.bbcc",
            "001122AABBCC",
            " 00:11:22:aa:bb:cc ",
        ] {
            assert_eq!(
                normalize_mac(s).as_deref(),
                Some("00:11:22:aa:bb:cc"),
                "{s}"
            );
        }
        for s in [
            "00:11:22:33:44",
            "00:11:22:33:44:5g",
            "0011:2233:4455",
            "00.11.22.33.44.55",
            "00:11-22:33:44:55",
            "0011223344556",
            "",
        ] {
            assert_eq!(normalize_mac(s), None, "{s}");
        }
    }

    #[test]
    fn fields_parse_and_normalise() {
        let j = |s: &str| Value::String(s.into());
        assert_eq!(
            parse(dev("mac_address"), &j("0011.2233.4455")).unwrap(),
            Cell::Text("00:11:22:33:44:55".into())
        );
        assert!(
            parse(dev("mac_address"), &j("zz"))
                .unwrap_err()
                .contains("MAC")
        );
        assert_eq!(
            parse(dev("primary_ipv4"), &j("10.0.0.1")).unwrap(),
            Cell::Text("10.0.0.1".into())
        );
        assert!(parse(dev("primary_ipv4"), &j("10.0.0.300")).is_err());
        assert!(parse(dev("primary_ipv4"), &j("::1")).is_err());
        assert_eq!(
            parse(dev("primary_ipv6"), &j("2001:DB8:0:0::1")).unwrap(),
            Cell::Text("2001:db8::1".into())
        );
        assert_eq!(
            parse(dev("status"), &j("Active")).unwrap(),
            Cell::Text("active".into())
        );
        assert!(
            parse(dev("status"), &j("broken"))
                .unwrap_err()
                .contains("offline")
        );
        assert_eq!(
            parse(dev("site_id"), &serde_json::json!(5)).unwrap(),
            Cell::Int(5)
        );
        assert!(parse(dev("site_id"), &j("HQ")).is_err());
        assert!(parse(dev("site_id"), &serde_json::json!(-1)).is_err());
        assert_eq!(parse(dev("name"), &j("  ")).unwrap(), Cell::Null);
        assert!(parse(dev("name"), &j(&"x".repeat(101))).is_err());
        assert!(parse(dev("name"), &serde_json::json!(true)).is_err());
        assert_eq!(
            parse(SITE.field("time_zone").unwrap(), &j("Europe/Prague")).unwrap(),
            Cell::Text("Europe/Prague".into())
        );
        assert!(parse(SITE.field("time_zone").unwrap(), &j("Mars/Base")).is_err());
        assert!(parse(SITE.field("slug").unwrap(), &j("Has Space")).is_err());
    }

    #[test]
    fn new_kinds_parse_exactly() {
        let j = |s: &str| Value::String(s.into());
        let site_lat = SITE.field("latitude").unwrap();
        assert_eq!(
            parse(site_lat, &j("50.087451")).unwrap(),
            Cell::Int(50_087_451)
        );
        assert_eq!(
            parse(site_lat, &serde_json::json!(-12.5)).unwrap(),
            Cell::Int(-12_500_000)
        );
        assert!(
            parse(site_lat, &j("50.0874512"))
                .unwrap_err()
                .contains("6 digits")
        );
        assert!(parse(site_lat, &j("91")).unwrap_err().contains("between"));
        assert!(parse(site_lat, &j("1e3")).is_err());
        let price = dev("purchase_price");
        assert_eq!(parse(price, &j("1234.5")).unwrap(), Cell::Int(12_345_000));
        assert!(parse(price, &j("-1")).is_err());
        assert!(check_money(12_345_000, Some("EUR")).is_ok());
        assert!(
            check_money(12_345_000, Some("JPY"))
                .unwrap_err()
                .contains("whole")
        );
        assert!(
            check_money(12_345, Some("EUR"))
                .unwrap_err()
                .contains("2 digits")
        );
        assert!(check_money(1, None).unwrap_err().contains("currency"));
        assert_eq!(
            parse(dev("currency"), &j("eur")).unwrap(),
            Cell::Text("EUR".into())
        );
        assert!(parse(dev("currency"), &j("EURO")).is_err());
        assert_eq!(
            parse(dev("purchase_date"), &j("2026-02-28")).unwrap(),
            Cell::Date(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap())
        );
        assert!(parse(dev("purchase_date"), &j("2026-02-30")).is_err());
        let audit = dev("last_audit_at");
        let t = parse(audit, &j("2026-11-30T15:05:00+01:00")).unwrap();
        assert_eq!(t, parse(audit, &j("2026-11-30T14:05")).unwrap());
        assert_eq!(
            t.to_json(audit),
            Value::String("2026-11-30T14:05:00Z".into())
        );
        let custom = dev("custom_fields");
        assert!(matches!(
            parse(custom, &serde_json::json!({"a": 1})),
            Ok(Cell::Json(_))
        ));
        assert!(matches!(
            parse(custom, &j("{\"a\": [1]}")),
            Ok(Cell::Json(_))
        ));
        assert!(parse(custom, &serde_json::json!([1])).is_err());
        assert!(parse(custom, &j("[1]")).is_err());
        assert_eq!(
            parse(dev("tag_ids"), &serde_json::json!([3, 1, 3])).unwrap(),
            Cell::Set(vec![1, 3])
        );
        assert_eq!(
            parse(dev("tag_ids"), &j("2, 1")).unwrap(),
            Cell::Set(vec![1, 2])
        );
        assert!(parse(dev("tag_ids"), &serde_json::json!([0])).is_err());
        let colour = crate::schema::TAG.field("colour").unwrap();
        assert_eq!(
            parse(colour, &j("#2F6FED")).unwrap(),
            Cell::Text("2f6fed".into())
        );
        assert!(parse(colour, &j("blue")).is_err());
        let desc = crate::schema::RACK.field("desc_units").unwrap();
        assert_eq!(
            parse(desc, &serde_json::json!(true)).unwrap(),
            Cell::Bool(true)
        );
        assert_eq!(parse(desc, &j("No")).unwrap(), Cell::Bool(false));
        assert!(parse(desc, &j("maybe")).is_err());
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Praha HQ — Building 2", 100), "praha-hq-building-2");
        assert_eq!(slugify("Brno_DC", 100), "brno_dc");
        assert_eq!(slugify("Žďár nad Sázavou", 100), "zdar-nad-sazavou");
        assert_eq!(slugify("!!!", 100), "");
        assert_eq!(slugify("abc def", 4), "abc");
    }
}
