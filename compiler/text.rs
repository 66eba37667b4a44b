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

/// Appends `bytes` in lowercase hexadecimal, two digits a byte.
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
}

/// Appends `text` escaped as the inside of a JSON string, as `serde_json` escapes it (which is
/// also a Go string literal's): the schema's strings and the templates' quoted names.
pub(crate) fn push_json_escaped(out: &mut String, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if c < ' ' => {
                out.push_str("\\u00");
                push_hex(out, &[c as u8]);
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for text in [
            "web",
            "",
            "é",
            "\u{7f}",
            "a\"b\\c",
            "\u{8}\t\n\u{c}\r",
            "\u{1}\u{1f}x",
        ] {
            let mut out = "\"".to_owned();
            super::push_json_escaped(&mut out, text);
            out.push('"');
            assert_eq!(out, serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

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
