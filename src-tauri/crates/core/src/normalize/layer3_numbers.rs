//! Layer 3: numbers. The lenient grammar for number-typed columns (currency, parentheses, thousands separators,
//! exponents), the strict grammar that decides which undeclared strings are numbers, and exact decimal helpers
//! shared with identity and rowversion. Text never goes through a float: digits are kept exactly.

use super::config::DecimalSeparator;
use super::layer2_strings::{is_space, trim_space};
use crate::value::Value;

/// Longest number (in digits) we build exactly; beyond it a value is "out of range" rather than a 1 GB string.
const MAX_DIGITS: i64 = 400;

/// Why a string is not a number (the field and value are added by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberProblem {
    NotANumber,
    OutOfRange,
}

/// Parses a number-typed column's text: `"1,234.56"`, `"(1,234.50)"`, `"$1,000"`, `"1.5e3"`, `"12."`, `".5"`.
/// Integral results become `Int` (or an exact big `Decimal`), fractions an exact `Decimal`.
pub fn parse_number(s: &str, sep: DecimalSeparator) -> Result<Value, NumberProblem> {
    let (point, thousands) = sep.chars();
    // Layer 1 hands over cleaned text: both ends visible ASCII, nothing to trim.
    let t = trim_space(s);
    match plain_number(t, point as u8, thousands as u8) {
        Some(v) => Ok(v),
        None => parse_number_general(t, point, thousands),
    }
}

/// `parse_number` on the forms ERPs send most: `-?`, digits with thousands separators in valid groups of three,
/// optionally the point and a fraction, at most 18 digits on each side of the point. Read in one pass and written
/// without the digit buffer and its UTF-8 check (the text is the integer part's digits and a slice of `t`); `None`
/// for anything else (and for edge cases like `12.` or `.5`), which the general grammar reads.
#[inline(always)]
fn plain_number(t: &str, point: u8, thousands: u8) -> Option<Value> {
    let b = t.as_bytes();
    let negative = b.first() == Some(&b'-');
    let mut i = negative as usize;
    let (mut int, mut digits) = (0u64, 0usize);
    // Digits since the last separator, and whether there was one: the general grammar's rule for groups.
    let (mut group, mut grouped) = (0usize, false);
    while i < b.len() {
        let d = b[i].wrapping_sub(b'0');
        if d < 10 {
            int = int.wrapping_mul(10).wrapping_add(d as u64);
            digits += 1;
            group += 1;
        } else if b[i] == thousands {
            if (grouped && group != 3) || (!grouped && (group == 0 || group > 3)) {
                return None;
            }
            (grouped, group) = (true, 0);
        } else {
            break;
        }
        i += 1;
    }
    if digits == 0 || digits > 18 || (grouped && group != 3) {
        return None;
    }
    // Below 10^18: no overflow, and the negation fits.
    let whole = || Value::Int(if negative { -(int as i64) } else { int as i64 });
    if i == b.len() {
        return Some(whole());
    }
    if b[i] != point {
        return None;
    }
    let frac = &b[i + 1..];
    if frac.is_empty() || frac.len() > 18 {
        return None;
    }
    // The fraction up to its last non-zero digit.
    let mut end = 0;
    for (k, &c) in frac.iter().enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        if c != b'0' {
            end = k + 1;
        }
    }
    if end == 0 {
        return Some(whole());
    }
    let mut itoa = itoa::Buffer::new();
    let int_text = itoa.format(int);
    let frac_text = t.get(i + 1..i + 1 + end)?;
    let mut text = String::with_capacity(negative as usize + int_text.len() + 1 + end);
    if negative {
        text.push('-');
    }
    text.push_str(int_text);
    text.push('.');
    text.push_str(frac_text);
    Some(Value::Decimal(text.into_boxed_str()))
}

