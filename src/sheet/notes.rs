//! Citations as Excel cell notes (`--citations note`), added to a customer's workbook.
//!
//! Some customers want the workbook's cells to hold nothing but answers, with the source of
//! each answer in a note (the yellow hover box) a reviewer can read and delete. A note is not
//! a cell value: it lives in a comments part (`xl/commentsN.xml`), needs a VML drawing part
//! for Excel to show it, relationships from the sheet to both, a `<legacyDrawing>` element in
//! the sheet, and content types for the new parts. This module builds those pieces for one
//! sheet; the patcher writes them. A sheet that already has notes or a legacy drawing is left
//! as it is (its notes are the customer's), and the caller falls back to the comment column.

use std::collections::BTreeMap;

use super::col_letter;
use super::patch::CellEdit;

const NS_MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const NS_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const REL_COMMENTS: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments";
const REL_VML: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing";
const CT_COMMENTS: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml";
const CT_VML: &str = "application/vnd.openxmlformats-officedocument.vmlDrawing";

/// Elements that must follow `<legacyDrawing>` in a worksheet (ECMA-376 CT_Worksheet order),
/// and the worksheet's end tag.
const AFTER_LEGACY: &[&str] = &[
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
    "/worksheet",
];

/// Byte offset of the first tag `<local` or `<prefix:local` (`/worksheet` for the end tag).
fn find_tag(xml: &str, local: &str) -> Option<usize> {
    let (close, name) = match local.strip_prefix('/') {
        Some(n) => (true, n),
        None => (false, local),
    };
    xml.match_indices('<').map(|(i, _)| i).find(|&i| {
        let rest = &xml[i + 1..];
        let rest = if close {
            match rest.strip_prefix('/') {
                Some(r) => r,
                None => return false,
            }
        } else {
            rest
        };
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let tag = &rest[..end];
        tag.rsplit(':').next() == Some(name)
    })
}

/// The parts to write for one sheet's notes.
#[derive(Debug, Default)]
pub struct NoteParts {
    /// The worksheet XML with its `<legacyDrawing>`.
    pub sheet_xml: Vec<u8>,
    /// Parts to add or replace: name → bytes (comments, VML, sheet rels, content types).
    pub parts: BTreeMap<String, Vec<u8>>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The sheet's relationships part for a worksheet part (`xl/worksheets/_rels/sheet1.xml.rels`).
pub fn rels_name(sheet_part: &str) -> String {
    match sheet_part.rsplit_once('/') {
        Some((dir, file)) => format!("{dir}/_rels/{file}.rels"),
        None => format!("_rels/{sheet_part}.rels"),
    }
}

/// First unused `prefix{k}suffix` among `names`.
fn free_name(names: &[String], prefix: &str, suffix: &str) -> (String, usize) {
    let mut k = 1;
    loop {
        let n = format!("{prefix}{k}{suffix}");
        if !names.iter().any(|x| x.eq_ignore_ascii_case(&n)) {
            return (n, k);
        }
        k += 1;
    }
}

/// Build the note parts for one sheet, or say why notes cannot be added to it.
///
/// `names` are the package's entry names; `sheet_rels` the sheet's current relationships part
/// (if any); `content_types` the current `[Content_Types].xml`.
pub fn build(
    sheet_part: &str,
    sheet_xml: &[u8],
    sheet_rels: Option<&[u8]>,
    content_types: &[u8],
    names: &[String],
    notes: &[CellEdit],
) -> Result<NoteParts, String> {
    let xml = String::from_utf8_lossy(sheet_xml).into_owned();
    if xml.contains("<legacyDrawing") || xml.contains(":legacyDrawing") {
        return Err("the sheet already has notes or a legacy drawing".into());
    }
    let rels_text = sheet_rels.map(|r| String::from_utf8_lossy(r).into_owned());
    if rels_text
        .as_deref()
        .is_some_and(|r| r.contains(REL_COMMENTS))
    {
        return Err("the sheet already has notes".into());
    }
    let (comments_name, k) = free_name(names, "xl/comments", ".xml");
    let (vml_name, _) = free_name(names, "xl/drawings/vmlDrawing", ".vml");

    // The comments part.
    let mut c = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<comments xmlns=\"{NS_MAIN}\"><authors><author>Vouch</author></authors><commentList>"
    );
    for n in notes {
        c.push_str(&format!(
            "<comment ref=\"{}{}\" authorId=\"0\"><text><t xml:space=\"preserve\">{}</t></text></comment>",
            col_letter(n.col),
            n.row + 1,
            esc(&n.value)
        ));
    }
    c.push_str("</commentList></comments>");

    // The VML drawing Excel needs to show them (hidden until hovered).
    let mut v = String::from(
        "<xml xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:x=\"urn:schemas-microsoft-com:office:excel\">\
<o:shapelayout v:ext=\"edit\"><o:idmap v:ext=\"edit\" data=\"",
    );
    v.push_str(&format!("{}\"/></o:shapelayout>", 100 + k));
    v.push_str("<v:shapetype id=\"_x0000_t202\" coordsize=\"21600,21600\" o:spt=\"202\" path=\"m,l,21600r21600,l21600,xe\"><v:stroke joinstyle=\"miter\"/><v:path gradientshapeok=\"t\" o:connecttype=\"rect\"/></v:shapetype>");
    for (i, n) in notes.iter().enumerate() {
        v.push_str(&format!(
            "<v:shape id=\"_x0000_s{}\" type=\"#_x0000_t202\" style=\"position:absolute;margin-left:80pt;margin-top:2pt;width:240pt;height:80pt;z-index:{};visibility:hidden\" fillcolor=\"#ffffe1\" o:insetmode=\"auto\"><v:fill color2=\"#ffffe1\"/><v:shadow on=\"t\" color=\"black\" obscured=\"t\"/><v:path o:connecttype=\"none\"/><v:textbox style=\"mso-direction-alt:auto\"><div style=\"text-align:left\"></div></v:textbox><x:ClientData ObjectType=\"Note\"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{}, 15, {}, 2, {}, 15, {}, 16</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{}</x:Row><x:Column>{}</x:Column></x:ClientData></v:shape>",
            (100 + k) * 1024 + 1 + i,
            i + 1,
            n.col + 1,
            n.row,
            n.col + 4,
            n.row + 4,
            n.row,
            n.col
        ));
    }
    v.push_str("</xml>");

