//! Questionnaires at the documented limits, generated, for the scale bench and for timing the
//! CLI by hand (issue 11, item 9): inputs inside every limit must run in seconds.
//!
//! Three shapes: a 199,000-row CSV whose question column holds varied, realistic security
//! questions (`many`); 1,000 questions of about 9,900 characters each, paragraphs built from
//! realistic sentences (`long`); and 199,000 rows of which only one in two hundred is a
//! question, the rest inventory-like data (`sparse`). The text is deterministic (a fixed
//! pseudo-random sequence), so two runs measure the same input.

use std::path::Path;

/// Questions as vendors ask them; combined with the openers and scopes below they give tens
/// of thousands of distinct texts.
pub const BASES: &[&str] = &[
    "have a current SOC 2 Type 2 audit report",
    "encrypt customer data at rest",
    "protect data in transit with TLS 1.2 or higher",
    "require multi-factor authentication for administrative access",
    "support single sign-on through SAML",
    "back up customer data daily",
    "test restoring from backups at least annually",
    "have a documented incident response plan",
    "notify customers of a security breach within 72 hours",
    "perform background checks on new employees",
    "run security awareness training for all staff every year",
    "engage an independent firm for annual penetration testing",
    "scan your infrastructure for vulnerabilities",
    "patch critical vulnerabilities within a defined timeframe",
    "review user access rights periodically",
    "remove access for terminated employees promptly",
    "keep audit logs of administrator actions",
    "monitor your systems for security events around the clock",
    "maintain an asset inventory of hardware and software",
    "use a web application firewall in front of the application",
    "protect the service against DDoS attacks",
    "run a bug bounty or vulnerability disclosure program",
    "separate development, test and production environments",
    "require code review before changes reach production",
    "have a business continuity plan that is tested",
    "have a disaster recovery plan with a defined RTO and RPO",
    "sign a data processing agreement with customers",
    "keep a list of subprocessors and notify customers of changes",
    "store customer data only in the region the customer chooses",
    "delete customer data when the contract ends",
    "use customer data to train machine learning models",
    "have cyber liability insurance",
    "encrypt laptops and removable media",
    "run endpoint detection and response on all endpoints",
    "manage encryption keys in a hardware security module",
    "rotate encryption keys regularly",
    "have an information security policy approved by management",
    "review the information security policy annually",
    "assess the security of your vendors before onboarding",
    "restrict physical access to your data centers",
    "log and review changes to firewall rules",
    "segment your network to isolate sensitive systems",
    "hold an ISO 27001 certification",
    "have a designated security officer",
    "classify data according to its sensitivity",
    "enforce a password policy with minimum length and complexity",
    "lock accounts after repeated failed login attempts",
    "use least privilege for service accounts",
    "perform threat modeling during design",
    "scan source code and dependencies for vulnerabilities",
];

const OPENERS: &[&str] = &[
    "Do you",
    "Does your organization",
    "Does the vendor",
    "Can you confirm that you",
    "Please confirm whether you",
    "Does the service provider",
    "Do you currently",
    "Does your company",
    "Can the supplier confirm that it will",
    "Please indicate whether you",
    "Is it your practice to",
    "Do you formally",
];

const SCOPES: &[&str] = &[
    "",
    " for all production systems",
    " for systems that process customer data",
    " including third-party hosted services",
    " across all offices and remote staff",
    " for the hosted SaaS platform",
    " for your corporate network",
    " in all environments",
    " for cloud infrastructure",
    " for mobile applications",
    " for contractors as well as employees",
    " for the customer-facing web application",
    " for internal tools",
    " in every region you operate",
    " for the support organization",
];

const ENDINGS: &[&str] = &[
    "?",
    "? Please describe.",
    "? If so, how often?",
    "? Provide evidence.",
    "? If not, describe compensating controls.",
    "? Explain your approach.",
    ", and can you share documentation?",
    "? Attach the relevant policy.",
    "? Who is responsible?",
    "? Describe any exceptions.",
];

/// A fixed pseudo-random sequence (xorshift), so inputs are the same on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

/// One realistic question.
pub fn question(rng: &mut Rng) -> String {
    format!(
        "{} {}{}{}",
        rng.pick(OPENERS),
        rng.pick(BASES),
        rng.pick(SCOPES),
        rng.pick(ENDINGS)
    )
}

/// A paragraph of about `chars` characters (never more) made of realistic sentences.
pub fn paragraph(rng: &mut Rng, chars: usize) -> String {
    let mut s = String::new();
    loop {
        let q = question(rng);
        if s.len() + q.len() + 1 > chars {
            return s;
        }
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&q);
    }
}

fn writer(path: &Path) -> csv::Writer<std::fs::File> {
    let mut w = csv::Writer::from_path(path).expect("create input csv");
    w.write_record(["#", "Question", "Response", "Notes"])
        .expect("write");
    w
}

/// `rows` rows, every one a varied realistic question.
pub fn write_many(path: &Path, rows: usize) {
    let mut rng = Rng::new(11);
    let mut w = writer(path);
    for i in 0..rows {
        w.write_record([
            format!("{}", i + 1),
            question(&mut rng),
            String::new(),
            String::new(),
        ])
        .expect("write");
    }
    w.flush().expect("flush");
}

/// `rows` questions of about `chars` characters each.
pub fn write_long(path: &Path, rows: usize, chars: usize) {
    let mut rng = Rng::new(12);
    let mut w = writer(path);
    for i in 0..rows {
        w.write_record([
            format!("{}", i + 1),
            paragraph(&mut rng, chars),
            String::new(),
            String::new(),
        ])
        .expect("write");
    }
    w.flush().expect("flush");
}

/// `rows` rows of which one in `every` is a question; the rest are inventory-like data:
/// an id and a number, a serial code or nothing in the question column, notes beside.
pub fn write_sparse(path: &Path, rows: usize, every: usize) {
    let mut rng = Rng::new(13);
    let mut w = writer(path);
    for i in 0..rows {
        let id = format!("{}", i + 1);
        let rec = if i % every == 0 {
            [id, question(&mut rng), String::new(), String::new()]
        } else {
            match rng.below(3) {
                0 => [
                    id,
                    format!("{}", rng.below(100_000)),
                    String::new(),
                    "ok".into(),
                ],
                1 => [
                    id,
                    format!("SN-{:06}", rng.below(1_000_000)),
                    "12".into(),
                    String::new(),
                ],
                _ => [
                    id,
                    String::new(),
                    String::new(),
                    format!("{}", rng.below(999)),
                ],
            }
        };
        w.write_record(&rec).expect("write");
    }
    w.flush().expect("flush");
}
