//! Compose's value parsers for durations, byte sizes and CPU counts, with the exact rules
//! compose-go applies when it binds a file to its types, and the Kubernetes quantity forms.
//!
//! Durations follow Go's `time.ParseDuration` extended with `d` and `w` (compose-go uses
//! go-str2duration); byte sizes follow go-units `RAMInBytes` (binary multiples, `k` = 1024).

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UnitError {
    #[error("invalid duration `{0}`: write it like `1m30s`, `10s` or `500ms`")]
    Duration(String),
    #[error("duration `{0}` is too long: the longest is about 292 years")]
    DurationOverflow(String),
    #[error(
        "invalid byte size `{0}`: write a number of bytes or a size like `512m`, `1g` or `640k`"
    )]
    Bytes(String),
    #[error("byte size `{0}` is too large")]
    BytesOverflow(String),
    #[error("invalid cpus value `{0}`: write a non-negative number like `0.5` or `2`")]
    Cpus(String),
}

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000 * NANOSECOND;
const MILLISECOND: u64 = 1_000 * MICROSECOND;
const SECOND: u64 = 1_000 * MILLISECOND;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;

fn duration_unit(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => NANOSECOND,
        // Go accepts both the micro sign (U+00B5) and the Greek small mu (U+03BC).
        "us" | "\u{b5}s" | "\u{3bc}s" => MICROSECOND,
        "ms" => MILLISECOND,
        "s" => SECOND,
        "m" => MINUTE,
        "h" => HOUR,
        "d" => DAY,
        "w" => WEEK,
        _ => return None,
    })
}

/// Splits off the leading ASCII digits of `s`.
fn split_digits(s: &str) -> (&str, &str) {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    s.split_at(end)
}

/// Parses a compose duration such as `1m30s`, `10s`, `1h`, `500ms`, `1.5s` or `2d` into
/// nanoseconds. A bare `0` is the only number accepted without a unit, as in Go.
pub fn parse_duration(s: &str) -> Result<i64, UnitError> {
    let invalid = || UnitError::Duration(s.to_owned());
    let overflow = || UnitError::DurationOverflow(s.to_owned());
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let limit = 1u64 << 63;
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let (int_digits, after) = split_digits(rest);
        let whole: u64 = if int_digits.is_empty() {
            0
        } else {
            int_digits.parse().map_err(|_| overflow())?
        };
        rest = after;
        let mut frac_digits = "";
        if let Some(after_dot) = rest.strip_prefix('.') {
            (frac_digits, rest) = split_digits(after_dot);
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(invalid());
        }
        let unit_end = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (unit_text, after_unit) = rest.split_at(unit_end);
        rest = after_unit;
        let unit = duration_unit(unit_text).ok_or_else(invalid)?;
        if whole > limit / unit {
            return Err(overflow());
        }
        let mut value = whole * unit;
        if !frac_digits.is_empty() {
            // Like Go: keep the fraction digits that fit in a u64, then scale once.
            let mut fraction: u64 = 0;
            let mut scale: f64 = 1.0;
            for digit in frac_digits.bytes() {
                match fraction
                    .checked_mul(10)
                    .and_then(|f| f.checked_add(u64::from(digit - b'0')))
                {
                    Some(f) => {
                        fraction = f;
                        scale *= 10.0;
                    }
                    None => break,
                }
            }
            #[allow(clippy::cast_precision_loss, clippy::cast_sign_loss)]
            let extra = (fraction as f64 * (unit as f64 / scale)) as u64;
            value = value.checked_add(extra).ok_or_else(overflow)?;
            if value > limit {
                return Err(overflow());
            }
        }
        total = total.checked_add(value).ok_or_else(overflow)?;
        if total > limit {
            return Err(overflow());
        }
    }
    if negative {
        // -(1 << 63) is the one value whose magnitude does not fit in a positive i64.
        return Ok(0i64.wrapping_sub_unsigned(total));
    }
    i64::try_from(total).map_err(|_| overflow())
}

