//! Parsing the one request form the server understands.

use std::time::Duration;

/// The longest delay a request may ask for; longer ones get `400`.
pub const MAX_DELAY: Duration = Duration::from_secs(60);
/// The largest body `?repeat=N` may ask for; larger ones get `400`.
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// What the server should answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// `200` with `body` after `delay`.
    Delayed { delay: Duration, body: String },
    /// An error status with a short reason as the body.
    Error { status: u16, reason: &'static str },
}

impl Reply {
    fn error(status: u16, reason: &'static str) -> Self {
        Reply::Error { status, reason }
    }
}

/// Decides the reply for a request head (the bytes before the blank line).
pub fn route(head: &[u8]) -> Reply {
    let Ok(head) = std::str::from_utf8(head) else {
        return Reply::error(400, "request is not UTF-8");
    };
    let request_line = head.lines().next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Reply::error(400, "malformed request line");
    };
    if !version.starts_with("HTTP/1.") {
        return Reply::error(400, "unsupported HTTP version");
    }
    if method != "GET" {
        return Reply::error(405, "only GET is supported");
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let Some((delay, message)) = path.strip_prefix('/').and_then(|p| p.split_once('/')) else {
        return Reply::error(404, "use GET /<delay_ms>/<message>");
    };
    let Ok(delay_ms) = delay.parse::<u64>() else {
        return Reply::error(404, "use GET /<delay_ms>/<message>");
    };
    let delay = Duration::from_millis(delay_ms);
    if delay > MAX_DELAY {
        return Reply::error(400, "delay longer than 60000 ms");
    }
    let mut repeat = 1;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("repeat", n)) => match n.parse::<usize>() {
                Ok(n) => repeat = n,
                Err(_) => return Reply::error(400, "repeat must be a number"),
            },
            _ => return Reply::error(400, "the only query parameter is repeat=N"),
        }
    }
    if message.len().saturating_mul(repeat) > MAX_BODY {
        return Reply::error(400, "body larger than 64 MiB");
    }
    Reply::Delayed {
        delay,
        body: message.repeat(repeat),
    }
}

/// The reason phrase for the statuses the server sends.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delayed(ms: u64, body: &str) -> Reply {
        Reply::Delayed {
            delay: Duration::from_millis(ms),
            body: body.to_owned(),
        }
    }

    #[test]
    fn routes_good_and_bad_requests() {
        let cases: &[(&[u8], Reply)] = &[
            (b"GET /250/hello HTTP/1.1\r\nHost: x", delayed(250, "hello")),
            (b"GET /0/a/b HTTP/1.0", delayed(0, "a/b")),
            (b"GET /5/ab?repeat=3 HTTP/1.1", delayed(5, "ababab")),
            (b"GET /5/ab?repeat=0 HTTP/1.1", delayed(5, "")),
            (
                b"GET /5/ab?repeat=x HTTP/1.1",
                Reply::error(400, "repeat must be a number"),
            ),
            (
                b"GET /5/ab?q=1 HTTP/1.1",
                Reply::error(400, "the only query parameter is repeat=N"),
            ),
            (
                b"GET /5/ab?repeat=99999999999 HTTP/1.1",
                Reply::error(400, "body larger than 64 MiB"),
            ),
            (b"GET /10/ HTTP/1.1", delayed(10, "")),
            (
                b"POST /1/x HTTP/1.1",
                Reply::error(405, "only GET is supported"),
            ),
            (
                b"GET /abc/x HTTP/1.1",
                Reply::error(404, "use GET /<delay_ms>/<message>"),
            ),
            (
                b"GET /100 HTTP/1.1",
                Reply::error(404, "use GET /<delay_ms>/<message>"),
            ),
            (
                b"GET / HTTP/1.1",
                Reply::error(404, "use GET /<delay_ms>/<message>"),
            ),
            (
                b"GET /999999/x HTTP/1.1",
                Reply::error(400, "delay longer than 60000 ms"),
            ),
            (
                b"GET /1/x SPDY/3",
                Reply::error(400, "unsupported HTTP version"),
            ),
            (b"GET /1/x", Reply::error(400, "malformed request line")),
            (b"", Reply::error(400, "malformed request line")),
            (b"\xff\xfe", Reply::error(400, "request is not UTF-8")),
        ];
        for (head, want) in cases {
            assert_eq!(&route(head), want, "{:?}", String::from_utf8_lossy(head));
        }
    }
}
