# Census: build the server and the browser bundle with cargo-leptos, run on a slim image.
FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && npm install -g binaryen \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown \
 && cargo install cargo-leptos --version 0.3.10 --locked
WORKDIR /src
# Only the sources: a local target/ or node_modules never enter the image.
COPY Cargo.toml Cargo.lock ./
COPY app app
COPY frontend frontend
COPY server server
COPY migration migration
COPY style style
COPY public public
RUN cargo install wasm-bindgen-cli --version "$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)"
RUN cargo leptos build --release --split \
 && CENSUS_SITE_ROOT=target/site target/release/census assets \
 && mkdir -p /out \
 && cp target/release/census /out/census \
 && cp -r target/site /out/site

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/census census
COPY --from=build /out/census /usr/local/bin/census
COPY --from=build /out/site /usr/local/bin/site
USER census
WORKDIR /var/lib/census
VOLUME /var/lib/census
ENV CENSUS_ADDR=0.0.0.0:3000 \
    CENSUS_DATABASE_URL=sqlite:///var/lib/census/census.db?mode=rwc
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/3000 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"status\":\"ok\"' <&3"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/census"]
CMD ["serve"]
