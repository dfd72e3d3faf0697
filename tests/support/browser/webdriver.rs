//! Headless Chromium driven through chromedriver's W3C WebDriver protocol:
//! plain HTTP and JSON over `std::net::TcpStream`, no client library.
//!
//! [`tools`] finds chromium and chromedriver (or says why not, failing when
//! the environment requires a browser); [`Browser::start`] starts
//! chromedriver on a port of its own choosing with a new profile directory
//! and opens a headless session. Dropping the [`Browser`] ends the session
//! and kills chromedriver and every browser process started for it, even
//! when the test is failing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The key of an element reference in WebDriver's JSON.
pub const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Chromium's flags: headless, and nothing that reaches the network on its
/// own (this runs on closed networks) or needs a display, a GPU or a
/// sandbox (tests may run as root).
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-breakpad",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--mute-audio",
    // chromedriver talks to the browser over a pipe instead of a port: if
    // chromedriver dies (killed with the test process), the browser sees
    // the pipe close and exits instead of lingering.
    "--remote-debugging-pipe",
];

// The limits below only catch hangs: a browser on a loaded machine of two
// cores is slow, and a limit it can reach by being slow makes a flaky test.

/// How long chromedriver and the browser may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long one WebDriver command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// How long [`Browser::wait_for`] waits for a condition.
const WAIT_TIMEOUT: Duration = Duration::from_secs(60);

/// Where chromium and chromedriver are.
pub struct Tools {
    /// The browser.
    pub chromium: PathBuf,
    /// The WebDriver server.
    pub chromedriver: PathBuf,
}

/// The variable that makes a missing browser a failure, when one is set
/// (to anything but empty, `0` or `false`).
fn required_by() -> Option<&'static str> {
    ["REPOFLAME_REQUIRE_BROWSER", "CI"].into_iter().find(|var| {
        std::env::var(var)
            .is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
    })
}

/// An executable file named by `var`, or the first of `names` on `PATH`.
fn find_program(var: &str, names: &[&str]) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |path: &Path| {
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if let Some(path) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        return executable(&path).then_some(path);
    }
    let dirs = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        std::env::split_paths(&dirs)
            .map(|dir| dir.join(name))
            .find(|path| executable(path))
    })
}

