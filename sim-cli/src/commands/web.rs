//! `dsim web`: serves the visualizer (sim-web/dist, built by
//! sim-web/build.sh) on 127.0.0.1 and prints its URL. A static file server
//! and nothing more: the page runs everything in the browser.

use super::Outcome;
use crate::cli::WebArgs;
use anyhow::{bail, Context};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};

/// Where the page is when `--dir` is not given: `sim-web/dist` under the
/// current directory, else in the source tree this binary was built from.
fn default_dir() -> PathBuf {
    let here = PathBuf::from("sim-web/dist");
    if here.join("index.html").exists() {
        return here;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim-web/dist")
}

/// Serves until interrupted.
pub fn web(args: &WebArgs) -> anyhow::Result<Outcome> {
    let dir = args.dir.clone().unwrap_or_else(default_dir);
    if !dir.join("index.html").exists() || !dir.join("pkg").exists() {
        bail!(
            "no visualizer in `{}`\n  hint: build it first with sim-web/build.sh",
            dir.display()
        );
    }
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    let port = listener.local_addr()?.port();
    super::print(&format!(
        "dsim visualizer: http://127.0.0.1:{port}/ (serving {}; Ctrl-C stops)\n",
        dir.display()
    ))?;
    for stream in listener.incoming().flatten() {
        let dir = dir.clone();
        std::thread::spawn(move || {
            // A client that goes away mid-request is its own business.
            let _ = serve(stream, &dir);
        });
    }
    Ok(Outcome::Ok)
}

/// Answers one request: GET of a file under `dir`, or an error status.
fn serve(mut stream: TcpStream, dir: &Path) -> std::io::Result<()> {
    let mut request = String::new();
    let mut reader = BufReader::new(stream.try_clone()?);
    reader.read_line(&mut request)?;
    // Drain the headers.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut parts = request.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let file = match resolve(dir, path) {
        Some(file) if method == "GET" || method == "HEAD" => file,
        _ => {
            return respond(
                &mut stream,
                "404 Not Found",
                "text/plain",
                b"not found\n",
                true,
            )
        }
    };
    match std::fs::read(&file) {
        Ok(body) => respond(&mut stream, "200 OK", mime(&file), &body, method == "GET"),
        Err(_) => respond(
            &mut stream,
            "404 Not Found",
            "text/plain",
            b"not found\n",
            true,
        ),
    }
}

/// The file a URL path names under `dir`; `None` for a path that would
/// leave it. `/` is `index.html`.
fn resolve(dir: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let file = dir.join(relative);
    Some(if file.is_dir() {
        file.join("index.html")
    } else {
        file
    })
}

/// The content type of a file, by extension (`application/wasm` matters:
/// browsers compile a module streamed with it).
fn mime(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    kind: &str,
    body: &[u8],
    with_body: bool,
) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if with_body {
        stream.write_all(body)?;
    }
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_directory() {
        let dir = Path::new("/srv/dsim");
        assert_eq!(
            resolve(dir, "/pkg/sim_web.js"),
            Some(dir.join("pkg/sim_web.js"))
        );
        assert_eq!(resolve(dir, "/../etc/passwd"), None);
        assert_eq!(resolve(dir, "/pkg/../../x"), None);
        assert_eq!(mime(Path::new("a.wasm")), "application/wasm");
    }
}
