// repoflame: this module is an addition (see repoflame's vendor/README.md).
//
//! `format!("{:.N$}", x)` for the few precisions the SVG writer uses, without
//! the standard library's exact-mode algorithm: for each of them it falls
//! back to Dragon4 (bignum arithmetic) most of the time, some 300 ns a
//! number, four numbers a frame. The value of a double is `m * 2^e`
//! exactly; scaled by `10^N` it is cut to an integer and rounded half to
//! even with 128-bit integers, which gives the standard library's digits.

use std::fmt;

/// `x` with `precision` digits after the point, as `{:.precision$}` shows
/// it, byte for byte.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Fixed(pub f64, pub u32);

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Fixed(x, precision) = *self;
        match scaled(x, precision) {
            Some((negative, q)) => {
                let scale = 10u64.pow(precision);
                let (int, frac) = (q / scale, q % scale);
                let mut buf = [0u8; 48];
                let mut at = buf.len();
                let mut put = |digit: u64| {
                    at -= 1;
                    buf[at] = b'0' + digit as u8;
                };
                let mut frac = frac;
                for _ in 0..precision {
                    put(frac % 10);
                    frac /= 10;
                }
                if precision > 0 {
                    at -= 1;
                    buf[at] = b'.';
                }
                let mut int = int;
                loop {
                    at -= 1;
                    buf[at] = b'0' + (int % 10) as u8;
                    int /= 10;
                    if int == 0 {
                        break;
                    }
                }
                if negative {
                    at -= 1;
                    buf[at] = b'-';
                }
                // Only ASCII digits, a point and a sign were written.
                f.write_str(std::str::from_utf8(&buf[at..]).map_err(|_| fmt::Error)?)
            }
            None => write!(f, "{:.*}", precision as usize, x),
        }
    }
}

/// `|x| * 10^precision` rounded half to even, and the sign of `x`; `None`
/// when the fast way does not apply (not finite, too large, or a
/// precision over 8).
fn scaled(x: f64, precision: u32) -> Option<(bool, u64)> {
    if !x.is_finite() || precision > 8 {
        return None;
    }
    let bits = x.to_bits();
    let negative = bits >> 63 == 1;
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    let (m, e) = match biased {
        0 => (fraction, -1074),
        _ => (fraction | (1u64 << 52), biased - 1075),
    };
    let scale = 10u128.pow(precision);
    // m < 2^53 and scale < 2^27: n < 2^80.
    let n = u128::from(m) * scale;
    let q = if e >= 0 {
        if e > 40 {
            return None;
        }
        n << e
    } else {
        let shift = (-e) as u32;
        if shift >= 127 {
            // n / 2^shift < 2^80 / 2^127: rounds to zero.
            0
        } else {
            let q = n >> shift;
            let rest = n & ((1u128 << shift) - 1);
            let half = 1u128 << (shift - 1);
            if rest > half || (rest == half && q & 1 == 1) {
                q + 1
            } else {
                q
            }
        }
    };
    Some((negative, u64::try_from(q).ok()?))
}
