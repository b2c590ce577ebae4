//! Admission of new sockets: a token bucket on the handshake rate, so a reconnect storm (an
//! instance died and its clients all come here at once) cannot starve the sockets already here.

use std::time::Instant;

use parking_lot::Mutex;

/// Handshakes per second, with a burst of one second's worth.
pub(crate) struct HandshakeRate {
    per_second: f64,
    bucket: Mutex<Bucket>,
}

struct Bucket {
    tokens: f64,
    refilled: Instant,
}

impl HandshakeRate {
    /// A limiter admitting `per_second` handshakes on average.
    pub(crate) fn new(per_second: u32) -> HandshakeRate {
        let per_second = f64::from(per_second.max(1));
        HandshakeRate { per_second, bucket: Mutex::new(Bucket { tokens: per_second, refilled: Instant::now() }) }
    }

    /// Takes a token if one is there.
    pub(crate) fn admit(&self) -> bool {
        let mut bucket = self.bucket.lock();
        let now = Instant::now();
        let earned = now.duration_since(bucket.refilled).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + earned).min(self.per_second);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_beyond_one_seconds_worth_is_refused_and_the_bucket_refills() {
        let rate = HandshakeRate::new(10);
        let admitted = (0..25).filter(|_| rate.admit()).count();
        assert_eq!(admitted, 10);
        std::thread::sleep(std::time::Duration::from_millis(250));
        assert!(rate.admit(), "a quarter second earns two or three tokens");
    }
}