/// `parse_number`'s whole grammar, on trimmed text.
fn parse_number_general(t: &str, point: char, thousands: char) -> Result<Value, NumberProblem> {
    let mut t = t;
    let owned;
    // `$` or a non-ASCII byte first: searching for three characters decodes every one.
    if t.bytes().any(|c| c == b'$' || c >= 0x80) && t.contains(['$', '€', '£']) {
        owned = t.replace(['$', '€', '£'], "");
        t = owned.trim_matches(is_space);
    }
    let mut negative = false;
    if let Some(inner) = t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        negative = true;
        t = inner.trim_matches(is_space);
    }
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        if negative && b[i] == b'-' {
            return Err(NumberProblem::NotANumber); // "(-5)" is ambiguous
        }
        negative ^= b[i] == b'-';
        i += 1;
    }
    // Digits go to a stack buffer for ordinary lengths: parsing a number allocates nothing but the result.
    let mut stack = [0u8; 64];
    let mut heap;
    let buf: &mut [u8] = if b.len() <= stack.len() {
        &mut stack
    } else {
        heap = vec![0u8; b.len()];
        &mut heap
    };
    let mut digits = DigitBuf { buf, len: 0 };
    // Integer part, with thousands separators only in valid groups of three.
    let int_start = i;
    let mut group = 0usize;
    let mut grouped = false;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            digits.push(c);
            group += 1;
        } else if c == thousands as u8 {
            if (grouped && group != 3) || (!grouped && (group == 0 || group > 3)) {
                return Err(NumberProblem::NotANumber);
            }
            grouped = true;
            group = 0;
        } else {
            break;
        }
        i += 1;
    }
    if grouped && group != 3 {
        return Err(NumberProblem::NotANumber);
    }
    let int_digits = i - int_start;
    let mut frac_len = 0i64;
    if i < b.len() && b[i] == point as u8 {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            digits.push(b[i]);
            frac_len += 1;
            i += 1;
        }
    }
    if digits.is_empty() || (int_digits == 0 && frac_len == 0) {
        return Err(NumberProblem::NotANumber);
    }
    let mut exp = 0i64;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let mut eneg = false;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            eneg = b[i] == b'-';
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            exp = (exp * 10 + (b[i] - b'0') as i64).min(1_000_000);
            i += 1;
        }
        if i == start {
            return Err(NumberProblem::NotANumber);
        }
        if eneg {
            exp = -exp;
        }
    }
    if i != b.len() {
        return Err(NumberProblem::NotANumber);
    }
    exact_from_digits(negative, digits.as_slice(), exp - frac_len)
}

/// A digit buffer on borrowed storage at least as long as the text being parsed (so it never overflows).
struct DigitBuf<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl DigitBuf<'_> {
    fn push(&mut self, c: u8) {
        self.buf[self.len] = c;
        self.len += 1;
    }
    fn is_empty(&self) -> bool {
        self.len == 0
    }
    fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// The strict grammar for undeclared strings: `-?\d{1,3}(,\d{3})+(\.\d+)?` or `-?(0|[1-9]\d*)(\.\d+)?` (with the
/// separators swapped when the connection's decimal separator is `,`). Codes like `"00123"`, dates, phone numbers
/// and versions do not match and stay text.
pub fn auto_number(s: &str, sep: DecimalSeparator) -> Option<Value> {
    let (point, thousands) = sep.chars();
    let b = s.as_bytes();
    let (negative, body) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let int_end = body
        .iter()
        .position(|&c| c == point as u8)
        .unwrap_or(body.len());
    let (int_part, frac_part) = (&body[..int_end], &body[int_end..]);
    if let Some(frac) = frac_part.strip_prefix(&[point as u8]) {
        if frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
            return None;
        }
    }
    let plain = !int_part.is_empty()
        && int_part.iter().all(u8::is_ascii_digit)
        && (int_part[0] != b'0' || int_part.len() == 1);
    let grouped = || {
        let mut groups = int_part.split(|&c| c == thousands as u8);
        let first = groups.next().unwrap_or_default();
        let mut n = 0;
        let ok_first = (1..=3).contains(&first.len()) && first.iter().all(u8::is_ascii_digit);
        ok_first
            && groups.all(|g| {
                n += 1;
                g.len() == 3 && g.iter().all(u8::is_ascii_digit)
            })
            && n > 0
    };
    if !plain && !grouped() {
        return None;
    }
    let mut digits = Vec::with_capacity(b.len());
    digits.extend(int_part.iter().filter(|c| c.is_ascii_digit()));
    let frac = frac_part.get(1..).unwrap_or_default();
    digits.extend_from_slice(frac);
    exact_from_digits(negative, &digits, -(frac.len() as i64)).ok()
}

