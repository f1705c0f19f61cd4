#!/usr/bin/env python3
"""Write samples/answered-last-year.xlsx: a small questionnaire a team answered by hand.

It is the input of `vouch library import-answered` in the README and in
tests/import_answered.rs: last year's answers of the fictional Larkspur Cloud, Inc. (see
knowledge/company-facts.md) to a customer's home-made questionnaire, in the customer's own
wording. Most rows agree with the shipped library; a few are out of date (they conflict
with it); a few ask what the library does not cover; two were left unanswered.

Regenerate with:  python3 scripts/make-answered-sample.py   (needs openpyxl)
"""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

OUT = Path(__file__).resolve().parent.parent / "samples" / "answered-last-year.xlsx"

# (question, answer, comments), in the customer's wording and the team's hand.
ROWS = [
    # Agrees with the library.
    ("Is customer information encrypted while it is stored on disk?", "Yes",
     "AES-256 encryption through Google Cloud KMS for databases, documents and disks."),
    ("Is data protected by encryption when it travels over public networks?", "Yes",
     "HTTPS only, TLS 1.2 or 1.3."),
    ("Must every member of staff use MFA when signing in?", "Yes",
     "Entra ID with FIDO2 security keys for everyone, contractors included."),
    ("Can our users log in to your platform through our own identity provider (SAML SSO)?", "Yes",
     "SAML 2.0 or OpenID Connect on the Professional and Enterprise plans."),
    ("How frequently do you review who has access to what?", "Quarterly",
     "System owners review production, cloud, GitHub and IdP access every quarter."),
    ("Does your organisation hold an ISO 27001 certificate?", "Yes",
     "ISO/IEC 27001:2022, certificate LKC-ISMS-24-0588 from Ashgrove Certification Ltd."),
    ("Do you maintain a documented incident response plan for security incidents?", "Yes",
     "Security Incident Response Plan, reviewed every year."),
    ("Are background checks carried out on all new employees before they start?", "Yes",
     "Criminal and employment checks before the start date, where local law allows."),
    ("Do all staff complete security awareness training?", "Yes",
     "On joining and every year after."),
    ("Will any of our content be used to train machine learning models?", "No",
     "Neither Larkspur nor its model provider trains on customer content."),
    ("What is your recovery point objective for customer data?", "15 minutes",
     "Continuous replication to the recovery region."),
    ("Is there a public status page showing the health of the service?", "Yes",
     "https://status.larkspur.example"),
    ("Have you published a vulnerability disclosure policy for security researchers?", "Yes",
     "Linked from security.txt; reports go to security@larkspur.example."),
    ("Are your production environments kept separate from development and testing?", "Yes",
     "Separate Google Cloud projects and access groups."),
    ("Is endpoint detection and response software installed on all company laptops?", "Yes",
     "SentinelOne on every Mac, kept running by Kandji."),
    ("Do you log administrator activity in production?", "Yes",
     "Privileged sessions and admin actions are logged centrally and kept for a year."),
    ("Do you run a private bug bounty through HackerOne?", "Yes", ""),
    ("Is all production infrastructure defined in Terraform or similar infrastructure-as-code?", "Yes",
     "Every Google Cloud resource is in Terraform, changed through pull requests."),
    ("Is the use of USB storage devices blocked on company computers?", "Yes", ""),
    # Out of date: last year's answers that the library has since moved past.
    ("Can you provide a SOC 1 Type II report for the Revenue Schedules module?", "No",
     "We have a SOC 1 Type I as of 31 August 2024; the first Type II is in progress."),
    ("Are there any nonconformities still open from your ISO 27001 audits?", "Yes",
     "One minor nonconformity from the April 2025 surveillance audit, being fixed."),
    ("How long do you retain backup copies?", "14 days",
     "Daily backups expire after 14 days."),
    ("How quickly will you tell us about a breach that affects our data?", "Within 72 hours",
     "Notification by email to the customer's security contact."),
    # Questions the library does not cover yet.
    ("Do you offer a self-hosted edition of the product that we can run ourselves?", "No",
     "The Larkspur Platform is offered as SaaS only."),
    ("Does the web application conform to WCAG 2.1 level AA accessibility guidelines?", "Partial",
     "Most screens conform; the redlining editor has known gaps, scheduled for fixes."),
    ("Do you sponsor staff to obtain professional certifications such as CISSP or OSCP?", "Yes",
     "Each security engineer has an annual training and certification budget."),
    ("Is there an environmental sustainability policy covering your operations?", "Yes",
     "Published on the corporate website; hosting is on carbon-neutral Google Cloud regions."),
    # Left unanswered.
    ("Do you hold cyber insurance that names customers as additional insured?", "", ""),
    ("Which open-source licences are used in the product?", "", ""),
]

HEADER = ["#", "Question", "Answer", "Comments"]


def main():
    wb = Workbook()
    ws = wb.active
    ws.title = "Security Questionnaire"
    ws.append(HEADER)
    for c in ws[1]:
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", fgColor="305496")
    for n, (q, a, comment) in enumerate(ROWS, start=1):
        ws.append([n, q, a or None, comment or None])
    for col, width in zip("ABCD", (5, 70, 16, 70)):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    # Fixed properties, so that the file is the same on every run.
    import datetime
    fixed = datetime.datetime(2025, 5, 20, 9, 0, 0)
    wb.properties.creator = "Larkspur GRC"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.save(OUT)
    print(f"wrote {OUT} ({len(ROWS)} questions)")


if __name__ == "__main__":
    main()
