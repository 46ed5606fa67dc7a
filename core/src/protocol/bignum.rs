//! Unsigned big integers on the stack, just large enough for exact `f64` conversions.
//!
//! Decimal text and binary doubles meet exactly only as ratios of big
//! integers: a double is `m × 2^e`, a decimal is `d × 10^k`, and deciding a
//! digit or a rounding means comparing such products. The readers and
//! writers in [`exact`](super::exact) need four operations for that:
//! multiply by a small number (and add one), shift left, subtract and
//! compare. Numbers have at most 2 816 bits, more than the largest case
//! needs (801 decimal digits against `5^1125`, about 2 662 bits).

use core::cmp::Ordering;

/// How many 64-bit limbs a [`Big`] holds.
const LIMBS: usize = 44;

/// The largest power of five below 2^64, and its exponent.
const POW5_STEP: (u64, u32) = (7_450_580_596_923_828_125, 27);

/// An unsigned integer of up to `64 × LIMBS` bits, least significant limb first.
///
/// `len` counts the limbs in use: the top one is non-zero (or `len` is 0)
/// and every limb from `len` on is zero, so derived equality is numeric.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Big {
    limbs: [u64; LIMBS],
    len: usize,
}

impl Big {
    /// Return `v` as a big integer.
    pub(crate) fn from_u64(v: u64) -> Big {
        let mut big = Big {
            limbs: [0; LIMBS],
            len: 1,
        };
        big.limbs[0] = v;
        big.trim();
        big
    }

    /// Return whether the number is zero.
    pub(crate) fn is_zero(&self) -> bool {
        self.len == 0
    }

    /// Return the number as a `u64`, or `None` if it does not fit.
    pub(crate) fn to_u64(&self) -> Option<u64> {
        (self.len <= 1).then_some(self.limbs[0])
    }

    /// Return the number as a `u128`, or `None` if it does not fit.
    pub(crate) fn to_u128(&self) -> Option<u128> {
        (self.len <= 2).then(|| u128::from(self.limbs[0]) | u128::from(self.limbs[1]) << 64)
    }

    /// Return the number of significant bits (0 for zero).
    pub(crate) fn bit_len(&self) -> usize {
        match self.len.checked_sub(1) {
            Some(top) => self.len * 64 - self.limbs[top].leading_zeros() as usize,
            None => 0,
        }
    }

    /// Drop leading zero limbs from `len`.
    fn trim(&mut self) {
        while self.len > 0 && self.limbs[self.len - 1] == 0 {
            self.len -= 1;
        }
    }

    /// Set the number to `self × factor + addend`.
    pub(crate) fn mul_add(&mut self, factor: u64, addend: u64) {
        let mut carry = addend;
        for limb in &mut self.limbs[..self.len] {
            let wide = u128::from(*limb) * u128::from(factor) + u128::from(carry);
            *limb = wide as u64;
            carry = (wide >> 64) as u64;
        }
        if carry != 0 {
            match self.limbs.get_mut(self.len) {
                Some(top) => {
                    *top = carry;
                    self.len += 1;
                }
                None => debug_assert!(false, "Big overflow in mul_add"),
            }
        }
    }

    /// Multiply the number by `5^exp`.
    pub(crate) fn mul_pow5(&mut self, mut exp: u32) {
        let (step, step_exp) = POW5_STEP;
        while exp >= step_exp {
            self.mul_add(step, 0);
            exp -= step_exp;
        }
        self.mul_add(5u64.pow(exp), 0);
    }

    /// Return the limb `back` places below limb `i`, or zero below limb 0.
    fn limb_below(&self, i: usize, back: usize) -> u64 {
        i.checked_sub(back)
            .and_then(|j| self.limbs.get(j))
            .copied()
            .unwrap_or(0)
    }

    /// Multiply the number by `2^bits`.
    pub(crate) fn shl(&mut self, bits: usize) {
        debug_assert!(
            self.is_zero() || self.bit_len() + bits <= LIMBS * 64,
            "Big overflow in shl"
        );
        if self.is_zero() {
            return;
        }
        let (words, bits) = (bits / 64, (bits % 64) as u32);
        let top = (self.len + words + 1).min(LIMBS);
        // From the top down, each limb is read before it is overwritten.
        for i in (0..top).rev() {
            let high = self.limb_below(i, words);
            let low = self.limb_below(i, words + 1);
            // `(low >> 1) >> (63 - bits)` is `low >> (64 - bits)`, and 0 for no bits.
            self.limbs[i] = high << bits | (low >> 1) >> (63 - bits);
        }
        self.len = top;
        self.trim();
    }

