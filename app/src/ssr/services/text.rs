//! Text the way Census compares it: Unicode case folding computed here, in Rust, so that
//! uniqueness, exact filters, search and sign-in names treat `ÚSTÍ` and `ústí` alike on SQLite
//! (whose `lower()` folds ASCII only) and PostgreSQL alike.

pub use migration::text::{SEPARATOR, fold, search_text};

/// A search query as it is matched: folded, without control characters, trimmed. None when
/// nothing is left.
pub fn query(q: &str) -> Option<String> {
    let cleaned: String = q.chars().filter(|c| !c.is_control()).collect();
    let folded = fold(cleaned.trim());
    (!folded.is_empty()).then_some(folded)
}

/// Escape `%`, `_` and `\` for a LIKE pattern (with `ESCAPE '\'`).
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `%<escaped s>%`: a substring pattern.
pub fn contains_pattern(s: &str) -> String {
    format!("%{}%", like_escape(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_any_script_alike() {
        assert_eq!(fold("ÚSTÍ"), fold("ústí"));
        assert_eq!(fold("u\u{301}stí"), fold("Ústí"));
        assert_eq!(fold("ΣΊΣΥΦΟΣ"), fold("σίσυφος"));
        assert_eq!(fold("Straße"), fold("STRASSE"));
        assert_eq!(fold("Hello"), "hello");
        assert_ne!(fold("ústí"), fold("usti"));
    }

    #[test]
    fn queries_and_patterns() {
        assert_eq!(query("  Ústí\u{1f}\n "), Some("ústí".into()));
        assert_eq!(query(" \t "), None);
        assert_eq!(like_escape("50%_x\\"), "50\\%\\_x\\\\");
        assert_eq!(search_text(["A", "", "B"]), "a\u{1f}b");
    }
}
