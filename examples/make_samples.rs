//! Builds the sample questionnaires in `samples/`: `cargo run --example make_samples`.
//!
//! Real questionnaires arrive in a handful of shapes: a plain CSV export; a single sheet with a
//! title block, numbered questions and shaded section rows; a multi-tab workbook with an
//! instructions tab, question ids, Yes/No/N/A dropdowns, pre-answered rows and a formula
//! summary; and the big families (CAIQ, SIG Lite, HECVAT) plus the messy home-made kind. These
//! samples reproduce those structures with questions written for Vouch (none copied from a
//! real questionnaire), so that the README's first command, the integration tests and the
//! fidelity tests have realistic files to fill. The output is deterministic; the committed
//! files are what this program writes.

use std::path::Path;

use rust_xlsxwriter::{
    Color, DataValidation, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet,
    XlsxError,
};

type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Res {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    std::fs::create_dir_all(&dir)?;
    vendor_quick(&dir)?;
    security_assessment(&dir)?;
    cloud_controls(&dir)?;
    caiq_lite(&dir)?;
    sig_lite(&dir)?;
    hecvat_lite(&dir)?;
    messy_homemade(&dir)?;
    hecvat_full(&dir)?;
    vsa_like(&dir)?;
    println!("samples written to {}", dir.display());
    Ok(())
}

fn head() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0x1F3864))
        .set_font_color(Color::White)
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
}

fn cell() -> Format {
    Format::new()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top)
}

fn answer_cell() -> Format {
    cell()
        .set_unlocked()
        .set_background_color(Color::RGB(0xFFF2CC))
}

fn section() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xD9E1F2))
        .set_border(FormatBorder::Thin)
}

fn yes_no_na() -> Result<DataValidation, XlsxError> {
    DataValidation::new().allow_list_strings(&["Yes", "No", "N/A"])
}

fn headers(ws: &mut Worksheet, row: u32, cols: &[(&str, f64)]) -> Res {
    for (c, (h, w)) in cols.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &head())?;
        ws.set_column_width(c as u16, *w)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// 1. A plain CSV
// ---------------------------------------------------------------------------

const QUICK: &[&str] = &[
    "Do you have a current SOC 2 Type 2 report, and can you share it with us?",
    "What period does your latest SOC 2 report cover?",
    "Is customer data encrypted at rest? Please state the algorithm.",
    "Is all data encrypted in transit over public networks?",
    "Do you enforce multi-factor authentication (MFA/2FA) for all employees?",
    "Can our users sign in with SAML single sign-on?",
    "How often are third-party penetration tests performed?",
    "Do you run automated vulnerability scans against production?",
    "Do you have a documented incident response plan?",
    "How quickly will you notify us of a security breach affecting our data?",
    "What are your RTO and RPO?",
    "How often are backups taken, and how long are they retained?",
    "Are background checks performed on new hires?",
    "Do employees complete security awareness training every year?",
    "Do you maintain a list of subprocessors, and will you notify us of changes?",
    "Where is customer data hosted? Can it be kept in the EU?",
    "Will you sign our Data Processing Agreement (DPA)?",
    "Is the company ISO 27001 certified?",
    "Do you perform code review before changes reach production?",
    "Are logs centrally collected and retained for at least one year?",
    "How is customer data deleted when the contract ends?",
    "Do you use customer data to train AI models?",
    "Do you accept payment by cheque?",
    "Is your office cafeteria food sourced from organic farms?",
    "How many parking spaces does your headquarters have?",
];

fn vendor_quick(dir: &Path) -> Res {
    let mut w = csv::Writer::from_path(dir.join("vendor-quick.csv"))?;
    w.write_record(["#", "Question", "Response", "Notes"])?;
    for (i, q) in QUICK.iter().enumerate() {
        w.write_record([(i + 1).to_string().as_str(), q, "", ""])?;
    }
    w.flush()?;
    Ok(())
}

// ---------------------------------------------------------------------------
// 2. One sheet: title block, numbered questions, shaded section rows
// ---------------------------------------------------------------------------

const ASSESSMENT: &[(&str, &[&str])] = &[
    (
        "1. Governance and Compliance",
        &[
            "Does your organisation have a documented and approved information security programme?",
            "Are information security policies reviewed and approved by management at least annually?",
            "Has your organization completed a SOC 2 Type II examination in the last 12 months?",
            "Which Trust Services Criteria are included in the scope of your SOC 2 report?",
            "Did the service auditor issue an unqualified opinion?",
            "If your SOC report period does not cover our fiscal year end, can you provide a bridge letter?",
            "Does your SOC 2 report list complementary user entity controls (CUECs) we must operate?",
            "Are any subservice organizations carved out of your SOC 2 report? If yes, please list them.",
        ],
    ),
    (
        "2. Access Control",
        &[
            "Is multi-factor authentication required for administrative access to production systems?",
            "Are user access rights reviewed at least quarterly?",
            "Within what timeframe is access revoked when an employee leaves?",
            "Is access granted on the principle of least privilege?",
            "Are shared or generic accounts prohibited?",
        ],
    ),
    (
        "3. Business Continuity",
        &[
            "Does your organisation maintain a documented business continuity plan?",
            "Is the plan tested at least annually?",
            "Has a business impact analysis been performed?",
        ],
    ),
    (
        "4. Disaster Recovery",
        &[
            "Do you have a disaster recovery plan for the production environment?",
            "Is the plan tested at least annually?",
            "What is your recovery time objective (RTO) for the service?",
            "What is your recovery point objective (RPO)?",
            "Are backups tested by performing restores?",
        ],
    ),
    (
        "5. Incident Response",
        &[
            "Does your organisation maintain a documented incident response plan?",
            "Is the plan tested at least annually?",
            "Please describe how and when customers are notified of a personal data breach.",
            "Have you suffered a data breach in the last three years?",
        ],
    ),
    (
        "6. Data Protection",
        &[
            "Is customer data encrypted at rest using AES-256 or equivalent?",
            "Which TLS versions do you support for data in transit?",
            "Are encryption keys rotated on a defined schedule?",
            "Can customers bring their own encryption keys (BYOK)?",
            "Do you encrypt data both at rest and in transit?",
            "Does the company offer a pet insurance benefit to staff?",
        ],
    ),
];

