//! The browser bundle's files (`pkg/`): compressed once after a build, served compressed with
//! the right caching, and measured against the bundle budget.
//!
//! `census assets` writes a `.br` (brotli, quality 11) and a `.gz` (gzip, level 9) beside every
//! `.wasm`, `.js` and `.css` file of the site's `pkg/` folder; the server then answers a request
//! for one of them with the smaller encoding the browser accepts (`Content-Encoding`), and
//! with `Cache-Control: public, max-age=31536000, immutable` when its name carries a content
//! hash (cargo-leptos's `hash-files`), `no-cache` (revalidated by `Last-Modified`) otherwise.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The file in which cargo-leptos (`hash-files = true`) records the content hashes it put in
/// the bundle's file names: lines `js: <hash>`, `wasm: <hash>`, `css: <hash>`, and with
/// `--split` `manifest: <hash>` and `split: <hash>` (22-character URL-safe base64 MD5s).
/// cargo-leptos writes it beside the server binary; `census assets` copies it into the site
/// root so that the site folder is complete on its own.
pub const HASH_FILE: &str = "hash.txt";

/// The hash file the running server uses: `<site root>/hash.txt`, else `hash.txt` beside the
/// executable; `None` when there is neither (a bundle built without hashed names, or no bundle,
/// as in tests).
pub fn hash_file(site_root: &Path) -> Option<PathBuf> {
    let in_site = site_root.join(HASH_FILE);
    if in_site.is_file() {
        return Some(absolute(&in_site));
    }
    beside_exe()
}

/// `hash.txt` beside the running executable, where cargo-leptos writes it, if it is there.
fn beside_exe() -> Option<PathBuf> {
    let beside = std::env::current_exe().ok()?.parent()?.join(HASH_FILE);
    beside.is_file().then_some(beside)
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Copy the hash file cargo-leptos wrote beside this executable into `site_root` (so that the
/// site folder, shipped without the build tree, names its own files), after checking that the
/// files it names (`<output>.<hash>.js`, `.wasm`, `.css`) are in the site's `pkg/`. Returns
/// whether there was one. Errors: it names files the site does not have (the hash file and the
/// site come from different builds: another build beside this binary since), or the copy failed.
pub fn adopt_hash_file(site_root: &Path, output: &str) -> std::io::Result<bool> {
    match beside_exe() {
        Some(beside) => adopt(&beside, site_root, output).map(|()| true),
        None => Ok(false),
    }
}

/// [`adopt_hash_file`] of the hash file `beside`.
fn adopt(beside: &Path, site_root: &Path, output: &str) -> std::io::Result<()> {
    let hashes = std::fs::read_to_string(beside)?;
    for kind in ["js", "wasm", "css"] {
        let Some(h) = hash_of(&hashes, kind) else {
            continue;
        };
        let file = site_root.join("pkg").join(format!("{output}.{h}.{kind}"));
        if !file.is_file() {
            return Err(std::io::Error::other(format!(
                "{} names {}, which the site does not have: the site and the hash file come from different builds (build the site again)",
                beside.display(),
                file.display()
            )));
        }
    }
    std::fs::copy(beside, site_root.join(HASH_FILE))?;
    Ok(())
}

/// The hash recorded for `kind` (`js`, `wasm`, `css`, …) in a hash file's text.
pub fn hash_of<'a>(hashes: &'a str, kind: &str) -> Option<&'a str> {
    hashes.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == kind)
            .then(|| v.trim())
            .filter(|v| !v.is_empty())
    })
}

/// The stylesheet's address for output name `output` in `pkg_dir`: `/pkg/census.<hash>.css`
/// with a hash file, `/pkg/census.css` without.
pub fn stylesheet_href(hash_file: Option<&Path>, output: &str, pkg_dir: &str) -> String {
    let hashes = hash_file
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    match hash_of(&hashes, "css") {
        Some(h) => format!("/{pkg_dir}/{output}.{h}.css"),
        None => format!("/{pkg_dir}/{output}.css"),
    }
}

static STYLESHEET: OnceLock<String> = OnceLock::new();

/// Record the stylesheet's address for pages made outside the app (the error pages of
/// [`crate::protect`]); the first call in a process wins (one site per process).
pub fn set_stylesheet(href: String) {
    let _ = STYLESHEET.set(href);
}

/// The stylesheet's address recorded by [`set_stylesheet`] (`/pkg/census.css` before any).
pub fn stylesheet() -> &'static str {
    STYLESHEET
        .get()
        .map(String::as_str)
        .unwrap_or("/pkg/census.css")
}

/// One file of the bundle and its sizes in bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct AssetSize {
    /// Relative to `pkg/`.
    pub name: String,
    pub raw: u64,
    pub brotli: u64,
    pub gzip: u64,
}

impl AssetSize {
    /// A WebAssembly module.
    pub fn is_wasm(&self) -> bool {
        self.name.ends_with(".wasm")
    }
}

/// The files worth compressing: code and styles (not source maps or type declarations).
fn compressible(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("wasm" | "js" | "css")
    )
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            files(&p, out)?;
        } else if compressible(&p) {
            out.push(p);
        }
    }
    Ok(())
}

