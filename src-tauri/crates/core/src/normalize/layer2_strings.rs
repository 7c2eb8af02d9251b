//! Layer 2: string cleanup for every string (SPEC §3): control characters out, CRLF/CR to LF, whitespace runs
//! collapsed per line, lines trimmed, empty lines dropped, empty result NULL. Clean strings are not copied.

/// Whitespace as layer 2 and the data canonical form trim it: Unicode `White_Space` plus U+001C–U+001F
/// (Python's `str.isspace` counts the information separators; the old implementation trimmed them).
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `s.trim_matches(is_space)`, without decoding characters when both ends are visible ASCII (cleaned text almost
/// always is: decoding the ends costs more than the check).
pub fn trim_space(s: &str) -> &str {
    match s.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        [only] if only.is_ascii_graphic() => s,
        _ => s.trim_matches(is_space),
    }
}

fn is_deleted_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}')
}

/// The outcome of cleaning one string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleaned {
    /// Already clean: the caller keeps its own string, no copy.
    Unchanged,
    Changed(String),
    /// Nothing left: the value is NULL.
    Null,
}

/// True when `s` needs no cleanup: no control character, tab or line break, no leading, trailing or double space,
/// and no non-ASCII whitespace. This is the fast path for almost every ERP string. The ASCII checks run on eight
/// bytes at a time (`word_flags`; most values are 1-40 bytes, too short for a vectorised loop to pay for its set-up;
/// the bytes of a multi-byte character are all >= 0x80, so they never look like ASCII); only text with non-ASCII
/// characters is searched for Unicode whitespace.
#[inline(always)]
pub(crate) fn is_clean(s: &str) -> bool {
    let b = s.as_bytes();
    let len = b.len();
    if len == 0 || b[0] == b' ' || b[len - 1] == b' ' {
        return false;
    }
    let mut high = 0;
    if len < 8 {
        let (w, pairs) = short_word(b);
        let (control, blank) = word_flags(w);
        if control | (blank & (blank << 8) & pairs) != 0 {
            return false;
        }
        high = w;
    } else {
        // Word by word, leaving at the first fault: the early exit also keeps the compiler from vectorising the
        // loop, whose set-up costs more than the one or two words most values have.
        let mut carry = 0;
        let mut words = b.chunks_exact(8);
        for chunk in &mut words {
            let w = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            let (control, blank) = word_flags(w);
            // A blank at byte i+1 after one at byte i (two spaces; a control is a fault anyway); the previous word's
            // last byte carries over.
            if control | (blank & ((blank << 8) | carry)) != 0 {
                return false;
            }
            carry = blank >> 56;
            high |= w;
        }
        if !words.remainder().is_empty() {
            // The last eight bytes, overlapping the words before: every pair of neighbours not yet seen is inside.
            let w = u64::from_le_bytes(b[len - 8..].try_into().unwrap_or_default());
            let (control, blank) = word_flags(w);
            if control | (blank & (blank << 8)) != 0 {
                return false;
            }
            high |= w;
        }
    }
    high & HIGH == 0 || !has_unicode_space(s)
}

/// Every byte of a word: 0x01 and 0x80.
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// 0x80 in each byte of `w` that is zero, 0 in the others (exact: no borrow runs between bytes).
#[inline(always)]
fn zero_bytes(w: u64) -> u64 {
    !(((w & !HIGH) + !HIGH) | w | !HIGH)
}

/// For the eight bytes of `w`: 0x80 in each byte that is an ASCII control character (< 0x20 or DEL), and 0x80 in
/// each byte that is blank (a control below 0x20 or a space: two blanks in a row are a fault whichever they are,
/// and this is cheaper than finding the spaces alone). A byte >= 0x80 is neither.
#[inline(always)]
fn word_flags(w: u64) -> (u64, u64) {
    let low = w & !HIGH;
    let ascii = !w & HIGH;
    // For a byte b < 0x80: b + 0x60 < 0x80 exactly when b < 0x20, b + 0x5F < 0x80 exactly when b <= 0x20, and
    // b + 1 = 0x80 exactly when b is DEL (no carries: every sum stays below 0x100).
    let control = (!(low + 0x60 * ONES) | (low + ONES)) & ascii;
    (control, !(low + 0x5F * ONES) & ascii)
}

