//! Text the way Census compares it: Unicode case folding computed here, in Rust, so that
//! uniqueness, exact filters, search and sign-in names treat `ÚSTÍ` and `ústí` alike on SQLite
//! (whose `lower()` folds ASCII only) and PostgreSQL alike.

pub use migration::text::{SEPARATOR, fold, search_text};

/// Characters that show nothing: zero-width space, joiners, word joiner, byte-order mark, soft
/// hyphen. A query of these alone is no query.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// A search query as it is matched: folded, without control characters or characters that
/// show nothing, trimmed. None when nothing is left.
pub fn query(q: &str) -> Option<String> {
    let cleaned: String = q
        .chars()
        .filter(|c| !c.is_control() && !invisible(*c))
        .collect();
    let folded = fold(cleaned.trim());
    (!folded.is_empty()).then_some(folded)
}

/// A control character Census refuses in text: every Unicode control character (C0, DEL, C1)
/// except tab and newline. PostgreSQL cannot store NUL in text at all; the others are refused
/// too so that text one database accepts, the other accepts and shows the same. (A carriage
/// return is accepted only as part of a line break, see [`normalize_newlines`].)
pub fn forbidden_control(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

/// Line breaks as `\n`: `\r\n` (what browsers send from a text area) and a lone `\r`.
pub fn normalize_newlines(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        s.into()
    }
}

/// `Err` with a field message when `s` holds a [`forbidden_control`] character, naming it and
/// its position (counted in characters from 1), e.g. "must not contain control characters
/// (U+0000 at character 2)".
pub fn check_controls(s: &str) -> Result<(), String> {
    match s.chars().enumerate().find(|(_, c)| forbidden_control(*c)) {
        None => Ok(()),
        Some((i, c)) => Err(format!(
            "must not contain control characters (U+{:04X} at character {})",
            c as u32,
            i + 1
        )),
    }
}

/// Text from another system with the characters Census refuses removed (a source's device
/// names are kept, not refused: the collection must not fail over one odd name).
pub fn strip_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(forbidden_control) {
        s.chars()
            .filter(|c| !forbidden_control(*c))
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
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
    fn control_characters() {
        assert_eq!(
            check_controls("a\u{0}b").unwrap_err(),
            "must not contain control characters (U+0000 at character 2)"
        );
        for bad in ["\u{7}", "x\u{1b}[31m", "\u{7f}", "\u{85}", "a\rb"] {
            assert!(check_controls(bad).is_err(), "{bad:?}");
        }
        assert!(check_controls("tab\there\nnext line ✓").is_ok());
        assert_eq!(normalize_newlines("a\r\nb\rc\n"), "a\nb\nc\n");
        assert_eq!(strip_controls("PC\u{0}-01\u{1b}"), "PC-01");
    }

    #[test]
    fn queries_and_patterns() {
        assert_eq!(query("  Ústí\u{1f}\n "), Some("ústí".into()));
        assert_eq!(query(" \t "), None);
        assert_eq!(query("\u{200B}\u{FEFF} "), None);
        assert_eq!(query("a\u{200B}b"), Some("ab".into()));
        assert_eq!(like_escape("50%_x\\"), "50\\%\\_x\\\\");
        assert_eq!(search_text(["A", "", "B"]), "a\u{1f}b");
    }
}