/// Builds the exact value `(-1)^negative × digits × 10^exp10` (digits are ASCII): `Int` when it is integral and
/// fits 64 bits, else a canonical `Decimal`.
pub(crate) fn exact_from_digits(
    negative: bool,
    digits: &[u8],
    exp10: i64,
) -> Result<Value, NumberProblem> {
    let start = digits
        .iter()
        .position(|&c| c != b'0')
        .unwrap_or(digits.len());
    let mut d = &digits[start..];
    if d.is_empty() {
        return Ok(Value::Int(0));
    }
    let trailing = d.iter().rev().take_while(|&&c| c == b'0').count();
    d = &d[..d.len() - trailing];
    let exp = exp10 + trailing as i64;
    let int_len = d.len() as i64 + exp; // digits before the point
    if int_len > MAX_DIGITS || -exp > MAX_DIGITS {
        return Err(NumberProblem::OutOfRange);
    }
    if exp >= 0 && int_len <= 18 {
        // Fast path: at most 18 digits always fit an i64; same value the text route below parses.
        let mut n: i64 = 0;
        for &c in d {
            n = n * 10 + (c - b'0') as i64;
        }
        for _ in 0..exp {
            n *= 10;
        }
        return Ok(Value::Int(if negative { -n } else { n }));
    }
    // Exact capacity, so `into_boxed_str` below does not reallocate.
    let cap = negative as usize
        + if exp >= 0 {
            int_len as usize
        } else if int_len > 0 {
            d.len() + 1
        } else {
            2 + (-int_len) as usize + d.len()
        };
    // Written as bytes and checked as UTF-8 once (they are ASCII digits, '-', '.' and '0's).
    let mut s = Vec::with_capacity(cap);
    if negative {
        s.push(b'-');
    }
    if exp >= 0 {
        s.extend_from_slice(d);
        s.resize(s.len() + exp as usize, b'0');
    } else if int_len > 0 {
        let (a, f) = d.split_at(int_len as usize);
        s.extend_from_slice(a);
        s.push(b'.');
        s.extend_from_slice(f);
    } else {
        s.extend_from_slice(b"0.");
        s.resize(s.len() + (-int_len) as usize, b'0');
        s.extend_from_slice(d);
    }
    let s = String::from_utf8(s).unwrap_or_default();
    if exp >= 0 {
        if let Ok(i) = s.parse::<i64>() {
            return Ok(Value::Int(i));
        }
    }
    Ok(Value::Decimal(s.into_boxed_str()))
}

/// An integral, finite float as its exact integer: `Int` when it fits, else the exact decimal of its binary value
/// (`1e23` is 99999999999999991611392, as Python's `int(1e23)`).
pub(crate) fn integral_float(f: f64) -> Value {
    if f.abs() < 9.2e18 {
        return Value::Int(f as i64);
    }
    Value::Decimal(big_integral_text(f).into_boxed_str())
}