fn security_assessment(dir: &Path) -> Res {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Security Assessment")?;
    let title = Format::new().set_bold().set_font_size(16);
    ws.merge_range(0, 0, 0, 3, "Vendor Security Assessment", &title)?;
    ws.write_string(1, 0, "Vendor name:")?;
    ws.write_string(1, 1, "Larkspur Cloud, Inc.")?;
    ws.write_string(2, 0, "Instructions:")?;
    ws.write_string(
        2,
        1,
        "Answer every question in the Response column and add supporting detail in Comments.",
    )?;
    headers(
        ws,
        4,
        &[
            ("No.", 7.0),
            ("Question", 70.0),
            ("Response", 14.0),
            ("Comments", 60.0),
        ],
    )?;
    ws.set_freeze_panes(5, 0)?;
    let mut row = 5;
    for (s, (heading, questions)) in ASSESSMENT.iter().enumerate() {
        ws.merge_range(row, 0, row, 3, heading, &section())?;
        row += 1;
        for (i, q) in questions.iter().enumerate() {
            ws.write_string_with_format(row, 0, format!("{}.{}", s + 1, i + 1), &cell())?;
            ws.write_string_with_format(row, 1, *q, &cell())?;
            ws.write_blank(row, 2, &answer_cell())?;
            ws.write_blank(row, 3, &answer_cell())?;
            row += 1;
        }
    }
    wb.save(dir.join("security-assessment.xlsx"))?;
    Ok(())
}

// ---------------------------------------------------------------------------
// 3. Multi-sheet, CAIQ-like: instructions, ids, control titles, dropdowns, summary
// ---------------------------------------------------------------------------