fn brotli(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 3);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        w.write_all(data)?;
    }
    Ok(out)
}

fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(data)?;
    w.finish()
}

/// Compress every file of `pkg` that has no up-to-date `.br` and `.gz` beside it, and return
/// every file's sizes, largest first. Errors: the folder or a file cannot be read or written.
pub fn precompress(pkg: &Path) -> std::io::Result<Vec<AssetSize>> {
    let mut list = vec![];
    files(pkg, &mut list)?;
    let mut sizes = vec![];
    for path in list {
        let data = std::fs::read(&path)?;
        let modified = std::fs::metadata(&path)?.modified()?;
        let encoded = |ext: &str, encode: fn(&[u8]) -> std::io::Result<Vec<u8>>| {
            let mut target = path.clone().into_os_string();
            target.push(ext);
            let target = PathBuf::from(target);
            let fresh = std::fs::metadata(&target)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= modified);
            if !fresh {
                std::fs::write(&target, encode(&data)?)?;
            }
            Ok::<u64, std::io::Error>(std::fs::metadata(&target)?.len())
        };
        let brotli = encoded(".br", brotli)?;
        let gzip = encoded(".gz", gzip)?;
        sizes.push(AssetSize {
            name: path
                .strip_prefix(pkg)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned(),
            raw: data.len() as u64,
            brotli,
            gzip,
        });
    }
    sizes.sort_by(|a, b| b.raw.cmp(&a.raw).then_with(|| a.name.cmp(&b.name)));
    Ok(sizes)
}

/// Limits of the bundle budget, in bytes.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub main_raw: u64,
    pub main_brotli: u64,
    pub chunk_raw: u64,
}

/// What breaks `budget`: the main module is `main` (`census.wasm`, or its hashed name), every
/// other `.wasm` is a lazily loaded chunk. Empty when it holds.
pub fn over_budget(sizes: &[AssetSize], main: &str, budget: Budget) -> Vec<String> {
    let mut faults = vec![];
    let mut found = false;
    for s in sizes.iter().filter(|s| s.is_wasm()) {
        if is_main(&s.name, main) {
            found = true;
            if s.raw > budget.main_raw {
                faults.push(format!(
                    "{}: {} bytes, over the main module's {} bytes",
                    s.name, s.raw, budget.main_raw
                ));
            }
            if s.brotli > budget.main_brotli {
                faults.push(format!(
                    "{}: {} bytes with brotli, over the main module's {} bytes",
                    s.name, s.brotli, budget.main_brotli
                ));
            }
        } else if s.raw > budget.chunk_raw {
            faults.push(format!(
                "{}: {} bytes, over a chunk's {} bytes",
                s.name, s.raw, budget.chunk_raw
            ));
        }
    }
    if !found {
        faults.push(format!("no main module {main}.wasm in the bundle"));
    }
    faults
}

/// `census.wasm` or `census.<hash>.wasm` for output name `census`.
fn is_main(name: &str, main: &str) -> bool {
    let Some(stem) = name.strip_suffix(".wasm") else {
        return false;
    };
    stem == main
        || stem
            .strip_prefix(main)
            .and_then(|r| r.strip_prefix('.'))
            .is_some_and(|hash| !hash.is_empty() && !hash.contains('.'))
}

/// Whether a bundle file's name carries a content hash (`census.aB3-_x.wasm`,
/// `__wasm_split.aB3-_x.js`; cargo-leptos's 22-character URL-safe base64 MD5), so it may be
/// cached for ever.
pub fn is_hashed(name: &str) -> bool {
    let name = name.rsplit('/').next().unwrap_or(name);
    let mut parts = name.split('.');
    let _stem = parts.next();
    parts.any(|p| {
        p.len() == 22
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && p != "______________________"
    })
}

/// How long browsers keep what Census sends: a bundle file with a content hash in its name for
/// a year (`immutable`: it never changes under that name), any other bundle file and every page
/// `no-cache` (kept, but revalidated before each use, so a new version shows at once). A
/// response that set its own policy keeps it.
pub async fn cache_policy(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, StatusCode, header};
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    let ok = res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED;
    if !ok || res.headers().contains_key(header::CACHE_CONTROL) {
        return res;
    }
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = match path.strip_prefix("/pkg/") {
        Some(file) if is_hashed(file) => Some("public, max-age=31536000, immutable"),
        Some(_) => Some("no-cache"),
        None if html => Some("no-cache"),
        None => None,
    };
    if let Some(p) = policy {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(p));
    }
    res
}

