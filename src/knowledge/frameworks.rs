//! The control catalogues that library coverage is measured against.
//!
//! Entries map themselves to frameworks with tags (`soc2:CC6.1`, `iso27001:A.8.24`). To say
//! which criteria or controls have *no* answer, the full lists must be known: the SOC 2 Trust
//! Services Criteria (2017, with the revised points of focus of 2022; the points of focus
//! changed, the criteria did not) and the 93 controls of ISO/IEC 27001:2022 Annex A. This file
//! is only that data, with short titles a compliance manager recognises, grouped as the
//! frameworks group them (TSC category, Annex A theme).

/// A framework: its tag prefix, its name, and its controls in groups.
#[derive(Debug, Clone, Copy)]
pub struct Framework {
    /// The tag prefix before the `:` (`soc2`, `iso27001`).
    pub tag: &'static str,
    pub name: &'static str,
    /// What one item is called (`criterion`, `control`), for messages.
    pub item: &'static str,
    pub groups: &'static [Group],
}

/// A group of controls: a TSC category (`CC6`) or an Annex A theme (`A.8`).
#[derive(Debug, Clone, Copy)]
pub struct Group {
    pub id: &'static str,
    pub title: &'static str,
    /// (control id, short title), in the framework's order.
    pub controls: &'static [(&'static str, &'static str)],
}

impl Framework {
    /// Every control id with its title, in order.
    pub fn controls(&self) -> impl Iterator<Item = &(&'static str, &'static str)> {
        self.groups.iter().flat_map(|g| g.controls.iter())
    }

    /// The framework's own spelling of `id` (`cc6.1` → `CC6.1`), if it is one of its controls.
    pub fn canonical(&self, id: &str) -> Option<&'static str> {
        let id = id.trim();
        self.controls()
            .map(|(c, _)| *c)
            .find(|c| c.eq_ignore_ascii_case(id))
    }

    /// True when a mapping names something this catalogue does not list on purpose: an ISO
    /// 27001 management-system clause (`iso27001:9.3`) is not an Annex A control.
    pub fn outside_catalogue(&self, id: &str) -> bool {
        self.tag == "iso27001" && !id.trim().to_ascii_uppercase().starts_with("A.")
    }
}

/// SOC 2 Trust Services Criteria (2017 TSC, revised points of focus 2022): 61 criteria.
pub const SOC2: Framework = Framework {
    tag: "soc2",
    name: "SOC 2 Trust Services Criteria",
    item: "criterion",
    groups: &[
        Group {
            id: "CC1",
            title: "Control environment",
            controls: &[
                ("CC1.1", "Integrity and ethical values"),
                ("CC1.2", "Board independence and oversight"),
                ("CC1.3", "Structures, reporting lines and authorities"),
                ("CC1.4", "Commitment to competence"),
                ("CC1.5", "Accountability for internal control"),
            ],
        },
        Group {
            id: "CC2",
            title: "Communication and information",
            controls: &[
                ("CC2.1", "Relevant, quality information"),
                ("CC2.2", "Internal communication"),
                ("CC2.3", "External communication"),
            ],
        },
        Group {
            id: "CC3",
            title: "Risk assessment",
            controls: &[
                ("CC3.1", "Objectives specified to identify risks"),
                ("CC3.2", "Risk identification and analysis"),
                ("CC3.3", "Fraud risk"),
                ("CC3.4", "Significant changes"),
            ],
        },
        Group {
            id: "CC4",
            title: "Monitoring activities",
            controls: &[
                ("CC4.1", "Ongoing and separate evaluations"),
                ("CC4.2", "Deficiencies communicated"),
            ],
        },
        Group {
            id: "CC5",
            title: "Control activities",
            controls: &[
                ("CC5.1", "Control activities selected and developed"),
                ("CC5.2", "General controls over technology"),
                ("CC5.3", "Policies and procedures"),
            ],
        },
        Group {
            id: "CC6",
            title: "Logical and physical access",
            controls: &[
                ("CC6.1", "Logical access security"),
                ("CC6.2", "User registration and authorization"),
                ("CC6.3", "Role-based access, changes and removal"),
                ("CC6.4", "Physical access"),
                ("CC6.5", "Disposal of assets and data"),
                ("CC6.6", "Protection against external threats"),
                ("CC6.7", "Transmission and movement of information"),
                ("CC6.8", "Unauthorized or malicious software"),
            ],
        },
        Group {
            id: "CC7",
            title: "System operations",
            controls: &[
                ("CC7.1", "Configuration and vulnerability detection"),
                ("CC7.2", "Monitoring for anomalies"),
                ("CC7.3", "Evaluation of security events"),
                ("CC7.4", "Incident response"),
                ("CC7.5", "Recovery from incidents"),
            ],
        },
        Group {
            id: "CC8",
            title: "Change management",
            controls: &[("CC8.1", "Changes authorized, tested and approved")],
        },
        Group {
            id: "CC9",
            title: "Risk mitigation",
            controls: &[
                ("CC9.1", "Business disruption risk"),
                ("CC9.2", "Vendor and business partner risk"),
            ],
        },
        Group {
            id: "A1",
            title: "Availability",
            controls: &[
                ("A1.1", "Capacity management"),
                ("A1.2", "Environmental protection, backup and recovery"),
                ("A1.3", "Recovery plan testing"),
            ],
        },
        Group {
            id: "C1",
            title: "Confidentiality",
            controls: &[
                ("C1.1", "Confidential information identified and protected"),
                ("C1.2", "Confidential information disposed of"),
            ],
        },
        Group {
            id: "PI1",
            title: "Processing integrity",
            controls: &[
                ("PI1.1", "Processing specifications"),
                ("PI1.2", "Complete and accurate inputs"),
                ("PI1.3", "Complete and accurate processing"),
                ("PI1.4", "Complete and accurate outputs"),
                ("PI1.5", "Stored inputs and outputs"),
            ],
        },
        Group {
            id: "P",
            title: "Privacy",
            controls: &[
                ("P1.1", "Privacy notice"),
                ("P2.1", "Choice and consent"),
                ("P3.1", "Collection consistent with objectives"),
                ("P3.2", "Explicit consent for collection"),
                ("P4.1", "Use limited to objectives"),
                ("P4.2", "Retention"),
                ("P4.3", "Disposal"),
                ("P5.1", "Access by data subjects"),
                ("P5.2", "Correction by data subjects"),
                ("P6.1", "Disclosure to third parties"),
                ("P6.2", "Record of authorized disclosures"),
                ("P6.3", "Record of unauthorized disclosures"),
                ("P6.4", "Commitments of third parties"),
                ("P6.5", "Third parties report unauthorized disclosures"),
                ("P6.6", "Breach notification"),
                ("P6.7", "Accounting of disclosures"),
                ("P7.1", "Data quality"),
                ("P8.1", "Inquiries, complaints and disputes"),
            ],
        },
    ],
};