type Row3 = (&'static str, &'static str, &'static str);

const IAM: &[Row3] = &[
    ("IAM-01.1", "Identity & Access Management Policy", "Are identity and access management policies and procedures established, documented, approved, communicated and maintained?"),
    ("IAM-01.2", "Identity & Access Management Policy", "Are the policies and procedures reviewed and updated at least annually?"),
    ("IAM-02.1", "Strong Password Policy", "Are strong password requirements defined and enforced for workforce accounts?"),
    ("IAM-05.1", "Least Privilege", "Is the least-privilege principle applied when granting access to systems?"),
    ("IAM-07.1", "User Access Changes and Revocation", "Is access removed promptly when personnel leave or change roles?"),
    ("IAM-08.1", "User Access Review", "Are user access rights reviewed and recertified at least quarterly?"),
    ("IAM-14.1", "Strong Authentication", "Is multi-factor authentication enforced for all workforce access?"),
    ("IAM-14.2", "Strong Authentication", "Do you support MFA for customer user accounts?"),
    ("IAM-16.1", "Authorization Mechanisms", "Do you support single sign-on for customers via SAML 2.0 or OIDC?"),
];

const DSP: &[Row3] = &[
    ("DSP-01.1", "Security and Privacy Policy and Procedures", "Are data security and privacy policies and procedures established, documented, approved, communicated and maintained?"),
    ("DSP-01.2", "Security and Privacy Policy and Procedures", "Are the policies and procedures reviewed and updated at least annually?"),
    ("DSP-04.1", "Data Classification", "Is data classified according to its type and sensitivity?"),
    ("DSP-16.1", "Data Retention and Deletion", "Is customer data deleted within a defined period after contract termination?"),
    ("DSP-19.1", "Data Location", "Can customers choose the geographic region where their data is stored?"),
    ("CEK-03.1", "Data Encryption", "Is customer data encrypted at rest?"),
    ("CEK-03.2", "Data Encryption", "Is customer data encrypted in transit using TLS 1.2 or higher?"),
    ("CEK-12.1", "Key Rotation", "Are cryptographic keys rotated on a defined schedule?"),
    ("DSP-22.1", "Espresso Policy", "Is a barista available on site for visiting auditors?"),
];

const BCR: &[Row3] = &[
    ("BCR-01.1", "Business Continuity Management Policy and Procedures", "Are business continuity management and operational resilience policies and procedures established, documented, approved, communicated and maintained?"),
    ("BCR-01.2", "Business Continuity Management Policy and Procedures", "Are the policies and procedures reviewed and updated at least annually?"),
    ("BCR-04.1", "Business Continuity Plan", "Is a business continuity plan documented and maintained?"),
    ("BCR-06.1", "Business Continuity Exercises", "Is the business continuity plan exercised at least annually?"),
    ("BCR-08.1", "Backup", "Is cloud data backed up at least daily?"),
    ("BCR-08.2", "Backup", "Are backups restored periodically to confirm they work?"),
    ("BCR-09.1", "Disaster Response Plan", "Is a disaster recovery plan established for the service?"),
    ("BCR-10.1", "Response Plan Exercise", "Is the disaster recovery plan tested at least annually?"),
    ("BCR-11.1", "Equipment Redundancy", "Is the service deployed across multiple availability zones?"),
];

fn domain_sheet(
    wb: &mut Workbook,
    name: &str,
    rows: &[Row3],
    list: &DataValidation,
    answered: &[(usize, &str, &str)],
    protect: bool,
) -> Res {
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    ws.merge_range(
        0,
        0,
        0,
        4,
        &format!("{name}: Consensus-style assessment"),
        &Format::new().set_bold().set_font_size(14),
    )?;
    headers(
        ws,
        1,
        &[
            ("Question ID", 12.0),
            ("Control Title", 30.0),
            ("Question", 70.0),
            ("Answer (Yes/No/N/A)", 14.0),
            ("Comments", 60.0),
        ],
    )?;
    for (i, (id, title, q)) in rows.iter().enumerate() {
        let r = i as u32 + 2;
        ws.write_string_with_format(r, 0, *id, &cell())?;
        ws.write_string_with_format(r, 1, *title, &cell())?;
        ws.write_string_with_format(r, 2, *q, &cell())?;
        match answered.iter().find(|(k, _, _)| *k == i) {
            Some((_, a, c)) => {
                ws.write_string_with_format(r, 3, *a, &answer_cell())?;
                ws.write_string_with_format(r, 4, *c, &answer_cell())?;
            }
            None => {
                ws.write_blank(r, 3, &answer_cell())?;
                ws.write_blank(r, 4, &answer_cell())?;
            }
        }
    }
    let last = rows.len() as u32 + 1;
    ws.add_data_validation(2, 3, last, 3, list)?;
    ws.autofilter(1, 0, last, 4)?;
    ws.set_freeze_panes(2, 0)?;
    if protect {
        ws.protect();
    }
    Ok(())
}

fn cloud_controls(dir: &Path) -> Res {
    let mut wb = Workbook::new();
    let ins = wb.add_worksheet();
    ins.set_name("Instructions")?;
    ins.set_column_width(0, 110)?;
    let lines = [
        "Cloud Controls Questionnaire",
        "Please answer each question on the domain tabs by choosing Yes, No or N/A in the Answer column.",
        "Use the Comments column to explain your answer and reference supporting evidence (for example a section of your SOC 2 report).",
        "Questions marked with the same Control Title belong to the same control; policy questions refer to the policies of that control.",
        "Return the completed workbook to your procurement contact.",
    ];
    for (i, l) in lines.iter().enumerate() {
        ins.write_string(i as u32, 0, *l)?;
    }
    let lists = DataValidation::new().allow_list_formula(Formula::new("=Lists!$A$1:$A$3"));
    domain_sheet(
        &mut wb,
        "Identity & Access",
        IAM,
        &lists,
        &[(
            6,
            "Yes",
            "Enforced through our identity provider for every employee.",
        )],
        true,
    )?;
    domain_sheet(&mut wb, "Data Security", DSP, &yes_no_na()?, &[], false)?;
    domain_sheet(
        &mut wb,
        "Resilience",
        BCR,
        &yes_no_na()?,
        &[(4, "Yes", "Snapshots every hour; see the BC/DR plan.")],
        false,
    )?;
    let summary = wb.add_worksheet();
    summary.set_name("Summary")?;
    headers(
        summary,
        0,
        &[("Domain", 24.0), ("Yes", 8.0), ("No", 8.0), ("N/A", 8.0)],
    )?;
    for (i, name) in ["Identity & Access", "Data Security", "Resilience"]
        .iter()
        .enumerate()
    {
        let r = i as u32 + 1;
        summary.write_string(r, 0, *name)?;
        for (c, v) in ["Yes", "No", "N/A"].iter().enumerate() {
            summary.write_formula(
                r,
                c as u16 + 1,
                Formula::new(format!("=COUNTIF('{name}'!D:D,\"{v}\")")),
            )?;
        }
    }
    let l = wb.add_worksheet();
    l.set_name("Lists")?;
    for (i, v) in ["Yes", "No", "N/A"].iter().enumerate() {
        l.write_string(i as u32, 0, *v)?;
    }
    l.set_hidden(true);
    wb.define_name("AnswerChoices", "=Lists!$A$1:$A$3")?;
    wb.save(dir.join("cloud-controls.xlsx"))?;
    Ok(())
}

// ---------------------------------------------------------------------------
// 4. CAIQ v4-like: ids, Yes/No/NA dropdown, ownership dropdown, CCM mapping
// ---------------------------------------------------------------------------

const CAIQ: &[(&str, &str, &str)] = &[
    ("A&A-01.1", "Are audit and assurance policies, procedures and standards established, documented, approved, communicated, applied, evaluated and maintained?", "A&A-01"),
    ("A&A-02.1", "Are independent audit and assurance assessments conducted according to relevant standards at least annually?", "A&A-02"),
    ("A&A-03.1", "Are independent audit and assurance assessments performed according to risk-based plans and policies?", "A&A-03"),
    ("A&A-06.1", "Is a risk-based corrective action plan to remediate audit findings established, documented, approved, communicated, applied, evaluated and maintained?", "A&A-06"),
    ("BCR-02.1", "Are criteria for developing business continuity and operational resiliency strategies and capabilities established based on business disruption and risk impacts?", "BCR-02"),
    ("BCR-08.1", "Is cloud data periodically backed up?", "BCR-08"),
    ("BCR-08.2", "Is the confidentiality, integrity and availability of backup data ensured?", "BCR-08"),
    ("BCR-11.1", "Is business-critical equipment supplemented with redundant equipment independently located at a reasonable minimum distance?", "BCR-11"),
    ("CEK-03.1", "Are data at-rest and in-transit cryptographically protected using cryptographic libraries certified to approved standards?", "CEK-03"),
    ("CEK-10.1", "Are cryptographic keys generated using industry-accepted cryptographic libraries that specify algorithm strength and the random number generator used?", "CEK-10"),
    ("CEK-12.1", "Are cryptographic keys rotated based on a cryptoperiod calculated while considering information disclosure risks and legal and regulatory requirements?", "CEK-12"),
    ("DSP-07.1", "Are systems, products and business practices based on security principles by design and per industry best practices?", "DSP-07"),
    ("DSP-10.1", "Are processes, procedures and technical measures that ensure any transfer of personal or sensitive data is protected from unauthorized access defined?", "DSP-10"),
    ("DSP-16.1", "Does data retention, archiving and deletion practice follow business requirements, applicable laws and regulations?", "DSP-16"),
    ("DSP-18.1", "Does the CSP have in place and describe to CSCs the procedure to manage and respond to requests for disclosure of personal data by law enforcement authorities?", "DSP-18"),
    ("IAM-03.1", "Is system identity information and levels of access managed, stored and reviewed?", "IAM-03"),
    ("IAM-05.1", "Is the least privilege principle employed when implementing information system access?", "IAM-05"),
    ("IAM-09.1", "Are processes, procedures and technical measures for the segregation of privileged access roles defined, implemented and evaluated?", "IAM-09"),
    ("IAM-14.1", "Are processes, procedures and technical measures for authenticating access to systems, application and data assets including multifactor authentication defined, implemented and evaluated?", "IAM-14"),
    ("IVS-03.1", "Are communications between environments monitored?", "IVS-03"),
    ("IVS-04.1", "Is every host and guest OS, hypervisor or infrastructure control plane hardened according to their respective best practices?", "IVS-04"),
    ("IVS-09.1", "Are processes, procedures and defense-in-depth techniques defined, implemented and evaluated for protection, detection and timely response to network-based attacks?", "IVS-09"),
    ("SEF-02.1", "Are policies and procedures for timely management of security incidents established, documented, approved, communicated, applied, evaluated and maintained?", "SEF-02"),
    ("SEF-04.1", "Is the security incident response plan tested and updated for effectiveness, as necessary, at planned intervals or upon significant organizational or environmental changes?", "SEF-04"),
    ("SEF-07.1", "Are processes, procedures and technical measures for security breach notifications defined and implemented?", "SEF-07"),
    ("TVM-03.1", "Are processes, procedures and technical measures defined, implemented and evaluated to enable scheduled and emergency responses to vulnerability identifications?", "TVM-03"),
    ("TVM-06.1", "Are processes, procedures and technical measures defined, implemented and evaluated for periodic independent penetration testing?", "TVM-06"),
    ("TVM-07.1", "Are processes, procedures and technical measures defined, implemented and evaluated for vulnerability detection on organizationally managed assets at least monthly?", "TVM-07"),
    ("UEM-08.1", "Is the storage of data on removable media prohibited or encrypted on managed endpoints?", "UEM-08"),
    ("STA-09.1", "Does the CSP provide a list of subprocessors that access customer data?", "STA-09"),
];

fn caiq_lite(dir: &Path) -> Res {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("CAIQv4")?;
    ws.merge_range(
        0,
        0,
        0,
        5,
        "Consensus Assessments Initiative Questionnaire (sample, not the CSA original)",
        &Format::new().set_bold(),
    )?;
    headers(
        ws,
        1,
        &[
            ("Question ID", 11.0),
            ("Question", 80.0),
            ("CSP CAIQ Answer", 12.0),
            ("SSRM Control Ownership", 22.0),
            ("CSP Implementation Description", 60.0),
            ("CCM Control ID", 12.0),
        ],
    )?;
    for (i, (id, q, ccm)) in CAIQ.iter().enumerate() {
        let r = i as u32 + 2;
        ws.write_string_with_format(r, 0, *id, &cell())?;
        ws.write_string_with_format(r, 1, *q, &cell())?;
        ws.write_blank(r, 2, &answer_cell())?;
        ws.write_blank(r, 3, &answer_cell())?;
        ws.write_blank(r, 4, &answer_cell())?;
        ws.write_string_with_format(r, 5, *ccm, &cell())?;
    }
    let last = CAIQ.len() as u32 + 1;
    ws.add_data_validation(
        2,
        2,
        last,
        2,
        &DataValidation::new().allow_list_strings(&["Yes", "No", "NA"])?,
    )?;
    ws.add_data_validation(
        2,
        3,
        last,
        3,
        &DataValidation::new().allow_list_strings(&[
            "CSP-owned",
            "CSC-owned",
            "Shared CSP and CSC",
            "Third-party outsourced",
        ])?,
    )?;
    ws.set_freeze_panes(2, 2)?;
    wb.save(dir.join("caiq-lite.xlsx"))?;
    Ok(())
}

// ---------------------------------------------------------------------------
// 5. SIG Lite-like: many domain tabs, dropdowns, formula summary, business info tab
// ---------------------------------------------------------------------------

const SIG: &[(&str, &[(&str, &str)])] = &[
    (
        "A. Risk Management",
        &[
            (
                "A.1",
                "Is there a formal risk assessment process approved by management?",
            ),
            ("A.2", "Is a risk assessment performed at least annually?"),
            (
                "A.3",
                "Is there a documented process for accepting risk, including who may approve it?",
            ),
            ("A.4", "Do you carry cyber liability insurance?"),
        ],
    ),
    (
        "D. Asset Management",
        &[
            (
                "D.1",
                "Is an inventory of hardware and software assets maintained?",
            ),
            ("D.2", "Is there a data classification scheme?"),
            (
                "D.3",
                "Is a mobile device management solution used for company laptops?",
            ),
            ("D.4", "Is the use of removable media restricted?"),
        ],
    ),
    (
        "G. Operations",
        &[
            (
                "G.1",
                "Are changes to production tested and approved before implementation?",
            ),
            ("G.2", "Is there a process for emergency changes?"),
            ("G.3", "Are security events monitored 24x7?"),
            ("G.4", "Are audit logs retained for at least twelve months?"),
            ("G.5", "Are vulnerability scans performed at least monthly?"),
        ],
    ),
    (
        "H. Access Control",
        &[
            ("H.1", "Are unique user IDs required for all users?"),
            (
                "H.2",
                "Is MFA required for remote access to the corporate network?",
            ),
            (
                "H.3",
                "Are privileged accounts reviewed at least quarterly?",
            ),
            (
                "H.4",
                "Are passwords required to be a minimum of 12 characters?",
            ),
            ("H.5", "Is access removed within 24 hours of termination?"),
        ],
    ),
];

fn sig_lite(dir: &Path) -> Res {
    let mut wb = Workbook::new();
    let info = wb.add_worksheet();
    info.set_name("Business Information")?;
    info.set_column_width(0, 40)?;
    info.set_column_width(1, 50)?;
    for (i, (k, v)) in [
        ("Company name", "Larkspur Cloud, Inc."),
        ("Primary contact", ""),
        ("Date completed", ""),
        ("Services in scope", "Larkspur scheduling platform"),
    ]
    .iter()
    .enumerate()
    {
        info.write_string_with_format(i as u32, 0, *k, &Format::new().set_bold())?;
        info.write_string(i as u32, 1, *v)?;
    }
    let list = DataValidation::new().allow_list_strings(&["Yes", "No", "N/A"])?;
    for (name, rows) in SIG {
        let ws = wb.add_worksheet();
        ws.set_name(*name)?;
        headers(
            ws,
            0,
            &[
                ("Ques Num", 9.0),
                ("Question/Request", 70.0),
                ("Response", 12.0),
                ("Additional Information", 60.0),
            ],
        )?;
        for (i, (n, q)) in rows.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string_with_format(r, 0, *n, &cell())?;
            ws.write_string_with_format(r, 1, *q, &cell())?;
            ws.write_blank(r, 2, &answer_cell())?;
            ws.write_blank(r, 3, &answer_cell())?;
        }
        ws.add_data_validation(1, 2, rows.len() as u32, 2, &list)?;
    }
    let summary = wb.add_worksheet();
    summary.set_name("Summary")?;
    headers(
        summary,
        0,
        &[
            ("Tab", 24.0),
            ("Answered", 10.0),
            ("Yes", 8.0),
            ("Total", 8.0),
        ],
    )?;
    for (i, (name, rows)) in SIG.iter().enumerate() {
        let r = i as u32 + 1;
        let n = rows.len() + 1;
        summary.write_string(r, 0, *name)?;
        summary.write_formula(r, 1, Formula::new(format!("=COUNTA('{name}'!C2:C{n})")))?;
        summary.write_formula(
            r,
            2,
            Formula::new(format!("=COUNTIF('{name}'!C2:C{n},\"Yes\")")),
        )?;
        summary.write_formula(r, 3, Formula::new(format!("=COUNTA('{name}'!B2:B{n})")))?;
    }
    wb.save(dir.join("sig-lite.xlsx"))?;
    Ok(())
}

