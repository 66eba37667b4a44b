//! Short strings built in the per-service paths: names, paths, port names, template
//! expressions. `format!` goes through the formatting machinery, a padding check and a call per
//! piece, and grows its string as it goes; at thousands of calls a build that was a few
//! percent of its instructions.

/// `parts` end to end, in a string of exactly their length.
pub(crate) fn joined(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    push_all(&mut out, parts);
    out
}

/// Appends `parts` in order.
pub(crate) fn push_all(out: &mut String, parts: &[&str]) {
    for part in parts {
        out.push_str(part);
    }
}

/// Appends the decimal digits of `n`.
pub(crate) fn push_number(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

#[cfg(test)]
mod tests {
    #[test]
    fn pieces_and_numbers_are_written_as_format_writes_them() {
        assert_eq!(super::joined(&["a", "", "-b", "é"]), "a-bé");
        assert_eq!(super::joined(&[]), "");
        for n in [0, 7, 10, 65535, u64::MAX] {
            let mut out = "tcp-".to_owned();
            super::push_number(&mut out, n);
            assert_eq!(out, format!("tcp-{n}"));
        }
    }
}