/// ISO/IEC 27001:2022 Annex A: 93 controls in four themes.
pub const ISO27001: Framework = Framework {
    tag: "iso27001",
    name: "ISO/IEC 27001:2022 Annex A",
    item: "control",
    groups: &[
        Group {
            id: "A.5",
            title: "Organizational controls",
            controls: &[
                ("A.5.1", "Policies for information security"),
                ("A.5.2", "Information security roles and responsibilities"),
                ("A.5.3", "Segregation of duties"),
                ("A.5.4", "Management responsibilities"),
                ("A.5.5", "Contact with authorities"),
                ("A.5.6", "Contact with special interest groups"),
                ("A.5.7", "Threat intelligence"),
                ("A.5.8", "Information security in project management"),
                (
                    "A.5.9",
                    "Inventory of information and other associated assets",
                ),
                (
                    "A.5.10",
                    "Acceptable use of information and other associated assets",
                ),
                ("A.5.11", "Return of assets"),
                ("A.5.12", "Classification of information"),
                ("A.5.13", "Labelling of information"),
                ("A.5.14", "Information transfer"),
                ("A.5.15", "Access control"),
                ("A.5.16", "Identity management"),
                ("A.5.17", "Authentication information"),
                ("A.5.18", "Access rights"),
                ("A.5.19", "Information security in supplier relationships"),
                (
                    "A.5.20",
                    "Addressing information security within supplier agreements",
                ),
                (
                    "A.5.21",
                    "Managing information security in the ICT supply chain",
                ),
                (
                    "A.5.22",
                    "Monitoring, review and change management of supplier services",
                ),
                ("A.5.23", "Information security for use of cloud services"),
                ("A.5.24", "Incident management planning and preparation"),
                (
                    "A.5.25",
                    "Assessment and decision on information security events",
                ),
                ("A.5.26", "Response to information security incidents"),
                ("A.5.27", "Learning from information security incidents"),
                ("A.5.28", "Collection of evidence"),
                ("A.5.29", "Information security during disruption"),
                ("A.5.30", "ICT readiness for business continuity"),
                (
                    "A.5.31",
                    "Legal, statutory, regulatory and contractual requirements",
                ),
                ("A.5.32", "Intellectual property rights"),
                ("A.5.33", "Protection of records"),
                ("A.5.34", "Privacy and protection of PII"),
                ("A.5.35", "Independent review of information security"),
                ("A.5.36", "Compliance with policies, rules and standards"),
                ("A.5.37", "Documented operating procedures"),
            ],
        },
        Group {
            id: "A.6",
            title: "People controls",
            controls: &[
                ("A.6.1", "Screening"),
                ("A.6.2", "Terms and conditions of employment"),
                (
                    "A.6.3",
                    "Information security awareness, education and training",
                ),
                ("A.6.4", "Disciplinary process"),
                (
                    "A.6.5",
                    "Responsibilities after termination or change of employment",
                ),
                ("A.6.6", "Confidentiality or non-disclosure agreements"),
                ("A.6.7", "Remote working"),
                ("A.6.8", "Information security event reporting"),
            ],
        },
        Group {
            id: "A.7",
            title: "Physical controls",
            controls: &[
                ("A.7.1", "Physical security perimeters"),
                ("A.7.2", "Physical entry"),
                ("A.7.3", "Securing offices, rooms and facilities"),
                ("A.7.4", "Physical security monitoring"),
                (
                    "A.7.5",
                    "Protecting against physical and environmental threats",
                ),
                ("A.7.6", "Working in secure areas"),
                ("A.7.7", "Clear desk and clear screen"),
                ("A.7.8", "Equipment siting and protection"),
                ("A.7.9", "Security of assets off-premises"),
                ("A.7.10", "Storage media"),
                ("A.7.11", "Supporting utilities"),
                ("A.7.12", "Cabling security"),
                ("A.7.13", "Equipment maintenance"),
                ("A.7.14", "Secure disposal or re-use of equipment"),
            ],
        },
        Group {
            id: "A.8",
            title: "Technological controls",
            controls: &[
                ("A.8.1", "User endpoint devices"),
                ("A.8.2", "Privileged access rights"),
                ("A.8.3", "Information access restriction"),
                ("A.8.4", "Access to source code"),
                ("A.8.5", "Secure authentication"),
                ("A.8.6", "Capacity management"),
                ("A.8.7", "Protection against malware"),
                ("A.8.8", "Management of technical vulnerabilities"),
                ("A.8.9", "Configuration management"),
                ("A.8.10", "Information deletion"),
                ("A.8.11", "Data masking"),
                ("A.8.12", "Data leakage prevention"),
                ("A.8.13", "Information backup"),
                ("A.8.14", "Redundancy of information processing facilities"),
                ("A.8.15", "Logging"),
                ("A.8.16", "Monitoring activities"),
                ("A.8.17", "Clock synchronization"),
                ("A.8.18", "Use of privileged utility programs"),
                ("A.8.19", "Installation of software on operational systems"),
                ("A.8.20", "Networks security"),
                ("A.8.21", "Security of network services"),
                ("A.8.22", "Segregation of networks"),
                ("A.8.23", "Web filtering"),
                ("A.8.24", "Use of cryptography"),
                ("A.8.25", "Secure development life cycle"),
                ("A.8.26", "Application security requirements"),
                (
                    "A.8.27",
                    "Secure system architecture and engineering principles",
                ),
                ("A.8.28", "Secure coding"),
                ("A.8.29", "Security testing in development and acceptance"),
                ("A.8.30", "Outsourced development"),
                (
                    "A.8.31",
                    "Separation of development, test and production environments",
                ),
                ("A.8.32", "Change management"),
                ("A.8.33", "Test information"),
                (
                    "A.8.34",
                    "Protection of information systems during audit testing",
                ),
            ],
        },
    ],
};

/// The frameworks coverage is reported for, in report order.
pub const FRAMEWORKS: [&Framework; 2] = [&SOC2, &ISO27001];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_are_complete_and_unique() {
        assert_eq!(SOC2.controls().count(), 61);
        assert_eq!(ISO27001.controls().count(), 93);
        for f in FRAMEWORKS {
            let mut ids: Vec<&str> = f.controls().map(|(c, _)| *c).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), f.controls().count(), "{}", f.name);
        }
        let counts: Vec<usize> = ISO27001.groups.iter().map(|g| g.controls.len()).collect();
        assert_eq!(counts, [37, 8, 14, 34]);
    }

    #[test]
    fn canonical_spelling_and_clauses() {
        assert_eq!(SOC2.canonical("cc6.1"), Some("CC6.1"));
        assert_eq!(SOC2.canonical("CC6.9"), None);
        assert_eq!(ISO27001.canonical("a.8.24"), Some("A.8.24"));
        assert!(ISO27001.outside_catalogue("9.3"));
        assert!(!ISO27001.outside_catalogue("A.5.99"));
        assert!(!SOC2.outside_catalogue("CC9.9"));
    }
}
