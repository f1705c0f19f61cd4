//! A1 cell references (`B12`, `$AB$7`, `Lists!A1:C3`) parsed with checked arithmetic.
//!
//! Every reference Vouch reads from a file goes through here, so a row past 4,294,967,295 or
//! a column of seven letters cannot wrap around to an address the sheet does not show
//! (`B4294967298` read as `B2` would answer a question nobody asked). A reference beyond
//! Excel's sheet (row 1,048,576, column XFD) is `Beyond`, which callers refuse with the
//! address; text that is not shaped like a reference at all is `NotARef`.

/// Excel's last row, 1-based.
pub const MAX_ROW: u64 = 1_048_576;
/// Excel's last column, 1-based (XFD).
pub const MAX_COL: u64 = 16_384;

/// One side of a range, 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum A1 {
    /// `B12`
    Cell(u32, u32),
    /// `B` (a whole column)
    Col(u32),
    /// `12` (a whole row)
    Row(u32),
    /// Shaped like a reference but outside Excel's sheet (or row 0).
    Beyond,
    /// Not a reference.
    NotARef,
}

/// Parse one reference: optional sheet prefix (`Lists!`), `$` anchors, letters, digits.
pub fn parse_a1(s: &str) -> A1 {
    let s = s.rsplit('!').next().unwrap_or(s).trim();
    let b: Vec<u8> = s.bytes().filter(|&c| c != b'$').collect();
    let split = b
        .iter()
        .position(|c| !c.is_ascii_alphabetic())
        .unwrap_or(b.len());
    let (letters, digits) = b.split_at(split);
    if (letters.is_empty() && digits.is_empty()) || !digits.iter().all(u8::is_ascii_digit) {
        return A1::NotARef;
    }
    let mut col: u64 = 0;
    for &c in letters {
        let d = u64::from(c.to_ascii_uppercase() - b'A') + 1;
        match col.checked_mul(26).and_then(|n| n.checked_add(d)) {
            Some(n) if n <= MAX_COL => col = n,
            _ => return A1::Beyond,
        }
    }
    let mut row: u64 = 0;
    for &c in digits {
        match row
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(c - b'0')))
        {
            Some(n) if n <= MAX_ROW => row = n,
            _ => return A1::Beyond,
        }
    }
    let (r, c) = (row.saturating_sub(1) as u32, col.saturating_sub(1) as u32);
    match (letters.is_empty(), digits.is_empty()) {
        (_, false) if row == 0 => A1::Beyond,
        (false, false) => A1::Cell(r, c),
        (false, true) => A1::Col(c),
        (true, false) => A1::Row(r),
        (true, true) => A1::NotARef,
    }
}

/// A cell reference (`AB12`) as 0-based (row, col); None unless a cell inside Excel's sheet.
pub fn parse_ref(s: &str) -> Option<(u32, u32)> {
    match parse_a1(s) {
        A1::Cell(r, c) => Some((r, c)),
        _ => None,
    }
}

/// A range (`B5:D7`, or a single cell) as inclusive 0-based corners.
pub fn parse_range(s: &str) -> Option<super::CellRange> {
    let s = s.rsplit('!').next()?;
    match s.split_once(':') {
        Some((a, b)) => {
            let (a, b) = (parse_ref(a)?, parse_ref(b)?);
            Some(((a.0.min(b.0), a.1.min(b.1)), (a.0.max(b.0), a.1.max(b.1))))
        }
        None => parse_ref(s).map(|a| (a, a)),
    }
}

/// What is wrong with a list of ranges (`sqref`, `ref`), if anything: a side beyond Excel's
/// sheet, or (with `ordered`) a range whose end comes before its start. Pieces not shaped
/// like references are left to the parser that reads them.
pub fn range_problem(value: &str, ordered: bool) -> Option<String> {
    for piece in value.split_whitespace() {
        let sides: Vec<&str> = piece.split(':').collect();
        let parsed: Vec<A1> = sides.iter().map(|s| parse_a1(s)).collect();
        if parsed.contains(&A1::Beyond) {
            return Some(format!(
                "the reference '{}' lies beyond Excel's limits (row 1,048,576, column XFD)",
                shorten(piece)
            ));
        }
        if let (true, [A1::Cell(r0, c0), A1::Cell(r1, c1)]) = (ordered, parsed.as_slice()) {
            if r1 < r0 || c1 < c0 {
                return Some(format!("the range '{}' runs backwards", shorten(piece)));
            }
        }
    }
    None
}

/// A value quoted in a message, cut so one crafted attribute cannot flood the terminal.
pub fn shorten(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(40).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_past_u32_does_not_wrap() {
        assert_eq!(parse_a1("B4294967298"), A1::Beyond);
        assert_eq!(parse_a1("B99999999999999999999999"), A1::Beyond);
        assert_eq!(parse_a1("B1048577"), A1::Beyond);
        assert_eq!(parse_a1("XFE1"), A1::Beyond);
        assert_eq!(parse_a1("AAAAAAAAAAAAAAAA1"), A1::Beyond);
        assert_eq!(parse_a1("A0"), A1::Beyond);
        assert_eq!(parse_a1("B2"), A1::Cell(1, 1));
        assert_eq!(parse_a1("$XFD$1048576"), A1::Cell(1_048_575, 16_383));
        assert_eq!(parse_a1("Lists!$A$3"), A1::Cell(2, 0));
        assert_eq!(parse_a1("A0001"), A1::Cell(0, 0));
        assert_eq!(parse_a1("C"), A1::Col(2));
        assert_eq!(parse_a1("7"), A1::Row(6));
        assert_eq!(parse_a1("x-1"), A1::NotARef);
        assert_eq!(parse_ref("B4294967298"), None);
        assert_eq!(parse_range("B1:A4294967297"), None);
        assert!(range_problem("A1 B4294967298:C3", false).is_some());
        assert!(range_problem("B5:A1", true).is_some());
        assert!(range_problem("B5:A1", false).is_none());
        assert!(range_problem("A1:C3 E5", true).is_none());
    }
}
