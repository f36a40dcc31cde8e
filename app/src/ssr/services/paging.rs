//! Paging, the same for every list behind every door (inventory lists, the change log, jobs,
//! users, tokens, devices seen): `limit` from 1 to [`MAX_LIMIT`] (default [`DEFAULT_LIMIT`]),
//! `offset` from 0; anything else is refused with an error naming the parameter. Also the one
//! decoder of query strings.

use crate::error::{AppError, FieldErrors};

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 1000;
/// The largest offset the databases take (a signed 64-bit number).
pub const MAX_OFFSET: u64 = i64::MAX as u64;

/// Which page of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub limit: u64,
    pub offset: u64,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

impl Paging {
    /// `limit` and `offset` from query pairs (other keys are the caller's); an empty value
    /// means the default. Errors name the parameter.
    pub fn parse(pairs: &[(String, String)]) -> Result<Paging, AppError> {
        Paging::parse_with(pairs, MAX_LIMIT)
    }

    /// Like [`Paging::parse`] with another largest `limit` (exports take more).
    pub fn parse_with(pairs: &[(String, String)], max_limit: u64) -> Result<Paging, AppError> {
        single_valued(pairs, &["limit", "offset"])?;
        let mut p = Paging::default();
        let mut errors = FieldErrors::new();
        for (k, v) in pairs {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match k.as_str() {
                "limit" => match v.parse::<u64>() {
                    Ok(n) if (1..=max_limit).contains(&n) => p.limit = n,
                    _ => {
                        errors
                            .entry("limit".into())
                            .or_default()
                            .push(format!("must be a number from 1 to {max_limit}"));
                    }
                },
                "offset" => match v.parse::<u64>() {
                    Ok(n) if n <= MAX_OFFSET => p.offset = n,
                    _ => {
                        errors
                            .entry("offset".into())
                            .or_default()
                            .push(format!("must be a number from 0 to {MAX_OFFSET}"));
                    }
                },
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(AppError::fields(errors))
        }
    }

    /// Paging for a list whose only other keys are `filters`: any other key is refused.
    pub fn strict(pairs: &[(String, String)], filters: &[&str]) -> Result<Paging, AppError> {
        for (k, _) in pairs {
            if !matches!(k.as_str(), "limit" | "offset") && !filters.contains(&k.as_str()) {
                return Err(AppError::field(k, format!("unknown filter '{k}'")));
            }
        }
        Paging::parse(pairs)
    }

    /// The page of an in-memory list.
    pub fn slice<T>(&self, items: Vec<T>) -> Vec<T> {
        items
            .into_iter()
            .skip(usize::try_from(self.offset).unwrap_or(usize::MAX))
            .take(self.limit as usize)
            .collect()
    }
}

/// Refuse a parameter that takes one value given more than once (`q=a&q=b`): which one was
/// meant cannot be known, so neither is silently dropped. The error names the parameter.
pub fn single_valued(pairs: &[(String, String)], keys: &[&str]) -> Result<(), AppError> {
    for key in keys {
        if pairs.iter().filter(|(k, _)| k == key).count() > 1 {
            return Err(AppError::field(key, "give it once"));
        }
    }
    Ok(())
}

/// Decode a query string (`a=1&b=x+y&c=%E2%9C%93`, a leading `?` allowed) into pairs, in order.
pub fn pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_behaviour_for_every_list() {
        assert_eq!(
            Paging::parse(&pairs("limit=20&offset=40&x=1")).unwrap(),
            Paging {
                limit: 20,
                offset: 40
            }
        );
        assert_eq!(
            Paging::parse(&pairs("limit=&offset=")).unwrap(),
            Paging::default()
        );
        for bad in [
            "limit=0",
            "limit=1001",
            "limit=ten",
            "offset=-1",
            "offset=9223372036854775808",
        ] {
            let e = Paging::parse(&pairs(bad)).unwrap_err();
            let key = bad.split('=').next().unwrap();
            assert!(e.field_errors().contains_key(key), "{bad}");
        }
        assert!(Paging::strict(&pairs("kind=x&limit=5"), &["kind"]).is_ok());
        let e = Paging::parse(&pairs("offset=5&offset=10")).unwrap_err();
        assert!(e.field_errors().contains_key("offset"));
        assert!(single_valued(&pairs("q=a&x=1&x=2"), &["q"]).is_ok());
        assert!(single_valued(&pairs("q=a&q=b"), &["q"]).is_err());
        assert!(Paging::strict(&pairs("colour=red"), &["kind"]).is_err());
    }

    #[test]
    fn decodes_query_strings() {
        assert_eq!(
            pairs("?q=a+b%20c&x=%E2%9C%93&bad=%zz&e"),
            vec![
                ("q".into(), "a b c".into()),
                ("x".into(), "✓".into()),
                ("bad".into(), "%zz".into()),
                ("e".into(), "".into())
            ]
        );
    }
}
