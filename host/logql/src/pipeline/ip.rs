//! `ip("...")` filters, as Loki's `ip.go`: a pattern is one address, a CIDR
//! or a range `a-b` (IPv4 or IPv6); a line matches when any address-looking
//! run of characters in it parses and falls within the pattern.

use std::net::IpAddr;

/// A parsed `ip()` pattern.
#[derive(Clone, Debug)]
pub(crate) enum IpPattern {
    Addr(IpAddr),
    Prefix(IpAddr, u8),
    Range(IpAddr, IpAddr),
}

impl IpPattern {
    pub(crate) fn new(pattern: &str) -> Result<Self, String> {
        let invalid = || format!("ip: invalid pattern: {}", crate::units::go_quote(pattern));
        if let Ok(a) = pattern.parse::<IpAddr>() {
            return Ok(IpPattern::Addr(a));
        }
        if let Some((addr, bits)) = pattern.split_once('/') {
            let a: IpAddr = addr.parse().map_err(|_| invalid())?;
            let max = if a.is_ipv4() { 32 } else { 128 };
            let bits: u8 = bits
                .parse()
                .ok()
                .filter(|b| *b <= max)
                .ok_or_else(invalid)?;
            return Ok(IpPattern::Prefix(a, bits));
        }
        if let Some((from, to)) = pattern.split_once('-') {
            let (a, b): (IpAddr, IpAddr) = (
                from.parse().map_err(|_| invalid())?,
                to.parse().map_err(|_| invalid())?,
            );
            if a.is_ipv4() == b.is_ipv4() && a <= b {
                return Ok(IpPattern::Range(a, b));
            }
        }
        Err(invalid())
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match *self {
            IpPattern::Addr(a) => a == ip,
            IpPattern::Range(a, b) => a.is_ipv4() == ip.is_ipv4() && a <= ip && ip <= b,
            IpPattern::Prefix(net, bits) => match (net, ip) {
                (IpAddr::V4(n), IpAddr::V4(i)) => {
                    let mask = if bits == 0 {
                        0
                    } else {
                        u32::MAX << (32 - u32::from(bits))
                    };
                    u32::from(n) & mask == u32::from(i) & mask
                }
                (IpAddr::V6(n), IpAddr::V6(i)) => {
                    let mask = if bits == 0 {
                        0
                    } else {
                        u128::MAX << (128 - u32::from(bits))
                    };
                    u128::from(n) & mask == u128::from(i) & mask
                }
                _ => false,
            },
        }
    }

    /// Whether `line` contains an address within the pattern.
    pub(crate) fn matches_in(&self, line: &str) -> bool {
        let b = line.as_bytes();
        let n = b.len();
        let mut i = 0;
        while i < n {
            let charset: Option<fn(u8) -> bool> = if i + 3 < n && ipv4_hint(&b[i..i + 4]) {
                Some(|c| c.is_ascii_digit() || c == b'.')
            } else if i + 4 < n && ipv6_hint(&b[i..i + 5]) {
                Some(|c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
            } else {
                None
            };
            if let Some(ok) = charset {
                let len = b[i..].iter().take_while(|c| ok(**c)).count();
                if let Ok(ip) = line[i..i + len].parse::<IpAddr>()
                    && self.contains(ip)
                {
                    return true;
                }
                i += len;
            }
            i += 1;
        }
        false
    }

    /// Whether a label value (one address) is within the pattern.
    pub(crate) fn matches_value(&self, value: &str) -> bool {
        self.matches_in(value)
    }
}

fn ipv4_hint(p: &[u8]) -> bool {
    p[0].is_ascii_digit() && (p[1] == b'.' || p[2] == b'.' || p[3] == b'.')
}

fn ipv6_hint(p: &[u8]) -> bool {
    let hex = |c: u8| c.is_ascii_hexdigit();
    (p[0] == b':' && p[1] == b':' && hex(p[2]))
        || (hex(p[0]) && p[1] == b':')
        || (hex(p[0]) && hex(p[1]) && p[2] == b':')
        || (hex(p[0]) && hex(p[1]) && hex(p[2]) && p[3] == b':')
        || (hex(p[0]) && hex(p[1]) && hex(p[2]) && hex(p[3]) && p[4] == b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let p = IpPattern::new("192.168.0.0/16").unwrap();
        assert!(p.matches_in("client 192.168.4.2 connected"));
        assert!(!p.matches_in("client 10.0.0.1 connected"));
        let r = IpPattern::new("10.0.0.1-10.0.0.9").unwrap();
        assert!(r.matches_in("from=10.0.0.5:25"));
        assert!(!r.matches_in("from=10.0.0.10"));
        let v6 = IpPattern::new("2001:db8::/32").unwrap();
        assert!(v6.matches_in("addr 2001:db8::1 up"));
        assert!(IpPattern::new("nope").is_err());
    }
}