// ---------------------------------------------------------------------------
// 6. HECVAT-like: instructions, vendor form, hidden scoring columns, protection
// ---------------------------------------------------------------------------

const HECVAT: &[(&str, &str)] = &[
    (
        "HLAP-01",
        "Do you support role-based access control (RBAC) for end users?",
    ),
    (
        "HLAP-02",
        "Do you support single sign-on (SSO) using SAML for institutional accounts?",
    ),
    (
        "HLAP-03",
        "Are administrative accounts protected with multi-factor authentication?",
    ),
    ("HLDA-01", "Is institutional data encrypted at rest?"),
    ("HLDA-02", "Is institutional data encrypted in transport?"),
    (
        "HLDA-03",
        "Will institutional data be stored outside the United States?",
    ),
    (
        "HLDA-04",
        "Will you return or destroy institutional data at the end of the contract?",
    ),
    (
        "HLDR-01",
        "Do you have a documented disaster recovery plan?",
    ),
    (
        "HLDR-02",
        "Are backups of institutional data performed and tested?",
    ),
    ("HLIR-01", "Do you have a formal incident response plan?"),
    (
        "HLIR-02",
        "Will you notify the institution of a breach within 72 hours?",
    ),
    (
        "HLTP-01",
        "Do you perform security assessments of your third-party providers?",
    ),
    (
        "HLVU-01",
        "Do you conduct annual third-party penetration tests?",
    ),
    (
        "HLVU-02",
        "Is your application scanned for vulnerabilities before release?",
    ),
    (
        "HLPP-01",
        "Do you comply with FERPA when handling student records?",
    ),
];