/// chromium and chromedriver, found by `REPOFLAME_CHROMIUM` and
/// `REPOFLAME_CHROMEDRIVER` or on `PATH`. When one is missing: a panic if
/// `REPOFLAME_REQUIRE_BROWSER` or `CI` is set, otherwise `None` after a
/// notice (so that the suite runs without a browser).
pub fn tools(test: &str) -> Option<Tools> {
    let chromium = find_program(
        "REPOFLAME_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let chromedriver = find_program("REPOFLAME_CHROMEDRIVER", &["chromedriver"]);
    if let (Some(chromium), Some(chromedriver)) = (&chromium, &chromedriver) {
        return Some(Tools {
            chromium: chromium.clone(),
            chromedriver: chromedriver.clone(),
        });
    }
    let missing: Vec<&str> = [
        chromium.is_none().then_some("chromium"),
        chromedriver.is_none().then_some("chromedriver"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let message = format!(
        "{} not found (on PATH, or named by REPOFLAME_CHROMIUM / REPOFLAME_CHROMEDRIVER); \
         on Debian: apt-get install chromium chromium-driver",
        missing.join(" and ")
    );
    if let Some(var) = required_by() {
        panic!("{test}: a browser is required because {var} is set, but {message}");
    }
    // Straight to stderr, which libtest does not capture: a person sees
    // it on a passing run.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {message} (set REPOFLAME_REQUIRE_BROWSER=1 to make this a failure)"
    );
    None
}

/// An element reference.
#[derive(Clone, Debug)]
pub struct Element(pub String);

impl Element {
    /// The reference in `value`, as commands and scripts return it.
    pub fn from_value(value: &Value) -> Option<Element> {
        value
            .get(ELEMENT_KEY)
            .and_then(Value::as_str)
            .map(|id| Element(id.to_string()))
    }

    /// The reference as a script argument.
    pub fn json(&self) -> Value {
        json!({ ELEMENT_KEY: self.0 })
    }
}

/// A running chromedriver: killed, with its process group and every
/// browser process using its profile, when dropped.
struct Driver {
    child: Child,
    addr: SocketAddr,
    /// The temporary directory: `profile/` (the browser's user data
    /// directory, new and empty) and `chromedriver.log`.
    dir: tempfile::TempDir,
}

impl Driver {
    fn start(tools: &Tools) -> Driver {
        let dir = tempfile::Builder::new()
            .prefix("repoflame-browser-")
            .tempdir()
            .expect("temp dir for the browser");
        std::fs::create_dir(dir.path().join("profile")).expect("profile dir");
        let log = dir.path().join("chromedriver.log");
        let mut cmd = Command::new(&tools.chromedriver);
        // Port 0: chromedriver picks a free port and says which.
        cmd.arg("--port=0")
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Nothing written to the real home directory (crash reports,
            // certificate database, caches): all of it in the temporary
            // directory, whose path then names every process started here.
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            // Its own process group, so that it can be killed with the
            // browser it starts.
            .process_group(0);
        // SAFETY: prctl is async-signal-safe. Killed if the test thread
        // that started it dies without running destructors.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", tools.chromedriver.display()));

        // "ChromeDriver was started successfully on port 12345."
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("chromedriver stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + START_TIMEOUT;
        let mut said = Vec::new();
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.split("started successfully on port ").nth(1) {
                        break rest
                            .trim_end_matches('.')
                            .trim()
                            .parse::<u16>()
                            .unwrap_or_else(|_| panic!("chromedriver said {line:?}"));
                    }
                    said.push(line);
                }
                Err(_) => {
                    let mut driver = Driver {
                        child,
                        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
                        dir,
                    };
                    let log = driver.log_tail();
                    driver.kill();
                    panic!(
                        "chromedriver did not start within {START_TIMEOUT:?}\n\
                         --- its stdout ---\n{}\n--- its log ---\n{log}",
                        said.join("\n")
                    );
                }
            }
        };
        Driver {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            dir,
        }
    }

    fn profile(&self) -> PathBuf {
        self.dir.path().join("profile")
    }

    /// The end of chromedriver's log, for failure messages.
    fn log_tail(&self) -> String {
        let log =
            std::fs::read_to_string(self.dir.path().join("chromedriver.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Kills chromedriver, its process group, and any process whose
    /// command line names this driver's temporary directory (the browser,
    /// with its profile there, and its helpers such as the crash handler,
    /// with their database there, wherever they were reparented), then
    /// waits until none is left.
    fn kill(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: plain system calls; the group is the one chromedriver
        // leads (process_group(0)), and it is not reaped yet.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
            libc::kill(pid, libc::SIGKILL);
        }
        let _ = self.child.wait();
        let marker = self.dir.path().to_string_lossy().into_owned();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let strays = processes_naming(&marker);
            if strays.is_empty() || Instant::now() >= deadline {
                break;
            }
            for pid in strays {
                // SAFETY: a process of this test, found by its unique
                // profile directory.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The processes with `text` in their command line (zombies have none).
fn processes_naming(text: &str) -> Vec<libc::pid_t> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let pid: libc::pid_t = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            cmdline
                .windows(text.len())
                .any(|w| w == text.as_bytes())
                .then_some(pid)
        })
        .collect()
}

/// A headless browser session.
pub struct Browser {
    session: String,
    driver: Driver,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium whose window (and, in
    /// headless mode, viewport) is `width` by `height` pixels.
    pub fn start(tools: &Tools, width: u32, height: u32) -> Browser {
        let driver = Driver::start(tools);
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| a.to_string()).collect();
        args.push(format!("--window-size={width},{height}"));
        args.push(format!("--user-data-dir={}", driver.profile().display()));
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "timeouts": { "pageLoad": 20_000, "script": 10_000, "implicit": 0 },
                    // The console, for script errors.
                    "goog:loggingPrefs": { "browser": "ALL" },
                    "goog:chromeOptions": {
                        "binary": tools.chromium,
                        "args": args,
                    },
                }
            }
        });
        let reply = request(
            driver.addr,
            "POST",
            "/session",
            Some(&capabilities),
            START_TIMEOUT,
        );
        let session = match reply {
            Ok(value) => value["sessionId"]
                .as_str()
                .unwrap_or_else(|| panic!("no session id in {value}"))
                .to_string(),
            Err(e) => panic!(
                "could not start {} through chromedriver: {e}\n--- chromedriver log ---\n{}",
                tools.chromium.display(),
                driver.log_tail()
            ),
        };
        let browser = Browser { session, driver };
        browser.set_viewport(width, height);
        browser
    }

    /// Resizes the window so that the page's viewport is `width` by
    /// `height` CSS pixels (headless Chromium's window is larger than its
    /// viewport, as a window with its toolbars would be).
    pub fn set_viewport(&self, width: u32, height: u32) {
        let inner = || {
            let size = self.execute(
                "return [window.innerWidth, window.innerHeight, window.outerWidth, window.outerHeight];",
                vec![],
            );
            let n = |i: usize| size[i].as_i64().expect("a window size");
            (n(0), n(1), n(2), n(3))
        };
        let (w, h) = (i64::from(width), i64::from(height));
        for _ in 0..3 {
            let (iw, ih, ow, oh) = inner();
            if (iw, ih) == (w, h) {
                return;
            }
            self.command(
                "POST",
                "/window/rect",
                Some(json!({ "width": w + ow - iw, "height": h + oh - ih })),
            );
        }
        let (iw, ih, _, _) = inner();
        assert_eq!(
            (iw, ih),
            (w, h),
            "could not set the viewport to {width}x{height}"
        );
    }

    /// Runs the WebDriver command `method` `path` (relative to the
    /// session) and returns its value, or the error chromedriver gave.
    pub fn try_command(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let path = format!("/session/{}{path}", self.session);
        request(
            self.driver.addr,
            method,
            &path,
            body.as_ref(),
            COMMAND_TIMEOUT,
        )
    }

    /// [`Browser::try_command`], failing the test on an error.
    pub fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_command(method, path, body.clone())
            .unwrap_or_else(|e| panic!("WebDriver {method} {path} {body:?}: {e}"))
    }

    /// Opens `url` and waits for it to load.
    pub fn goto(&self, url: &str) {
        self.command("POST", "/url", Some(json!({ "url": url })));
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page
    /// and returns what it returns.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// The element that `script` returns, failing when it returns none.
    pub fn element_by_script(&self, script: &str, args: Vec<Value>, what: &str) -> Element {
        let value = self.execute(script, args);
        Element::from_value(&value).unwrap_or_else(|| panic!("no element: {what} (got {value})"))
    }

    /// The first element matching the CSS selector.
    pub fn find(&self, selector: &str) -> Element {
        let value = self.command(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": selector })),
        );
        Element::from_value(&value).unwrap_or_else(|| panic!("no element {selector}: {value}"))
    }

    /// Clicks the element as a user would (scrolled into view, a real
    /// mouse click at its centre).
    pub fn click(&self, element: &Element) {
        self.command(
            "POST",
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        );
    }

    /// Moves the mouse over the centre of the element (real mouse events:
    /// mouseover, mousemove).
    pub fn hover(&self, element: &Element) {
        self.command(
            "POST",
            "/actions",
            Some(json!({ "actions": [{
                "type": "pointer",
                "id": "mouse",
                "parameters": { "pointerType": "mouse" },
                "actions": [
                    { "type": "pointerMove", "duration": 0, "origin": element.json(), "x": 0, "y": 0 }
                ]
            }]})),
        );
    }

    /// The element's rendered text.
    pub fn text(&self, element: &Element) -> String {
        let value = self.command("GET", &format!("/element/{}/text", element.0), None);
        value.as_str().unwrap_or_default().to_string()
    }

    /// Whether the element is displayed.
    pub fn displayed(&self, element: &Element) -> bool {
        self.command("GET", &format!("/element/{}/displayed", element.0), None)
            .as_bool()
            .expect("a boolean")
    }

    /// A PNG of the element's box.
    pub fn element_screenshot(&self, element: &Element) -> Vec<u8> {
        let value = self.command("GET", &format!("/element/{}/screenshot", element.0), None);
        base64_decode(value.as_str().expect("base64 screenshot")).expect("valid base64")
    }

    /// Waits until the JavaScript expression `condition` is true, failing
    /// with `what` after a while.
    pub fn wait_for(&self, condition: &str, what: &str) {
        let script = format!("try {{ return !!({condition}); }} catch (e) {{ return false; }}");
        let deadline = Instant::now() + WAIT_TIMEOUT;
        while self.execute(&script, vec![]) != Value::Bool(true) {
            assert!(
                Instant::now() < deadline,
                "waited {WAIT_TIMEOUT:?} for {what} ({condition})"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- chromedriver log (end) ---\n{}\n---",
                self.driver.log_tail()
            );
        }
        // Closes the browser cleanly; the driver's own drop then kills
        // whatever is left.
        let path = format!("/session/{}", self.session);
        let _ = request(
            self.driver.addr,
            "DELETE",
            &path,
            None,
            Duration::from_secs(5),
        );
    }
}