fn big_integral_text(f: f64) -> String {
    let bits = f.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64 - 1075;
    let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
    // Little-endian base-1e9 limbs: mantissa × 2^exp, exp > 0 here because |f| ≥ 2^63.
    let mut limbs: Vec<u64> = vec![
        mantissa % 1_000_000_000,
        (mantissa / 1_000_000_000) % 1_000_000_000,
    ];
    limbs.push(mantissa / 1_000_000_000_000_000_000);
    for _ in 0..exp {
        let mut carry = 0;
        for l in limbs.iter_mut() {
            let v = *l * 2 + carry;
            *l = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    while limbs.len() > 1 && limbs.last() == Some(&0) {
        limbs.pop();
    }
    let mut s = String::from(if f < 0.0 { "-" } else { "" });
    s.push_str(&limbs.last().copied().unwrap_or(0).to_string());
    for l in limbs.iter().rev().skip(1) {
        s.push_str(&format!("{l:09}"));
    }
    s
}

/// A canonical decimal rounded to 6 places, half to even, trailing zeros and `.` removed (`-0` becomes `0`).
pub(crate) fn round6_decimal(text: &str) -> String {
    let (negative, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text),
    };
    let (int_part, frac) = body.split_once('.').unwrap_or((body, ""));
    if frac.len() <= 6 {
        return text.to_owned();
    }
    let (keep, rest) = frac.split_at(6);
    let first = rest.as_bytes()[0];
    let tail_nonzero = rest[1..].bytes().any(|c| c != b'0');
    let last_odd = (keep.as_bytes()[5] - b'0') % 2 == 1;
    let up = first > b'5' || (first == b'5' && (tail_nonzero || last_odd));
    let mut digits: Vec<u8> = int_part.bytes().chain(keep.bytes()).collect();
    if up {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let split = digits.len() - 6;
    let (ip, fp) = digits.split_at(split);
    let fp = std::str::from_utf8(fp)
        .unwrap_or_default()
        .trim_end_matches('0');
    let ip = std::str::from_utf8(ip).unwrap_or_default();
    let mut out = String::new();
    if negative && (ip.bytes().any(|c| c != b'0') || !fp.is_empty()) {
        out.push('-');
    }
    out.push_str(ip);
    if !fp.is_empty() {
        out.push('.');
        out.push_str(fp);
    }
    out
}

/// Compares two exact numbers (`Int` or canonical `Decimal`).
pub(crate) fn cmp_exact(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    fn parts(v: &Value) -> Option<(bool, String, String)> {
        let t = match v {
            Value::Int(i) => i.to_string(),
            Value::Decimal(d) => d.to_string(),
            _ => return None,
        };
        let (neg, body) = match t.strip_prefix('-') {
            Some(b) => (true, b.to_owned()),
            None => (false, t.clone()),
        };
        let (i, f) = body
            .split_once('.')
            .map(|(i, f)| (i.to_owned(), f.to_owned()))
            .unwrap_or((body, String::new()));
        Some((neg, i, f))
    }
    let (an, ai, af) = parts(a)?;
    let (bn, bi, bf) = parts(b)?;
    let magnitude = ai
        .len()
        .cmp(&bi.len())
        .then_with(|| ai.cmp(&bi))
        .then_with(|| af.cmp(&bf));
    Some(match (an, bn) {
        (false, true) => Ordering::Greater,
        (true, false) => Ordering::Less,
        (false, false) => magnitude,
        (true, true) => magnitude.reverse(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use DecimalSeparator::*;

    fn n(s: &str) -> Value {
        parse_number(s, Dot).unwrap_or_else(|e| panic!("{s:?} should parse: {e:?}"))
    }
    fn dec(s: &str) -> Value {
        Value::Decimal(s.into())
    }

    /// The exact value of `(-1)^neg × digits × 10^exp` written the plain way (strip zeros, place the point).
    fn exact_reference(neg: bool, digits: &str, exp: i64) -> Value {
        let d = digits.trim_start_matches('0');
        let t = d.trim_end_matches('0');
        if t.is_empty() {
            return Value::Int(0);
        }
        let exp = exp + (d.len() - t.len()) as i64;
        let int_len = t.len() as i64 + exp;
        let text = if exp >= 0 {
            format!("{t}{}", "0".repeat(exp as usize))
        } else if int_len > 0 {
            let (a, b) = t.split_at(int_len as usize);
            format!("{a}.{b}")
        } else {
            format!("0.{}{t}", "0".repeat((-int_len) as usize))
        };
        let text = if neg { format!("-{text}") } else { text };
        match text.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Decimal(text.into()),
        }
    }

    proptest::proptest! {
        /// Number text, plain, padded, with a fraction, an exponent, thousands separators or a currency sign, reads
        /// as its exact value.
        #[test]
        fn number_text_reads_as_its_exact_value(
            neg in proptest::bool::ANY,
            int in "[0-9]{1,22}",
            frac in "[0-9]{0,22}",
            exp in proptest::option::of(-30i64..30),
            style in 0u8..4,
        ) {
            let sign = if neg { "-" } else { "" };
            let point = if frac.is_empty() { "" } else { "." };
            let e = exp.map(|e| format!("e{e}")).unwrap_or_default();
            let grouped = int.trim_start_matches('0').as_bytes().rchunks(3).rev()
                .map(|g| std::str::from_utf8(g).unwrap()).collect::<Vec<_>>().join(",");
            let text = match style {
                0 => format!("{sign}{int}{point}{frac}{e}"),
                1 => format!(" \u{a0}{sign}{int}{point}{frac}{e}\t"),
                2 if !grouped.is_empty() => format!("{sign}{grouped}{point}{frac}{e}"),
                _ => format!("{sign}€{int}{point}{frac}{e}"),
            };
            let want = exact_reference(neg, &format!("{int}{frac}"), exp.unwrap_or(0) - frac.len() as i64);
            proptest::prop_assert_eq!(parse_number(&text, Dot), Ok(want), "{:?}", text);
        }

        /// The one-pass reading of plain number text gives what the general grammar gives (value or refusal), on
        /// text around its forms: signs, separators in and out of place, both decimal separators, long runs of
        /// digits, zeros, exponents and stray characters.
        #[test]
        fn plain_numbers_read_as_the_general_grammar_reads_them(
            text in "[-+]?[0-9,.]{0,24}|-?[0-9]{0,20}([,.][0-9]{0,3}){0,7}([.,][0-9]{0,22})?[eE%x ]?[0-9]?",
            sep in proptest::sample::select(vec![Dot, Comma]),
        ) {
            let (point, thousands) = sep.chars();
            proptest::prop_assert_eq!(
                parse_number(&text, sep),
                parse_number_general(trim_space(&text), point, thousands),
                "{:?}", text
            );
        }
    }

    #[test]
    fn parses_the_spec_examples_exactly() {
        assert_eq!(n("10,000"), Value::Int(10000));
        assert_eq!(n("1,234.56"), dec("1234.56"));
        assert_eq!(n("1.5e3"), Value::Int(1500));
        assert_eq!(n("(1,234.50)"), dec("-1234.5"));
        assert_eq!(n("$1,000"), Value::Int(1000));
        assert_eq!(n("12."), Value::Int(12));
        assert_eq!(n(".5"), dec("0.5"));
        assert_eq!(
            n(" 10.0 "),
            Value::Int(10),
            "integral values become integers"
        );
    }

    #[test]
    fn honours_a_comma_decimal_separator() {
        assert_eq!(parse_number("1.234,56", Comma), Ok(dec("1234.56")));
        assert_eq!(
            parse_number("1.234,56", Dot),
            Err(NumberProblem::NotANumber)
        );
    }

    #[test]
    fn keeps_numbers_beyond_64_bits_and_28_digits_exact() {
        assert_eq!(
            n("123456789012345678901234567890.123456789"),
            dec("123456789012345678901234567890.123456789")
        );
        assert_eq!(n("-99999999999999999999"), dec("-99999999999999999999"));
        assert_eq!(n("9223372036854775807"), Value::Int(i64::MAX));
    }

    #[test]
    fn refuses_text_that_is_not_a_number_instead_of_guessing() {
        for bad in [
            "12abc", "", "-", "1,23", "12,3456", "1.2.3", "e5", "(-5)", "NaN", "inf", "0x1F",
        ] {
            assert_eq!(
                parse_number(bad, Dot),
                Err(NumberProblem::NotANumber),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_number("1e999999", Dot),
            Err(NumberProblem::OutOfRange)
        );
    }

    #[test]
    fn keeps_codes_with_leading_zeros_as_text() {
        for code in [
            "00123",
            "2025-01-15",
            "555-1234",
            "1.2.3",
            "1,23",
            "+5",
            "1e3",
            "12.",
            ".5",
            " 5",
        ] {
            assert_eq!(auto_number(code, Dot), None, "{code:?} must stay text");
        }
    }

    #[test]
    fn detects_plain_and_grouped_numbers_in_undeclared_strings() {
        assert_eq!(auto_number("10,000", Dot), Some(Value::Int(10000)));
        assert_eq!(auto_number("-1,234.5", Dot), Some(dec("-1234.5")));
        assert_eq!(auto_number("0.25", Dot), Some(dec("0.25")));
        assert_eq!(auto_number("0", Dot), Some(Value::Int(0)));
        assert_eq!(auto_number("1.234,5", Comma), Some(dec("1234.5")));
    }

    #[test]
    fn writes_huge_integral_floats_as_their_exact_binary_value() {
        assert_eq!(integral_float(1e23), dec("99999999999999991611392"));
        assert_eq!(integral_float(1e20), dec("100000000000000000000"));
        assert_eq!(integral_float(-0.0), Value::Int(0));
    }

    #[test]
    fn rounds_decimals_half_to_even_at_six_places() {
        assert_eq!(round6_decimal("0.0078125"), "0.007812");
        assert_eq!(round6_decimal("0.0234375"), "0.023438");
        assert_eq!(round6_decimal("0.00781251"), "0.007813");
        assert_eq!(round6_decimal("9.9999999"), "10");
        assert_eq!(round6_decimal("-0.0000001"), "0");
        assert_eq!(round6_decimal("12.5"), "12.5");
    }
}
