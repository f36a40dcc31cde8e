//! The browser entry point: hydrate the server-rendered page, loading the first page's code
//! chunk first when it is a lazily loaded area.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_failure();
    }));
    leptos::mount::hydrate_lazy(app::App);
}

/// After a panic (a page's code chunk that did not load, or a fault) the page stops reacting:
/// say so on the page, with a way out, instead of leaving it silently dead.
fn show_failure() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if doc.get_element_by_id("app-failure").is_some() {
        return;
    }
    let (Ok(banner), Some(body)) = (doc.create_element("div"), doc.body()) else {
        return;
    };
    banner.set_id("app-failure");
    let _ = banner.set_attribute("class", "alert alert-error app-failure");
    let _ = banner.set_attribute("role", "alert");
    banner.set_text_content(Some(
        "This page stopped working: part of Census could not be loaded (the connection may \
         have dropped, or Census was updated). Reload the page to continue.",
    ));
    if let Ok(link) = doc.create_element("a") {
        let _ = link.set_attribute("href", "");
        link.set_text_content(Some(" Reload"));
        let _ = banner.append_child(&link);
    }
    let _ = body.prepend_with_node_1(&banner);
    let _ = body.set_attribute("data-failed", "true");
}
