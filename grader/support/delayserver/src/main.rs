//! `cargo run -p delayserver [-- ADDR]`: the delay server, by hand, for experiments.

use std::net::SocketAddr;
use std::sync::Arc;

fn main() {
    let arg = std::env::args().nth(1);
    let addr: SocketAddr = match arg.as_deref() {
        None => "127.0.0.1:8080".parse().unwrap(),
        Some("-h" | "--help") => {
            println!(
                "usage: delayserver [ADDR]   (default 127.0.0.1:8080; use 127.0.0.1:0 for any free port)"
            );
            println!("then: curl http://ADDR/500/hello   answers 'hello' after 500 ms");
            return;
        }
        Some(text) => match text.parse() {
            Ok(addr) => addr,
            Err(e) => {
                eprintln!("delayserver: {text:?} is not an address like 127.0.0.1:8080: {e}");
                std::process::exit(2);
            }
        },
    };
    let log: delayserver::RequestLog = Arc::new(|line: &str| println!("{line}"));
    let server = match delayserver::DelayServer::start_on(addr, Some(log)) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("delayserver: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    println!("delayserver listening on http://{}", server.addr());
    loop {
        std::thread::park();
    }
}