    /// Subtract `other`, which must not be larger.
    pub(crate) fn sub(&mut self, other: &Big) {
        debug_assert!(*self >= *other, "Big underflow in sub");
        let mut borrow = false;
        for (a, &b) in self.limbs[..self.len].iter_mut().zip(&other.limbs) {
            let (d, under) = a.overflowing_sub(b);
            let (d, under_again) = d.overflowing_sub(u64::from(borrow));
            *a = d;
            borrow = under || under_again;
        }
        self.trim();
    }
}

impl Ord for Big {
    /// Compare numerically, from the top limb down.
    fn cmp(&self, other: &Big) -> Ordering {
        let n = self.len.max(other.len);
        self.limbs[..n]
            .iter()
            .rev()
            .cmp(other.limbs[..n].iter().rev())
    }
}

impl PartialOrd for Big {
    /// Compare numerically.
    fn partial_cmp(&self, other: &Big) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
impl Big {
    /// Divide by `divisor` and return the remainder.
    pub(crate) fn div_rem_small(&mut self, divisor: u64) -> u64 {
        let mut rem = 0u128;
        for limb in self.limbs[..self.len].iter_mut().rev() {
            let wide = rem << 64 | u128::from(*limb);
            *limb = (wide / u128::from(divisor)) as u64;
            rem = wide % u128::from(divisor);
        }
        self.trim();
        rem as u64
    }

    /// Return the decimal digits of the number ("0" for zero).
    pub(crate) fn to_decimal(&self) -> std::string::String {
        let mut n = self.clone();
        let mut chunks = std::vec::Vec::new();
        while !n.is_zero() {
            chunks.push(n.div_rem_small(10_000_000_000_000_000_000));
        }
        let mut text = std::string::String::new();
        for (i, chunk) in chunks.iter().rev().enumerate() {
            if i == 0 {
                text.push_str(&std::format!("{chunk}"));
            } else {
                text.push_str(&std::format!("{chunk:019}"));
            }
        }
        if text.is_empty() {
            text.push('0');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Return the next value of a xorshift64* sequence.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Return a random `u128` with a random number of significant bits.
    fn random_u128(state: &mut u64) -> u128 {
        let wide = u128::from(next(state)) << 64 | u128::from(next(state));
        wide >> (next(state) % 128)
    }

    /// Return `v` as a big integer: its high limb shifted up, plus its low limb.
    fn big(v: u128) -> Big {
        let mut b = Big::from_u64((v >> 64) as u64);
        b.shl(64);
        b.mul_add(1, v as u64);
        b
    }

    #[test]
    fn operations_match_u128() {
        let mut state = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let (a, b) = (random_u128(&mut state), random_u128(&mut state));
            let (x, y) = (big(a), big(b));
            assert_eq!(x.to_u128(), Some(a));
            assert_eq!(x.cmp(&y), a.cmp(&b), "{a} {b}");
            assert_eq!(x == y, a == b);
            assert_eq!(x.bit_len(), 128 - a.leading_zeros() as usize);
            let (hi, lo) = (a.max(b), a.min(b));
            let mut d = big(hi);
            d.sub(&big(lo));
            assert_eq!(d.to_u128(), Some(hi - lo), "{hi} - {lo}");
            let shift = (next(&mut state) % 128) as usize;
            if let Some(want) = a.checked_shl(shift as u32).filter(|w| w >> shift == a) {
                let mut s = big(a);
                s.shl(shift);
                assert_eq!(s.to_u128(), Some(want), "{a} << {shift}");
            }
            let (f, add) = (
                next(&mut state) >> (next(&mut state) % 64),
                next(&mut state),
            );
            if let Some(want) = a
                .checked_mul(u128::from(f))
                .and_then(|p| p.checked_add(u128::from(add)))
            {
                let mut m = big(a);
                m.mul_add(f, add);
                assert_eq!(m.to_u128(), Some(want), "{a} * {f} + {add}");
            }
            assert_eq!(x.to_decimal(), std::format!("{a}"));
        }
    }

    #[test]
    fn powers_of_five_and_shifts_print_exactly() {
        let mut p = Big::from_u64(1);
        p.mul_pow5(1125);
        let text = p.to_decimal();
        // Python's str(5**1125): 787 digits.
        assert_eq!(text.len(), 787);
        assert!(text.starts_with("21940922227570005284"));
        assert!(text.ends_with("85785388946533203125"));
        assert_eq!(p.bit_len(), 2613);
        let mut q = Big::from_u64(3);
        q.mul_pow5(20);
        q.shl(20);
        assert_eq!(q.to_decimal(), "300000000000000000000");
        let mut full = Big::from_u64(1);
        full.shl(LIMBS * 64 - 1);
        assert_eq!(full.bit_len(), LIMBS * 64);
        let mut zero = Big::from_u64(0);
        zero.shl(100);
        zero.mul_add(7, 0);
        assert!(zero.is_zero());
        zero.mul_add(7, 3);
        assert_eq!(zero.to_u128(), Some(3));
    }
}