fn hecvat_lite(dir: &Path) -> Res {
    let mut wb = Workbook::new();
    let ins = wb.add_worksheet();
    ins.set_name("Instructions")?;
    ins.set_column_width(0, 100)?;
    ins.write_string(
        0,
        0,
        "Higher Education Vendor Assessment (sample, not the EDUCAUSE original)",
    )?;
    ins.write_string(
        1,
        0,
        "Complete the Vendor Information tab, then answer each question on the Questions tab.",
    )?;
    ins.write_string(
        2,
        0,
        "Only the yellow cells can be edited. Scoring columns are calculated automatically.",
    )?;
    let vi = wb.add_worksheet();
    vi.set_name("Vendor Information")?;
    vi.set_column_width(0, 30)?;
    vi.set_column_width(1, 50)?;
    for (i, k) in ["Vendor name", "Product name", "Contact email", "Date"]
        .iter()
        .enumerate()
    {
        vi.write_string_with_format(i as u32, 0, *k, &Format::new().set_bold())?;
        vi.write_blank(i as u32, 1, &answer_cell())?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("Questions")?;
    ws.merge_range(
        0,
        0,
        0,
        3,
        "HECVAT Lite",
        &Format::new().set_bold().set_font_size(14),
    )?;
    ws.write_string(
        1,
        0,
        "Answer Yes, No or N/A and explain in Additional Information.",
    )?;
    headers(
        ws,
        3,
        &[
            ("ID", 10.0),
            ("Question", 70.0),
            ("Vendor Answer", 14.0),
            ("Additional Information", 60.0),
            ("", 4.0),
            ("", 4.0),
            ("Score", 8.0),
        ],
    )?;
    for (i, (id, q)) in HECVAT.iter().enumerate() {
        let r = i as u32 + 4;
        ws.write_string_with_format(r, 0, *id, &cell())?;
        ws.write_string_with_format(r, 1, *q, &cell())?;
        ws.write_blank(r, 2, &answer_cell())?;
        ws.write_blank(r, 3, &answer_cell())?;
        ws.write_formula(r, 6, Formula::new(format!("=IF(C{}=\"Yes\",1,0)", r + 1)))?;
    }
    ws.add_data_validation(4, 2, HECVAT.len() as u32 + 3, 2, &yes_no_na()?)?;
    ws.set_column_hidden(6)?;
    ws.protect();
    wb.save(dir.join("hecvat-lite.xlsx"))?;
    Ok(())
}

// ---------------------------------------------------------------------------
// 7. Messy home-made: header low down, question column not first, merged cells
// ---------------------------------------------------------------------------

fn messy_homemade(dir: &Path) -> Res {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Vendor Qs 2026")?;
    ws.write_string_with_format(
        0,
        1,
        "ACME HOLDINGS",
        &Format::new().set_bold().set_font_size(20),
    )?;
    ws.write_string(1, 1, "IT Procurement - supplier security check")?;
    ws.write_string(3, 1, "Please fill in the yellow boxes. Thanks!")?;
    headers(
        ws,
        6,
        &[
            ("", 3.0),
            ("Category", 18.0),
            ("Q", 6.0),
            ("Question", 40.0),
            ("", 30.0),
            ("Answer", 14.0),
            ("Evidence / Notes", 50.0),
        ],
    )?;
    let rows: &[(&str, &str)] = &[
        ("Certifications", "do you have soc2 type 2?"),
        ("Certifications", "ISO 27001 CERTIFIED?"),
        ("Security", "Is data encrypted when stored (at rest)?"),
        ("Security", "Do staff use 2FA to log in to company systems?"),
        ("Security", "Do you do penetraton testing every year?"),
        ("Security", "Do you scan for vulnerabilites?"),
        (
            "Backups",
            "How often do you back up our data, and for how long do you keep the backups?",
        ),
        ("Backups", "Have you tested restoring from backup?"),
        ("People", "Do you background check new staff?"),
        ("Privacy", "Are you GDPR compliant?"),
        ("Privacy", "Who are your subprocessors?"),
        ("Misc", "What is your favourite colour?"),
    ];
    let mut r = 7;
    for (i, (cat, q)) in rows.iter().enumerate() {
        if i == 6 {
            ws.write_string(
                r,
                3,
                "Note: backups questions apply to production data only",
            )?;
            r += 2;
        }
        ws.write_string_with_format(r, 1, *cat, &cell())?;
        ws.write_number_with_format(r, 2, (i + 1) as f64, &cell())?;
        ws.merge_range(r, 3, r, 4, q, &cell())?;
        ws.write_blank(r, 5, &answer_cell())?;
        ws.write_blank(r, 6, &answer_cell())?;
        r += 1;
    }
    wb.save(dir.join("messy-homemade.xlsx"))?;
    Ok(())
}

// ---------------------------------------------------------------------------
// 8. HECVAT-full shape: the structures of the official HECVAT 4 workbook, with our own text
// ---------------------------------------------------------------------------

/// (id, question) per section, per vendor sheet. The question cells are VLOOKUP formulas into
/// the hidden Questions sheet whose cached value is the text, as in the real workbook.
/// (section title, its (id, question) rows).
type Section = (&'static str, &'static [(&'static str, &'static str)]);

const HECVAT_FULL: &[(&str, &[Section])] = &[
    (
        "General",
        &[
            (
                "Vendor Overview",
                &[
                    ("GNRL-01", "Solution Provider Name"),
                    ("GNRL-02", "Country of Company Headquarters"),
                    (
                        "GNRL-03",
                        "Describe the solution you are offering to the institution.",
                    ),
                    (
                        "GNRL-04",
                        "Who is the security and compliance point of contact for this assessment?",
                    ),
                ],
            ),
            (
                "Documentation",
                &[
                    (
                        "DOCU-01",
                        "Do you have a current SOC 2 Type II report covering the solution?",
                    ),
                    (
                        "DOCU-02",
                        "Is your organization certified against ISO/IEC 27001?",
                    ),
                    (
                        "DOCU-03",
                        "How often is the solution penetration tested by a third party?",
                    ),
                    ("DOCU-04", "Do you hold a HITRUST CSF certification?"),
                ],
            ),
        ],
    ),
    (
        "Data Security",
        &[
            (
                "Data",
                &[
                    (
                        "DATA-01",
                        "Is institutional data encrypted while stored in your systems?",
                    ),
                    (
                        "DATA-02",
                        "Is institutional data encrypted whenever it crosses a network?",
                    ),
                    ("DATA-03", "Are backups of institutional data encrypted?"),
                    (
                        "DATA-04",
                        "Will institutional data be returned or deleted when the contract ends?",
                    ),
                ],
            ),
            (
                "Authentication",
                &[
                    (
                        "AUTH-01",
                        "Does the solution support single sign-on through SAML or OIDC?",
                    ),
                    (
                        "AUTH-02",
                        "Is multi-factor authentication required for administrative access to production?",
                    ),
                    (
                        "AUTH-03",
                        "How often are user access rights reviewed?",
                    ),
                ],
            ),
        ],
    ),
];

/// START HERE fields: (label, the vendor sheet question whose answer cell pulls from it).
const START_HERE: &[(&str, Option<&str>)] = &[
    ("Solution Provider Name", Some("GNRL-01")),
    ("Solution Name", None),
    ("Country of Company Headquarters", Some("GNRL-02")),
    ("Solution Provider Contact Email", None),
];

fn hecvat_full(dir: &Path) -> Res {
    let mut wb = Workbook::new();
    let locked = cell();
    let guidance = cell().set_font_color(Color::RGB(0x595959));

    // START HERE: the vendor's general facts, typed once (C5:C8, unlocked).
    let sh = wb.add_worksheet();
    sh.set_name("START HERE")?;
    sh.set_column_width(0, 4)?;
    sh.set_column_width(1, 40)?;
    sh.set_column_width(2, 50)?;
    sh.write_string_with_format(
        0,
        1,
        "Higher Education Vendor Assessment, full (sample; text written for Vouch)",
        &Format::new().set_bold().set_font_size(14),
    )?;
    sh.write_string(
        2,
        1,
        "Complete the yellow cells below first: the other sheets take these values.",
    )?;
    for (i, (label, _)) in START_HERE.iter().enumerate() {
        let r = 4 + i as u32;
        sh.write_string_with_format(r, 1, *label, &locked)?;
        sh.write_blank(r, 2, &answer_cell())?;
    }
    sh.protect();

    // The question text lives on a hidden sheet, as in the real workbook.
    let mut all: Vec<(&str, &str)> = Vec::new();
    let mut sections: Vec<&str> = Vec::new();
    for (_, secs) in HECVAT_FULL {
        for (title, qs) in *secs {
            sections.push(title);
            all.extend(qs.iter().copied());
        }
    }
    let section_row = |t: &str| sections.iter().position(|s| *s == t).unwrap_or(0) as u32 + 1;

    for (sheet, secs) in HECVAT_FULL {
        let ws = wb.add_worksheet();
        ws.set_name(*sheet)?;
        for (c, w) in [
            (0u16, 10.0),
            (1, 60.0),
            (2, 14.0),
            (3, 50.0),
            (4, 40.0),
            (5, 30.0),
        ] {
            ws.set_column_width(c, w)?;
        }
        ws.write_string_with_format(
            0,
            0,
            format!("{sheet} (answer in the yellow cells)"),
            &Format::new().set_bold().set_font_size(13),
        )?;
        let mut r = 2u32;
        for (title, qs) in *secs {
            // Each section repeats the header, its title a formula on the hidden sheet.
            ws.write_formula_with_format(
                r,
                0,
                Formula::new(format!("=Questions!$D${}", section_row(title))).set_result(*title),
                &head(),
            )?;
            ws.write_blank(r, 1, &head())?;
            for (c, h) in [
                (2u16, "Answer"),
                (3, "Additional Information"),
                (4, "Guidance"),
                (5, "Analyst Notes"),
            ] {
                ws.write_string_with_format(r, c, h, &head())?;
            }
            r += 1;
            for (id, q) in *qs {
                ws.write_string_with_format(r, 0, *id, &locked)?;
                ws.write_formula_with_format(
                    r,
                    1,
                    Formula::new(format!("=VLOOKUP(A{},Questions!$A:$B,2,FALSE)", r + 1))
                        .set_result(*q),
                    &locked,
                )?;
                let pulled = START_HERE.iter().position(|(_, from)| *from == Some(*id));
                match pulled {
                    // Answered on START HERE: this cell only shows it.
                    Some(i) => {
                        ws.write_formula_with_format(
                            r,
                            2,
                            Formula::new(format!("='START HERE'!$C${}", 5 + i)),
                            &locked,
                        )?;
                    }
                    None => {
                        ws.write_blank(r, 2, &answer_cell())?;
                        ws.add_data_validation(r, 2, r, 2, &yes_no_na()?)?;
                    }
                }
                ws.write_blank(r, 3, &answer_cell())?;
                ws.write_string_with_format(
                    r,
                    4,
                    "Explain how the control is implemented and where it is documented.",
                    &guidance,
                )?;
                ws.write_blank(r, 5, &locked)?;
                r += 1;
            }
            r += 1;
        }
        ws.protect();
    }

    // The institution's side: evaluation formulas, analyst reference. Never the vendor's.
    let ev = wb.add_worksheet();
    ev.set_name("Institution Evaluation")?;
    headers(
        ev,
        0,
        &[
            ("ID", 10.0),
            ("Question", 60.0),
            ("Vendor Answer", 14.0),
            ("Score", 8.0),
            ("Evaluator Notes", 40.0),
        ],
    )?;
    let mut r = 1u32;
    for (sheet, secs) in HECVAT_FULL {
        let mut src_row = 3u32;
        for (_, qs) in *secs {
            for (id, q) in *qs {
                ev.write_string(r, 0, *id)?;
                ev.write_formula(
                    r,
                    1,
                    Formula::new(format!("='{sheet}'!B{}", src_row + 1)).set_result(*q),
                )?;
                ev.write_formula(r, 2, Formula::new(format!("='{sheet}'!C{}", src_row + 1)))?;
                ev.write_formula(r, 3, Formula::new(format!("=IF(C{}=\"Yes\",2,0)", r + 1)))?;
                r += 1;
                src_row += 1;
            }
            src_row += 2;
        }
    }
    let ar = wb.add_worksheet();
    ar.set_name("Analyst Reference")?;
    ar.set_column_width(0, 90)?;
    for (i, t) in [
        "How should an analyst weigh a missing SOC 2 report?",
        "Is encryption at rest required for all data classifications?",
        "Escalate any 'No' on authentication questions to the security office.",
    ]
    .iter()
    .enumerate()
    {
        ar.write_string(i as u32, 0, *t)?;
    }

    let qs = wb.add_worksheet();
    qs.set_name("Questions")?;
    for (i, (id, q)) in all.iter().enumerate() {
        qs.write_string(i as u32, 0, *id)?;
        qs.write_string(i as u32, 1, *q)?;
    }
    for (i, t) in sections.iter().enumerate() {
        qs.write_string(i as u32, 3, *t)?;
    }
    qs.set_hidden(true);
    wb.save(dir.join("hecvat-full.xlsx"))?;
    Ok(())
}

// ---------------------------------------------------------------------------
// 9. VSA-like: one layout per sheet, header on row 3 sharing a row with a section title
// ---------------------------------------------------------------------------

fn vsa_like(dir: &Path) -> Res {
    let mut wb = Workbook::new();
    let intro = wb.add_worksheet();
    intro.set_name("Introduction")?;
    intro.set_column_width(0, 100)?;
    for (i, t) in [
        "Vendor security questionnaire (sample in the shape of a VSA workbook; text written for Vouch).",
        "Why do we ask these questions? Your answers help us understand how you protect our data.",
        "Answer every question on the following sheets in the Answer column.",
    ]
    .iter()
    .enumerate()
    {
        intro.write_string(i as u32, 0, *t)?;
    }
    let legal = wb.add_worksheet();
    legal.set_name("Legal Terms")?;
    legal.set_column_width(0, 100)?;
    legal.write_string(
        0,
        0,
        "By completing this questionnaire you confirm that the answers are accurate and complete to the best of your knowledge?",
    )?;
    legal.write_string(
        1,
        0,
        "The information provided will be treated as confidential and used only for vendor risk assessment.",
    )?;

    // Company profile: field rows under a section title that shares the header row.
    let cp = wb.add_worksheet();
    cp.set_name("Company Profile")?;
    cp.set_column_width(0, 26)?;
    cp.set_column_width(1, 50)?;
    cp.set_column_width(2, 30)?;
    cp.write_string_with_format(
        0,
        0,
        "Company Profile",
        &Format::new().set_bold().set_font_size(14),
    )?;
    cp.write_string_with_format(2, 0, "Company Information", &section())?;
    cp.write_string_with_format(2, 2, "Answer", &head())?;
    for (i, t) in [
        "Company name",
        "Responder Name",
        "Company Website URL",
        "Select your hosting option.",
    ]
    .iter()
    .enumerate()
    {
        cp.write_string_with_format(3 + i as u32, 1, *t, &cell())?;
    }
    cp.add_data_validation(
        6,
        2,
        6,
        2,
        &DataValidation::new().allow_list_strings(&[
            "Public cloud",
            "Private cloud",
            "On-premises",
        ])?,
    )?;

    // Data protection: sections in column A, questions in B, answers in C.
    let dp = wb.add_worksheet();
    dp.set_name("Data Protection")?;
    dp.set_column_width(0, 22)?;
    dp.set_column_width(1, 70)?;
    dp.set_column_width(2, 14)?;
    dp.set_column_width(3, 50)?;
    dp.write_string_with_format(
        0,
        0,
        "Data Protection",
        &Format::new().set_bold().set_font_size(14),
    )?;
    dp.write_string(1, 0, "Answer Yes or No; explain in Comments.")?;
    dp.write_string_with_format(2, 0, "Data Classification", &section())?;
    dp.write_string_with_format(2, 2, "Answer", &head())?;
    dp.write_string_with_format(2, 3, "Comments", &head())?;
    let rows: &[(u16, &str)] = &[
        (1, "Do you classify data according to its sensitivity?"),
        (
            1,
            "Is customer data pseudonymized or anonymized before it is used outside production?",
        ),
        (1, "- If so, how is data anonymization implemented?"),
        (0, "Encryption"),
        (1, "Is customer data encrypted at rest?"),
        (
            1,
            "- If so, which encryption algorithm and key length are used?",
        ),
        (
            1,
            "Are TLS versions below 1.2 disabled for data in transit?",
        ),
        (0, "Internal Use"),
        (1, "Reviewer assessment of the encryption answers"),
        (1, "Follow-up required with the vendor"),
        (0, "Retention"),
        (
            1,
            "What happens to our data after the contract is terminated?",
        ),
    ];
    for (i, (c, t)) in rows.iter().enumerate() {
        let f = if *c == 0 { section() } else { cell() };
        dp.write_string_with_format(3 + i as u32, *c, *t, &f)?;
    }

    // Access and operations: sections in column B, questions in C, answers in D.
    let ao = wb.add_worksheet();
    ao.set_name("Access & Operations")?;
    ao.set_column_width(0, 4)?;
    ao.set_column_width(1, 22)?;
    ao.set_column_width(2, 70)?;
    ao.set_column_width(3, 14)?;
    ao.set_column_width(4, 50)?;
    ao.write_string_with_format(
        0,
        1,
        "Access & Operations",
        &Format::new().set_bold().set_font_size(14),
    )?;
    ao.write_string_with_format(2, 1, "Access Control", &section())?;
    ao.write_string_with_format(2, 3, "Answer", &head())?;
    ao.write_string_with_format(2, 4, "Notes", &head())?;
    let rows: &[(u16, &str)] = &[
        (
            2,
            "Is multi-factor authentication enforced for all workforce accounts?",
        ),
        (2, "How quickly is access removed when an employee leaves?"),
        (1, "Logging"),
        (2, "Do you retain security logs for at least one year?"),
        (2, "Are security logs monitored around the clock?"),
        (1, "Vulnerability Management"),
        (2, "How often are external vulnerability scans run?"),
        (2, "Do you run a bug bounty program?"),
    ];
    for (i, (c, t)) in rows.iter().enumerate() {
        let f = if *c == 1 { section() } else { cell() };
        ao.write_string_with_format(3 + i as u32, *c, *t, &f)?;
    }
    wb.save(dir.join("vsa-like.xlsx"))?;
    Ok(())
}