    // Relationships from the sheet (ids that cannot clash with the customer's).
    let file = |p: &str| format!("../{}", p.trim_start_matches("xl/"));
    let new_rels = format!(
        "<Relationship Id=\"rIdVouchNotes\" Type=\"{REL_COMMENTS}\" Target=\"{}\"/><Relationship Id=\"rIdVouchVml\" Type=\"{REL_VML}\" Target=\"{}\"/>",
        file(&comments_name),
        file(&vml_name)
    );
    let rels = match rels_text {
        Some(r) => match r.rfind("</Relationships>") {
            Some(at) => format!("{}{new_rels}{}", &r[..at], &r[at..]),
            None => return Err("the sheet's relationships part is damaged".into()),
        },
        None => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{new_rels}</Relationships>"
        ),
    };

    // The sheet points at the drawing.
    let at = AFTER_LEGACY
        .iter()
        .filter_map(|local| find_tag(&xml, local))
        .min()
        .ok_or("the sheet XML has no end")?;
    let sheet = format!(
        "{}<legacyDrawing xmlns:r=\"{NS_REL}\" r:id=\"rIdVouchVml\"/>{}",
        &xml[..at],
        &xml[at..]
    );

    // Content types for the new parts.
    let ct = String::from_utf8_lossy(content_types).into_owned();
    let mut add =
        format!("<Override PartName=\"/{comments_name}\" ContentType=\"{CT_COMMENTS}\"/>");
    if !ct.contains("Extension=\"vml\"") {
        add.push_str(&format!(
            "<Default Extension=\"vml\" ContentType=\"{CT_VML}\"/>"
        ));
    }
    let ct = match ct.rfind("</Types>") {
        Some(at) => format!("{}{add}{}", &ct[..at], &ct[at..]),
        None => return Err("[Content_Types].xml is damaged".into()),
    };

    let mut parts = BTreeMap::new();
    parts.insert(comments_name, c.into_bytes());
    parts.insert(vml_name, v.into_bytes());
    parts.insert(rels_name(sheet_part), rels.into_bytes());
    parts.insert("[Content_Types].xml".to_string(), ct.into_bytes());
    Ok(NoteParts {
        sheet_xml: sheet.into_bytes(),
        parts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_parts_and_places_the_drawing_before_later_elements() {
        let sheet = br#"<worksheet xmlns="m"><sheetData/><pageMargins/><tableParts count="0"/></worksheet>"#;
        let ct =
            br#"<Types xmlns="t"><Default Extension="xml" ContentType="application/xml"/></Types>"#;
        let notes = [CellEdit {
            row: 6,
            col: 3,
            value: "Source: pol §1 <x> & y".into(),
        }];
        let names = vec!["xl/comments1.xml".to_string()];
        let p = build("xl/worksheets/sheet2.xml", sheet, None, ct, &names, &notes).unwrap();
        let s = String::from_utf8(p.sheet_xml).unwrap();
        assert!(s.contains("<pageMargins/><legacyDrawing"), "{s}");
        assert!(s.find("<legacyDrawing").unwrap() < s.find("<tableParts").unwrap());
        let c = String::from_utf8(p.parts["xl/comments2.xml"].clone()).unwrap();
        assert!(
            c.contains("ref=\"D7\"") && c.contains("&lt;x&gt; &amp; y"),
            "{c}"
        );
        assert!(p.parts.contains_key("xl/drawings/vmlDrawing1.vml"));
        let r = String::from_utf8(p.parts["xl/worksheets/_rels/sheet2.xml.rels"].clone()).unwrap();
        assert!(r.contains("Target=\"../comments2.xml\""), "{r}");
        let t = String::from_utf8(p.parts["[Content_Types].xml"].clone()).unwrap();
        assert!(
            t.contains("/xl/comments2.xml") && t.contains("Extension=\"vml\""),
            "{t}"
        );
    }

    #[test]
    fn leaves_existing_notes_alone() {
        let sheet = br#"<worksheet><sheetData/><legacyDrawing r:id="rId1"/></worksheet>"#;
        assert!(build(
            "xl/worksheets/sheet1.xml",
            sheet,
            None,
            b"<Types></Types>",
            &[],
            &[]
        )
        .is_err());
        let rels =
            format!("<Relationships><Relationship Type=\"{REL_COMMENTS}\"/></Relationships>");
        let sheet = br#"<worksheet><sheetData/></worksheet>"#;
        assert!(build(
            "xl/worksheets/sheet1.xml",
            sheet,
            Some(rels.as_bytes()),
            b"<Types></Types>",
            &[],
            &[]
        )
        .is_err());
    }
}
