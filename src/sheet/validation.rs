//! Dropdown answer columns: the list a data validation allows in a cell.
//!
//! Questionnaires restrict their answer cells to `Yes`/`No`/`N/A` (or `YES`, `Y`, `True`,
//! `Not Applicable`…) with list validations, which calamine does not read. The lists live in
//! the sheet XML, as `<dataValidation type="list">` or, for Excel 2010 lists that point at
//! another sheet, `x14:dataValidation` inside `extLst`; their source is an inline list, a
//! range, or a defined name that names a range. This module reads them into plain data so
//! the filler writes only a value the list allows, and maps Vouch's short answers onto it.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::cellref::parse_range;
use super::package::{attr, push_entity, Package, PatchLimits};
use super::read::{read_workbook_with, ReadLimits};
use super::{CellRange, Grid};
use crate::error::{Error, Location, Result};
use crate::knowledge::ShortAnswer;

/// One data-validation list rule on a sheet (the same type as [`super::ListRule`]): the cells
/// it covers, as 0-based inclusive ((row, col), (row, col)) ranges, and the values it allows.
pub use super::ListRule;

/// Last row of a sheet (0-based), for whole-column list sources such as `Lists!$A:$A`.
const LAST_ROW: u32 = 1_048_575;

/// Every list validation in an `.xlsx`/`.xlsm` workbook, by sheet name (sheets without one
/// are left out). The package is opened behind the same zip-bomb guards as the patcher, with
/// `limits.max_total_bytes` as the inflate bound; range and defined-name sources are resolved
/// against the workbook's cells, and rules whose source cannot be resolved are dropped.
/// Other file kinds have no list validations Vouch can read: the map is empty.
pub fn read_list_rules(
    path: &Path,
    limits: PatchLimits,
) -> Result<BTreeMap<String, Vec<ListRule>>> {
    let read_limits = ReadLimits {
        max_inflated_bytes: limits.max_total_bytes,
        ..ReadLimits::default()
    };
    let wb = read_workbook_with(path, read_limits)?;
    Ok(wb
        .sheets
        .into_iter()
        .filter(|g| !g.lists.is_empty())
        .map(|g| (g.name, g.lists))
        .collect())
}

/// The values allowed in one cell (0-based), if a list rule covers it; the first rule wins,
/// as in Excel.
pub fn allowed_at(rules: &[ListRule], row: u32, col: u32) -> Option<&[String]> {
    rules
        .iter()
        .find(|l| {
            l.ranges.iter().any(|((r0, c0), (r1, c1))| {
                (*r0..=*r1).contains(&row) && (*c0..=*c1).contains(&col)
            })
        })
        .map(|l| l.allowed.as_slice())
}

/// Most values a list may contribute (a list pointing at a whole column stops here).
const MAX_VALUES: usize = 500;

/// A validation as found, before its source is resolved.
#[derive(Debug, Default)]
struct RawRule {
    is_list: bool,
    sqref: String,
    formula: String,
}

/// Read the list validations of every sheet in `grids` (already read) from the package.
pub(crate) fn read_lists(pkg: &mut Package, grids: &mut [Grid]) -> Result<()> {
    let parts = pkg.sheet_parts()?;
    let names = defined_names(pkg)?;
    let mut raw: Vec<(usize, Vec<RawRule>)> = Vec::new();
    for (i, g) in grids.iter().enumerate() {
        let Some((_, part)) = parts.iter().find(|(n, _)| *n == g.name) else {
            continue;
        };
        let loc = Location::file(&pkg.path).sheet(&g.name);
        // Streamed: a sheet is never held whole just to find its validations.
        if let Some(rules) = pkg.stream(part, |xml| raw_rules(xml, &loc))? {
            if !rules.is_empty() {
                raw.push((i, rules));
            }
        }
    }
    for (i, rules) in raw {
        let mut lists = Vec::new();
        for r in rules.into_iter().filter(|r| r.is_list) {
            let ranges: Vec<CellRange> =
                r.sqref.split_whitespace().filter_map(parse_range).collect();
            let allowed = resolve(&r.formula, &grids[i].name, grids, &names);
            if !ranges.is_empty() && !allowed.is_empty() {
                lists.push(ListRule { ranges, allowed });
            }
        }
        grids[i].lists = lists;
    }
    Ok(())
}

/// `<definedName name="X">Lists!$A$1:$A$3</definedName>` from the workbook part, keyed by
/// lower-cased name. A name defined more than once (scoped to different sheets) keeps its
/// first definition.
fn defined_names(pkg: &mut Package) -> Result<HashMap<String, String>> {
    let loc = Location::file(&pkg.path);
    Ok(pkg
        .stream("xl/workbook.xml", |xml| names_in(xml, loc))?
        .unwrap_or_default())
}

