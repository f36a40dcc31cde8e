//! Case folding, defined once for the migrations (which compute keys for stored rows) and the
//! application (`app::ssr::services::text`, which computes them for new ones).

use unicode_normalization::UnicodeNormalization;

/// The case-folded key of `s`: Unicode default case folding of its canonical decomposition,
/// recomposed (NFC), so `ÚSTÍ`, `ústí` and a decomposed `u\u{301}stí` share one key.
pub fn fold(s: &str) -> String {
    // ASCII folds to its lower case and is its own normal form: the common case, done cheaply
    // (bulk loads fold millions of values).
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    caseless::default_case_fold_str(&s.nfd().collect::<String>())
        .nfc()
        .collect()
}

/// Between the values of a search text (no query holds it: queries lose control characters).
pub const SEPARATOR: char = '\u{1f}';

/// The folded values joined by [`SEPARATOR`], empty values left out.
pub fn search_text<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for v in values.into_iter().filter(|v| !v.is_empty()) {
        if !out.is_empty() {
            out.push(SEPARATOR);
        }
        out.push_str(&fold(v));
    }
    out
}