/// Writes `v / 10^precision` as a fraction (".25"), without trailing zeros, and returns the
/// integer part; nothing is written when the fraction is zero.
fn push_fraction(out: &mut Vec<u8>, mut v: u64, precision: u32) -> u64 {
    let mut printed = false;
    for _ in 0..precision {
        let digit = (v % 10) as u8;
        printed = printed || digit != 0;
        if printed {
            out.push(b'0' + digit);
        }
        v /= 10;
    }
    if printed {
        out.push(b'.');
    }
    v
}

fn push_int(out: &mut Vec<u8>, mut v: u64) {
    loop {
        out.push(b'0' + (v % 10) as u8);
        v /= 10;
        if v == 0 {
            break;
        }
    }
}

/// Formats nanoseconds exactly as Go's `time.Duration.String()`: `1m30s`, `500ms`, `1h0m0s`,
/// `1.5µs`, `0s`.
#[must_use]
pub fn format_duration(ns: i64) -> String {
    // Built back to front, as Go does, then reversed.
    let mut out: Vec<u8> = Vec::with_capacity(32);
    let mut u = ns.unsigned_abs();
    if u < SECOND {
        if u == 0 {
            return "0s".to_owned();
        }
        let precision = if u < MICROSECOND {
            out.extend_from_slice(b"sn");
            0
        } else if u < MILLISECOND {
            // "µs" reversed byte by byte: 's', then the UTF-8 bytes of µ backwards.
            out.extend_from_slice(&[b's', 0xB5, 0xC2]);
            3
        } else {
            out.extend_from_slice(b"sm");
            6
        };
        u = push_fraction(&mut out, u, precision);
        push_int(&mut out, u);
    } else {
        out.push(b's');
        u = push_fraction(&mut out, u, 9);
        push_int(&mut out, u % 60);
        u /= 60;
        if u > 0 {
            out.push(b'm');
            push_int(&mut out, u % 60);
            u /= 60;
            if u > 0 {
                out.push(b'h');
                push_int(&mut out, u);
            }
        }
    }
    if ns < 0 {
        out.push(b'-');
    }
    out.reverse();
    String::from_utf8(out).expect("duration text is ASCII and µ")
}

/// Parses a byte size with go-units `RAMInBytes` rules: a decimal number, an optional single
/// space, then an optional suffix `b`, or `k`/`m`/`g`/`t`/`p` (powers of 1024) followed by
/// nothing, `b` or `ib`, in any case. `1.5g` is 1610612736; the result is truncated to whole bytes.
///
/// A YAML integer is taken as a byte count as is by compose (even `-1`); only strings go here.
pub fn parse_bytes(s: &str) -> Result<i64, UnitError> {
    let invalid = || UnitError::Bytes(s.to_owned());
    let split = s
        .rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')
        .ok_or_else(invalid)?;
    let (number, suffix) = if s.as_bytes()[split] == b' ' {
        (&s[..split], &s[split + 1..])
    } else {
        (&s[..=split], &s[split + 1..])
    };
    let size = parse_go_float(number).ok_or_else(invalid)?;
    if size < 0.0 || !size.is_finite() {
        return Err(invalid());
    }
    let suffix = suffix.to_ascii_lowercase();
    let multiplier: f64 = match suffix.as_str() {
        "" | "b" => 1.0,
        _ => {
            let mut chars = suffix.chars();
            let power = match chars.next() {
                Some('k') => 1,
                Some('m') => 2,
                Some('g') => 3,
                Some('t') => 4,
                Some('p') => 5,
                _ => return Err(invalid()),
            };
            if !matches!(chars.as_str(), "" | "b" | "ib") {
                return Err(invalid());
            }
            1024f64.powi(power)
        }
    };
    let bytes = (size * multiplier).trunc();
    #[allow(clippy::cast_precision_loss)]
    if bytes >= i64::MAX as f64 {
        return Err(UnitError::BytesOverflow(s.to_owned()));
    }
    Ok(bytes as i64)
}

/// Parses a decimal number the way Go's `strconv.ParseFloat` does for the forms a compose file
/// can hold: optional sign, digits with an optional fraction, optional exponent. Rust's parser
/// would also accept `inf` and `nan`, which Go's callers here never reach with a valid value.
fn parse_go_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let has_digit = body.bytes().any(|b| b.is_ascii_digit());
    let allowed = body
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !has_digit || !allowed {
        return None;
    }
    s.parse().ok()
}

