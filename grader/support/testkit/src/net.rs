//! Addresses for network checks, all on loopback.

use std::net::{SocketAddr, TcpListener};

/// A loopback address nobody listens on: connecting to it is refused at once.
pub fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind a loopback port");
    listener
        .local_addr()
        .expect("a bound listener has an address")
}

#[cfg(test)]
mod tests {
    #[test]
    fn nobody_listens_there() {
        let refused = std::net::TcpStream::connect(super::closed_port()).unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    }
}