fn names_in(xml: &mut dyn BufRead, loc: Location) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    let mut r = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut current: Option<(String, String)> = None;
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "definedName" => {
                current = attr(&e, "name").map(|n| (n.to_ascii_lowercase(), String::new()));
            }
            Ok(Event::Text(t)) => {
                if let Some((_, v)) = current.as_mut() {
                    v.push_str(&t.xml10_content());
                }
            }
            Ok(Event::GeneralRef(g)) => {
                if let Some((_, v)) = current.as_mut() {
                    push_entity(v, &g);
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == "definedName" => {
                if let Some((n, v)) = current.take() {
                    out.entry(n).or_insert(v);
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(Error::input(loc, format!("damaged xl/workbook.xml: {e}"))),
        }
        buf.clear();
    }
    Ok(out)
}

/// The validations of one sheet, in either the classic or the Excel 2010 form.
fn raw_rules(xml: &mut dyn BufRead, loc: &Location) -> Result<Vec<RawRule>> {
    let mut out = Vec::new();
    let mut r = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut cur: Option<RawRule> = None;
    let mut text_of: Option<&'static str> = None;
    loop {
        let ev = r
            .read_event_into(&mut buf)
            .map_err(|e| Error::input(loc.clone(), format!("damaged sheet XML: {e}")))?;
        match ev {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "dataValidation" => {
                let rule = RawRule {
                    is_list: attr(&e, "type").as_deref() == Some("list"),
                    sqref: attr(&e, "sqref").unwrap_or_default(),
                    formula: String::new(),
                };
                cur = Some(rule);
            }
            Event::Start(e) => match e.local_name().as_ref() {
                "formula1" | "f" if cur.is_some() => text_of = Some("formula"),
                "sqref" if cur.is_some() => text_of = Some("sqref"),
                _ => {}
            },
            Event::Text(t) => {
                if let (Some(rule), Some(field)) = (cur.as_mut(), text_of) {
                    let v = t.xml10_content();
                    match field {
                        "formula" => rule.formula.push_str(&v),
                        _ => rule.sqref.push_str(&v),
                    }
                }
            }
            Event::GeneralRef(g) => {
                if let (Some(rule), Some(field)) = (cur.as_mut(), text_of) {
                    match field {
                        "formula" => push_entity(&mut rule.formula, &g),
                        _ => push_entity(&mut rule.sqref, &g),
                    }
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "formula1" | "f" | "sqref" => text_of = None,
                "dataValidation" => {
                    if let Some(rule) = cur.take() {
                        out.push(rule);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if let Some(rule) = cur.take() {
        out.push(rule);
    }
    Ok(out)
}

/// The values a list formula allows: `"Yes,No,N/A"`, `Lists!$A$1:$A$3`, `$H$1:$H$3`, or a
/// defined name of a range.
fn resolve(
    formula: &str,
    sheet: &str,
    grids: &[Grid],
    names: &HashMap<String, String>,
) -> Vec<String> {
    let f = formula.trim().trim_start_matches('=');
    if let Some(inner) = f.strip_prefix('"') {
        let inner = inner
            .strip_suffix('"')
            .unwrap_or(inner)
            .replace("\"\"", "\"");
        return inner
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .take(MAX_VALUES)
            .collect();
    }
    let target = match names.get(&f.to_ascii_lowercase()) {
        Some(def) => def.trim().trim_start_matches('=').to_string(),
        None => f.to_string(),
    };
    let (sheet_name, range) = match target.rsplit_once('!') {
        Some((s, r)) => {
            let s = s.trim();
            let s = s
                .strip_prefix('\'')
                .and_then(|x| x.strip_suffix('\''))
                .map(|x| x.replace("''", "'"))
                .unwrap_or_else(|| s.to_string());
            (s, r.to_string())
        }
        None => (sheet.to_string(), target.clone()),
    };
    let Some(g) = grids.iter().find(|g| g.name == sheet_name) else {
        return Vec::new();
    };
    let Some(((r0, c0), (r1, c1))) = parse_range(&range).or_else(|| column_range(&range)) else {
        return Vec::new();
    };
    g.cells
        .range((r0, 0)..=(r1, u32::MAX))
        .filter(|((_, c), _)| (c0..=c1).contains(c))
        .map(|(_, v)| v.clone())
        .take(MAX_VALUES)
        .collect()
}

/// A whole-column range (`$A:$A`, `B:C`) as cell corners.
fn column_range(s: &str) -> Option<CellRange> {
    let (a, b) = s.rsplit('!').next()?.split_once(':')?;
    let col = |x: &str| super::parse_col_letters(&x.trim().replace('$', ""));
    let (a, b) = (col(a)?, col(b)?);
    Some(((0, a.min(b)), (LAST_ROW, a.max(b))))
}

/// What a dropdown value means, if it is one of the usual answers.
fn meaning(value: &str) -> Option<ShortAnswer> {
    let n: String = value
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let n = n.split_whitespace().collect::<Vec<_>>().join(" ");
    let first = n.split(' ').next().unwrap_or("");
    if matches!(
        n.as_str(),
        "n a" | "na" | "not applicable" | "n a not applicable"
    ) || n.starts_with("not applicable")
    {
        return Some(ShortAnswer::NotApplicable);
    }
    if first == "partial" || first == "partially" || n.starts_with("in part") {
        return Some(ShortAnswer::Partial);
    }
    if matches!(first, "yes" | "y" | "true" | "compliant" | "implemented") {
        return Some(ShortAnswer::Yes);
    }
    if matches!(first, "no" | "n" | "false") || n == "not compliant" || n == "not implemented" {
        return Some(ShortAnswer::No);
    }
    None
}

/// The allowed value that says `short`, if any: `Yes` → `YES`, `Y`, `True`; `N/A` → `NA`,
/// `Not Applicable`.
pub fn choose(short: ShortAnswer, allowed: &[String]) -> Option<&str> {
    allowed
        .iter()
        .find(|v| meaning(v) == Some(short))
        .map(|v| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn maps_short_answers_onto_list_values() {
        assert_eq!(
            choose(ShortAnswer::Yes, &s(&["YES", "NO", "NA"])),
            Some("YES")
        );
        assert_eq!(
            choose(
                ShortAnswer::NotApplicable,
                &s(&["Y", "N", "Not Applicable"])
            ),
            Some("Not Applicable")
        );
        assert_eq!(
            choose(ShortAnswer::NotApplicable, &s(&["Yes", "No", "NA"])),
            Some("NA")
        );
        assert_eq!(
            choose(ShortAnswer::No, &s(&["True", "False"])),
            Some("False")
        );
        assert_eq!(choose(ShortAnswer::Partial, &s(&["Yes", "No"])), None);
        assert_eq!(
            choose(
                ShortAnswer::Partial,
                &s(&["Yes", "Partially implemented", "No"])
            ),
            Some("Partially implemented")
        );
        assert_eq!(choose(ShortAnswer::Yes, &s(&["Nope", "Maybe"])), None);
    }

    #[test]
    fn reads_classic_and_x14_rules() {
        let xml = br#"<worksheet xmlns="x" xmlns:x14="y" xmlns:xm="z"><sheetData/>
<dataValidations count="1"><dataValidation type="list" allowBlank="1" sqref="C2:C40 E2"><formula1>"Yes,No,N/A"</formula1></dataValidation></dataValidations>
<extLst><ext><x14:dataValidations><x14:dataValidation type="list"><x14:formula1><xm:f>Lists!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>D2:D9</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>"#;
        let rules = raw_rules(&mut &xml[..], &Location::default()).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].sqref, "C2:C40 E2");
        assert_eq!(rules[0].formula, "\"Yes,No,N/A\"");
        assert_eq!(rules[1].sqref, "D2:D9");
        assert_eq!(rules[1].formula, "Lists!$A$1:$A$3");

        let mut lists = Grid {
            name: "My Lists".into(),
            ..Default::default()
        };
        for (r, v) in ["Yes", "No", "N/A"].iter().enumerate() {
            lists.cells.insert((r as u32, 0), v.to_string());
        }
        let grids = vec![lists];
        let names = HashMap::from([("answers".to_string(), "'My Lists'!$A$1:$A$3".to_string())]);
        assert_eq!(
            resolve("\"Yes,No\"", "Q", &grids, &names),
            s(&["Yes", "No"])
        );
        assert_eq!(
            resolve("='My Lists'!$A$1:$A$3", "Q", &grids, &names),
            s(&["Yes", "No", "N/A"])
        );
        assert_eq!(
            resolve("Answers", "Q", &grids, &names),
            s(&["Yes", "No", "N/A"])
        );
        assert!(resolve("Nowhere!A1:A3", "Q", &grids, &names).is_empty());
    }

    #[test]
    fn reads_lists_from_a_real_workbook() {
        use rust_xlsxwriter::{DataValidation, Formula, Workbook};
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("dv.xlsx");
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet().set_name("Questions").unwrap();
        ws.write_string(0, 0, "Question").unwrap();
        ws.write_string(0, 7, "Y").unwrap();
        ws.write_string(1, 7, "N").unwrap();
        let inline = DataValidation::new()
            .allow_list_strings(&["Yes", "No", "N/A"])
            .unwrap();
        ws.add_data_validation(1, 2, 39, 2, &inline).unwrap();
        let cross = DataValidation::new().allow_list_formula(Formula::new("=Lists!$A$1:$A$3"));
        ws.add_data_validation(1, 3, 39, 3, &cross).unwrap();
        let named = DataValidation::new().allow_list_formula(Formula::new("=Answers"));
        ws.add_data_validation(1, 4, 1, 4, &named).unwrap();
        let same = DataValidation::new().allow_list_formula(Formula::new("=$H$1:$H$2"));
        ws.add_data_validation(2, 4, 2, 5, &same).unwrap();
        let column = DataValidation::new().allow_list_formula(Formula::new("='My Lists'!$B:$B"));
        ws.add_data_validation(3, 4, 3, 4, &column).unwrap();
        let nowhere = DataValidation::new().allow_list_formula(Formula::new("=Gone!$A$1:$A$2"));
        ws.add_data_validation(4, 4, 4, 4, &nowhere).unwrap();
        let lists = wb.add_worksheet().set_name("Lists").unwrap();
        for (r, v) in ["Yes", "No", "Not Applicable"].iter().enumerate() {
            lists.write_string(r as u32, 0, *v).unwrap();
        }
        lists.set_hidden(true);
        let mine = wb.add_worksheet().set_name("My Lists").unwrap();
        mine.write_string(0, 1, "Compliant").unwrap();
        mine.write_string(5, 1, "Not compliant").unwrap();
        wb.define_name("Answers", "=Lists!$A$1:$A$2").unwrap();
        wb.save(&path).unwrap();

        let all = read_list_rules(&path, PatchLimits::default()).unwrap();
        assert_eq!(all.keys().collect::<Vec<_>>(), vec!["Questions"]);
        let rules = &all["Questions"];
        assert_eq!(
            rules.len(),
            5,
            "the unresolvable rule is dropped: {rules:?}"
        );
        assert_eq!(allowed_at(rules, 1, 2), Some(&s(&["Yes", "No", "N/A"])[..]));
        assert_eq!(
            allowed_at(rules, 39, 2),
            Some(&s(&["Yes", "No", "N/A"])[..])
        );
        assert_eq!(allowed_at(rules, 40, 2), None);
        assert_eq!(allowed_at(rules, 0, 2), None, "the header is not covered");
        assert_eq!(
            allowed_at(rules, 20, 3),
            Some(&s(&["Yes", "No", "Not Applicable"])[..])
        );
        assert_eq!(allowed_at(rules, 1, 4), Some(&s(&["Yes", "No"])[..]));
        assert_eq!(allowed_at(rules, 2, 5), Some(&s(&["Y", "N"])[..]));
        assert_eq!(
            allowed_at(rules, 3, 4),
            Some(&s(&["Compliant", "Not compliant"])[..])
        );
        assert_eq!(allowed_at(rules, 4, 4), None);

        // The same guards as the patcher: a tiny inflate bound refuses the file.
        let tiny = PatchLimits {
            max_entry_bytes: 64,
            max_total_bytes: 64,
        };
        assert!(read_list_rules(&path, tiny).is_err());
        let csv = d.path().join("q.csv");
        std::fs::write(&csv, "Question,Answer\nMFA?,\n").unwrap();
        assert!(read_list_rules(&csv, PatchLimits::default())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn defined_names_keep_their_first_definition_and_entities() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("n.xlsx");
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        z.start_file("xl/workbook.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(
            &mut z,
            br#"<workbook xmlns="x"><definedNames><definedName name="A" localSheetId="0">'Bob&apos;s'!$A$1:$A$2</definedName><definedName name="a">Other!$A$1</definedName><definedName name="B">'Q&amp;A'!&#36;B&#36;1</definedName></definedNames></workbook>"#,
        )
        .unwrap();
        z.finish().unwrap();
        let mut pkg = Package::open(&path, PatchLimits::default()).unwrap();
        let names = defined_names(&mut pkg).unwrap();
        assert_eq!(names["a"], "'Bob's'!$A$1:$A$2");
        assert_eq!(names["b"], "'Q&A'!$B$1");
        assert_eq!(column_range("$C:$A"), Some(((0, 0), (LAST_ROW, 2))));
        assert_eq!(column_range("A1:A2"), None);
    }
}