/// Parses a cpus value (`"0.5"`, `"2"`, `"1e-1"`) as compose does with `strconv.ParseFloat`.
/// Compose keeps cpus as a 32-bit float and prints that (`0.3333333333` → `0.33333334`); use
/// `value as f32` to print it the same way. Negative values, which Docker rejects when it
/// starts the container, are rejected here.
pub fn parse_cpus(s: &str) -> Result<f64, UnitError> {
    match parse_go_float(s) {
        Some(cpus) if cpus >= 0.0 && cpus.is_finite() => Ok(cpus),
        _ => Err(UnitError::Cpus(s.to_owned())),
    }
}

/// The Kubernetes quantity for a number of bytes: the largest exact binary suffix (`512Mi`,
/// `1Gi`, `640Ki`), else the plain number of bytes.
#[must_use]
pub fn memory_quantity(bytes: i64) -> String {
    const SUFFIXES: [(&str, i64); 6] = [
        ("Ei", 1 << 60),
        ("Pi", 1 << 50),
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    if bytes != 0 {
        for (suffix, size) in SUFFIXES {
            if bytes % size == 0 {
                return format!("{}{suffix}", bytes / size);
            }
        }
    }
    bytes.to_string()
}

/// The Kubernetes quantity for a number of CPUs: whole CPUs as an integer (`2`), otherwise
/// millicores (`500m`), rounded up to a whole millicore, the finest CPU precision Kubernetes
/// accepts.
#[must_use]
pub fn cpu_quantity(cpus: f64) -> String {
    // Go through f32 because compose holds cpus as a 32-bit float: 0.3 must give 300m, not 301m.
    let shown: f64 = format!("{}", cpus as f32).parse().unwrap_or(cpus);
    let millis = (shown * 1000.0).ceil() as i64;
    if millis % 1000 == 0 {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn parses_go_durations() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("-0", 0),
            ("10s", 10 * S),
            ("1m30s", 90 * S),
            ("1h", 3600 * S),
            ("500ms", S / 2),
            ("1.5s", 3 * S / 2),
            (".5s", S / 2),
            ("5.s", 5 * S),
            ("1h15m30.918273645s", 4530 * S + 918_273_645),
            ("100ns", 100),
            ("3us", 3_000),
            ("3\u{b5}s", 3_000),
            ("3\u{3bc}s", 3_000),
            ("-1.5h", -5400 * S),
            ("+2m", 120 * S),
            ("1d", 86_400 * S),
            ("1w", 7 * 86_400 * S),
            ("1m1m", 120 * S),
            ("0.1ns", 0),
            ("9223372036854775807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
        ];
        for &(text, expected) in cases {
            assert_eq!(parse_duration(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn rejects_bad_durations() {
        for text in [
            "",
            "+",
            "10",
            "5 minutes",
            ".s",
            "1.2.3s",
            "1x",
            "s",
            "1s ",
            " 1s",
        ] {
            assert_eq!(
                parse_duration(text),
                Err(UnitError::Duration(text.to_owned())),
                "{text}"
            );
        }
        for text in [
            "9223372036854775808ns",
            "100000000000000000000s",
            "3000000h",
        ] {
            assert_eq!(
                parse_duration(text),
                Err(UnitError::DurationOverflow(text.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn duration_error_says_what_to_write() {
        let message = parse_duration("5 minutes").unwrap_err().to_string();
        assert_eq!(
            message,
            "invalid duration `5 minutes`: write it like `1m30s`, `10s` or `500ms`"
        );
    }

    #[test]
    fn formats_like_go() {
        // Expected texts are what `docker-compose config` prints for these inputs, and Go's own
        // time.Duration.String test table.
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1\u{b5}s"),
            (2_200_000, "2.2ms"),
            (S / 2, "500ms"),
            (3 * S / 2, "1.5s"),
            (3_300 * S / 1_000, "3.3s"),
            (10 * S, "10s"),
            (90 * S, "1m30s"),
            (4 * 60 * S + 5 * S, "4m5s"),
            (4 * 60 * S + 5_001 * S / 1_000, "4m5.001s"),
            (3600 * S, "1h0m0s"),
            (5 * 3600 * S + 6 * 60 * S + 7_001 * S / 1_000, "5h6m7.001s"),
            (8 * 3600 * S + 1, "8h0m0.000000001s"),
            (86_400 * S, "24h0m0s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
            (-S, "-1s"),
            (-1_500, "-1.5\u{b5}s"),
        ];
        for &(ns, expected) in cases {
            assert_eq!(format_duration(ns), expected, "{ns}");
        }
    }

    #[test]
    fn round_trips_compose_examples() {
        // Each pair is an input and what `docker-compose config` printed for it.
        for (input, printed) in [
            ("90s", "1m30s"),
            ("500ms", "500ms"),
            ("1h", "1h0m0s"),
            ("1.5s", "1.5s"),
            ("0s", "0s"),
            ("2m", "2m0s"),
            ("1.5h", "1h30m0s"),
            ("1d", "24h0m0s"),
            ("1w", "168h0m0s"),
        ] {
            assert_eq!(format_duration(parse_duration(input).unwrap()), printed);
        }
    }

    #[test]
    fn parses_sizes_like_go_units() {
        // Every expected value was printed by `docker-compose config` for `memswap_limit`.
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("1024", 1024),
            ("640k", 655_360),
            ("512m", 536_870_912),
            ("1g", 1_073_741_824),
            ("1gb", 1_073_741_824),
            ("1.5g", 1_610_612_736),
            ("1.5 GB", 1_610_612_736),
            ("1KiB", 1024),
            ("1kib", 1024),
            ("1KB", 1024),
            ("10 b", 10),
            ("1.1k", 1126),
            ("1e3", 1000),
            ("1e3k", 1_024_000),
            (".5k", 512),
            ("5.k", 5120),
            ("1 ", 1),
            ("1 kb", 1024),
            ("2t", 2 << 40),
            ("1p", 1 << 50),
        ];
        for &(text, expected) in cases {
            assert_eq!(parse_bytes(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn rejects_sizes_go_units_rejects() {
        for text in [
            "", "1Mi", "1kk", "-1", "1.5.5", " 1", "1m ", "inf", "1  kb", "1kbb", "1x", "k",
        ] {
            assert_eq!(
                parse_bytes(text),
                Err(UnitError::Bytes(text.to_owned())),
                "{text}"
            );
        }
        assert_eq!(
            parse_bytes("9000000p"),
            Err(UnitError::BytesOverflow("9000000p".to_owned()))
        );
    }

    #[test]
    fn parses_cpus() {
        assert_eq!(parse_cpus("0.5"), Ok(0.5));
        assert_eq!(parse_cpus("2"), Ok(2.0));
        assert_eq!(parse_cpus("1e-1"), Ok(0.1));
        assert_eq!(parse_cpus(".25"), Ok(0.25));
        for text in ["", "abc", "-1", "inf", "NaN", "1,5", "0.5 "] {
            assert_eq!(
                parse_cpus(text),
                Err(UnitError::Cpus(text.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn memory_quantities_use_exact_binary_suffixes() {
        assert_eq!(memory_quantity(536_870_912), "512Mi");
        assert_eq!(memory_quantity(1_073_741_824), "1Gi");
        assert_eq!(memory_quantity(1_610_612_736), "1536Mi");
        assert_eq!(memory_quantity(655_360), "640Ki");
        assert_eq!(memory_quantity(1126), "1126");
        assert_eq!(memory_quantity(0), "0");
        assert_eq!(memory_quantity(1 << 60), "1Ei");
    }

    #[test]
    fn cpu_quantities_are_whole_or_millicores() {
        assert_eq!(cpu_quantity(2.0), "2");
        assert_eq!(cpu_quantity(0.5), "500m");
        assert_eq!(cpu_quantity(1.5), "1500m");
        assert_eq!(cpu_quantity(0.3), "300m");
        assert_eq!(cpu_quantity(0.1), "100m");
        assert_eq!(cpu_quantity(0.333_333_333_3), "334m");
        assert_eq!(cpu_quantity(0.0), "0");
    }
}