/// A string of 1-7 bytes as one word, and the mask of the neighbour pairs in it that are pairs in the string: 1-3
/// bytes as first, middle, last (a repeated byte pairs with itself only at the ends, which are not spaces, and a
/// control there is a fault anyway), the rest a visible letter; 4-7 bytes as the first four and the last four,
/// whose seam is no pair.
#[inline(always)]
fn short_word(b: &[u8]) -> (u64, u64) {
    let len = b.len();
    if len >= 4 {
        let first = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64;
        let last = u32::from_le_bytes([b[len - 4], b[len - 3], b[len - 2], b[len - 1]]) as u64;
        (first | last << 32, !(0x80 << 32))
    } else {
        let w = b[0] as u64 | (b[len / 2] as u64) << 8 | (b[len - 1] as u64) << 16;
        (w | (b'a' as u64 * ONES) << 24, !0)
    }
}

/// True when `s` holds a non-ASCII whitespace character. Every one starts with a lead byte `is_space_lead` names,
/// so only those are decoded; the lead bytes are found eight at a time.
fn has_unicode_space(s: &str) -> bool {
    let b = s.as_bytes();
    let space_at = |i: usize| s[i..].chars().next().is_some_and(is_space);
    let mut words = b.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut words {
        let mut leads = lead_bytes(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        while leads != 0 {
            if space_at(at + leads.trailing_zeros() as usize / 8) {
                return true;
            }
            leads &= leads - 1;
        }
        at += 8;
    }
    (at..b.len()).any(|i| is_space_lead(b[i]) && space_at(i))
}

/// 0x80 in each byte of `w` that `is_space_lead` names, or is 0xE0 (cheaper to test with its neighbours; decoding
/// it finds no space).
#[inline(always)]
fn lead_bytes(w: u64) -> u64 {
    zero_bytes(w ^ (0xC2 * ONES)) | zero_bytes((w & (0xFC * ONES)) ^ (0xE0 * ONES))
}

/// The UTF-8 lead bytes of the non-ASCII whitespace characters (U+0085 and U+00A0; U+1680; U+2000-U+200A, U+2028,
/// U+2029, U+202F, U+205F; U+3000). A lead byte is a character boundary, so `has_unicode_space` can decode from it.
fn is_space_lead(c: u8) -> bool {
    matches!(c, 0xC2 | 0xE1 | 0xE2 | 0xE3)
}

/// The cleaned form of `s` when it is a slice of `s` itself (already clean, or clean once its surrounding
/// whitespace is trimmed: CHAR columns arrive space-padded), else `None` (take `clean`). Lets the normalizer cut
/// the raw string down in place instead of copying it.
pub(crate) fn clean_slice(s: &str) -> Option<&str> {
    if is_clean(s) {
        return Some(s);
    }
    trimmed_slice(s)
}

/// `clean_slice` on a string `is_clean` refused: its trimmed middle, when that is clean.
pub(crate) fn trimmed_slice(s: &str) -> Option<&str> {
    // Every trimmed character is whitespace, which `clean` drops at line ends; a clean middle has no line breaks
    // or control characters, so `clean(s)` is exactly this slice.
    let t = trim_space(s);
    (!t.is_empty() && t.len() < s.len() && is_clean(t)).then_some(t)
}

/// True when `s` is one line of printable ASCII with spaces and tabs and at least one other character: then
/// `clean(s)` is just "runs of spaces/tabs become one space, ends trimmed" (`collapse_ascii`), never NULL.
pub(crate) fn is_simple_ascii(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().all(|&c| (0x20..0x7f).contains(&c) || c == b'\t') && b.iter().any(|&c| c > b' ')
}

/// `clean` for a string that `is_simple_ascii`, done in place on the owned string (the result is never longer):
/// the common "  Widget   large  " value costs no new allocation.
pub(crate) fn collapse_ascii(s: String) -> String {
    let mut b = s.into_bytes();
    let (mut w, mut pending) = (0, false);
    for r in 0..b.len() {
        let c = b[r];
        if c == b' ' || c == b'\t' {
            pending = w > 0;
        } else {
            if pending {
                b[w] = b' ';
                w += 1;
                pending = false;
            }
            b[w] = c;
            w += 1;
        }
    }
    b.truncate(w);
    // Only ASCII bytes were moved, so this cannot fail; `from_utf8` keeps the conversion safe and is cheap here.
    String::from_utf8(b).unwrap_or_default()
}

/// Cleans one string per layer 2, in one pass: the characters kept as they are go to the output as whole runs
/// (slices of `s`), and a single space or line break goes between two runs where the text had whitespace or line
/// breaks. A CR LF pair is two breaks with an empty line between them, and empty lines are dropped anyway.
pub fn clean(s: &str) -> Cleaned {
    if is_clean(s) {
        return Cleaned::Unchanged;
    }
    clean_unclean(s)
}

/// `clean` on a string `is_clean` refused (layer 1 has checked already). Byte by byte, with the kept bytes before
/// the next one that needs a look (a control, space or whitespace lead byte: `word_flags`, `lead_bytes`) found eight
/// at a time; a character is decoded only at a lead byte of a non-ASCII whitespace character. The other bytes of
/// multi-byte characters are kept, as their characters are.
pub(crate) fn clean_unclean(s: &str) -> Cleaned {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    // The run of kept bytes not yet written: `s[run.0..run.1]`.
    let mut run = (0, 0);
    // The current line has kept characters; whitespace after them; a line with kept characters ended.
    let (mut content, mut space, mut line_break) = (false, false, false);
    let mut i = 0;
    while i < b.len() {
        // The kept bytes before the next byte that needs a look, up to eight.
        let plain = match b.get(i..i + 8) {
            Some(word) => {
                let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
                let (control, blank) = word_flags(w);
                (control | blank | lead_bytes(w)).trailing_zeros() as usize / 8
            }
            None => 0,
        };
        let (kept, len) = match plain {
            1.. => (true, plain),
            0 => match b[i] {
                c @ 0..0x80 => (c > b' ' && c != 0x7f, 1),
                c if is_space_lead(c) => {
                    let ch = s[i..].chars().next().unwrap_or_default();
                    (!is_space(ch), ch.len_utf8())
                }
                _ => (true, 1),
            },
        };
        if kept {
            if i != run.1 {
                out.push_str(&s[run.0..run.1]);
                if line_break && !content {
                    out.push('\n');
                    line_break = false;
                } else if space {
                    out.push(' ');
                }
                run.0 = i;
            }
            run.1 = i + len;
            (content, space) = (true, false);
        } else if b[i] == b'\r' || b[i] == b'\n' {
            line_break |= content;
            (content, space) = (false, false);
        } else if !is_deleted_control(char::from(b[i])) {
            // ASCII space or tab, or a non-ASCII whitespace character (whose lead byte is no control).
            space = content;
        }
        i += len;
    }
    out.push_str(&s[run.0..run.1]);
    if out.is_empty() {
        Cleaned::Null
    } else if out == s {
        Cleaned::Unchanged
    } else {
        Cleaned::Changed(out)
    }
}

/// Convenience for callers that own the string: the cleaned string, or `None` for NULL.
pub fn clean_owned(s: String) -> Option<String> {
    match clean(&s) {
        Cleaned::Unchanged => Some(s),
        Cleaned::Changed(c) => Some(c),
        Cleaned::Null => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Option<String> {
        clean_owned(s.to_owned())
    }

    #[test]
    fn collapses_runs_of_spaces_and_trims() {
        assert_eq!(c("  Multiple   Spaces "), Some("Multiple Spaces".into()));
    }

    #[test]
    fn turns_crlf_into_lf() {
        assert_eq!(c("Line1\r\nLine2"), Some("Line1\nLine2".into()));
        assert_eq!(
            c("a\rb"),
            Some("a\nb".into()),
            "a lone CR is a line break too"
        );
    }

    #[test]
    fn control_characters_only_become_null() {
        assert_eq!(c("\x00\x01"), None);
        assert_eq!(
            c(" \u{3000}\u{a0} "),
            None,
            "only whitespace is empty, so NULL"
        );
    }

    #[test]
    fn keeps_persian_text_and_collapses_its_spaces() {
        assert_eq!(c("سلام   دنیا"), Some("سلام دنیا".into()));
        assert_eq!(
            clean("سلام دنیا"),
            Cleaned::Unchanged,
            "clean text is not copied"
        );
    }

    #[test]
    fn drops_empty_lines_and_trims_each_line() {
        assert_eq!(c(" a \n\n   \n\tb  c\t"), Some("a\nb c".into()));
    }

    #[test]
    fn trims_unicode_and_information_separator_whitespace() {
        assert_eq!(c("\u{2003}x\u{205f}\u{85}y\u{1f}"), Some("x y".into()));
        assert_eq!(c("\u{202f}Z\u{2028}"), Some("Z".into()));
    }

    #[test]
    fn deletes_control_characters_inside_words() {
        assert_eq!(c("AB\x07C\x7f"), Some("ABC".into()));
    }

    #[test]
    fn leaves_clean_strings_alone() {
        assert_eq!(clean("PART-123 Widget"), Cleaned::Unchanged);
        assert_eq!(clean("0"), Cleaned::Unchanged, "0 is a value, not NULL");
    }

    #[test]
    fn the_slice_fast_path_agrees_with_clean() {
        for s in [
            "EA ",
            "  x",
            "a b",
            " a  b ",
            "\tA\t",
            "A\r\n",
            "\u{a0}Z\u{3000}",
            "\x00A ",
            " A\x07 ",
            "   ",
            "",
            "سلام ",
            " a\nb ",
            "x\u{1f}",
            "\u{1c}y",
        ] {
            let slow = clean_owned(s.to_owned());
            if let Some(t) = clean_slice(s) {
                assert_eq!(Some(t.to_owned()), slow, "{s:?}");
            }
        }
        assert_eq!(clean_slice("EA "), Some("EA"));
        assert_eq!(
            clean_slice("  Widget   large "),
            None,
            "inner runs need the full clean"
        );
    }

    #[test]
    fn every_non_ascii_space_starts_with_a_checked_lead_byte() {
        // `is_clean` decodes only characters whose first byte `is_space_lead` names: a whitespace character outside
        // them would pass as clean.
        for c in (0x80..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| is_space(c))
        {
            let mut buf = [0u8; 4];
            let lead = c.encode_utf8(&mut buf).as_bytes()[0];
            assert!(
                is_space_lead(lead),
                "U+{:04X} starts with {lead:#x}",
                c as u32
            );
        }
    }

    #[test]
    fn clean_text_with_unicode_spaces_is_not_clean() {
        for s in [
            "a\u{a0}b",
            "a\u{85}",
            "\u{3000}x",
            "x\u{2003}y",
            "x\u{1680}",
            "a\u{205f}b",
            "سلام\u{202f}دنیا",
        ] {
            assert_ne!(clean(s), Cleaned::Unchanged, "{s:?}");
        }
        for s in [
            "پیچ شش\u{200c}گوش M10",
            "Çelik boru DN50 — şartnameye uygun",
            "İŞLEM ÜNİTESİ",
            "a\u{a9}b",
        ] {
            assert_eq!(
                clean(s),
                Cleaned::Unchanged,
                "{s:?}: no whitespace to touch"
            );
        }
    }

    /// The definition `is_clean` replaced, character by character.
    fn is_clean_by_chars(s: &str) -> bool {
        let mut prev_space = true; // a leading space is not clean
        for c in s.chars() {
            if c == '\n' || is_deleted_control(c) || c == '\r' || (is_space(c) && c != ' ') {
                return false;
            }
            if c == ' ' && prev_space {
                return false;
            }
            prev_space = c == ' ';
        }
        !prev_space
    }

    /// The definition `clean_unclean` replaced: the same runs, character by character.
    fn clean_by_chars(s: &str) -> Cleaned {
        let mut out = String::with_capacity(s.len());
        // The run of kept characters not yet written: `s[run.0..run.1]`.
        let mut run = (0, 0);
        // The current line has kept characters; whitespace after them; a line with kept characters ended.
        let (mut content, mut space, mut line_break) = (false, false, false);
        for (i, c) in s.char_indices() {
            let kept = if c.is_ascii() {
                c > ' ' && c != '\x7f'
            } else {
                !is_space(c) // control characters and line breaks are all ASCII
            };
            if kept {
                if i != run.1 {
                    out.push_str(&s[run.0..run.1]);
                    if line_break && !content {
                        out.push('\n');
                        line_break = false;
                    } else if space {
                        out.push(' ');
                    }
                    run.0 = i;
                }
                run.1 = i + c.len_utf8();
                (content, space) = (true, false);
            } else if c == '\r' || c == '\n' {
                line_break |= content;
                (content, space) = (false, false);
            } else if !is_deleted_control(c) {
                space = content;
            }
        }
        out.push_str(&s[run.0..run.1]);
        if out.is_empty() {
            Cleaned::Null
        } else if out == s {
            Cleaned::Unchanged
        } else {
            Cleaned::Changed(out)
        }
    }

    /// The definition `clean` replaced: line by line, character by character.
    fn clean_by_lines(s: &str) -> Cleaned {
        let mut out = String::with_capacity(s.len());
        let mut line = String::new();
        let mut chars = s.chars().filter(|&c| !is_deleted_control(c)).peekable();
        let flush = |line: &mut String, out: &mut String| {
            if !line.is_empty() {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(line);
                line.clear();
            }
        };
        let mut pending_space = false;
        while let Some(c) = chars.next() {
            if c == '\r' || c == '\n' {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                flush(&mut line, &mut out);
                pending_space = false;
            } else if is_space(c) {
                pending_space = !line.is_empty();
            } else {
                if pending_space {
                    line.push(' ');
                    pending_space = false;
                }
                line.push(c);
            }
        }
        flush(&mut line, &mut out);
        if out.is_empty() {
            Cleaned::Null
        } else if out == s {
            Cleaned::Unchanged
        } else {
            Cleaned::Changed(out)
        }
    }

    proptest::proptest! {
        #[test]
        fn the_one_pass_cleanup_agrees_with_the_line_by_line_one(
            s in "\\PC{0,24}|[ ab\\t\\n\\r\\x00-\\x1f\\x7f\\u{85}\\u{a0}\\u{1680}\\u{2000}-\\u{200d}\\u{2028}\\u{3000}çİ—پ]{0,24}"
        ) {
            proptest::prop_assert_eq!(clean(&s), clean_by_lines(&s), "{:?}", s);
        }

        #[test]
        fn the_byte_check_agrees_with_the_character_check(
            s in "\\PC{0,24}|[ a\\t\\n\\r\\x00-\\x1f\\x7f\\u{85}\\u{a0}\\u{a9}\\u{1680}\\u{2000}-\\u{200d}\\u{2028}\\u{202f}\\u{205f}\\u{3000}çşİ—پ]{0,24}"
        ) {
            proptest::prop_assert_eq!(is_clean(&s), is_clean_by_chars(&s), "{:?}", s);
        }
    }

    proptest::proptest! {
        /// Long enough for several words, with the bytes the word check singles out at every offset: spaces,
        /// controls, DEL and its neighbours, multi-byte characters whose lead byte is or is not a whitespace lead.
        #[test]
        fn the_word_check_agrees_with_the_character_check_at_every_offset(
            s in "[ a~\\t\\n\\x00\\x1f\\x7f\\u{80}\\u{85}\\u{a0}\\u{a9}\\u{7ff}\\u{800}\\u{fff}\\u{1680}\\u{2000}\\u{200c}\\u{202f}\\u{3000}\\u{3001}\\u{fffd}\\u{1f600}çİپ]{0,40}"
        ) {
            proptest::prop_assert_eq!(is_clean(&s), is_clean_by_chars(&s), "{:?}", s);
        }
    }

    proptest::proptest! {
        /// The byte-wise cleanup gives what the character-wise one and the line-by-line definition give, on strings
        /// long enough for several words with every byte class it tells apart at every offset: spaces, tabs, line
        /// breaks, controls, DEL, multi-byte characters whose lead byte is or is not a whitespace lead (and
        /// whitespace characters among those).
        #[test]
        fn the_byte_wise_cleanup_agrees_with_the_character_wise_one(
            s in "[ a~\\t\\n\\r\\x00\\x0b\\x1c\\x1f\\x7f\\u{80}\\u{85}\\u{a0}\\u{a9}\\u{7ff}\\u{800}\\u{fff}\\u{1680}\\u{2000}\\u{200c}\\u{2028}\\u{202f}\\u{3000}\\u{3001}\\u{fffd}\\u{1f600}çİپ]{0,40}|\\PC{0,40}"
        ) {
            let want = clean_by_chars(&s);
            proptest::prop_assert_eq!(clean_unclean(&s), want.clone(), "{:?}", s);
            proptest::prop_assert_eq!(clean(&s), want.clone(), "{:?}", s);
            proptest::prop_assert_eq!(clean_by_lines(&s), want, "{:?}", s);
        }
    }

    #[test]
    fn the_word_check_agrees_with_the_character_check_on_every_short_string() {
        // Every string of up to 10 characters over the ASCII bytes the check tells apart, so each pair of
        // neighbours falls on every position of a word and across each seam of the short-string loads.
        let alphabet = [' ', 'a', '\x1f', '\x7f'];
        let mut s = String::new();
        for len in 0..=10u32 {
            for n in 0..alphabet.len().pow(len) {
                s.clear();
                let mut m = n;
                for _ in 0..len {
                    s.push(alphabet[m % alphabet.len()]);
                    m /= alphabet.len();
                }
                assert_eq!(is_clean(&s), is_clean_by_chars(&s), "{s:?}");
            }
        }
    }

    #[test]
    fn the_word_check_finds_each_fault_at_every_position_of_longer_strings() {
        // One fault (a double space, a control character, DEL, a Unicode space) or none, at every byte position of
        // strings of 1-40 bytes, on a one-byte and a two-byte filler (which shifts the faults across the word seams).
        for filler in ["a", "ş"] {
            for len in 1..=40 {
                let base = filler.repeat(len);
                for at in (0..base.len()).filter(|&i| base.is_char_boundary(i)) {
                    for fault in [
                        "", "  ", "\x01", "\x7f", "\t", "\u{a0}", "\u{3000}", "\u{2000}", "\u{e00}",
                    ] {
                        let s = format!("{}{fault}{}", &base[..at], &base[at..]);
                        assert_eq!(is_clean(&s), is_clean_by_chars(&s), "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_ascii_collapse_agrees_with_clean() {
        for s in [
            "  Widget   large 7  ",
            "a\tb",
            "\t a \t b \t",
            "x",
            "a  b  c",
            " - ",
            "A\t\tB ",
        ] {
            assert!(is_simple_ascii(s), "{s:?}");
            assert_eq!(
                Some(collapse_ascii(s.to_owned())),
                clean_owned(s.to_owned()),
                "{s:?}"
            );
        }
        for s in ["   ", "\t", "", "a\nb", "a\rb", "é  x", "a\x07b", "a\x0bb"] {
            assert!(!is_simple_ascii(s), "{s:?}");
        }
    }
}