/// One HTTP/1.1 request to chromedriver; the `value` of its JSON answer, or
/// its error.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
    timeout: Duration,
) -> Result<Value, String> {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect to chromedriver at {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\
         Accept: application/json\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .map_err(|e| format!("send to chromedriver: {e}"))?;
    let (head, content) =
        read_reply(&mut stream).map_err(|e| format!("read from chromedriver: {e}"))?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line in {head:?}"))?;
    let json: Value = serde_json::from_slice(&content).map_err(|e| {
        format!(
            "HTTP {status}, not JSON ({e}): {:?}",
            String::from_utf8_lossy(&content)
        )
    })?;
    let value = json.get("value").cloned().unwrap_or(Value::Null);
    if status == 200 {
        Ok(value)
    } else {
        Err(format!(
            "HTTP {status}: {}: {}",
            value["error"].as_str().unwrap_or("?"),
            value["message"].as_str().unwrap_or("?")
        ))
    }
}

/// Reads one HTTP response: its head and its body. chromedriver keeps the
/// connection open after answering, so the body ends where its length says.
fn read_reply(stream: &mut TcpStream) -> Result<(String, Vec<u8>), String> {
    let mut data = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    let mut fill = |data: &mut Vec<u8>| -> Result<bool, String> {
        let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
        data.extend_from_slice(&buf[..n]);
        Ok(n > 0)
    };
    let split = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if !fill(&mut data)? {
            return Err(format!(
                "connection closed in the head: {:?}",
                String::from_utf8_lossy(&data)
            ));
        }
    };
    let head = String::from_utf8_lossy(&data[..split]).into_owned();
    let header = |name: &str| {
        head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    };
    let body_start = split + 4;
    if let Some(length) = header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| format!("bad length in {head:?}"))?;
        while data.len() < body_start + length {
            if !fill(&mut data)? {
                return Err("connection closed in the body".to_string());
            }
        }
        Ok((head, data[body_start..body_start + length].to_vec()))
    } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            if let Some(body) = dechunk(&data[body_start..]) {
                return Ok((head, body));
            }
            if !fill(&mut data)? {
                return Err("connection closed in a chunked body".to_string());
            }
        }
    } else {
        while fill(&mut data)? {}
        Ok((head, data[body_start..].to_vec()))
    }
}

/// The body of a chunked transfer; `None` if incomplete or malformed.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// Decodes standard base64 (padding optional, whitespace ignored).
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\r' | b'\n' | b' ' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Width and height of a PNG image, from its header.
pub fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if png.len() < 24 || &png[..8] != SIGNATURE || &png[12..16] != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&png[16..20]), be(&png[20..24])))
}