/// The report `census assets` prints: one line per file, raw and compressed.
pub fn report(sizes: &[AssetSize]) -> String {
    let mut out = format!(
        "{:<48} {:>12} {:>12} {:>12}\n",
        "file (pkg/)", "raw", "brotli", "gzip"
    );
    for s in sizes {
        out.push_str(&format!(
            "{:<48} {:>12} {:>12} {:>12}\n",
            s.name, s.raw, s.brotli, s.gzip
        ));
    }
    let total = |f: fn(&AssetSize) -> u64| sizes.iter().map(f).sum::<u64>();
    out.push_str(&format!(
        "{:<48} {:>12} {:>12} {:>12}\n",
        "all",
        total(|s| s.raw),
        total(|s| s.brotli),
        total(|s| s.gzip)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_file_from_another_build_is_not_adopted() {
        let build = tempfile::tempdir().unwrap();
        let beside = build.path().join(HASH_FILE);
        std::fs::write(
            &beside,
            "js: Aaaaaaaaaaaaaaaaaaaaaa\nwasm: Bbbbbbbbbbbbbbbbbbbbbb\n",
        )
        .unwrap();
        let site = tempfile::tempdir().unwrap();
        let pkg = site.path().join("pkg");
        std::fs::create_dir(&pkg).unwrap();
        std::fs::write(pkg.join("census.Aaaaaaaaaaaaaaaaaaaaaa.js"), "").unwrap();
        // The site has the script but another build's module: refused, nothing copied.
        std::fs::write(pkg.join("census.Xxxxxxxxxxxxxxxxxxxxxx.wasm"), "").unwrap();
        let e = adopt(&beside, site.path(), "census").unwrap_err();
        assert!(e.to_string().contains("different builds"), "{e}");
        assert!(!site.path().join(HASH_FILE).exists());
        // With its own module it is adopted.
        std::fs::write(pkg.join("census.Bbbbbbbbbbbbbbbbbbbbbb.wasm"), "").unwrap();
        adopt(&beside, site.path(), "census").unwrap();
        assert!(site.path().join(HASH_FILE).exists());
    }

    #[test]
    fn reads_cargo_leptos_hash_files() {
        let text = "js: Aaaaaaaaaaaaaaaaaaaaaa\nwasm: Bbbbbbbbbbbbbbbbbbbbbb\ncss: Cccccccccccccccccccccc\nsplit: Dddddddddddddddddddddd\n";
        assert_eq!(hash_of(text, "css"), Some("Cccccccccccccccccccccc"));
        assert_eq!(hash_of(text, "split"), Some("Dddddddddddddddddddddd"));
        assert_eq!(hash_of(text, "manifest"), None);
        assert_eq!(hash_of("css:\n", "css"), None);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(HASH_FILE);
        std::fs::write(&file, text).unwrap();
        assert_eq!(
            stylesheet_href(Some(&file), "census", "pkg"),
            "/pkg/census.Cccccccccccccccccccccc.css"
        );
        assert_eq!(stylesheet_href(None, "census", "pkg"), "/pkg/census.css");
        assert_eq!(hash_file(dir.path()), Some(file));
        assert!(is_hashed("census.Cccccccccccccccccccccc.css"));
    }

    #[test]
    fn compresses_once_and_checks_the_budget() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path();
        let code = "fn main() { println!(\"hello\"); }\n".repeat(2000);
        std::fs::write(pkg.join("census.wasm"), &code).unwrap();
        std::fs::create_dir(pkg.join("snippets")).unwrap();
        std::fs::write(pkg.join("snippets/x.js"), "export const x = 1;").unwrap();
        std::fs::write(pkg.join("census_bg.wasm.d.ts"), "declare").unwrap();
        std::fs::write(pkg.join("chunk_1.wasm"), vec![7u8; 5000]).unwrap();
        let sizes = precompress(pkg).unwrap();
        let names: Vec<&str> = sizes.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["census.wasm", "chunk_1.wasm", "snippets/x.js"]);
        let main = &sizes[0];
        assert!(
            main.brotli < main.raw / 10 && main.gzip < main.raw / 10,
            "{main:?}"
        );
        assert!(pkg.join("census.wasm.br").exists() && pkg.join("snippets/x.js.gz").exists());
        assert!(!pkg.join("census_bg.wasm.d.ts.br").exists());
        // Up to date: not written again (and the compressed files are not compressed).
        let before = std::fs::metadata(pkg.join("census.wasm.br"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(precompress(pkg).unwrap(), sizes);
        let after = std::fs::metadata(pkg.join("census.wasm.br"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after);

        let budget = Budget {
            main_raw: 1_000_000,
            main_brotli: 1_000_000,
            chunk_raw: 10_000,
        };
        assert!(over_budget(&sizes, "census", budget).is_empty());
        let tight = Budget {
            main_raw: 100,
            main_brotli: 10,
            chunk_raw: 100,
        };
        assert_eq!(over_budget(&sizes, "census", tight).len(), 3);
        assert_eq!(over_budget(&sizes[1..], "census", budget).len(), 1);
        assert!(report(&sizes).contains("census.wasm"));
    }

    #[test]
    fn hashed_names() {
        assert!(is_hashed("census.Fo2vQ3mXwS1rP_a-9ZbKcg.wasm"));
        assert!(is_hashed("__wasm_split.Fo2vQ3mXwS1rP_a-9ZbKcg.js"));
        assert!(!is_hashed("census.wasm"));
        assert!(!is_hashed("__wasm_split.______________________.js"));
        assert!(is_main("census.Fo2vQ3mXwS1rP_a-9ZbKcg.wasm", "census"));
        assert!(is_main("census.wasm", "census"));
        assert!(!is_main("census_split.wasm", "census"));
    }
}
