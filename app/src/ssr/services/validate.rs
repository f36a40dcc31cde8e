//! Parsing and normalising field input: text limits, slugs, choices, references, IP and MAC
//! addresses, time zones. Pure functions, shared by every door.

use super::cells::Cell;
use crate::schema::{Field, FieldType};
use serde_json::Value;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// Parse one submitted value for `field`. Empty text and JSON `null` become `Cell::Null`.
pub fn parse(field: &Field, v: &Value) -> Result<Cell, String> {
    let text = match v {
        Value::Null => return Ok(Cell::Null),
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) if field.is_int() => n.to_string(),
        Value::Number(n) if matches!(field.ty, FieldType::Text) => n.to_string(),
        Value::Bool(_) | Value::Array(_) | Value::Object(_) | Value::Number(_) => {
            return Err(match field.ty {
                FieldType::Ref(_) | FieldType::Int { .. } => "expected a whole number".into(),
                _ => "expected text".into(),
            });
        }
    };
    if text.is_empty() {
        return Ok(Cell::Null);
    }
    match field.ty {
        FieldType::Text | FieldType::LongText => {
            let text = if matches!(field.ty, FieldType::LongText) {
                match v {
                    Value::String(s) => s.trim_end().trim_start_matches(['\n', '\r']).to_string(),
                    _ => text,
                }
            } else {
                text
            };
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
        FieldType::Ref(kind) => {
            let n: i64 = text
                .parse()
                .map_err(|_| format!("expected the id of a {}", kind.res().singular))?;
            if n <= 0 {
                return Err(format!("expected the id of a {}", kind.res().singular));
            }
            Ok(Cell::Int(n))
        }
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
    fn slugs() {
        assert_eq!(slugify("Praha HQ — Building 2", 100), "praha-hq-building-2");
        assert_eq!(slugify("Brno_DC", 100), "brno_dc");
        assert_eq!(slugify("Žďár nad Sázavou", 100), "zdar-nad-sazavou");
        assert_eq!(slugify("!!!", 100), "");
        assert_eq!(slugify("abc def", 4), "abc");
    }
}
