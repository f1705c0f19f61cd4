//! Calendar arithmetic on `YYYY-MM-DD` dates, enough for review policies.
//!
//! Lint compares review dates, source dates and report periods, and moves dates by whole
//! months ("reviewed within 12 months"). ISO dates compare correctly as strings, so only month
//! arithmetic and today's date need code; no date crate is pulled in for that.

use crate::knowledge::is_iso_date;

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    crate::review::decisions::now()[..10].to_string()
}

/// `date` moved by `months` (negative: back), the day clamped to the target month's length
/// (`2024-02-29` minus 12 months is `2023-02-28`). None when `date` is not a valid date.
pub fn add_months(date: &str, months: i32) -> Option<String> {
    if !is_iso_date(date) {
        return None;
    }
    let y: i32 = date[0..4].parse().ok()?;
    let m: i32 = date[5..7].parse().ok()?;
    let d: u32 = date[8..10].parse().ok()?;
    let total = y * 12 + (m - 1) + months;
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let mut day = d;
    loop {
        let s = format!("{ny:04}-{nm:02}-{day:02}");
        if is_iso_date(&s) {
            return Some(s);
        }
        if day <= 28 {
            return None;
        }
        day -= 1;
    }
}

/// Every `YYYY-MM-DD` date in `text`, in order.
pub fn dates_in(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 10 <= b.len() {
        let s = &text[i..];
        let boundary_before = i == 0 || !b[i - 1].is_ascii_digit();
        let boundary_after = b.get(i + 10).is_none_or(|c| !c.is_ascii_digit());
        if boundary_before && boundary_after && s.is_char_boundary(10) && is_iso_date(&s[..10]) {
            out.push(&s[..10]);
            i += 10;
        } else {
            i += 1;
        }
    }
    out
}

/// The end of a period a title states: the second date of "2025-09-01 to 2026-08-31"
/// (also "through", "until", "-", "–"). None when the title names no such period.
pub fn period_end_in(title: &str) -> Option<&str> {
    let dates = dates_in(title);
    for pair in dates.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let start = title.find(a)? + a.len();
        let end = title[start..].find(b)? + start;
        let between = title[start..end].trim().to_ascii_lowercase();
        if ["to", "through", "until", "-", "–", "—", "thru"].contains(&between.as_str()) && b > a
        {
            return Some(b);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_move_and_clamp() {
        assert_eq!(add_months("2026-12-05", -12).as_deref(), Some("2025-12-05"));
        assert_eq!(add_months("2026-01-31", 1).as_deref(), Some("2026-02-28"));
        assert_eq!(add_months("2024-02-29", -12).as_deref(), Some("2023-02-28"));
        assert_eq!(add_months("2026-03-15", -15).as_deref(), Some("2024-12-15"));
        assert_eq!(add_months("not a date", 1), None);
    }

    #[test]
    fn periods_in_titles() {
        assert_eq!(
            period_end_in("SOC 2 Type II Report - Platform, 2024-10-01 to 2025-09-30"),
            Some("2025-09-30")
        );
        assert_eq!(
            period_end_in("Bridge Letter, 2025-10-01 through 2026-03-31"),
            Some("2026-03-31")
        );
        assert_eq!(period_end_in("Security Policy 2026-01-01"), None);
        assert_eq!(period_end_in("Minutes 2026-01-01, 2025-01-01"), None);
        assert_eq!(dates_in("x2026-01-01 and 12026-01-011"), vec!["2026-01-01"]);
    }

    #[test]
    fn today_is_a_date() {
        assert!(is_iso_date(&today()));
    }
}
